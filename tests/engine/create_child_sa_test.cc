// SPDX-License-Identifier: Apache-2.0
// CREATE_CHILD_SA as a role-split task: an IKE SA from IKE_SA_INIT, then a
// new Child SA (RFC 7296 1.3.1) with and without PFS, a Child SA rekey
// (1.3.3) and an IKE SA rekey (1.3.2, 2.18) between two tasks in one process
// with seeded randomness. Keys are compared across the two sides and with
// KEYMAT / SKEYSEED recomputed here from the raw values; the refusals
// (INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE,
// CHILD_SA_NOT_FOUND, TEMPORARY_FAILURE), the initiator's checks of a bad
// response, and the collision rules of 2.8.1/2.8.2 in every nonce order.
#include "harness/engine/create_child_sa.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "harness/codec/message.h"
#include "harness/crypto/kdf.h"
#include "harness/crypto/sk.h"

namespace ikeh::engine {
namespace {

using codec::KePayload;
using codec::NotifyPayload;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;
using codec::SaPayload;
using codec::TrafficSelector;
using codec::TsPayload;

RandomSource seeded(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return [gen](uint8_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((*gen)());
  };
}

uint16_t code(NotifyType t) { return static_cast<uint16_t>(t); }

const Endpoint kInitiatorAddr{{192, 0, 2, 1}, 500};
const Endpoint kResponderAddr{{198, 51, 100, 1}, 500};
const Bytes kAny4{0, 0, 0, 0};
const Bytes kNet10{10, 0, 0, 0};
const Bytes kNet10_1{10, 1, 0, 0};
const Bytes kNet192{192, 168, 0, 0};

Suite ike_gcm() {
  return ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256, DhGroup::ECP_256);
}
// The rekeyed IKE SA's suite: another PRF than the parent's, so a SKEYSEED
// computed with the wrong PRF would show.
Suite ike_cbc_384() {
  return ike_suite(EncrId::ENCR_AES_CBC, 256, IntegId::AUTH_HMAC_SHA2_384_192, PrfId::PRF_HMAC_SHA2_384,
                   DhGroup::ECP_384);
}
Suite esp_gcm(DhGroup pfs = DhGroup::NONE) {
  return esp_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, EsnId::NO_ESN, pfs);
}
Suite esp_cbc(DhGroup pfs = DhGroup::NONE) {
  return esp_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, EsnId::NO_ESN, pfs);
}

Policy policy(ProtocolId protocol, std::vector<Suite> suites) {
  Policy p;
  p.protocol = protocol;
  p.suites = std::move(suites);
  return p;
}

// The IKE SA both tasks run under.
struct Parents {
  IkeSaInitResult initiator;
  IkeSaInitResult responder;
};

Parents make_parents() {
  IkeSaInitConfig ic;
  ic.policy.suites = {ike_gcm()};
  ic.local = kInitiatorAddr;
  ic.remote = kResponderAddr;
  IkeSaInitConfig rc = ic;
  rc.local = kResponderAddr;
  rc.remote = kInitiatorAddr;
  IkeSaInitInitiator init(ic, seeded(11));
  IkeSaInitResponder resp(rc, {}, seeded(12));
  Parents out;
  auto req = init.build_request();
  EXPECT_TRUE(req.ok()) << req.error().to_string();
  if (!req) return out;
  auto r = resp.process_request(*req);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  if (!r) return out;
  auto i = init.process_response(r->response);
  EXPECT_TRUE(i.ok()) << i.error().to_string();
  if (!i || !init.result() || !resp.result()) return out;
  out.initiator = *init.result();
  out.responder = *resp.result();
  return out;
}

// The chains travel encoded, as they would inside SK.
std::vector<Payload> roundtrip(const std::vector<Payload>& chain) {
  PayloadType first = PayloadType::NONE;
  Bytes bytes = codec::encode_payloads(chain, &first);
  auto decoded = codec::decode_payloads(first, bytes);
  EXPECT_TRUE(decoded.ok()) << decoded.error().to_string();
  return decoded ? std::move(decoded).value() : std::vector<Payload>{};
}

Bytes encode(const std::vector<Payload>& chain) { return codec::encode_payloads(chain); }

std::vector<PayloadType> types(const std::vector<Payload>& chain) {
  std::vector<PayloadType> out;
  for (const auto& p : chain) out.push_back(p.type);
  return out;
}

template <class T>
const T* body(const std::vector<Payload>& chain, PayloadType t) {
  for (const auto& p : chain)
    if (p.type == t) return p.as<T>();
  return nullptr;
}

template <class T>
T* body(std::vector<Payload>& chain, PayloadType t) {
  for (auto& p : chain)
    if (p.type == t) return p.as<T>();
  return nullptr;
}

const NotifyPayload* notify(const std::vector<Payload>& chain, NotifyType t) {
  for (const auto& p : chain) {
    const auto* n = p.as<NotifyPayload>();
    if (p.type == PayloadType::N && n && n->type == t) return n;
  }
  return nullptr;
}

CreateChildRequestConfig child_request(std::vector<Suite> suites) {
  CreateChildRequestConfig c;
  c.kind = CreateChildKind::NewChild;
  c.policy = policy(ProtocolId::ESP, std::move(suites));
  c.tsi = {prefix_selector(kAny4, 0)};
  c.tsr = {prefix_selector(kAny4, 0)};
  return c;
}

CreateChildResponderConfig responder(std::vector<Suite> esp) {
  CreateChildResponderConfig c;
  c.child_policy = policy(ProtocolId::ESP, std::move(esp));
  c.ike_policy = policy(ProtocolId::IKE, {ike_cbc_384(), ike_gcm()});
  c.tsi = {prefix_selector(kAny4, 0)};
  c.tsr = {prefix_selector(kAny4, 0)};
  return c;
}

// One exchange; `mutate` edits the response chain before the initiator
// sees it.
struct Exchange {
  std::vector<Payload> request;
  std::optional<CreateChildResponderStep> step;
  std::optional<core::Result<CreateChildResult>> initiator;
  Bytes ni;
  Bytes spi;

  const CreateChildResult& i() const { return initiator->value(); }
  const CreateChildResult& r() const { return step->result; }
};

Exchange run(const Parents& parents, const CreateChildRequestConfig& req, const CreateChildResponderConfig& resp,
        uint64_t seed_i = 31, uint64_t seed_r = 32,
        const std::function<void(std::vector<Payload>&)>& mutate = {}) {
  Exchange out;
  CreateChildInitiator init(parent_sa(parents.initiator), req, seeded(seed_i));
  CreateChildResponder responder_task(parent_sa(parents.responder), resp, seeded(seed_r));
  auto request = init.build_inner();
  EXPECT_TRUE(request.ok()) << request.error().to_string();
  if (!request) return out;
  out.request = roundtrip(*request);
  out.ni = init.nonce();
  out.spi = init.spi();
  auto step = responder_task.process_inner(out.request);
  EXPECT_TRUE(step.ok()) << step.error().to_string();
  if (!step) return out;
  out.step = std::move(step).value();
  auto response = roundtrip(out.step->inner);
  if (mutate) mutate(response);
  out.initiator.emplace(init.process_inner(response));
  return out;
}

bool created(const Exchange& r) {
  return r.step && r.initiator && r.initiator->ok() && r.step->result.outcome == CreateChildOutcome::Created &&
         r.i().outcome == CreateChildOutcome::Created;
}

void expect_same_keys(const crypto::ChildSaKeys& a, const crypto::ChildSaKeys& b) {
  EXPECT_EQ(a.encr_i.reveal(), b.encr_i.reveal());
  EXPECT_EQ(a.integ_i.reveal(), b.integ_i.reveal());
  EXPECT_EQ(a.encr_r.reveal(), b.encr_r.reveal());
  EXPECT_EQ(a.integ_r.reveal(), b.integ_r.reveal());
}

void expect_same_keys(const crypto::IkeSaKeys& a, const crypto::IkeSaKeys& b) {
  EXPECT_EQ(a.sk_d.reveal(), b.sk_d.reveal());
  EXPECT_EQ(a.sk_ai.reveal(), b.sk_ai.reveal());
  EXPECT_EQ(a.sk_ar.reveal(), b.sk_ar.reveal());
  EXPECT_EQ(a.sk_ei.reveal(), b.sk_ei.reveal());
  EXPECT_EQ(a.sk_er.reveal(), b.sk_er.reveal());
  EXPECT_EQ(a.sk_pi.reveal(), b.sk_pi.reveal());
  EXPECT_EQ(a.sk_pr.reveal(), b.sk_pr.reveal());
}

// The initiator's DH private value, drawn again from its seed in the order
// build_inner() documents (SPI, Ni, private value), so g^ir can be
// recomputed here without the task.
crypto::KeyExchange replay_initiator_ke(uint64_t seed, bool ike, std::size_t nonce_size, DhGroup group) {
  RandomSource random = seeded(seed);
  for (;;) {
    Bytes spi(ike ? 8 : 4);
    random(spi.data(), spi.size());
    uint64_t v = 0;
    for (uint8_t x : spi) v = v << 8 | x;
    if (ike ? v != 0 : v >= 256) break;
  }
  Bytes nonce(nonce_size);
  random(nonce.data(), nonce.size());
  auto info = crypto::dh_group_info(group);
  EXPECT_TRUE(info.ok());
  Bytes priv(info->private_size);
  random(priv.data(), priv.size());
  auto ke = crypto::KeyExchange::from_private(group, priv);
  EXPECT_TRUE(ke.ok()) << ke.error().to_string();
  return std::move(ke).value();
}

// g^ir from the replayed initiator value and the responder's KE payload;
// also checks that the replay reproduced the KE the initiator sent.
crypto::Secret replay_g_ir(const Exchange& r, uint64_t seed, bool ike, DhGroup group) {
  auto ke = replay_initiator_ke(seed, ike, r.ni.size(), group);
  const auto* kei = body<KePayload>(r.request, PayloadType::KE);
  const auto* ker = body<KePayload>(r.step->inner, PayloadType::KE);
  EXPECT_NE(kei, nullptr);
  EXPECT_NE(ker, nullptr);
  if (!kei || !ker) return {};
  EXPECT_EQ(ke.public_value(), kei->data);
  auto g = ke.shared_secret(ker->data);
  EXPECT_TRUE(g.ok()) << g.error().to_string();
  return g ? std::move(g).value() : crypto::Secret{};
}

crypto::ChildSaKeys keymat(const IkeSaInitResult& parent, const ChildSa& child, const Bytes& ni, const Bytes& nr,
                           BytesView g_ir = {}) {
  auto keys = crypto::derive_child_sa_keys(parent.selection.suite.prf, parent.keys.sk_d.view(),
                                           *child.selection.encr, child.selection.integ, ni, nr, g_ir);
  EXPECT_TRUE(keys.ok()) << keys.error().to_string();
  return keys ? std::move(keys).value() : crypto::ChildSaKeys{};
}

uint32_t spi32(const Bytes& b) {
  uint32_t v = 0;
  for (uint8_t x : b) v = v << 8 | x;
  return v;
}

class CreateChildSaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    parents_ = make_parents();
    ASSERT_FALSE(parents_.initiator.keys.sk_d.empty());
    ASSERT_EQ(parents_.initiator.keys.sk_d.reveal(), parents_.responder.keys.sk_d.reveal());
  }
  Parents parents_;
};

// ----- New Child SA -----

using CreateChildSa = CreateChildSaTest;

TEST_F(CreateChildSa, NewChildWithoutPfsAgreesOnKeymat) {
  Exchange r = run(parents_, child_request({esp_gcm(), esp_cbc()}), responder({esp_cbc(), esp_gcm()}));
  ASSERT_TRUE(created(r)) << (r.initiator && !r.initiator->ok() ? r.initiator->error().to_string() : "");
  const ChildSa& ci = *r.i().child;
  const ChildSa& cr = *r.r().child;
  EXPECT_EQ(r.i().kind, CreateChildKind::NewChild);
  EXPECT_EQ(r.r().kind, CreateChildKind::NewChild);
  EXPECT_EQ(r.i().group, DhGroup::NONE);
  // The responder's policy order decides (SelectionOrder::Local).
  EXPECT_EQ(ci.selection.suite, esp_cbc());
  EXPECT_EQ(cr.selection.suite, esp_cbc());
  EXPECT_EQ(ci.spi_i, r.spi);
  EXPECT_EQ(cr.spi_i, r.spi);
  EXPECT_EQ(ci.spi_r, cr.spi_r);
  EXPECT_EQ(ci.selection.peer_spi, cr.spi_r);
  EXPECT_EQ(cr.selection.peer_spi, ci.spi_i);
  EXPECT_EQ(r.i().ni, r.r().ni);
  EXPECT_EQ(r.i().nr, r.r().nr);
  EXPECT_NE(r.i().ni, r.i().nr);
  expect_same_keys(ci.keys, cr.keys);
  // RFC 7296 2.17 recomputed: KEYMAT = prf+(SK_d, Ni | Nr) of this exchange,
  // not of IKE_SA_INIT.
  expect_same_keys(ci.keys, keymat(parents_.initiator, ci, r.i().ni, r.i().nr));
  EXPECT_NE(ci.keys.encr_i.reveal(), keymat(parents_.initiator, ci, parents_.initiator.ni,
                                            parents_.initiator.nr).encr_i.reveal());
  EXPECT_EQ(ci.keys.integ_i.size(), 32u);  // HMAC-SHA2-256-128 key
  EXPECT_FALSE(ci.transport_mode);
}

TEST_F(CreateChildSa, RequestAndResponseFollowRfcLayout) {
  auto req = child_request({esp_gcm(DhGroup::ECP_256)});
  req.esp_tfc_padding_not_supported = true;
  auto resp = responder({esp_gcm(DhGroup::ECP_256)});
  resp.non_first_fragments_also = true;
  Exchange r = run(parents_, req, resp);
  ASSERT_TRUE(created(r));
  // RFC 7296 1.3.1: SK {[N], SA, Ni, [KEi], TSi, TSr} / SK {[N], SA, Nr, [KEr], TSi, TSr}.
  EXPECT_EQ(types(r.request), (std::vector<PayloadType>{PayloadType::N, PayloadType::SA, PayloadType::NONCE,
                                                        PayloadType::KE, PayloadType::TSi, PayloadType::TSr}));
  EXPECT_EQ(types(r.step->inner), (std::vector<PayloadType>{PayloadType::N, PayloadType::SA, PayloadType::NONCE,
                                                            PayloadType::KE, PayloadType::TSi, PayloadType::TSr}));
  const auto* offer = body<SaPayload>(r.request, PayloadType::SA);
  ASSERT_NE(offer, nullptr);
  ASSERT_EQ(offer->proposals.size(), 1u);
  EXPECT_EQ(offer->proposals[0].protocol_id, ProtocolId::ESP);
  EXPECT_EQ(offer->proposals[0].spi, r.spi);
  EXPECT_EQ(r.spi.size(), 4u);
  EXPECT_GE(spi32(r.spi), 256u);
  const auto* answer = body<SaPayload>(r.step->inner, PayloadType::SA);
  ASSERT_NE(answer, nullptr);
  ASSERT_EQ(answer->proposals.size(), 1u);
  EXPECT_EQ(answer->proposals[0].spi, r.r().child->spi_r);
  EXPECT_EQ(answer->proposals[0].spi.size(), 4u);
  EXPECT_GE(spi32(answer->proposals[0].spi), 256u);
  EXPECT_EQ(body<codec::NoncePayload>(r.request, PayloadType::NONCE)->data.size(), 32u);
  EXPECT_TRUE(r.r().peer_esp_tfc_padding_not_supported);
  EXPECT_FALSE(r.r().peer_non_first_fragments_also);
  EXPECT_TRUE(r.i().peer_non_first_fragments_also);
  EXPECT_FALSE(r.i().peer_esp_tfc_padding_not_supported);
}

TEST_F(CreateChildSa, NarrowedSelectorsReachTheInitiator) {
  auto req = child_request({esp_gcm()});
  auto resp = responder({esp_gcm()});
  resp.tsi = {prefix_selector(kNet10, 8)};
  resp.tsr = {prefix_selector(kNet192, 16)};
  Exchange r = run(parents_, req, resp);
  ASSERT_TRUE(created(r));
  ASSERT_EQ(r.i().child->tsi.size(), 1u);
  EXPECT_EQ(r.i().child->tsi[0].start_address, kNet10);
  EXPECT_EQ(r.i().child->tsi[0].end_address, (Bytes{10, 255, 255, 255}));
  ASSERT_EQ(r.i().child->tsr.size(), 1u);
  EXPECT_EQ(r.i().child->tsr[0].end_address, (Bytes{192, 168, 255, 255}));
  EXPECT_EQ(r.r().child->tsi[0].start_address, r.i().child->tsi[0].start_address);
}

TEST_F(CreateChildSa, TsUnacceptable) {
  auto req = child_request({esp_gcm()});
  req.tsi = {prefix_selector(kNet192, 16)};
  auto resp = responder({esp_gcm()});
  resp.tsi = {prefix_selector(kNet10, 8)};
  Exchange r = run(parents_, req, resp);
  ASSERT_TRUE(r.step && r.initiator && r.initiator->ok());
  EXPECT_EQ(r.r().outcome, CreateChildOutcome::Refused);
  EXPECT_EQ(r.r().notify, code(NotifyType::TS_UNACCEPTABLE));
  ASSERT_EQ(r.step->inner.size(), 1u);  // the notify alone
  EXPECT_NE(notify(r.step->inner, NotifyType::TS_UNACCEPTABLE), nullptr);
  EXPECT_EQ(r.i().outcome, CreateChildOutcome::Refused);
  EXPECT_EQ(r.i().notify, code(NotifyType::TS_UNACCEPTABLE));
  EXPECT_FALSE(r.i().child.has_value());
  EXPECT_FALSE(r.r().child.has_value());
}

TEST_F(CreateChildSa, NoProposalChosen) {
  Exchange r = run(parents_, child_request({esp_gcm()}), responder({esp_cbc()}));
  ASSERT_TRUE(r.step && r.initiator && r.initiator->ok());
  EXPECT_EQ(r.r().outcome, CreateChildOutcome::Refused);
  EXPECT_EQ(r.r().notify, code(NotifyType::NO_PROPOSAL_CHOSEN));
  EXPECT_EQ(types(r.step->inner), std::vector<PayloadType>{PayloadType::N});
  EXPECT_EQ(r.i().outcome, CreateChildOutcome::Refused);
  EXPECT_EQ(r.i().notify, code(NotifyType::NO_PROPOSAL_CHOSEN));
}

TEST_F(CreateChildSa, TransportModeAcceptedOrDeclined) {
  auto req = child_request({esp_gcm()});
  req.transport_mode = true;
  auto resp = responder({esp_gcm()});
  resp.allow_transport_mode = true;
  Exchange yes = run(parents_, req, resp);
  ASSERT_TRUE(created(yes));
  EXPECT_NE(notify(yes.request, NotifyType::USE_TRANSPORT_MODE), nullptr);
  EXPECT_NE(notify(yes.step->inner, NotifyType::USE_TRANSPORT_MODE), nullptr);
  EXPECT_TRUE(yes.i().child->transport_mode);
  EXPECT_TRUE(yes.r().child->transport_mode);

  // RFC 7296 1.3.1: a declined request leaves tunnel mode, not a failure.
  resp.allow_transport_mode = false;
  Exchange no = run(parents_, req, resp);
  ASSERT_TRUE(created(no));
  EXPECT_EQ(notify(no.step->inner, NotifyType::USE_TRANSPORT_MODE), nullptr);
  EXPECT_FALSE(no.i().child->transport_mode);
  EXPECT_FALSE(no.r().child->transport_mode);
}

TEST_F(CreateChildSa, AdmissionHookAnswersTemporaryFailure) {
  auto resp = responder({esp_gcm()});
  std::vector<CreateChildKind> asked;
  resp.admit = [&](CreateChildKind kind, BytesView spi) -> std::optional<NotifyType> {
    asked.push_back(kind);
    EXPECT_TRUE(spi.empty());
    return NotifyType::TEMPORARY_FAILURE;
  };
  Exchange r = run(parents_, child_request({esp_gcm()}), resp);
  ASSERT_TRUE(r.step && r.initiator && r.initiator->ok());
  EXPECT_EQ(asked, std::vector<CreateChildKind>{CreateChildKind::NewChild});
  EXPECT_EQ(r.r().notify, code(NotifyType::TEMPORARY_FAILURE));
  EXPECT_EQ(r.i().outcome, CreateChildOutcome::Refused);
  EXPECT_EQ(r.i().notify, code(NotifyType::TEMPORARY_FAILURE));
}

TEST_F(CreateChildSa, SameSeedGivesIdenticalBytes) {
  auto req = child_request({esp_gcm(DhGroup::CURVE25519)});
  auto resp = responder({esp_gcm(DhGroup::CURVE25519)});
  Exchange a = run(parents_, req, resp, 41, 42);
  Exchange b = run(parents_, req, resp, 41, 42);
  Exchange c = run(parents_, req, resp, 43, 42);
  ASSERT_TRUE(created(a) && created(b) && created(c));
  EXPECT_EQ(encode(a.request), encode(b.request));
  EXPECT_EQ(encode(a.step->inner), encode(b.step->inner));
  expect_same_keys(a.i().child->keys, b.i().child->keys);
  EXPECT_NE(encode(a.request), encode(c.request));
  EXPECT_NE(a.i().child->keys.encr_i.reveal(), c.i().child->keys.encr_i.reveal());
}

// ----- PFS (RFC 7296 1.3.1, 2.17: KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)) -----

class CreateChildSaPfs : public CreateChildSaTest, public ::testing::WithParamInterface<DhGroup> {};

TEST_P(CreateChildSaPfs, KeymatIncludesTheNewSharedSecret) {
  const DhGroup group = GetParam();
  Exchange r = run(parents_, child_request({esp_gcm(group)}), responder({esp_gcm(group)}), 51, 52);
  ASSERT_TRUE(created(r)) << (r.initiator && !r.initiator->ok() ? r.initiator->error().to_string() : "");
  EXPECT_EQ(r.i().group, group);
  EXPECT_EQ(r.r().group, group);
  ASSERT_NE(body<KePayload>(r.request, PayloadType::KE), nullptr);
  EXPECT_EQ(body<KePayload>(r.request, PayloadType::KE)->group, group);
  EXPECT_EQ(body<KePayload>(r.step->inner, PayloadType::KE)->group, group);
  expect_same_keys(r.i().child->keys, r.r().child->keys);
  crypto::Secret g_ir = replay_g_ir(r, 51, false, group);
  ASSERT_FALSE(g_ir.empty());
  expect_same_keys(r.i().child->keys, keymat(parents_.initiator, *r.i().child, r.i().ni, r.i().nr, g_ir.view()));
  // Without g^ir the keys would differ: the shared secret is really used.
  EXPECT_NE(r.i().child->keys.encr_i.reveal(),
            keymat(parents_.initiator, *r.i().child, r.i().ni, r.i().nr).encr_i.reveal());
}

INSTANTIATE_TEST_SUITE_P(CreateChildSaGroups, CreateChildSaPfs,
                         ::testing::Values(DhGroup::ECP_256, DhGroup::MODP_2048, DhGroup::CURVE25519),
                         [](const ::testing::TestParamInfo<DhGroup>& info) {
                           return std::string(codec::name_of(info.param));
                         });

// ----- INVALID_KE_PAYLOAD (RFC 7296 1.3, 2.7) -----

TEST_F(CreateChildSa, InvalidKeRoundTrip) {
  auto req = child_request({esp_gcm(DhGroup::ECP_256), esp_gcm(DhGroup::MODP_2048)});
  auto resp = responder({esp_gcm(DhGroup::MODP_2048)});
  Exchange first = run(parents_, req, resp, 61, 62);
  ASSERT_TRUE(first.step && first.initiator && first.initiator->ok());
  EXPECT_EQ(first.r().outcome, CreateChildOutcome::InvalidKe);
  ASSERT_EQ(first.step->inner.size(), 1u);
  const auto* n = notify(first.step->inner, NotifyType::INVALID_KE_PAYLOAD);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->data, (Bytes{0x00, 0x0e}));  // MODP_2048 = 14, two bytes
  EXPECT_EQ(first.i().outcome, CreateChildOutcome::InvalidKe);
  EXPECT_EQ(first.i().notify, code(NotifyType::INVALID_KE_PAYLOAD));
  EXPECT_EQ(first.i().retry_group, DhGroup::MODP_2048);

  req.ke_group = first.i().retry_group;
  Exchange second = run(parents_, req, resp, 63, 64);
  ASSERT_TRUE(created(second)) << (second.initiator && !second.initiator->ok()
                                       ? second.initiator->error().to_string() : "");
  EXPECT_EQ(body<KePayload>(second.request, PayloadType::KE)->group, DhGroup::MODP_2048);
  EXPECT_EQ(second.i().group, DhGroup::MODP_2048);
  expect_same_keys(second.i().child->keys, second.r().child->keys);
  crypto::Secret g_ir = replay_g_ir(second, 63, false, DhGroup::MODP_2048);
  expect_same_keys(second.i().child->keys,
                   keymat(parents_.initiator, *second.i().child, second.i().ni, second.i().nr, g_ir.view()));
}

TEST_F(CreateChildSa, ResponderRequiringPfsAsksForKe) {
  // The initiator prefers no PFS and sends no KE; the responder only
  // accepts the PFS proposal and asks for its group.
  auto req = child_request({esp_cbc(), esp_gcm(DhGroup::ECP_256)});
  auto resp = responder({esp_gcm(DhGroup::ECP_256)});
  Exchange first = run(parents_, req, resp);
  ASSERT_TRUE(first.step && first.initiator && first.initiator->ok());
  EXPECT_EQ(body<KePayload>(first.request, PayloadType::KE), nullptr);
  EXPECT_EQ(first.i().outcome, CreateChildOutcome::InvalidKe);
  EXPECT_EQ(first.i().retry_group, DhGroup::ECP_256);
  req.ke_group = DhGroup::ECP_256;
  Exchange second = run(parents_, req, resp, 71, 72);
  ASSERT_TRUE(created(second));
  EXPECT_EQ(second.i().group, DhGroup::ECP_256);
  expect_same_keys(second.i().child->keys, second.r().child->keys);
}

TEST_F(CreateChildSa, KeIgnoredWhenResponderChoosesNoPfs) {
  // RFC 3.3.6: the chosen proposal has no group, so the KE is ignored and
  // no KE comes back.
  auto req = child_request({esp_gcm(DhGroup::ECP_256), esp_cbc()});
  Exchange r = run(parents_, req, responder({esp_cbc()}));
  ASSERT_TRUE(created(r)) << (r.initiator && !r.initiator->ok() ? r.initiator->error().to_string() : "");
  EXPECT_NE(body<KePayload>(r.request, PayloadType::KE), nullptr);
  EXPECT_EQ(body<KePayload>(r.step->inner, PayloadType::KE), nullptr);
  EXPECT_EQ(r.i().group, DhGroup::NONE);
  expect_same_keys(r.i().child->keys, keymat(parents_.initiator, *r.i().child, r.i().ni, r.i().nr));
}

// ----- Initiator checks of the response -----

TEST_F(CreateChildSa, ResponseErrorsFailTheAttempt) {
  auto req = child_request({esp_gcm(DhGroup::ECP_256)});
  req.tsi = {prefix_selector(kNet10, 8)};
  auto resp = responder({esp_gcm(DhGroup::ECP_256)});
  struct Case {
    const char* name;
    std::function<void(std::vector<Payload>&)> mutate;
  };
  auto drop = [](PayloadType t) {
    return [t](std::vector<Payload>& c) {
      c.erase(std::remove_if(c.begin(), c.end(), [t](const Payload& p) { return p.type == t; }), c.end());
    };
  };
  const std::vector<Case> cases = {
      {"no SA", drop(PayloadType::SA)},
      {"no Nr", drop(PayloadType::NONCE)},
      {"no KE", drop(PayloadType::KE)},
      {"no TSi", drop(PayloadType::TSi)},
      {"KE of another group",
       [](std::vector<Payload>& c) { body<KePayload>(c, PayloadType::KE)->group = DhGroup::ECP_384; }},
      {"8-byte SPI",
       [](std::vector<Payload>& c) { body<SaPayload>(c, PayloadType::SA)->proposals[0].spi = Bytes(8, 0x42); }},
      {"reserved SPI",
       [](std::vector<Payload>& c) { body<SaPayload>(c, PayloadType::SA)->proposals[0].spi = {0, 0, 0, 7}; }},
      {"TSi wider than the offer",
       [](std::vector<Payload>& c) { body<TsPayload>(c, PayloadType::TSi)->selectors = {prefix_selector(kAny4, 0)}; }},
      {"short Nr",
       [](std::vector<Payload>& c) { body<codec::NoncePayload>(c, PayloadType::NONCE)->data.resize(15); }},
      {"unsolicited transport mode",
       [](std::vector<Payload>& c) { c.insert(c.begin(), codec::make_notify(NotifyType::USE_TRANSPORT_MODE)); }},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    Exchange r = run(parents_, req, resp, 31, 32, tc.mutate);
    ASSERT_TRUE(r.step && r.initiator);
    EXPECT_EQ(r.r().outcome, CreateChildOutcome::Created);
    EXPECT_FALSE(r.initiator->ok());
  }
  // The unmutated response is accepted, so the errors above come from the
  // mutations.
  Exchange ok = run(parents_, req, resp);
  EXPECT_TRUE(created(ok));
}

TEST_F(CreateChildSa, UnacceptableInvalidKeGroupIsAnError) {
  // A group the policy never offered, or the one already sent, is not a
  // retry the initiator can make.
  auto req = child_request({esp_gcm(DhGroup::ECP_256)});
  auto resp = responder({esp_gcm(DhGroup::ECP_256)});
  for (Bytes group : {Bytes{0x00, 0x0e}, Bytes{0x00, 0x13}, Bytes{0x13}}) {
    Exchange r = run(parents_, req, resp, 31, 32, [&](std::vector<Payload>& c) {
      c = {codec::make_notify(NotifyType::INVALID_KE_PAYLOAD, group)};
    });
    ASSERT_TRUE(r.initiator);
    EXPECT_FALSE(r.initiator->ok()) << core::to_hex(group);
  }
}

TEST_F(CreateChildSa, BuildRejectsBadConfig) {
  ParentSa parent = parent_sa(parents_.initiator);
  auto bad_kind = child_request({esp_gcm()});
  bad_kind.kind = CreateChildKind::RekeyIke;  // with an ESP policy
  auto bad_spi = child_request({esp_gcm()});
  bad_spi.kind = CreateChildKind::RekeyChild;
  bad_spi.rekey_spi = {1, 2, 3};
  auto bad_group = child_request({esp_gcm(DhGroup::ECP_256)});
  bad_group.ke_group = DhGroup::MODP_2048;
  auto no_ts = child_request({esp_gcm()});
  no_ts.tsr.clear();
  auto bad_nonce = child_request({esp_gcm()});
  bad_nonce.nonce_size = 8;
  for (const auto& cfg : {bad_kind, bad_spi, bad_group, no_ts, bad_nonce}) {
    CreateChildInitiator init(parent, cfg, seeded(1));
    EXPECT_FALSE(init.build_inner().ok());
  }
  CreateChildInitiator once(parent, child_request({esp_gcm()}), seeded(1));
  EXPECT_TRUE(once.build_inner().ok());
  EXPECT_FALSE(once.build_inner().ok());
}

TEST_F(CreateChildSa, MalformedRequestIsInvalidSyntax) {
  CreateChildInitiator init(parent_sa(parents_.initiator), child_request({esp_gcm()}), seeded(1));
  auto req = init.build_inner();
  ASSERT_TRUE(req.ok());
  std::vector<Payload> no_tsr = *req;
  no_tsr.pop_back();
  std::vector<Payload> short_ni = *req;
  body<codec::NoncePayload>(short_ni, PayloadType::NONCE)->data.resize(8);
  for (const auto& chain : {no_tsr, short_ni}) {
    CreateChildResponder resp(parent_sa(parents_.responder), responder({esp_gcm()}), seeded(2));
    auto step = resp.process_inner(chain);
    ASSERT_TRUE(step.ok());
    EXPECT_EQ(step->result.outcome, CreateChildOutcome::Refused);
    EXPECT_EQ(step->result.notify, code(NotifyType::INVALID_SYNTAX));
    EXPECT_EQ(types(step->inner), std::vector<PayloadType>{PayloadType::N});
  }
}

// ----- Child SA rekey (RFC 7296 1.3.3, 2.8, 2.25) -----

using RekeyChild = CreateChildSaTest;

TEST_F(RekeyChild, NamesTheReplacedSaAndKeysTheNewOne) {
  const Bytes old_spi{0xc0, 0x01, 0x02, 0x03};
  auto req = child_request({esp_gcm(DhGroup::ECP_256)});
  req.kind = CreateChildKind::RekeyChild;
  req.rekey_spi = old_spi;
  auto resp = responder({esp_gcm(DhGroup::ECP_256)});
  std::vector<Bytes> looked_up;
  resp.child_sa_exists = [&](ProtocolId protocol, BytesView spi) {
    EXPECT_EQ(protocol, ProtocolId::ESP);
    looked_up.emplace_back(spi.begin(), spi.end());
    return Bytes(spi.begin(), spi.end()) == old_spi;
  };
  Exchange r = run(parents_, req, resp, 81, 82);
  ASSERT_TRUE(created(r)) << (r.initiator && !r.initiator->ok() ? r.initiator->error().to_string() : "");
  // RFC 7296 1.3.3: N(REKEY_SA) first, protocol ESP, the SPI being replaced.
  ASSERT_FALSE(r.request.empty());
  const auto* n = r.request.front().as<NotifyPayload>();
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->type, NotifyType::REKEY_SA);
  EXPECT_EQ(n->protocol_id, ProtocolId::ESP);
  EXPECT_EQ(n->spi, old_spi);
  EXPECT_EQ(looked_up, std::vector<Bytes>{old_spi});
  EXPECT_EQ(r.r().kind, CreateChildKind::RekeyChild);
  EXPECT_EQ(r.r().rekeyed_spi, old_spi);
  EXPECT_EQ(r.r().rekeyed_protocol, ProtocolId::ESP);
  EXPECT_EQ(r.i().rekeyed_spi, old_spi);
  EXPECT_NE(r.i().child->spi_i, old_spi);
  expect_same_keys(r.i().child->keys, r.r().child->keys);
  crypto::Secret g_ir = replay_g_ir(r, 81, false, DhGroup::ECP_256);
  expect_same_keys(r.i().child->keys, keymat(parents_.initiator, *r.i().child, r.i().ni, r.i().nr, g_ir.view()));
}

TEST_F(RekeyChild, UnknownSpiIsChildSaNotFound) {
  const Bytes old_spi{0xc0, 0x01, 0x02, 0x03};
  auto req = child_request({esp_gcm()});
  req.kind = CreateChildKind::RekeyChild;
  req.rekey_spi = old_spi;
  auto resp = responder({esp_gcm()});
  resp.child_sa_exists = [](ProtocolId, BytesView) { return false; };
  bool admitted = false;
  resp.admit = [&](CreateChildKind, BytesView) -> std::optional<NotifyType> {
    admitted = true;
    return std::nullopt;
  };
  Exchange r = run(parents_, req, resp);
  ASSERT_TRUE(r.step && r.initiator && r.initiator->ok());
  EXPECT_FALSE(admitted);  // the lookup answers first
  EXPECT_EQ(r.r().outcome, CreateChildOutcome::Refused);
  EXPECT_EQ(r.r().notify, 44);  // RFC 7296 3.10.1
  ASSERT_EQ(r.step->inner.size(), 1u);
  const auto* n = notify(r.step->inner, NotifyType::CHILD_SA_NOT_FOUND);
  ASSERT_NE(n, nullptr);
  // RFC 7296 2.25: the SPI is copied from REKEY_SA.
  EXPECT_EQ(n->protocol_id, ProtocolId::ESP);
  EXPECT_EQ(n->spi, old_spi);
  EXPECT_EQ(r.i().outcome, CreateChildOutcome::Refused);
  EXPECT_EQ(r.i().notify, code(NotifyType::CHILD_SA_NOT_FOUND));
}

TEST_F(RekeyChild, ClosingSaAnswersTemporaryFailure) {
  const Bytes old_spi{0xc0, 0x01, 0x02, 0x03};
  auto req = child_request({esp_gcm()});
  req.kind = CreateChildKind::RekeyChild;
  req.rekey_spi = old_spi;
  auto resp = responder({esp_gcm()});
  resp.child_sa_exists = [](ProtocolId, BytesView) { return true; };
  resp.admit = [&](CreateChildKind kind, BytesView spi) -> std::optional<NotifyType> {
    EXPECT_EQ(kind, CreateChildKind::RekeyChild);
    EXPECT_EQ(Bytes(spi.begin(), spi.end()), old_spi);
    return NotifyType::TEMPORARY_FAILURE;  // RFC 7296 2.25.1: we are closing it
  };
  Exchange r = run(parents_, req, resp);
  ASSERT_TRUE(r.step && r.initiator && r.initiator->ok());
  EXPECT_EQ(r.i().outcome, CreateChildOutcome::Refused);
  EXPECT_EQ(r.i().notify, code(NotifyType::TEMPORARY_FAILURE));
}

// ----- IKE SA rekey (RFC 7296 1.3.2, 2.18) -----

CreateChildRequestConfig ike_request() {
  CreateChildRequestConfig c;
  c.kind = CreateChildKind::RekeyIke;
  c.policy = policy(ProtocolId::IKE, {ike_cbc_384()});
  return c;
}

// Protects an INFORMATIONAL request (from the new SA's initiator) or
// response under `sender`'s keys and opens it with `receiver`'s.
core::Result<std::vector<Payload>> protect_and_open(const IkeSaInitResult& sender, const IkeSaInitResult& receiver,
                                                    bool initiator_sent) {
  auto send_ctx = crypto::SkContext::create(*sender.selection.key_suite, crypto::keys_for(sender.keys, initiator_sent));
  if (!send_ctx) return send_ctx.error();
  std::vector<Payload> inner = {codec::make_notify(NotifyType::INITIAL_CONTACT)};
  PayloadType first = PayloadType::NONE;
  Bytes chain = codec::encode_payloads(inner, &first);
  auto m = codec::make_message(codec::ExchangeType::INFORMATIONAL,
                               initiator_sent ? codec::flags::kInitiator : codec::flags::kResponse, 0, sender.spi_i,
                               sender.spi_r, {Payload(PayloadType::SK, codec::SkPayload{})});
  auto wire = crypto::protect(*send_ctx, std::move(m), first, chain);
  if (!wire) return wire.error();
  auto decoded = codec::decode_message(*wire);
  if (!decoded) return decoded.error();
  if (decoded->header.spi_i != receiver.spi_i || decoded->header.spi_r != receiver.spi_r)
    return core::make_error("test", "SPIs differ");
  auto recv_ctx =
      crypto::SkContext::create(*receiver.selection.key_suite, crypto::keys_for(receiver.keys, initiator_sent));
  if (!recv_ctx) return recv_ctx.error();
  auto plain = crypto::unprotect(*recv_ctx, *decoded, *wire);
  if (!plain) return plain.error();
  return codec::decode_payloads(plain->first_inner, plain->inner);
}

using RekeyIke = CreateChildSaTest;

TEST_F(RekeyIke, NewSpisAndKeysProtectTraffic) {
  // The original responder starts the rekey: it becomes the new SA's
  // initiator (RFC 7296 2.18).
  Parents swapped{parents_.responder, parents_.initiator};
  Exchange r = run(swapped, ike_request(), responder({esp_gcm()}), 91, 92);
  ASSERT_TRUE(created(r)) << (r.initiator && !r.initiator->ok() ? r.initiator->error().to_string() : "");
  EXPECT_EQ(r.r().kind, CreateChildKind::RekeyIke);
  EXPECT_EQ(types(r.request), (std::vector<PayloadType>{PayloadType::SA, PayloadType::NONCE, PayloadType::KE}));
  EXPECT_EQ(types(r.step->inner), (std::vector<PayloadType>{PayloadType::SA, PayloadType::NONCE, PayloadType::KE}));
  const auto* offer = body<SaPayload>(r.request, PayloadType::SA);
  ASSERT_NE(offer, nullptr);
  EXPECT_EQ(offer->proposals[0].protocol_id, ProtocolId::IKE);
  EXPECT_EQ(offer->proposals[0].spi.size(), 8u);
  EXPECT_EQ(body<SaPayload>(r.step->inner, PayloadType::SA)->proposals[0].spi.size(), 8u);

  const IkeSaInitResult& ni = *r.i().new_ike;
  const IkeSaInitResult& nr = *r.r().new_ike;
  uint64_t spi = 0;
  for (uint8_t x : r.spi) spi = spi << 8 | x;
  EXPECT_EQ(ni.spi_i, spi);
  EXPECT_EQ(nr.spi_i, spi);
  EXPECT_EQ(ni.spi_r, nr.spi_r);
  EXPECT_NE(ni.spi_i, 0u);
  EXPECT_NE(ni.spi_r, 0u);
  EXPECT_NE(ni.spi_i, parents_.initiator.spi_i);
  EXPECT_NE(ni.spi_r, parents_.initiator.spi_r);
  EXPECT_EQ(ni.selection.suite, ike_cbc_384());
  EXPECT_EQ(nr.selection.suite, ike_cbc_384());
  EXPECT_EQ(ni.group, DhGroup::ECP_384);
  EXPECT_EQ(ni.ni, r.ni);
  EXPECT_EQ(nr.nr, ni.nr);
  EXPECT_TRUE(ni.request.empty());
  EXPECT_EQ(ni.skeyseed.reveal(), nr.skeyseed.reveal());
  expect_same_keys(ni.keys, nr.keys);

  // RFC 7296 2.18 recomputed: SKEYSEED = prf(SK_d old, g^ir new | Ni | Nr)
  // with the OLD PRF, then the SK_* keys with the new suite and SPIs.
  crypto::Secret g_ir = replay_g_ir(r, 91, true, DhGroup::ECP_384);
  ASSERT_FALSE(g_ir.empty());
  auto seed = crypto::skeyseed_rekey(parents_.initiator.selection.suite.prf, parents_.initiator.keys.sk_d.view(),
                                     g_ir.view(), ni.ni, ni.nr);
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(ni.skeyseed.reveal(), seed->reveal());
  auto wrong_prf = crypto::skeyseed_rekey(PrfId::PRF_HMAC_SHA2_384, parents_.initiator.keys.sk_d.view(),
                                          g_ir.view(), ni.ni, ni.nr);
  ASSERT_TRUE(wrong_prf.ok());
  EXPECT_NE(ni.skeyseed.reveal(), wrong_prf->reveal());
  auto suite = crypto::make_suite(EncrId::ENCR_AES_CBC, 256, IntegId::AUTH_HMAC_SHA2_384_192,
                                  PrfId::PRF_HMAC_SHA2_384);
  ASSERT_TRUE(suite.ok());
  auto keys = crypto::derive_ike_sa_keys(*suite, seed->view(), ni.ni, ni.nr, ni.spi_i, ni.spi_r);
  ASSERT_TRUE(keys.ok());
  expect_same_keys(ni.keys, *keys);
  EXPECT_EQ(ni.keys.sk_d.size(), 48u);  // the new PRF's key size
  EXPECT_NE(ni.keys.sk_d.reveal(), parents_.initiator.keys.sk_d.reveal());

  // Both directions of the new SA work between the two sides.
  auto to_responder = protect_and_open(ni, nr, true);
  ASSERT_TRUE(to_responder.ok()) << to_responder.error().to_string();
  EXPECT_NE(notify(*to_responder, NotifyType::INITIAL_CONTACT), nullptr);
  auto to_initiator = protect_and_open(nr, ni, false);
  ASSERT_TRUE(to_initiator.ok()) << to_initiator.error().to_string();
  // A receiver holding other keys of the same sizes (the I-direction key
  // with one bit flipped) rejects the message: the check above is real.
  IkeSaInitResult tampered = nr;
  Bytes k = tampered.keys.sk_ai.reveal();
  k[0] ^= 1;
  tampered.keys.sk_ai = crypto::Secret(k);
  EXPECT_FALSE(protect_and_open(ni, tampered, true).ok());
}

TEST_F(RekeyIke, NoAcceptableIkeProposal) {
  auto resp = responder({esp_gcm()});
  resp.ike_policy = policy(ProtocolId::IKE, {ike_gcm()});
  Exchange r = run(parents_, ike_request(), resp);
  ASSERT_TRUE(r.step && r.initiator && r.initiator->ok());
  EXPECT_EQ(r.r().kind, CreateChildKind::RekeyIke);
  EXPECT_EQ(r.i().outcome, CreateChildOutcome::Refused);
  EXPECT_EQ(r.i().notify, code(NotifyType::NO_PROPOSAL_CHOSEN));
  EXPECT_FALSE(r.i().new_ike.has_value());
}

TEST_F(RekeyIke, InvalidKeRoundTrip) {
  auto req = ike_request();
  Suite ecp256 = ike_cbc_384();
  ecp256.dh = DhGroup::ECP_256;
  req.policy.suites.push_back(ecp256);
  auto resp = responder({esp_gcm()});
  resp.ike_policy = policy(ProtocolId::IKE, {ecp256});
  Exchange first = run(parents_, req, resp);
  ASSERT_TRUE(first.initiator && first.initiator->ok());
  EXPECT_EQ(first.i().outcome, CreateChildOutcome::InvalidKe);
  EXPECT_EQ(first.i().retry_group, DhGroup::ECP_256);
  req.ke_group = DhGroup::ECP_256;
  Exchange second = run(parents_, req, resp, 93, 94);
  ASSERT_TRUE(created(second));
  EXPECT_EQ(second.i().new_ike->group, DhGroup::ECP_256);
  expect_same_keys(second.i().new_ike->keys, second.r().new_ike->keys);
}

TEST_F(RekeyIke, ResponseWithTsOrWithoutKeIsAnError) {
  auto with_ts = [](std::vector<Payload>& c) {
    TsPayload ts;
    ts.selectors = {prefix_selector(kNet10_1, 16)};
    c.emplace_back(PayloadType::TSi, ts);
    c.emplace_back(PayloadType::TSr, ts);
  };
  auto without_ke = [](std::vector<Payload>& c) {
    c.erase(std::remove_if(c.begin(), c.end(), [](const Payload& p) { return p.type == PayloadType::KE; }), c.end());
  };
  for (const auto& mutate : {std::function<void(std::vector<Payload>&)>(with_ts),
                             std::function<void(std::vector<Payload>&)>(without_ke)}) {
    Exchange r = run(parents_, ike_request(), responder({esp_gcm()}), 31, 32, mutate);
    ASSERT_TRUE(r.initiator);
    EXPECT_FALSE(r.initiator->ok());
  }
}

// ----- Collisions (RFC 7296 2.8.1, 2.8.2) -----

TEST(RekeyCollision, NonceOrderIsOctetByOctet) {
  EXPECT_LT(compare_nonces(Bytes{0x01, 0xff}, Bytes{0x02, 0x00}), 0);
  EXPECT_GT(compare_nonces(Bytes{0x80}, Bytes{0x7f, 0xff}), 0);  // not as integers of different lengths
  EXPECT_EQ(compare_nonces(Bytes{0x05, 0x06}, Bytes{0x05, 0x06}), 0);
  // "If you reach the end of one nonce, that nonce is the lower one."
  EXPECT_LT(compare_nonces(Bytes{0x05, 0x06}, Bytes{0x05, 0x06, 0x00}), 0);
  EXPECT_GT(compare_nonces(Bytes{0x05, 0x06, 0x00}, Bytes{0x05, 0x06}), 0);
  Bytes a{0x10}, b{0x0f, 0xff};
  EXPECT_EQ(lowest_nonce(a, b).data(), b.data());
  EXPECT_EQ(lowest_nonce(b, a).data(), b.data());
}

TEST(RekeyCollision, EveryOrderOfFourNonces) {
  // n[0] < n[1] < n[2] < n[3], with a prefix pair and unequal lengths.
  const std::array<Bytes, 4> n = {Bytes{0x01, 0x02}, Bytes{0x01, 0x02, 0x00}, Bytes{0x7f, 0xff, 0xff},
                                  Bytes{0x80}};
  std::array<int, 4> perm = {0, 1, 2, 3};
  int cases = 0;
  do {
    const Bytes& a_ni = n[perm[0]];  // the exchange A initiated: A's Ni, B's Nr
    const Bytes& a_nr = n[perm[1]];
    const Bytes& b_ni = n[perm[2]];  // the exchange B initiated: B's Ni, A's Nr
    const Bytes& b_nr = n[perm[3]];
    // The SA with the lowest of the four nonces is redundant.
    const bool a_created_lowest = perm[0] == 0 || perm[1] == 0;
    for (bool a_original_initiator : {true, false}) {
      RekeyCollision at_a = resolve_rekey_collision(a_ni, a_nr, b_ni, b_nr, a_original_initiator);
      RekeyCollision at_b = resolve_rekey_collision(b_ni, b_nr, a_ni, a_nr, !a_original_initiator);
      EXPECT_EQ(at_a, a_created_lowest ? RekeyCollision::OursRedundant : RekeyCollision::PeersRedundant)
          << perm[0] << perm[1] << perm[2] << perm[3];
      // Both sides agree: exactly one of them deletes its own new SA.
      EXPECT_NE(at_a, at_b);
    }
    ++cases;
  } while (std::next_permutation(perm.begin(), perm.end()));
  EXPECT_EQ(cases, 24);
}

TEST(RekeyCollision, EqualLowestNoncesStillGiveOneVerdict) {
  const Bytes low{0x00, 0x01}, mid{0x50}, high{0x90};
  // Same lowest nonce in both exchanges: the higher ones decide.
  EXPECT_EQ(resolve_rekey_collision(low, mid, high, low, true), RekeyCollision::OursRedundant);
  EXPECT_EQ(resolve_rekey_collision(high, low, low, mid, false), RekeyCollision::PeersRedundant);
  // All nonces equal: the exchange the original responder started goes.
  EXPECT_EQ(resolve_rekey_collision(low, mid, mid, low, true), RekeyCollision::PeersRedundant);
  EXPECT_EQ(resolve_rekey_collision(mid, low, low, mid, false), RekeyCollision::OursRedundant);
}

TEST(RekeyCollision, ResultsOfTwoRealExchanges) {
  // Both sides rekey the IKE SA at once; each resolves the collision from
  // the nonces it saw and exactly one new SA survives.
  Parents parents = make_parents();
  auto resp = responder({esp_gcm()});
  Exchange by_i = run(parents, ike_request(), resp, 101, 102);
  Exchange by_r = run(Parents{parents.responder, parents.initiator}, ike_request(), resp, 103, 104);
  ASSERT_TRUE(created(by_i) && created(by_r));
  RekeyCollision at_i = resolve_rekey_collision(by_i.i().ni, by_i.i().nr, by_r.r().ni, by_r.r().nr, true);
  RekeyCollision at_r = resolve_rekey_collision(by_r.i().ni, by_r.i().nr, by_i.r().ni, by_i.r().nr, false);
  EXPECT_NE(at_i, at_r);
  const bool i_lowest = compare_nonces(lowest_nonce(by_i.i().ni, by_i.i().nr),
                                       lowest_nonce(by_r.i().ni, by_r.i().nr)) < 0;
  EXPECT_EQ(at_i, i_lowest ? RekeyCollision::OursRedundant : RekeyCollision::PeersRedundant);
}

}  // namespace
}  // namespace ikeh::engine
