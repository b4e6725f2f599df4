// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/dh.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <string>

namespace ikeh::crypto {
namespace {

Bytes hex(std::string_view s) {
  auto b = core::from_hex(s);
  EXPECT_TRUE(b.has_value()) << s;
  return b.value_or(Bytes{});
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// The groups the brief requires on any OpenSSL 3 build; brainpool is checked
// separately because a build may leave it out.
constexpr DhGroup kRequired[] = {DhGroup::MODP_1024, DhGroup::MODP_1536, DhGroup::MODP_2048, DhGroup::MODP_3072,
                                 DhGroup::MODP_4096, DhGroup::MODP_6144, DhGroup::MODP_8192, DhGroup::ECP_256,
                                 DhGroup::ECP_384,   DhGroup::ECP_521,   DhGroup::CURVE25519, DhGroup::CURVE448};

TEST(DhGroups, RequiredGroupsAreSupported) {
  auto groups = supported_dh_groups();
  for (DhGroup g : kRequired)
    EXPECT_NE(std::find(groups.begin(), groups.end(), g), groups.end()) << codec::label(g);
  EXPECT_TRUE(std::is_sorted(groups.begin(), groups.end()));
}

TEST(DhGroups, SizesFollowTheRfcs) {
  struct Row {
    DhGroup g;
    std::size_t pub, shared;
  } rows[] = {
      {DhGroup::MODP_1024, 128, 128},  {DhGroup::MODP_1536, 192, 192}, {DhGroup::MODP_2048, 256, 256},
      {DhGroup::MODP_3072, 384, 384},  {DhGroup::MODP_4096, 512, 512}, {DhGroup::MODP_6144, 768, 768},
      {DhGroup::MODP_8192, 1024, 1024}, {DhGroup::ECP_256, 64, 32},     {DhGroup::ECP_384, 96, 48},
      {DhGroup::ECP_521, 132, 66},     {DhGroup::CURVE25519, 32, 32},  {DhGroup::CURVE448, 56, 56},
  };
  for (const auto& r : rows) {
    auto info = dh_group_info(r.g);
    ASSERT_TRUE(info) << info.error().to_string();
    EXPECT_EQ(info->public_size, r.pub) << info->name;
    EXPECT_EQ(info->shared_size, r.shared) << info->name;
  }
  // RFC 6954 brainpool sizes, when present.
  if (auto bp = dh_group_info(DhGroup::BRAINPOOLP512R1)) {
    EXPECT_EQ(bp->public_size, 128u);
    EXPECT_EQ(bp->shared_size, 64u);
  }
}

TEST(DhGroups, UnsupportedGroupsNameTheGroup) {
  struct Row {
    DhGroup g;
    const char* name;
  } rows[] = {{DhGroup::GOST3410_2012_256, "GOST3410_2012_256 (33)"},
              {DhGroup::GOST3410_2012_512, "GOST3410_2012_512 (34)"},
              {DhGroup::ML_KEM_768, "ML_KEM_768 (36)"},
              {DhGroup::NONE, "NONE (0)"},
              {static_cast<DhGroup>(999), "UNKNOWN(999) (999)"}};
  for (const auto& r : rows) {
    auto kx = KeyExchange::generate(r.g);
    ASSERT_FALSE(kx) << r.name;
    EXPECT_EQ(kx.error().reason, std::string("key exchange method ") + r.name + " is not supported");
    EXPECT_FALSE(dh_group_info(r.g));
  }
}

class EveryGroup : public ::testing::TestWithParam<DhGroup> {};

TEST_P(EveryGroup, TwoPartiesAgree) {
  auto a = KeyExchange::generate(GetParam());
  auto b = KeyExchange::generate(GetParam());
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(a->public_value().size(), a->info().public_size);
  EXPECT_NE(a->public_value(), b->public_value());
  auto sa = a->shared_secret(b->public_value());
  auto sb = b->shared_secret(a->public_value());
  ASSERT_TRUE(sa) << sa.error().to_string();
  ASSERT_TRUE(sb) << sb.error().to_string();
  EXPECT_EQ(sa->size(), a->info().shared_size);
  EXPECT_TRUE(*sa == *sb);
}

TEST_P(EveryGroup, GivenPrivateValueIsDeterministic) {
  auto info = dh_group_info(GetParam());
  ASSERT_TRUE(info);
  Bytes priv(info->private_size);
  for (std::size_t i = 0; i < priv.size(); ++i) priv[i] = static_cast<uint8_t>(0x11 + i);
  priv[0] = 0x01;  // keeps ECP scalars below the order of every curve
  auto a = KeyExchange::from_private(GetParam(), priv);
  auto b = KeyExchange::from_private(GetParam(), priv);
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_TRUE(b);
  EXPECT_EQ(a->public_value(), b->public_value());
}

TEST_P(EveryGroup, WrongLengthIsRejected) {
  auto a = KeyExchange::generate(GetParam());
  ASSERT_TRUE(a);
  Bytes good = a->public_value();
  Bytes shorter(good.begin(), good.end() - 1);
  Bytes longer = good;
  longer.push_back(0);
  for (const Bytes& bad : {shorter, longer, Bytes{}}) {
    auto s = a->shared_secret(bad);
    ASSERT_FALSE(s);
    EXPECT_TRUE(contains(s.error().reason, "expected " + std::to_string(good.size()) + " bytes"))
        << s.error().to_string();
    EXPECT_EQ(s.error().field, "key_exchange_data");
  }
}

INSTANTIATE_TEST_SUITE_P(Supported, EveryGroup, ::testing::ValuesIn(supported_dh_groups().begin(),
                                                                    supported_dh_groups().end()),
                         [](const auto& info) { return codec::label(info.param); });

// The prime of a MODP group, fetched through OpenSSL independently of dh.cc.
Bytes named_prime(const char* name) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  OSSL_PARAM in[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
                     OSSL_PARAM_construct_end()};
  EVP_PKEY* pk = nullptr;
  EXPECT_EQ(EVP_PKEY_fromdata_init(ctx), 1);
  EXPECT_EQ(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEY_PARAMETERS, in), 1);
  BIGNUM* p = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_FFC_P, &p), 1);
  Bytes out(BN_num_bytes(p));
  BN_bn2bin(p, out.data());
  BN_free(p);
  EVP_PKEY_free(pk);
  EVP_PKEY_CTX_free(ctx);
  return out;
}

Bytes minus_one(Bytes v) {
  for (auto it = v.rbegin(); it != v.rend(); ++it)
    if ((*it)-- != 0) break;
  return v;
}

TEST(DhModp, InvalidPeerValuesAreRejected) {
  auto a = KeyExchange::generate(DhGroup::MODP_2048);
  ASSERT_TRUE(a);
  Bytes p = named_prime("modp_2048");
  ASSERT_EQ(p.size(), 256u);
  Bytes zero(256, 0), one(256, 0), ff(256, 0xff);
  one.back() = 1;
  Bytes pm1 = minus_one(p);
  struct Row {
    const Bytes* v;
    const char* why;
  } rows[] = {{&zero, "0 or 1"}, {&one, "0 or 1"}, {&pm1, "p-1 or larger"}, {&p, "p-1 or larger"},
              {&ff, "p-1 or larger"}};
  for (const auto& r : rows) {
    auto st = a->check_peer(*r.v);
    ASSERT_FALSE(st) << r.why;
    EXPECT_TRUE(contains(st.error().reason, r.why)) << st.error().to_string();
    EXPECT_FALSE(a->shared_secret(*r.v));
  }
  // p-2 is the largest value allowed.
  EXPECT_TRUE(a->check_peer(minus_one(pm1)));
}

TEST(DhModp, Oakley1024InvalidValues) {
  // RFC 2409 6.2, the prime built in dh.cc; checked here from the RFC text.
  Bytes p = hex(
      "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
      "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
      "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF");
  auto a = KeyExchange::generate(DhGroup::MODP_1024);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->check_peer(p));
  EXPECT_FALSE(a->check_peer(minus_one(p)));
  EXPECT_TRUE(a->check_peer(minus_one(minus_one(p))));
}

TEST(DhModp, SharedSecretMatchesIndependentModExp) {
  // g^ir computed with BN_mod_exp straight from the RFC 3526 prime.
  Bytes x = hex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  auto a = KeyExchange::from_private(DhGroup::MODP_2048, x);
  auto b = KeyExchange::generate(DhGroup::MODP_2048);
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_TRUE(b);
  Bytes p = named_prime("modp_2048");
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* bp = BN_bin2bn(p.data(), p.size(), nullptr);
  BIGNUM* bx = BN_bin2bn(x.data(), x.size(), nullptr);
  BIGNUM* g = BN_new();
  BN_set_word(g, 2);
  BIGNUM* r = BN_new();
  ASSERT_EQ(BN_mod_exp(r, g, bx, bp, ctx), 1);
  Bytes pub(256);
  BN_bn2binpad(r, pub.data(), 256);
  EXPECT_EQ(a->public_value(), pub);
  const Bytes& peer = b->public_value();
  BIGNUM* y = BN_bin2bn(peer.data(), peer.size(), nullptr);
  ASSERT_EQ(BN_mod_exp(r, y, bx, bp, ctx), 1);
  Bytes expect(256);
  BN_bn2binpad(r, expect.data(), 256);
  auto s = a->shared_secret(peer);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reveal(), expect);
  for (BIGNUM* v : {bp, bx, g, r, y}) BN_free(v);
  BN_CTX_free(ctx);
}

TEST(DhModp, PrivateValueOutOfRange) {
  EXPECT_FALSE(KeyExchange::from_private(DhGroup::MODP_2048, hex("01")));
  EXPECT_FALSE(KeyExchange::from_private(DhGroup::MODP_2048, Bytes{}));
  Bytes p = named_prime("modp_2048");
  auto r = KeyExchange::from_private(DhGroup::MODP_2048, minus_one(p));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "must satisfy 1 < x < p-1");
}

TEST(DhModp, Rfc5114SubgroupCheck) {
  auto a = KeyExchange::generate(DhGroup::MODP_2048_256);
  if (!a) GTEST_SKIP() << a.error().to_string();
  Bytes two(a->info().public_size, 0);
  two.back() = 2;  // in range, but not in the order-q subgroup
  auto st = a->check_peer(two);
  ASSERT_FALSE(st);
  EXPECT_TRUE(contains(st.error().reason, "RFC 6989 2.2")) << st.error().to_string();
}

struct EcpVector {
  DhGroup group;
  const char *i, *gi, *r, *gr, *gir;
};

// RFC 5903 8.1, 8.2 and 8.3: i, g^i = gix | giy, r, g^r = grx | gry, and the
// shared secret girx.
const EcpVector kRfc5903[] = {
    {DhGroup::ECP_256, "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
     "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
     "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
     "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
     "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
     "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
     "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"},
    {DhGroup::ECP_384,
     "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
     "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA"
     "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
     "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC",
     "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571"
     "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
     "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746"},
    {DhGroup::ECP_521,
     "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A095AA85A30FE1C2952C6771D937BA9777"
     "F5957B2639BAB072462F68C27A57382D4A52",
     "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBEE1E3BF42E00B8E380AEAE57C2D107564"
     "941885942AF5A7F4601723C4195D176CED3E"
     "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10AD8A788015AC405D7799DC75E7B7D5B6C"
     "F2261A6A7F1507438BF01BEB6CA3926F9582",
     "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E9C677D600B343757A3BDBF2A3163E4C2"
     "F869CCA7458AA4A4EFFC311F5CB151685EB9",
     "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A219B97C356436ADC6E95BB0352F6BE64A6"
     "C2912D4EF2D0433CED2B6171640012D9460F"
     "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87220B6536C5C408A1D2AEBB8E86D678AE"
     "49CB57091F4732296579AB44FCD17F0FC56A",
     "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04D1427E73CA4BAA240A34786859810C06"
     "B3C715A3A8CC3151F2BEE417996D19F3DDEA"},
};

TEST(DhEcp, Rfc5903KnownAnswers) {
  for (const auto& v : kRfc5903) {
    SCOPED_TRACE(codec::label(v.group));
    auto i = KeyExchange::from_private(v.group, hex(v.i));
    auto r = KeyExchange::from_private(v.group, hex(v.r));
    ASSERT_TRUE(i) << i.error().to_string();
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(i->public_value(), hex(v.gi));
    EXPECT_EQ(r->public_value(), hex(v.gr));
    auto si = i->shared_secret(hex(v.gr));
    auto sr = r->shared_secret(hex(v.gi));
    ASSERT_TRUE(si) << si.error().to_string();
    ASSERT_TRUE(sr);
    EXPECT_EQ(si->reveal(), hex(v.gir));
    EXPECT_EQ(sr->reveal(), hex(v.gir));
  }
}

TEST(DhEcp, InvalidPointsAreRejected) {
  for (DhGroup g : {DhGroup::ECP_256, DhGroup::ECP_384, DhGroup::ECP_521}) {
    SCOPED_TRACE(codec::label(g));
    auto a = KeyExchange::generate(g);
    ASSERT_TRUE(a);
    Bytes off = a->public_value();
    off.back() ^= 0x01;  // y changed: (x, y') is not on the curve
    auto st = a->check_peer(off);
    ASSERT_FALSE(st);
    EXPECT_TRUE(contains(st.error().reason, "not on the curve")) << st.error().to_string();
    EXPECT_FALSE(a->shared_secret(off));

    Bytes zero(a->info().public_size, 0);  // (0, 0) is not on a curve with b != 0
    EXPECT_FALSE(a->check_peer(zero));
    Bytes big(a->info().public_size, 0xff);
    auto st2 = a->check_peer(big);
    ASSERT_FALSE(st2);
    EXPECT_TRUE(contains(st2.error().reason, "field prime")) << st2.error().to_string();
  }
}

TEST(DhEcp, PrivateScalarOutOfRange) {
  Bytes zero(32, 0);
  auto r = KeyExchange::from_private(DhGroup::ECP_256, zero);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "must satisfy 1 <= d < n (the curve order)");
  Bytes ff(32, 0xff);  // above the P-256 order
  EXPECT_FALSE(KeyExchange::from_private(DhGroup::ECP_256, ff));
  EXPECT_FALSE(KeyExchange::from_private(DhGroup::ECP_256, Bytes(33, 1)));
}

TEST(DhBrainpool, AgreeWhenAvailable) {
  for (DhGroup g : {DhGroup::BRAINPOOLP224R1, DhGroup::BRAINPOOLP256R1, DhGroup::BRAINPOOLP384R1,
                    DhGroup::BRAINPOOLP512R1}) {
    auto a = KeyExchange::generate(g);
    if (!a) {
      EXPECT_TRUE(contains(a.error().reason, "not available in this OpenSSL build")) << a.error().to_string();
      continue;
    }
    auto b = KeyExchange::generate(g);
    ASSERT_TRUE(b);
    auto s1 = a->shared_secret(b->public_value());
    auto s2 = b->shared_secret(a->public_value());
    ASSERT_TRUE(s1 && s2);
    EXPECT_TRUE(*s1 == *s2);
    Bytes off = a->public_value();
    off.back() ^= 1;
    EXPECT_FALSE(a->check_peer(off));
  }
}

struct MontVector {
  DhGroup group;
  const char *a, *a_pub, *b, *b_pub, *k;
};

// RFC 7748 6.1 (X25519) and 6.2 (X448) Diffie-Hellman examples.
const MontVector kRfc7748[] = {
    {DhGroup::CURVE25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
     "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
     "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
     "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
     "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
    {DhGroup::CURVE448,
     "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
     "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
     "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
     "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
     "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56"
     "fd2464c335543936521c24403085d59a449a5037514a879d"},
};

TEST(DhMontgomery, Rfc7748KnownAnswers) {
  for (const auto& v : kRfc7748) {
    SCOPED_TRACE(codec::label(v.group));
    auto a = KeyExchange::from_private(v.group, hex(v.a));
    auto b = KeyExchange::from_private(v.group, hex(v.b));
    ASSERT_TRUE(a) << a.error().to_string();
    ASSERT_TRUE(b);
    EXPECT_EQ(a->public_value(), hex(v.a_pub));
    EXPECT_EQ(b->public_value(), hex(v.b_pub));
    auto ka = a->shared_secret(hex(v.b_pub));
    auto kb = b->shared_secret(hex(v.a_pub));
    ASSERT_TRUE(ka && kb);
    EXPECT_EQ(ka->reveal(), hex(v.k));
    EXPECT_EQ(kb->reveal(), hex(v.k));
  }
}

TEST(DhMontgomery, LowOrderPointGivesAllZeroAndIsRejected) {
  for (DhGroup g : {DhGroup::CURVE25519, DhGroup::CURVE448}) {
    auto a = KeyExchange::generate(g);
    ASSERT_TRUE(a);
    Bytes zero(a->info().public_size, 0);  // u = 0 has order 1 (RFC 7748 6.1)
    Bytes one = zero;
    one[0] = 1;  // u = 1 (little-endian) has small order too
    for (const Bytes& bad : {zero, one}) {
      EXPECT_TRUE(a->check_peer(bad));  // length is all RFC 8031 checks up front
      auto s = a->shared_secret(bad);
      ASSERT_FALSE(s) << codec::label(g);
      EXPECT_TRUE(contains(s.error().reason, "all zero")) << s.error().to_string();
    }
  }
}

TEST(DhMontgomery, PrivateValueLength) {
  auto r = KeyExchange::from_private(DhGroup::CURVE25519, Bytes(31, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "length 31 must be 32 bytes");
}

}  // namespace
}  // namespace ikeh::crypto
