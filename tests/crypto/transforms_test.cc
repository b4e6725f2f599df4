// SPDX-License-Identifier: Apache-2.0
// Transform sizes per their RFCs, and the errors for unknown or badly sized
// transforms.
#include "harness/crypto/transforms.h"

#include <gtest/gtest.h>

#include "harness/crypto/kdf.h"

namespace ikeh::crypto {
namespace {

struct EncrRow {
  EncrId id;
  std::optional<uint16_t> bits;
  CipherMode mode;
  std::size_t key, salt, iv, block, icv;
  bool aead;
  const char* name;
};

// RFC 3602 (CBC), RFC 5930 (CTR), RFC 5282 (GCM, CCM), RFC 7634 (ChaCha20),
// RFC 2451 (3DES), RFC 2410 (NULL).
const EncrRow kEncr[] = {
    {EncrId::ENCR_AES_CBC, 128, CipherMode::Cbc, 16, 0, 16, 16, 0, false, "ENCR_AES_CBC 128"},
    {EncrId::ENCR_AES_CBC, 192, CipherMode::Cbc, 24, 0, 16, 16, 0, false, "ENCR_AES_CBC 192"},
    {EncrId::ENCR_AES_CBC, 256, CipherMode::Cbc, 32, 0, 16, 16, 0, false, "ENCR_AES_CBC 256"},
    {EncrId::ENCR_AES_CTR, 128, CipherMode::Ctr, 16, 4, 8, 1, 0, false, "ENCR_AES_CTR 128"},
    {EncrId::ENCR_AES_CTR, 256, CipherMode::Ctr, 32, 4, 8, 1, 0, false, "ENCR_AES_CTR 256"},
    {EncrId::ENCR_AES_GCM_8, 128, CipherMode::Gcm, 16, 4, 8, 1, 8, true, "ENCR_AES_GCM_8 128"},
    {EncrId::ENCR_AES_GCM_12, 192, CipherMode::Gcm, 24, 4, 8, 1, 12, true, "ENCR_AES_GCM_12 192"},
    {EncrId::ENCR_AES_GCM_16, 256, CipherMode::Gcm, 32, 4, 8, 1, 16, true, "ENCR_AES_GCM_16 256"},
    {EncrId::ENCR_AES_CCM_8, 128, CipherMode::Ccm, 16, 3, 8, 1, 8, true, "ENCR_AES_CCM_8 128"},
    {EncrId::ENCR_AES_CCM_12, 128, CipherMode::Ccm, 16, 3, 8, 1, 12, true, "ENCR_AES_CCM_12 128"},
    {EncrId::ENCR_AES_CCM_16, 256, CipherMode::Ccm, 32, 3, 8, 1, 16, true, "ENCR_AES_CCM_16 256"},
    {EncrId::ENCR_CHACHA20_POLY1305, std::nullopt, CipherMode::ChaCha20Poly1305, 32, 4, 8, 1, 16, true,
     "ENCR_CHACHA20_POLY1305 256"},
    {EncrId::ENCR_CHACHA20_POLY1305, 256, CipherMode::ChaCha20Poly1305, 32, 4, 8, 1, 16, true,
     "ENCR_CHACHA20_POLY1305 256"},
    {EncrId::ENCR_3DES, std::nullopt, CipherMode::Cbc, 24, 0, 8, 8, 0, false, "ENCR_3DES"},
    {EncrId::ENCR_NULL, std::nullopt, CipherMode::Null, 0, 0, 0, 1, 0, false, "ENCR_NULL"},
};

TEST(Transforms, EncrSizes) {
  for (const auto& r : kEncr) {
    SCOPED_TRACE(r.name);
    auto e = encr_info(r.id, r.bits);
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    EXPECT_EQ(e->mode, r.mode);
    EXPECT_EQ(e->key_size, r.key);
    EXPECT_EQ(e->salt_size, r.salt);
    EXPECT_EQ(e->keymat_size(), r.key + r.salt);
    EXPECT_EQ(e->iv_size, r.iv);
    EXPECT_EQ(e->block_size, r.block);
    EXPECT_EQ(e->icv_size, r.icv);
    EXPECT_EQ(e->aead, r.aead);
    EXPECT_EQ(e->name, r.name);
  }
}

TEST(Transforms, EncrErrorsNameTheTransform) {
  auto bad = encr_info(EncrId::ENCR_AES_CBC, 100);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().reason, "ENCR_AES_CBC needs a key length of 128, 192 or 256 bits, got 100");
  auto missing = encr_info(EncrId::ENCR_AES_GCM_16);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().reason.find("ENCR_AES_GCM_16 needs a KEY_LENGTH attribute"), std::string::npos);
  auto chacha = encr_info(EncrId::ENCR_CHACHA20_POLY1305, 128);
  ASSERT_FALSE(chacha.ok());
  EXPECT_NE(chacha.error().reason.find("ENCR_CHACHA20_POLY1305 has a fixed key of 256 bits"), std::string::npos);
  EXPECT_TRUE(encr_info(EncrId::ENCR_3DES, 192).ok());
  EXPECT_FALSE(encr_info(EncrId::ENCR_3DES, 128).ok());
  auto des = encr_info(EncrId::ENCR_DES);
  ASSERT_FALSE(des.ok());
  EXPECT_EQ(des.error().reason, "ENCR_DES is not a supported encryption algorithm");
  auto unknown = encr_info(static_cast<EncrId>(999), 128);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().reason.find("999"), std::string::npos);
}

TEST(Transforms, PrfSizes) {
  struct Row {
    PrfId id;
    std::size_t out;
    bool fixed;
  };
  const Row rows[] = {{PrfId::PRF_HMAC_MD5, 16, false},      {PrfId::PRF_HMAC_SHA1, 20, false},
                      {PrfId::PRF_HMAC_SHA2_256, 32, false}, {PrfId::PRF_HMAC_SHA2_384, 48, false},
                      {PrfId::PRF_HMAC_SHA2_512, 64, false}, {PrfId::PRF_AES128_XCBC, 16, true},
                      {PrfId::PRF_AES128_CMAC, 16, true}};
  for (const auto& r : rows) {
    auto p = prf_info(r.id);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->output_size, r.out);
    EXPECT_EQ(p->key_size, r.out);  // RFC 7296 2.14: SK_d etc. are the preferred key length
    EXPECT_EQ(p->fixed_key, r.fixed);
    EXPECT_EQ(p->name, codec::label(r.id));
  }
  auto tiger = prf_info(PrfId::PRF_HMAC_TIGER);
  ASSERT_FALSE(tiger.ok());
  EXPECT_EQ(tiger.error().reason, "PRF_HMAC_TIGER is not a supported pseudorandom function");
}

TEST(Transforms, IntegSizes) {
  struct Row {
    IntegId id;
    std::size_t key, icv;
  };
  // RFC 2403, 2404, 4595, 4868 2.3, 3566, 4494.
  const Row rows[] = {{IntegId::AUTH_HMAC_MD5_96, 16, 12},       {IntegId::AUTH_HMAC_SHA1_96, 20, 12},
                      {IntegId::AUTH_HMAC_SHA1_160, 20, 20},     {IntegId::AUTH_HMAC_SHA2_256_128, 32, 16},
                      {IntegId::AUTH_HMAC_SHA2_384_192, 48, 24}, {IntegId::AUTH_HMAC_SHA2_512_256, 64, 32},
                      {IntegId::AUTH_AES_XCBC_96, 16, 12},       {IntegId::AUTH_AES_CMAC_96, 16, 12},
                      {IntegId::AUTH_HMAC_MD5_128, 16, 16}};
  for (const auto& r : rows) {
    auto i = integ_info(r.id);
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i->key_size, r.key);
    EXPECT_EQ(i->icv_size, r.icv);
  }
  EXPECT_FALSE(integ_info(IntegId::AUTH_NONE).ok());
  auto des = integ_info(IntegId::AUTH_DES_MAC);
  ASSERT_FALSE(des.ok());
  EXPECT_EQ(des.error().reason, "AUTH_DES_MAC is not a supported integrity algorithm");
}

TEST(Transforms, MakeSuitePairsAeadWithNoIntegrity) {
  auto gcm = make_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256);
  ASSERT_TRUE(gcm.ok());
  EXPECT_FALSE(gcm->integ.has_value());
  EXPECT_FALSE(make_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_HMAC_SHA1_96, PrfId::PRF_HMAC_SHA1).ok());
  EXPECT_FALSE(make_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA1).ok());
  auto cbc = make_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA1_96, PrfId::PRF_HMAC_SHA1);
  ASSERT_TRUE(cbc.ok());
  EXPECT_EQ(cbc->integ->icv_size, 12u);
}

}  // namespace
}  // namespace ikeh::crypto
