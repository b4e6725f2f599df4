// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "harness/codec/cp_payload.h"
#include "harness/codec/eap_payload.h"
#include "harness/codec/field_access.h"
#include "harness/codec/id_payload.h"
#include "harness/codec/ke_payload.h"
#include "harness/codec/nonce_payload.h"
#include "harness/codec/notify_payload.h"
#include "harness/codec/sa_payload.h"
#include "harness/codec/ts_payload.h"
#include "harness/codec/vendor_id_payload.h"
#include "harness/crypto/key_table.h"
#include "harness/crypto/sk.h"
#include "harness/crypto/sk_decryptor.h"
#include "harness/engine/seeded_random.h"
#include "harness/flexvpn/hub.h"
#include "harness/scenario/peer_adapter.h"
#include "harness/scenario/self_pair.h"
#include "harness/scenario/udp_driver.h"
#include "reports/pcap_writer.h"

namespace ikeh::scenario {

const char* role_name(Role r) { return r == Role::Initiator ? "initiator" : "responder"; }

namespace {

using codec::Payload;
using codec::PayloadType;
using core::Bytes;
using reports::ScenarioResult;
using reports::TranscriptMessage;
using reports::Verdict;

std::string hex(core::BytesView b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

// `n` bytes of `v`, big-endian: how captured header fields are stored.
Bytes big_endian(uint64_t v, std::size_t n) {
  Bytes b(n);
  for (std::size_t i = n; i-- > 0; v >>= 8) b[i] = static_cast<uint8_t>(v);
  return b;
}

// The value a capture source names in a message (Capture, Compare); nothing
// when the message does not carry it.
std::optional<Bytes> source_value(const TranscriptMessage& m, const std::string& from) {
  if (from == "spi_i") return big_endian(m.spi_i, 8);
  if (from == "spi_r") return big_endian(m.spi_r, 8);
  if (from == "message_id") return big_endian(m.message_id, 4);
  for (const auto& p : m.payloads) {
    if (from == "nonce" && p.type == PayloadType::NONCE)
      if (const auto* n = p.as<codec::NoncePayload>()) return n->data;
    if (from == "ke")
      if (const auto* k = p.as<codec::KePayload>()) return k->data;
    if (from == "cookie")
      if (const auto* n = p.as<codec::NotifyPayload>(); n && n->type == codec::NotifyType::COOKIE) return n->data;
    if (from == "address")
      if (const auto* cp = p.as<codec::CpPayload>())
        for (const auto& a : cp->attributes)
          if ((a.type == codec::CfgAttributeType::INTERNAL_IP4_ADDRESS ||
               a.type == codec::CfgAttributeType::INTERNAL_IP6_ADDRESS) && !a.value.empty())
            return a.value;
  }
  return std::nullopt;
}

// What a message lacks when a source finds nothing: "no Nonce payload".
std::string missing_text(const std::string& from) {
  if (from == "nonce") return "no Nonce payload";
  if (from == "ke") return "no KE payload";
  if (from == "cookie") return "no N(COOKIE)";
  if (from == "address") return "no internal address in a CP payload";
  return "no " + from;
}

std::string seconds_text(core::Duration d) {
  std::ostringstream o;
  o << std::chrono::duration<double>(d).count() << " s";
  return o.str();
}

// "N(COOKIE)", "CP(CFG_REPLY)", "SA", ...: the words payload specs use.
std::string payload_label(const Payload& p) {
  if (const auto* n = p.as<codec::NotifyPayload>()) return "N(" + codec::label(n->type) + ")";
  if (const auto* c = p.as<codec::CpPayload>()) return "CP(" + codec::label(c->cfg_type) + ")";
  return codec::label(p.type);
}

std::string message_label(const TranscriptMessage& m) {
  std::string s = codec::label(m.exchange) + (m.response ? " response" : " request") + " #" +
                  std::to_string(m.message_id) + " [";
  for (std::size_t i = 0; i < m.payloads.size(); ++i) s += (i ? " " : "") + payload_label(m.payloads[i]);
  return s + "]";
}

std::string match_text(const MessageMatch& m) {
  std::string s = m.exchange ? codec::label(*m.exchange) : std::string("a message");
  if (m.response) s += *m.response ? " response" : " request";
  if (m.message_id) s += " #" + std::to_string(*m.message_id);
  return s;
}

bool spec_matches(const PayloadSpec& s, const Payload& p) {
  if (s.type != p.type) return false;
  if (s.notify) {
    const auto* n = p.as<codec::NotifyPayload>();
    if (!n || static_cast<uint16_t>(n->type) != *s.notify) return false;
  }
  if (s.cfg) {
    const auto* c = p.as<codec::CpPayload>();
    if (!c || c->cfg_type != *s.cfg) return false;
  }
  return true;
}

std::string specs_text(const std::vector<PayloadSpec>& specs) {
  std::string s = "[";
  for (std::size_t i = 0; i < specs.size(); ++i) s += (i ? " " : "") + specs[i].text;
  return s + "]";
}

// Whether every spec finds its own payload; specific specs (with an
// argument) are placed first so a bare "N" does not take the payload an
// "N(COOKIE)" needs.
bool assign_all(std::vector<PayloadSpec> specs, const std::vector<Payload>& payloads) {
  std::stable_sort(specs.begin(), specs.end(), [](const PayloadSpec& a, const PayloadSpec& b) {
    return (a.notify || a.cfg) > (b.notify || b.cfg);
  });
  std::vector<bool> used(payloads.size(), false);
  for (const auto& s : specs) {
    bool found = false;
    for (std::size_t i = 0; i < payloads.size() && !found; ++i)
      if (!used[i] && spec_matches(s, payloads[i])) used[i] = found = true;
    if (!found) return false;
  }
  return true;
}

struct Mismatch {
  std::string reason, expected, got;
};

// "ID_FQDN responder.test", "ID_IPV4_ADDR 10.0.0.2": the data as the type
// shows it (codec::id_data_show).
std::string identity_text(const codec::IdPayload& id) {
  std::string data;
  switch (codec::id_data_show(id.id_type)) {
    case codec::Show::Text: data.assign(id.data.begin(), id.data.end()); break;
    case codec::Show::Ipv4:
    case codec::Show::Ipv6:
      data = id.data.size() == 4 || id.data.size() == 16 ? address_text(id.data) : hex(id.data);
      break;
    default: data = hex(id.data); break;
  }
  return codec::label(id.id_type) + " " + data;
}

// The smallest prefix length covering start..end exactly; -1 when the range
// is not a prefix.
int cidr_prefix(const Bytes& start, const Bytes& end) {
  if (start.size() != end.size()) return -1;
  const int bits = static_cast<int>(start.size()) * 8;
  int prefix = 0;
  auto bit = [](const Bytes& b, int i) { return (b[static_cast<std::size_t>(i / 8)] >> (7 - i % 8)) & 1; };
  while (prefix < bits && bit(start, prefix) == bit(end, prefix)) ++prefix;
  for (int i = prefix; i < bits; ++i)
    if (bit(start, i) != 0 || bit(end, i) != 1) return -1;
  return prefix;
}

// A selector in the notation parse_traffic_selector reads: "10.0.0.0/24",
// "10.0.0.1-10.0.0.9", "0.0.0.0/0[tcp/443]". (harness/cli/peer_command.cc
// prints selectors the same way; cli may not be used from here.)
std::string selector_text(const codec::TrafficSelector& ts) {
  if (!ts.is_ip() || ts.start_address.size() != ts.address_size() || ts.end_address.size() != ts.address_size())
    return codec::label(ts.ts_type) + " " + hex(ts.data);
  int prefix = cidr_prefix(ts.start_address, ts.end_address);
  std::string out = prefix >= 0 ? address_text(ts.start_address) + "/" + std::to_string(prefix)
                                : address_text(ts.start_address) + "-" + address_text(ts.end_address);
  const bool all_ports = ts.start_port == 0 && ts.end_port == 65535;
  if (ts.ip_protocol_id == 0 && all_ports) return out;
  static const std::map<uint8_t, const char*> kNames = {{1, "icmp"}, {6, "tcp"},  {17, "udp"},    {47, "gre"},
                                                        {50, "esp"}, {51, "ah"},  {58, "icmpv6"}, {132, "sctp"}};
  auto name = kNames.find(ts.ip_protocol_id);
  out += "[" + (ts.ip_protocol_id == 0           ? std::string("any")
                : name != kNames.end()           ? std::string(name->second)
                                                 : std::to_string(ts.ip_protocol_id));
  if (ts.start_port == 65535 && ts.end_port == 0)
    out += "/opaque";
  else if (ts.start_port == ts.end_port)
    out += "/" + std::to_string(ts.start_port);
  else if (!all_ports)
    out += "/" + std::to_string(ts.start_port) + "-" + std::to_string(ts.end_port);
  return out + "]";
}

std::string selectors_text(const std::string& which, const std::vector<codec::TrafficSelector>& v) {
  std::string s = which + " [";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + selector_text(v[i]);
  return s + "]";
}

bool same_selector(const codec::TrafficSelector& a, const codec::TrafficSelector& b) {
  return a.ts_type == b.ts_type && a.ip_protocol_id == b.ip_protocol_id && a.start_port == b.start_port &&
         a.end_port == b.end_port && a.start_address == b.start_address && a.end_address == b.end_address &&
         a.data == b.data;
}

bool vendor_id_matches(const VendorIdExpect& want, const Bytes& data) {
  if (!want.prefix) return data == want.data;
  return data.size() >= want.data.size() && std::equal(want.data.begin(), want.data.end(), data.begin());
}

// Whether every expected vendor ID gets a V payload of its own: a bipartite
// matching (augmenting paths), since a prefix entry may take the payload an
// exact entry needs when matched greedily.
bool assign_vendor_ids(const std::vector<VendorIdExpect>& want, const std::vector<const Bytes*>& have) {
  std::vector<int> owner(have.size(), -1);
  std::function<bool(std::size_t, std::vector<bool>&)> place = [&](std::size_t w, std::vector<bool>& seen) {
    for (std::size_t h = 0; h < have.size(); ++h) {
      if (seen[h] || !vendor_id_matches(want[w], *have[h])) continue;
      seen[h] = true;
      if (owner[h] < 0 || place(static_cast<std::size_t>(owner[h]), seen)) {
        owner[h] = static_cast<int>(w);
        return true;
      }
    }
    return false;
  };
  for (std::size_t w = 0; w < want.size(); ++w) {
    std::vector<bool> seen(have.size(), false);
    if (!place(w, seen)) return false;
  }
  return true;
}

std::optional<Mismatch> check_payloads(const ExpectStep& e, const TranscriptMessage& m) {
  const auto& ps = m.payloads;
  std::string got = message_label(m);
  if (e.payloads) {
    const auto& specs = *e.payloads;
    bool ok = true;
    switch (e.order) {
      case PayloadOrder::Exact:
        ok = specs.size() == ps.size();
        for (std::size_t i = 0; ok && i < specs.size(); ++i) ok = spec_matches(specs[i], ps[i]);
        break;
      case PayloadOrder::Set: ok = specs.size() == ps.size() && assign_all(specs, ps); break;
      case PayloadOrder::Includes: ok = assign_all(specs, ps); break;
    }
    if (!ok) {
      const char* how = e.order == PayloadOrder::Exact ? "exactly, in this order"
                        : e.order == PayloadOrder::Set ? "exactly, in any order"
                                                       : "at least";
      return Mismatch{"payloads differ", "payloads " + specs_text(specs) + " (" + how + ")", got};
    }
  }
  for (const auto& a : e.absent)
    for (const auto& p : ps)
      if (spec_matches(a, p)) return Mismatch{"a payload that must be absent is present", "no " + a.text, got};
  for (const auto& ne : e.notifies) {
    const codec::NotifyPayload* found = nullptr;
    for (const auto& p : ps)
      if (const auto* n = p.as<codec::NotifyPayload>(); n && static_cast<uint16_t>(n->type) == ne.type) {
        found = n;
        break;
      }
    std::string name = codec::label(static_cast<codec::NotifyType>(ne.type));
    if (!found) return Mismatch{"notify missing", "N(" + name + ")", got};
    if (ne.data && found->data != *ne.data)
      return Mismatch{"notify data differs",
                      "N(" + name + ") data " + hex(*ne.data) + (ne.data_var ? " ($" + *ne.data_var + ")" : ""),
                      "N(" + name + ") data " + hex(found->data)};
    if (ne.data_length && found->data.size() != *ne.data_length)
      return Mismatch{"notify data length differs", "N(" + name + ") with " + std::to_string(*ne.data_length) +
                                                        " bytes of data",
                      "N(" + name + ") with " + std::to_string(found->data.size()) + " bytes of data"};
  }
  if (e.cp) {
    const codec::CpPayload* cp = nullptr;
    for (const auto& p : ps)
      if ((cp = p.as<codec::CpPayload>())) break;
    if (!cp) return Mismatch{"CP payload missing", "a CP payload", got};
    if (e.cp->type && cp->cfg_type != *e.cp->type)
      return Mismatch{"CP type differs", "CP(" + codec::label(*e.cp->type) + ")", "CP(" + codec::label(cp->cfg_type) + ")"};
    std::vector<bool> used(cp->attributes.size(), false);
    for (const auto& ae : e.cp->attributes) {
      std::string name = codec::label(static_cast<codec::CfgAttributeType>(ae.type));
      bool found = false;
      std::string seen;
      for (std::size_t i = 0; i < cp->attributes.size() && !found; ++i) {
        const auto& a = cp->attributes[i];
        if (used[i] || static_cast<uint16_t>(a.type) != ae.type) continue;
        seen = name + " = " + (a.value.empty() ? "(empty)" : hex(a.value));
        if (ae.value && a.value != *ae.value) continue;
        if (ae.length && a.value.size() != *ae.length) continue;
        used[i] = found = true;
      }
      if (!found) {
        std::string want = name;
        if (ae.value) want += " = " + hex(*ae.value) + (ae.value_var ? " ($" + *ae.value_var + ")" : "");
        if (ae.length) want += " of " + std::to_string(*ae.length) + " bytes";
        return Mismatch{"CP attribute missing or different", want, seen.empty() ? "no " + name : seen};
      }
    }
    if (e.cp->only)
      for (std::size_t i = 0; i < used.size(); ++i)
        if (!used[i])
          return Mismatch{"CP has an attribute not expected", "only the listed attributes",
                          "also " + codec::label(cp->attributes[i].type)};
  }
  if (e.sa) {
    const codec::SaPayload* sa = nullptr;
    for (const auto& p : ps)
      if ((sa = p.as<codec::SaPayload>())) break;
    if (!sa || sa->proposals.empty()) return Mismatch{"SA payload missing", "an SA payload with a proposal", got};
    const auto& prop = sa->proposals.front();
    auto check = [&](codec::TransformType type, std::optional<uint16_t> want) -> std::optional<Mismatch> {
      if (!want) return std::nullopt;
      for (const auto& t : prop.transforms)
        if (t.type == type) {
          if (t.id == *want) return std::nullopt;
          return Mismatch{"the chosen transform differs",
                          codec::label(type) + " " + std::string(codec::transform_id_name(type, *want)),
                          codec::label(type) + " " + std::string(codec::transform_id_name(type, t.id))};
        }
      return Mismatch{"a transform is missing", codec::label(type) + " " +
                                                    std::string(codec::transform_id_name(type, *want)),
                      "no " + codec::label(type)};
    };
    for (auto [type, want] : {std::pair{codec::TransformType::ENCR, e.sa->encr},
                              std::pair{codec::TransformType::PRF, e.sa->prf},
                              std::pair{codec::TransformType::INTEG, e.sa->integ},
                              std::pair{codec::TransformType::DH, e.sa->dh}})
      if (auto mm = check(type, want)) return mm;
    if (e.sa->key_length) {
      uint16_t got_len = 0;
      for (const auto& t : prop.transforms)
        if (t.type == codec::TransformType::ENCR)
          for (const auto& a : t.attributes)
            if (a.tv && a.type == 14) got_len = a.value;  // RFC 7296 3.3.5: Key Length
      if (got_len != *e.sa->key_length)
        return Mismatch{"the key length differs", "key length " + std::to_string(*e.sa->key_length),
                        "key length " + std::to_string(got_len)};
    }
  }
  if (e.id) {
    const PayloadType type = m.response ? PayloadType::IDr : PayloadType::IDi;
    const std::string name = codec::label(type);
    const codec::IdPayload* id = nullptr;
    for (const auto& p : ps)
      if (p.type == type && (id = p.as<codec::IdPayload>())) break;
    const std::string want = name + " " + identity_text(*e.id);
    if (!id) return Mismatch{name + " payload missing", want, got};
    if (id->id_type != e.id->id_type || id->data != e.id->data)
      return Mismatch{"the identity differs", want, name + " " + identity_text(*id)};
  }
  if (e.ts) {
    for (const auto& [type, want] : {std::pair{PayloadType::TSi, &e.ts->tsi}, std::pair{PayloadType::TSr, &e.ts->tsr}}) {
      if (!*want) continue;
      const std::string name = codec::label(type);
      const codec::TsPayload* ts = nullptr;
      for (const auto& p : ps)
        if (p.type == type && (ts = p.as<codec::TsPayload>())) break;
      if (!ts) return Mismatch{name + " payload missing", selectors_text(name, **want), got};
      bool same = ts->selectors.size() == (*want)->size();
      for (std::size_t i = 0; same && i < ts->selectors.size(); ++i) same = same_selector(ts->selectors[i], (**want)[i]);
      if (!same)
        return Mismatch{"the traffic selectors differ", selectors_text(name, **want), selectors_text(name, ts->selectors)};
    }
  }
  if (!e.vendor_ids.empty()) {
    std::vector<const Bytes*> have;
    for (const auto& p : ps)
      if (const auto* v = p.as<codec::VendorIdPayload>()) have.push_back(&v->data);
    if (!assign_vendor_ids(e.vendor_ids, have)) {
      std::string want = "V";
      for (const auto& v : e.vendor_ids) want += " " + (v.text.empty() ? std::string("(empty)") : v.text);
      std::string seen;
      for (const Bytes* h : have) seen += " " + (h->empty() ? std::string("(empty)") : hex(*h));
      return Mismatch{"a vendor ID is missing", want, have.empty() ? "no V payload" : "V" + seen};
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------

const char* start_kind_name(StartKind k) {
  static const char* kNames[] = {"ike_sa", "child_sa", "rekey_child", "rekey_ike",
                                 "delete_child", "delete_ike", "liveness", "cfg_set"};
  return kNames[static_cast<int>(k)];
}

// Whether a step makes the peer act or looks at the peer's engine.
bool peer_starts(const Scenario& s) {
  return std::any_of(s.steps.begin(), s.steps.end(), [](const Step& st) {
    const auto* start = std::get_if<StartStep>(&st);
    return start && start->by == Side::Peer;
  });
}

// One scenario against either peer. In self mode the peer is a second engine
// on a MemoryLink and virtual time, and its MessageSent events give the
// transcript of what it sent. Against an external peer the harness's engine
// runs on UDP in real time (UdpDriver); what the peer sent is every IKE
// datagram received from it, decoded here and decrypted with the harness's
// own keys, so messages the engine drops (a bad ICV, an unexpected message)
// are in the transcript too. The peer's own state cannot be read then:
// assertions on it are noted as not checked, and the peer starts exchanges
// only through the profile's adapter.
class ScenarioRun {
 public:
  ScenarioRun(const Scenario& s, const RunOptions& o, ScenarioResult& r) : s_(s), o_(o), r_(r) {}

  void run() {
    if (!(o_.peer.kind == PeerKind::Self ? open_self() : open_external())) return;
    start_ = now();
    last_activity_ = start_;
    harness_->add_observer([this](const engine::Event& e) { on_event(e, true); });
    if (peer_) peer_->add_observer([this](const engine::Event& e) { on_event(e, false); });
    if (!attach_hub(s_.harness_hub, *harness_, true)) return;
    if (peer_ && !attach_hub(s_.peer_hub, *peer_, false)) return;
    install_hooks();

    bool ready = true;
    if (udp_ && !o_.peer.adapter.empty()) ready = adapter_sync({"prepare"}, std::chrono::seconds(60), true);
    for (std::size_t i = 0; ready && i < s_.steps.size() && r_.verdict == Verdict::Pass; ++i) {
      step_ = i;
      std::visit([this](const auto& st) { exec(st); }, s_.steps[i]);
      if (!mutation_error_.empty() && r_.verdict == Verdict::Pass) error(mutation_error_);
    }
    if (r_.verdict == Verdict::Pass)
      for (const auto& a : armed_)
        if (a.remaining == a.step->count) {
          step_ = a.step_index;
          error("the mutation found no outgoing message " + match_text(a.step->match) + " to change");
          break;
        }
    if (udp_) finish_external();
    write_files();
  }

 private:
  bool open_self() {
    SelfPairOptions po;
    const bool harness_initiates = s_.role == Role::Initiator;
    po.initiator = harness_initiates ? s_.harness : s_.peer;
    po.responder = harness_initiates ? s_.peer : s_.harness;
    po.seed = o_.seed;
    po.export_keys = true;
    const auto& initiator_address = harness_initiates ? s_.harness_address : s_.peer_address;
    const auto& responder_address = harness_initiates ? s_.peer_address : s_.harness_address;
    if (initiator_address) po.initiator_address.address = *initiator_address;
    if (responder_address) po.responder_address.address = *responder_address;
    auto pair = SelfPair::create(std::move(po));
    if (!pair) {
      error("the engines could not be created: " + pair.error().to_string());
      return false;
    }
    pair_ = std::move(pair).value();
    harness_ = harness_initiates ? &pair_->initiator() : &pair_->responder();
    peer_ = harness_initiates ? &pair_->responder() : &pair_->initiator();
    return true;
  }

  // Runs a FlexVPN hub on a side's engine; its lines join that side's
  // events (assert "event" sees them) and the report's, marked for the peer.
  bool attach_hub(const std::optional<flexvpn::HubPolicy>& policy, engine::Engine& e, bool harness_side) {
    if (!policy) return true;
    auto hub = flexvpn::Hub::attach(e, *policy);
    if (!hub) {
      error(std::string("the ") + (harness_side ? "harness's" : "peer's") +
            " FlexVPN hub could not start: " + hub.error().to_string());
      return false;
    }
    (*hub)->set_event_hook([this, harness_side](const flexvpn::HubEvent& ev) {
      std::string line = ev.line();
      (harness_side ? harness_events_ : peer_events_).push_back(line);
      r_.events.push_back(harness_side ? line : "peer: " + line);
    });
    hubs_.push_back(std::move(hub).value());
    return true;
  }

  bool open_external() {
    engine::EngineConfig config = s_.harness;
    // A peer without an adapter is configured by hand, with the profile's
    // identities and PSK.
    if (o_.peer.adapter.empty() && !apply_profile(config)) return false;
    UdpDriverOptions d;
    d.config = std::move(config);
    d.udp.local_address = o_.peer.local_address;
    d.udp.ike_port = o_.peer.local_port;
    d.udp.natt_port = o_.peer.local_natt_port;
    d.udp.role = s_.role == Role::Initiator ? net::Side::Initiator : net::Side::Responder;
    d.udp.seed = o_.seed;
    d.random = engine::seeded_random(o_.seed);
    // Rows of deleted IKE SAs stay, so their last messages can be decrypted.
    d.export_keys = true;
    d.peer = *o_.peer.address;
    auto created = UdpDriver::create(std::move(d));
    if (!created) {
      error("the harness could not open its sockets: " + created.error().to_string());
      return false;
    }
    udp_ = std::move(created).value();
    udp_->incoming_faults() = net::FaultInjector({}, o_.seed ^ 0x9e3779b97f4a7c15ull);
    udp_->set_receive_observer([this](const net::UdpDatagram& d) { on_received(d); });
    udp_->set_log([this](const std::string& line) { r_.events.push_back(line); });
    harness_ = &udp_->engine();
    return true;
  }

  // The profile's identities, and its PSK where the scenario gives both
  // sides the same key (a scenario that gives the harness a wrong key on
  // purpose keeps it).
  bool apply_profile(engine::EngineConfig& c) {
    const PeerProfile& p = o_.peer;
    if (p.harness_identity)
      if (auto id = parse_identity(*p.harness_identity)) c.local_id = *id;
    if (p.peer_identity) {
      if (*p.peer_identity == "%any") {
        c.remote_id.reset();
      } else if (auto id = parse_identity(*p.peer_identity)) {
        c.remote_id = *id;
        profile_peer_id_ = *id;
      }
    }
    if (p.psk && c.local_auth.psk == s_.peer.local_auth.psk) {
      auto secret = read_secret_ref(p.psk->env, p.psk->file, "PSK", "peer profile " + p.name);
      if (!secret) {
        error(secret.error().to_string());
        return false;
      }
      for (auto& e : c.psks)
        if (e.psk == c.local_auth.psk) e.psk = *secret;
      c.local_auth.psk = *secret;
    }
    return true;
  }

  core::TimePoint now() const { return pair_ ? pair_->clock().now() : udp_->clock().now(); }
  double seconds_since_start() const { return std::chrono::duration<double>(now() - start_).count(); }

  // Serves the link or the sockets until `done` holds or `limit` passes;
  // returns whether `done` held. Against an external peer it also collects
  // finished adapter calls, and stops early once the scenario has a verdict.
  bool run_until(const std::function<bool()>& done, core::Duration limit) {
    if (pair_) return pair_->run_until(done, limit);
    bool held = false;
    udp_->run(
        [&] {
          poll_adapters();
          if (r_.verdict != Verdict::Pass) return true;
          return held = done();
        },
        limit);
    return held;
  }

  // ----- The external peer -----

  AdapterContext context() const {
    AdapterContext c;
    std::error_code ec;
    c.scenario_file = std::filesystem::absolute(s_.source, ec).string();
    c.scenario_id = s_.id;
    c.harness_role = role_name(s_.role);
    c.harness_address = udp_->local_address_text();
    c.harness_port = udp_->ike_port();
    c.harness_natt_port = udp_->natt_port();
    c.peer_address = *o_.peer.address;
    c.peer_port = o_.peer.port;
    c.peer_natt_port = o_.peer.natt_port;
    return c;
  }

  // The lines an adapter call printed go into the events; its status
  // decides: 0 goes on, 77 skips the scenario with the adapter's reason,
  // anything else is an error when `fatal` (prepare) and only noted
  // otherwise (a start the peer could not complete is for the scenario's
  // expectations to judge). Returns whether the scenario goes on.
  bool settle_call(AdapterCall& call, bool fatal) {
    const std::string who = "adapter " + call.action();
    auto out = call.out_lines();
    auto err = call.err_lines();
    for (const auto& l : out) r_.events.push_back(who + ": " + l);
    for (const auto& l : err) r_.events.push_back(who + ": " + l);
    if (call.status() == 0) return true;
    if (call.status() == kAdapterUnsupported) {
      if (r_.verdict == Verdict::Pass) {
        r_.verdict = Verdict::Skip;
        r_.reason = "the peer cannot " + call.action() + ": " +
                    (out.empty() ? std::string("the adapter gave no reason") : out.front());
      }
      return false;
    }
    std::string why = who + (call.status() < 0 ? std::string(" was killed") : " exited with " + std::to_string(call.status())) +
                      (err.empty() ? std::string() : ": " + err.back());
    if (fatal) {
      error(why);
      return false;
    }
    r_.events.push_back(why);
    return true;
  }

  // Runs an adapter action to its end while serving the sockets.
  bool adapter_sync(const std::vector<std::string>& args, core::Duration limit, bool fatal) {
    auto call = AdapterCall::start(o_.peer.adapter, args, context());
    if (!call) {
      if (fatal) error(call.error().to_string());
      else r_.events.push_back(call.error().to_string());
      return !fatal;
    }
    udp_->run([&] { return call->finished(); }, limit);
    if (!call->finished()) {
      call->kill();
      std::string why = "adapter " + call->action() + " did not finish within " + seconds_text(limit);
      if (fatal) error(why);
      else r_.events.push_back(why);
      return !fatal;
    }
    return settle_call(*call, fatal);
  }

  void poll_adapters() {
    for (auto it = running_.begin(); it != running_.end();) {
      if (!it->call.finished()) {
        if (std::chrono::steady_clock::now() - it->started < kAdapterStartLimit) {
          ++it;
          continue;
        }
        it->call.kill();
        r_.events.push_back("adapter " + it->call.action() + " did not finish within " +
                            seconds_text(kAdapterStartLimit) + " and was killed");
      }
      settle_call(it->call, false);
      it = running_.erase(it);
    }
  }

  void start_by_adapter(const StartStep& st) {
    const std::string kind = start_kind_name(st.kind);
    auto call = AdapterCall::start(o_.peer.adapter, {"start", kind}, context());
    if (!call) {
      error(call.error().to_string());
      return;
    }
    running_.push_back(Running{std::move(call).value(), std::chrono::steady_clock::now()});
  }

  // After the steps: adapter starts still running finish (or are killed),
  // then the adapter's cleanup, or without one the harness deletes the IKE
  // SAs it holds, so the next scenario meets a clean peer.
  void finish_external() {
    cleaning_ = true;
    udp_->run(
        [&] {
          poll_adapters();
          return running_.empty();
        },
        kAdapterStartLimit);
    for (auto& r : running_) r.call.kill();
    running_.clear();
    if (!o_.peer.adapter.empty()) {
      adapter_sync({"cleanup"}, kAdapterStartLimit, false);
      return;
    }
    for (const auto& info : harness_->ike_sas())
      if (info.state == engine::IkeSaState::Established) (void)harness_->delete_ike(info.serial);
    udp_->run(
        [&] {
          for (const auto& info : harness_->ike_sas())
            if (info.state == engine::IkeSaState::Deleting) return false;
          return true;
        },
        std::chrono::seconds(5));
  }

  // A datagram from the external peer, before faults and the engine. A
  // message with the bytes of an earlier one is the peer sending it again;
  // fragments wait for the engine to reassemble them (on_event).
  void on_received(const net::UdpDatagram& d) {
    last_activity_ = now();
    const core::BytesView wire = d.ike_message();
    TranscriptMessage m;
    m.time = seconds_since_start();
    m.from_harness = false;
    for (std::size_t k = 0; k < peer_messages_.size(); ++k) {
      const TranscriptMessage& earlier = r_.transcript[peer_messages_[k]];
      for (const auto& dg : earlier.datagrams)
        if (core::BytesView(dg).size() == wire.size() && std::equal(wire.begin(), wire.end(), dg.begin())) {
          m = earlier;
          m.time = seconds_since_start();
          m.datagrams = {Bytes(wire.begin(), wire.end())};
          m.note = "sent again";
          m.mutations.clear();
          add_peer_message(std::move(m), true);
          return;
        }
    }
    m.datagrams = {Bytes(wire.begin(), wire.end())};
    codec::Message msg;
    auto decoded = codec::decode_message_into(wire, msg);
    m.exchange = msg.header.exchange_type;
    m.response = msg.header.is_response();
    m.message_id = msg.header.message_id;
    m.spi_i = msg.header.spi_i;
    m.spi_r = msg.header.spi_r;
    if (!decoded) {
      m.note = "could not be decoded: " + codec::describe(decoded.error());
      add_peer_message(std::move(m), false);
      return;
    }
    const PayloadType last = msg.payloads.empty() ? PayloadType::NONE : msg.payloads.back().type;
    if (last == PayloadType::SKF) {
      fragments_.push_back(std::move(m.datagrams.front()));
      return;
    }
    if (last != PayloadType::SK) {
      m.payloads = std::move(msg.payloads);
      add_peer_message(std::move(m), false);
      return;
    }
    crypto::SkDecryptor decryptor(crypto::KeyTable{harness_->key_table()});
    crypto::OpenedSk opened = decryptor.open(msg, wire);
    if (opened.state == crypto::OpenedSk::State::Decrypted) {
      if (auto inner = codec::decode_payloads(opened.first, opened.inner)) {
        m.payloads = std::move(inner).value();
        m.decrypted = true;
      } else {
        m.note = "decrypted, but the inner payloads do not decode: " + codec::describe(inner.error());
      }
    } else if (opened.state == crypto::OpenedSk::State::NoKeys) {
      m.note = "not decrypted: the harness has no keys for this IKE SA";
    } else {
      m.note = "not decrypted: " + opened.error;
    }
    add_peer_message(std::move(m), false);
  }

  void add_peer_message(TranscriptMessage m, bool resent) {
    if (cleaning_ && m.note.empty()) m.note = "after the steps, while cleaning up";
    r_.transcript.push_back(std::move(m));
    peer_messages_.push_back(r_.transcript.size() - 1);
    peer_resent_.push_back(resent);
  }

  // ----- Both -----

  void on_event(const engine::Event& e, bool from_harness) {
    (from_harness ? harness_events_ : peer_events_).push_back(engine::format_event(e));
    if (from_harness) r_.events.push_back(harness_events_.back());
    if (udp_ && e.kind == engine::EventKind::MessageReceived && !fragments_.empty()) {
      // The engine reassembled the peer's fragments.
      TranscriptMessage m;
      m.time = seconds_since_start();
      m.exchange = e.exchange;
      m.response = e.response;
      m.message_id = e.message_id;
      m.spi_i = e.spi_i;
      m.spi_r = e.spi_r;
      m.datagrams = std::exchange(fragments_, {});
      m.payloads = e.payloads;
      m.decrypted = true;
      add_peer_message(std::move(m), false);
      return;
    }
    if (e.kind != engine::EventKind::MessageSent) return;
    last_activity_ = now();
    TranscriptMessage m;
    m.time = seconds_since_start();
    m.from_harness = from_harness;
    m.exchange = e.exchange;
    m.response = e.response;
    m.message_id = e.message_id;
    m.spi_i = e.spi_i;
    m.spi_r = e.spi_r;
    m.datagrams = e.datagrams;
    m.payloads = e.payloads;
    // Encrypted when the outer chain starts with SK or SKF (the header's Next
    // Payload, octet 16); the event's payloads are then the inner chain.
    m.decrypted = !e.datagrams.empty() && e.datagrams.front().size() > 16 &&
                  (e.datagrams.front()[16] == static_cast<uint8_t>(PayloadType::SK) ||
                   e.datagrams.front()[16] == static_cast<uint8_t>(PayloadType::SKF));
    if (from_harness && !e.retransmission) m.mutations = std::exchange(notes_, {});
    if (e.retransmission) m.note = "sent again";
    else if (cleaning_) m.note = "after the steps, while cleaning up";
    if (!from_harness) {
      add_peer_message(std::move(m), e.retransmission);
      return;
    }
    r_.transcript.push_back(std::move(m));
  }

  // A verdict, once given, stays: the first problem is the one reported.
  void error(std::string why) {
    if (r_.verdict != Verdict::Pass) return;
    r_.verdict = Verdict::Error;
    r_.reason = std::move(why);
    r_.failed_step = step_;
  }
  void fail(std::string reason, std::string expected, std::string got, std::optional<std::size_t> message = {}) {
    if (r_.verdict != Verdict::Pass) return;
    r_.verdict = Verdict::Fail;
    r_.reason = "step " + std::to_string(step_ + 1) + " (" + describe(s_.steps[step_]) + "): " + reason;
    r_.expected = std::move(expected);
    r_.got = std::move(got);
    r_.failed_step = step_;
    r_.failed_message = message;
  }

  engine::Engine& side(Side s) { return s == Side::Harness ? *harness_ : *peer_; }
  const engine::Endpoint& address_of(const engine::Engine& e) const {
    return &e == &pair_->initiator() ? pair_->options().initiator_address : pair_->options().responder_address;
  }
  // Where the harness sends its IKE_SA_INIT, and the peer's NAT-T port.
  std::pair<engine::Endpoint, uint16_t> peer_endpoint() const {
    if (pair_) return {address_of(*peer_), 4500};
    return {engine::Endpoint{*address_bytes(*o_.peer.address), o_.peer.port}, o_.peer.natt_port};
  }

  // The IKE SA of a side whose SPIi is the variable's bytes (an "ike_sa"
  // selector); 0, with the verdict set, when the variable has no value or
  // no such SA exists (forgotten ones included).
  uint64_t selected_sa(engine::Engine& e, const std::string& var, const std::string& who) {
    const Bytes* v = value_of(var);
    if (!v) return 0;
    if (v->size() != 8) {
      error("variable \"" + var + "\" (" + hex(*v) + ") is not an 8-byte SPI; capture it from spi_i");
      return 0;
    }
    uint64_t spi = 0;
    for (uint8_t x : *v) spi = spi << 8 | x;
    for (const auto& info : e.ike_sas())
      if (info.spi_i == spi) return info.serial;
    fail("no IKE SA with SPIi $" + var, who + " holds an IKE SA with SPIi " + hex(*v), "none");
    return 0;
  }

  // The newest IKE SA of a side that is not gone; 0 when none.
  uint64_t newest_sa(engine::Engine& e) {
    uint64_t best = 0;
    for (const auto& info : e.ike_sas())
      if (info.state != engine::IkeSaState::Deleted && info.state != engine::IkeSaState::Failed)
        best = std::max(best, info.serial);
    return best;
  }

  // Lets datagrams in flight arrive: assertions look at settled engines.
  // Against an external peer: until nothing was sent or received for a
  // moment (at most a few seconds), so answers on their way are in.
  void settle() {
    if (pair_) {
      pair_->run_until([this] { return pair_->link().in_flight() == 0; }, std::chrono::seconds(5));
      return;
    }
    run_until([this] { return now() - last_activity_ >= kQuiet; }, std::chrono::seconds(3));
  }

  void exec(const StartStep& st) {
    if (st.by == Side::Peer && udp_) {
      if (st.ike_sa_var) {
        error("\"ike_sa\" cannot choose the IKE SA an external peer starts an exchange on");
        return;
      }
      start_by_adapter(st);
      return;
    }
    engine::Engine& e = side(st.by);
    const std::string who = st.by == Side::Harness ? "the harness" : "the peer";
    if (st.kind == StartKind::IkeSa) {
      std::pair<engine::Endpoint, uint16_t> to =
          st.by == Side::Harness ? peer_endpoint() : std::pair{address_of(*harness_), uint16_t{4500}};
      if (auto r = e.initiate(to.first, to.second); !r)
        error(who + " could not start an IKE SA: " + r.error().to_string());
      return;
    }
    settle();
    uint64_t sa = 0;
    if (st.ike_sa_var) {
      sa = selected_sa(e, *st.ike_sa_var, who);
      if (sa == 0) return;
    } else {
      sa = newest_sa(e);
    }
    if (sa == 0) {
      fail(who + " has no IKE SA to start this exchange on", "an established IKE SA", "none");
      return;
    }
    uint32_t child = 0;
    if (st.kind == StartKind::RekeyChild || st.kind == StartKind::DeleteChild) {
      if (auto info = e.ike_sa(sa))
        for (const auto& c : info->children)
          if (c.state == engine::ChildSaState::Installed) {
            child = c.id;
            break;
          }
      if (child == 0) {
        fail(who + " has no installed Child SA", "an installed Child SA", "none");
        return;
      }
    }
    core::Status st_result;
    switch (st.kind) {
      case StartKind::ChildSa: st_result = e.create_child(sa); break;
      case StartKind::RekeyChild: st_result = e.rekey_child(sa, child); break;
      case StartKind::RekeyIke: st_result = e.rekey_ike(sa); break;
      case StartKind::DeleteChild: st_result = e.delete_child(sa, child); break;
      case StartKind::DeleteIke: st_result = e.delete_ike(sa); break;
      case StartKind::Liveness: st_result = e.liveness_check(sa); break;
      case StartKind::CfgSet: {
        std::vector<codec::CfgAttribute> attributes = st.attributes;
        for (std::size_t i = 0; i < attributes.size() && i < st.attribute_vars.size(); ++i)
          if (st.attribute_vars[i]) {
            const Bytes* v = value_of(*st.attribute_vars[i]);
            if (!v) return;
            attributes[i].value = *v;
          }
        st_result = e.send_cfg_set(sa, attributes);
        break;
      }
      case StartKind::IkeSa: break;
    }
    if (!st_result) error(who + " could not start the exchange: " + st_result.error().to_string());
  }

  void exec(const ExpectStep& ex) {
    if (ex.nothing) {
      // Silence from now on: messages that came before this step (such as
      // retransmissions no expect asked for) do not count.
      const std::size_t start = peer_messages_.size();
      if (run_until([&] { return peer_messages_.size() > start; }, ex.within)) {
        std::size_t idx = peer_messages_[start];
        fail("the peer sent a message", "no message within " + seconds_text(ex.within),
             message_label(r_.transcript[idx]) + (peer_resent_[start] ? " (sent again)" : ""), idx);
      }
      cursor_ = peer_messages_.size();
      return;
    }
    // Variables resolve before the message is awaited: one whose capture
    // found nothing is the scenario's error, whatever arrives.
    ExpectStep resolved;
    const ExpectStep* use = &ex;
    bool notify_var = std::any_of(ex.notifies.begin(), ex.notifies.end(),
                                  [](const NotifyExpect& n) { return n.data_var.has_value(); });
    bool cp_var = ex.cp && std::any_of(ex.cp->attributes.begin(), ex.cp->attributes.end(),
                                       [](const CpAttributeExpect& a) { return a.value_var.has_value(); });
    // A peer set up by hand presents the profile's identity where the
    // scenario configured its own.
    bool profile_id = ex.id && profile_peer_id_ && ex.id->id_type == s_.peer.local_id.id_type &&
                      ex.id->data == s_.peer.local_id.data;
    if (notify_var || cp_var || profile_id) {
      resolved = ex;
      use = &resolved;
      if (profile_id) resolved.id = profile_peer_id_;
      for (auto& n : resolved.notifies)
        if (n.data_var) {
          const Bytes* v = value_of(*n.data_var);
          if (!v) return;
          n.data = *v;
        }
      if (resolved.cp)
        for (auto& a : resolved.cp->attributes)
          if (a.value_var) {
            const Bytes* v = value_of(*a.value_var);
            if (!v) return;
            a.value = *v;
          }
    }
    for (const auto& c : ex.compares)
      if (!value_of(c.name)) return;
    // Skips the peer's messages this expect does not look at (sent again, or
    // first sends when it wants a retransmission); true when one is left.
    auto next = [&] {
      while (cursor_ < peer_messages_.size() && peer_resent_[cursor_] != ex.retransmission) ++cursor_;
      return cursor_ < peer_messages_.size();
    };
    const bool arrived = next() || run_until(next, ex.within);
    std::string want = match_text(ex.match);
    if (ex.payloads) want += " " + specs_text(*ex.payloads);
    if (!arrived) {
      fail("no message from the peer", want + " within " + seconds_text(ex.within), "nothing");
      return;
    }
    std::size_t idx = peer_messages_[cursor_++];
    const TranscriptMessage& m = r_.transcript[idx];
    const MessageMatch& mm = ex.match;
    if ((mm.exchange && m.exchange != *mm.exchange) || (mm.response && m.response != *mm.response) ||
        (mm.message_id && m.message_id != *mm.message_id)) {
      fail("a different message came", want, message_label(m), idx);
      return;
    }
    if (auto bad = check_payloads(*use, m)) {
      fail(bad->reason, bad->expected, bad->got, idx);
      return;
    }
    for (const auto& c : ex.compares) {
      const Bytes& want = *variables_[c.name].value;  // resolved above
      auto got = source_value(m, c.from);
      if (!got) {
        fail("the message has " + missing_text(c.from) + " to compare with $" + c.name,
             c.from + (c.equal ? " = " : " other than ") + hex(want) + " ($" + c.name + ")", message_label(m), idx);
        return;
      }
      if ((*got == want) != c.equal) {
        if (c.equal)
          fail(c.from + " differs from $" + c.name, c.from + " = " + hex(want) + " ($" + c.name + ")",
               c.from + " = " + hex(*got), idx);
        else
          fail(c.from + " is the same as $" + c.name, c.from + " other than " + hex(want) + " ($" + c.name + ")",
               c.from + " = " + hex(*got), idx);
        return;
      }
    }
    for (const auto& c : ex.captures) {
      auto value = source_value(m, c.from);
      variables_[c.name] = Variable{value, c.from, step_};
      // The message ID reads better as the number the header shows.
      std::string text = !value ? "(nothing)" : c.from == "message_id" ? std::to_string(m.message_id) : hex(*value);
      r_.events.push_back("captured " + c.name + " = " + text);
    }
  }

  // The bytes of a variable; nullptr, with verdict error naming it, when its
  // capture found nothing (the loader makes sure an earlier step captures it).
  const Bytes* value_of(const std::string& name) {
    auto it = variables_.find(name);
    if (it == variables_.end()) {
      error("variable \"" + name + "\" has not been captured");
      return nullptr;
    }
    if (!it->second.value) {
      error("variable \"" + name + "\" was not captured: the message step " + std::to_string(it->second.step + 1) +
            " matched has " + missing_text(it->second.from));
      return nullptr;
    }
    return &*it->second.value;
  }

  // A variable's bytes as a big-endian number for a number field up to `max`;
  // nothing, with verdict error, when they do not fit.
  std::optional<uint64_t> number_of(const std::string& name, const Bytes& b, uint64_t max, const std::string& what) {
    uint64_t n = 0;
    for (uint8_t x : b) n = n << 8 | x;
    if (b.size() > 8 || n > max) {
      error("variable \"" + name + "\" (" + hex(b) + ") does not fit " + what + " (at most " + std::to_string(max) +
            ")");
      return std::nullopt;
    }
    return n;
  }

  // Puts the value of an operation's variable where the literal would be,
  // and says which value was used in its transcript line.
  bool resolve(MutationOp& op) {
    const Bytes* v = value_of(*op.variable);
    if (!v) return false;
    using K = MutationOp::Kind;
    switch (op.kind) {
      case K::SetHeader: {
        const std::string& f = op.field;
        uint64_t max = f == "spi_i" || f == "spi_r"                 ? std::numeric_limits<uint64_t>::max()
                       : f == "message_id" || f == "length"         ? 0xffffffffull
                       : f == "major_version" || f == "minor_version" ? 15
                                                                      : 255;
        auto n = number_of(*op.variable, *v, max, "header field " + f);
        if (!n) return false;
        op.number = *n;
        break;
      }
      case K::SetPayload: op.bytes_value = *v; break;
      case K::Add:
        if (auto* n = op.payload->as<codec::NotifyPayload>()) n->data = *v;
        else if (auto* x = op.payload->as<codec::VendorIdPayload>()) x->data = *v;
        else if (auto* x = op.payload->as<codec::NoncePayload>()) x->data = *v;
        else if (auto* x = op.payload->as<codec::UnknownPayload>()) x->data = *v;
        break;
      default: op.data = *v; break;
    }
    op.text += " ($" + *op.variable + " = " + hex(*v) + ")";
    return true;
  }

  void exec(const AssertStep& a) {
    if (a.side == Side::Peer && !peer_) {
      r_.events.push_back("step " + std::to_string(step_ + 1) +
                          " (assert on the peer): not checked, the state of an external peer cannot be read");
      return;
    }
    settle();
    engine::Engine& e = side(a.side);
    const std::string who = a.side == Side::Harness ? "harness" : "peer";
    const auto& events = a.side == Side::Harness ? harness_events_ : peer_events_;
    uint64_t chosen = 0;
    if (a.ike_sa_var) {
      chosen = selected_sa(e, *a.ike_sa_var, "the " + who);
      if (chosen == 0) return;
    }
    const std::string which = a.ike_sa_var ? "IKE SA $" + *a.ike_sa_var : "newest IKE SA";
    if (a.ike_sa_state) {
      uint64_t best = 0;
      engine::IkeSaState state{};
      for (const auto& info : e.ike_sas())
        if (chosen ? info.serial == chosen : info.serial >= best) {
          best = info.serial;
          state = info.state;
        }
      std::string want = std::string("the ") + who + "'s " + which + " " + engine::state_name(*a.ike_sa_state);
      if (best == 0) return fail("no IKE SA", want, "no IKE SA");
      if (state != *a.ike_sa_state)
        return fail("IKE SA state differs", want,
                    std::string("the ") + who + "'s " + which + " " + engine::state_name(state));
    }
    if (a.ike_sas) {
      std::optional<codec::IdPayload> id;
      if (a.identity) {
        auto parsed = parse_identity(*a.identity);
        if (parsed) id = *parsed;
      }
      std::size_t n = 0;
      for (const auto& info : e.ike_sas())
        if (info.state == a.count_state &&
            (!id || (info.peer_id.id_type == id->id_type && info.peer_id.data == id->data)))
          ++n;
      std::string what = std::string("IKE SAs ") + engine::state_name(a.count_state) + " on the " + who +
                         (a.identity ? " with peer " + *a.identity : "");
      if (n != *a.ike_sas) return fail("number of IKE SAs differs", std::to_string(*a.ike_sas) + " " + what,
                                       std::to_string(n) + " " + what);
    }
    if (a.child_sas) {
      std::size_t n = 0;
      if (auto info = e.ike_sa(chosen ? chosen : newest_sa(e)))
        for (const auto& c : info->children)
          if (c.state == engine::ChildSaState::Installed) ++n;
      std::string what = std::string("installed Child SAs on the ") + who + "'s " + which;
      if (n != *a.child_sas) return fail("number of Child SAs differs", std::to_string(*a.child_sas) + " " + what,
                                         std::to_string(n) + " " + what);
    }
    auto logged = [&](const std::string& text) {
      return std::any_of(events.begin(), events.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
    };
    if (a.event && !logged(*a.event))
      return fail("event not logged", "a " + who + " event containing \"" + *a.event + "\"", "none");
    if (a.no_event && logged(*a.no_event)) {
      std::string line;
      for (const auto& l : events)
        if (l.find(*a.no_event) != std::string::npos) line = l;
      return fail("an event that must not happen was logged", "no " + who + " event containing \"" + *a.no_event + "\"", line);
    }
  }

  void exec(const WaitStep& w) {
    run_until([] { return false; }, w.duration);
  }

  void exec(const FaultStep& f) {
    net::FaultRule rule = f.rule;
    if (udp_) {
      // Each injector sees one direction only.
      if (!f.from || *f.from == Side::Harness) udp_->transport().faults().add_rule(rule);
      if (!f.from || *f.from == Side::Peer) udp_->incoming_faults().add_rule(std::move(rule));
      return;
    }
    const bool harness_initiates = s_.role == Role::Initiator;
    if (f.from) {
      bool i_to_r = (*f.from == Side::Harness) == harness_initiates;
      rule.match.direction =
          i_to_r ? net::DirectionMatch::InitiatorToResponder : net::DirectionMatch::ResponderToInitiator;
    }
    pair_->link().faults().add_rule(std::move(rule));
  }

  // Variables resolve when the mutation is armed, so it changes the messages
  // with the values captured up to this step.
  void exec(const MutateStep& m) {
    Armed a{&m, step_, m.count, m.ops};
    for (auto& op : a.ops)
      if (op.variable && !resolve(op)) return;
    armed_.push_back(std::move(a));
  }

  // The engine calls the hooks for each message it builds, plain first and
  // wire last; the mutations that claim a message do so at the first hook.
  void install_hooks() {
    engine::OutgoingHooks h;
    h.plain = [this](const engine::OutgoingContext& c, codec::Message& m) {
      claim(c);
      for (const Armed* a : current_)
        if (a->step->stage == MutationStage::Plain)
          for (const auto& op : a->ops) apply_plain(op, m);
    };
    h.encoded = [this](const engine::OutgoingContext&, core::Bytes& bytes, codec::PayloadType&) {
      for (const Armed* a : current_)
        if (a->step->stage == MutationStage::Encoded)
          for (const auto& op : a->ops) apply_bytes(op, bytes);
    };
    h.protect = [this](const engine::OutgoingContext&, crypto::ProtectFaults& f) {
      for (const Armed* a : current_)
        if (a->step->stage != MutationStage::Wire)
          for (const auto& op : a->ops) apply_protection(op, f);
    };
    h.fragment = [this](const engine::OutgoingContext&) -> std::optional<std::size_t> {
      for (const Armed* a : current_)
        if (a->step->stage != MutationStage::Wire)
          for (const auto& op : a->ops)
            if (op.kind == MutationOp::Kind::Fragment) return op.length;
      return std::nullopt;
    };
    h.wire = [this](const engine::OutgoingContext& c, std::vector<core::Bytes>& datagrams) {
      using K = MutationOp::Kind;
      bool fragmented = false;
      for (const Armed* a : current_)
        for (const auto& op : a->ops) fragmented = fragmented || op.kind == K::Fragment;
      for (const Armed* a : current_) {
        for (const auto& op : a->ops) {
          bool protection = op.kind == K::CorruptIcv || op.kind == K::Padding || op.kind == K::PadLength;
          if ((protection || op.kind == K::Fragment) && !c.encrypted)
            mutation_error_ = "\"" + op.text + "\" needs an encrypted message; " + codec::label(c.exchange) + " is not";
          else if (protection && fragmented)
            // The engine protects fragments without the protect hook.
            mutation_error_ = "\"" + op.text + "\" cannot act on a message sent as fragments";
          if (a->step->stage == MutationStage::Wire && !datagrams.empty()) apply_bytes(op, datagrams.front());
          std::string note = std::string(a->step->stage == MutationStage::Plain     ? "plain: "
                                         : a->step->stage == MutationStage::Encoded ? "encoded: "
                                                                                    : "wire: ") +
                             op.text;
          if (op.kind == K::Fragment && c.encrypted)
            note += " (" + std::to_string(datagrams.size()) + (datagrams.size() == 1 ? " fragment)" : " fragments)");
          notes_.push_back(std::move(note));
        }
      }
      current_.clear();
    };
    harness_->set_outgoing_hooks(std::move(h));
  }

  void claim(const engine::OutgoingContext& c) {
    current_.clear();
    for (auto& a : armed_) {
      const MessageMatch& mm = a.step->match;
      if (a.remaining == 0) continue;
      if ((mm.exchange && *mm.exchange != c.exchange) || (mm.response && *mm.response != c.response) ||
          (mm.message_id && *mm.message_id != c.message_id))
        continue;
      --a.remaining;
      current_.push_back(&a);
    }
  }

  void apply_plain(const MutationOp& op, codec::Message& m) {
    using K = MutationOp::Kind;
    auto find = [&]() -> std::optional<std::size_t> {
      for (std::size_t i = 0; i < m.payloads.size(); ++i)
        if (spec_matches(*op.target, m.payloads[i])) return i;
      mutation_error_ = "\"" + op.text + "\": the message has no " + op.target->text + " payload";
      return std::nullopt;
    };
    switch (op.kind) {
      case K::Remove:
        if (auto i = find()) m.payloads.erase(m.payloads.begin() + static_cast<std::ptrdiff_t>(*i));
        break;
      case K::Add: {
        std::size_t at = std::min(op.at.value_or(m.payloads.size()), m.payloads.size());
        m.payloads.insert(m.payloads.begin() + static_cast<std::ptrdiff_t>(at), *op.payload);
        break;
      }
      case K::Move:
        if (auto i = find()) {
          codec::Payload p = std::move(m.payloads[*i]);
          m.payloads.erase(m.payloads.begin() + static_cast<std::ptrdiff_t>(*i));
          std::size_t at = std::min(*op.at, m.payloads.size());
          m.payloads.insert(m.payloads.begin() + static_cast<std::ptrdiff_t>(at), std::move(p));
        }
        break;
      case K::SetHeader: {
        auto& h = m.header;
        if (op.field == "spi_i") h.spi_i = op.number;
        else if (op.field == "spi_r") h.spi_r = op.number;
        else if (op.field == "next_payload") h.next_payload = static_cast<uint8_t>(op.number);
        else if (op.field == "major_version") h.version = static_cast<uint8_t>(op.number << 4 | (h.version & 0x0f));
        else if (op.field == "minor_version") h.version = static_cast<uint8_t>((h.version & 0xf0) | op.number);
        else if (op.field == "exchange_type") h.exchange_type = static_cast<codec::ExchangeType>(op.number);
        else if (op.field == "flags") h.flags = static_cast<uint8_t>(op.number);
        else if (op.field == "message_id") h.message_id = static_cast<uint32_t>(op.number);
        else if (op.field == "length") h.length = static_cast<uint32_t>(op.number);
        break;
      }
      case K::SetPayload:
        if (auto i = find()) {
          codec::FieldValue v = op.bytes_value ? codec::FieldValue(*op.bytes_value)
                                : op.number_is_flag ? codec::FieldValue(op.number != 0)
                                                    : codec::FieldValue(op.number);
          auto st = codec::set_field(m.payloads[*i], op.field, v);
          // A variable holds bytes; a number field takes them as a big-endian
          // number (a failed set_field changes nothing, so trying again is safe).
          if (!st && op.variable && op.bytes_value->size() <= 8) {
            uint64_t n = 0;
            for (uint8_t x : *op.bytes_value) n = n << 8 | x;
            st = codec::set_field(m.payloads[*i], op.field, codec::FieldValue(n));
          }
          if (!st) mutation_error_ = "\"" + op.text + "\": " + st.error().to_string();
        }
        break;
      default: break;
    }
  }

  void apply_bytes(const MutationOp& op, core::Bytes& b) {
    using K = MutationOp::Kind;
    switch (op.kind) {
      case K::Xor:
      case K::SetBytes:
        if (op.offset + op.data.size() > b.size()) {
          mutation_error_ = "\"" + op.text + "\": the message has only " + std::to_string(b.size()) + " bytes";
          return;
        }
        for (std::size_t i = 0; i < op.data.size(); ++i)
          b[op.offset + i] = op.kind == K::Xor ? static_cast<uint8_t>(b[op.offset + i] ^ op.data[i]) : op.data[i];
        break;
      case K::Truncate:
        if (op.length < b.size()) b.resize(op.length);
        break;
      case K::Append: b.insert(b.end(), op.data.begin(), op.data.end()); break;
      default: break;
    }
  }

  static void apply_protection(const MutationOp& op, crypto::ProtectFaults& f) {
    using K = MutationOp::Kind;
    if (op.kind == K::CorruptIcv) f.corrupt_icv = true;
    if (op.kind == K::Padding) f.padding = op.data;
    if (op.kind == K::PadLength) f.pad_length = static_cast<uint8_t>(op.number);
  }

  void write_files() {
    if (o_.out_dir.empty() || (!pair_ && !udp_)) return;
    namespace fs = std::filesystem;
    fs::path base = fs::path(o_.out_dir) / s_.id;
    std::error_code ec;
    fs::create_directories(base.parent_path(), ec);
    std::string pcap = base.string() + ".pcap";
    if (auto w = reports::PcapWriter::open(pcap)) {
      if (pair_ ? pair_->write_pcap(*w) : udp_->write_pcap(*w)) r_.pcap_file = s_.id + ".pcap";
    } else {
      r_.events.push_back("no capture written: " + w.error().to_string());
    }
    if (o_.export_keys) {
      // The user asked for key export (the default for self mode, whose keys
      // come from a seed and protect nothing; --export-keys otherwise).
      std::ofstream keys(base.string() + ".keys");
      auto rows = harness_->key_table();
      keys << crypto::format_key_table(rows);
      if (keys) r_.key_table_file = s_.id + ".keys";
    }
  }

  const Scenario& s_;
  const RunOptions& o_;
  ScenarioResult& r_;
  static constexpr core::Duration kQuiet = std::chrono::milliseconds(200);
  static constexpr core::Duration kAdapterStartLimit = std::chrono::seconds(30);

  std::unique_ptr<SelfPair> pair_;           // self mode
  std::unique_ptr<UdpDriver> udp_;           // an external peer
  std::vector<std::unique_ptr<flexvpn::Hub>> hubs_;  // declared after the engines: destroyed first
  struct Running {
    AdapterCall call;
    std::chrono::steady_clock::time_point started;
  };
  std::vector<Running> running_;             // adapter starts not yet finished
  std::vector<Bytes> fragments_;             // the peer's SKF datagrams not yet reassembled
  bool cleaning_ = false;                    // the steps are over
  core::TimePoint last_activity_{};          // the last datagram sent or received
  engine::Engine* harness_ = nullptr;
  engine::Engine* peer_ = nullptr;
  core::TimePoint start_{};
  std::size_t step_ = 0;
  std::vector<std::size_t> peer_messages_;  // transcript indices of the peer's messages
  std::vector<bool> peer_resent_;           // per peer message: sent again
  std::size_t cursor_ = 0;                  // the next one an expect looks at
  std::vector<std::string> harness_events_, peer_events_;
  // A captured variable: its value (nothing when the message the capturing
  // step matched did not carry it), the source and that step, for errors.
  struct Variable {
    std::optional<Bytes> value;
    std::string from;
    std::size_t step = 0;
  };
  std::map<std::string, Variable> variables_;
  std::optional<codec::IdPayload> profile_peer_id_;  // the profile's identities.peer, when applied
  struct Armed {
    const MutateStep* step;
    std::size_t step_index;
    uint32_t remaining;
    std::vector<MutationOp> ops;  // the step's, with variables resolved
  };
  std::deque<Armed> armed_;  // a deque: current_ points into it while steps add more
  std::vector<Armed*> current_;
  std::vector<std::string> notes_;
  std::string mutation_error_;
};

// FNV-1a of the id, so each scenario's seed is fixed whatever else runs.
uint64_t mix(uint64_t seed, const std::string& id) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::string describe(const Step& step) {
  struct V {
    std::string operator()(const StartStep& s) const {
      return std::string(s.by == Side::Harness ? "harness" : "peer") + " starts " + start_kind_name(s.kind);
    }
    std::string operator()(const ExpectStep& e) const {
      if (e.nothing) return "expect nothing within " + seconds_text(e.within);
      return std::string("expect ") + (e.retransmission ? "a retransmitted " : "") + match_text(e.match);
    }
    std::string operator()(const AssertStep& a) const {
      return std::string("assert on the ") + (a.side == Side::Harness ? "harness" : "peer");
    }
    std::string operator()(const WaitStep& w) const { return "wait " + seconds_text(w.duration); }
    std::string operator()(const FaultStep& f) const { return "fault " + std::string(net::name_of(f.rule.action)); }
    std::string operator()(const MutateStep& m) const { return "mutate " + match_text(m.match); }
  };
  return std::visit(V{}, step);
}

namespace {

// A result that names its scenario; the verdict is still Pass.
ScenarioResult result_for(const Scenario& s) {
  ScenarioResult r;
  r.id = s.id;
  r.title = s.title;
  r.reference = s.reference;
  r.requirement = s.requirement;
  r.role = role_name(s.role);
  r.tags = s.tags;
  return r;
}

// Runs `ADAPTER setup` to its end; nothing when it succeeded, else the
// verdict (skip for 77, error otherwise) and reason every scenario gets.
std::optional<std::pair<Verdict, std::string>> adapter_setup(const PeerProfile& peer) {
  AdapterContext c;
  c.harness_address = peer.local_address;
  c.harness_port = peer.local_port;
  c.harness_natt_port = peer.local_natt_port;
  c.peer_address = *peer.address;
  c.peer_port = peer.port;
  c.peer_natt_port = peer.natt_port;
  auto call = AdapterCall::start(peer.adapter, {"setup"}, c);
  if (!call) return std::pair{Verdict::Error, call.error().to_string()};
  if (!call->wait(std::chrono::seconds(60)))
    return std::pair{Verdict::Error, std::string("adapter setup did not finish within 60 s")};
  if (call->status() == 0) return std::nullopt;
  auto out = call->out_lines();
  auto err = call->err_lines();
  if (call->status() == kAdapterUnsupported)
    return std::pair{Verdict::Skip, "the peer cannot be set up: " +
                                        (out.empty() ? std::string("the adapter gave no reason") : out.front())};
  return std::pair{Verdict::Error, "adapter setup exited with " + std::to_string(call->status()) +
                                       (err.empty() ? std::string() : ": " + err.back())};
}

}  // namespace

ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  ScenarioResult r = result_for(scenario);
  auto t0 = std::chrono::steady_clock::now();
  RunOptions o = options;
  o.seed = mix(options.seed, scenario.id);
  ScenarioRun(scenario, o, r).run();
  r.duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::vector<ScenarioResult> run_all(const std::vector<Scenario>& scenarios, const RunOptions& options, unsigned jobs,
                                    const Progress& progress) {
  std::vector<ScenarioResult> results(scenarios.size());
  std::vector<bool> ready(scenarios.size(), false);
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < scenarios.size(); ++i) index[scenarios[i].id] = i;

  auto skipped = [&](const Scenario& s, std::string reason) {
    ScenarioResult r = result_for(s);
    r.verdict = Verdict::Skip;
    r.reason = std::move(reason);
    return r;
  };
  // A scenario either runs or is skipped before running.
  auto precheck = [&](const Scenario& s) -> std::optional<std::string> {
    if (auto why = options.peer.disabled_reason(s.id)) return "disabled by peer profile " + options.peer.name + ": " + *why;
    for (const auto& c : s.requires_capabilities)
      if (!options.peer.has(c)) return "the peer lacks capability \"" + c + "\"";
    if (options.peer.kind == PeerKind::External && options.peer.adapter.empty() && peer_starts(s))
      return "the peer must start exchanges, and peer profile " + options.peer.name +
             " has no adapter to make it (docs/scenarios.md, \"Peer adapters\")";
    return std::nullopt;
  };
  auto finish = [&](std::size_t i, ScenarioResult r) {
    if (const auto* dev = options.peer.deviation_for(r.id)) {
      bool same = (dev->verdict == ExpectedVerdict::Fail && r.verdict == Verdict::Fail) ||
                  (dev->verdict == ExpectedVerdict::Skip && r.verdict == Verdict::Skip) ||
                  (dev->verdict == ExpectedVerdict::Error && r.verdict == Verdict::Error);
      if (same) {
        r.events.push_back("known deviation (" + std::string(expected_verdict_name(dev->verdict)) + "): " + r.reason);
        r.verdict = Verdict::KnownDeviation;
        r.reason = dev->reason;
      }
    }
    results[i] = std::move(r);
  };

  // An adapter's setup makes the peer reachable before anything binds or
  // prepares; when it cannot, no scenario can run.
  std::optional<std::pair<Verdict, std::string>> setup_failed;
  if (options.peer.kind == PeerKind::External && !options.peer.adapter.empty() && !scenarios.empty())
    setup_failed = adapter_setup(options.peer);

  // Sanity scenarios run in a first wave, the rest in a second one.
  std::vector<bool> is_sanity(scenarios.size(), false);
  for (const auto& s : scenarios)
    if (s.sanity)
      if (auto it = index.find(*s.sanity); it != index.end()) is_sanity[it->second] = true;

  std::mutex mu;
  std::size_t done = 0;
  auto run_wave = [&](const std::vector<std::size_t>& wave) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t k = next++; k < wave.size(); k = next++) {
        std::size_t i = wave[k];
        const Scenario& s = scenarios[i];
        ScenarioResult r;
        std::optional<std::string> why = precheck(s);
        const bool setup_verdict = !why && setup_failed;
        if (!why && !setup_verdict && s.sanity) {
          auto it = index.find(*s.sanity);
          if (it != index.end()) {
            std::lock_guard lock(mu);
            const auto& sr = results[it->second];
            if (!ready[it->second] || (sr.verdict != Verdict::Pass && sr.verdict != Verdict::KnownDeviation))
              why = "sanity scenario " + *s.sanity + " did not pass";
          }
        }
        if (setup_verdict) {
          r = result_for(s);
          r.verdict = setup_failed->first;
          r.reason = setup_failed->second;
        } else {
          r = why ? skipped(s, *why) : run_scenario(s, options);
        }
        std::lock_guard lock(mu);
        finish(i, std::move(r));
        ready[i] = true;
        ++done;
        if (progress) progress(results[i], done, scenarios.size());
      }
    };
    // An external peer is one machine with one configuration, and the
    // harness's ports are fixed: one scenario at a time.
    if (options.peer.kind == PeerKind::External) jobs = 1;
    unsigned n = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(wave.size())));
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
  };
  std::vector<std::size_t> first, second;
  for (std::size_t i = 0; i < scenarios.size(); ++i) (is_sanity[i] ? first : second).push_back(i);
  run_wave(first);
  run_wave(second);
  return results;
}

}  // namespace ikeh::scenario
