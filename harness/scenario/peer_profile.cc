// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/peer_profile.h"

#include <arpa/inet.h>
#include <fnmatch.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include <nlohmann/json.hpp>

#include "harness/scenario/engine_config.h"
#include "harness/scenario/json_walk.h"

namespace ikeh::scenario {
namespace {

using namespace json_walk;
using json = nlohmann::json;

constexpr std::string_view kSecretHint =
    "a secret is not written into a profile; use file or env ({\"file\": \"path\"} or {\"env\": \"VARIABLE\"})";

bool is_ipv4(const std::string& s) {
  unsigned char b[4];
  return inet_pton(AF_INET, s.c_str(), b) == 1;
}

// A scope ("fe80::1%eth0") is the transport's business; the address before
// it must be numeric.
bool is_ipv6(const std::string& s) {
  unsigned char b[16];
  return inet_pton(AF_INET6, s.substr(0, s.find('%')).c_str(), b) == 1;
}

bool is_ip(const std::string& s) { return s.find(':') != std::string::npos ? is_ipv6(s) : is_ipv4(s); }



std::string non_empty_string(const json& j, const std::string& ptr, std::string_view what) {
  std::string s = read_string(j, ptr);
  if (trim(s).empty()) fail(ptr, "empty " + std::string(what));
  return s;
}

// Only the reference is kept: reading the secret is the caller's business,
// at the moment it is needed, so a profile can be listed or checked without
// the secret present.
SecretRef read_secret_ref(const json& j, const std::string& ptr, const std::string& base_dir) {
  if (!j.is_object()) fail(ptr, "expected an object, got " + type_phrase(j) + ": " + std::string(kSecretHint));
  // Checked before the key list so the message says why, not just "unknown key".
  if (j.contains("value")) fail(child_pointer(ptr, "value"), std::string(kSecretHint));
  Obj o(j, ptr, {"env", "file"});
  if (o.has("env") == o.has("file")) fail(ptr, "give exactly one of \"env\" and \"file\"");
  SecretRef ref;
  if (const json* v = o.find("env")) {
    ref.env = non_empty_string(*v, o.at("env"), "variable name");
    if (ref.env.find('=') != std::string::npos) fail(o.at("env"), "a variable name cannot contain \"=\"");
  } else {
    std::filesystem::path p(non_empty_string(*o.find("file"), o.at("file"), "file name"));
    ref.file = p.is_absolute() || base_dir.empty() ? p.string() : (std::filesystem::path(base_dir) / p).string();
  }
  return ref;
}

std::string read_identity(const json& j, const std::string& ptr, bool allow_any) {
  std::string text = read_string(j, ptr);
  if (allow_any && text == "%any") return text;
  auto id = parse_identity(text);
  if (!id) fail(ptr, id.error().reason);
  return text;
}

std::string read_local_host(const json& j, const std::string& ptr) {
  std::string text = read_string(j, ptr);
  if (!is_ip(text)) fail(ptr, in_quotes(text) + " is not a numeric IPv4 or IPv6 address (host names are not looked up)");
  return text;
}

std::string choices_text() {
  std::string list;
  for (auto c : kPeerCapabilities) list += (list.empty() ? "" : ", ") + in_quotes(c);
  return list;
}

void read_capabilities(const json& j, const std::string& ptr, PeerProfile& p) {
  const json& a = read_array(j, ptr, "capability names");
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string at = child_pointer(ptr, i);
    std::string c = read_string(a[i], at);
    if (std::find(kPeerCapabilities.begin(), kPeerCapabilities.end(), c) == kPeerCapabilities.end())
      fail(at, "unknown capability " + in_quotes(c) + did_you_mean(c, kPeerCapabilities) + "; one of " +
                   choices_text());
    if (!p.capabilities.insert(c).second) fail(at, "capability " + in_quotes(c) + " is listed twice");
  }
}

std::optional<ExpectedVerdict> verdict_from_name(std::string_view s) {
  for (auto v : {ExpectedVerdict::Pass, ExpectedVerdict::Fail, ExpectedVerdict::Skip, ExpectedVerdict::Error})
    if (s == expected_verdict_name(v)) return v;
  return std::nullopt;
}

// A scenario id is a path under scenarios/ without ".json" (DESIGN, naming).
void check_id(const std::string& id, const std::string& ptr, bool glob) {
  if (trim(id).empty()) fail(ptr, "empty scenario id");
  if (id.front() == '/') fail(ptr, "a scenario id is relative to scenarios/ (no leading \"/\")");
  if (id.size() > 5 && id.compare(id.size() - 5, 5, ".json") == 0)
    fail(ptr, "a scenario id is the path without \".json\"");
  if (!glob && id.find_first_of("*?[") != std::string::npos)
    fail(ptr, "a deviation names one scenario id; a glob disables scenarios under \"disabled\"");
}

void read_deviations(const Obj& top, PeerProfile& p) {
  const json* v = top.find("deviations");
  if (!v) return;
  const std::string ptr = top.at("deviations");
  if (!v->is_object()) wrong_type(ptr, "an object (scenario id -> {\"verdict\", \"reason\"})", *v);
  for (const auto& [id, entry] : v->items()) {
    Obj d(entry, child_pointer(ptr, id), {"verdict", "reason"});
    check_id(id, d.ptr(), false);
    if (!d.has("verdict")) fail(d.at("verdict"), "missing: \"pass\", \"fail\", \"skip\" or \"error\"");
    if (!d.has("reason")) fail(d.at("reason"), "missing: say why the peer behaves this way");
    auto verdict = d.get_choice("verdict", {"pass", "fail", "skip", "error"});
    PeerDeviation dev;
    dev.verdict = *verdict_from_name(*verdict);
    dev.reason = non_empty_string(*d.find("reason"), d.at("reason"), "reason");
    p.deviations.emplace(id, std::move(dev));
  }
}

// `ordered` is the same "disabled" object parsed with its key order kept
// (json sorts keys; the first matching glob wins, so order matters).
void read_disabled(const Obj& top, const nlohmann::ordered_json* ordered, PeerProfile& p) {
  const json* v = top.find("disabled");
  if (!v) return;
  const std::string ptr = top.at("disabled");
  if (!v->is_object()) wrong_type(ptr, "an object (scenario id or glob -> reason)", *v);
  if (!ordered || !ordered->is_object()) return;
  for (const auto& [id, ignored] : ordered->items()) {
    const std::string at = child_pointer(ptr, id);
    check_id(id, at, true);
    p.disabled.emplace_back(id, non_empty_string(v->at(id), at, "reason"));
  }
}

PeerProfile read_profile(const json& root, const nlohmann::ordered_json& ordered_root, std::string name,
                         const std::string& base_dir) {
  Obj top(root, "", {"description", "kind", "address", "natt_port", "local", "adapter", "identities",
                     "credentials", "capabilities", "deviations", "disabled"});
  PeerProfile p;
  p.name = std::move(name);
  p.description = top.get_string("description").value_or("");

  if (!top.has("kind")) fail(top.at("kind"), "missing: \"self\" or \"external\"");
  p.kind = *top.get_choice("kind", {"self", "external"}) == "self" ? PeerKind::Self : PeerKind::External;

  if (p.kind == PeerKind::External) {
    if (!top.has("address")) fail(top.at("address"), "missing: an external peer needs an address (\"192.0.2.1:500\")");
    auto a = parse_peer_address(*top.get_string("address"));
    if (!a) fail(top.at("address"), a.error().reason);
    p.address = a->address;
    p.port = a->port;
    p.natt_port = top.get_uint<uint16_t>("natt_port", p.natt_port, 1);
    Obj local = top.section("local", {"address", "port", "natt_port"});
    if (const json* v = local.find("address")) p.local_address = read_local_host(*v, local.at("address"));
    p.local_port = local.get_uint<uint16_t>("port", p.local_port);
    p.local_natt_port = local.get_uint<uint16_t>("natt_port", p.local_natt_port);
    if (auto adapter = top.get_string("adapter")) {
      if (adapter->empty()) fail(top.at("adapter"), "empty: the path of the peer's adapter program");
      std::filesystem::path a(*adapter);
      p.adapter = a.is_absolute() ? a.string() : (std::filesystem::path(base_dir) / a).lexically_normal().string();
    }
  } else {
    for (std::string_view key : {"address", "natt_port", "local", "adapter"})
      if (top.has(key))
        fail(top.at(key), "a self peer runs in this process and has no network settings (use \"kind\": \"external\")");
  }

  Obj ids = top.section("identities", {"peer", "harness"});
  if (const json* v = ids.find("peer")) p.peer_identity = read_identity(*v, ids.at("peer"), true);
  if (const json* v = ids.find("harness")) p.harness_identity = read_identity(*v, ids.at("harness"), false);

  Obj creds = top.section("credentials", {"psk"});
  if (const json* v = creds.find("psk")) p.psk = read_secret_ref(*v, creds.at("psk"), base_dir);

  if (const json* v = top.find("capabilities")) read_capabilities(*v, top.at("capabilities"), p);
  read_deviations(top, p);
  const nlohmann::ordered_json* od = nullptr;
  if (auto it = ordered_root.find("disabled"); it != ordered_root.end()) od = &*it;
  read_disabled(top, od, p);
  return p;
}

std::set<std::string, std::less<>> all_capabilities() {
  return std::set<std::string, std::less<>>(kPeerCapabilities.begin(), kPeerCapabilities.end());
}

std::vector<std::string> profile_names(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool looks_like_address(std::string_view s) {
  if (s.empty()) return false;
  return s.front() == '[' || s.find(':') != std::string_view::npos ||
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

// ===========================================================================
// Public API

const char* expected_verdict_name(ExpectedVerdict v) {
  switch (v) {
    case ExpectedVerdict::Pass: return "pass";
    case ExpectedVerdict::Fail: return "fail";
    case ExpectedVerdict::Skip: return "skip";
    case ExpectedVerdict::Error: return "error";
  }
  return "?";
}

core::Result<PeerAddress> parse_peer_address(std::string_view text, uint16_t default_port) {
  const std::string t(text);
  auto error = [&](const std::string& why) { return core::make_error("", in_quotes(t) + ": " + why); };
  if (t.empty()) return core::make_error("", "empty address");
  PeerAddress out;
  out.port = default_port;
  std::string port_text;
  bool has_port = false;
  if (t.front() == '[') {
    auto close = t.find(']');
    if (close == std::string::npos) return error("missing \"]\" after the IPv6 address");
    out.address = t.substr(1, close - 1);
    std::string rest = t.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return error("expected \":PORT\" after \"]\"");
      port_text = rest.substr(1);
      has_port = true;
    }
    if (!is_ipv6(out.address)) return error("not a numeric IPv6 address inside \"[...]\"");
  } else {
    const auto colons = std::count(t.begin(), t.end(), ':');
    if (colons > 1) {
      // A bare IPv6 address: its last group cannot be told from a port.
      out.address = t;
      if (!is_ipv6(out.address)) return error("not a numeric IPv4 or IPv6 address (write a port as \"[IPV6]:PORT\")");
    } else {
      const auto colon = t.find(':');
      out.address = t.substr(0, colon);
      if (colon != std::string::npos) {
        port_text = t.substr(colon + 1);
        has_port = true;
      }
      if (!is_ipv4(out.address))
        return error("not a numeric IPv4 address (host names are not looked up; write IPv6 as \"[IPV6]:PORT\")");
    }
  }
  if (has_port) {
    auto port = parse_decimal(port_text, 65535);
    if (!port || *port == 0) return error("port " + in_quotes(port_text) + " is not a number in 1..65535");
    out.port = static_cast<uint16_t>(*port);
  }
  return out;
}

bool PeerProfile::has(std::string_view capability) const { return capabilities.find(capability) != capabilities.end(); }

const PeerDeviation* PeerProfile::deviation_for(std::string_view id) const {
  auto it = deviations.find(id);
  return it == deviations.end() ? nullptr : &it->second;
}

std::optional<std::string> PeerProfile::disabled_reason(std::string_view id) const {
  const std::string s(id);
  for (const auto& [glob, reason] : disabled)
    if (fnmatch(glob.c_str(), s.c_str(), 0) == 0) return reason;
  return std::nullopt;
}

core::Result<PeerProfile> parse_peer_profile(std::string_view json_text, std::string_view source, std::string name,
                                             const std::string& base_dir) {
  json root;
  nlohmann::ordered_json ordered;
  try {
    root = json::parse(json_text.begin(), json_text.end(), DuplicateKeyCheck{});
    // Duplicates are refused above, so this second parse only adds key order.
    ordered = nlohmann::ordered_json::parse(json_text.begin(), json_text.end());
  } catch (const DuplicateKey& d) {
    return located(source, d.pointer, "duplicate key (each key may appear once in an object)");
  } catch (const json::parse_error& e) {
    return core::make_error(std::string(source), syntax_error_text(e));
  }
  try {
    return read_profile(root, ordered, std::move(name), base_dir);
  } catch (const ConfigError& e) {
    return located(source, e.pointer, e.reason);
  }
}

core::Result<PeerProfile> load_peer_profile(const std::string& path) {
  std::string why;
  auto text = read_text_file(path, why);
  if (!text) return core::make_error(path, "cannot read: " + why);
  const std::filesystem::path p(path);
  std::string dir = p.parent_path().string();
  return parse_peer_profile(*text, path, p.stem().string(), dir.empty() ? "." : dir);
}

core::Result<PeerProfile> resolve_peer(std::string_view arg, const std::string& profiles_dir) {
  const std::string a(arg);
  auto error = [](const std::string& why) { return core::make_error("--peer", why); };
  if (a.empty()) return error("empty (give \"self\", a profile name, a .json file or ADDR[:PORT])");
  if (a == "self") return self_profile();
  if (a.find('/') != std::string::npos || (a.size() > 5 && a.compare(a.size() - 5, 5, ".json") == 0))
    return load_peer_profile(a);

  if (looks_like_address(a)) {
    auto addr = parse_peer_address(a);
    if (!addr) return error(addr.error().reason);
    PeerProfile p;
    p.name = a;
    p.description = "external peer at " + a + " with default settings";
    p.kind = PeerKind::External;
    p.address = addr->address;
    p.port = addr->port;
    p.capabilities = all_capabilities();
    return p;
  }

  const std::string path = (std::filesystem::path(profiles_dir) / (a + ".json")).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    const auto names = profile_names(profiles_dir);
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    return error("no profile " + in_quotes(a) + " in " + profiles_dir + did_you_mean(a, names) +
                 (known.empty() ? "" : "; known: " + known) + " (or give a .json file or ADDR[:PORT])");
  }
  return load_peer_profile(path);
}

PeerProfile self_profile() {
  PeerProfile p;
  p.name = "self";
  p.description = "the built-in peer: a second engine in this process, on virtual time";
  p.kind = PeerKind::Self;
  p.capabilities = all_capabilities();
  return p;
}

}  // namespace ikeh::scenario
