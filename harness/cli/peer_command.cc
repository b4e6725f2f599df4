// SPDX-License-Identifier: Apache-2.0
#include "harness/cli/peer_command.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "harness/cli/decode_command.h"
#include "harness/codec/cp_payload.h"
#include "harness/codec/notify_payload.h"
#include "harness/crypto/key_table.h"
#include "harness/engine/seeded_random.h"
#include "harness/flexvpn/hub.h"
#include "harness/flexvpn/ios_text.h"
#include "harness/flexvpn/spoke.h"
#include "harness/scenario/engine_config.h"
#include "harness/scenario/flexvpn_config.h"
#include "harness/scenario/udp_driver.h"
#include "reports/pcap_writer.h"
#include "reports/value_format.h"

#include <nlohmann/json.hpp>

namespace ikeh::cli {
namespace {

using core::Bytes;
using core::BytesView;
using engine::ChildSaInfo;
using engine::ChildSaState;
using engine::Event;
using engine::EventKind;
using engine::IkeSaInfo;
using engine::IkeSaState;
using scenario::host_port_text;
using scenario::UdpDriver;

using Seconds = std::chrono::duration<double>;

core::Duration from_seconds(double s) { return std::chrono::duration_cast<core::Duration>(Seconds(s)); }

// Long enough to mean "until stopped", short enough not to overflow a
// TimePoint of the steady clock.
constexpr core::Duration kForever = std::chrono::hours(24 * 365 * 50);

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

// ----- JSON lines (a handful of flat objects: no library needed) -----

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

class JsonObject {
 public:
  JsonObject& raw(std::string_view key, const std::string& json) {
    if (!body_.empty()) body_ += ',';
    body_ += json_string(key) + ":" + json;
    return *this;
  }
  JsonObject& str(std::string_view key, std::string_view v) { return raw(key, json_string(v)); }
  JsonObject& num(std::string_view key, uint64_t v) { return raw(key, std::to_string(v)); }
  JsonObject& real(std::string_view key, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", v);
    return raw(key, buf);
  }
  JsonObject& boolean(std::string_view key, bool v) { return raw(key, v ? "true" : "false"); }
  JsonObject& strings(std::string_view key, const std::vector<std::string>& v) {
    std::string a = "[";
    for (std::size_t i = 0; i < v.size(); ++i) a += (i ? "," : "") + json_string(v[i]);
    return raw(key, a + "]");
  }
  std::string text() const { return "{" + body_ + "}"; }

 private:
  std::string body_;
};

std::string json_array(const std::vector<std::string>& objects) {
  std::string a = "[";
  for (std::size_t i = 0; i < objects.size(); ++i) a += (i ? "," : "") + objects[i];
  return a + "]";
}

// ----- Text forms of SA contents -----

std::string identity_text(const codec::IdPayload& id) {
  auto shown = reports::render_bytes(id.data, codec::id_data_show(id.id_type));
  return shown ? *shown : core::to_hex(id.data);
}

// The prefix length when [start, end] is one CIDR block; -1 otherwise.
int cidr_prefix(BytesView start, BytesView end) {
  if (start.size() != end.size()) return -1;
  const int bits = static_cast<int>(start.size()) * 8;
  int prefix = 0;
  while (prefix < bits) {
    int byte = prefix / 8, bit = 7 - prefix % 8;
    if (((start[byte] >> bit) & 1) != ((end[byte] >> bit) & 1)) break;
    ++prefix;
  }
  for (int i = prefix; i < bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((start[byte] >> bit) & 1) != 0 || ((end[byte] >> bit) & 1) != 1) return -1;
  }
  return prefix;
}

std::string protocol_name(uint8_t p) {
  static const std::map<uint8_t, const char*> kNames = {{1, "icmp"},  {6, "tcp"},    {17, "udp"},  {47, "gre"},
                                                        {50, "esp"},  {51, "ah"},    {58, "icmpv6"}, {132, "sctp"}};
  auto it = kNames.find(p);
  return it == kNames.end() ? std::to_string(p) : it->second;
}

// The configuration file's notation ("10.20.0.0/16", "10.0.0.1-10.0.0.9",
// "0.0.0.0/0[tcp/443]").
std::string selector_text(const codec::TrafficSelector& ts) {
  if (!ts.is_ip()) return codec::label(ts.ts_type) + " " + core::to_hex(ts.data);
  std::string out;
  int prefix = cidr_prefix(ts.start_address, ts.end_address);
  if (prefix >= 0) {
    out = scenario::address_text(ts.start_address) + "/" + std::to_string(prefix);
  } else {
    out = scenario::address_text(ts.start_address) + "-" + scenario::address_text(ts.end_address);
  }
  bool all_ports = ts.start_port == 0 && ts.end_port == 65535;
  if (ts.ip_protocol_id == 0 && all_ports) return out;
  out += "[" + (ts.ip_protocol_id == 0 ? std::string("any") : protocol_name(ts.ip_protocol_id));
  if (ts.start_port == 65535 && ts.end_port == 0) {
    out += "/opaque";
  } else if (ts.start_port == ts.end_port) {
    out += "/" + std::to_string(ts.start_port);
  } else if (!all_ports) {
    out += "/" + std::to_string(ts.start_port) + "-" + std::to_string(ts.end_port);
  }
  return out + "]";
}

std::vector<std::string> selectors_text(const std::vector<codec::TrafficSelector>& v) {
  std::vector<std::string> out;
  for (const auto& ts : v) out.push_back(selector_text(ts));
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? std::string(sep) : "") + v[i];
  return out;
}

std::string cfg_value_text(const codec::CfgAttribute& a) {
  if (a.value.empty()) return "";
  auto shown = reports::render_bytes(a.value, codec::cfg_attribute_show(a.type));
  return shown ? *shown : core::to_hex(a.value);
}

// The inner address the SA gives the initiator: the one assigned from the
// pool (responder) or received in INTERNAL_IP4/6_ADDRESS (initiator).
std::optional<std::string> virtual_ip(const IkeSaInfo& sa) {
  if (sa.assigned_address) return scenario::address_text(*sa.assigned_address);
  for (const auto& a : sa.cp_attributes) {
    if (a.type == codec::CfgAttributeType::INTERNAL_IP4_ADDRESS && a.value.size() == 4)
      return scenario::address_text(a.value);
    if (a.type == codec::CfgAttributeType::INTERNAL_IP6_ADDRESS && a.value.size() == 17)
      return scenario::address_text(BytesView(a.value).first(16)) + "/" + std::to_string(a.value[16]);
  }
  return std::nullopt;
}

bool child_live(ChildSaState s) { return s != ChildSaState::Deleted; }

std::vector<std::string> payload_names(const std::vector<codec::Payload>& payloads) {
  std::vector<std::string> out;
  for (const auto& p : payloads) {
    std::string name = codec::label(p.type);
    if (const auto* n = p.as<codec::NotifyPayload>(); n && p.type == codec::PayloadType::N)
      name += "(" + codec::label(n->type) + ")";
    out.push_back(std::move(name));
  }
  return out;
}

// What a CFG_SET outcome means, in the words of the summary and the verdict.
std::string cfg_set_outcome_text(flexvpn::CfgSetOutcome o) {
  using flexvpn::CfgSetOutcome;
  switch (o) {
    case CfgSetOutcome::NotSent: return "no CFG_SET sent";
    case CfgSetOutcome::Pending: return "no answer to the CFG_SET";
    case CfgSetOutcome::Acknowledged: return "CFG_SET acknowledged";
    case CfgSetOutcome::PartiallyAcknowledged: return "CFG_SET partially acknowledged";
    case CfgSetOutcome::EmptyAck: return "CFG_SET answered by an empty CFG_ACK (nothing accepted)";
    case CfgSetOutcome::NoCp: return "CFG_SET ignored";
    case CfgSetOutcome::Invalid:
      return "invalid CFG_ACK (values echoed or attributes not sent, RFC 7296 3.15.1)";
  }
  return "?";
}

// ----- What the run prints -----

class Printer {
 public:
  Printer(std::ostream& out, const PeerOptions& o) : out_(out), quiet_(o.quiet), json_(o.json_events) {}

  void set_start(core::TimePoint t) { start_ = t; }

  double since_start(core::TimePoint t) const { return std::chrono::duration_cast<Seconds>(t - start_).count(); }

  void event(const Event& e) {
    if (quiet_) return;
    if (!json_) {
      Event shifted = e;
      shifted.time = e.time - start_;
      line(engine::format_event(shifted));
      return;
    }
    JsonObject j;
    j.real("time", since_start(e.time)).str("kind", engine::event_kind_name(e.kind));
    if (e.ike_sa) j.num("ike_sa", e.ike_sa);
    if (e.child) j.num("child", e.child);
    if (e.kind == EventKind::IkeSaState) j.str("state", engine::state_name(e.ike_state));
    if (e.kind == EventKind::ChildSaState) j.str("state", engine::state_name(e.child_state));
    if (e.kind == EventKind::MessageSent || e.kind == EventKind::MessageReceived) {
      j.str("exchange", codec::label(e.exchange))
          .boolean("response", e.response)
          .num("message_id", e.message_id)
          .str("spi_i", reports::hex64(e.spi_i))
          .str("spi_r", reports::hex64(e.spi_r))
          .strings("payloads", payload_names(e.payloads))
          .num("datagrams", e.datagrams.size());
    }
    if (!e.detail.empty()) j.str("detail", e.detail);
    line(j.text());
  }

  // A problem below the engine (a failed send, an ignored datagram).
  void transport(const std::string& text, core::TimePoint now) {
    if (quiet_) return;
    if (json_) {
      line(JsonObject().real("time", since_start(now)).str("kind", "transport").str("detail", text).text());
      return;
    }
    char when[32];
    std::snprintf(when, sizeof when, "%10.3f", since_start(now));
    line(std::string(when) + " transport " + text);
  }

  // Always printed: where the sockets are.
  void sockets(const std::string& what, const std::string& address, uint16_t port, uint16_t natt_port,
               const std::string& text) {
    if (json_) {
      JsonObject j;
      j.str("kind", what).str("address", address).num("port", port);
      if (natt_port) j.num("natt_port", natt_port);
      line(j.text());
      return;
    }
    line(text);
  }

  void summary(const IkeSaInfo& sa, const std::string& heading) {
    std::vector<const ChildSaInfo*> children;
    for (const auto& c : sa.children)
      if (child_live(c.state)) children.push_back(&c);
    auto vip = virtual_ip(sa);
    const std::string suite = sa.suite ? sa.suite->to_string(codec::ProtocolId::IKE) : "";
    if (json_) {
      std::vector<std::string> child_objects, cp_objects;
      for (const auto* c : children)
        child_objects.push_back(JsonObject()
                                    .num("id", c->id)
                                    .str("state", engine::state_name(c->state))
                                    .str("inbound_spi", core::to_hex(c->inbound_spi()))
                                    .str("outbound_spi", core::to_hex(c->outbound_spi()))
                                    .str("suite", c->sa.selection.suite.to_string(codec::ProtocolId::ESP))
                                    .str("mode", c->transport_mode ? "transport" : "tunnel")
                                    .strings("local_ts", selectors_text(c->we_initiated ? c->sa.tsi : c->sa.tsr))
                                    .strings("remote_ts", selectors_text(c->we_initiated ? c->sa.tsr : c->sa.tsi))
                                    .text());
      for (const auto& a : sa.cp_attributes)
        cp_objects.push_back(JsonObject().str("type", codec::label(a.type)).str("value", cfg_value_text(a)).text());
      JsonObject j;
      j.str("kind", "summary")
          .str("heading", heading)
          .num("ike_sa", sa.serial)
          .str("state", engine::state_name(sa.state))
          .str("role", sa.original_initiator ? "initiator" : "responder")
          .str("peer", scenario::endpoint_text(sa.route.remote))
          .boolean("natt", sa.route.natt)
          .str("spi_i", reports::hex64(sa.spi_i))
          .str("spi_r", reports::hex64(sa.spi_r))
          .str("suite", suite)
          .str("peer_id", identity_text(sa.peer_id))
          .str("peer_id_type", codec::label(sa.peer_id.id_type))
          .boolean("nat_detected", sa.nat_detected)
          .raw("children", json_array(child_objects));
      if (vip) j.str("virtual_ip", *vip);
      j.raw("cp", json_array(cp_objects));
      line(j.text());
      return;
    }
    std::ostringstream s;
    s << heading << "\n";
    s << "  IKE SA      " << sa.serial << " (" << (sa.original_initiator ? "initiator" : "responder") << ", "
      << engine::state_name(sa.state) << ")\n";
    s << "  peer        " << scenario::endpoint_text(sa.route.remote) << (sa.route.natt ? " (NAT-T)" : "")
      << (sa.nat_detected ? ", NAT detected" : "") << "\n";
    s << "  SPIs        " << reports::hex64(sa.spi_i) << "_i " << reports::hex64(sa.spi_r) << "_r\n";
    s << "  suite       " << suite << "\n";
    s << "  peer id     " << identity_text(sa.peer_id) << " (" << codec::label(sa.peer_id.id_type) << ")\n";
    if (children.empty()) s << "  Child SA    none\n";
    for (const auto* c : children) {
      s << "  Child SA " << c->id << "  ESP " << core::to_hex(c->inbound_spi()) << "_in "
        << core::to_hex(c->outbound_spi()) << "_out, " << c->sa.selection.suite.to_string(codec::ProtocolId::ESP)
        << ", " << (c->transport_mode ? "transport" : "tunnel") << " mode\n";
      s << "              " << join(selectors_text(c->we_initiated ? c->sa.tsi : c->sa.tsr), " ") << " === "
        << join(selectors_text(c->we_initiated ? c->sa.tsr : c->sa.tsi), " ") << "\n";
    }
    if (vip) s << "  virtual IP  " << *vip << "\n";
    if (!sa.cp_attributes.empty()) {
      std::vector<std::string> attrs;
      for (const auto& a : sa.cp_attributes) {
        std::string v = cfg_value_text(a);
        attrs.push_back(codec::label(a.type) + (v.empty() ? "" : " " + v));
      }
      s << "  CP          " << join(attrs, ", ") << "\n";
    }
    std::string text = s.str();
    text.pop_back();
    line(text);
  }

  // A line of the FlexVPN hub's log (flexvpn::HubEvent::line(), IOS's
  // `debug crypto ikev2` wording), among the engine's event lines.
  void hub_event(const flexvpn::HubEvent& e) {
    if (quiet_) return;
    if (json_) {
      JsonObject j;
      j.real("time", since_start(e.time)).str("kind", "hub");
      if (e.session) j.num("session", e.session);
      if (e.sa) j.num("ike_sa", e.sa);
      line(j.str("detail", e.line()).text());
      return;
    }
    char when[32];
    std::snprintf(when, sizeof when, "%10.3f", since_start(e.time));
    line(std::string(when) + " hub " + e.line());
  }

  // The hub's state at the end: its sessions, Virtual-Access interfaces and
  // the routes spokes pushed with CFG_SET.
  void hub_summary(const flexvpn::Hub& hub) {
    const auto sessions = hub.sessions();
    std::size_t active = 0;
    for (const auto& s : sessions) active += s.active ? 1 : 0;
    auto route_text = [](const flexvpn::HubRoute& r) {
      return scenario::address_text(r.prefix) + " " + scenario::address_text(r.mask) + " via " + r.interface +
             " (vrf " + r.vrf + ", IKE SA " + std::to_string(r.sa) + ")";
    };
    auto interface_text = [](const flexvpn::HubInterface& i) {
      return i.name + " " + (i.up ? "up" : "down") + " (Virtual-Template" + std::to_string(i.virtual_template) +
             ", IKE SA " + std::to_string(i.sa) + ")";
    };
    if (json_) {
      std::vector<std::string> routes, interfaces;
      for (const auto& r : hub.routes())
        routes.push_back(JsonObject()
                             .str("prefix", scenario::address_text(r.prefix))
                             .str("mask", scenario::address_text(r.mask))
                             .str("interface", r.interface)
                             .str("vrf", r.vrf)
                             .num("ike_sa", r.sa)
                             .text());
      for (const auto& i : hub.interfaces())
        interfaces.push_back(JsonObject()
                                 .str("name", i.name)
                                 .num("virtual_template", i.virtual_template)
                                 .boolean("up", i.up)
                                 .num("ike_sa", i.sa)
                                 .text());
      line(JsonObject()
               .str("kind", "hub_summary")
               .num("sessions", sessions.size())
               .num("active_sessions", active)
               .raw("interfaces", json_array(interfaces))
               .raw("routes", json_array(routes))
               .text());
      return;
    }
    std::ostringstream s;
    s << "FlexVPN hub\n";
    s << "  sessions    " << sessions.size() << " (" << active << " active)\n";
    if (hub.interfaces().empty()) s << "  interfaces  none\n";
    for (std::size_t i = 0; i < hub.interfaces().size(); ++i)
      s << (i ? "              " : "  interfaces  ") << interface_text(hub.interfaces()[i]) << "\n";
    if (hub.routes().empty()) s << "  routes      none\n";
    for (std::size_t i = 0; i < hub.routes().size(); ++i)
      s << (i ? "              " : "  routes      ") << route_text(hub.routes()[i]) << "\n";
    std::string text = s.str();
    text.pop_back();
    line(text);
  }

  // A line of the FlexVPN spoke's log (flexvpn::SpokeEvent), among the
  // engine's event lines.
  void spoke_event(const flexvpn::SpokeEvent& e) {
    if (quiet_) return;
    if (json_) {
      JsonObject j;
      j.real("time", since_start(e.time)).str("kind", "spoke");
      if (e.sa) j.num("ike_sa", e.sa);
      line(j.str("detail", e.text).text());
      return;
    }
    char when[32];
    std::snprintf(when, sizeof when, "%10.3f", since_start(e.time));
    line(std::string(when) + " spoke " + e.text);
  }

  // What the spoke made of each IKE SA's configuration: the address, netmask,
  // DNS servers and routes received, the CFG_SET sent and how it was answered.
  void spoke_summary(const flexvpn::Spoke& spoke) {
    std::vector<flexvpn::SpokeSession> sessions;
    for (auto& ss : spoke.sessions())
      if (ss.applied || ss.cfg_reply_rejected || ss.cfg_set != flexvpn::CfgSetOutcome::NotSent ||
          !ss.cfg_set_sent.empty())
        sessions.push_back(std::move(ss));
    auto attr_text = [](const codec::CfgAttribute& a) {
      if (a.type == codec::CfgAttributeType::INTERNAL_IP4_SUBNET && a.value.size() == 8)
        return codec::label(a.type) + " " + flexvpn::subnet_text(a.value);
      std::string v = cfg_value_text(a);
      return codec::label(a.type) + (v.empty() ? "" : " " + v);
    };
    if (json_) {
      std::vector<std::string> objects;
      for (const auto& ss : sessions) {
        std::vector<std::string> dns, routes, sent, ack;
        for (const auto& d : ss.dns) dns.push_back(flexvpn::ip_text(d));
        for (const auto& r : ss.routes)
          routes.push_back(
              JsonObject().str("prefix", flexvpn::ip_text(r.prefix)).str("mask", flexvpn::ip_text(r.mask)).text());
        auto attr_object = [](const codec::CfgAttribute& a) {
          std::string v = a.type == codec::CfgAttributeType::INTERNAL_IP4_SUBNET && a.value.size() == 8
                              ? flexvpn::subnet_text(a.value)
                              : cfg_value_text(a);
          return JsonObject().str("type", codec::label(a.type)).str("value", v).text();
        };
        for (const auto& a : ss.cfg_set_sent) sent.push_back(attr_object(a));
        if (ss.cfg_ack)
          for (const auto& a : *ss.cfg_ack) ack.push_back(attr_object(a));
        JsonObject j;
        j.num("ike_sa", ss.sa).boolean("applied", ss.applied).boolean("cfg_reply_rejected", ss.cfg_reply_rejected);
        j.raw("address", ss.address ? json_string(flexvpn::ip_text(*ss.address)) : "null");
        j.raw("netmask", ss.netmask ? json_string(flexvpn::ip_text(*ss.netmask)) : "null");
        j.strings("dns", dns).raw("routes", json_array(routes)).raw("cfg_set_sent", json_array(sent));
        j.raw("cfg_ack", ss.cfg_ack ? json_array(ack) : "null");
        j.str("cfg_set", flexvpn::cfg_set_outcome_name(ss.cfg_set)).str("cfg_set_text", cfg_set_outcome_text(ss.cfg_set));
        objects.push_back(j.text());
      }
      line(JsonObject().str("kind", "spoke_summary").raw("sessions", json_array(objects)).text());
      return;
    }
    std::ostringstream s;
    s << "FlexVPN spoke\n";
    if (sessions.empty()) s << "  no configuration received\n";
    for (const auto& ss : sessions) {
      s << "  IKE SA      " << ss.sa << "\n";
      if (ss.cfg_reply_rejected) s << "  CFG_REPLY   rejected: no CFG_REQUEST was sent (RFC 7296 2.19)\n";
      s << "  address     " << (ss.address ? flexvpn::ip_text(*ss.address) : "none") << "\n";
      s << "  netmask     " << (ss.netmask ? flexvpn::ip_text(*ss.netmask) : "none") << "\n";
      std::vector<std::string> dns;
      for (const auto& d : ss.dns) dns.push_back(flexvpn::ip_text(d));
      s << "  DNS         " << (dns.empty() ? "none" : join(dns, ", ")) << "\n";
      if (ss.routes.empty()) s << "  routes      none\n";
      for (std::size_t i = 0; i < ss.routes.size(); ++i)
        s << (i ? "              " : "  routes      ") << flexvpn::ip_text(ss.routes[i].prefix) << " "
          << flexvpn::ip_text(ss.routes[i].mask) << " via the tunnel\n";
      std::vector<std::string> sent;
      for (const auto& a : ss.cfg_set_sent) sent.push_back(attr_text(a));
      s << "  CFG_SET     " << (sent.empty() ? "not sent" : join(sent, ", ")) << "\n";
      if (ss.cfg_ack) {
        std::vector<std::string> ack;
        for (const auto& a : *ss.cfg_ack) ack.push_back(attr_text(a));
        s << "  CFG_ACK     " << (ack.empty() ? "empty" : join(ack, ", ")) << "\n";
      }
      s << "  outcome     " << flexvpn::cfg_set_outcome_name(ss.cfg_set) << ": " << cfg_set_outcome_text(ss.cfg_set)
        << "\n";
    }
    std::string text = s.str();
    text.pop_back();
    line(text);
  }

  void verdict(int code, const std::string& text) {
    if (json_) {
      line(JsonObject()
               .str("kind", "result")
               .boolean("ok", code == kExitOk)
               .num("exit_code", static_cast<uint64_t>(code))
               .str("detail", text)
               .text());
      return;
    }
    line(std::string("result: ") + (code == kExitOk ? "ok: " : "failed: ") + text);
  }

  void note(const std::string& text) {
    if (json_) {
      line(JsonObject().str("kind", "note").str("detail", text).text());
      return;
    }
    line(text);
  }

 private:
  // Flushed per line: a test or script reads the output while the run goes on.
  void line(const std::string& text) { out_ << text << std::endl; }

  std::ostream& out_;
  bool quiet_;
  bool json_;
  core::TimePoint start_{0};
};

// What the events tell about each IKE SA: the latest state line (the reason
// a run failed) and the last error, and which IKE SAs came from IKE_AUTH
// rather than a rekey.
class Tracker {
 public:
  void on_event(const Event& e) {
    if (e.kind == EventKind::IkeSaState) {
      auto& s = sas_[e.ike_sa];
      if (e.ike_state == IkeSaState::Established && s.state == IkeSaState::Authenticating) {
        connections_.push_back(e.ike_sa);
        fresh_.push_back(e.ike_sa);
      }
      s.state = e.ike_state;
      s.last_state_line = e.detail;
    } else if (e.kind == EventKind::Error && e.ike_sa) {
      sas_[e.ike_sa].last_error = e.detail;
    }
  }

  std::string last_state_line(uint64_t serial) const {
    auto it = sas_.find(serial);
    return it == sas_.end() ? "" : it->second.last_state_line;
  }
  std::string last_error(uint64_t serial) const {
    auto it = sas_.find(serial);
    return it == sas_.end() ? "" : it->second.last_error;
  }
  // IKE SAs established by IKE_AUTH, in order.
  const std::vector<uint64_t>& connections() const { return connections_; }
  // The ones not yet taken by take_fresh().
  std::vector<uint64_t> take_fresh() { return std::exchange(fresh_, {}); }

 private:
  struct Sa {
    IkeSaState state = IkeSaState::Connecting;
    std::string last_state_line;
    std::string last_error;
  };
  std::map<uint64_t, Sa> sas_;
  std::vector<uint64_t> connections_;
  std::vector<uint64_t> fresh_;
};

// The live end of a chain of IKE SA rekeys starting at `serial`.
uint64_t current_of(const engine::Engine& e, uint64_t serial) {
  for (int guard = 0; guard < 1000; ++guard) {
    auto sa = e.ike_sa(serial);
    if (!sa || sa->replaced_by == 0) return serial;
    serial = sa->replaced_by;
  }
  return serial;
}

bool gone(IkeSaState s) { return s == IkeSaState::Deleted || s == IkeSaState::Failed; }

// A FlexVPN hub configuration (docs/flexvpn.md) rather than an endpoint
// configuration (docs/config.md): a JSON object with a top-level "endpoint"
// key, which the endpoint format does not have. Anything else, including a
// file that cannot be read or parsed, goes to the endpoint loader, whose
// errors say what is wrong.
bool is_hub_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  return doc.is_object() && doc.contains("endpoint");
}

// Everything one run holds: the configuration, the open output files, the
// driver, and what is printed.
struct Session {
  Session(std::ostream& out, std::ostream& err, const PeerOptions& o, const std::atomic<int>* interrupt)
      : err(err), options(o), printer(out, o), interrupt(interrupt) {}

  std::ostream& err;
  const PeerOptions& options;
  Printer printer;
  const std::atomic<int>* interrupt;
  scenario::EndpointConfig config;
  // A FlexVPN hub file (respond only): its policy, attached once the driver is open.
  std::optional<flexvpn::HubPolicy> hub_policy;
  std::optional<reports::PcapWriter> pcap;
  std::unique_ptr<std::ofstream> keys;
  // Before the driver: the engine's observers use it until the driver goes.
  Tracker tracker;
  std::unique_ptr<UdpDriver> driver;
  // After the driver: goes first (the hub may go before its engine).
  std::unique_ptr<flexvpn::Hub> hub;
  // `initiate --flexvpn-spoke`: attached in open() when set. After the
  // driver, as the hub.
  bool spoke_wanted = false;
  std::unique_ptr<flexvpn::Spoke> spoke;

  int usage(const std::string& line) {
    err << line << "\n";
    return kExitUsage;
  }

  // Loads the configuration and creates the output files, so that a wrong
  // path fails before any packet is sent. A FlexVPN hub file (see
  // is_hub_file) is accepted when `hub_allowed` (respond); its engine is
  // configured by flexvpn::hub_engine_config. 0 or kExitUsage.
  int prepare(bool hub_allowed) {
    if (is_hub_file(options.config)) {
      if (!hub_allowed)
        return usage(options.config + ": a FlexVPN hub configuration (top-level \"endpoint\"): only "
                     "`ikeharness respond` runs a hub");
      auto loaded = scenario::load_hub_config(options.config);
      if (!loaded) return usage(loaded.error().to_string());
      config.engine = flexvpn::hub_engine_config(std::move(loaded->endpoint.engine));
      config.network = std::move(loaded->endpoint.network);
      hub_policy = std::move(loaded->policy);
    } else {
      auto loaded = scenario::load_endpoint_config(options.config);
      if (!loaded) return usage(loaded.error().to_string());
      config = std::move(loaded).value();
    }
    if (!options.pcap.empty()) {
      auto w = reports::PcapWriter::open(options.pcap);
      if (!w) return usage(options.pcap + ": " + w.error().to_string());
      pcap.emplace(std::move(w).value());
    }
    if (!options.keys_out.empty()) {
      keys = std::make_unique<std::ofstream>(options.keys_out, std::ios::binary | std::ios::trunc);
      if (!*keys) return usage(options.keys_out + ": cannot create: " + std::strerror(errno));
    }
    if (options.seed)
      err << "ikeharness: warning: --seed " << *options.seed
          << " makes SPIs, nonces and DH private values predictable; use it only for reproducible tests\n";
    return 0;
  }

  int open(net::UdpConfig udp, std::optional<std::string> peer, const std::string& name) {
    scenario::UdpDriverOptions d;
    d.config = config.engine;
    d.udp = std::move(udp);
    if (options.seed) d.random = engine::seeded_random(*options.seed);
    d.name = name;
    d.export_keys = !options.keys_out.empty();
    d.peer = std::move(peer);
    auto created = UdpDriver::create(std::move(d));
    if (!created) return usage(created.error().to_string());
    driver = std::move(created).value();
    printer.set_start(driver->start_time());
    driver->engine().add_observer([this](const Event& e) {
      tracker.on_event(e);
      printer.event(e);
    });
    driver->set_log([this](const std::string& line) { printer.transport(line, driver->clock().now()); });
    if (hub_policy) {
      flexvpn::Hub::Options ho;
      ho.local_address = driver->local().address;
      auto attached = flexvpn::Hub::attach(driver->engine(), std::move(*hub_policy), ho);
      hub_policy.reset();
      if (!attached) return usage(options.config + ": the FlexVPN hub cannot start: " + attached.error().to_string());
      hub = std::move(attached).value();
      hub->set_event_hook([this](const flexvpn::HubEvent& e) { printer.hub_event(e); });
    }
    if (spoke_wanted) {
      spoke = flexvpn::Spoke::attach(driver->engine());
      spoke->set_event_hook([this](const flexvpn::SpokeEvent& e) { printer.spoke_event(e); });
    }
    return 0;
  }

  // The verdict, after the hub's or the spoke's summary when one ran, then
  // finish().
  int conclude(int rc, const std::string& text) {
    if (hub) printer.hub_summary(*hub);
    if (spoke) printer.spoke_summary(*spoke);
    printer.verdict(rc, text);
    return finish(rc);
  }

  int interrupts() const { return interrupt ? interrupt->load() : 0; }

  // Runs until `done`, `limit` or a signal after `since` (a count of
  // signals). Returns how it ended.
  UdpDriver::RunEnd run(const std::function<bool()>& done, core::Duration limit, int since) {
    bool signalled = false;
    auto end = driver->run(
        [&] {
          if (interrupts() > since) {
            signalled = true;
            return true;
          }
          return done();
        },
        limit);
    return signalled ? UdpDriver::RunEnd::Interrupted : end;
  }

  // Writes the capture and the key table. `rc` unless writing fails (then
  // kExitUsage with one line per failure).
  int finish(int rc) {
    if (!driver) return rc;
    if (pcap) {
      if (auto st = driver->write_pcap(*pcap); !st) {
        err << options.pcap << ": " << st.error().to_string() << "\n";
        rc = kExitUsage;
      }
      pcap.reset();
    }
    if (keys) {
      auto rows = driver->engine().key_table();
      *keys << crypto::format_key_table(rows);
      keys->close();
      if (!*keys) {
        err << options.keys_out << ": cannot write: " << std::strerror(errno) << "\n";
        rc = kExitUsage;
      }
    }
    return rc;
  }
};

std::string ike_sa_state_text(const engine::Engine& e, uint64_t serial) {
  auto sa = e.ike_sa(serial);
  return "IKE SA " + std::to_string(serial) + " " + (sa ? engine::state_name(sa->state) : "gone");
}

// Why an IKE SA ended: its last state line, with the last error before it
// when the state line alone does not say.
std::string failure_reason(const Tracker& t, uint64_t serial) {
  std::string line = t.last_state_line(serial);
  std::string error = t.last_error(serial);
  if (line.empty()) return error.empty() ? "IKE SA " + std::to_string(serial) + " failed" : error;
  if (!error.empty() && line.find('(') == std::string::npos) line += " after: " + error;
  return line;
}

const ChildSaInfo* child_by_id(const IkeSaInfo& sa, uint32_t id) {
  for (const auto& c : sa.children)
    if (c.id == id) return &c;
  return nullptr;
}

// The Child SA with this id, on whichever IKE SA holds it now (an IKE SA
// rekey moves Child SAs to the new IKE SA).
std::optional<ChildSaInfo> find_child(const engine::Engine& e, uint32_t id) {
  for (const auto& sa : e.ike_sas())
    if (const auto* c = child_by_id(sa, id)) return *c;
  return std::nullopt;
}

// Network section values that differ from the loader's defaults were
// written in the file: the loader does not say which keys were present.
bool network_local_given(const scenario::NetworkConfig& n) {
  scenario::NetworkConfig defaults;
  return n.local_address != defaults.local_address || n.local_port != defaults.local_port ||
         n.local_natt_port != defaults.local_natt_port;
}

std::string sockets_text(const UdpDriver& d) {
  std::string text = host_port_text(d.local_address_text(), d.ike_port());
  if (d.natt_port())
    text += " (NAT-T " + host_port_text(d.local_address_text(), d.natt_port()) + ")";
  else
    text += " (no NAT-T socket)";
  return text;
}

}  // namespace

// ----- initiate -----

int run_initiate(const InitiateOptions& o, std::ostream& out, std::ostream& err, const std::atomic<int>* interrupt) {
  Session s(out, err, o, interrupt);
  if (!o.flexvpn_spoke && (o.group || !o.group_password_env.empty() || !o.group_password_file.empty()))
    return s.usage("ikeharness: initiate: --group, --group-password-env and --group-password-file need "
                   "--flexvpn-spoke");
  if (!o.group_password_env.empty() && !o.group_password_file.empty())
    return s.usage("ikeharness: initiate: give --group-password-env or --group-password-file, not both");
  if (o.group && o.group->empty()) return s.usage("ikeharness: initiate: --group: an empty group name");
  if (int rc = s.prepare(false)) return rc;
  if (o.flexvpn_spoke) {
    // The group password is read as the configuration's secrets are ("0x"
    // hex, trailing line break removed); errors name the variable or file.
    flexvpn::SpokeOptions so;
    so.group = o.group;
    if (!o.group_password_env.empty() || !o.group_password_file.empty()) {
      auto pw = scenario::read_secret_ref(o.group_password_env, o.group_password_file, "group password",
                                          o.group_password_env.empty() ? "--group-password-file"
                                                                       : "--group-password-env");
      if (!pw) return s.usage("ikeharness: " + pw.error().to_string());
      so.group_password = std::move(pw).value();
    }
    s.config.engine = flexvpn::spoke_engine_config(std::move(s.config.engine), so);
    s.spoke_wanted = true;
  }
  const scenario::NetworkConfig& net = s.config.network;

  // Where the peer is: the command line, else the configuration.
  std::string peer_address;
  uint16_t peer_port = net::kIkePort;
  uint16_t peer_natt = o.peer_natt_port.value_or(net::kNatTPort);
  if (!o.peer.empty()) {
    auto hp = scenario::parse_host_port(o.peer, "--peer");
    if (!hp) return s.usage("ikeharness: " + hp.error().to_string());
    peer_address = hp->address;
    peer_port = hp->port.value_or(net::kIkePort);
  } else if (net.remote_address) {
    peer_address = *net.remote_address;
    peer_port = net.remote_port;
    peer_natt = o.peer_natt_port.value_or(net.remote_natt_port);
  } else {
    return s.usage("ikeharness: initiate: no peer: give --peer ADDR[:PORT] or network.remote_address in " +
                   o.config);
  }
  if (peer_port == 0) return s.usage("ikeharness: --peer \"" + o.peer + "\": the peer's port cannot be 0");
  auto peer_bytes = scenario::address_bytes(peer_address);
  if (!peer_bytes) return s.usage("ikeharness: " + peer_bytes.error().to_string());
  const bool v6 = peer_bytes->size() == 16;

  // Where to bind: --local, else the configuration's network section, else
  // free ports on the wildcard address of the peer's family.
  net::UdpConfig udp;
  udp.role = net::Side::Initiator;
  if (!o.local.empty()) {
    auto hp = scenario::parse_host_port(o.local, "--local");
    if (!hp) return s.usage("ikeharness: " + hp.error().to_string());
    udp.local_address = hp->address;
    udp.ike_port = hp->port.value_or(0);
    udp.natt_port = udp.ike_port == net::kIkePort ? net::kNatTPort : 0;
  } else if (network_local_given(net)) {
    udp.local_address = net.local_address;
    udp.ike_port = net.local_port;
    udp.natt_port = net.local_natt_port;
  } else {
    udp.local_address = v6 ? "::" : "0.0.0.0";
    udp.ike_port = 0;
    udp.natt_port = 0;
  }
  if (o.natt_port) udp.natt_port = *o.natt_port;
  if (scenario::address_bytes(udp.local_address)->size() != peer_bytes->size())
    return s.usage("ikeharness: the local address " + udp.local_address + " and the peer " + peer_address +
                   " are of different address families");

  if (int rc = s.open(udp, peer_address, "initiator")) return rc;
  UdpDriver& d = *s.driver;
  engine::Engine& e = d.engine();
  const engine::Endpoint peer{*peer_bytes, peer_port};
  s.printer.sockets("initiating", d.local_address_text(), d.ike_port(), d.natt_port(),
                    "initiating from " + sockets_text(d) + " to " + host_port_text(peer_address, peer_port) +
                        " (NAT-T port " + std::to_string(peer_natt) + ")");

  const core::Duration step = from_seconds(o.timeout_s.value_or(kDefaultInitiateTimeout));
  const std::string step_text = seconds_text(o.timeout_s.value_or(kDefaultInitiateTimeout)) + " s";
  auto fail = [&](const std::string& why) { return s.conclude(kExitFailed, why); };
  auto ended = [&](UdpDriver::RunEnd end, const std::string& waiting_for, uint64_t serial) {
    if (end == UdpDriver::RunEnd::Interrupted)
      return fail("interrupted while waiting for " + waiting_for + " (" + ike_sa_state_text(e, serial) + ")");
    return fail("timed out after " + step_text + " waiting for " + waiting_for + " (" + ike_sa_state_text(e, serial) +
                ")");
  };
  auto state_of = [&](uint64_t serial) {
    auto sa = e.ike_sa(serial);
    return sa ? sa->state : IkeSaState::Deleted;
  };

  auto started = e.initiate(peer, peer_natt);
  if (!started) return fail("cannot start the IKE SA: " + started.error().to_string());
  uint64_t serial = *started;

  // The initial exchanges.
  auto end = s.run(
      [&] {
        auto st = state_of(serial);
        return st != IkeSaState::Connecting && st != IkeSaState::Authenticating;
      },
      step, 0);
  if (end != UdpDriver::RunEnd::Stopped) return ended(end, "the IKE SA", serial);
  if (gone(state_of(serial))) return fail(failure_reason(s.tracker, serial));
  s.printer.summary(*e.ike_sa(serial), "IKE SA " + std::to_string(serial) + " established with " +
                                           host_port_text(peer_address, peer_port));
  std::vector<std::string> done = {"IKE SA " + std::to_string(serial) + " established"};
  // RFC 7296 1.2: a refused first Child SA leaves the IKE SA up; the
  // verdict says so.
  if (auto line = s.tracker.last_state_line(serial); line.find("(without Child SA") != std::string::npos)
    done.back() += " " + line.substr(line.find("(without Child SA"));

  if (s.spoke) {
    // The spoke queues its CFG_SET once the CFG_REPLY is applied (a timer at
    // once after IKE_AUTH): wait until it was sent and answered, so that no
    // action (rekey, Delete) or the exit overtakes it.
    auto cfg_set_busy = [&] {
      auto ss = s.spoke->session(serial);
      if (!ss) return false;
      return ss->cfg_set == flexvpn::CfgSetOutcome::Pending ||
             (ss->address && ss->cfg_set_sent.empty() && ss->cfg_set == flexvpn::CfgSetOutcome::NotSent);
    };
    end = s.run([&] { return !cfg_set_busy() || gone(state_of(serial)); }, step, 0);
    if (end != UdpDriver::RunEnd::Stopped) return ended(end, "the answer to the CFG_SET", serial);
    if (gone(state_of(serial))) return fail(failure_reason(s.tracker, serial));
    auto ss = s.spoke->session(serial);
    if (!ss || !ss->address) {
      done.push_back("no address assigned, no CFG_SET sent");
    } else if (ss->cfg_set == flexvpn::CfgSetOutcome::Invalid) {
      return fail("CFG_SET answered by an " + cfg_set_outcome_text(ss->cfg_set));
    } else {
      done.push_back("address " + flexvpn::ip_text(*ss->address) + " assigned, " +
                     cfg_set_outcome_text(ss->cfg_set) + " (" + flexvpn::cfg_set_outcome_name(ss->cfg_set) + ")");
    }
  }

  if (o.rekey_child) {
    auto sa = e.ike_sa(serial);
    const ChildSaInfo* child = nullptr;
    for (const auto& c : sa->children)
      if (c.state == ChildSaState::Installed && !child) child = &c;
    if (!child) return fail("--rekey-child: IKE SA " + std::to_string(serial) + " has no installed Child SA");
    uint32_t id = child->id;
    if (auto st = e.rekey_child(serial, id); !st) return fail("--rekey-child: " + st.error().to_string());
    end = s.run(
        [&] {
          auto c = find_child(e, id);
          return !c || c->state == ChildSaState::Deleted || c->state == ChildSaState::Installed;
        },
        step, 0);
    if (end != UdpDriver::RunEnd::Stopped) return ended(end, "the rekey of Child SA " + std::to_string(id), serial);
    auto c = find_child(e, id);
    if (c && c->state == ChildSaState::Installed) {
      std::string why = s.tracker.last_error(current_of(e, serial));
      return fail("--rekey-child: Child SA " + std::to_string(id) + " was not rekeyed" +
                  (why.empty() ? "" : ": " + why));
    }
    serial = current_of(e, serial);
    if (gone(state_of(serial))) return fail(failure_reason(s.tracker, serial));
    s.printer.summary(*e.ike_sa(serial), "Child SA " + std::to_string(id) + " rekeyed");
    done.push_back("Child SA " + std::to_string(id) + " rekeyed");
  }

  if (o.rekey_ike) {
    const uint64_t old = serial;
    if (auto st = e.rekey_ike(old); !st) return fail("--rekey-ike: " + st.error().to_string());
    end = s.run(
        [&] {
          auto sa = e.ike_sa(old);
          return !sa || sa->state == IkeSaState::Established || gone(sa->state);
        },
        step, 0);
    if (end != UdpDriver::RunEnd::Stopped) return ended(end, "the rekey of IKE SA " + std::to_string(old), old);
    auto sa = e.ike_sa(old);
    if (sa && sa->state == IkeSaState::Established) {
      std::string why = s.tracker.last_error(old);
      return fail("--rekey-ike: IKE SA " + std::to_string(old) + " was not rekeyed" + (why.empty() ? "" : ": " + why));
    }
    serial = current_of(e, old);
    if (serial == old || gone(state_of(serial))) return fail(failure_reason(s.tracker, serial));
    s.printer.summary(*e.ike_sa(serial), "IKE SA " + std::to_string(old) + " rekeyed: IKE SA " +
                                             std::to_string(serial) + " replaces it");
    done.push_back("IKE SA " + std::to_string(old) + " rekeyed to IKE SA " + std::to_string(serial));
  }

  bool peer_deleted = false;
  if (o.hold_s > 0) {
    // A signal ends the hold early (one that came since the SA was
    // established too); what comes after still runs.
    end = s.run([&] { return gone(state_of(current_of(e, serial))); }, from_seconds(o.hold_s), 0);
    serial = current_of(e, serial);
    if (gone(state_of(serial))) {
      if (state_of(serial) == IkeSaState::Failed) return fail(failure_reason(s.tracker, serial));
      peer_deleted = true;
      done.push_back("IKE SA " + std::to_string(serial) + " deleted during the hold (" +
                     failure_reason(s.tracker, serial) + ")");
    } else {
      done.push_back(end == UdpDriver::RunEnd::Interrupted ? "hold ended by a signal"
                                                           : "held " + seconds_text(o.hold_s) + " s");
    }
  }

  if (o.delete_ike) {
    if (peer_deleted) {
      s.printer.note("--delete: IKE SA " + std::to_string(serial) + " is already deleted");
    } else {
      if (auto st = e.delete_ike(serial); !st) return fail("--delete: " + st.error().to_string());
      const int since = s.interrupts();
      end = s.run([&] { return gone(state_of(serial)); }, step, since);
      if (end != UdpDriver::RunEnd::Stopped)
        return ended(end, "the Delete of IKE SA " + std::to_string(serial), serial);
      if (state_of(serial) == IkeSaState::Failed) return fail(failure_reason(s.tracker, serial));
      done.push_back("IKE SA " + std::to_string(serial) + " deleted");
    }
  }

  return s.conclude(kExitOk, join(done, ", "));
}

// ----- respond -----

int run_respond(const RespondOptions& o, std::ostream& out, std::ostream& err, const std::atomic<int>* interrupt) {
  Session s(out, err, o, interrupt);
  if (o.until_deleted && !o.count && !o.once)
    return s.usage("ikeharness: respond: --until-deleted needs --count N or --once");
  if (o.delete_ike && !o.count && !o.once)
    return s.usage("ikeharness: respond: --delete needs --count N or --once");
  if (int rc = s.prepare(true)) return rc;
  const scenario::NetworkConfig& net = s.config.network;

  net::UdpConfig udp;
  udp.role = net::Side::Responder;
  if (!o.listen.empty()) {
    auto hp = scenario::parse_host_port(o.listen, "--listen");
    if (!hp) return s.usage("ikeharness: " + hp.error().to_string());
    udp.local_address = hp->address;
    udp.ike_port = hp->port.value_or(net::kIkePort);
    udp.natt_port = udp.ike_port == net::kIkePort ? net::kNatTPort : 0;
  } else {
    udp.local_address = net.local_address;
    udp.ike_port = net.local_port;
    udp.natt_port = net.local_natt_port;
  }
  if (o.natt_port) udp.natt_port = *o.natt_port;

  if (int rc = s.open(udp, std::nullopt, "responder")) return rc;
  UdpDriver& d = *s.driver;
  engine::Engine& e = d.engine();
  s.printer.sockets("listening", d.local_address_text(), d.ike_port(), d.natt_port(),
                    "listening on " + sockets_text(d));
  if (scenario::is_wildcard(d.local_address_text()))
    s.printer.note("note: bound to a wildcard address: NAT detection will see a NAT; listen on a specific address "
                   "to avoid it");

  const std::optional<uint32_t> count = o.once ? std::optional<uint32_t>(1) : o.count;
  const core::Duration limit = o.timeout_s ? from_seconds(*o.timeout_s) : kForever;
  const core::TimePoint deadline = d.clock().now() + limit;
  auto remaining = [&] { return std::max(deadline - d.clock().now(), core::Duration{0}); };
  auto established = [&] { return s.tracker.connections().size(); };
  auto print_fresh = [&] {
    for (uint64_t serial : s.tracker.take_fresh())
      if (auto sa = e.ike_sa(serial))
        s.printer.summary(*sa, "IKE SA " + std::to_string(serial) + " established with " +
                                   scenario::endpoint_text(sa->route.remote));
  };
  auto fail = [&](const std::string& why) { return s.conclude(kExitFailed, why); };
  auto progress = [&] {
    return std::to_string(established()) + " of " + std::to_string(*count) + " IKE SAs established";
  };

  if (!count) {
    auto end = s.run([&] { print_fresh(); return false; }, limit, 0);
    print_fresh();
    return s.conclude(kExitOk, std::to_string(established()) + " IKE SAs established, served until " +
                                   (end == UdpDriver::RunEnd::Interrupted ? "a signal" : "the timeout"));
  }

  auto end = s.run([&] { print_fresh(); return established() >= *count; }, remaining(), 0);
  print_fresh();
  if (end == UdpDriver::RunEnd::Interrupted) return fail("interrupted with " + progress());
  if (end == UdpDriver::RunEnd::Deadline)
    return fail("timed out after " + seconds_text(*o.timeout_s) + " s with " + progress());
  std::string result = progress();

  if (o.until_deleted) {
    std::vector<uint64_t> wanted(s.tracker.connections().begin(), s.tracker.connections().begin() + *count);
    auto all_gone = [&] {
      for (uint64_t serial : wanted) {
        auto sa = e.ike_sa(current_of(e, serial));
        if (sa && !gone(sa->state)) return false;
      }
      return true;
    };
    end = s.run([&] { print_fresh(); return all_gone(); }, remaining(), 0);
    print_fresh();
    if (end == UdpDriver::RunEnd::Interrupted) return fail("interrupted before the peer deleted the IKE SAs");
    if (end == UdpDriver::RunEnd::Deadline)
      return fail("timed out after " + seconds_text(*o.timeout_s) + " s before the peer deleted the IKE SAs");
    result += ", all deleted by the peer";
  }

  if (o.hold_s > 0) {
    end = s.run([&] { print_fresh(); return false; }, from_seconds(o.hold_s), s.interrupts());
    print_fresh();
    result += end == UdpDriver::RunEnd::Interrupted ? ", hold ended by a signal"
                                                    : ", held " + seconds_text(o.hold_s) + " s";
  }

  if (o.delete_ike) {
    // The responder side starts these INFORMATIONAL exchanges with its own
    // Message IDs (RFC 7296 2.2).
    std::vector<uint64_t> mine;
    for (auto it = s.tracker.connections().begin(); it != s.tracker.connections().begin() + *count; ++it) {
      uint64_t now = current_of(e, *it);
      auto sa = e.ike_sa(now);
      if (!sa || gone(sa->state)) continue;
      if (auto st = e.delete_ike(now); !st) return fail("--delete: " + st.error().to_string());
      mine.push_back(now);
    }
    auto all_gone = [&] {
      for (uint64_t serial : mine) {
        auto sa = e.ike_sa(serial);
        if (sa && !gone(sa->state)) return false;
      }
      return true;
    };
    end = s.run([&] { print_fresh(); return all_gone(); }, remaining(), s.interrupts());
    if (end == UdpDriver::RunEnd::Interrupted) return fail("interrupted before the Deletes were answered");
    if (end == UdpDriver::RunEnd::Deadline) return fail("timed out before the Deletes were answered");
    result += ", " + std::to_string(mine.size()) + " deleted by us";
  }
  return s.conclude(kExitOk, result);
}

}  // namespace ikeh::cli
