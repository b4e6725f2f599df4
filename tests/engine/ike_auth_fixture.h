// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the IKE_AUTH tests: seeded randomness, IKE_SA_INIT between
// two engines in one process, one IKE_AUTH round trip through the byte-level
// wrappers, and views of the decrypted inner chains.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "harness/codec/message.h"
#include "harness/codec/payload.h"
#include "harness/crypto/auth.h"
#include "harness/crypto/sk.h"
#include "harness/engine/ike_auth.h"

namespace ikeh::engine::test {

inline RandomSource seeded(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return [gen](uint8_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((*gen)());
  };
}

inline Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }
inline crypto::Secret secret(const std::string& s) { return crypto::Secret(text(s)); }

inline codec::IdPayload make_id(codec::IdType type, Bytes data) {
  codec::IdPayload id;
  id.id_type = type;
  id.data = std::move(data);
  return id;
}
inline codec::IdPayload fqdn(const std::string& name) { return make_id(codec::IdType::ID_FQDN, text(name)); }

inline const Endpoint kInitiatorAddr{{192, 0, 2, 1}, 500};
inline const Endpoint kResponderAddr{{198, 51, 100, 1}, 500};
inline const Bytes kAny4{0, 0, 0, 0};

inline Suite ike_cbc() {
  return ike_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, PrfId::PRF_HMAC_SHA2_256,
                   DhGroup::ECP_256);
}
inline Suite ike_gcm() {
  return ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256, DhGroup::ECP_256);
}
inline Suite esp_gcm() { return esp_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, EsnId::NO_ESN); }
inline Suite esp_cbc() {
  return esp_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, EsnId::NO_ESN);
}

inline Policy esp_policy(std::vector<Suite> suites) {
  Policy p;
  p.protocol = ProtocolId::ESP;
  p.suites = std::move(suites);
  return p;
}

// The IKE_SA_INIT results of both sides.
struct InitPair {
  IkeSaInitResult initiator;
  IkeSaInitResult responder;
};

struct InitOptions {
  Suite ike = ike_gcm();
  // SIGNATURE_HASH_ALGORITHMS each side sends (RFC 7427 4); empty sends none.
  std::vector<uint16_t> hashes_i;
  std::vector<uint16_t> hashes_r;
};

inline std::optional<InitPair> run_ike_sa_init(const InitOptions& o = {}) {
  IkeSaInitConfig ic;
  ic.policy.suites = {o.ike};
  ic.local = kInitiatorAddr;
  ic.remote = kResponderAddr;
  ic.signature_hashes = o.hashes_i;
  IkeSaInitConfig rc = ic;
  rc.local = kResponderAddr;
  rc.remote = kInitiatorAddr;
  rc.signature_hashes = o.hashes_r;
  IkeSaInitInitiator init(ic, seeded(11));
  IkeSaInitResponder resp(rc, {}, seeded(12));
  auto req = init.build_request();
  EXPECT_TRUE(req.ok()) << req.error().to_string();
  if (!req) return std::nullopt;
  auto r = resp.process_request(*req);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  if (!r) return std::nullopt;
  auto i = init.process_response(r->response);
  EXPECT_TRUE(i.ok()) << i.error().to_string();
  if (!i || !init.result() || !resp.result()) return std::nullopt;
  return InitPair{*init.result(), *resp.result()};
}

inline IkeAuthInitiatorConfig psk_initiator_config() {
  IkeAuthInitiatorConfig c;
  c.idi = fqdn("initiator.example");
  c.local_auth.psk = secret("correct horse battery staple");
  c.child_policy = esp_policy({esp_gcm(), esp_cbc()});
  c.tsi = {prefix_selector(kAny4, 0)};
  c.tsr = {prefix_selector(kAny4, 0)};
  c.initial_contact = true;
  return c;
}

inline IkeAuthResponderConfig psk_responder_config() {
  IkeAuthResponderConfig c;
  c.idr = fqdn("responder.example");
  c.psk_lookup = [](const codec::IdPayload& idi) -> std::optional<crypto::Secret> {
    if (idi.id_type == codec::IdType::ID_FQDN && idi.data == text("initiator.example"))
      return secret("correct horse battery staple");
    return std::nullopt;
  };
  c.child_policy = esp_policy({esp_gcm(), esp_cbc()});
  c.tsi = {prefix_selector(kAny4, 0)};
  c.tsr = {prefix_selector(kAny4, 0)};
  return c;
}

struct AuthRun {
  std::optional<InitPair> init;
  Bytes request;
  Bytes response;
  std::optional<IkeAuthResponderStep> responder;
  std::optional<core::Result<IkeAuthResult>> initiator;
};

// IKE_SA_INIT, then IKE_AUTH through build_request / process_request /
// process_response. Stops (leaving later members empty) at the first step
// that fails; that step's failure is reported with EXPECT.
inline AuthRun run(const IkeAuthInitiatorConfig& ic, const IkeAuthResponderConfig& rc, const InitOptions& o = {}) {
  AuthRun out;
  out.init = run_ike_sa_init(o);
  if (!out.init) return out;
  IkeAuthInitiator init(out.init->initiator, ic, seeded(21));
  IkeAuthResponder resp(out.init->responder, rc, seeded(22));
  auto req = init.build_request();
  EXPECT_TRUE(req.ok()) << req.error().to_string();
  if (!req) return out;
  out.request = *req;
  auto step = resp.process_request(out.request);
  EXPECT_TRUE(step.ok()) << step.error().to_string();
  if (!step) return out;
  out.responder = *step;
  out.response = step->response;
  out.initiator = init.process_response(out.response);
  return out;
}

// The decrypted inner chain of one IKE_AUTH message.
inline std::vector<codec::Payload> inner_of(const Bytes& wire, const IkeSaInitResult& sa, bool initiator_sent) {
  auto m = codec::decode_message(wire);
  EXPECT_TRUE(m.ok());
  if (!m) return {};
  auto plain = crypto::unprotect(*sa.selection.key_suite, crypto::keys_for(sa.keys, initiator_sent), *m, wire);
  EXPECT_TRUE(plain.ok()) << plain.error().to_string();
  if (!plain) return {};
  auto inner = codec::decode_payloads(plain->first_inner, plain->inner);
  EXPECT_TRUE(inner.ok());
  return inner ? std::move(inner).value() : std::vector<codec::Payload>{};
}

inline std::vector<codec::PayloadType> types_of(const std::vector<codec::Payload>& inner) {
  std::vector<codec::PayloadType> t;
  for (const auto& p : inner) t.push_back(p.type);
  return t;
}

// The notify types of the chain, in order.
inline std::vector<codec::NotifyType> notifies_of(const std::vector<codec::Payload>& inner) {
  std::vector<codec::NotifyType> t;
  for (const auto& p : inner)
    if (const auto* n = p.as<codec::NotifyPayload>(); p.type == codec::PayloadType::N && n) t.push_back(n->type);
  return t;
}

inline const codec::Payload* find(const std::vector<codec::Payload>& inner, codec::PayloadType t) {
  for (const auto& p : inner)
    if (p.type == t) return &p;
  return nullptr;
}

inline codec::NotifyPayload* find_notify(std::vector<codec::Payload>& inner, codec::NotifyType t) {
  for (auto& p : inner)
    if (auto* n = p.as<codec::NotifyPayload>(); p.type == codec::PayloadType::N && n && n->type == t) return n;
  return nullptr;
}

inline uint16_t notify_number(codec::NotifyType t) { return static_cast<uint16_t>(t); }

inline void expect_same_child(const ChildSa& a, const ChildSa& b) {
  EXPECT_EQ(a.selection.suite, b.selection.suite);
  EXPECT_EQ(a.spi_i, b.spi_i);
  EXPECT_EQ(a.spi_r, b.spi_r);
  EXPECT_EQ(a.spi_i.size(), 4u);
  EXPECT_EQ(a.spi_r.size(), 4u);
  EXPECT_NE(a.spi_i, a.spi_r);
  EXPECT_TRUE(a.keys.encr_i == b.keys.encr_i);
  EXPECT_TRUE(a.keys.encr_r == b.keys.encr_r);
  EXPECT_TRUE(a.keys.integ_i == b.keys.integ_i);
  EXPECT_TRUE(a.keys.integ_r == b.keys.integ_r);
  EXPECT_FALSE(a.keys.encr_i.empty());
  EXPECT_FALSE(a.keys.encr_i == a.keys.encr_r);
  EXPECT_EQ(a.transport_mode, b.transport_mode);
  ASSERT_EQ(a.tsi.size(), b.tsi.size());
  ASSERT_EQ(a.tsr.size(), b.tsr.size());
  for (std::size_t i = 0; i < a.tsi.size(); ++i) EXPECT_TRUE(covers(a.tsi[i], b.tsi[i]) && covers(b.tsi[i], a.tsi[i]));
  for (std::size_t i = 0; i < a.tsr.size(); ++i) EXPECT_TRUE(covers(a.tsr[i], b.tsr[i]) && covers(b.tsr[i], a.tsr[i]));
}

}  // namespace ikeh::engine::test
