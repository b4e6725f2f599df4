// SPDX-License-Identifier: Apache-2.0
// Engine::set_responder_policy: the PSK and the CFG_REPLY come from a
// per-peer policy (as a FlexVPN hub's keyrings and AAA give them) instead of
// the configuration, named by the IKE SA's serial.
#include <gtest/gtest.h>

#include "harness/codec/cp_payload.h"
#include "tests/engine/engine_pair.h"

namespace ikeh::engine::test {
namespace {

using codec::CfgAttribute;
using codec::CfgAttributeType;

const Bytes kAddress = {192, 168, 1, 13};
const Bytes kSubnet = {192, 168, 1, 1, 255, 255, 255, 255};

EngineConfig spoke() {
  EngineConfig c = pair_config("initiator.example", "responder.example");
  c.cp_request = std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, {})};
  return c;
}

// A hub whose own configuration holds only a wrong key: the policy's wins.
EngineConfig hub() {
  EngineConfig c = pair_config("responder.example", "initiator.example");
  c.local_auth.psk = {};
  c.psks = {PskEntry{std::nullopt, secret("not the key")}};
  return c;
}

TEST(ResponderPolicy, PskAndConfigurationReplyComeFromThePolicy) {
  EnginePair p(spoke(), hub());
  std::vector<uint64_t> psk_for, cp_for;
  std::string asked_id;
  ResponderPolicy policy;
  policy.psk = [&](uint64_t sa, const codec::IdPayload& id) -> std::optional<crypto::Secret> {
    psk_for.push_back(sa);
    asked_id.assign(id.data.begin(), id.data.end());
    return secret("correct horse battery staple");
  };
  policy.cp = [&](uint64_t sa, const codec::IdPayload&, const codec::CpPayload& request)
      -> core::Result<std::optional<std::vector<CfgAttribute>>> {
    cp_for.push_back(sa);
    EXPECT_EQ(request.cfg_type, codec::CfgType::CFG_REQUEST);
    return std::optional<std::vector<CfgAttribute>>(std::vector<CfgAttribute>{
        CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, kAddress),
        CfgAttribute(CfgAttributeType::INTERNAL_IP4_SUBNET, kSubnet)});
  };
  p.r->set_responder_policy(policy);
  uint64_t sa = p.connect();
  ASSERT_EQ(p.i->ike_sa(sa)->state, IkeSaState::Established);
  auto hub_sas = p.r->ike_sas_in(IkeSaState::Established);
  ASSERT_EQ(hub_sas.size(), 1u);
  const uint64_t hub_sa = hub_sas.front();
  ASSERT_FALSE(psk_for.empty());
  for (uint64_t s : psk_for) EXPECT_EQ(s, hub_sa);
  EXPECT_EQ(asked_id, "initiator.example");
  EXPECT_EQ(cp_for, std::vector<uint64_t>{hub_sa});
  // The spoke got the reply; the hub holds the address it handed out.
  auto spoke_info = p.i->ike_sa(sa);
  ASSERT_EQ(spoke_info->cp_attributes.size(), 2u);
  EXPECT_EQ(spoke_info->cp_attributes[0].value, kAddress);
  EXPECT_EQ(spoke_info->cp_attributes[1].value, kSubnet);
  EXPECT_EQ(p.r->ike_sa(hub_sa)->assigned_address, kAddress);
}

TEST(ResponderPolicy, NoPskFromThePolicyIsAuthenticationFailed) {
  // The configuration holds the right key; the policy knows none.
  EngineConfig hub_config = hub();
  hub_config.psks = {PskEntry{std::nullopt, secret("correct horse battery staple")}};
  EnginePair p(spoke(), hub_config);
  ResponderPolicy policy;
  policy.psk = [](uint64_t, const codec::IdPayload&) -> std::optional<crypto::Secret> { return std::nullopt; };
  p.r->set_responder_policy(policy);
  uint64_t sa = p.connect();
  EXPECT_NE(p.i->ike_sa(sa)->state, IkeSaState::Established);
  EXPECT_TRUE(p.r->ike_sas_in(IkeSaState::Established).empty());
  bool refused = false;
  for (const auto& e : p.events_r)
    if (e.kind == EventKind::MessageSent && e.exchange == codec::ExchangeType::IKE_AUTH)
      for (const auto& pl : e.payloads)
        if (const auto* n = pl.as<codec::NotifyPayload>(); n && n->type == codec::NotifyType::AUTHENTICATION_FAILED)
          refused = true;
  EXPECT_TRUE(refused);
}

TEST(ResponderPolicy, AddressFailureFailsTheChildSaAndKeepsTheIkeSa) {
  EngineConfig hub_config = hub();
  hub_config.psks = {PskEntry{std::nullopt, secret("correct horse battery staple")}};
  EnginePair p(spoke(), hub_config);
  ResponderPolicy policy;
  policy.cp = [](uint64_t, const codec::IdPayload&, const codec::CpPayload&)
      -> core::Result<std::optional<std::vector<CfgAttribute>>> {
    return core::make_error("pool", "exhausted", static_cast<uint16_t>(codec::NotifyType::INTERNAL_ADDRESS_FAILURE));
  };
  p.r->set_responder_policy(policy);
  uint64_t sa = p.connect();
  auto info = p.i->ike_sa(sa);
  EXPECT_EQ(info->state, IkeSaState::Established);
  EXPECT_TRUE(info->children.empty());
  auto hub_sas = p.r->ike_sas_in(IkeSaState::Established);
  ASSERT_EQ(hub_sas.size(), 1u);
  EXPECT_FALSE(p.r->ike_sa(hub_sas.front())->assigned_address.has_value());
}

}  // namespace
}  // namespace ikeh::engine::test
