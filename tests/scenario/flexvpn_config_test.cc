// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/flexvpn_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/bytes.h"
#include "harness/core/clock.h"
#include "harness/engine/engine.h"
#include "harness/engine/seeded_random.h"
#include "harness/flexvpn/hub.h"
#include "tests/support/temp_dir.h"

namespace ikeh::scenario {
namespace {

using codec::IdType;
using core::Bytes;
using flexvpn::IdentityMatch;
using json = nlohmann::json;

// Values no error message may ever contain.
constexpr const char* kPsk = "Hx4-flexvpn-distinctive-psk-2291";
constexpr const char* kFilePsk = "Qw7-flexvpn-file-psk-5150";
constexpr const char* kPassword = "Gp2-flexvpn-group-password-8080";

const std::string kConfigs = std::string(IKEH_SOURCE_DIR) + "/scenarios/flexvpn/configs";

Bytes ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {a, b, c, d}; }
Bytes text(const std::string& s) { return core::to_bytes(s); }

// The trace's hub, with secrets from the environment (and one file).
json base_hub() {
  return json::parse(R"({
    "endpoint": {"local": {"id": "10.150.1.1", "auth": "psk", "psk": {"env": "IKEH_TEST_PSK"}}},
    "keyrings": {"kr-01": {"peers": {"all": {"address": "0.0.0.0 0.0.0.0",
                                             "pre_shared_key": {"env": "IKEH_TEST_PSK"}}}}},
    "profiles": {"prof-01": {"match_identity_remote": ["address 0.0.0.0"],
                             "authentication": {"local": "pre-share", "remote": "pre-share"},
                             "keyring_local": "kr-01", "aaa_authorization_group": "psk list flex flex",
                             "virtual_template": 2}},
    "policies": {"pol-01": {"match_fvrf": "any", "match_address_local": "10.150.1.1",
                            "proposals": ["aes256-sha512-prfsha512-ecp256"]}},
    "aaa": {"method_lists": {"flex": "local"}},
    "authorization_policies": {"flex": {"pool": "flex-pool", "route_set_interface": true}},
    "pools": {"flex-pool": "192.168.1.13 192.168.1.50"},
    "virtual_templates": {"2": {"ip_unnumbered": "192.168.1.1"}}
  })");
}

class FlexvpnConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("IKEH_TEST_PSK", kPsk, 1);
    ::setenv("IKEH_TEST_PASSWORD", kPassword, 1);
    ::unsetenv("IKEH_TEST_MISSING");
    dir_.file("peer.psk", std::string(kFilePsk) + "\n");
  }
  void TearDown() override {
    for (const auto& e : errors_) {
      EXPECT_EQ(e.find(kPsk), std::string::npos) << e;
      EXPECT_EQ(e.find(kFilePsk), std::string::npos) << e;
      EXPECT_EQ(e.find(kPassword), std::string::npos) << e;
    }
  }

  // The error line for a document, or "OK" when it loads.
  std::string error_of(const std::string& doc) {
    auto r = parse_hub_config(doc, "hub.json", dir_.path());
    std::string line = r ? "OK" : r.error().to_string();
    errors_.push_back(line);
    return line;
  }
  std::string error_of(const json& doc) { return error_of(doc.dump()); }

  HubConfig load(const json& doc) {
    auto r = parse_hub_config(doc.dump(), "hub.json", dir_.path());
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r ? std::move(*r) : HubConfig{};
  }

  testing_support::TempDir dir_{"ikeh-flexvpn-config"};
  std::vector<std::string> errors_;
};

// ---------------------------------------------------------------------------
// The bundled files: the router of reference/flexvpn-ikev2-trace.txt

TEST_F(FlexvpnConfigTest, BundledHubGivesTheTraceValues) {
  auto r = load_hub_config(kConfigs + "/hub.json");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto& hub = r->policy;
  const auto& ep = r->endpoint;
  const Bytes psk = load_endpoint_config(kConfigs + "/spoke.json")->engine.local_auth.psk.reveal();

  EXPECT_EQ(ep.engine.local_id.id_type, IdType::ID_IPV4_ADDR);
  EXPECT_EQ(ep.engine.local_id.data, ip4(10, 150, 1, 1));
  EXPECT_EQ(ep.network.local_address, "10.150.1.1");

  // crypto ikev2 keyring kr-01 / peer all / address 0.0.0.0 0.0.0.0
  ASSERT_EQ(hub.keyrings.size(), 1u);
  EXPECT_EQ(hub.keyrings[0].name, "kr-01");
  ASSERT_EQ(hub.keyrings[0].peers.size(), 1u);
  const auto& all = hub.keyrings[0].peers[0];
  EXPECT_EQ(all.name, "all");
  ASSERT_TRUE(all.address.has_value());
  EXPECT_EQ(all.address->kind, IdentityMatch::Kind::Address);
  EXPECT_EQ(all.address->address, ip4(0, 0, 0, 0));
  EXPECT_EQ(all.address->prefix, 0);
  EXPECT_FALSE(all.identity.has_value());
  EXPECT_EQ(all.psk.reveal(), psk);  // scenarios/keys/self-mode.psk, as the spoke has it
  EXPECT_FALSE(all.psk.empty());

  // crypto ikev2 profile prof-01
  ASSERT_EQ(hub.profiles.size(), 1u);
  const auto& prof = hub.profiles[0];
  EXPECT_EQ(prof.name, "prof-01");
  ASSERT_EQ(prof.match_identity.size(), 1u);
  EXPECT_EQ(prof.match_identity[0].kind, IdentityMatch::Kind::Address);
  EXPECT_EQ(prof.match_identity[0].address, ip4(0, 0, 0, 0));
  EXPECT_EQ(prof.match_identity[0].prefix, 0);
  EXPECT_EQ(prof.keyring, "kr-01");
  ASSERT_TRUE(prof.authorization.has_value());
  EXPECT_EQ(prof.authorization->method_list, "flex");
  EXPECT_EQ(prof.authorization->group, std::optional<std::string>("flex"));
  EXPECT_EQ(prof.virtual_template, std::optional<uint32_t>(2));
  EXPECT_TRUE(prof.config_exchange_set_accept);
  EXPECT_TRUE(prof.honour_initial_contact);

  // crypto ikev2 policy pol-01
  ASSERT_EQ(hub.policies.size(), 1u);
  EXPECT_EQ(hub.policies[0].name, "pol-01");
  EXPECT_EQ(hub.policies[0].match_fvrf, std::optional<std::string>("any"));
  EXPECT_EQ(hub.policies[0].match_address_local, std::optional<Bytes>(ip4(10, 150, 1, 1)));
  EXPECT_EQ(hub.policies[0].proposals, std::vector<std::string>{"aes256-sha512-prfsha512-ecp256"});
  // ... expanded into the suite IKE_SA_INIT is answered with.
  ASSERT_EQ(hub.policies[0].suites.size(), 1u);
  EXPECT_EQ(hub.policies[0].suites[0].dh, codec::DhGroup::ECP_256);
  EXPECT_EQ(hub.policies[0].suites[0].prf, codec::PrfId::PRF_HMAC_SHA2_512);

  // aaa authorization network flex local; crypto ikev2 authorization policy flex
  ASSERT_EQ(hub.method_lists.size(), 1u);
  EXPECT_EQ(hub.method_lists[0].name, "flex");
  EXPECT_EQ(hub.method_lists[0].method, "local");
  ASSERT_EQ(hub.groups.size(), 1u);
  EXPECT_EQ(hub.groups[0].name, "flex");
  EXPECT_EQ(hub.groups[0].pool, "flex-pool");
  EXPECT_TRUE(hub.groups[0].route_set_interface);
  EXPECT_FALSE(hub.groups[0].netmask.has_value());
  EXPECT_FALSE(hub.groups[0].password.has_value());

  // ip local pool flex-pool 192.168.1.13 192.168.1.50
  ASSERT_EQ(hub.pools.size(), 1u);
  EXPECT_EQ(hub.pools[0].name, "flex-pool");
  EXPECT_EQ(hub.pools[0].first, ip4(192, 168, 1, 13));
  EXPECT_EQ(hub.pools[0].last, ip4(192, 168, 1, 50));

  // interface Virtual-Template2 / ip unnumbered Loopback0 (192.168.1.1)
  ASSERT_EQ(hub.virtual_templates.size(), 1u);
  EXPECT_EQ(hub.virtual_templates[0].number, 2u);
  EXPECT_EQ(hub.virtual_templates[0].address, ip4(192, 168, 1, 1));
}

TEST_F(FlexvpnConfigTest, BundledSpokeIsTheTraceSpoke) {
  auto r = load_endpoint_config(kConfigs + "/spoke.json");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->engine.local_id.id_type, IdType::ID_IPV4_ADDR);
  EXPECT_EQ(r->engine.local_id.data, ip4(10, 150, 3, 1));
  ASSERT_TRUE(r->engine.cp_request.has_value());
  ASSERT_EQ(r->engine.cp_request->size(), 1u);
  EXPECT_EQ((*r->engine.cp_request)[0].type, codec::CfgAttributeType::INTERNAL_IP4_ADDRESS);
  EXPECT_EQ(r->network.local_address, "10.150.3.1");
  EXPECT_EQ(r->network.remote_address, std::optional<std::string>("10.150.1.1"));

  // The hub's policy offers what the spoke proposes.
  auto hub = load_hub_config(kConfigs + "/hub.json");
  ASSERT_TRUE(hub.ok()) << hub.error().to_string();
  EXPECT_EQ(r->engine.ike_policy.suites, hub->endpoint.engine.ike_policy.suites);
  auto pol = parse_proposal(hub->policy.policies[0].proposals[0], codec::ProtocolId::IKE);
  ASSERT_TRUE(pol.ok());
  EXPECT_EQ(r->engine.ike_policy.suites, *pol);
}

// The two bundled files bring up the trace's session: hub.json's policy is
// accepted by flexvpn::Hub, and spoke.json gets the first pool address.
TEST_F(FlexvpnConfigTest, BundledHubAndSpokeBringUpTheTraceSession) {
  auto hub_cfg = load_hub_config(kConfigs + "/hub.json");
  auto spoke_cfg = load_endpoint_config(kConfigs + "/spoke.json");
  ASSERT_TRUE(hub_cfg.ok()) << hub_cfg.error().to_string();
  ASSERT_TRUE(spoke_cfg.ok()) << spoke_cfg.error().to_string();

  const engine::Endpoint hub_addr{ip4(10, 150, 1, 1), 500};
  const engine::Endpoint spoke_addr{ip4(10, 150, 3, 1), 500};
  core::VirtualClock clock;
  std::deque<std::pair<bool, Bytes>> in_flight;  // (to the hub, datagram)
  auto make = [&](engine::EngineConfig c, const engine::Endpoint& local, bool is_spoke) {
    engine::EngineEnv env;
    env.clock = &clock;
    env.random = engine::seeded_random(is_spoke ? 11 : 12);
    env.local = local;
    env.name = is_spoke ? "spoke" : "hub";
    env.send = [&in_flight, is_spoke](const engine::Route&, core::BytesView m) {
      in_flight.emplace_back(is_spoke, Bytes(m.begin(), m.end()));
    };
    return engine::Engine::create(std::move(c), std::move(env));
  };
  auto hub_engine = make(flexvpn::hub_engine_config(hub_cfg->endpoint.engine), hub_addr, false);
  auto spoke_engine = make(spoke_cfg->engine, spoke_addr, true);
  ASSERT_TRUE(hub_engine.ok()) << hub_engine.error().to_string();
  ASSERT_TRUE(spoke_engine.ok()) << spoke_engine.error().to_string();
  auto hub = flexvpn::Hub::attach(**hub_engine, hub_cfg->policy);
  ASSERT_TRUE(hub.ok()) << hub.error().to_string();

  auto sa = (*spoke_engine)->initiate(hub_addr);
  ASSERT_TRUE(sa.ok()) << sa.error().to_string();
  for (int n = 0; !in_flight.empty() && n < 100; ++n) {
    auto [to_hub, bytes] = std::move(in_flight.front());
    in_flight.pop_front();
    if (to_hub)
      (*hub_engine)->receive(bytes, engine::Route{spoke_addr, false});
    else
      (*spoke_engine)->receive(bytes, engine::Route{hub_addr, false});
  }
  ASSERT_TRUE((*spoke_engine)->ike_sa(*sa).has_value());
  EXPECT_EQ((*spoke_engine)->ike_sa(*sa)->state, engine::IkeSaState::Established);
  const auto sessions = (*hub)->sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].profile, "prof-01");
  EXPECT_EQ(sessions[0].keyring_peer, "all");
  EXPECT_EQ(sessions[0].group, "flex");
  EXPECT_EQ(sessions[0].address, std::optional<Bytes>(ip4(192, 168, 1, 13)));
}

// ---------------------------------------------------------------------------
// What the format accepts

TEST_F(FlexvpnConfigTest, ReadsEveryOptionalKey) {
  json doc = base_hub();
  doc["description"] = "a hub";
  doc["keyrings"]["kr-01"]["description"] = "keys";
  doc["keyrings"]["kr-01"]["peers"]["spoke1"] = {{"identity", "fqdn spoke1.example"},
                                                 {"address", "10.150.3.0/24"},
                                                 {"pre_shared_key", {{"file", "peer.psk"}}}};
  doc["profiles"]["prof-01"]["match_identity_remote"].push_back("email domain example.com");
  doc["profiles"]["prof-01"]["aaa_authorization_group"] = "psk list flex";
  doc["profiles"]["prof-01"]["config_exchange"] = {{"set_accept", false}};
  doc["profiles"]["prof-01"]["honour_initial_contact"] = false;
  doc["policies"]["pol-01"]["match_address_local"] = "2001:db8::1";
  doc["authorization_policies"]["flex"]["netmask"] = "255.255.255.0";
  doc["authorization_policies"]["flex"]["dns"] = {"10.0.0.53", "10.0.1.53"};
  doc["authorization_policies"]["flex"]["route_set_access_list"] = {"10.20.0.0/16", "10.30.0.0 255.255.255.0"};
  doc["authorization_policies"]["flex"]["password"] = {{"env", "IKEH_TEST_PASSWORD"}};
  doc["pools"]["one"] = "10.9.9.9";
  doc["virtual_templates"]["10"] = {{"ip_unnumbered", "10.0.0.1"}};
  const HubConfig c = load(doc);
  const auto& hub = c.policy;

  ASSERT_EQ(hub.keyrings[0].peers.size(), 2u);
  const auto& spoke1 = hub.keyrings[0].peers[1];  // name order: "all", "spoke1"
  EXPECT_EQ(spoke1.name, "spoke1");
  ASSERT_TRUE(spoke1.identity.has_value());
  EXPECT_EQ(spoke1.identity->kind, IdentityMatch::Kind::Fqdn);
  EXPECT_EQ(spoke1.identity->text, "spoke1.example");
  ASSERT_TRUE(spoke1.address.has_value());
  EXPECT_EQ(spoke1.address->address, ip4(10, 150, 3, 0));
  EXPECT_EQ(spoke1.address->prefix, 24);
  EXPECT_EQ(spoke1.psk.reveal(), text(kFilePsk));  // relative to base_dir, line break removed
  EXPECT_EQ(hub.keyrings[0].peers[0].psk.reveal(), text(kPsk));

  const auto& prof = hub.profiles[0];
  ASSERT_EQ(prof.match_identity.size(), 2u);
  EXPECT_EQ(prof.match_identity[1].kind, IdentityMatch::Kind::EmailDomain);
  EXPECT_EQ(prof.match_identity[1].text, "example.com");
  EXPECT_EQ(prof.authorization->method_list, "flex");
  EXPECT_FALSE(prof.authorization->group.has_value());  // named by the spoke's username
  EXPECT_FALSE(prof.config_exchange_set_accept);
  EXPECT_FALSE(prof.honour_initial_contact);
  EXPECT_EQ(hub.policies[0].match_address_local->size(), 16u);

  const auto& g = hub.groups[0];
  EXPECT_EQ(g.netmask, std::optional<Bytes>(ip4(255, 255, 255, 0)));
  EXPECT_EQ(g.dns, (std::vector<Bytes>{ip4(10, 0, 0, 53), ip4(10, 0, 1, 53)}));
  ASSERT_EQ(g.route_set_access_list.size(), 2u);
  EXPECT_EQ(g.route_set_access_list[0].start_address, ip4(10, 20, 0, 0));
  EXPECT_EQ(g.route_set_access_list[0].end_address, ip4(10, 20, 255, 255));
  EXPECT_EQ(g.route_set_access_list[1].start_address, ip4(10, 30, 0, 0));
  EXPECT_EQ(g.route_set_access_list[1].end_address, ip4(10, 30, 0, 255));
  ASSERT_TRUE(g.password.has_value());
  EXPECT_EQ(g.password->reveal(), text(kPassword));

  ASSERT_EQ(hub.pools.size(), 2u);
  EXPECT_EQ(hub.pools[1].name, "one");
  EXPECT_EQ(hub.pools[1].first, hub.pools[1].last);
  ASSERT_EQ(hub.virtual_templates.size(), 2u);
  EXPECT_EQ(hub.virtual_templates[0].number, 2u);  // numeric order
  EXPECT_EQ(hub.virtual_templates[1].number, 10u);
}

TEST_F(FlexvpnConfigTest, PoliciesAndMethodListsMayBeAbsent) {
  json doc = base_hub();
  doc.erase("policies");
  doc.erase("aaa");
  doc.erase("authorization_policies");
  doc.erase("virtual_templates");
  doc["profiles"]["prof-01"].erase("aaa_authorization_group");
  doc["profiles"]["prof-01"].erase("virtual_template");
  const HubConfig c = load(doc);
  EXPECT_TRUE(c.policy.policies.empty());
  EXPECT_FALSE(c.policy.profiles[0].authorization.has_value());
  EXPECT_FALSE(c.policy.profiles[0].virtual_template.has_value());
}

TEST_F(FlexvpnConfigTest, IdentityMatchesInIosWording) {
  struct Case {
    const char* text;
    IdentityMatch::Kind kind;
    Bytes address;
    uint8_t prefix;
    std::string match_text;
  };
  using K = IdentityMatch::Kind;
  const Case cases[] = {
      {"address 0.0.0.0", K::Address, ip4(0, 0, 0, 0), 0, ""},
      {"address 10.150.3.1", K::Address, ip4(10, 150, 3, 1), 32, ""},
      {"address 10.150.3.77 255.255.255.0", K::Address, ip4(10, 150, 3, 0), 24, ""},
      {"address 10.0.0.0/8", K::Address, ip4(10, 0, 0, 0), 8, ""},
      {"address ::", K::Address, Bytes(16, 0), 0, ""},
      {"  ADDRESS   10.1.2.3  ", K::Address, ip4(10, 1, 2, 3), 32, ""},
      {"fqdn spoke1.example", K::Fqdn, {}, 0, "spoke1.example"},
      {"fqdn domain example", K::FqdnDomain, {}, 0, "example"},
      {"email user@example", K::Email, {}, 0, "user@example"},
      {"email domain example", K::EmailDomain, {}, 0, "example"},
      {"key-id spoke1", K::KeyId, {}, 0, "spoke1"},
  };
  for (const auto& c : cases) {
    auto m = parse_identity_match(c.text);
    ASSERT_TRUE(m.ok()) << c.text << ": " << m.error().to_string();
    EXPECT_EQ(m->kind, c.kind) << c.text;
    EXPECT_EQ(m->address, c.address) << c.text;
    EXPECT_EQ(m->prefix, c.prefix) << c.text;
    EXPECT_EQ(m->text, c.match_text) << c.text;
  }
  auto v6 = parse_identity_match("address 2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->prefix, 32);
  EXPECT_EQ(v6->address.size(), 16u);

  const std::pair<const char*, const char*> bad[] = {
      {"", "identity match: \"\": empty; write \"address A [M]\", \"fqdn [domain] NAME\", \"email [domain] NAME\" or "
           "\"key-id ID\""},
      {"fdqn spoke", "identity match: \"fdqn spoke\": unknown identity type \"fdqn\" (did you mean \"fqdn\"?); one of "
                     "\"address\", \"fqdn\", \"email\", \"key-id\""},
      {"address 10.0.0.300", "identity match: \"address 10.0.0.300\": \"10.0.0.300\" is not an IPv4 or IPv6 address"},
      {"address 10.0.0.0 255.0.255.0",
       "identity match: \"address 10.0.0.0 255.0.255.0\": mask \"255.0.255.0\" is not contiguous (ones, then zeros)"},
      {"address 10.0.0.0/33", "identity match: \"address 10.0.0.0/33\": prefix length \"33\" is not a number in 0..32"},
      {"address 2001:db8:: ffff::", "identity match: \"address 2001:db8:: ffff::\": an IPv6 prefix is written \"A/N\", "
                                    "not with a mask"},
      {"email spoke1", "identity match: \"email spoke1\": \"spoke1\" has no \"@\"; write \"email domain spoke1\" to "
                       "match every user there"},
      {"fqdn", "identity match: \"fqdn\": write \"fqdn NAME\" or \"fqdn domain NAME\""},
      {"key-id a b", "identity match: \"key-id a b\": write \"key-id ID\" (one word)"},
  };
  for (const auto& [t, expected] : bad) {
    auto m = parse_identity_match(t);
    ASSERT_FALSE(m.ok()) << t;
    EXPECT_EQ(m.error().to_string(), expected);
  }
}

// ---------------------------------------------------------------------------
// Errors: one line each, exactly

struct ErrorCase {
  const char* name;
  std::function<void(json&)> edit;
  std::string expected;
};

TEST_F(FlexvpnConfigTest, EveryErrorIsOneExactLine) {
  const std::vector<ErrorCase> cases = {
      // Cross-references
      {"unknown keyring", [](json& d) { d["profiles"]["prof-01"]["keyring_local"] = "kr-1"; },
       "hub.json: /profiles/prof-01/keyring_local: unknown keyring \"kr-1\" (did you mean \"kr-01\"?)"},
      {"unknown method list",
       [](json& d) { d["profiles"]["prof-01"]["aaa_authorization_group"] = "psk list flx flex"; },
       "hub.json: /profiles/prof-01/aaa_authorization_group: unknown method list \"flx\" (did you mean \"flex\"?)"},
      {"unknown group", [](json& d) { d["profiles"]["prof-01"]["aaa_authorization_group"] = "psk list flex flx"; },
       "hub.json: /profiles/prof-01/aaa_authorization_group: unknown authorization policy \"flx\" (did you mean "
       "\"flex\"?)"},
      {"unknown template", [](json& d) { d["profiles"]["prof-01"]["virtual_template"] = 3; },
       "hub.json: /profiles/prof-01/virtual_template: unknown virtual template \"3\" (did you mean \"2\"?)"},
      {"unknown pool", [](json& d) { d["authorization_policies"]["flex"]["pool"] = "flex-pol"; },
       "hub.json: /authorization_policies/flex/pool: unknown pool \"flex-pol\" (did you mean \"flex-pool\"?)"},
      {"unknown name far off", [](json& d) { d["profiles"]["prof-01"]["keyring_local"] = "spokes"; },
       "hub.json: /profiles/prof-01/keyring_local: unknown keyring \"spokes\""},
      // Not modelled
      {"radius method list", [](json& d) { d["aaa"]["method_lists"]["flex"] = "group radius"; },
       "hub.json: /aaa/method_lists/flex: method \"group radius\" is not modelled: only \"local\" (the router's own "
       "authorization policies) is; RADIUS and TACACS+ servers are not"},
      {"rsa-sig", [](json& d) { d["profiles"]["prof-01"]["authentication"]["remote"] = "rsa-sig"; },
       "hub.json: /profiles/prof-01/authentication/remote: \"rsa-sig\" is not modelled: the hub authenticates with "
       "pre-shared keys from the keyring (\"pre-share\")"},
      {"misspelt method", [](json& d) { d["profiles"]["prof-01"]["authentication"]["local"] = "pre-shared"; },
       "hub.json: /profiles/prof-01/authentication/local: unknown method \"pre-shared\" (did you mean \"pre-share\"?); "
       "\"pre-share\" is the one modelled"},
      {"cert authorization", [](json& d) { d["profiles"]["prof-01"]["aaa_authorization_group"] = "cert list flex"; },
       "hub.json: /profiles/prof-01/aaa_authorization_group: \"cert\" authorization is not modelled: the hub "
       "authenticates peers with pre-shared keys; write \"psk list LIST [NAME]\""},
      {"malformed authorization", [](json& d) { d["profiles"]["prof-01"]["aaa_authorization_group"] = "psk flex"; },
       "hub.json: /profiles/prof-01/aaa_authorization_group: \"psk flex\" is not \"psk list LIST [NAME]\" (aaa "
       "authorization group psk list LIST [NAME])"},
      // Pools
      {"pool first above last", [](json& d) { d["pools"]["flex-pool"] = "192.168.1.50 192.168.1.13"; },
       "hub.json: /pools/flex-pool: first address 192.168.1.50 is above the last 192.168.1.13"},
      {"pool not IPv4", [](json& d) { d["pools"]["flex-pool"] = "2001:db8::1 2001:db8::9"; },
       "hub.json: /pools/flex-pool: \"2001:db8::1\" is not an IPv4 address (a FlexVPN pool hands out "
       "INTERNAL_IP4_ADDRESS; IPv6 pools are not modelled)"},
      {"pool as a range", [](json& d) { d["pools"]["flex-pool"] = "192.168.1.13-192.168.1.50"; },
       "hub.json: /pools/flex-pool: \"192.168.1.13-192.168.1.50\": write the first and the last address separated by "
       "a space, as ip local pool does (\"192.168.1.13 192.168.1.50\")"},
      {"pool with three words", [](json& d) { d["pools"]["flex-pool"] = "1.1.1.1 1.1.1.2 1.1.1.3"; },
       "hub.json: /pools/flex-pool: \"1.1.1.1 1.1.1.2 1.1.1.3\" is not \"FIRST LAST\" or \"FIRST\" (ip local pool)"},
      // Unknown keys, names, values
      {"unknown top-level key", [](json& d) { d["keyring"] = json::object(); },
       "hub.json: /keyring: unknown key (did you mean \"keyrings\"?)"},
      {"unknown profile key", [](json& d) { d["profiles"]["prof-01"]["keyring_locl"] = "kr-01"; },
       "hub.json: /profiles/prof-01/keyring_locl: unknown key (did you mean \"keyring_local\"?)"},
      {"unknown peer key", [](json& d) { d["keyrings"]["kr-01"]["peers"]["all"]["pre-shared-key"] = "x"; },
       "hub.json: /keyrings/kr-01/peers/all/pre-shared-key: unknown key (did you mean \"pre_shared_key\"?)"},
      {"name with a space", [](json& d) { d["pools"]["flex pool"] = "10.0.0.1"; },
       "hub.json: /pools/flex pool: a name is one word without spaces, as IOS reads it"},
      {"template by name", [](json& d) { d["virtual_templates"]["Virtual-Template2"] = d["virtual_templates"]["2"]; },
       "hub.json: /virtual_templates/Virtual-Template2: a template is named by its number 1..4095, e.g. \"2\" for "
       "interface Virtual-Template2"},
      {"template without address", [](json& d) { d["virtual_templates"]["2"] = json::object(); },
       "hub.json: /virtual_templates/2/ip_unnumbered: missing: the address of the interface the template borrows "
       "(Loopback0's)"},
      {"template IPv6", [](json& d) { d["virtual_templates"]["2"]["ip_unnumbered"] = "2001:db8::1"; },
       "hub.json: /virtual_templates/2/ip_unnumbered: \"2001:db8::1\" is not an IPv4 address (route set interface "
       "pushes it as INTERNAL_IP4_SUBNET)"},
      {"template number out of range", [](json& d) { d["profiles"]["prof-01"]["virtual_template"] = 0; },
       "hub.json: /profiles/prof-01/virtual_template: 0 is outside 1..4095"},
      {"identity typo", [](json& d) { d["profiles"]["prof-01"]["match_identity_remote"][0] = "adress 0.0.0.0"; },
       "hub.json: /profiles/prof-01/match_identity_remote/0: \"adress 0.0.0.0\": unknown identity type \"adress\" "
       "(did you mean \"address\"?); one of \"address\", \"fqdn\", \"email\", \"key-id\""},
      {"no match identity", [](json& d) { d["profiles"]["prof-01"]["match_identity_remote"] = json::array(); },
       "hub.json: /profiles/prof-01/match_identity_remote: empty: a profile without a match is never chosen"},
      {"non-contiguous keyring mask",
       [](json& d) { d["keyrings"]["kr-01"]["peers"]["all"]["address"] = "10.0.0.0 255.0.255.0"; },
       "hub.json: /keyrings/kr-01/peers/all/address: \"10.0.0.0 255.0.255.0\": mask \"255.0.255.0\" is not contiguous "
       "(ones, then zeros)"},
      {"peer matching nothing", [](json& d) { d["keyrings"]["kr-01"]["peers"]["all"].erase("address"); },
       "hub.json: /keyrings/kr-01/peers/all: give \"address\" or \"identity\": a peer block without them matches no "
       "peer"},
      {"proposal typo", [](json& d) { d["policies"]["pol-01"]["proposals"][0] = "aes256-sha512-prfsha512-ecp265"; },
       "hub.json: /policies/pol-01/proposals/0: unknown algorithm \"ecp265\" in \"aes256-sha512-prfsha512-ecp265\" "
       "(did you mean \"ecp256\"?)"},
      {"policy without proposals", [](json& d) { d["policies"]["pol-01"].erase("proposals"); },
       "hub.json: /policies/pol-01/proposals: missing: the IKE proposals this policy offers (strongSwan proposal "
       "strings)"},
      {"policy local address", [](json& d) { d["policies"]["pol-01"]["match_address_local"] = "hub"; },
       "hub.json: /policies/pol-01/match_address_local: \"hub\" is not an IPv4 or IPv6 address"},
      {"route not a prefix",
       [](json& d) { d["authorization_policies"]["flex"]["route_set_access_list"] = {"10.0.0.0/40"}; },
       "hub.json: /authorization_policies/flex/route_set_access_list/0: \"10.0.0.0/40\": prefix length \"40\" is not a "
       "number in 0..32"},
      {"group without pool", [](json& d) { d["authorization_policies"]["flex"].erase("pool"); },
       "hub.json: /authorization_policies/flex/pool: missing: the pool the group's addresses come from (pool NAME)"},
      {"too many dns", [](json& d) { d["authorization_policies"]["flex"]["dns"] = {"1.1.1.1", "1.1.1.2", "1.1.1.3"}; },
       "hub.json: /authorization_policies/flex/dns: at most two servers (dns PRIMARY [SECONDARY])"},
      {"no profiles", [](json& d) { d.erase("profiles"); },
       "hub.json: /profiles: missing: a hub chooses an IKEv2 profile for every peer"},
      {"no endpoint", [](json& d) { d.erase("endpoint"); },
       "hub.json: /endpoint: missing: the hub's own endpoint settings (identity, PSK, child proposals, network; "
       "docs/config.md)"},
      {"endpoint error", [](json& d) { d["endpoint"]["ike"] = {{"proposal", json::array()}}; },
       "hub.json: /endpoint/ike/proposal: unknown key (did you mean \"proposals\"?)"},
      {"wrong type", [](json& d) { d["profiles"]["prof-01"]["virtual_template"] = "2"; },
       "hub.json: /profiles/prof-01/virtual_template: expected an integer in 1..4095, got a string"},
      // Secrets
      {"psk inline", [](json& d) { d["keyrings"]["kr-01"]["peers"]["all"]["pre_shared_key"] = kPsk; },
       "hub.json: /keyrings/kr-01/peers/all/pre_shared_key: expected an object, got a string: a PSK is never written "
       "into the configuration; use {\"env\": \"VARIABLE\"} or {\"file\": \"path\"}"},
      {"psk value", [](json& d) { d["keyrings"]["kr-01"]["peers"]["all"]["pre_shared_key"] = {{"value", kPsk}}; },
       "hub.json: /keyrings/kr-01/peers/all/pre_shared_key/value: a PSK is never written into the configuration, where "
       "it would end up in copies, logs and version control; use {\"env\": \"VARIABLE\"} or {\"file\": \"path\"}"},
      {"psk env unset",
       [](json& d) { d["keyrings"]["kr-01"]["peers"]["all"]["pre_shared_key"] = {{"env", "IKEH_TEST_MISSING"}}; },
       "hub.json: /keyrings/kr-01/peers/all/pre_shared_key/env: environment variable IKEH_TEST_MISSING is not set"},
      {"psk env and file",
       [](json& d) {
         d["keyrings"]["kr-01"]["peers"]["all"]["pre_shared_key"] = {{"env", "IKEH_TEST_PSK"}, {"file", "peer.psk"}};
       },
       "hub.json: /keyrings/kr-01/peers/all/pre_shared_key: give exactly one of \"env\" and \"file\""},
      {"psk missing", [](json& d) { d["keyrings"]["kr-01"]["peers"]["all"].erase("pre_shared_key"); },
       "hub.json: /keyrings/kr-01/peers/all/pre_shared_key: missing: {\"env\": ...} or {\"file\": ...}"},
      {"group password inline", [](json& d) { d["authorization_policies"]["flex"]["password"] = kPassword; },
       "hub.json: /authorization_policies/flex/password: expected an object, got a string: a group password is never "
       "written into the configuration; use {\"env\": \"VARIABLE\"} or {\"file\": \"path\"}"},
  };
  for (const auto& c : cases) {
    json doc = base_hub();
    c.edit(doc);
    EXPECT_EQ(error_of(doc), c.expected) << c.name;
  }
}

TEST_F(FlexvpnConfigTest, FileErrorsNameTheFileNotTheSecret) {
  json doc = base_hub();
  doc["keyrings"]["kr-01"]["peers"]["all"]["pre_shared_key"] = {{"file", "absent.psk"}};
  EXPECT_EQ(error_of(doc), "hub.json: /keyrings/kr-01/peers/all/pre_shared_key/file: cannot read \"" + dir_.path() +
                               "/absent.psk\": No such file or directory");
  dir_.file("empty.psk", "\n");
  doc["keyrings"]["kr-01"]["peers"]["all"]["pre_shared_key"] = {{"file", "empty.psk"}};
  EXPECT_EQ(error_of(doc), "hub.json: /keyrings/kr-01/peers/all/pre_shared_key/file: file \"" + dir_.path() +
                               "/empty.psk\" holds an empty PSK");
  dir_.file("bad.psk", std::string("0x") + kFilePsk);
  doc["keyrings"]["kr-01"]["peers"]["all"]["pre_shared_key"] = {{"file", "bad.psk"}};
  const std::string e = error_of(doc);
  EXPECT_NE(e.find("starts with \"0x\" but the rest is not hex digits"), std::string::npos) << e;
}

// A problem after the keys have been read still shows no key.
TEST_F(FlexvpnConfigTest, LaterErrorsShowNoSecret) {
  json doc = base_hub();
  doc["authorization_policies"]["flex"]["password"] = {{"env", "IKEH_TEST_PASSWORD"}};
  doc["keyrings"]["kr-01"]["peers"]["all"]["pre_shared_key"] = {{"file", "peer.psk"}};
  doc["profiles"]["prof-01"]["keyring_local"] = "kr-1";
  EXPECT_EQ(error_of(doc),
            "hub.json: /profiles/prof-01/keyring_local: unknown keyring \"kr-1\" (did you mean \"kr-01\"?)");
}

TEST_F(FlexvpnConfigTest, DuplicateKeysAndSyntaxErrors) {
  EXPECT_EQ(error_of(std::string(R"({"pools": {"p": "10.0.0.1", "p": "10.0.0.2"}})")),
            "hub.json: /pools/p: duplicate key (each key may appear once in an object)");
  EXPECT_EQ(error_of(std::string("{\"pools\": ")).rfind("hub.json: line 1, column ", 0), 0u);
}

TEST_F(FlexvpnConfigTest, EmbeddedHubErrorsCarryItsPointer) {
  json scenario = {{"hub", base_hub()}};
  scenario["hub"]["profiles"]["prof-01"]["keyring_local"] = "kr-1";
  auto r = parse_hub_config_at(scenario["hub"], "scenarios/flexvpn/x.json", "/hub", dir_.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(),
            "scenarios/flexvpn/x.json: /hub/profiles/prof-01/keyring_local: unknown keyring \"kr-1\" (did you mean "
            "\"kr-01\"?)");
  scenario["hub"]["endpoint"]["local"].erase("id");
  r = parse_hub_config_at(scenario["hub"], "scenarios/flexvpn/x.json", "/hub", dir_.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string().rfind("scenarios/flexvpn/x.json: /hub/endpoint/local/id: missing", 0), 0u)
      << r.error().to_string();

  scenario["hub"] = base_hub();
  auto ok = parse_hub_config_at(scenario["hub"], "scenarios/flexvpn/x.json", "/hub", dir_.path());
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->policy.profiles[0].name, "prof-01");
}

TEST_F(FlexvpnConfigTest, UnreadableFile) {
  auto r = load_hub_config(dir_.path() + "/nope.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), dir_.path() + "/nope.json: cannot read: No such file or directory");
}

}  // namespace
}  // namespace ikeh::scenario
