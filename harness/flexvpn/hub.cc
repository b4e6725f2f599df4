// SPDX-License-Identifier: Apache-2.0
#include "harness/flexvpn/hub.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "harness/codec/notify_payload.h"
#include "harness/codec/registry.h"
#include "harness/flexvpn/ios_text.h"

namespace ikeh::flexvpn {

using codec::CfgAttribute;
using codec::CfgAttributeType;
using core::Bytes;
using core::BytesView;
using engine::EventKind;
using engine::IkeSaState;

struct Hub::Session {
  uint64_t id = 0;
  uint64_t sa = 0;
  std::optional<std::size_t> profile;
  std::string keyring_peer;
  std::optional<crypto::Secret> psk;
  bool psk_decided = false;
  bool auth_logged = false;
  bool established = false;
  bool active = true;
  std::string group;
  std::string pool;
  std::optional<Bytes> address;
  std::optional<std::size_t> vi;  // index in interfaces_
};

Bytes flexvpn_supported_vid() {
  static const std::string kVid = "FLEXVPN-SUPPORTED";
  return Bytes(kVid.begin(), kVid.end());
}

std::string HubEvent::line() const {
  switch (style) {
    case Style::SessionAndSa:
      return "IKEv2:(SESSION ID = " + std::to_string(session) + ",SA ID = " + std::to_string(sa) + "):" + text;
    case Style::SaOnly: return "IKEv2:(SA ID = " + std::to_string(sa) + "):" + text;
    case Style::NoIds: return "IKEv2:" + text;
    case Style::Syslog: return text;
  }
  return text;
}

engine::EngineConfig hub_engine_config(engine::EngineConfig base) {
  // Once: a configuration that already lists it keeps its own order.
  if (std::find(base.vendor_ids_auth.begin(), base.vendor_ids_auth.end(), flexvpn_supported_vid()) ==
      base.vendor_ids_auth.end())
    base.vendor_ids_auth.insert(base.vendor_ids_auth.begin(), flexvpn_supported_vid());
  base.window_size = 5;  // notes 2.4: IOS announces 5
  base.esp_tfc_padding_not_supported = true;
  base.non_first_fragments_also = true;
  base.initial_contact = false;  // a responder never sends it in IKE_AUTH
  base.pool.reset();
  base.local_auth.kind = engine::AuthKind::Psk;
  base.local_auth.psk = {};
  // validate() wants a key somewhere; the responder policy supplies every
  // key the hub uses, so this entry (for an identity no spoke has) is never
  // consulted.
  if (base.psks.empty()) {
    static const std::string kUnused = "flexvpn-hub: keys come from the keyrings";
    codec::IdPayload nobody;
    nobody.id_type = codec::IdType::ID_KEY_ID;
    nobody.data = Bytes(kUnused.begin(), kUnused.end());
    base.psks.push_back(engine::PskEntry{nobody, crypto::Secret(Bytes(kUnused.begin(), kUnused.end()))});
  }
  return base;
}

namespace {

using Style = HubEvent::Style;

bool prefix_match(BytesView address, BytesView net, unsigned prefix) {
  if (address.size() != net.size() || prefix > address.size() * 8) return false;
  for (unsigned bit = 0; bit < prefix; ++bit) {
    uint8_t m = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((address[bit / 8] & m) != (net[bit / 8] & m)) return false;
  }
  return true;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool matches(const IdentityMatch& m, const codec::IdPayload& id) {
  std::string data = lower(std::string(id.data.begin(), id.data.end()));
  std::string want = lower(m.text);
  auto in_domain = [](const std::string& name, const std::string& domain) {
    if (name == domain) return true;
    return name.size() > domain.size() && name.ends_with(domain) && name[name.size() - domain.size() - 1] == '.';
  };
  switch (m.kind) {
    case IdentityMatch::Kind::Address:
      if (id.id_type != codec::IdType::ID_IPV4_ADDR && id.id_type != codec::IdType::ID_IPV6_ADDR) return false;
      return prefix_match(id.data, m.address, m.prefix);
    case IdentityMatch::Kind::Fqdn: return id.id_type == codec::IdType::ID_FQDN && data == want;
    case IdentityMatch::Kind::FqdnDomain: return id.id_type == codec::IdType::ID_FQDN && in_domain(data, want);
    case IdentityMatch::Kind::Email: return id.id_type == codec::IdType::ID_RFC822_ADDR && data == want;
    case IdentityMatch::Kind::EmailDomain: {
      if (id.id_type != codec::IdType::ID_RFC822_ADDR) return false;
      auto at = data.rfind('@');
      return at != std::string::npos && data.substr(at + 1) == want;
    }
    case IdentityMatch::Kind::KeyId:
      return id.id_type == codec::IdType::ID_KEY_ID && id.data == Bytes(m.text.begin(), m.text.end());
  }
  return false;
}

std::string id_type_text(codec::IdType t) {
  switch (t) {
    case codec::IdType::ID_IPV4_ADDR: return "IPv4 address";
    case codec::IdType::ID_IPV6_ADDR: return "IPv6 address";
    case codec::IdType::ID_FQDN: return "FQDN";
    case codec::IdType::ID_RFC822_ADDR: return "email";
    case codec::IdType::ID_KEY_ID: return "key id";
    case codec::IdType::ID_DER_ASN1_DN: return "DER ASN1 DN";
    default: return codec::label(t);
  }
}

std::string id_text(const codec::IdPayload& id) {
  if ((id.id_type == codec::IdType::ID_IPV4_ADDR && id.data.size() == 4) ||
      (id.id_type == codec::IdType::ID_IPV6_ADDR && id.data.size() == 16))
    return ip_text(id.data);
  bool printable = std::all_of(id.data.begin(), id.data.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
  if (printable) return std::string(id.data.begin(), id.data.end());
  return core::to_hex(id.data);
}

// The most specific peer block for a peer: an identity match first (in
// configuration order), then the longest address prefix.
const KeyringPeer* match_peer(const Keyring& k, const codec::IdPayload& id, BytesView transport) {
  for (const auto& p : k.peers)
    if (p.identity && matches(*p.identity, id)) return &p;
  const KeyringPeer* best = nullptr;
  for (const auto& p : k.peers) {
    if (!p.address || !prefix_match(transport, p.address->address, p.address->prefix)) continue;
    if (!best || p.address->prefix > best->address->prefix) best = &p;
  }
  return best;
}

// An IPv4 selector covering exactly one prefix, as address and mask.
std::optional<std::pair<Bytes, Bytes>> as_prefix(const codec::TrafficSelector& ts) {
  if (ts.ts_type != codec::TsType::TS_IPV4_ADDR_RANGE || ts.start_address.size() != 4 || ts.end_address.size() != 4)
    return std::nullopt;
  uint32_t start = 0, end = 0;
  for (int i = 0; i < 4; ++i) {
    start = start << 8 | ts.start_address[i];
    end = end << 8 | ts.end_address[i];
  }
  uint32_t host = start ^ end;
  if ((host & (host + 1)) != 0 || (start & host) != 0) return std::nullopt;
  uint32_t mask = ~host;
  Bytes m = {static_cast<uint8_t>(mask >> 24), static_cast<uint8_t>(mask >> 16), static_cast<uint8_t>(mask >> 8),
             static_cast<uint8_t>(mask)};
  return std::make_pair(ts.start_address, m);
}

const CfgAttribute* find_attribute(const std::vector<CfgAttribute>& attrs, uint16_t type) {
  for (const auto& a : attrs)
    if (static_cast<uint16_t>(a.type) == type && !a.value.empty()) return &a;
  return nullptr;
}

template <class T>
core::Status unique_names(const std::vector<T>& items, const char* what) {
  std::set<std::string> seen;
  for (const auto& i : items)
    if (!seen.insert(i.name).second) return core::make_error("hub policy", std::string("duplicate ") + what + " '" + i.name + "'");
  return {};
}

}  // namespace

// ----- attach -----

core::Result<std::unique_ptr<Hub>> Hub::attach(engine::Engine& engine, HubPolicy policy, Options options) {
  const auto& la = engine.config().local_auth;
  if (la.kind == engine::AuthKind::Psk && !la.psk.empty())
    return core::make_error("hub", "engine config: local_auth.psk must be empty: the hub authenticates with the "
                                   "keyring's key (use hub_engine_config())");
  for (auto st : {unique_names(policy.keyrings, "keyring"), unique_names(policy.profiles, "profile"),
                  unique_names(policy.policies, "policy"), unique_names(policy.method_lists, "method list"),
                  unique_names(policy.groups, "group"), unique_names(policy.pools, "pool")})
    if (!st) return st.error();
  auto has = [](const auto& items, const std::string& name) {
    return std::any_of(items.begin(), items.end(), [&](const auto& i) { return i.name == name; });
  };
  for (const auto& m : policy.method_lists)
    if (m.method != "local")
      return core::make_error("hub policy", "method list '" + m.name + "': method '" + m.method +
                                                "' is not modelled (only \"local\")");
  std::map<std::string, engine::AddressPool> pools;
  for (const auto& p : policy.pools) {
    if (p.first.size() != 4)
      return core::make_error("hub policy", "pool '" + p.name + "': only IPv4 pools are modelled");
    engine::AddressPoolConfig c;
    c.first = p.first;
    c.last = p.last;
    auto pool = engine::AddressPool::create(c);
    if (!pool) return core::make_error("hub policy", "pool '" + p.name + "': " + pool.error().reason);
    pools.emplace(p.name, std::move(pool).value());
  }
  for (const auto& g : policy.groups) {
    if (!has(policy.pools, g.pool))
      return core::make_error("hub policy", "group '" + g.name + "': unknown pool '" + g.pool + "'");
    if (g.netmask && g.netmask->size() != 4)
      return core::make_error("hub policy", "group '" + g.name + "': netmask is not IPv4");
    for (const auto& d : g.dns)
      if (d.size() != 4) return core::make_error("hub policy", "group '" + g.name + "': dns server is not IPv4");
    for (std::size_t i = 0; i < g.route_set_access_list.size(); ++i)
      if (!as_prefix(g.route_set_access_list[i]))
        return core::make_error("hub policy", "group '" + g.name + "': route_set_access_list[" + std::to_string(i) +
                                                  "] is not an IPv4 prefix");
  }
  for (const auto& t : policy.virtual_templates)
    if (t.address.size() != 4)
      return core::make_error("hub policy", "virtual template " + std::to_string(t.number) + ": address is not IPv4");
  for (const auto& p : policy.profiles) {
    std::string where = "profile '" + p.name + "'";
    if (!has(policy.keyrings, p.keyring)) return core::make_error("hub policy", where + ": unknown keyring '" + p.keyring + "'");
    if (p.authorization) {
      if (!has(policy.method_lists, p.authorization->method_list))
        return core::make_error("hub policy", where + ": unknown method list '" + p.authorization->method_list + "'");
      if (p.authorization->group && !has(policy.groups, *p.authorization->group))
        return core::make_error("hub policy", where + ": unknown group '" + *p.authorization->group + "'");
    }
    if (p.virtual_template &&
        std::none_of(policy.virtual_templates.begin(), policy.virtual_templates.end(),
                     [&](const VirtualTemplate& t) { return t.number == *p.virtual_template; }))
      return core::make_error("hub policy",
                              where + ": unknown virtual template " + std::to_string(*p.virtual_template));
  }
  std::unique_ptr<Hub> hub(new Hub(engine, std::move(policy), std::move(options)));
  hub->pools_ = std::move(pools);

  std::weak_ptr<Hub*> alive = hub->alive_;
  engine::ResponderPolicy rp;
  rp.psk = [alive](uint64_t sa, const codec::IdPayload& id) -> std::optional<crypto::Secret> {
    auto h = alive.lock();
    if (!h || !*h) return std::nullopt;
    return (*h)->psk(sa, id);
  };
  rp.cp = [alive](uint64_t sa, const codec::IdPayload& id, const codec::CpPayload& request)
      -> core::Result<std::optional<std::vector<CfgAttribute>>> {
    auto h = alive.lock();
    if (!h || !*h) return std::optional<std::vector<CfgAttribute>>();
    return (*h)->cp(sa, id, request);
  };
  // IKE_SA_INIT: the matching IKEv2 policy's proposals; none matching
  // (with policies configured) refuses; no policies or none with parsed
  // suites: the endpoint's own proposals (IOS's default policy).
  rp.ike_proposals = [alive](const engine::Route&) -> std::optional<engine::Policy> {
    auto h = alive.lock();
    if (!h || !*h) return std::nullopt;
    const Hub& hub = **h;
    if (hub.policy_.policies.empty()) return std::nullopt;
    const Policy* p = hub.match_policy();
    engine::Policy out = hub.engine_.config().ike_policy;
    if (!p) {
      out.suites.clear();
      return out;
    }
    if (p->suites.empty()) return std::nullopt;
    out.suites = p->suites;
    return out;
  };
  rp.initial_contact = [alive](uint64_t fresh, uint64_t) {
    auto h = alive.lock();
    if (!h || !*h) return true;
    Session* s = (*h)->session(fresh);
    const Profile* p = s ? (*h)->profile_of(*s) : nullptr;
    return !p || p->honour_initial_contact;
  };
  engine.set_responder_policy(std::move(rp));
  engine.set_cfg_set_hook([alive](uint64_t sa, const codec::IdPayload&, const std::vector<CfgAttribute>& set)
                              -> std::optional<std::vector<CfgAttribute>> {
    auto h = alive.lock();
    if (!h || !*h) return std::nullopt;
    return (*h)->cfg_set(sa, set);
  });
  engine.add_observer([alive](const engine::Event& e) {
    auto h = alive.lock();
    if (h && *h) (*h)->on_engine_event(e);
  });
  return hub;
}

Hub::Hub(engine::Engine& engine, HubPolicy policy, Options options)
    : engine_(engine), policy_(std::move(policy)), options_(std::move(options)), alive_(std::make_shared<Hub*>(this)) {
  local_address_ = options_.local_address ? *options_.local_address : engine_.env().local.address;
  next_session_ = options_.first_session_id;
}

Hub::~Hub() {
  // The engine keeps the callbacks; they find the hub gone.
  *alive_ = nullptr;
  engine_.set_responder_policy({});
}

// ----- state -----

std::vector<std::string> Hub::lines() const {
  std::vector<std::string> out;
  out.reserve(events_.size());
  for (const auto& e : events_) out.push_back(e.line());
  return out;
}

std::vector<HubSession> Hub::sessions() const {
  std::vector<HubSession> out;
  for (const auto& s : sessions_) {
    HubSession v;
    v.id = s->id;
    v.sa = s->sa;
    if (s->profile) v.profile = policy_.profiles[*s->profile].name;
    v.keyring_peer = s->keyring_peer;
    v.group = s->group;
    v.address = s->address;
    if (s->vi) v.interface = interfaces_[*s->vi].name;
    v.active = s->active;
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<HubSession> Hub::session_of(uint64_t sa) const {
  auto it = by_sa_.find(sa);
  if (it == by_sa_.end()) return std::nullopt;
  for (const auto& s : sessions())
    if (s.id == it->second->id) return s;
  return std::nullopt;
}

Hub::Session* Hub::session(uint64_t sa) {
  auto it = by_sa_.find(sa);
  return it == by_sa_.end() ? nullptr : it->second;
}

Hub::Session& Hub::new_session(uint64_t sa) {
  auto s = std::make_unique<Session>();
  s->id = next_session_++;
  s->sa = sa;
  Session& ref = *s;
  sessions_.push_back(std::move(s));
  by_sa_[sa] = &ref;
  return ref;
}

const Profile* Hub::profile_of(const Session& s) const {
  return s.profile ? &policy_.profiles[*s.profile] : nullptr;
}

void Hub::log(uint64_t sa, Style style, std::string text) {
  HubEvent e;
  e.time = engine_.env().clock->now();
  e.sa = sa;
  if (const auto it = by_sa_.find(sa); it != by_sa_.end()) e.session = it->second->id;
  e.style = style;
  e.text = std::move(text);
  if (hook_) hook_(e);
  if (options_.keep_events) events_.push_back(std::move(e));
}

// ----- IKE_AUTH: profile, keyring, policy -----

const Policy* Hub::match_policy() const {
  for (const auto& pol : policy_.policies) {
    bool vrf_ok = !pol.match_fvrf || pol.match_fvrf->empty() || *pol.match_fvrf == "any" ||
                  *pol.match_fvrf == options_.fvrf;
    bool addr_ok = !pol.match_address_local || pol.match_address_local->empty() ||
                   *pol.match_address_local == local_address_;
    if (vrf_ok && addr_ok) return &pol;
  }
  return nullptr;
}

std::optional<crypto::Secret> Hub::psk(uint64_t sa, const codec::IdPayload& id) {
  Session* s = session(sa);
  if (!s) s = &new_session(sa);
  // The engine asks once for its own AUTH and once to verify the peer's.
  if (s->psk_decided) return s->psk;
  s->psk_decided = true;
  const std::string who = id_text(id);
  log(sa, Style::SessionAndSa,
      "Searching policy based on peer's identity '" + who + "' of type '" + id_type_text(id.id_type) + "'");
  for (std::size_t i = 0; i < policy_.profiles.size() && !s->profile; ++i)
    for (const auto& m : policy_.profiles[i].match_identity)
      if (matches(m, id)) {
        s->profile = i;
        break;
      }
  if (!s->profile) {
    log(sa, Style::NoIds, "no matching IKEv2 profile");
    return std::nullopt;
  }
  const Profile& p = policy_.profiles[*s->profile];
  log(sa, Style::NoIds, "found matching IKEv2 profile '" + p.name + "'");
  log(sa, Style::NoIds, "% Getting preshared key from profile keyring " + p.keyring);
  const Keyring& k = *std::find_if(policy_.keyrings.begin(), policy_.keyrings.end(),
                                   [&](const Keyring& r) { return r.name == p.keyring; });
  Bytes transport;
  if (auto info = engine_.ike_sa(sa)) transport = info->route.remote.address;
  const KeyringPeer* peer = match_peer(k, id, transport);
  if (!peer) {
    log(sa, Style::NoIds, "% No matching peer block in keyring " + k.name);
    return std::nullopt;
  }
  s->keyring_peer = peer->name;
  log(sa, Style::NoIds, "% Matched peer block '" + peer->name + "'");

  // IOS's fvrf 0 is the global table.
  const std::string fvrf = options_.fvrf == "global" ? "0" : options_.fvrf;
  log(sa, Style::NoIds, "Searching Policy with fvrf " + fvrf + ", local address " + ip_text(local_address_));
  const Policy* found = match_policy();
  if (found) {
    log(sa, Style::NoIds, "Found Policy '" + found->name + "'");
  } else if (policy_.policies.empty()) {
    // IOS falls back to its default policy ("smart defaults", notes 2.4).
    log(sa, Style::NoIds, "Found Policy 'default'");
  } else {
    log(sa, Style::NoIds, "No matching IKEv2 policy for local address " + ip_text(local_address_));
    return std::nullopt;
  }
  log(sa, Style::SessionAndSa, "Verify peer's policy");
  log(sa, Style::SessionAndSa, "Peer's policy verified");
  log(sa, Style::SessionAndSa, "Get peer's authentication method");
  log(sa, Style::SessionAndSa, "Peer's authentication method is 'PSK'");
  log(sa, Style::SessionAndSa, "Get peer's preshared key for " + who);
  log(sa, Style::SessionAndSa, "Verify peer's authentication data");
  // The length only: secrets never reach the log (DESIGN "Errors and messages").
  log(sa, Style::SessionAndSa, "Use preshared key for id " + who + ", key len " + std::to_string(peer->psk.size()));
  s->psk = peer->psk;
  return s->psk;
}

void Hub::auth_passed(Session& s) {
  if (s.auth_logged) return;
  s.auth_logged = true;
  log(s.sa, Style::SessionAndSa, "Verification of peer's authentication data PASSED");
}

// ----- IKE_AUTH: AAA authorization and the CFG_REPLY -----

core::Result<std::optional<std::vector<CfgAttribute>>> Hub::cp(uint64_t sa, const codec::IdPayload&,
                                                               const codec::CpPayload& request) {
  using Reply = std::optional<std::vector<CfgAttribute>>;
  // RFC 7296 3.15.4: no address for this peer; the IKE SA survives. Also the
  // answer to a failed authorization: FAILED_CP_REQUIRED (3.10.1) is for a
  // missing CFG_REQUEST, and this one was received.
  auto address_failure = [](std::string why) {
    return core::make_error("AAA", std::move(why),
                            static_cast<uint16_t>(codec::NotifyType::INTERNAL_ADDRESS_FAILURE));
  };
  Session* s = session(sa);
  if (!s || !s->profile) return Reply();
  // The engine asks for the CP only once the peer's AUTH verified.
  auth_passed(*s);
  if (request.cfg_type != codec::CfgType::CFG_REQUEST) return Reply();
  const Profile& p = *profile_of(*s);
  if (!p.authorization) {
    log(sa, Style::SessionAndSa, "No authorization configured in profile '" + p.name + "': no config mode data");
    return Reply();
  }
  const CfgAttribute* user = find_attribute(request.attributes, kGroupNameAttribute);
  const CfgAttribute* password = find_attribute(request.attributes, kGroupPasswordAttribute);
  const bool named_by_spoke = !p.authorization->group.has_value();
  std::string group_name =
      named_by_spoke ? (user ? std::string(user->value.begin(), user->value.end()) : std::string())
                     : *p.authorization->group;
  log(sa, Style::NoIds,
      "Using mlist " + p.authorization->method_list + " and username " + group_name + " for group author request");
  log(sa, Style::SaOnly, "[IKEv2 -> AAA] Authorisation request sent");
  log(sa, Style::SaOnly, "[AAA -> IKEv2] Received AAA authorisation response");
  auto g = std::find_if(policy_.groups.begin(), policy_.groups.end(),
                        [&](const AuthorizationGroup& x) { return x.name == group_name; });
  if (group_name.empty() || g == policy_.groups.end()) {
    log(sa, Style::SessionAndSa, "AAA group authorization failed: authorization failed: unknown group '" +
                                     group_name + "'");
    return address_failure("unknown group '" + group_name + "'");
  }
  // The password is checked only when the spoke named the group (hub_policy.h).
  if (named_by_spoke && g->password &&
      (!password || !(crypto::Secret(password->value) == *g->password))) {
    log(sa, Style::SessionAndSa,
        "AAA group authorization failed: authorization failed: wrong group password for group '" + group_name +
            "' (received len " + std::to_string(password ? password->value.size() : 0) + ")");
    return address_failure("wrong group password for group '" + group_name + "'");
  }
  s->group = g->name;
  log(sa, Style::SessionAndSa, "Received valid config mode data");
  log(sa, Style::NoIds, "Config data recieved:");  // sic, as IOS spells it
  log(sa, Style::SessionAndSa, "Config-type: Config-request");
  for (const auto& a : request.attributes) log(sa, Style::SessionAndSa, attribute_text(a));

  std::vector<CfgAttribute> reply;
  bool wants_v4 = std::any_of(request.attributes.begin(), request.attributes.end(), [](const CfgAttribute& a) {
    return a.type == CfgAttributeType::INTERNAL_IP4_ADDRESS;
  });
  if (wants_v4) {
    auto& pool = pools_.at(g->pool);
    // Only the address part of the request goes to the pool: the rest is
    // the group's to answer.
    codec::CpPayload ask;
    for (const auto& a : request.attributes)
      if (a.type == CfgAttributeType::INTERNAL_IP4_ADDRESS) ask.attributes.push_back(a);
    auto got = pool.reply(s->id, ask);
    if (!got) {
      log(sa, Style::SessionAndSa, "Failed to allocate an address from pool '" + g->pool + "': pool exhausted");
      return address_failure("pool '" + g->pool + "' exhausted");
    }
    s->pool = g->pool;
    s->address = pool.address_of(s->id);
    for (auto& a : *got)
      if (a.type == CfgAttributeType::INTERNAL_IP4_ADDRESS) reply.push_back(std::move(a));
    // RFC 7296 3.15.1: the netmask only goes with an address.
    if (g->netmask) reply.emplace_back(CfgAttributeType::INTERNAL_IP4_NETMASK, *g->netmask);
  }
  for (const auto& d : g->dns) reply.emplace_back(CfgAttributeType::INTERNAL_IP4_DNS, d);
  if (g->route_set_interface && p.virtual_template) {
    const auto& t = *std::find_if(policy_.virtual_templates.begin(), policy_.virtual_templates.end(),
                                  [&](const VirtualTemplate& v) { return v.number == *p.virtual_template; });
    Bytes subnet = t.address;
    subnet.insert(subnet.end(), {255, 255, 255, 255});
    reply.emplace_back(CfgAttributeType::INTERNAL_IP4_SUBNET, std::move(subnet));
  }
  for (const auto& ts : g->route_set_access_list) {
    auto pm = as_prefix(ts);
    Bytes subnet = pm->first;
    subnet.insert(subnet.end(), pm->second.begin(), pm->second.end());
    reply.emplace_back(CfgAttributeType::INTERNAL_IP4_SUBNET, std::move(subnet));
  }
  log(sa, Style::NoIds, "Config data to send:");
  log(sa, Style::SessionAndSa, "Config-type: Config-reply");
  for (const auto& a : reply) log(sa, Style::SessionAndSa, attribute_text(a));
  return Reply(std::move(reply));
}

// ----- CFG_SET -----

std::optional<std::vector<CfgAttribute>> Hub::cfg_set(uint64_t sa, const std::vector<CfgAttribute>& set) {
  Session* s = session(sa);
  if (!s || !s->profile) return std::nullopt;
  const Profile& p = *profile_of(*s);
  log(sa, Style::NoIds, "Config data recieved:");  // sic, as IOS spells it
  log(sa, Style::SessionAndSa, "Config-type: Config-set");
  for (const auto& a : set) log(sa, Style::SessionAndSa, attribute_text(a));
  if (!p.config_exchange_set_accept) {
    // RFC 7296 3.15.1: an implementation may ignore CFG_SET.
    log(sa, Style::SessionAndSa, "config-exchange set accept is off in profile '" + p.name + "': CFG_SET ignored");
    return std::nullopt;
  }
  std::vector<CfgAttribute> accepted;
  for (const auto& a : set) {
    if (a.type != CfgAttributeType::INTERNAL_IP4_SUBNET || a.value.size() != 8) continue;
    if (!s->vi) {
      log(sa, Style::SessionAndSa, "No Virtual-Access interface for the route " + subnet_text(a.value) + ": not added");
      continue;
    }
    HubRoute r;
    r.prefix.assign(a.value.begin(), a.value.begin() + 4);
    r.mask.assign(a.value.begin() + 4, a.value.end());
    r.interface = interfaces_[*s->vi].name;
    r.vrf = options_.route_vrf;
    r.sa = sa;
    bool known = std::any_of(routes_.begin(), routes_.end(), [&](const HubRoute& x) {
      return x.prefix == r.prefix && x.mask == r.mask && x.interface == r.interface;
    });
    if (!known) {
      log(sa, Style::NoIds, "VPN Route Added " + subnet_text(a.value) + " via " + r.interface + " in vrf " + r.vrf);
      routes_.push_back(std::move(r));
    }
    accepted.push_back(a);
  }
  log(sa, Style::SessionAndSa, "Set received config mode data");
  log(sa, Style::NoIds, "Config data to send:");
  log(sa, Style::SessionAndSa, "Config-type: Config-ack");
  // RFC 7296 3.15.1: the CFG_ACK lists what was accepted, zero-length.
  for (auto a : accepted) {
    a.value.clear();
    log(sa, Style::SessionAndSa, attribute_text(a));
  }
  if (!accepted.empty()) log(sa, Style::SessionAndSa, "Have config mode data to send");
  log(sa, Style::SessionAndSa, "Sending info exch config resp");
  return accepted;
}

// ----- SA events: interfaces, duplicates, teardown -----

void Hub::session_up(Session& s) {
  s.established = true;
  auth_passed(s);
  const Profile* p = profile_of(s);
  if (!p || !p->virtual_template || s.vi) return;
  HubInterface vi;
  vi.name = "Virtual-Access" + std::to_string(next_vi_++);
  vi.virtual_template = *p->virtual_template;
  vi.up = true;
  vi.sa = s.sa;
  interfaces_.push_back(vi);
  s.vi = interfaces_.size() - 1;
  log(s.sa, Style::Syslog, "%LINK-3-UPDOWN: Interface " + vi.name + ", changed state to up");
  log(s.sa, Style::Syslog, "%LINEPROTO-5-UPDOWN: Line protocol on Interface " + vi.name + ", changed state to up");
}

void Hub::session_down(Session& s) {
  if (!s.active) return;
  s.active = false;
  for (auto it = routes_.begin(); it != routes_.end();) {
    bool ours = s.vi && it->interface == interfaces_[*s.vi].name;
    if (!ours) {
      ++it;
      continue;
    }
    Bytes subnet = it->prefix;
    subnet.insert(subnet.end(), it->mask.begin(), it->mask.end());
    log(s.sa, Style::NoIds, "VPN Route Removed " + subnet_text(subnet) + " via " + it->interface + " in vrf " + it->vrf);
    it = routes_.erase(it);
  }
  if (s.vi && interfaces_[*s.vi].up) {
    HubInterface& vi = interfaces_[*s.vi];
    vi.up = false;
    // The trace's order: line protocol first, then the link.
    log(s.sa, Style::Syslog, "%LINEPROTO-5-UPDOWN: Line protocol on Interface " + vi.name + ", changed state to down");
    log(s.sa, Style::Syslog, "%LINK-3-UPDOWN: Interface " + vi.name + ", changed state to down");
  }
  if (s.address) {
    pools_.at(s.pool).release(s.id);
    log(s.sa, Style::SessionAndSa, "Released address " + ip_text(*s.address) + " to pool '" + s.pool + "'");
  }
}

void Hub::on_engine_event(const engine::Event& e) {
  if (e.kind == EventKind::Decision && e.detail.starts_with("INITIAL_CONTACT on IKE SA") &&
      e.detail.ends_with("deleted")) {
    // Engine::replace_for_initial_contact names the SA it is about to drop.
    if (session(e.ike_sa)) {
      log(e.ike_sa, Style::SessionAndSa, "Check for existing active SA");
      log(e.ike_sa, Style::SessionAndSa, "Deleting SA");
    }
    return;
  }
  if (e.kind == EventKind::MessageReceived || e.kind == EventKind::MessageSent) {
    Session* s = session(e.ike_sa);
    bool interesting = e.exchange == codec::ExchangeType::IKE_AUTH ||
                       (e.exchange == codec::ExchangeType::INFORMATIONAL &&
                        std::any_of(e.payloads.begin(), e.payloads.end(),
                                    [](const codec::Payload& p) { return p.type == codec::PayloadType::CP; }));
    if (!interesting || e.retransmission) return;
    if (e.kind == EventKind::MessageReceived && !e.response && e.exchange == codec::ExchangeType::IKE_AUTH && !s)
      s = &new_session(e.ike_sa);
    if (!s) return;
    if (e.kind == EventKind::MessageReceived && !e.response) {
      std::string from, to;
      if (auto info = engine_.ike_sa(e.ike_sa))
        from = ip_text(info->route.remote.address) + ":" + std::to_string(info->route.remote.port);
      to = ip_text(local_address_) + ":" + std::to_string(engine_.env().local.port);
      log(e.ike_sa, Style::SessionAndSa,
          "Received Packet [From " + from + "/To " + to + "/VRF i0:f0]\nInitiator SPI : " + spi_text(e.spi_i) +
              " - Responder SPI : " + spi_text(e.spi_r) + " Message id: " + std::to_string(e.message_id) +
              "\nIKEv2 " + codec::label(e.exchange) + " Exchange REQUEST\nPayload contents:\n" +
              payload_list(e.payloads));
    } else if (e.kind == EventKind::MessageSent && e.response) {
      log(e.ike_sa, Style::SessionAndSa, "Building packet for encryption.\nPayload contents:\n" + payload_list(e.payloads));
    }
    return;
  }
  if (e.kind != EventKind::IkeSaState) return;
  Session* s = session(e.ike_sa);
  if (!s) return;
  switch (e.ike_state) {
    case IkeSaState::Established:
      if (s->sa == e.ike_sa && !s->established) session_up(*s);
      break;
    case IkeSaState::Rekeyed:
    case IkeSaState::Deleted:
    case IkeSaState::Failed: {
      if (s->sa != e.ike_sa) break;  // an older SA of a session that moved on
      auto info = engine_.ike_sa(e.ike_sa);
      if (info && info->replaced_by != 0) {
        // RFC 7296 2.18: the new IKE SA inherits the old one's session.
        s->sa = info->replaced_by;
        by_sa_[s->sa] = s;
        if (s->vi) interfaces_[*s->vi].sa = s->sa;
        for (auto& r : routes_)
          if (r.sa == e.ike_sa) r.sa = s->sa;
        break;
      }
      if (e.ike_state == IkeSaState::Rekeyed) break;
      if (!s->established) {
        if (s->psk) log(e.ike_sa, Style::SessionAndSa, "Verification of peer's authentication data FAILED");
        s->active = false;
        break;
      }
      session_down(*s);
      break;
    }
    default: break;
  }
}

}  // namespace ikeh::flexvpn
