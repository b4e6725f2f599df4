// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/scenario_loader.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/codec/nonce_payload.h"
#include "harness/codec/notify_payload.h"
#include "harness/codec/vendor_id_payload.h"
#include "harness/codec/eap_payload.h"
#include "harness/flexvpn/hub.h"
#include "harness/scenario/flexvpn_config.h"
#include "harness/scenario/json_walk.h"
#include "harness/scenario/peer_profile.h"
#include "harness/scenario/udp_driver.h"

namespace ikeh::scenario {
namespace {

using namespace json_walk;
using core::Bytes;
namespace fs = std::filesystem;

// An error already located by the engine configuration loader.
struct LocatedError {
  core::Error error;
};

// ---------------------------------------------------------------------------
// Values

// A duration: a number of seconds (fractions allowed) or a string with a
// unit: "250ms", "2s", "3m", "1h".
core::Duration read_duration(const json& j, const std::string& ptr) {
  double seconds = 0;
  if (j.is_number()) {
    seconds = j.get<double>();
  } else if (j.is_string()) {
    std::string s = j.get<std::string>();
    double unit = 0;
    std::string num = s;
    if (s.size() > 2 && s.compare(s.size() - 2, 2, "ms") == 0) {
      unit = 0.001;
      num = s.substr(0, s.size() - 2);
    } else if (!s.empty() && (s.back() == 's' || s.back() == 'm' || s.back() == 'h')) {
      unit = s.back() == 's' ? 1 : s.back() == 'm' ? 60 : 3600;
      num = s.substr(0, s.size() - 1);
    }
    // Digits with an optional fraction only: no sign, exponent, hex or space.
    bool plain = !num.empty() && num.front() != '.' && num.back() != '.' &&
                 std::count(num.begin(), num.end(), '.') <= 1 &&
                 std::all_of(num.begin(), num.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    seconds = plain && unit != 0 ? std::strtod(num.c_str(), nullptr) * unit : -1;
    if (unit == 0 || !plain)
      fail(ptr, in_quotes(s) + " is not a duration (seconds, or a number with ms, s, m or h)");
  } else {
    wrong_type(ptr, "a duration (seconds, or a string such as \"500ms\", \"2s\", \"3m\")", j);
  }
  if (!(seconds >= 0) || seconds > 86400.0 * 365) fail(ptr, "a duration must be between 0 and one year");
  return std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(seconds));
}

// A registry value by IANA name (any case) or number.
template <class E>
E read_registry(const json& j, const std::string& ptr, std::string_view what) {
  using U = std::underlying_type_t<E>;
  if (j.is_number()) return static_cast<E>(read_uint(j, ptr, 0, std::numeric_limits<U>::max()));
  std::string s = read_string(j, ptr);
  if (auto v = codec::parse_name<E>(s)) return *v;
  for (const auto& e : codec::RegistryOf<E>::entries())
    if (lower(e.name) == lower(s)) return static_cast<E>(e.value);
  fail(ptr, "unknown " + std::string(what) + " " + in_quotes(s) + did_you_mean(s, registry_names<E>()));
}

// Bytes written as hex ("0a0b", "0x0a0b", "0a:0b") or, for values that are
// addresses, as an IPv4/IPv6 address or "address/netmask" (a CP subnet).
Bytes read_bytes(const json& j, const std::string& ptr, bool address_text) {
  std::string s = read_string(j, ptr);
  if (address_text) {
    Bytes out;
    std::string addr = s, mask;
    if (auto slash = s.find('/'); slash != std::string::npos) {
      addr = s.substr(0, slash);
      mask = s.substr(slash + 1);
    }
    unsigned char buf[16];
    if (inet_pton(AF_INET, addr.c_str(), buf) == 1) {
      out.assign(buf, buf + 4);
      if (!mask.empty()) {
        if (inet_pton(AF_INET, mask.c_str(), buf) != 1) fail(ptr, in_quotes(mask) + " is not an IPv4 netmask");
        out.insert(out.end(), buf, buf + 4);
      }
      return out;
    }
    if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) {
      out.assign(buf, buf + 16);
      if (!mask.empty()) {
        auto len = parse_decimal(mask, 128);
        if (!len) fail(ptr, in_quotes(mask) + " is not an IPv6 prefix length");
        out.push_back(static_cast<uint8_t>(*len));
      }
      return out;
    }
  }
  std::string hex;
  std::string_view v = s;
  if (v.rfind("0x", 0) == 0 || v.rfind("0X", 0) == 0) v.remove_prefix(2);
  for (char c : v)
    if (c != ':' && c != ' ') hex += c;
  if (hex.size() % 2 != 0) fail(ptr, in_quotes(s) + " is not hex bytes (an odd number of digits)");
  Bytes out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto nib = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nib(hex[i]), lo = nib(hex[i + 1]);
    if (hi < 0 || lo < 0)
      fail(ptr, in_quotes(s) + (address_text ? " is neither an address nor hex bytes" : " is not hex bytes"));
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Variables

// The variable references ("$NAME") of one step as they are read, each with
// its pointer: read_scenario() checks them against the names earlier steps
// capture, so a reference to a variable nothing captures fails where it is
// written.
using Refs = std::vector<std::pair<std::string, std::string>>;

// Letters, digits and "_", not starting with a digit: what may follow "$".
bool is_variable_name(std::string_view s) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  return !s.empty() && alpha(s.front()) &&
         std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

// "$NAME" (recorded in `refs`) -> NAME; any other value -> nothing, and the
// caller reads it as a literal.
VarName read_var(const json& j, const std::string& ptr, Refs& refs) {
  if (!j.is_string()) return std::nullopt;
  const auto& s = j.get_ref<const std::string&>();
  if (s.empty() || s.front() != '$') return std::nullopt;
  std::string name = s.substr(1);
  if (!is_variable_name(name))
    fail(ptr, in_quotes(s) + " is not a variable reference (\"$\" and a name of letters, digits and _, not starting "
                             "with a digit)");
  refs.emplace_back(name, ptr);
  return name;
}

const std::initializer_list<std::string_view> kSources = {"spi_i", "spi_r", "message_id", "nonce",
                                                         "ke",    "cookie", "address"};

std::string read_source(const json& j, const std::string& ptr) {
  std::string src = read_string(j, ptr);
  if (std::find(kSources.begin(), kSources.end(), src) == kSources.end())
    fail(ptr, "unknown source " + in_quotes(src) + did_you_mean(src, kSources));
  return src;
}

bool is_address_attribute(uint16_t type) {
  using T = codec::CfgAttributeType;
  switch (static_cast<T>(type)) {
    case T::INTERNAL_IP4_ADDRESS:
    case T::INTERNAL_IP4_NETMASK:
    case T::INTERNAL_IP4_DNS:
    case T::INTERNAL_IP4_NBNS:
    case T::INTERNAL_IP4_DHCP:
    case T::INTERNAL_IP4_SUBNET:
    case T::INTERNAL_IP6_ADDRESS:
    case T::INTERNAL_IP6_DNS:
    case T::INTERNAL_IP6_DHCP:
    case T::INTERNAL_IP6_SUBNET: return true;
    default: return false;
  }
}

// ---------------------------------------------------------------------------
// Payload lists

std::vector<std::string_view> payload_words() {
  std::vector<std::string_view> w = registry_names<codec::PayloadType>();
  for (std::string_view extra : {"Ni", "Nr", "Nonce", "N(...)", "CP(...)"}) w.push_back(extra);
  return w;
}

PayloadSpec read_payload_spec(const json& j, const std::string& ptr) {
  PayloadSpec p;
  p.text = read_string(j, ptr);
  std::string name = p.text, arg;
  if (auto open = name.find('('); open != std::string::npos) {
    if (name.back() != ')') fail(ptr, in_quotes(p.text) + ": a \"(\" without its \")\"");
    arg = name.substr(open + 1, name.size() - open - 2);
    name = name.substr(0, open);
    if (arg.empty()) fail(ptr, in_quotes(p.text) + ": empty parentheses (write the type inside, or leave them out)");
  }
  if (name == "Ni" || name == "Nr" || lower(name) == "nonce") {
    p.type = codec::PayloadType::NONCE;
  } else if (auto n = parse_decimal(name, 255); n && (name.size() == 1 || name[0] != '0')) {
    p.type = static_cast<codec::PayloadType>(*n);
  } else if (auto t = codec::parse_name<codec::PayloadType>(name)) {
    p.type = *t;
  } else {
    fail(ptr, "unknown payload " + in_quotes(p.text) + did_you_mean(name, payload_words()));
  }
  if (!arg.empty()) {
    if (p.type == codec::PayloadType::N) {
      if (auto n = parse_decimal(arg, 65535))
        p.notify = static_cast<uint16_t>(*n);
      else if (auto t = codec::parse_name<codec::NotifyType>(arg))
        p.notify = static_cast<uint16_t>(*t);
      else
        fail(ptr, "unknown notify type " + in_quotes(arg) + did_you_mean(arg, registry_names<codec::NotifyType>()));
    } else if (p.type == codec::PayloadType::CP) {
      auto t = codec::parse_name<codec::CfgType>(arg);
      if (!t)
        fail(ptr, "unknown configuration type " + in_quotes(arg) + did_you_mean(arg, registry_names<codec::CfgType>()));
      p.cfg = *t;
    } else {
      fail(ptr, in_quotes(p.text) + ": only N(...) and CP(...) take an argument");
    }
  }
  return p;
}

std::vector<PayloadSpec> read_payload_list(const json& j, const std::string& ptr) {
  std::vector<PayloadSpec> out;
  const json& a = read_array(j, ptr, "payload names");
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(read_payload_spec(a[i], child_pointer(ptr, i)));
  return out;
}

// ---------------------------------------------------------------------------
// Steps

const std::initializer_list<std::string_view> kStepKinds = {"start", "expect", "expect_nothing", "assert", "wait",
                                                            "fault", "mutate"};

MessageMatch read_match(const Obj& o) {
  MessageMatch m;
  if (const json* v = o.find("exchange"))
    m.exchange = read_registry<codec::ExchangeType>(*v, o.at("exchange"), "exchange type");
  if (const json* v = o.find("response")) m.response = read_bool(*v, o.at("response"));
  if (const json* v = o.find("message_id"))
    m.message_id = static_cast<uint32_t>(read_uint(*v, o.at("message_id"), 0, 0xffffffffu));
  return m;
}

ExpectStep read_expect(const json& j, const std::string& ptr, Refs& refs) {
  Obj o(j, ptr,
        {"exchange", "response", "message_id", "retransmission", "payloads", "order", "absent", "notify", "cp", "sa",
         "id", "ts", "vendor_ids", "within", "equals", "differs", "capture"});
  ExpectStep e;
  e.retransmission = o.get_bool("retransmission", false);
  e.match = read_match(o);
  if (const json* v = o.find("payloads")) e.payloads = read_payload_list(*v, o.at("payloads"));
  if (auto order = o.get_choice("order", {"exact", "set", "includes"})) {
    if (!e.payloads) fail(o.at("order"), "\"order\" applies to \"payloads\", which is missing");
    e.order = *order == "exact" ? PayloadOrder::Exact : *order == "set" ? PayloadOrder::Set : PayloadOrder::Includes;
  }
  if (const json* v = o.find("absent")) e.absent = read_payload_list(*v, o.at("absent"));
  if (const json* v = o.find("notify")) {
    const json& a = read_array(*v, o.at("notify"), "notify expectations");
    for (std::size_t i = 0; i < a.size(); ++i) {
      Obj n(a[i], child_pointer(o.at("notify"), i), {"type", "data", "data_length"});
      NotifyExpect ne;
      const json* t = n.find("type");
      if (!t) fail(n.ptr(), "a notify expectation needs \"type\"");
      ne.type = static_cast<uint16_t>(read_registry<codec::NotifyType>(*t, n.at("type"), "notify type"));
      if (const json* d = n.find("data"))
        if (!(ne.data_var = read_var(*d, n.at("data"), refs))) ne.data = read_bytes(*d, n.at("data"), false);
      if (const json* d = n.find("data_length")) ne.data_length = read_uint(*d, n.at("data_length"), 0, 65535);
      e.notifies.push_back(std::move(ne));
    }
  }
  if (const json* v = o.find("cp")) {
    Obj c(*v, o.at("cp"), {"type", "attributes", "only"});
    CpExpect cp;
    if (const json* t = c.find("type")) cp.type = read_registry<codec::CfgType>(*t, c.at("type"), "configuration type");
    cp.only = c.get_bool("only", false);
    if (const json* at = c.find("attributes")) {
      const json& a = read_array(*at, c.at("attributes"), "attribute expectations");
      for (std::size_t i = 0; i < a.size(); ++i) {
        Obj ao(a[i], child_pointer(c.at("attributes"), i), {"type", "value", "length"});
        CpAttributeExpect ae;
        const json* t = ao.find("type");
        if (!t) fail(ao.ptr(), "an attribute expectation needs \"type\"");
        ae.type = static_cast<uint16_t>(
            read_registry<codec::CfgAttributeType>(*t, ao.at("type"), "configuration attribute type"));
        if (const json* d = ao.find("value"))
          if (!(ae.value_var = read_var(*d, ao.at("value"), refs)))
            ae.value = read_bytes(*d, ao.at("value"), is_address_attribute(ae.type));
        if (const json* d = ao.find("length")) ae.length = read_uint(*d, ao.at("length"), 0, 65535);
        cp.attributes.push_back(std::move(ae));
      }
    }
    e.cp = std::move(cp);
  }
  if (const json* v = o.find("sa")) {
    Obj s(*v, o.at("sa"), {"encr", "key_length", "prf", "integ", "dh"});
    SaExpect sa;
    if (const json* x = s.find("encr"))
      sa.encr = static_cast<uint16_t>(read_registry<codec::EncrId>(*x, s.at("encr"), "encryption algorithm"));
    if (const json* x = s.find("key_length")) sa.key_length = static_cast<uint16_t>(read_uint(*x, s.at("key_length"), 0, 65535));
    if (const json* x = s.find("prf"))
      sa.prf = static_cast<uint16_t>(read_registry<codec::PrfId>(*x, s.at("prf"), "pseudorandom function"));
    if (const json* x = s.find("integ"))
      sa.integ = static_cast<uint16_t>(read_registry<codec::IntegId>(*x, s.at("integ"), "integrity algorithm"));
    if (const json* x = s.find("dh"))
      sa.dh = static_cast<uint16_t>(read_registry<codec::DhGroup>(*x, s.at("dh"), "key exchange method"));
    e.sa = sa;
  }
  if (const json* v = o.find("id")) {
    auto id = parse_identity(read_string(*v, o.at("id")));
    if (!id) fail(o.at("id"), id.error().reason);
    e.id = std::move(id).value();
  }
  if (const json* v = o.find("ts")) {
    Obj t(*v, o.at("ts"), {"TSi", "TSr"});
    TsExpect ts;
    for (const char* key : {"TSi", "TSr"}) {
      const json* list = t.find(key);
      if (!list) continue;
      const json& a = read_array(*list, t.at(key), "traffic selector strings");
      if (a.empty()) fail(t.at(key), "at least one traffic selector (a TS payload carries one or more)");
      std::vector<codec::TrafficSelector> selectors;
      for (std::size_t i = 0; i < a.size(); ++i) {
        std::string p = child_pointer(t.at(key), i);
        auto sel = parse_traffic_selector(read_string(a[i], p));
        if (!sel) fail(p, sel.error().reason);
        selectors.push_back(std::move(sel).value());
      }
      (std::string_view(key) == "TSi" ? ts.tsi : ts.tsr) = std::move(selectors);
    }
    if (!ts.tsi && !ts.tsr) fail(o.at("ts"), "\"ts\" needs \"TSi\", \"TSr\" or both");
    e.ts = std::move(ts);
  }
  if (const json* v = o.find("vendor_ids")) {
    const json& a = read_array(*v, o.at("vendor_ids"), "vendor IDs (hex, or hex followed by * for a prefix)");
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string p = child_pointer(o.at("vendor_ids"), i);
      VendorIdExpect ve;
      ve.text = read_string(a[i], p);
      std::string hex = ve.text;
      // Cisco and others append a version to a fixed vendor ID.
      if (!hex.empty() && hex.back() == '*') {
        ve.prefix = true;
        hex.pop_back();
      }
      ve.data = read_bytes(json(hex), p, false);
      e.vendor_ids.push_back(std::move(ve));
    }
  }
  if (const json* v = o.find("within")) e.within = read_duration(*v, o.at("within"));
  for (const char* key : {"equals", "differs"}) {
    const json* v = o.find(key);
    if (!v) continue;
    if (!v->is_object()) wrong_type(o.at(key), "an object of variable names and sources", *v);
    for (const auto& [name, from] : v->items()) {
      std::string p = child_pointer(o.at(key), name);
      if (!name.empty() && name.front() == '$') fail(p, "name the variable without \"$\"");
      e.compares.push_back({name, read_source(from, p), std::string_view(key) == "equals"});
      refs.emplace_back(name, p);
    }
  }
  if (const json* v = o.find("capture")) {
    if (!v->is_object()) wrong_type(o.at("capture"), "an object of variable names and sources", *v);
    for (const auto& [name, from] : v->items()) {
      std::string p = child_pointer(o.at("capture"), name);
      if (!is_variable_name(name))
        fail(p, in_quotes(name) + " is not a variable name (letters, digits and _, not starting with a digit)");
      e.captures.push_back({name, read_source(from, p)});
    }
  }
  return e;
}

StartKind read_start_kind(const json& j, const std::string& ptr) {
  static const std::map<std::string, StartKind, std::less<>> kKinds = {
      {"ike_sa", StartKind::IkeSa},           {"child_sa", StartKind::ChildSa},
      {"rekey_child", StartKind::RekeyChild}, {"rekey_ike", StartKind::RekeyIke},
      {"delete_child", StartKind::DeleteChild}, {"delete_ike", StartKind::DeleteIke},
      {"liveness", StartKind::Liveness},      {"cfg_set", StartKind::CfgSet}};
  std::string s = read_string(j, ptr);
  auto it = kKinds.find(s);
  if (it == kKinds.end()) {
    std::vector<std::string_view> names;
    for (const auto& [k, v] : kKinds) names.push_back(k);
    fail(ptr, "unknown exchange to start " + in_quotes(s) + did_you_mean(s, names));
  }
  return it->second;
}

Side read_side(const Obj& o, std::string_view key) {
  auto s = o.get_choice(key, {"harness", "peer"});
  return s && *s == "peer" ? Side::Peer : Side::Harness;
}

engine::IkeSaState read_state(const json& j, const std::string& ptr) {
  std::string s = read_string(j, ptr);
  std::vector<std::string_view> names;
#define IKEH_X(name)                                                          \
  if (s == #name) return engine::IkeSaState::name;                            \
  names.push_back(#name);
  IKEH_IKE_SA_STATES(IKEH_X)
#undef IKEH_X
  fail(ptr, "unknown IKE SA state " + in_quotes(s) + did_you_mean(s, names));
}

// "ike_sa": "$NAME" (a captured spi_i) choosing the IKE SA a step acts on.
VarName read_ike_sa_selector(const Obj& o, Refs& refs) {
  const json* v = o.find("ike_sa");
  if (!v) return std::nullopt;
  VarName name = read_var(*v, o.at("ike_sa"), refs);
  if (!name) fail(o.at("ike_sa"), "give \"$NAME\", a variable an earlier expect captured from spi_i");
  return name;
}

AssertStep read_assert(const json& j, const std::string& ptr, Refs& refs) {
  Obj o(j, ptr, {"side", "ike_sa", "ike_sa_state", "ike_sas", "state", "identity", "child_sas", "event", "no_event"});
  AssertStep a;
  a.side = read_side(o, "side");
  a.ike_sa_var = read_ike_sa_selector(o, refs);
  if (a.ike_sa_var && !o.has("ike_sa_state") && !o.has("child_sas"))
    fail(o.at("ike_sa"), "\"ike_sa\" chooses the SA for ike_sa_state and child_sas; give one of them");
  if (const json* v = o.find("ike_sa_state")) a.ike_sa_state = read_state(*v, o.at("ike_sa_state"));
  if (const json* v = o.find("ike_sas")) a.ike_sas = read_uint(*v, o.at("ike_sas"), 0, 1u << 20);
  if (const json* v = o.find("state")) {
    if (!a.ike_sas) fail(o.at("state"), "\"state\" qualifies \"ike_sas\", which is missing");
    a.count_state = read_state(*v, o.at("state"));
  }
  if (auto id = o.get_string("identity")) {
    if (!a.ike_sas) fail(o.at("identity"), "\"identity\" qualifies \"ike_sas\", which is missing");
    if (auto parsed = parse_identity(*id); !parsed) fail(o.at("identity"), parsed.error().reason);
    a.identity = *id;
  }
  if (const json* v = o.find("child_sas")) a.child_sas = read_uint(*v, o.at("child_sas"), 0, 1u << 20);
  a.event = o.get_string("event");
  a.no_event = o.get_string("no_event");
  if (!a.ike_sa_state && !a.ike_sas && !a.child_sas && !a.event && !a.no_event)
    fail(ptr, "an assertion needs at least one of ike_sa_state, ike_sas, child_sas, event, no_event");
  return a;
}

FaultStep read_fault(const json& j, const std::string& ptr) {
  Obj o(j, ptr,
        {"action", "from", "exchange", "response", "message_id", "packet", "count", "copies", "delay", "hold_for",
         "offset", "mask", "probability"});
  FaultStep f;
  auto action = o.get_choice("action", {"drop", "duplicate", "delay", "reorder", "corrupt"});
  if (!action) fail(ptr, "a fault needs \"action\": drop, duplicate, delay, reorder or corrupt");
  using A = net::FaultAction;
  f.rule.action = *action == "drop"        ? A::Drop
                  : *action == "duplicate" ? A::Duplicate
                  : *action == "delay"     ? A::Delay
                  : *action == "reorder"   ? A::Reorder
                                           : A::Corrupt;
  if (o.has("from")) f.from = read_side(o, "from");
  MessageMatch m = read_match(o);
  f.rule.match.exchange_type = m.exchange;
  f.rule.match.response = m.response;
  f.rule.match.message_id = m.message_id;
  if (const json* v = o.find("packet")) f.rule.match.packet_index = read_uint(*v, o.at("packet"), 1, 1u << 30);
  if (const json* v = o.find("probability")) {
    double p = read_number(*v, o.at("probability"));
    if (!(p >= 0 && p <= 1)) fail(o.at("probability"), "a probability is between 0 and 1");
    f.rule.match.probability = p;
  }
  if (const json* v = o.find("count")) f.rule.limit = read_uint(*v, o.at("count"), 1, 1u << 30);
  auto only_for = [&](std::string_view key, A a) {
    if (o.has(key) && f.rule.action != a) fail(o.at(key), "\"" + std::string(key) + "\" applies to action " +
                                                              std::string(net::name_of(a)) + " only");
  };
  only_for("copies", A::Duplicate);
  only_for("delay", A::Delay);
  only_for("hold_for", A::Reorder);
  only_for("offset", A::Corrupt);
  only_for("mask", A::Corrupt);
  f.rule.extra_copies = o.get_uint<uint32_t>("copies", 1, 1, 100);
  if (const json* v = o.find("delay")) f.rule.delay = read_duration(*v, o.at("delay"));
  f.rule.hold_for = o.get_uint<uint32_t>("hold_for", 1, 1, 1000);
  f.rule.corruption.offset = o.get_uint<std::size_t>("offset", 0, 0, 65535);
  f.rule.corruption.mask = o.get_uint<uint8_t>("mask", 0xff, 1, 255);
  if (f.rule.action == A::Delay && !o.has("delay")) fail(ptr, "a delay fault needs \"delay\"");
  return f;
}

std::vector<codec::CfgAttribute> read_cfg_attributes(const json& j, const std::string& ptr, std::vector<VarName>& vars,
                                                     Refs& refs) {
  std::vector<codec::CfgAttribute> out;
  const json& a = read_array(j, ptr, "configuration attributes");
  for (std::size_t i = 0; i < a.size(); ++i) {
    Obj o(a[i], child_pointer(ptr, i), {"type", "value"});
    const json* t = o.find("type");
    if (!t) fail(o.ptr(), "an attribute needs \"type\"");
    auto type = read_registry<codec::CfgAttributeType>(*t, o.at("type"), "configuration attribute type");
    Bytes value;
    VarName var;
    if (const json* v = o.find("value"))
      if (!(var = read_var(*v, o.at("value"), refs)))
        value = read_bytes(*v, o.at("value"), is_address_attribute(static_cast<uint16_t>(type)));
    out.emplace_back(type, std::move(value));
    vars.push_back(std::move(var));
  }
  return out;
}


// ---------------------------------------------------------------------------
// Mutations

// The payload an "add" inserts; data given as "$NAME" leaves the body empty
// and sets `var`, and the runner fills the body when the mutation is armed.
codec::Payload read_added_payload(const json& j, const std::string& ptr, VarName& var, Refs& refs) {
  Obj o(j, ptr, {"type", "notify", "critical", "data"});
  const json* t = o.find("type");
  if (!t) fail(ptr, "a payload to add needs \"type\"");
  codec::PayloadType type = t->is_number() ? static_cast<codec::PayloadType>(read_uint(*t, o.at("type"), 1, 255))
                                           : read_payload_spec(*t, o.at("type")).type;
  Bytes data;
  if (const json* d = o.find("data"))
    if (!(var = read_var(*d, o.at("data"), refs))) data = read_bytes(*d, o.at("data"), false);
  codec::Payload p(type, codec::UnknownPayload{data});
  if (type == codec::PayloadType::N) {
    const json* n = o.find("notify");
    if (!n) fail(ptr, "a notify to add needs \"notify\" (its type)");
    p = codec::make_notify(read_registry<codec::NotifyType>(*n, o.at("notify"), "notify type"), data);
  } else if (o.has("notify")) {
    fail(o.at("notify"), "\"notify\" belongs to a payload of type N");
  } else if (type == codec::PayloadType::V) {
    p = codec::Payload(type, codec::VendorIdPayload{data});
  } else if (type == codec::PayloadType::NONCE) {
    p = codec::Payload(type, codec::NoncePayload{data});
  }
  p.critical = o.get_bool("critical", false);
  return p;
}

MutationOp read_op(const json& j, const std::string& ptr, MutationStage stage, Refs& refs) {
  static const std::initializer_list<std::string_view> kOps = {
      "remove", "add", "move", "set_header", "set", "xor", "write", "truncate", "append", "corrupt_icv", "padding",
      "pad_length", "fragment"};
  if (!j.is_object()) wrong_type(ptr, "a mutation object", j);
  std::vector<std::string> found;
  for (auto k : kOps)
    if (j.contains(std::string(k))) found.emplace_back(k);
  if (found.size() != 1) {
    if (found.empty())
      for (const auto& [key, value] : j.items()) fail(child_pointer(ptr, key), "unknown mutation" + did_you_mean(key, kOps));
    fail(ptr, "a mutation needs exactly one operation");
  }
  const std::string op = found.front();
  using K = MutationOp::Kind;
  MutationOp m;
  auto need_stage = [&](std::initializer_list<MutationStage> ok, const char* names) {
    if (std::find(ok.begin(), ok.end(), stage) == ok.end())
      fail(child_pointer(ptr, op), "\"" + op + "\" works at stage " + names);
  };
  std::string text;
  if (op == "remove" || op == "move") {
    Obj o(j, ptr, {op, op == "move" ? "to" : "comment", "comment"});
    need_stage({MutationStage::Plain}, "plain");
    m.kind = op == "remove" ? K::Remove : K::Move;
    m.target = read_payload_spec(*o.find(op), o.at(op));
    if (op == "move") {
      const json* to = o.find("to");
      if (!to) fail(ptr, "\"move\" needs \"to\" (the new index)");
      m.at = read_uint(*to, o.at("to"), 0, 255);
      m.text = "move " + m.target->text + " to " + std::to_string(*m.at);
    } else {
      m.text = "remove " + m.target->text;
    }
  } else if (op == "add") {
    Obj o(j, ptr, {"add", "at", "comment"});
    need_stage({MutationStage::Plain}, "plain");
    m.kind = K::Add;
    m.payload = read_added_payload(*o.find("add"), o.at("add"), m.variable, refs);
    if (const json* at = o.find("at")) m.at = read_uint(*at, o.at("at"), 0, 255);
    m.text = "add " + codec::label(m.payload->type) + (m.at ? " at " + std::to_string(*m.at) : std::string(" at the end"));
  } else if (op == "set_header") {
    Obj o(j, ptr, {"set_header", "value", "comment"});
    need_stage({MutationStage::Plain}, "plain");
    m.kind = K::SetHeader;
    static const std::initializer_list<std::string_view> kFields = {
        "spi_i", "spi_r", "next_payload", "major_version", "minor_version", "exchange_type", "flags", "message_id",
        "length"};
    m.field = read_string(*o.find("set_header"), o.at("set_header"));
    if (std::find(kFields.begin(), kFields.end(), m.field) == kFields.end())
      fail(o.at("set_header"), "unknown header field " + in_quotes(m.field) + did_you_mean(m.field, kFields));
    const json* v = o.find("value");
    if (!v) fail(ptr, "\"set_header\" needs \"value\"");
    uint64_t max = m.field == "spi_i" || m.field == "spi_r" ? std::numeric_limits<uint64_t>::max()
                   : m.field == "message_id" || m.field == "length" ? 0xffffffffull
                   : m.field == "major_version" || m.field == "minor_version" ? 15
                                                                              : 255;
    if ((m.variable = read_var(*v, o.at("value"), refs))) {
      m.text = "set header " + m.field + " = $" + *m.variable;
    } else {
      if (v->is_string())
        wrong_type(o.at("value"), "an integer in 0.." + std::to_string(max) + " or \"$NAME\"", *v);
      m.number = read_uint(*v, o.at("value"), 0, max);
      m.text = "set header " + m.field + " = " + std::to_string(m.number);
    }
  } else if (op == "set") {
    Obj o(j, ptr, {"set", "payload", "value", "comment"});
    need_stage({MutationStage::Plain}, "plain");
    m.kind = K::SetPayload;
    m.field = read_string(*o.find("set"), o.at("set"));
    const json* t = o.find("payload");
    if (!t) fail(ptr, "\"set\" needs \"payload\" (which payload)");
    m.target = read_payload_spec(*t, o.at("payload"));
    const json* v = o.find("value");
    if (!v) fail(ptr, "\"set\" needs \"value\"");
    if ((m.variable = read_var(*v, o.at("value"), refs))) {
      // The runner sets the variable's bytes, or its number in a number field.
    } else if (v->is_boolean()) {
      m.number = v->get<bool>() ? 1 : 0;
      m.number_is_flag = true;
    } else if (v->is_string()) {
      m.bytes_value = read_bytes(*v, o.at("value"), false);
    } else {
      m.number = read_uint(*v, o.at("value"), 0, std::numeric_limits<uint64_t>::max());
    }
    m.text = "set " + m.target->text + " " + m.field + " = " + (v->is_string() ? v->get<std::string>() : v->dump());
  } else if (op == "xor" || op == "write") {
    Obj o(j, ptr, {op, "offset", "comment"});
    need_stage({MutationStage::Encoded, MutationStage::Wire}, "encoded or wire");
    m.kind = op == "xor" ? K::Xor : K::SetBytes;
    if (!(m.variable = read_var(*o.find(op), o.at(op), refs))) {
      m.data = read_bytes(*o.find(op), o.at(op), false);
      if (m.data.empty()) fail(o.at(op), "at least one byte");
    }
    const json* off = o.find("offset");
    if (!off) fail(ptr, "\"" + op + "\" needs \"offset\"");
    m.offset = read_uint(*off, o.at("offset"), 0, 65535);
    m.text = op + " " + o.find(op)->get<std::string>() + " at " + std::to_string(m.offset);
  } else if (op == "truncate") {
    Obj o(j, ptr, {op, "comment"});
    need_stage({MutationStage::Encoded, MutationStage::Wire}, "encoded or wire");
    m.kind = K::Truncate;
    m.length = read_uint(*o.find(op), o.at(op), 0, 65535);
    m.text = "truncate to " + std::to_string(m.length) + " bytes";
  } else if (op == "append") {
    Obj o(j, ptr, {op, "comment"});
    need_stage({MutationStage::Encoded, MutationStage::Wire}, "encoded or wire");
    m.kind = K::Append;
    if ((m.variable = read_var(*o.find(op), o.at(op), refs))) {
      m.text = "append $" + *m.variable;
    } else {
      m.data = read_bytes(*o.find(op), o.at(op), false);
      m.text = "append " + std::to_string(m.data.size()) + " bytes";
    }
  } else if (op == "fragment") {
    Obj o(j, ptr, {op, "comment"});
    need_stage({MutationStage::Plain, MutationStage::Encoded}, "plain or encoded (how that message is protected)");
    m.kind = K::Fragment;
    m.length = read_uint(*o.find(op), o.at(op), 0, 65535);
    if (m.length < kMinFragmentDatagram)
      fail(o.at(op), std::to_string(m.length) + " bytes leave no room for encrypted data: a fragment datagram is at least " +
                         std::to_string(kMinFragmentDatagram) + " bytes (IKE and SKF headers, IV, ICV, one block)");
    m.text = "fragment into datagrams of at most " + std::to_string(m.length) + " bytes";
  } else {
    Obj o(j, ptr, {op, "comment"});
    need_stage({MutationStage::Plain, MutationStage::Encoded}, "plain or encoded (the SK protection of that message)");
    if (op == "corrupt_icv") {
      if (!read_bool(*o.find(op), o.at(op))) fail(o.at(op), "write true, or leave the operation out");
      m.kind = K::CorruptIcv;
      m.text = "corrupt the ICV";
    } else if (op == "padding") {
      m.kind = K::Padding;
      if ((m.variable = read_var(*o.find(op), o.at(op), refs))) {
        m.text = "padding $" + *m.variable;
      } else {
        m.data = read_bytes(*o.find(op), o.at(op), false);
        m.text = "padding of " + std::to_string(m.data.size()) + " bytes";
      }
    } else {
      m.kind = K::PadLength;
      m.number = read_uint(*o.find(op), o.at(op), 0, 255);
      m.text = "pad length " + std::to_string(m.number);
    }
  }
  return m;
}

MutateStep read_mutate(const json& j, const std::string& ptr, Refs& refs) {
  Obj o(j, ptr, {"exchange", "response", "message_id", "count", "stage", "ops"});
  MutateStep m;
  m.match = read_match(o);
  m.count = o.get_uint<uint32_t>("count", 1, 1, 1000);
  auto stage = o.get_choice("stage", {"plain", "encoded", "wire"});
  m.stage = !stage || *stage == "plain" ? MutationStage::Plain
            : *stage == "encoded"       ? MutationStage::Encoded
                                        : MutationStage::Wire;
  const json* ops = o.find("ops");
  if (!ops) fail(ptr, "a mutation needs \"ops\"");
  const json& a = read_array(*ops, o.at("ops"), "mutations");
  if (a.empty()) fail(o.at("ops"), "at least one mutation");
  for (std::size_t i = 0; i < a.size(); ++i) m.ops.push_back(read_op(a[i], child_pointer(o.at("ops"), i), m.stage, refs));
  return m;
}

Step read_step(const json& j, const std::string& ptr, Refs& refs) {
  if (!j.is_object()) wrong_type(ptr, "a step object", j);
  std::vector<std::string> kinds;
  for (auto k : kStepKinds)
    if (j.contains(std::string(k))) kinds.emplace_back(k);
  if (kinds.size() != 1) {
    std::string list;
    for (auto k : kStepKinds) list += (list.empty() ? "" : ", ") + std::string(k);
    // A misspelt kind gets its suggestion from Obj's unknown-key check.
    if (kinds.empty())
      for (const auto& [key, value] : j.items())
        if (key != "comment" && key != "by" && key != "attributes" && key != "ike_sa")
          fail(child_pointer(ptr, key), "unknown key" + did_you_mean(key, kStepKinds));
    fail(ptr, "a step needs exactly one of " + list + (kinds.empty() ? "" : "; this one has several"));
  }
  const std::string& kind = kinds.front();
  if (kind == "start") {
    Obj o(j, ptr, {"start", "by", "attributes", "ike_sa", "comment"});
    StartStep s;
    s.kind = read_start_kind(*o.find("start"), o.at("start"));
    s.by = read_side(o, "by");
    s.ike_sa_var = read_ike_sa_selector(o, refs);
    if (s.ike_sa_var && s.kind == StartKind::IkeSa)
      fail(o.at("ike_sa"), "start \"ike_sa\" makes a new IKE SA; \"ike_sa\" chooses an existing one for the other starts");
    if (const json* v = o.find("attributes")) {
      if (s.kind != StartKind::CfgSet) fail(o.at("attributes"), "\"attributes\" belong to start \"cfg_set\"");
      s.attributes = read_cfg_attributes(*v, o.at("attributes"), s.attribute_vars, refs);
    }
    return s;
  }
  Obj o(j, ptr, {kind, "comment"});
  const json& body = *o.find(kind);
  if (kind == "expect") return read_expect(body, o.at(kind), refs);
  if (kind == "expect_nothing") {
    ExpectStep e;
    e.nothing = true;
    e.within = read_duration(body, o.at(kind));
    return e;
  }
  if (kind == "assert") return read_assert(body, o.at(kind), refs);
  if (kind == "wait") return WaitStep{read_duration(body, o.at(kind))};
  if (kind == "mutate") return read_mutate(body, o.at(kind), refs);
  return read_fault(body, o.at(kind));
}

engine::EngineConfig read_side_config(const Obj& top, std::string_view key, std::string_view source,
                                      const std::string& base_dir, std::optional<flexvpn::HubPolicy>& hub) {
  static const json kEmpty = json::object();
  const json* v = top.find(key);
  const json& node = v ? *v : kEmpty;
  const std::string ptr = top.at(key);
  if (!node.is_object()) wrong_type(ptr, "an object (an engine configuration, docs/config.md)", node);
  if (node.contains("hub")) {
    // A FlexVPN hub: {"hub": "configs/hub.json"} or {"hub": {...}} (docs/flexvpn.md).
    Obj side(node, ptr, {"hub"});
    const json& h = node.at("hub");
    const std::string hptr = side.at("hub");
    core::Result<HubConfig> loaded = core::make_error("", "");
    if (h.is_string()) {
      std::filesystem::path file(h.get<std::string>());
      if (file.is_relative()) file = std::filesystem::path(base_dir) / file;
      loaded = load_hub_config(file.lexically_normal().string());
      if (!loaded) fail(hptr, loaded.error().to_string());
    } else if (h.is_object()) {
      loaded = parse_hub_config_at(h, source, hptr, base_dir);
      if (!loaded) throw LocatedError{loaded.error()};
    } else {
      wrong_type(hptr, "a hub configuration file name or object (docs/flexvpn.md)", h);
    }
    hub = std::move(loaded->policy);
    return flexvpn::hub_engine_config(std::move(loaded->endpoint.engine));
  }
  if (node.contains("network"))
    fail(child_pointer(ptr, "network"),
         "addresses come from the peer profile (scenarios/peers), not from a scenario");
  auto cfg = parse_endpoint_config_at(node, source, ptr, base_dir);
  if (!cfg) throw LocatedError{cfg.error()};
  return std::move(cfg->engine);
}

Scenario read_scenario(const json& root, std::string id, std::string_view source, const std::string& base_dir) {
  Obj top(root, "",
          {"$schema", "title", "reference", "requirement", "role", "sanity", "tags", "requires", "harness", "peer",
           "steps", "comment", "addresses"});
  Scenario s;
  s.id = std::move(id);
  s.source = std::string(source);
  auto need = [&](std::string_view key) {
    auto v = top.get_string(key);
    if (!v || v->empty()) fail(top.at(key), "every scenario states its " + std::string(key) + " (a non-empty string)");
    return *v;
  };
  s.title = need("title");
  s.reference = need("reference");
  s.requirement = need("requirement");
  auto role = top.get_choice("role", {"initiator", "responder"});
  if (!role) fail("/role", "every scenario states the role the harness plays: \"initiator\" or \"responder\"");
  s.role = *role == "initiator" ? Role::Initiator : Role::Responder;
  s.sanity = top.get_string("sanity");
  if (const json* v = top.find("tags")) s.tags = read_string_list(*v, top.at("tags"));
  if (const json* v = top.find("requires")) {
    s.requires_capabilities = read_string_list(*v, top.at("requires"));
    for (std::size_t i = 0; i < s.requires_capabilities.size(); ++i) {
      const std::string& c = s.requires_capabilities[i];
      if (std::find(kPeerCapabilities.begin(), kPeerCapabilities.end(), c) == kPeerCapabilities.end())
        fail(child_pointer(top.at("requires"), i), "unknown capability " + in_quotes(c) + did_you_mean(c, kPeerCapabilities));
    }
  }
  s.harness = read_side_config(top, "harness", source, base_dir, s.harness_hub);
  s.peer = read_side_config(top, "peer", source, base_dir, s.peer_hub);
  Obj addresses = top.section("addresses", {"harness", "peer"});
  for (const char* side : {"harness", "peer"}) {
    auto text = addresses.get_string(side);
    if (!text) continue;
    auto bytes = address_bytes(*text);
    if (!bytes) fail(addresses.at(side), bytes.error().reason);
    (std::string_view(side) == "harness" ? s.harness_address : s.peer_address) = std::move(bytes).value();
  }
  const json* steps = top.find("steps");
  if (!steps) fail("/steps", "a scenario needs \"steps\"");
  const json& a = read_array(*steps, "/steps", "steps");
  if (a.empty()) fail("/steps", "a scenario needs at least one step");
  // A step may use only what an earlier step captures: steps run in order,
  // and an expect's own captures are taken after its checks.
  std::set<std::string> captured;
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::string p = child_pointer("/steps", i);
    Refs refs;
    s.steps.push_back(read_step(a[i], p, refs));
    s.step_pointers.push_back(p);
    for (const auto& [name, where] : refs)
      if (!captured.count(name)) fail(where, "no earlier step captures " + in_quotes(name));
    if (const auto* e = std::get_if<ExpectStep>(&s.steps.back()))
      for (const auto& c : e->captures) captured.insert(c.name);
  }
  return s;
}


}  // namespace

core::Result<Scenario> parse_scenario(std::string_view json_text, std::string id, std::string_view source,
                                      const std::string& base_dir) {
  auto parsed = parse_strict(json_text, source);
  if (!parsed) return parsed.error();
  const json& root = *parsed;
  try {
    return read_scenario(root, std::move(id), source, base_dir);
  } catch (const ConfigError& e) {
    return located(source, e.pointer, e.reason);
  } catch (const LocatedError& e) {
    return e.error;
  }
}

namespace {

std::string id_for(const fs::path& file, const std::string& root) {
  std::error_code ec;
  fs::path rel = root.empty() ? fs::path() : fs::relative(fs::weakly_canonical(file, ec), fs::weakly_canonical(root, ec), ec);
  if (ec || rel.empty() || *rel.begin() == "..") return file.stem().string();
  rel.replace_extension();
  return rel.generic_string();
}

}  // namespace

core::Result<Scenario> load_scenario(const std::string& path, const std::string& root) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::make_error(path, std::string("cannot read: ") + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  std::string dir = fs::path(path).parent_path().string();
  return parse_scenario(text.str(), id_for(path, root), path, dir.empty() ? "." : dir);
}

core::Result<std::vector<Scenario>> load_scenarios(const std::vector<std::string>& paths, const std::string& root) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        const auto name = it->path().filename().string();
        if (it->is_directory() && (name == "schema" || name == "peers" || name == "configs")) {
          it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path().string());
      }
      if (ec) return core::make_error(p, "cannot list: " + ec.message());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      return core::make_error(p, "no such file or folder");
    }
  }
  std::vector<Scenario> out;
  std::map<std::string, std::string> seen;
  for (const auto& f : files) {
    auto s = load_scenario(f, root);
    if (!s) return s.error();
    if (auto [it, fresh] = seen.emplace(s->id, f); !fresh)
      return core::make_error(f, "scenario id " + in_quotes(s->id) + " is also the id of " + it->second);
    out.push_back(std::move(s).value());
  }
  std::sort(out.begin(), out.end(), [](const Scenario& a, const Scenario& b) { return a.id < b.id; });
  return out;
}

}  // namespace ikeh::scenario
