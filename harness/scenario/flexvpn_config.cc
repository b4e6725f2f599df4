// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/flexvpn_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/bytes.h"
#include "harness/crypto/secret.h"
#include "harness/scenario/config_common.h"
#include "harness/scenario/json_walk.h"

namespace ikeh::scenario {
namespace {

using namespace json_walk;
using namespace config_common;
using core::Bytes;
using flexvpn::IdentityMatch;
using json = nlohmann::json;

// ===========================================================================
// Words and addresses in IOS notation

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<Bytes> parse_ip(std::string_view s) {
  return s.find(':') != std::string_view::npos ? parse_ipv6(s) : parse_ipv4(s);
}

std::string ip_text(const Bytes& b) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(b.size() == 4 ? AF_INET : AF_INET6, b.data(), buf, sizeof buf);
  return buf;
}

uint32_t ipv4_value(const Bytes& b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

struct Prefixed {
  Bytes address;  // host bits cleared
  uint8_t prefix = 0;
};

// IOS's two spellings of a prefix, "A M" (IPv4) and "A/N", or a bare address:
// a host, except the unspecified address (0.0.0.0, ::), which matches all as
// in `match identity remote address 0.0.0.0`. The reason names the part that
// did not parse.
core::Result<Prefixed> parse_prefixed(const std::vector<std::string>& w) {
  auto error = [](std::string why) { return core::make_error("", std::move(why)); };
  if (w.empty()) return error("no address");
  if (w.size() > 2) return error("too many words (an address, then a mask or nothing)");
  std::string addr_text = w[0];
  std::optional<std::string> length_text;
  if (auto slash = addr_text.find('/'); slash != std::string::npos) {
    if (w.size() == 2) return error("a prefix length and a mask both given");
    length_text = addr_text.substr(slash + 1);
    addr_text.resize(slash);
  }
  auto addr = parse_ip(addr_text);
  if (!addr) return error(in_quotes(addr_text) + " is not an IPv4 or IPv6 address");
  const unsigned bits = static_cast<unsigned>(addr->size() * 8);
  unsigned prefix = std::all_of(addr->begin(), addr->end(), [](uint8_t b) { return b == 0; }) ? 0 : bits;
  if (length_text) {
    auto n = parse_decimal(*length_text, bits);
    if (!n) return error("prefix length " + in_quotes(*length_text) + " is not a number in 0.." + std::to_string(bits));
    prefix = static_cast<unsigned>(*n);
  } else if (w.size() == 2) {
    if (addr->size() != 4) return error("an IPv6 prefix is written \"A/N\", not with a mask");
    auto mask = parse_ipv4(w[1]);
    if (!mask) return error("mask " + in_quotes(w[1]) + " is not an IPv4 netmask such as 255.255.255.0");
    const uint32_t m = ipv4_value(*mask);
    // Contiguous: the inverted mask plus one is a power of two (or zero).
    const uint32_t inv = ~m;
    if ((inv & (inv + 1)) != 0) return error("mask " + in_quotes(w[1]) + " is not contiguous (ones, then zeros)");
    prefix = static_cast<unsigned>(std::popcount(m));
  }
  return Prefixed{apply_prefix(*addr, prefix, false), static_cast<uint8_t>(prefix)};
}

// ===========================================================================
// Reading

// A secret object, {"env": "VARIABLE"} or {"file": "path"}; the reading (and
// its rules: trailing line break removed, "0x" hex) is engine_config's
// read_secret_ref, so both files read secrets alike.
crypto::Secret read_secret(const json& j, const std::string& ptr, const Ctx& ctx, std::string_view what) {
  const Obj o = secret_ref_object(j, ptr, what);
  std::string env, file, src_ptr;
  if (auto e = o.get_string("env")) {
    src_ptr = o.at("env");
    if (e->empty()) fail(src_ptr, "empty variable name");
    env = *e;
  } else {
    src_ptr = o.at("file");
    std::string f = *o.get_string("file");
    if (f.empty()) fail(src_ptr, "empty file name");
    file = resolve(ctx, f);
  }
  auto secret = read_secret_ref(env, file, what, "");
  if (!secret) fail(src_ptr, secret.error().reason);
  return std::move(*secret);
}

void read_description(const Obj& o) {
  if (const json* d = o.find("description")) read_string(*d, o.at("description"));
}

// The entries of a name-keyed object ("keyrings": {"kr-01": {...}}), checked
// to be names as IOS takes them (one word).
std::vector<std::pair<std::string, const json*>> named(const json* j, const std::string& ptr, std::string_view of) {
  std::vector<std::pair<std::string, const json*>> out;
  if (!j) return out;
  if (!j->is_object()) wrong_type(ptr, "an object of " + std::string(of) + " by name", *j);
  for (const auto& [name, value] : j->items()) {
    if (name.empty()) fail(child_pointer(ptr, name), "empty name");
    if (words(name).size() != 1 || words(name)[0] != name)
      fail(child_pointer(ptr, name), "a name is one word without spaces, as IOS reads it");
    out.emplace_back(name, &value);
  }
  return out;
}

// A reference to a named object: `names` are those defined.
template <class Range>
void check_ref(const std::string& ptr, std::string_view what, const std::string& name, const Range& names) {
  for (const auto& n : names)
    if (n == name) return;
  fail(ptr, "unknown " + std::string(what) + " " + in_quotes(name) + did_you_mean(name, names));
}

IdentityMatch read_identity_match(const json& j, const std::string& ptr) {
  auto m = parse_identity_match(read_string(j, ptr));
  if (!m) fail(ptr, m.error().reason);
  return std::move(*m);
}

Bytes read_ipv4(const json& j, const std::string& ptr, std::string_view why) {
  std::string text = read_string(j, ptr);
  auto a = parse_ipv4(trim(text));
  if (!a) fail(ptr, in_quotes(text) + " is not an IPv4 address" + std::string(why));
  return *a;
}

// ---------------------------------------------------------------------------
// Sections, in the order references need them: what is named first.

// `ip local pool NAME FIRST [LAST]`: "FIRST LAST" or "FIRST".
std::vector<flexvpn::Pool> read_pools(const Obj& top) {
  std::vector<flexvpn::Pool> out;
  for (const auto& [name, j] : named(top.find("pools"), top.at("pools"), "\"FIRST LAST\" ranges")) {
    const std::string ptr = child_pointer(top.at("pools"), name);
    const std::string text = read_string(*j, ptr);
    const auto w = words(text);
    if (w.empty() || w.size() > 2) fail(ptr, in_quotes(text) + " is not \"FIRST LAST\" or \"FIRST\" (ip local pool)");
    if (w.size() == 1 && w[0].find('-') != std::string::npos) {
      std::string spaced = w[0];
      spaced[spaced.find('-')] = ' ';
      fail(ptr, in_quotes(text) + ": write the first and the last address separated by a space, as ip local pool "
                                  "does (" + in_quotes(spaced) + ")");
    }
    flexvpn::Pool p;
    p.name = name;
    for (std::size_t i = 0; i < w.size(); ++i) {
      auto a = parse_ipv4(w[i]);
      if (!a)
        fail(ptr, in_quotes(w[i]) + " is not an IPv4 address (a FlexVPN pool hands out INTERNAL_IP4_ADDRESS; IPv6 "
                                    "pools are not modelled)");
      (i == 0 ? p.first : p.last) = *a;
    }
    if (w.size() == 1) p.last = p.first;
    if (ipv4_value(p.first) > ipv4_value(p.last))
      fail(ptr, "first address " + w[0] + " is above the last " + w[1]);
    out.push_back(std::move(p));
  }
  return out;
}

// `interface Virtual-TemplateN type tunnel` / `ip unnumbered IF`: by number.
std::vector<flexvpn::VirtualTemplate> read_virtual_templates(const Obj& top) {
  std::vector<flexvpn::VirtualTemplate> out;
  const std::string base = top.at("virtual_templates");
  for (const auto& [name, j] : named(top.find("virtual_templates"), base, "templates")) {
    const std::string ptr = child_pointer(base, name);
    auto n = parse_decimal(name, 4095);
    if (!n || *n == 0 || name[0] == '0')
      fail(ptr, "a template is named by its number 1..4095, e.g. \"2\" for interface Virtual-Template2");
    Obj o(*j, ptr, {"description", "ip_unnumbered"});
    read_description(o);
    flexvpn::VirtualTemplate vt;
    vt.number = static_cast<uint32_t>(*n);
    const json* a = o.find("ip_unnumbered");
    if (!a) fail(o.at("ip_unnumbered"), "missing: the address of the interface the template borrows (Loopback0's)");
    vt.address = read_ipv4(*a, o.at("ip_unnumbered"), " (route set interface pushes it as INTERNAL_IP4_SUBNET)");
    out.push_back(std::move(vt));
  }
  // Name order of "10" and "2" is not numeric order.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  return out;
}

// `aaa authorization network LIST local`.
std::vector<flexvpn::MethodList> read_aaa(const Obj& top) {
  std::vector<flexvpn::MethodList> out;
  Obj aaa = top.section("aaa", {"method_lists"});
  for (const auto& [name, j] : named(aaa.find("method_lists"), aaa.at("method_lists"), "methods")) {
    const std::string ptr = child_pointer(aaa.at("method_lists"), name);
    const std::string method = read_string(*j, ptr);
    if (lower(trim(method)) != "local")
      fail(ptr, "method " + in_quotes(method) +
                    " is not modelled: only \"local\" (the router's own authorization policies) is; RADIUS and "
                    "TACACS+ servers are not");
    out.push_back(flexvpn::MethodList{name, "local"});
  }
  return out;
}

// `crypto ikev2 authorization policy NAME`.
std::vector<flexvpn::AuthorizationGroup> read_groups(const Obj& top, const std::vector<flexvpn::Pool>& pools,
                                                     const Ctx& ctx) {
  std::vector<std::string> pool_names;
  for (const auto& p : pools) pool_names.push_back(p.name);
  std::vector<flexvpn::AuthorizationGroup> out;
  const std::string base = top.at("authorization_policies");
  for (const auto& [name, j] : named(top.find("authorization_policies"), base, "authorization policies")) {
    Obj o(*j, child_pointer(base, name),
          {"description", "pool", "netmask", "dns", "route_set_interface", "route_set_access_list", "password"});
    read_description(o);
    flexvpn::AuthorizationGroup g;
    g.name = name;
    // flexvpn::Hub hands every authorized spoke an address: a group without
    // a pool is not modelled.
    auto pool = o.get_string("pool");
    if (!pool) fail(o.at("pool"), "missing: the pool the group's addresses come from (pool NAME)");
    check_ref(o.at("pool"), "pool", *pool, pool_names);
    g.pool = *pool;
    if (const json* v = o.find("netmask")) {
      g.netmask = read_ipv4(*v, o.at("netmask"), " (INTERNAL_IP4_NETMASK)");
      if (!parse_prefixed({"0.0.0.0", ip_text(*g.netmask)}))
        fail(o.at("netmask"), in_quotes(ip_text(*g.netmask)) + " is not contiguous (ones, then zeros)");
    }
    if (const json* v = o.find("dns")) {
      const json& a = read_array(*v, o.at("dns"), "IPv4 addresses");
      if (a.size() > 2) fail(o.at("dns"), "at most two servers (dns PRIMARY [SECONDARY])");
      for (std::size_t i = 0; i < a.size(); ++i)
        g.dns.push_back(read_ipv4(a[i], child_pointer(o.at("dns"), i), " (INTERNAL_IP4_DNS)"));
    }
    g.route_set_interface = o.get_bool("route_set_interface", false);
    if (const json* v = o.find("route_set_access_list")) {
      const json& a = read_array(*v, o.at("route_set_access_list"), "IPv4 prefixes");
      for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string p = child_pointer(o.at("route_set_access_list"), i);
        const std::string text = read_string(a[i], p);
        auto pre = parse_prefixed(words(text));
        if (!pre) fail(p, in_quotes(text) + ": " + pre.error().reason);
        if (pre->address.size() != 4) fail(p, in_quotes(text) + ": INTERNAL_IP4_SUBNET routes are IPv4");
        codec::TrafficSelector ts;
        ts.ts_type = codec::TsType::TS_IPV4_ADDR_RANGE;
        ts.start_address = pre->address;
        ts.end_address = apply_prefix(pre->address, pre->prefix, true);
        g.route_set_access_list.push_back(std::move(ts));
      }
    }
    if (const json* v = o.find("password")) g.password = read_secret(*v, o.at("password"), ctx, "group password");
    out.push_back(std::move(g));
  }
  return out;
}

// `crypto ikev2 keyring NAME` / `peer NAME`.
std::vector<flexvpn::Keyring> read_keyrings(const Obj& top, const Ctx& ctx) {
  std::vector<flexvpn::Keyring> out;
  const std::string base = top.at("keyrings");
  for (const auto& [name, j] : named(top.find("keyrings"), base, "keyrings")) {
    Obj ko(*j, child_pointer(base, name), {"description", "peers"});
    read_description(ko);
    flexvpn::Keyring k;
    k.name = name;
    if (!ko.has("peers")) fail(ko.at("peers"), "missing: the peer blocks that hold the keys");
    for (const auto& [peer_name, pj] : named(ko.find("peers"), ko.at("peers"), "peer blocks")) {
      Obj po(*pj, child_pointer(ko.at("peers"), peer_name), {"description", "address", "identity", "pre_shared_key"});
      read_description(po);
      flexvpn::KeyringPeer p;
      p.name = peer_name;
      if (const json* v = po.find("address")) {
        const std::string text = read_string(*v, po.at("address"));
        auto pre = parse_prefixed(words(text));
        if (!pre) fail(po.at("address"), in_quotes(text) + ": " + pre.error().reason);
        IdentityMatch m;
        m.kind = IdentityMatch::Kind::Address;
        m.address = pre->address;
        m.prefix = pre->prefix;
        p.address = std::move(m);
      }
      if (const json* v = po.find("identity")) p.identity = read_identity_match(*v, po.at("identity"));
      if (!p.address && !p.identity)
        fail(po.ptr(), "give \"address\" or \"identity\": a peer block without them matches no peer");
      const json* psk = po.find("pre_shared_key");
      if (!psk) fail(po.at("pre_shared_key"), "missing: {\"env\": ...} or {\"file\": ...}");
      p.psk = read_secret(*psk, po.at("pre_shared_key"), ctx, "PSK");
      k.peers.push_back(std::move(p));
    }
    if (k.peers.empty()) fail(ko.at("peers"), "empty: a keyring needs at least one peer block");
    out.push_back(std::move(k));
  }
  return out;
}

// `crypto ikev2 policy NAME`.
std::vector<flexvpn::Policy> read_policies(const Obj& top) {
  std::vector<flexvpn::Policy> out;
  const std::string base = top.at("policies");
  for (const auto& [name, j] : named(top.find("policies"), base, "policies")) {
    Obj o(*j, child_pointer(base, name), {"description", "match_fvrf", "match_address_local", "proposals"});
    read_description(o);
    flexvpn::Policy p;
    p.name = name;
    if (auto vrf = o.get_string("match_fvrf")) {
      if (words(*vrf).size() != 1 || words(*vrf)[0] != *vrf)
        fail(o.at("match_fvrf"), "\"any\", \"global\" or one VRF name (one word)");
      p.match_fvrf = *vrf;
    }
    if (const json* v = o.find("match_address_local")) {
      const std::string text = read_string(*v, o.at("match_address_local"));
      auto a = parse_ip(trim(text));
      if (!a) fail(o.at("match_address_local"), in_quotes(text) + " is not an IPv4 or IPv6 address");
      p.match_address_local = *a;
    }
    const json* v = o.find("proposals");
    if (!v) fail(o.at("proposals"), "missing: the IKE proposals this policy offers (strongSwan proposal strings)");
    p.proposals = read_string_list(*v, o.at("proposals"));
    if (p.proposals.empty()) fail(o.at("proposals"), "empty: a policy offers at least one proposal");
    for (std::size_t i = 0; i < p.proposals.size(); ++i) {
      auto suites = parse_proposal(p.proposals[i], codec::ProtocolId::IKE);
      if (!suites) fail(child_pointer(o.at("proposals"), i), suites.error().reason);
      for (auto& suite : *suites)
        if (std::find(p.suites.begin(), p.suites.end(), suite) == p.suites.end()) p.suites.push_back(suite);
    }
    out.push_back(std::move(p));
  }
  return out;
}

// "psk list LIST [NAME]" of `aaa authorization group psk list LIST [NAME]`.
flexvpn::AuthorizationRef read_authorization(const json& j, const std::string& ptr, const flexvpn::HubPolicy& hub) {
  const std::string text = read_string(j, ptr);
  const auto w = words(text);
  if (!w.empty() && (lower(w[0]) == "cert" || lower(w[0]) == "eap"))
    fail(ptr, in_quotes(w[0]) + " authorization is not modelled: the hub authenticates peers with pre-shared keys; "
                                "write \"psk list LIST [NAME]\"");
  if (w.size() < 3 || w.size() > 4 || lower(w[0]) != "psk" || lower(w[1]) != "list")
    fail(ptr, in_quotes(text) + " is not \"psk list LIST [NAME]\" (aaa authorization group psk list LIST [NAME])");
  std::vector<std::string> lists, groups;
  for (const auto& m : hub.method_lists) lists.push_back(m.name);
  for (const auto& g : hub.groups) groups.push_back(g.name);
  check_ref(ptr, "method list", w[2], lists);
  flexvpn::AuthorizationRef ref;
  ref.method_list = w[2];
  if (w.size() == 4) {
    check_ref(ptr, "authorization policy", w[3], groups);
    ref.group = w[3];
  }
  return ref;
}

// `crypto ikev2 profile NAME`.
std::vector<flexvpn::Profile> read_profiles(const Obj& top, const flexvpn::HubPolicy& hub) {
  std::vector<std::string> keyrings, templates;
  for (const auto& k : hub.keyrings) keyrings.push_back(k.name);
  for (const auto& t : hub.virtual_templates) templates.push_back(std::to_string(t.number));
  std::vector<flexvpn::Profile> out;
  const std::string base = top.at("profiles");
  for (const auto& [name, j] : named(top.find("profiles"), base, "profiles")) {
    Obj o(*j, child_pointer(base, name),
          {"description", "match_identity_remote", "authentication", "keyring_local", "aaa_authorization_group",
           "virtual_template", "config_exchange", "honour_initial_contact"});
    read_description(o);
    flexvpn::Profile p;
    p.name = name;
    const json* m = o.find("match_identity_remote");
    if (!m) fail(o.at("match_identity_remote"), "missing: the peer identities this profile is chosen for");
    const json& a = read_array(*m, o.at("match_identity_remote"), "identity matches");
    if (a.empty()) fail(o.at("match_identity_remote"), "empty: a profile without a match is never chosen");
    for (std::size_t i = 0; i < a.size(); ++i)
      p.match_identity.push_back(read_identity_match(a[i], child_pointer(o.at("match_identity_remote"), i)));

    if (!o.has("authentication"))
      fail(o.at("authentication"), "missing: {\"local\": \"pre-share\", \"remote\": \"pre-share\"}");
    Obj auth = o.section("authentication", {"local", "remote"});
    for (std::string_view side : {"local", "remote"}) {
      auto method = auth.get_string(side);
      if (!method) fail(auth.at(side), "missing: \"pre-share\" (authentication " + std::string(side) + " pre-share)");
      if (*method == "pre-share") continue;
      static const std::vector<std::string_view> kMethods = {"pre-share", "rsa-sig", "ecdsa-sig", "eap"};
      if (std::find(kMethods.begin(), kMethods.end(), *method) != kMethods.end())
        fail(auth.at(side), in_quotes(*method) +
                                " is not modelled: the hub authenticates with pre-shared keys from the keyring "
                                "(\"pre-share\")");
      fail(auth.at(side), "unknown method " + in_quotes(*method) + did_you_mean(*method, kMethods) +
                              "; \"pre-share\" is the one modelled");
    }

    auto keyring = o.get_string("keyring_local");
    if (!keyring) fail(o.at("keyring_local"), "missing: the keyring that holds the peers' pre-shared keys");
    check_ref(o.at("keyring_local"), "keyring", *keyring, keyrings);
    p.keyring = *keyring;

    if (const json* v = o.find("aaa_authorization_group"))
      p.authorization = read_authorization(*v, o.at("aaa_authorization_group"), hub);
    if (const json* v = o.find("virtual_template")) {
      const auto n = static_cast<uint32_t>(read_uint(*v, o.at("virtual_template"), 1, 4095));
      check_ref(o.at("virtual_template"), "virtual template", std::to_string(n), templates);
      p.virtual_template = n;
    }
    Obj cx = o.section("config_exchange", {"set_accept"});
    p.config_exchange_set_accept = cx.get_bool("set_accept", p.config_exchange_set_accept);
    p.honour_initial_contact = o.get_bool("honour_initial_contact", p.honour_initial_contact);
    out.push_back(std::move(p));
  }
  return out;
}

HubConfig read_hub(const json& root, const Ctx& ctx, std::string_view source, const std::string& base) {
  Obj top(root, base,
          {"description", "endpoint", "keyrings", "profiles", "policies", "aaa", "authorization_policies", "pools",
           "virtual_templates"});
  read_description(top);
  HubConfig out;
  const json* endpoint = top.find("endpoint");
  if (!endpoint)
    fail(top.at("endpoint"),
         "missing: the hub's own endpoint settings (identity, PSK, child proposals, network; docs/config.md)");
  auto ep = parse_endpoint_config_at(*endpoint, source, top.at("endpoint"), ctx.base_dir);
  // Already located ("<source>: /endpoint/...: reason"): passed on whole.
  if (!ep) throw ep.error();
  out.endpoint = std::move(*ep);

  flexvpn::HubPolicy& hub = out.policy;
  hub.pools = read_pools(top);
  hub.virtual_templates = read_virtual_templates(top);
  hub.method_lists = read_aaa(top);
  hub.groups = read_groups(top, hub.pools, ctx);
  hub.keyrings = read_keyrings(top, ctx);
  hub.policies = read_policies(top);
  if (!top.has("profiles")) fail(top.at("profiles"), "missing: a hub chooses an IKEv2 profile for every peer");
  hub.profiles = read_profiles(top, hub);
  if (hub.profiles.empty()) fail(top.at("profiles"), "empty: a hub chooses an IKEv2 profile for every peer");
  return out;
}

core::Result<HubConfig> run(const json& root, std::string_view source, const std::string& pointer,
                            const std::string& base_dir) {
  try {
    return read_hub(root, Ctx{base_dir}, source, pointer);
  } catch (const ConfigError& e) {
    return located(source, e.pointer, e.reason);
  } catch (const core::Error& e) {
    return e;
  }
}

}  // namespace

core::Result<IdentityMatch> parse_identity_match(std::string_view text) {
  auto error = [text](const std::string& why) {
    return core::make_error("identity match", in_quotes(text) + ": " + why);
  };
  const auto w = words(text);
  static const std::vector<std::string_view> kKinds = {"address", "fqdn", "email", "key-id"};
  if (w.empty()) return error("empty; write \"address A [M]\", \"fqdn [domain] NAME\", \"email [domain] NAME\" or "
                              "\"key-id ID\"");
  const std::string kind = lower(w[0]);
  IdentityMatch m;
  if (kind == "address") {
    auto pre = parse_prefixed(std::vector<std::string>(w.begin() + 1, w.end()));
    if (!pre) return error(pre.error().reason);
    m.kind = IdentityMatch::Kind::Address;
    m.address = std::move(pre->address);
    m.prefix = pre->prefix;
    return m;
  }
  if (kind == "fqdn" || kind == "email") {
    const bool domain = w.size() == 3 && lower(w[1]) == "domain";
    if (w.size() != 2 && !domain) return error("write \"" + kind + " NAME\" or \"" + kind + " domain NAME\"");
    const std::string& name = w.back();
    if (kind == "fqdn") {
      m.kind = domain ? IdentityMatch::Kind::FqdnDomain : IdentityMatch::Kind::Fqdn;
    } else {
      if (!domain && name.find('@') == std::string::npos)
        return error(in_quotes(name) + " has no \"@\"; write \"email domain " + name + "\" to match every user there");
      m.kind = domain ? IdentityMatch::Kind::EmailDomain : IdentityMatch::Kind::Email;
    }
    m.text = name;
    return m;
  }
  if (kind == "key-id") {
    if (w.size() != 2) return error("write \"key-id ID\" (one word)");
    m.kind = IdentityMatch::Kind::KeyId;
    m.text = w[1];
    return m;
  }
  return error("unknown identity type " + in_quotes(w[0]) + did_you_mean(kind, kKinds) +
               "; one of \"address\", \"fqdn\", \"email\", \"key-id\"");
}

core::Result<HubConfig> parse_hub_config(std::string_view json_text, std::string_view source,
                                         const std::string& base_dir) {
  auto parsed = parse_strict(json_text, source);
  if (!parsed) return parsed.error();
  return run(*parsed, source, "", base_dir);
}

core::Result<HubConfig> parse_hub_config_at(const nlohmann::json& node, std::string_view source,
                                            const std::string& pointer, const std::string& base_dir) {
  return run(node, source, pointer, base_dir);
}

core::Result<HubConfig> load_hub_config(const std::string& path) {
  auto file = read_config_file(path);
  if (!file) return file.error();
  return parse_hub_config(file->text, path, file->base_dir);
}

}  // namespace ikeh::scenario
