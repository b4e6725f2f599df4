// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "harness/codec/cp_payload.h"
#include "harness/codec/eap_payload.h"
#include "harness/codec/field_access.h"
#include "harness/codec/ke_payload.h"
#include "harness/codec/nonce_payload.h"
#include "harness/codec/notify_payload.h"
#include "harness/codec/sa_payload.h"
#include "harness/codec/vendor_id_payload.h"
#include "harness/crypto/key_table.h"
#include "harness/crypto/sk.h"
#include "harness/scenario/self_pair.h"
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
  return std::nullopt;
}

// ---------------------------------------------------------------------------

class SelfRun {
 public:
  SelfRun(const Scenario& s, const RunOptions& o, ScenarioResult& r) : s_(s), o_(o), r_(r) {}

  void run() {
    SelfPairOptions po;
    const bool harness_initiates = s_.role == Role::Initiator;
    po.initiator = harness_initiates ? s_.harness : s_.peer;
    po.responder = harness_initiates ? s_.peer : s_.harness;
    po.seed = o_.seed;
    po.export_keys = true;
    auto pair = SelfPair::create(std::move(po));
    if (!pair) {
      error("the engines could not be created: " + pair.error().to_string());
      return;
    }
    pair_ = std::move(pair).value();
    harness_ = harness_initiates ? &pair_->initiator() : &pair_->responder();
    peer_ = harness_initiates ? &pair_->responder() : &pair_->initiator();
    start_ = pair_->clock().now();
    harness_->add_observer([this](const engine::Event& e) { on_event(e, true); });
    peer_->add_observer([this](const engine::Event& e) { on_event(e, false); });
    install_hooks();

    for (std::size_t i = 0; i < s_.steps.size() && r_.verdict == Verdict::Pass; ++i) {
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
    write_files();
  }

 private:
  void on_event(const engine::Event& e, bool from_harness) {
    (from_harness ? harness_events_ : peer_events_).push_back(engine::format_event(e));
    if (from_harness) r_.events.push_back(harness_events_.back());
    if (e.kind != engine::EventKind::MessageSent) return;
    TranscriptMessage m;
    m.time = std::chrono::duration<double>(pair_->clock().now() - start_).count();
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
    r_.transcript.push_back(std::move(m));
    if (!from_harness) {
      peer_messages_.push_back(r_.transcript.size() - 1);
      peer_resent_.push_back(e.retransmission);
    }
  }

  void error(std::string why) {
    r_.verdict = Verdict::Error;
    r_.reason = std::move(why);
    r_.failed_step = step_;
  }
  void fail(std::string reason, std::string expected, std::string got, std::optional<std::size_t> message = {}) {
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

  // The newest IKE SA of a side that is not gone; 0 when none.
  uint64_t newest_sa(engine::Engine& e) {
    uint64_t best = 0;
    for (const auto& info : e.ike_sas())
      if (info.state != engine::IkeSaState::Deleted && info.state != engine::IkeSaState::Failed)
        best = std::max(best, info.serial);
    return best;
  }

  // Lets datagrams in flight arrive: assertions look at settled engines.
  void settle() {
    pair_->run_until([this] { return pair_->link().in_flight() == 0; }, std::chrono::seconds(5));
  }

  void exec(const StartStep& st) {
    engine::Engine& e = side(st.by);
    const std::string who = st.by == Side::Harness ? "the harness" : "the peer";
    if (st.kind == StartKind::IkeSa) {
      const engine::Engine& other = side(st.by == Side::Harness ? Side::Peer : Side::Harness);
      if (auto r = e.initiate(address_of(other), 4500); !r) error(who + " could not start an IKE SA: " + r.error().to_string());
      return;
    }
    settle();
    uint64_t sa = newest_sa(e);
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
      if (pair_->run_until([&] { return peer_messages_.size() > start; }, ex.within)) {
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
    if (notify_var || cp_var) {
      resolved = ex;
      use = &resolved;
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
    const bool arrived = next() || pair_->run_until(next, ex.within);
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
    settle();
    engine::Engine& e = side(a.side);
    const std::string who = a.side == Side::Harness ? "harness" : "peer";
    const auto& events = a.side == Side::Harness ? harness_events_ : peer_events_;
    if (a.ike_sa_state) {
      uint64_t best = 0;
      engine::IkeSaState state{};
      for (const auto& info : e.ike_sas())
        if (info.serial >= best) {
          best = info.serial;
          state = info.state;
        }
      std::string want = std::string("the ") + who + "'s newest IKE SA " + engine::state_name(*a.ike_sa_state);
      if (best == 0) return fail("no IKE SA", want, "no IKE SA");
      if (state != *a.ike_sa_state)
        return fail("IKE SA state differs", want, std::string("the ") + who + "'s newest IKE SA " + engine::state_name(state));
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
      if (auto info = e.ike_sa(newest_sa(e)))
        for (const auto& c : info->children)
          if (c.state == engine::ChildSaState::Installed) ++n;
      std::string what = std::string("installed Child SAs on the ") + who + "'s newest IKE SA";
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
    pair_->run_until([] { return false; }, w.duration);
  }

  void exec(const FaultStep& f) {
    net::FaultRule rule = f.rule;
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
    h.wire = [this](const engine::OutgoingContext& c, std::vector<core::Bytes>& datagrams) {
      for (const Armed* a : current_) {
        for (const auto& op : a->ops) {
          bool protection = op.kind == MutationOp::Kind::CorruptIcv || op.kind == MutationOp::Kind::Padding ||
                            op.kind == MutationOp::Kind::PadLength;
          if (protection && !c.encrypted)
            mutation_error_ = "\"" + op.text + "\" needs an encrypted message; " + codec::label(c.exchange) + " is not";
          if (a->step->stage == MutationStage::Wire && !datagrams.empty()) apply_bytes(op, datagrams.front());
          notes_.push_back(std::string(a->step->stage == MutationStage::Plain     ? "plain: "
                                       : a->step->stage == MutationStage::Encoded ? "encoded: "
                                                                                  : "wire: ") +
                           op.text);
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
    if (o_.out_dir.empty() || !pair_) return;
    namespace fs = std::filesystem;
    fs::path base = fs::path(o_.out_dir) / s_.id;
    std::error_code ec;
    fs::create_directories(base.parent_path(), ec);
    std::string pcap = base.string() + ".pcap";
    if (auto w = reports::PcapWriter::open(pcap)) {
      if (pair_->write_pcap(*w)) r_.pcap_file = s_.id + ".pcap";
    } else {
      r_.events.push_back("no capture written: " + w.error().to_string());
    }
    if (o_.export_keys) {
      // The user asked for key export (the default for self mode, whose keys
      // come from a seed and protect nothing).
      std::ofstream keys(base.string() + ".keys");
      auto rows = harness_->key_table();
      keys << crypto::format_key_table(rows);
      if (keys) r_.key_table_file = s_.id + ".keys";
    }
  }

  const Scenario& s_;
  const RunOptions& o_;
  ScenarioResult& r_;
  std::unique_ptr<SelfPair> pair_;
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
      static const char* kNames[] = {"ike_sa", "child_sa", "rekey_child", "rekey_ike",
                                     "delete_child", "delete_ike", "liveness", "cfg_set"};
      return std::string(s.by == Side::Harness ? "harness" : "peer") + " starts " +
             kNames[static_cast<int>(s.kind)];
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

}  // namespace

ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  ScenarioResult r = result_for(scenario);
  auto t0 = std::chrono::steady_clock::now();
  if (options.peer.kind != PeerKind::Self) {
    r.verdict = Verdict::Error;
    r.reason = "running against an external peer is not available in this version; use the built-in peer";
  } else {
    RunOptions o = options;
    o.seed = mix(options.seed, scenario.id);
    SelfRun(scenario, o, r).run();
  }
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
        if (!why && s.sanity) {
          auto it = index.find(*s.sanity);
          if (it != index.end()) {
            std::lock_guard lock(mu);
            const auto& sr = results[it->second];
            if (!ready[it->second] || (sr.verdict != Verdict::Pass && sr.verdict != Verdict::KnownDeviation))
              why = "sanity scenario " + *s.sanity + " did not pass";
          }
        }
        r = why ? skipped(s, *why) : run_scenario(s, options);
        std::lock_guard lock(mu);
        finish(i, std::move(r));
        ready[i] = true;
        ++done;
        if (progress) progress(results[i], done, scenarios.size());
      }
    };
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
