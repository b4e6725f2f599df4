// SPDX-License-Identifier: Apache-2.0
// Proposal negotiation: responder selection (RFC 7296 2.7, 3.3.6), the
// mandatory transform table (3.3.3), AEAD rules (RFC 5282 8), the
// initiator's check of the answer, INVALID_KE_PAYLOAD decisions (1.2, 3.4),
// and a round trip through the codec.
#include "harness/engine/proposal.h"

#include <gtest/gtest.h>

#include "harness/codec/message.h"
#include "harness/codec/payload.h"

namespace ikeh::engine {
namespace {

using codec::PayloadType;
using codec::Proposal;
using codec::SaPayload;
using codec::Transform;

Transform encr(EncrId id, std::optional<uint16_t> bits = std::nullopt) {
  return bits ? Transform(TransformType::ENCR, static_cast<uint16_t>(id), *bits)
              : Transform(TransformType::ENCR, static_cast<uint16_t>(id));
}
Transform integ(IntegId id) { return Transform(TransformType::INTEG, static_cast<uint16_t>(id)); }
Transform prf(PrfId id) { return Transform(TransformType::PRF, static_cast<uint16_t>(id)); }
Transform dh(DhGroup id) { return Transform(TransformType::DH, static_cast<uint16_t>(id)); }
Transform esn(EsnId id) { return Transform(TransformType::ESN, static_cast<uint16_t>(id)); }

Proposal proposal(ProtocolId protocol, std::vector<Transform> transforms, Bytes spi = {}) {
  Proposal p;
  p.protocol_id = protocol;
  p.spi = std::move(spi);
  p.transforms = std::move(transforms);
  return p;
}

const Suite kCbc = ike_suite(EncrId::ENCR_AES_CBC, 256, IntegId::AUTH_HMAC_SHA2_256_128, PrfId::PRF_HMAC_SHA2_256,
                             DhGroup::MODP_2048);
const Suite kGcm = ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256,
                             DhGroup::ECP_256);

Policy ike_policy(std::vector<Suite> suites, SelectionOrder order = SelectionOrder::Local) {
  Policy p;
  p.protocol = ProtocolId::IKE;
  p.suites = std::move(suites);
  p.order = order;
  return p;
}

Proposal cbc_proposal() {
  return proposal(ProtocolId::IKE, {encr(EncrId::ENCR_AES_CBC, 256), prf(PrfId::PRF_HMAC_SHA2_256),
                                    integ(IntegId::AUTH_HMAC_SHA2_256_128), dh(DhGroup::MODP_2048)});
}
Proposal gcm_proposal() {
  return proposal(ProtocolId::IKE,
                  {encr(EncrId::ENCR_AES_GCM_16, 256), prf(PrfId::PRF_HMAC_SHA2_256), dh(DhGroup::ECP_256)});
}

TEST(ProposalTable, MandatoryTypesPerRfc7296_3_3_3) {
  EXPECT_EQ(transform_need(ProtocolId::IKE, TransformType::ENCR), TransformNeed::Mandatory);
  EXPECT_EQ(transform_need(ProtocolId::IKE, TransformType::INTEG), TransformNeed::MandatoryUnlessAead);
  EXPECT_EQ(transform_need(ProtocolId::IKE, TransformType::ESN), std::nullopt);
  EXPECT_EQ(transform_need(ProtocolId::ESP, TransformType::ESN), TransformNeed::Mandatory);
  EXPECT_EQ(transform_need(ProtocolId::ESP, TransformType::INTEG), TransformNeed::Optional);
  EXPECT_EQ(transform_need(ProtocolId::ESP, TransformType::PRF), std::nullopt);
  EXPECT_EQ(transform_need(ProtocolId::AH, TransformType::INTEG), TransformNeed::Mandatory);
  EXPECT_EQ(transform_need(ProtocolId::AH, TransformType::ENCR), std::nullopt);
  EXPECT_EQ(transform_need(ProtocolId::IKE, static_cast<TransformType>(200)), std::nullopt);
}

TEST(ProposalPolicy, ValidateNamesTheBadSuite) {
  EXPECT_TRUE(validate(ike_policy({kCbc, kGcm})).ok());
  Suite bad = kGcm;
  bad.integ = IntegId::AUTH_HMAC_SHA2_256_128;  // AEAD with a real INTEG
  auto st = validate(ike_policy({kCbc, bad}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().field, "suites/1");
  EXPECT_NE(st.error().reason.find("RFC 5282"), std::string::npos) << st.error().reason;
}

TEST(ProposalBuild, OneProposalPerSuiteAeadWithoutInteg) {
  SaPayload sa = build_offer(ike_policy({kCbc, kGcm}));
  ASSERT_EQ(sa.proposals.size(), 2u);
  EXPECT_EQ(sa.proposals[0].transforms.size(), 4u);
  ASSERT_EQ(sa.proposals[1].transforms.size(), 3u);
  for (const auto& t : sa.proposals[1].transforms) EXPECT_NE(t.type, TransformType::INTEG);
  EXPECT_EQ(sa.proposals[0].transforms[0].key_length(), 256);
}

TEST(ProposalSelect, LocalOrderIsTheDefault) {
  SaPayload peer;
  peer.proposals = {gcm_proposal(), cbc_proposal()};
  auto r = select(ike_policy({kCbc, kGcm}), peer);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.selection->proposal_number, 2);
  EXPECT_EQ(r.selection->suite, kCbc);
  ASSERT_EQ(r.selection->sa.proposals.size(), 1u);
  EXPECT_EQ(r.selection->sa.proposals[0].number, 2);
}

TEST(ProposalSelect, PeerOrderPicksTheFirstAcceptableProposal) {
  SaPayload peer;
  Proposal junk = proposal(ProtocolId::IKE, {encr(EncrId::ENCR_3DES), prf(PrfId::PRF_HMAC_MD5),
                                             integ(IntegId::AUTH_HMAC_MD5_96), dh(DhGroup::MODP_1024)});
  peer.proposals = {junk, gcm_proposal(), cbc_proposal()};
  auto r = select(ike_policy({kCbc, kGcm}, SelectionOrder::Peer), peer);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.selection->proposal_number, 2);
  EXPECT_EQ(r.selection->suite, kGcm);
  ASSERT_TRUE(r.selection->key_suite);
  EXPECT_TRUE(r.selection->key_suite->encr.aead);
  EXPECT_FALSE(r.selection->key_suite->integ);
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].proposal_number, 1);
}

TEST(ProposalSelect, PeerOrderWithinAProposalFollowsThePeersTransformOrder) {
  Suite sha1 = kCbc;
  sha1.integ = IntegId::AUTH_HMAC_SHA1_96;
  SaPayload peer;
  peer.proposals = {proposal(ProtocolId::IKE,
                             {encr(EncrId::ENCR_AES_CBC, 256), prf(PrfId::PRF_HMAC_SHA2_256),
                              integ(IntegId::AUTH_HMAC_SHA1_96), integ(IntegId::AUTH_HMAC_SHA2_256_128),
                              dh(DhGroup::MODP_2048)})};
  auto peer_first = select(ike_policy({kCbc, sha1}, SelectionOrder::Peer), peer);
  ASSERT_TRUE(peer_first.ok());
  EXPECT_EQ(peer_first.selection->suite.integ, IntegId::AUTH_HMAC_SHA1_96);
  auto local_first = select(ike_policy({kCbc, sha1}), peer);
  ASSERT_TRUE(local_first.ok());
  EXPECT_EQ(local_first.selection->suite.integ, IntegId::AUTH_HMAC_SHA2_256_128);
  // One transform per type, in the peer's order.
  const auto& chosen = local_first.selection->sa.proposals[0].transforms;
  ASSERT_EQ(chosen.size(), 4u);
  EXPECT_EQ(chosen[2].id, static_cast<uint16_t>(IntegId::AUTH_HMAC_SHA2_256_128));
}

TEST(ProposalSelect, KeyLengthMustMatchAndIsReturned) {
  Suite aes128 = kCbc;
  aes128.key_bits = 128;
  SaPayload peer;
  peer.proposals = {proposal(ProtocolId::IKE, {encr(EncrId::ENCR_AES_CBC, 192), encr(EncrId::ENCR_AES_CBC, 128),
                                               prf(PrfId::PRF_HMAC_SHA2_256),
                                               integ(IntegId::AUTH_HMAC_SHA2_256_128), dh(DhGroup::MODP_2048)})};
  auto r = select(ike_policy({kCbc, aes128}), peer);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.selection->suite.key_bits, 128);
  EXPECT_EQ(r.selection->sa.proposals[0].transforms[0].key_length(), 128);
  EXPECT_EQ(r.selection->key_suite->encr.key_size, 16u);

  auto none = select(ike_policy({kCbc}), peer);
  ASSERT_FALSE(none.ok());
  ASSERT_EQ(none.rejections.size(), 1u);
  EXPECT_EQ(none.rejections[0].transform_type, TransformType::ENCR);
}

TEST(ProposalSelect, AeadRejectsARealIntegAndAcceptsNone) {
  Proposal with_integ = gcm_proposal();
  with_integ.transforms.push_back(integ(IntegId::AUTH_HMAC_SHA2_256_128));
  SaPayload peer;
  peer.proposals = {with_integ};
  auto r = select(ike_policy({kGcm}), peer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.rejections[0].transform_type, TransformType::INTEG);
  EXPECT_EQ(r.error().notify, static_cast<uint16_t>(codec::NotifyType::NO_PROPOSAL_CHOSEN));

  Proposal with_none = gcm_proposal();
  with_none.transforms.push_back(integ(IntegId::AUTH_NONE));
  peer.proposals = {with_none};
  r = select(ike_policy({kGcm}), peer);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  // INTEG NONE was offered, so one INTEG (NONE) is returned.
  EXPECT_EQ(r.selection->sa.proposals[0].transforms.size(), 4u);
}

TEST(ProposalSelect, MixedProposalPicksAConsistentCombination) {
  // AEAD and classic ciphers in one proposal with INTEG NONE among the
  // integrity transforms: the AEAD suite takes NONE, the CBC suite a real one.
  SaPayload peer;
  peer.proposals = {proposal(ProtocolId::IKE,
                             {encr(EncrId::ENCR_AES_GCM_16, 256), encr(EncrId::ENCR_AES_CBC, 256),
                              prf(PrfId::PRF_HMAC_SHA2_256), integ(IntegId::AUTH_HMAC_SHA2_256_128),
                              integ(IntegId::AUTH_NONE), dh(DhGroup::MODP_2048), dh(DhGroup::ECP_256)})};
  auto cbc = select(ike_policy({kCbc, kGcm}), peer);
  ASSERT_TRUE(cbc.ok());
  EXPECT_EQ(cbc.selection->suite, kCbc);
  auto gcm = select(ike_policy({kGcm, kCbc}), peer);
  ASSERT_TRUE(gcm.ok());
  EXPECT_EQ(gcm.selection->suite, kGcm);
  for (const auto& t : gcm.selection->sa.proposals[0].transforms) {
    if (t.type == TransformType::INTEG) {
      EXPECT_EQ(t.id, 0);
    }
  }
}

TEST(ProposalSelect, UnknownTransformIdsAndAttributesAreSkipped) {
  Transform unknown_attr = encr(EncrId::ENCR_AES_CBC, 256);
  unknown_attr.attributes.push_back({true, 99, 1, {}, {}});
  SaPayload peer;
  peer.proposals = {proposal(ProtocolId::IKE,
                             {Transform(TransformType::ENCR, 1000), unknown_attr, encr(EncrId::ENCR_AES_CBC, 256),
                              prf(PrfId::PRF_HMAC_SHA2_256), Transform(TransformType::INTEG, 999),
                              integ(IntegId::AUTH_HMAC_SHA2_256_128), dh(DhGroup::MODP_2048)})};
  auto r = select(ike_policy({kCbc}), peer);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto& chosen = r.selection->sa.proposals[0].transforms;
  ASSERT_EQ(chosen.size(), 4u);
  EXPECT_EQ(chosen[0].attributes.size(), 1u);  // the plain KEY_LENGTH one, not the one with attribute 99
}

TEST(ProposalSelect, UnknownTransformTypeRejectsOnlyThatProposal) {
  Proposal odd = cbc_proposal();
  odd.transforms.push_back(Transform(static_cast<TransformType>(200), 1));
  Proposal esn_in_ike = cbc_proposal();
  esn_in_ike.transforms.push_back(esn(EsnId::NO_ESN));
  SaPayload peer;
  peer.proposals = {odd, esn_in_ike, cbc_proposal()};
  auto r = select(ike_policy({kCbc}, SelectionOrder::Peer), peer);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.selection->proposal_number, 3);
  ASSERT_EQ(r.rejections.size(), 2u);
  EXPECT_EQ(r.rejections[0].transform_type, static_cast<TransformType>(200));
  EXPECT_EQ(r.rejections[1].transform_type, TransformType::ESN);
}

TEST(ProposalSelect, MissingMandatoryTypeIsNoProposalChosenWithReason) {
  Proposal no_prf = proposal(ProtocolId::IKE, {encr(EncrId::ENCR_AES_CBC, 256),
                                               integ(IntegId::AUTH_HMAC_SHA2_256_128), dh(DhGroup::MODP_2048)});
  Proposal no_integ = proposal(ProtocolId::IKE, {encr(EncrId::ENCR_AES_CBC, 256), prf(PrfId::PRF_HMAC_SHA2_256),
                                                 dh(DhGroup::MODP_2048)});
  SaPayload peer;
  peer.proposals = {no_prf, no_integ};
  auto r = select(ike_policy({kCbc}), peer);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.rejections.size(), 2u);
  EXPECT_EQ(r.rejections[0].proposal_number, 1);
  EXPECT_EQ(r.rejections[0].transform_type, TransformType::PRF);
  EXPECT_EQ(r.rejections[1].transform_type, TransformType::INTEG);
  const auto e = r.error();
  EXPECT_EQ(e.notify, static_cast<uint16_t>(codec::NotifyType::NO_PROPOSAL_CHOSEN));
  EXPECT_NE(e.reason.find("proposal 1: PRF"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("proposal 2: INTEG"), std::string::npos) << e.reason;

  SaPayload empty;
  EXPECT_FALSE(select(ike_policy({kCbc}), empty).ok());
}

Policy esp_policy(std::vector<Suite> suites) {
  Policy p;
  p.protocol = ProtocolId::ESP;
  p.suites = std::move(suites);
  return p;
}

TEST(ProposalSelect, EspNeedsEsnAndCarriesTheResponderSpi) {
  const Suite esp = esp_suite(EncrId::ENCR_AES_GCM_16, 128, IntegId::AUTH_NONE, EsnId::ESN);
  const Bytes spi_i = {1, 2, 3, 4};
  const Bytes spi_r = {9, 8, 7, 6};
  SaPayload peer;
  peer.proposals = {proposal(ProtocolId::ESP, {encr(EncrId::ENCR_AES_GCM_16, 128)}, spi_i),
                    proposal(ProtocolId::ESP, {encr(EncrId::ENCR_AES_GCM_16, 128), esn(EsnId::NO_ESN)}, spi_i),
                    proposal(ProtocolId::ESP,
                             {encr(EncrId::ENCR_AES_GCM_16, 128), esn(EsnId::NO_ESN), esn(EsnId::ESN)}, spi_i)};
  auto r = select(esp_policy({esp}), peer, spi_r);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.selection->proposal_number, 3);
  EXPECT_EQ(r.selection->peer_spi, spi_i);
  EXPECT_EQ(r.selection->sa.proposals[0].spi, spi_r);
  EXPECT_EQ(r.selection->suite.esn, EsnId::ESN);
  ASSERT_TRUE(r.selection->encr);
  EXPECT_FALSE(r.selection->integ);
  EXPECT_FALSE(r.selection->key_suite);
  ASSERT_EQ(r.rejections.size(), 2u);
  EXPECT_EQ(r.rejections[0].transform_type, TransformType::ESN);
  EXPECT_EQ(r.rejections[1].transform_type, TransformType::ESN);

  // A PFS group in the proposal is not acceptable to a policy without PFS
  // unless NONE is offered too.
  peer.proposals = {proposal(ProtocolId::ESP,
                             {encr(EncrId::ENCR_AES_GCM_16, 128), esn(EsnId::ESN), dh(DhGroup::ECP_256)}, spi_i)};
  auto pfs = select(esp_policy({esp}), peer, spi_r);
  ASSERT_FALSE(pfs.ok());
  EXPECT_EQ(pfs.rejections[0].transform_type, TransformType::DH);
  peer.proposals[0].transforms.push_back(dh(DhGroup::NONE));
  EXPECT_TRUE(select(esp_policy({esp}), peer, spi_r).ok());

  // SPI of the wrong size (RFC 7296 3.3.1).
  peer.proposals[0].spi = {1, 2};
  auto bad_spi = select(esp_policy({esp}), peer, spi_r);
  ASSERT_FALSE(bad_spi.ok());
  EXPECT_NE(bad_spi.rejections[0].reason.find("SPI"), std::string::npos);
}

TEST(ProposalSelect, AdditionalKeyExchangeOnlyWithNone) {
  Proposal p = cbc_proposal();
  p.transforms.push_back(Transform(TransformType::ADDKE1, static_cast<uint16_t>(DhGroup::ML_KEM_768)));
  SaPayload peer;
  peer.proposals = {p};
  EXPECT_FALSE(select(ike_policy({kCbc}), peer).ok());
  peer.proposals[0].transforms.push_back(Transform(TransformType::ADDKE1, 0));
  auto r = select(ike_policy({kCbc}), peer);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.selection->sa.proposals[0].transforms.size(), 5u);
}

// The initiator's check of the responder's answer.
class CheckResponse : public ::testing::Test {
 protected:
  SaPayload offered = build_offer(ike_policy({kCbc, kGcm}));
  SaPayload answer(std::size_t proposal_index) {
    auto r = select(ike_policy({proposal_index == 0 ? kCbc : kGcm}), offered);
    EXPECT_TRUE(r.ok());
    return r.selection->sa;
  }
};

TEST_F(CheckResponse, AcceptsTheResponderChoice) {
  auto r = check_response(offered, answer(1));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->proposal_number, 2);
  EXPECT_EQ(r->suite, kGcm);
  ASSERT_TRUE(r->key_suite);
}

TEST_F(CheckResponse, RejectsTwoProposals) {
  SaPayload a = answer(0);
  a.proposals.push_back(a.proposals[0]);
  auto r = check_response(offered, a);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("exactly one"), std::string::npos) << r.error().reason;
}

TEST_F(CheckResponse, RejectsAForeignProposalNumber) {
  SaPayload a = answer(0);
  a.proposals[0].number = 7;
  auto r = check_response(offered, a);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("not offered"), std::string::npos) << r.error().reason;
}

TEST_F(CheckResponse, RejectsAnExtraTransform) {
  SaPayload a = answer(0);
  a.proposals[0].transforms.push_back(integ(IntegId::AUTH_HMAC_SHA1_96));
  auto r = check_response(offered, a);
  ASSERT_FALSE(r.ok());
  SaPayload b = answer(0);
  b.proposals[0].transforms.push_back(b.proposals[0].transforms[2]);  // the same INTEG twice
  r = check_response(offered, b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("more than one"), std::string::npos) << r.error().reason;
}

TEST_F(CheckResponse, RejectsTransformsFromAnotherProposalAndChangedKeyLength) {
  SaPayload a = answer(0);
  a.proposals[0].transforms[3] = dh(DhGroup::ECP_256);  // offered only in proposal 2
  EXPECT_FALSE(check_response(offered, a).ok());
  SaPayload b = answer(0);
  b.proposals[0].transforms[0] = encr(EncrId::ENCR_AES_CBC, 128);
  EXPECT_FALSE(check_response(offered, b).ok());
}

TEST_F(CheckResponse, RejectsAMissingType) {
  SaPayload a = answer(0);
  a.proposals[0].transforms.erase(a.proposals[0].transforms.begin() + 1);  // PRF
  auto r = check_response(offered, a);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("PRF"), std::string::npos) << r.error().reason;
}

TEST(KeDecision, AcceptInvalidKeAndIgnore) {
  SaPayload peer;
  peer.proposals = {gcm_proposal(), cbc_proposal()};
  auto r = select(ike_policy({kCbc, kGcm}), peer, {}, DhGroup::ECP_256);
  ASSERT_TRUE(r.ok());
  // Local order picks MODP_2048 though the initiator guessed ECP_256.
  auto d = decide_ke(*r.selection, DhGroup::ECP_256);
  EXPECT_EQ(d.verdict, KeVerdict::InvalidKe);
  EXPECT_EQ(d.group, DhGroup::MODP_2048);
  EXPECT_EQ(decide_ke(*r.selection, DhGroup::MODP_2048).verdict, KeVerdict::Accept);
  EXPECT_EQ(decide_ke(*r.selection, std::nullopt).verdict, KeVerdict::InvalidKe);

  // With prefer_ke_group an acceptable guess wins and needs no retry.
  Policy keen = ike_policy({kCbc, kGcm});
  keen.prefer_ke_group = true;
  r = select(keen, peer, {}, DhGroup::ECP_256);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(decide_ke(*r.selection, DhGroup::ECP_256).verdict, KeVerdict::Accept);

  // Several groups in one proposal: the responder's preferred one is asked
  // for, and it is one the initiator proposed.
  const Suite ecp384 = ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256,
                                 DhGroup::ECP_384);
  Proposal groups = gcm_proposal();
  groups.transforms.push_back(dh(DhGroup::ECP_384));
  peer.proposals = {groups};
  r = select(ike_policy({ecp384, kGcm}), peer, {}, DhGroup::ECP_256);
  ASSERT_TRUE(r.ok());
  d = decide_ke(*r.selection, DhGroup::ECP_256);
  EXPECT_EQ(d.verdict, KeVerdict::InvalidKe);
  EXPECT_EQ(d.group, DhGroup::ECP_384);

  // Child SA without PFS: the KE payload is ignored.
  const Suite esp = esp_suite(EncrId::ENCR_AES_GCM_16, 128, IntegId::AUTH_NONE, EsnId::NO_ESN);
  SaPayload child;
  child.proposals = {proposal(ProtocolId::ESP, {encr(EncrId::ENCR_AES_GCM_16, 128), esn(EsnId::NO_ESN)},
                              {1, 2, 3, 4})};
  auto c = select(esp_policy({esp}), child, Bytes{5, 6, 7, 8});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(decide_ke(*c.selection, DhGroup::ECP_256).verdict, KeVerdict::Ignore);
}

TEST(ProposalRoundTrip, OfferEncodeDecodeSelectCheck) {
  Policy initiator = ike_policy({kGcm, kCbc});
  Policy responder = ike_policy({kCbc, kGcm}, SelectionOrder::Peer);
  const SaPayload offer = build_offer(initiator);

  std::vector<codec::Payload> out{codec::Payload(PayloadType::SA, offer)};
  PayloadType first = PayloadType::NONE;
  const Bytes wire = codec::encode_payloads(out, &first);
  ASSERT_EQ(first, PayloadType::SA);
  auto decoded = codec::decode_payloads(first, wire);
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  const SaPayload* received = (*decoded)[0].as<SaPayload>();
  ASSERT_NE(received, nullptr);

  auto chosen = select(responder, *received, {}, DhGroup::ECP_256);
  ASSERT_TRUE(chosen.ok()) << chosen.error().to_string();
  EXPECT_EQ(chosen.selection->suite, kGcm);  // the peer's first proposal
  EXPECT_EQ(decide_ke(*chosen.selection, DhGroup::ECP_256).verdict, KeVerdict::Accept);

  std::vector<codec::Payload> back{codec::Payload(PayloadType::SA, chosen.selection->sa)};
  const Bytes answer_wire = codec::encode_payloads(back, &first);
  auto answer = codec::decode_payloads(first, answer_wire);
  ASSERT_TRUE(answer.ok()) << answer.error().to_string();
  const SaPayload* answered = (*answer)[0].as<SaPayload>();
  ASSERT_NE(answered, nullptr);

  auto accepted = check_response(offer, *answered);
  ASSERT_TRUE(accepted.ok()) << accepted.error().to_string();
  EXPECT_EQ(accepted->suite, kGcm);
  EXPECT_EQ(accepted->proposal_number, 1);
  ASSERT_TRUE(accepted->key_suite);
  EXPECT_EQ(accepted->key_suite->encr.keymat_size(), chosen.selection->key_suite->encr.keymat_size());

  // Responder preferring its own order picks CBC in proposal 2; the answer
  // carries number 2 through the codec.
  auto local = select(ike_policy({kCbc, kGcm}), *received);
  ASSERT_TRUE(local.ok());
  std::vector<codec::Payload> back2{codec::Payload(PayloadType::SA, local.selection->sa)};
  const Bytes wire2 = codec::encode_payloads(back2, &first);
  auto answer2 = codec::decode_payloads(first, wire2);
  ASSERT_TRUE(answer2.ok());
  auto accepted2 = check_response(offer, *(*answer2)[0].as<SaPayload>());
  ASSERT_TRUE(accepted2.ok()) << accepted2.error().to_string();
  EXPECT_EQ(accepted2->proposal_number, 2);
  EXPECT_EQ(accepted2->suite, kCbc);
}

}  // namespace
}  // namespace ikeh::engine
