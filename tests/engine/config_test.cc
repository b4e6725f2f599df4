// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/config.h"

#include <gtest/gtest.h>

#include <string>

#include "harness/core/bytes.h"
#include "harness/crypto/auth.h"

namespace ikeh::engine {
namespace {

using codec::DhGroup;
using codec::EncrId;
using codec::EsnId;
using codec::IntegId;
using codec::PrfId;

// A configuration that passes validate(): one IKE and one ESP suite, a PSK.
EngineConfig valid_config() {
  EngineConfig c;
  c.ike_policy.protocol = ProtocolId::IKE;
  c.ike_policy.suites = {
      ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256, DhGroup::ECP_256)};
  c.child_policy.protocol = ProtocolId::ESP;
  c.child_policy.suites = {esp_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, EsnId::NO_ESN)};
  c.local_auth.kind = AuthKind::Psk;
  c.local_auth.psk = crypto::Secret(core::to_bytes("shared"));
  return c;
}

// validate()'s error line, or "OK".
std::string check(const EngineConfig& c) {
  auto s = validate(c);
  return s ? "OK" : s.error().to_string();
}

crypto::PrivateKey make_key() {
  auto k = crypto::generate_private_key(crypto::KeySpec{});
  EXPECT_TRUE(k.ok()) << k.error().to_string();
  return *k;
}

TEST(EngineConfig, AuthKindNames) {
  EXPECT_STREQ(auth_kind_name(AuthKind::Psk), "psk");
  EXPECT_STREQ(auth_kind_name(AuthKind::Signature), "signature");
}

TEST(EngineConfig, ValidBaselinePasses) { EXPECT_EQ(check(valid_config()), "OK"); }

TEST(EngineConfig, PoliciesAreChecked) {
  EngineConfig c;  // no suites at all
  EXPECT_EQ(check(c), "ike_policy: no suites");

  c = valid_config();
  c.child_policy.protocol = ProtocolId::IKE;
  EXPECT_EQ(check(c), "child_policy: protocol must be ESP or AH, got IKE");

  c = valid_config();
  c.ike_policy.protocol = ProtocolId::ESP;
  EXPECT_EQ(check(c), "ike_policy: protocol must be IKE, got ESP");

  c = valid_config();
  // A classic ESP cipher without integrity: the crypto layer keys none.
  c.child_policy.suites.push_back(esp_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_NONE, EsnId::NO_ESN));
  std::string e = check(c);
  EXPECT_EQ(e.rfind("child_policy: suite 1: ", 0), 0u) << e;

  c = valid_config();
  c.ike_policy.suites[0].dh = DhGroup::NONE;
  e = check(c);
  EXPECT_EQ(e.rfind("ike_policy: suite 0: ", 0), 0u) << e;
}

TEST(EngineConfig, NonceFragmentAndWindowBounds) {
  EngineConfig c = valid_config();
  c.nonce_size = 15;
  EXPECT_EQ(check(c), "nonce_size: 15 is outside 16..256 (RFC 7296 2.10)");
  c.nonce_size = 257;
  EXPECT_EQ(check(c), "nonce_size: 257 is outside 16..256 (RFC 7296 2.10)");
  c.nonce_size = 16;
  EXPECT_EQ(check(c), "OK");
  c.nonce_size = 256;
  EXPECT_EQ(check(c), "OK");

  c.fragment_size = 575;
  EXPECT_EQ(check(c), "fragment_size: 575 is below the minimum of 576 (RFC 7383 2.5.1)");
  c.fragment_size = 576;
  EXPECT_EQ(check(c), "OK");

  c.window_size = 0;
  EXPECT_EQ(check(c), "window_size: must be at least 1 (RFC 7296 2.3)");
}

TEST(EngineConfig, RetransmitSettingsNameTheirField) {
  EngineConfig c = valid_config();
  c.retransmit.base = 0.5;
  EXPECT_EQ(check(c), "retransmit.base: must be at least 1 (intervals must not shrink, RFC 7296 2.1)");
  c = valid_config();
  c.retransmit.timeout_s = 0;
  EXPECT_EQ(check(c), "retransmit.timeout_s: must be above 0 s");
}

TEST(EngineConfig, PskNeedsAKey) {
  EngineConfig c = valid_config();
  c.local_auth.psk = crypto::Secret();
  c.psks.clear();
  EXPECT_EQ(check(c), "local_auth.psk: empty (psk authentication needs a pre-shared key, here or in psks)");
  // Keys per peer are enough.
  c.psks.push_back(PskEntry{std::nullopt, crypto::Secret(core::to_bytes("x"))});
  EXPECT_EQ(check(c), "OK");

  c = valid_config();
  c.psks.push_back(PskEntry{std::nullopt, crypto::Secret(core::to_bytes("x"))});
  c.psks.push_back(PskEntry{std::nullopt, crypto::Secret()});
  EXPECT_EQ(check(c), "psks.1.psk: empty pre-shared key");
}

TEST(EngineConfig, SignatureNeedsAMatchingKeyAndCertificate) {
  const crypto::PrivateKey key = make_key();
  auto cert = crypto::self_signed_certificate(key, "gw.example");
  ASSERT_TRUE(cert.ok()) << cert.error().to_string();

  EngineConfig c = valid_config();
  c.local_auth.kind = AuthKind::Signature;
  c.local_auth.psk = crypto::Secret();
  EXPECT_EQ(check(c), "local_auth.private_key: missing (signature authentication needs a private key)");
  c.local_auth.private_key = key;
  EXPECT_EQ(check(c), "local_auth.certificate: missing (signature authentication needs a certificate)");
  c.local_auth.certificate = *cert;
  EXPECT_EQ(check(c), "OK");

  c.local_auth.private_key = make_key();  // another P-256 key
  EXPECT_EQ(check(c), "local_auth.private_key: private key (EC P-256) does not match the certificate's public key "
                      "(EC P-256, subject " + cert->subject() + ")");
}

TEST(EngineConfig, PoolBounds) {
  EngineConfig c = valid_config();
  AddressPoolConfig pool;
  pool.first = {10, 0, 0, 1};
  pool.last = {10, 0, 0, 1};
  c.pool = pool;
  EXPECT_EQ(check(c), "OK");  // a one-address pool

  c.pool->last = {10, 0, 0, 0};
  EXPECT_EQ(check(c), "pool.last: last address is below the first");

  c.pool->last = core::Bytes(16, 0);
  EXPECT_EQ(check(c), "pool.last: first and last address are of different families (IPv4 and IPv6)");

  c.pool->first = {10, 0, 0};
  EXPECT_EQ(check(c), "pool.first: must be 4 (IPv4) or 16 (IPv6) bytes, got 3");

  c.pool->first = core::Bytes(16, 0);
  c.pool->last = core::Bytes(16, 0);
  c.pool->first[15] = 1;
  c.pool->last[0] = 0x20;  // numerically above despite the lower last byte
  EXPECT_EQ(check(c), "OK");
}

}  // namespace
}  // namespace ikeh::engine
