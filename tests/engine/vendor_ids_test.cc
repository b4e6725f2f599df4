// SPDX-License-Identifier: Apache-2.0
// Vendor ID payloads from the configuration: last in IKE_SA_INIT, first in
// IKE_AUTH, in both roles, as a FlexVPN spoke and hub send them; the peer
// ignores them (RFC 7296 3.12) and the SA comes up.
#include <gtest/gtest.h>

#include "harness/codec/vendor_id_payload.h"
#include "tests/engine/engine_pair.h"

namespace ikeh::engine::test {
namespace {

using codec::ExchangeType;
using codec::PayloadType;

const Bytes kFlexvpn = text("FLEXVPN-SUPPORTED");
const Bytes kDeleteReason = text("CISCO-DELETE-REASON");

// The payloads of the first MessageSent of that kind.
std::vector<codec::Payload> sent(const std::vector<Event>& events, ExchangeType x, bool response) {
  for (const auto& e : events)
    if (e.kind == EventKind::MessageSent && e.exchange == x && e.response == response) return e.payloads;
  ADD_FAILURE() << "no " << codec::label(x) << (response ? " response" : " request") << " sent";
  return {};
}

std::vector<Bytes> vids(const std::vector<codec::Payload>& chain) {
  std::vector<Bytes> out;
  for (const auto& p : chain)
    if (const auto* v = p.as<codec::VendorIdPayload>()) out.push_back(v->data);
  return out;
}

TEST(VendorIds, SentLastInIkeSaInitAndFirstInIkeAuthByBothSides) {
  EngineConfig ci = pair_config("initiator.example", "responder.example");
  EngineConfig cr = pair_config("responder.example", "initiator.example");
  ci.vendor_ids_init = {kDeleteReason};
  ci.vendor_ids_auth = {kFlexvpn, kDeleteReason};
  cr.vendor_ids_init = {kDeleteReason, kFlexvpn};
  cr.vendor_ids_auth = {kFlexvpn};
  EnginePair p(ci, cr);
  uint64_t sa = p.connect();
  ASSERT_EQ(p.i->ike_sa(sa)->state, IkeSaState::Established);

  auto init_req = sent(p.events_i, ExchangeType::IKE_SA_INIT, false);
  auto init_resp = sent(p.events_r, ExchangeType::IKE_SA_INIT, true);
  auto auth_req = sent(p.events_i, ExchangeType::IKE_AUTH, false);
  auto auth_resp = sent(p.events_r, ExchangeType::IKE_AUTH, true);
  EXPECT_EQ(vids(init_req), std::vector<Bytes>{kDeleteReason});
  EXPECT_EQ(vids(init_resp), (std::vector<Bytes>{kDeleteReason, kFlexvpn}));
  EXPECT_EQ(vids(auth_req), (std::vector<Bytes>{kFlexvpn, kDeleteReason}));
  EXPECT_EQ(vids(auth_resp), std::vector<Bytes>{kFlexvpn});
  ASSERT_GE(init_req.size(), 2u);
  EXPECT_EQ(init_req.back().type, PayloadType::V);
  EXPECT_EQ(init_resp[init_resp.size() - 2].type, PayloadType::V);
  // The trace's order: VID IDi AUTH ... and VID IDr AUTH ...
  ASSERT_GE(auth_req.size(), 3u);
  EXPECT_EQ(auth_req[0].type, PayloadType::V);
  EXPECT_EQ(auth_req[1].type, PayloadType::V);
  EXPECT_EQ(auth_req[2].type, PayloadType::IDi);
  ASSERT_GE(auth_resp.size(), 2u);
  EXPECT_EQ(auth_resp[0].type, PayloadType::V);
  EXPECT_EQ(auth_resp[1].type, PayloadType::IDr);
}

TEST(VendorIds, NoneByDefault) {
  EnginePair p;
  p.connect();
  EXPECT_TRUE(vids(sent(p.events_i, ExchangeType::IKE_AUTH, false)).empty());
  EXPECT_TRUE(vids(sent(p.events_i, ExchangeType::IKE_SA_INIT, false)).empty());
}

}  // namespace
}  // namespace ikeh::engine::test
