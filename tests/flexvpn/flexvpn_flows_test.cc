// SPDX-License-Identifier: Apache-2.0
// The FlexVPN hub (flexvpn/hub.h) and spoke (flexvpn/spoke.h) on two engines
// in one process, with the values of ../shared/reference/flexvpn-ikev2-trace.txt:
// hub 10.150.1.1, spoke 10.150.3.1, profile prof-01, keyring kr-01 peer all,
// policy pol-01, method list and group flex, pool from 192.168.1.13,
// Virtual-Template2 unnumbered to 192.168.1.1.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "harness/codec/cp_payload.h"
#include "harness/codec/notify_payload.h"
#include "harness/core/clock.h"
#include "harness/engine/engine.h"
#include "harness/engine/seeded_random.h"
#include "harness/flexvpn/hub.h"
#include "harness/flexvpn/spoke.h"
#include "tests/engine/ike_auth_fixture.h"

namespace ikeh::flexvpn {
namespace {

using codec::CfgAttribute;
using codec::CfgAttributeType;
using codec::NotifyType;
using codec::PayloadType;
using core::Bytes;
using engine::Endpoint;
using engine::EngineConfig;
using engine::Event;
using engine::EventKind;
using engine::IkeSaState;
using engine::Route;
using engine::test::esp_gcm;
using engine::test::esp_policy;
using engine::test::ike_gcm;
using engine::test::kAny4;
using engine::test::make_id;
using engine::test::secret;

const Endpoint kSpokeAddr{{10, 150, 3, 1}, 500};
const Endpoint kHubAddr{{10, 150, 1, 1}, 500};
const std::string kPsk = "cisco123";  // 8 octets: the trace's "key len 8"
const std::string kGroupPassword = "grp-pass-7f";

IdentityMatch any_address() {
  IdentityMatch m;
  m.kind = IdentityMatch::Kind::Address;
  m.address = {0, 0, 0, 0};
  m.prefix = 0;
  return m;
}

// The hub of the trace.
HubPolicy trace_policy() {
  HubPolicy p;
  Keyring kr;
  kr.name = "kr-01";
  KeyringPeer all;
  all.name = "all";
  all.address = any_address();
  all.psk = secret(kPsk);
  kr.peers.push_back(all);
  p.keyrings.push_back(kr);
  Profile prof;
  prof.name = "prof-01";
  prof.match_identity = {any_address()};
  prof.keyring = "kr-01";
  prof.authorization = AuthorizationRef{"flex", std::nullopt};  // the group is the spoke's username
  prof.virtual_template = 2;
  p.profiles.push_back(prof);
  Policy pol;
  pol.name = "pol-01";
  pol.match_fvrf = "any";
  pol.match_address_local = Bytes{10, 150, 1, 1};
  p.policies.push_back(pol);
  p.method_lists.push_back(MethodList{"flex", "local"});
  AuthorizationGroup g;
  g.name = "flex";
  g.pool = "flex-pool";
  g.route_set_interface = true;
  p.groups.push_back(g);
  p.pools.push_back(Pool{"flex-pool", {192, 168, 1, 13}, {192, 168, 1, 50}});
  p.virtual_templates.push_back(VirtualTemplate{2, {192, 168, 1, 1}});
  return p;
}

EngineConfig common_config(Bytes own_address) {
  EngineConfig c;
  c.ike_policy.suites = {ike_gcm()};
  c.local_id = make_id(codec::IdType::ID_IPV4_ADDR, std::move(own_address));
  c.child_policy = esp_policy({esp_gcm()});
  c.local_ts = {engine::prefix_selector(kAny4, 0)};
  c.remote_ts = {engine::prefix_selector(kAny4, 0)};
  return c;
}

SpokeOptions trace_spoke_options() {
  SpokeOptions o;
  o.group = "flex";
  return o;
}

EngineConfig spoke_config(const std::string& psk = kPsk, const SpokeOptions& o = trace_spoke_options()) {
  EngineConfig c = common_config({10, 150, 3, 1});
  c.local_auth.psk = secret(psk);
  return spoke_engine_config(std::move(c), o);
}

EngineConfig hub_config() { return hub_engine_config(common_config({10, 150, 1, 1})); }

// A spoke engine and a hub engine joined by a queue of datagrams, on one
// virtual clock, with a Hub and a Spoke attached.
struct FlexPair {
  struct Datagram {
    bool to_hub = true;
    Bytes bytes;
  };
  core::VirtualClock clock;
  std::unique_ptr<engine::Engine> spoke_engine;
  std::unique_ptr<engine::Engine> hub_engine;
  std::unique_ptr<Hub> hub;
  std::unique_ptr<Spoke> spoke;
  std::deque<Datagram> in_flight;
  std::vector<Event> spoke_events;
  std::vector<Event> hub_events;

  explicit FlexPair(EngineConfig spoke_cfg = spoke_config(), HubPolicy policy = trace_policy(),
                    Hub::Options hub_options = trace_hub_options(), Spoke::Options spoke_options = {},
                    EngineConfig hub_cfg = hub_config()) {
    spoke_engine = make(std::move(spoke_cfg), kSpokeAddr, true, 11);
    hub_engine = make(std::move(hub_cfg), kHubAddr, false, 12);
    auto h = Hub::attach(*hub_engine, std::move(policy), std::move(hub_options));
    EXPECT_TRUE(h.ok()) << (h.ok() ? "" : h.error().to_string());
    if (h) hub = std::move(h).value();
    spoke = Spoke::attach(*spoke_engine, spoke_options);
  }

  static Hub::Options trace_hub_options() {
    Hub::Options o;
    o.first_session_id = 23;  // the trace's session
    return o;
  }

  std::unique_ptr<engine::Engine> make(EngineConfig c, const Endpoint& local, bool is_spoke, uint64_t seed) {
    engine::EngineEnv env;
    env.clock = &clock;
    env.random = engine::seeded_random(seed);
    env.local = local;
    env.name = is_spoke ? "spoke" : "hub";
    env.send = [this, is_spoke](const Route&, core::BytesView m) {
      in_flight.push_back(Datagram{is_spoke, Bytes(m.begin(), m.end())});
    };
    auto e = engine::Engine::create(std::move(c), std::move(env));
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().to_string());
    if (!e) return nullptr;
    auto out = std::move(e).value();
    auto* log = is_spoke ? &spoke_events : &hub_events;
    out->add_observer([log](const Event& ev) { log->push_back(ev); });
    return out;
  }

  void deliver_all() {
    for (int n = 0; !in_flight.empty() && n < 1000; ++n) {
      Datagram d = std::move(in_flight.front());
      in_flight.pop_front();
      if (d.to_hub)
        hub_engine->receive(d.bytes, Route{kSpokeAddr, false});
      else
        spoke_engine->receive(d.bytes, Route{kHubAddr, false});
    }
  }

  // IKE_SA_INIT and IKE_AUTH from the spoke; returns the spoke's serial.
  uint64_t connect() {
    auto sa = spoke_engine->initiate(kHubAddr);
    EXPECT_TRUE(sa.ok());
    deliver_all();
    return sa ? *sa : 0;
  }

  // Fires what is due now (the spoke's CFG_SET timer) and delivers it.
  void run_timers_now() {
    clock.run_until(clock.now());
    deliver_all();
  }

  std::vector<std::string> hub_lines() const { return hub->lines(); }
};

// Whether `wanted` appear in `lines` in this order (other lines between).
::testing::AssertionResult in_order(const std::vector<std::string>& lines, const std::vector<std::string>& wanted) {
  std::size_t at = 0;
  for (const auto& w : wanted) {
    auto it = std::find(lines.begin() + static_cast<std::ptrdiff_t>(at), lines.end(), w);
    if (it == lines.end()) {
      std::string all;
      for (const auto& l : lines) all += "  " + l + "\n";
      return ::testing::AssertionFailure() << "missing (in order): \"" << w << "\"\nlines:\n" << all;
    }
    at = static_cast<std::size_t>(it - lines.begin()) + 1;
  }
  return ::testing::AssertionSuccess();
}

bool contains_line(const std::vector<std::string>& lines, const std::string& fragment) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(fragment) != std::string::npos; });
}

std::vector<std::string> payload_names(const std::vector<codec::Payload>& chain) {
  std::vector<std::string> out;
  for (const auto& p : chain) {
    if (const auto* n = p.as<codec::NotifyPayload>(); n && p.type == PayloadType::N)
      out.push_back("N(" + codec::label(n->type) + ")");
    else
      out.push_back(codec::label(p.type));
  }
  return out;
}

const Event* first_message(const std::vector<Event>& events, EventKind kind, codec::ExchangeType x, bool response) {
  for (const auto& e : events)
    if (e.kind == kind && e.exchange == x && e.response == response && !e.retransmission) return &e;
  return nullptr;
}

const Event* last_message(const std::vector<Event>& events, EventKind kind, codec::ExchangeType x, bool response) {
  const Event* found = nullptr;
  for (const auto& e : events)
    if (e.kind == kind && e.exchange == x && e.response == response && !e.retransmission) found = &e;
  return found;
}

std::vector<NotifyType> notifies_in(const Event* e) {
  std::vector<NotifyType> out;
  if (!e) return out;
  for (const auto& p : e->payloads)
    if (const auto* n = p.as<codec::NotifyPayload>(); n && p.type == PayloadType::N) out.push_back(n->type);
  return out;
}

// Every line anything wrote: the hub's, the spoke's and both engines'.
std::vector<std::string> every_line(const FlexPair& p) {
  std::vector<std::string> out = p.hub->lines();
  for (const auto& e : p.spoke->events()) out.push_back(e.text);
  for (const auto& e : p.spoke_events) out.push_back(engine::format_event(e));
  for (const auto& e : p.hub_events) out.push_back(engine::format_event(e));
  return out;
}

// ----- Flow 1: IKE_AUTH with CFG_REQUEST / CFG_REPLY -----

TEST(FlexVpnFlow1, IkeAuthPayloadsAsTheTrace) {
  FlexPair p;
  uint64_t sa = p.connect();
  ASSERT_EQ(p.spoke_engine->ike_sa(sa)->state, IkeSaState::Established);
  const Event* req = first_message(p.spoke_events, EventKind::MessageSent, codec::ExchangeType::IKE_AUTH, false);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(payload_names(req->payloads),
            (std::vector<std::string>{"V", "IDi", "AUTH", "CP", "SA", "TSi", "TSr", "N(INITIAL_CONTACT)",
                                      "N(SET_WINDOW_SIZE)", "N(ESP_TFC_PADDING_NOT_SUPPORTED)",
                                      "N(NON_FIRST_FRAGMENTS_ALSO)"}));
  const Event* resp = first_message(p.hub_events, EventKind::MessageSent, codec::ExchangeType::IKE_AUTH, true);
  ASSERT_NE(resp, nullptr);
  EXPECT_EQ(payload_names(resp->payloads),
            (std::vector<std::string>{"V", "IDr", "AUTH", "CP", "SA", "TSi", "TSr", "N(SET_WINDOW_SIZE)",
                                      "N(ESP_TFC_PADDING_NOT_SUPPORTED)", "N(NON_FIRST_FRAGMENTS_ALSO)"}));
  // The VID is FLEXVPN-SUPPORTED, the CFG_REQUEST asks for an address and names the group.
  const auto* vid = req->payloads.front().as<codec::VendorIdPayload>();
  ASSERT_NE(vid, nullptr);
  EXPECT_EQ(vid->data, flexvpn_supported_vid());
  const auto* cp = req->payloads[3].as<codec::CpPayload>();
  ASSERT_NE(cp, nullptr);
  EXPECT_EQ(cp->cfg_type, codec::CfgType::CFG_REQUEST);
  ASSERT_EQ(cp->attributes.size(), 2u);
  EXPECT_EQ(cp->attributes[0].type, CfgAttributeType::INTERNAL_IP4_ADDRESS);
  EXPECT_TRUE(cp->attributes[0].value.empty());
  EXPECT_EQ(static_cast<uint16_t>(cp->attributes[1].type), kGroupNameAttribute);
  // The hub's log lines agree.
  EXPECT_TRUE(contains_line(p.hub_lines(), "Payload contents:\nVID IDi AUTH CFG SA TSi TSr NOTIFY(INITIAL_CONTACT) "
                                           "NOTIFY(SET_WINDOW_SIZE) NOTIFY(ESP_TFC_NO_SUPPORT) NOTIFY(NON_FIRST_FRAGS)"));
  EXPECT_TRUE(contains_line(p.hub_lines(), "Payload contents:\nVID IDr AUTH CFG SA TSi TSr NOTIFY(SET_WINDOW_SIZE) "
                                           "NOTIFY(ESP_TFC_NO_SUPPORT) NOTIFY(NON_FIRST_FRAGS)"));
}

TEST(FlexVpnFlow1, ConfigReplyValuesAndVirtualAccess) {
  FlexPair p;
  uint64_t sa = p.connect();
  auto info = p.spoke_engine->ike_sa(sa);
  ASSERT_EQ(info->state, IkeSaState::Established);
  EXPECT_EQ(info->children.size(), 1u);
  ASSERT_EQ(info->cp_attributes.size(), 2u);
  EXPECT_EQ(info->cp_attributes[0].type, CfgAttributeType::INTERNAL_IP4_ADDRESS);
  EXPECT_EQ(info->cp_attributes[0].value, (Bytes{192, 168, 1, 13}));
  EXPECT_EQ(info->cp_attributes[1].type, CfgAttributeType::INTERNAL_IP4_SUBNET);
  EXPECT_EQ(info->cp_attributes[1].value, (Bytes{192, 168, 1, 1, 255, 255, 255, 255}));
  // The spoke applied it.
  auto s = p.spoke->session(sa);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->applied);
  EXPECT_EQ(s->address, (Bytes{192, 168, 1, 13}));
  ASSERT_EQ(s->routes.size(), 1u);
  EXPECT_EQ(s->routes[0].prefix, (Bytes{192, 168, 1, 1}));
  // The hub: one session, its address, Virtual-Access1 up.
  ASSERT_EQ(p.hub->interfaces().size(), 1u);
  EXPECT_EQ(p.hub->interfaces()[0].name, "Virtual-Access1");
  EXPECT_TRUE(p.hub->interfaces()[0].up);
  EXPECT_EQ(p.hub->interfaces()[0].sa, 1u);
  auto sessions = p.hub->sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].id, 23u);
  EXPECT_EQ(sessions[0].profile, "prof-01");
  EXPECT_EQ(sessions[0].keyring_peer, "all");
  EXPECT_EQ(sessions[0].group, "flex");
  EXPECT_EQ(sessions[0].address, (Bytes{192, 168, 1, 13}));
  EXPECT_EQ(sessions[0].interface, "Virtual-Access1");
  EXPECT_EQ(p.hub_engine->ike_sa(1)->assigned_address, (Bytes{192, 168, 1, 13}));
}

TEST(FlexVpnFlow1, HubEventLinesInTheTracesOrder) {
  FlexPair p;
  p.connect();
  const std::string ids = "IKEv2:(SESSION ID = 23,SA ID = 1):";
  EXPECT_TRUE(in_order(
      p.hub_lines(),
      {ids + "Searching policy based on peer's identity '10.150.3.1' of type 'IPv4 address'",
       "IKEv2:found matching IKEv2 profile 'prof-01'",
       "IKEv2:% Getting preshared key from profile keyring kr-01",
       "IKEv2:% Matched peer block 'all'",
       "IKEv2:Searching Policy with fvrf 0, local address 10.150.1.1",
       "IKEv2:Found Policy 'pol-01'",
       ids + "Verify peer's policy",
       ids + "Peer's policy verified",
       ids + "Get peer's authentication method",
       ids + "Peer's authentication method is 'PSK'",
       ids + "Get peer's preshared key for 10.150.3.1",
       ids + "Verify peer's authentication data",
       ids + "Use preshared key for id 10.150.3.1, key len 8",
       ids + "Verification of peer's authentication data PASSED",
       "IKEv2:Using mlist flex and username flex for group author request",
       "IKEv2:(SA ID = 1):[IKEv2 -> AAA] Authorisation request sent",
       "IKEv2:(SA ID = 1):[AAA -> IKEv2] Received AAA authorisation response",
       ids + "Received valid config mode data",
       ids + "Config-type: Config-reply",
       ids + "Attrib type: ipv4-addr, length: 4, data: 192.168.1.13",
       ids + "Attrib type: ipv4-subnet, length: 8, data: 192.168.1.1 255.255.255.255",
       "%LINK-3-UPDOWN: Interface Virtual-Access1, changed state to up",
       "%LINEPROTO-5-UPDOWN: Line protocol on Interface Virtual-Access1, changed state to up"}));
  // Looked up once per SA although the engine asks for the key twice.
  auto lines = p.hub_lines();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), ids + "Use preshared key for id 10.150.3.1, key len 8"), 1);
  // Every event carries the ids, whatever its printed form.
  for (const auto& e : p.hub->events()) {
    EXPECT_EQ(e.sa, 1u) << e.line();
    EXPECT_EQ(e.session, 23u) << e.line();
  }
}

TEST(FlexVpnFlow1, EventHookSeesEveryLine) {
  FlexPair p;
  std::vector<std::string> seen;
  p.hub->set_event_hook([&](const HubEvent& e) { seen.push_back(e.line()); });
  p.connect();
  EXPECT_EQ(seen, p.hub_lines());
  EXPECT_FALSE(seen.empty());
}

// ----- Flow 2: CFG_SET / CFG_ACK -----

TEST(FlexVpnFlow2, CfgSetAddsTheRouteAndIsAcknowledged) {
  FlexPair p;
  uint64_t sa = p.connect();
  EXPECT_EQ(p.spoke->session(sa)->cfg_set, CfgSetOutcome::NotSent);
  p.run_timers_now();
  const Event* set = last_message(p.spoke_events, EventKind::MessageSent, codec::ExchangeType::INFORMATIONAL, false);
  ASSERT_NE(set, nullptr);
  ASSERT_EQ(payload_names(set->payloads), std::vector<std::string>{"CP"});
  const auto* cp = set->payloads[0].as<codec::CpPayload>();
  EXPECT_EQ(cp->cfg_type, codec::CfgType::CFG_SET);
  ASSERT_EQ(cp->attributes.size(), 1u);
  EXPECT_EQ(cp->attributes[0].value, (Bytes{192, 168, 1, 13, 255, 255, 255, 255}));
  // The hub's answer: CFG_ACK(INTERNAL_IP4_SUBNET, length 0).
  const Event* ack = last_message(p.hub_events, EventKind::MessageSent, codec::ExchangeType::INFORMATIONAL, true);
  ASSERT_NE(ack, nullptr);
  ASSERT_EQ(payload_names(ack->payloads), std::vector<std::string>{"CP"});
  const auto* ack_cp = ack->payloads[0].as<codec::CpPayload>();
  EXPECT_EQ(ack_cp->cfg_type, codec::CfgType::CFG_ACK);
  ASSERT_EQ(ack_cp->attributes.size(), 1u);
  EXPECT_EQ(ack_cp->attributes[0].type, CfgAttributeType::INTERNAL_IP4_SUBNET);
  EXPECT_TRUE(ack_cp->attributes[0].value.empty());
  EXPECT_EQ(p.spoke->session(sa)->cfg_set, CfgSetOutcome::Acknowledged);
  // The route.
  ASSERT_EQ(p.hub->routes().size(), 1u);
  const HubRoute& r = p.hub->routes()[0];
  EXPECT_EQ(r.prefix, (Bytes{192, 168, 1, 13}));
  EXPECT_EQ(r.mask, (Bytes{255, 255, 255, 255}));
  EXPECT_EQ(r.interface, "Virtual-Access1");
  EXPECT_EQ(r.vrf, "global");
  const std::string ids = "IKEv2:(SESSION ID = 23,SA ID = 1):";
  EXPECT_TRUE(in_order(p.hub_lines(),
                       {"IKEv2:Config data recieved:", ids + "Config-type: Config-set",
                        ids + "Attrib type: ipv4-subnet, length: 8, data: 192.168.1.13 255.255.255.255",
                        "IKEv2:VPN Route Added 192.168.1.13 255.255.255.255 via Virtual-Access1 in vrf global",
                        ids + "Set received config mode data", "IKEv2:Config data to send:",
                        ids + "Config-type: Config-ack", ids + "Attrib type: ipv4-subnet, length: 0",
                        ids + "Have config mode data to send", ids + "Sending info exch config resp"}));
  EXPECT_TRUE(contains_line(p.hub_lines(), "IKEv2 INFORMATIONAL Exchange REQUEST\nPayload contents:\nCFG"));
}

TEST(FlexVpnFlow2, SetAcceptOffIsAnsweredWithoutCp) {
  HubPolicy policy = trace_policy();
  policy.profiles[0].config_exchange_set_accept = false;
  FlexPair p(spoke_config(), policy);
  uint64_t sa = p.connect();
  p.run_timers_now();
  const Event* ack = last_message(p.hub_events, EventKind::MessageSent, codec::ExchangeType::INFORMATIONAL, true);
  ASSERT_NE(ack, nullptr);
  EXPECT_TRUE(ack->payloads.empty());
  EXPECT_EQ(p.spoke->session(sa)->cfg_set, CfgSetOutcome::NoCp);
  EXPECT_TRUE(p.hub->routes().empty());
}

TEST(FlexVpnFlow2, NothingAcceptedIsAnEmptyAck) {
  // Without a virtual template there is no interface to route through.
  HubPolicy policy = trace_policy();
  policy.profiles[0].virtual_template.reset();
  FlexPair p(spoke_config(), policy);
  uint64_t sa = p.connect();
  p.run_timers_now();
  EXPECT_EQ(p.spoke->session(sa)->cfg_set, CfgSetOutcome::EmptyAck);
  ASSERT_TRUE(p.spoke->session(sa)->cfg_ack);
  EXPECT_TRUE(p.spoke->session(sa)->cfg_ack->empty());
  EXPECT_TRUE(p.hub->routes().empty());
  EXPECT_TRUE(p.hub->interfaces().empty());
}

TEST(FlexVpnFlow2, AnEchoedValueIsInvalid) {
  FlexPair p;
  // The hub lies on purpose: its CFG_ACK echoes the value.
  engine::OutgoingHooks hooks;
  hooks.plain = [](const engine::OutgoingContext& ctx, codec::Message& m) {
    if (ctx.exchange != codec::ExchangeType::INFORMATIONAL || !ctx.response) return;
    for (auto& pl : m.payloads)
      if (auto* cp = pl.as<codec::CpPayload>(); cp && cp->cfg_type == codec::CfgType::CFG_ACK)
        for (auto& a : cp->attributes) a.value = {192, 168, 1, 13, 255, 255, 255, 255};
  };
  p.hub_engine->set_outgoing_hooks(hooks);
  uint64_t sa = p.connect();
  p.run_timers_now();
  EXPECT_EQ(p.spoke->session(sa)->cfg_set, CfgSetOutcome::Invalid);
}

TEST(FlexVpnFlow2, ClassificationOfEachAnswer) {
  const CfgAttribute subnet(CfgAttributeType::INTERNAL_IP4_SUBNET, {192, 168, 1, 13, 255, 255, 255, 255});
  const CfgAttribute dns(CfgAttributeType::INTERNAL_IP4_DNS, {8, 8, 8, 8});
  const CfgAttribute subnet_ack(CfgAttributeType::INTERNAL_IP4_SUBNET);
  const CfgAttribute dns_ack(CfgAttributeType::INTERNAL_IP4_DNS);
  EXPECT_EQ(classify_cfg_ack({subnet}, std::vector<CfgAttribute>{subnet_ack}), CfgSetOutcome::Acknowledged);
  EXPECT_EQ(classify_cfg_ack({subnet, dns}, std::vector<CfgAttribute>{subnet_ack, dns_ack}),
            CfgSetOutcome::Acknowledged);
  EXPECT_EQ(classify_cfg_ack({subnet, dns}, std::vector<CfgAttribute>{subnet_ack}),
            CfgSetOutcome::PartiallyAcknowledged);
  EXPECT_EQ(classify_cfg_ack({subnet}, std::vector<CfgAttribute>{}), CfgSetOutcome::EmptyAck);
  EXPECT_EQ(classify_cfg_ack({subnet}, std::nullopt), CfgSetOutcome::NoCp);
  EXPECT_EQ(classify_cfg_ack({subnet}, std::vector<CfgAttribute>{subnet}), CfgSetOutcome::Invalid);
  EXPECT_EQ(classify_cfg_ack({subnet}, std::vector<CfgAttribute>{dns_ack}), CfgSetOutcome::Invalid);
  EXPECT_EQ(classify_cfg_ack({subnet}, std::vector<CfgAttribute>{subnet_ack, subnet_ack}), CfgSetOutcome::Invalid);
  EXPECT_STREQ(cfg_set_outcome_name(CfgSetOutcome::PartiallyAcknowledged), "PartiallyAcknowledged");
}

// ----- Flow 3: duplicate SA -----

TEST(FlexVpnFlow3, InitialContactReplacesTheOldSa) {
  FlexPair p;
  p.connect();
  p.run_timers_now();
  ASSERT_EQ(p.hub->routes().size(), 1u);
  p.connect();  // the spoke comes back (say after a reload) with INITIAL_CONTACT
  p.run_timers_now();
  ASSERT_EQ(p.hub_engine->ike_sa(2)->state, IkeSaState::Established);
  auto old = p.hub_engine->ike_sa(1);
  EXPECT_TRUE(!old || old->state == IkeSaState::Deleted);
  ASSERT_EQ(p.hub->interfaces().size(), 2u);
  EXPECT_FALSE(p.hub->interfaces()[0].up);
  EXPECT_TRUE(p.hub->interfaces()[1].up);
  EXPECT_EQ(p.hub->interfaces()[1].name, "Virtual-Access2");
  const std::string old_ids = "IKEv2:(SESSION ID = 23,SA ID = 1):";
  EXPECT_TRUE(in_order(p.hub_lines(),
                       {old_ids + "Check for existing active SA", old_ids + "Deleting SA",
                        "IKEv2:VPN Route Removed 192.168.1.13 255.255.255.255 via Virtual-Access1 in vrf global",
                        "%LINEPROTO-5-UPDOWN: Line protocol on Interface Virtual-Access1, changed state to down",
                        "%LINK-3-UPDOWN: Interface Virtual-Access1, changed state to down"}));
  // The new session is 24 on SA 2, and its own route replaced the old one.
  auto s = p.hub->session_of(2);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, 24u);
  EXPECT_FALSE(p.hub->session_of(1)->active);
  ASSERT_EQ(p.hub->routes().size(), 1u);
  EXPECT_EQ(p.hub->routes()[0].interface, "Virtual-Access2");
  EXPECT_EQ(p.hub->routes()[0].sa, 2u);
  EXPECT_TRUE(contains_line(p.hub_lines(), "%LINK-3-UPDOWN: Interface Virtual-Access2, changed state to up"));
}

TEST(FlexVpnFlow3, WithoutInitialContactBothStay) {
  SpokeOptions o = trace_spoke_options();
  o.initial_contact = false;
  FlexPair p(spoke_config(kPsk, o));
  p.connect();
  p.run_timers_now();
  p.connect();
  p.run_timers_now();
  EXPECT_EQ(p.hub_engine->ike_sa(1)->state, IkeSaState::Established);
  EXPECT_EQ(p.hub_engine->ike_sa(2)->state, IkeSaState::Established);
  ASSERT_EQ(p.hub->interfaces().size(), 2u);
  EXPECT_TRUE(p.hub->interfaces()[0].up);
  EXPECT_TRUE(p.hub->interfaces()[1].up);
  EXPECT_EQ(p.hub->routes().size(), 2u);
  EXPECT_FALSE(contains_line(p.hub_lines(), "Check for existing active SA"));
  EXPECT_EQ(p.hub->session_of(2)->address, (Bytes{192, 168, 1, 14}));
}

TEST(FlexVpnFlow3, ProfileThatIgnoresInitialContactKeepsBoth) {
  HubPolicy policy = trace_policy();
  policy.profiles[0].honour_initial_contact = false;
  FlexPair p(spoke_config(), policy);
  p.connect();
  p.run_timers_now();
  p.connect();  // with INITIAL_CONTACT
  p.run_timers_now();
  EXPECT_EQ(p.hub_engine->ike_sa(1)->state, IkeSaState::Established);
  EXPECT_EQ(p.hub_engine->ike_sa(2)->state, IkeSaState::Established);
  ASSERT_EQ(p.hub->interfaces().size(), 2u);
  EXPECT_TRUE(p.hub->interfaces()[0].up);
  EXPECT_TRUE(p.hub->interfaces()[1].up);
  EXPECT_FALSE(contains_line(p.hub_lines(), "Deleting SA"));
}

TEST(FlexVpnPolicy, TheMatchingPolicysProposalsAnswerIkeSaInit) {
  // The spoke offers GCM then CBC; the hub's endpoint would pick GCM, its
  // policy pol-01 allows only CBC.
  EngineConfig spoke = spoke_config();
  spoke.ike_policy.suites = {engine::test::ike_gcm(), engine::test::ike_cbc()};
  HubPolicy policy = trace_policy();
  policy.policies[0].suites = {engine::test::ike_cbc()};
  FlexPair p(spoke, policy);
  uint64_t sa = p.connect();
  auto info = p.spoke_engine->ike_sa(sa);
  ASSERT_EQ(info->state, IkeSaState::Established);
  ASSERT_TRUE(info->suite.has_value());
  EXPECT_EQ(*info->suite, engine::test::ike_cbc());
  EXPECT_TRUE(contains_line(p.hub_lines(), "IKEv2:Found Policy 'pol-01'"));
}

TEST(FlexVpnPolicy, NoMatchingPolicyRefusesIkeSaInit) {
  HubPolicy policy = trace_policy();
  policy.policies[0].match_address_local = Bytes{10, 150, 9, 9};  // not the hub's address
  policy.policies[0].suites = {engine::test::ike_gcm()};
  FlexPair p(spoke_config(), policy);
  uint64_t sa = p.connect();
  EXPECT_NE(p.spoke_engine->ike_sa(sa)->state, IkeSaState::Established);
  EXPECT_TRUE(p.hub_engine->ike_sas_in(IkeSaState::Established).empty());
  bool refused = false;
  for (const auto& e : p.hub_events)
    if (e.kind == EventKind::MessageSent && e.exchange == codec::ExchangeType::IKE_SA_INIT)
      for (const auto& pl : e.payloads)
        if (const auto* n = pl.as<codec::NotifyPayload>(); n && n->type == NotifyType::NO_PROPOSAL_CHOSEN)
          refused = true;
  EXPECT_TRUE(refused);
}

TEST(FlexVpnFlow3, DeleteTakesTheInterfaceRoutesAndLeaseDown) {
  FlexPair p;
  uint64_t sa = p.connect();
  p.run_timers_now();
  ASSERT_TRUE(p.spoke_engine->delete_ike(sa).ok());
  p.deliver_all();
  EXPECT_TRUE(p.hub->routes().empty());
  EXPECT_FALSE(p.hub->interfaces()[0].up);
  EXPECT_TRUE(contains_line(p.hub_lines(), "Released address 192.168.1.13 to pool 'flex-pool'"));
  // The address is free again; the next session gets it, on Virtual-Access2.
  p.connect();
  EXPECT_EQ(p.hub->session_of(2)->address, (Bytes{192, 168, 1, 13}));
  EXPECT_EQ(p.hub->interfaces().back().name, "Virtual-Access2");
}

TEST(FlexVpnFlow3, RekeyedIkeSaKeepsItsSession) {
  FlexPair p;
  uint64_t sa = p.connect();
  p.run_timers_now();
  ASSERT_TRUE(p.spoke_engine->rekey_ike(sa).ok());
  p.deliver_all();
  auto hub_sas = p.hub_engine->ike_sas_in(IkeSaState::Established);
  ASSERT_EQ(hub_sas.size(), 1u);
  const uint64_t successor = hub_sas.front();
  EXPECT_NE(successor, 1u);
  // RFC 7296 2.18: the same session, interface, route and address.
  auto s = p.hub->session_of(successor);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, 23u);
  EXPECT_TRUE(s->active);
  EXPECT_EQ(s->address, (Bytes{192, 168, 1, 13}));
  ASSERT_EQ(p.hub->interfaces().size(), 1u);
  EXPECT_TRUE(p.hub->interfaces()[0].up);
  EXPECT_EQ(p.hub->interfaces()[0].sa, successor);
  ASSERT_EQ(p.hub->routes().size(), 1u);
  EXPECT_EQ(p.hub->routes()[0].sa, successor);
  EXPECT_FALSE(contains_line(p.hub_lines(), "changed state to down"));
}

// ----- Negative paths -----

TEST(FlexVpnNegative, WrongPskIsAuthenticationFailedAndNoInterface) {
  FlexPair p(spoke_config("wrongkey"));
  uint64_t sa = p.connect();
  EXPECT_NE(p.spoke_engine->ike_sa(sa)->state, IkeSaState::Established);
  const Event* resp = first_message(p.hub_events, EventKind::MessageSent, codec::ExchangeType::IKE_AUTH, true);
  EXPECT_EQ(notifies_in(resp), std::vector<NotifyType>{NotifyType::AUTHENTICATION_FAILED});
  EXPECT_TRUE(p.hub->interfaces().empty());
  EXPECT_TRUE(contains_line(p.hub_lines(), "Verification of peer's authentication data FAILED"));
  EXPECT_FALSE(contains_line(p.hub_lines(), "Authorisation request sent"));
}

TEST(FlexVpnNegative, IdentityMatchingNoProfile) {
  HubPolicy policy = trace_policy();
  IdentityMatch m;
  m.kind = IdentityMatch::Kind::Fqdn;
  m.text = "spoke.example.com";
  policy.profiles[0].match_identity = {m};
  FlexPair p(spoke_config(), policy);
  uint64_t sa = p.connect();
  EXPECT_NE(p.spoke_engine->ike_sa(sa)->state, IkeSaState::Established);
  const Event* resp = first_message(p.hub_events, EventKind::MessageSent, codec::ExchangeType::IKE_AUTH, true);
  EXPECT_EQ(notifies_in(resp), std::vector<NotifyType>{NotifyType::AUTHENTICATION_FAILED});
  EXPECT_TRUE(contains_line(p.hub_lines(), "IKEv2:no matching IKEv2 profile"));
  EXPECT_TRUE(p.hub->interfaces().empty());
}

TEST(FlexVpnNegative, MostSpecificPeerBlockWins) {
  HubPolicy policy = trace_policy();
  KeyringPeer narrow;
  narrow.name = "spokes-10-150";
  narrow.address = IdentityMatch{IdentityMatch::Kind::Address, {10, 150, 0, 0}, 16, ""};
  narrow.psk = secret("other-key-123");
  policy.keyrings[0].peers.push_back(narrow);
  FlexPair p(spoke_config("other-key-123"), policy);
  uint64_t sa = p.connect();
  EXPECT_EQ(p.spoke_engine->ike_sa(sa)->state, IkeSaState::Established);
  EXPECT_TRUE(contains_line(p.hub_lines(), "IKEv2:% Matched peer block 'spokes-10-150'"));
  EXPECT_TRUE(contains_line(p.hub_lines(), "key len 13"));
}

TEST(FlexVpnNegative, IdentityPeerBlockWinsOverAddress) {
  HubPolicy policy = trace_policy();
  KeyringPeer by_id;
  by_id.name = "spoke1";
  by_id.identity = IdentityMatch{IdentityMatch::Kind::Address, {10, 150, 3, 1}, 32, ""};
  by_id.psk = secret("spoke1-key");
  policy.keyrings[0].peers.push_back(by_id);  // after "all", yet it wins
  FlexPair p(spoke_config("spoke1-key"), policy);
  uint64_t sa = p.connect();
  EXPECT_EQ(p.spoke_engine->ike_sa(sa)->state, IkeSaState::Established);
  EXPECT_TRUE(contains_line(p.hub_lines(), "IKEv2:% Matched peer block 'spoke1'"));
  EXPECT_EQ(p.hub->session_of(1)->keyring_peer, "spoke1");
}

void expect_address_failure(FlexPair& p, uint64_t sa) {
  auto info = p.spoke_engine->ike_sa(sa);
  ASSERT_TRUE(info);
  // RFC 7296 3.15.4: the Child SA fails, the IKE SA stays.
  EXPECT_EQ(info->state, IkeSaState::Established);
  EXPECT_TRUE(info->children.empty());
  const Event* resp = last_message(p.hub_events, EventKind::MessageSent, codec::ExchangeType::IKE_AUTH, true);
  auto n = notifies_in(resp);
  EXPECT_NE(std::find(n.begin(), n.end(), NotifyType::INTERNAL_ADDRESS_FAILURE), n.end());
}

TEST(FlexVpnNegative, UnknownGroupFailsAuthorization) {
  SpokeOptions o;
  o.group = "nosuch";
  FlexPair p(spoke_config(kPsk, o));
  uint64_t sa = p.connect();
  expect_address_failure(p, sa);
  EXPECT_TRUE(contains_line(p.hub_lines(), "authorization failed: unknown group 'nosuch'"));
  EXPECT_FALSE(p.hub->session_of(1)->address);
}

TEST(FlexVpnNegative, WrongGroupPasswordFailsAuthorization) {
  HubPolicy policy = trace_policy();
  policy.groups[0].password = secret(kGroupPassword);
  SpokeOptions bad = trace_spoke_options();
  bad.group_password = secret("not-the-password");
  FlexPair p(spoke_config(kPsk, bad), policy);
  uint64_t sa = p.connect();
  expect_address_failure(p, sa);
  EXPECT_TRUE(contains_line(p.hub_lines(), "authorization failed: wrong group password for group 'flex'"));
  for (const auto& l : every_line(p)) {
    EXPECT_EQ(l.find("not-the-password"), std::string::npos) << l;
    EXPECT_EQ(l.find(kGroupPassword), std::string::npos) << l;
  }
  // The right password passes.
  SpokeOptions good = trace_spoke_options();
  good.group_password = secret(kGroupPassword);
  FlexPair q(spoke_config(kPsk, good), policy);
  uint64_t sa2 = q.connect();
  EXPECT_EQ(q.spoke_engine->ike_sa(sa2)->children.size(), 1u);
  EXPECT_EQ(q.hub->session_of(1)->address, (Bytes{192, 168, 1, 13}));
}

TEST(FlexVpnNegative, PoolExhaustedKeepsTheIkeSa) {
  HubPolicy policy = trace_policy();
  policy.pools[0].last = {192, 168, 1, 13};  // one address
  SpokeOptions o = trace_spoke_options();
  o.initial_contact = false;
  FlexPair p(spoke_config(kPsk, o), policy);
  uint64_t first = p.connect();
  EXPECT_EQ(p.spoke_engine->ike_sa(first)->children.size(), 1u);
  uint64_t second = p.connect();
  expect_address_failure(p, second);
  EXPECT_TRUE(contains_line(p.hub_lines(), "(SESSION ID = 24,SA ID = 2):Failed to allocate an address from pool "
                                           "'flex-pool': pool exhausted"));
  EXPECT_EQ(p.hub_engine->ike_sa(2)->state, IkeSaState::Established);
  EXPECT_EQ(p.hub_engine->ike_sa(1)->state, IkeSaState::Established);
}

TEST(FlexVpnNegative, ZeroLengthAndPrivateUseAttributesAreIgnored) {
  EngineConfig c = spoke_config();
  // What the real client of notes 1.7 asks for: reserved 9, the Cisco Unity
  // range, 2000x private ones, some with values.
  for (uint16_t t : {9, 28672, 28673, 28674, 28675, 28676, 28677, 28678, 28679, 28680, 28681, 20002, 20006})
    c.cp_request->emplace_back(static_cast<CfgAttributeType>(t));
  c.cp_request->emplace_back(static_cast<CfgAttributeType>(20005), Bytes{'d', 'e', 'b', 'i', 'a', 'n'});
  c.cp_request->emplace_back(static_cast<CfgAttributeType>(28682), Bytes{'d', 'e', 'b', 'i', 'a', 'n'});
  c.cp_request->emplace_back(CfgAttributeType::INTERNAL_IP4_NETMASK);
  c.cp_request->emplace_back(CfgAttributeType::INTERNAL_IP4_DNS);
  FlexPair p(c);
  uint64_t sa = p.connect();
  auto info = p.spoke_engine->ike_sa(sa);
  ASSERT_EQ(info->state, IkeSaState::Established);
  EXPECT_EQ(info->children.size(), 1u);
  ASSERT_EQ(info->cp_attributes.size(), 2u);
  EXPECT_EQ(info->cp_attributes[0].value, (Bytes{192, 168, 1, 13}));
}

TEST(FlexVpnNegative, NetmaskDnsAndAccessListRoutesWhenConfigured) {
  HubPolicy policy = trace_policy();
  policy.groups[0].netmask = Bytes{255, 255, 255, 0};
  policy.groups[0].dns = {{10, 0, 0, 53}};
  policy.groups[0].route_set_access_list = {engine::prefix_selector(Bytes{172, 16, 0, 0}, 12)};
  FlexPair p(spoke_config(), policy);
  uint64_t sa = p.connect();
  auto attrs = p.spoke_engine->ike_sa(sa)->cp_attributes;
  ASSERT_EQ(attrs.size(), 5u);
  EXPECT_EQ(attrs[1].type, CfgAttributeType::INTERNAL_IP4_NETMASK);
  EXPECT_EQ(attrs[2].type, CfgAttributeType::INTERNAL_IP4_DNS);
  EXPECT_EQ(attrs[4].value, (Bytes{172, 16, 0, 0, 255, 240, 0, 0}));
  EXPECT_EQ(p.spoke->session(sa)->routes.size(), 2u);
  EXPECT_TRUE(contains_line(p.hub_lines(), "Attrib type: ipv4-subnet, length: 8, data: 172.16.0.0 255.240.0.0"));
}

TEST(FlexVpnNegative, UnsolicitedCfgReplyIsRejectedBySpoke) {
  EngineConfig c = spoke_config();
  c.cp_request.reset();
  FlexPair p(c);
  // The hub lies on purpose: a CFG_REPLY nobody asked for, before SA.
  engine::OutgoingHooks hooks;
  hooks.plain = [](const engine::OutgoingContext& ctx, codec::Message& m) {
    if (ctx.exchange != codec::ExchangeType::IKE_AUTH || !ctx.response) return;
    codec::CpPayload reply;
    reply.cfg_type = codec::CfgType::CFG_REPLY;
    reply.attributes = {CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, {192, 168, 1, 99})};
    auto at = std::find_if(m.payloads.begin(), m.payloads.end(),
                           [](const codec::Payload& pl) { return pl.type == PayloadType::SA; });
    m.payloads.insert(at, codec::Payload(PayloadType::CP, std::move(reply)));
  };
  p.hub_engine->set_outgoing_hooks(hooks);
  uint64_t sa = p.connect();
  EXPECT_NE(p.spoke_engine->ike_sa(sa)->state, IkeSaState::Established);
  auto s = p.spoke->session(sa);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->cfg_reply_rejected);
  EXPECT_FALSE(s->applied);
  EXPECT_FALSE(s->address);
}

TEST(FlexVpnNegative, SecretsNeverInAnyLine) {
  HubPolicy policy = trace_policy();
  policy.groups[0].password = secret(kGroupPassword);
  SpokeOptions o = trace_spoke_options();
  o.group_password = secret(kGroupPassword);
  FlexPair p(spoke_config(kPsk, o), policy);
  p.connect();
  p.run_timers_now();
  auto lines = every_line(p);
  ASSERT_FALSE(lines.empty());
  for (const auto& l : lines) {
    EXPECT_EQ(l.find(kPsk), std::string::npos) << l;
    EXPECT_EQ(l.find(kGroupPassword), std::string::npos) << l;
  }
  EXPECT_TRUE(contains_line(p.hub_lines(), "key len 8"));
}

// ----- attach() validation -----

TEST(FlexVpnAttach, UnknownReferencesAreNamed) {
  struct Case {
    std::function<void(HubPolicy&)> change;
    std::string expected;
  };
  std::vector<Case> cases = {
      {[](HubPolicy& p) { p.profiles[0].keyring = "kr-02"; }, "profile 'prof-01': unknown keyring 'kr-02'"},
      {[](HubPolicy& p) { p.profiles[0].authorization->method_list = "radius"; },
       "profile 'prof-01': unknown method list 'radius'"},
      {[](HubPolicy& p) { p.profiles[0].authorization->group = "grp"; }, "profile 'prof-01': unknown group 'grp'"},
      {[](HubPolicy& p) { p.profiles[0].virtual_template = 7; }, "profile 'prof-01': unknown virtual template 7"},
      {[](HubPolicy& p) { p.groups[0].pool = "nopool"; }, "group 'flex': unknown pool 'nopool'"},
      {[](HubPolicy& p) { p.method_lists[0].method = "radius"; }, "method list 'flex': method 'radius'"},
      {[](HubPolicy& p) { p.pools[0].last = {192, 168, 1, 1}; }, "pool 'flex-pool'"},
      {[](HubPolicy& p) { p.keyrings.push_back(p.keyrings[0]); }, "duplicate keyring 'kr-01'"},
  };
  for (const auto& c : cases) {
    HubPolicy policy = trace_policy();
    c.change(policy);
    core::VirtualClock clock;
    engine::EngineEnv env;
    env.clock = &clock;
    env.random = engine::seeded_random(1);
    env.local = kHubAddr;
    env.send = [](const Route&, core::BytesView) {};
    auto e = engine::Engine::create(hub_config(), std::move(env));
    ASSERT_TRUE(e.ok());
    auto hub = Hub::attach(**e, policy);
    ASSERT_FALSE(hub.ok()) << c.expected;
    EXPECT_NE(hub.error().to_string().find(c.expected), std::string::npos) << hub.error().to_string();
  }
}

TEST(FlexVpnAttach, AnEngineWithItsOwnPskIsRefused) {
  core::VirtualClock clock;
  engine::EngineEnv env;
  env.clock = &clock;
  env.random = engine::seeded_random(1);
  env.local = kHubAddr;
  env.send = [](const Route&, core::BytesView) {};
  EngineConfig c = hub_config();
  c.local_auth.psk = secret(kPsk);
  auto e = engine::Engine::create(c, std::move(env));
  ASSERT_TRUE(e.ok());
  auto hub = Hub::attach(**e, trace_policy());
  ASSERT_FALSE(hub.ok());
  EXPECT_NE(hub.error().to_string().find("local_auth.psk"), std::string::npos);
}

TEST(FlexVpnAttach, TheHubMayGoBeforeItsEngine) {
  FlexPair p;
  p.hub.reset();
  uint64_t sa = p.connect();  // no policy left: the engine's configuration answers (and refuses)
  EXPECT_NE(p.spoke_engine->ike_sa(sa)->state, IkeSaState::Established);
}

}  // namespace
}  // namespace ikeh::flexvpn
