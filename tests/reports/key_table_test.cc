// SPDX-License-Identifier: Apache-2.0
// Wireshark key tables: parsing the shared ikev2_decryption_table, every
// error shape, writing rows back, and the ESP SA rows.
#include "harness/crypto/key_table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace ikeh::crypto;
using ikeh::core::Bytes;

const fs::path kTable = fs::path(IKEH_SHARED_DIR) / "testdata" / "wireshark-test-captures" / "ikev2_decryption_table";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string error_of(std::string_view text) {
  auto t = parse_key_table(text, "t.tbl");
  EXPECT_FALSE(t.ok());
  return t.ok() ? std::string() : t.error().reason;
}

const char kGood[] =
    "191ccd371a7a1f7b,bc123d15e4af593f,"
    "9096ddd2933620e8f48122c53a3f562cb0222c1cf97ce41fcc874ea2582a89ac,"
    "6718c6b2bbef2f234eac4c13832f885d87b574afd2af0111161e99b5dc61b4d4,\"AES-CBC-256 [RFC3602]\","
    "12d532c3e83c757906af548dfe1ccf223ca5507af77898454e2d55c8ace57a17,"
    "30c4ead18c93024b58a86c1e3db60f550221801026853170b4cb0248d3a95329,\"HMAC_SHA2_256_128 [RFC4868]\"";

TEST(KeyTable, ParsesTheSharedTable) {
  if (!fs::exists(kTable)) GTEST_SKIP() << "shared test data not found at " << kTable;
  auto t = read_key_table(kTable.string());
  ASSERT_TRUE(t.ok()) << t.error().reason;
  ASSERT_EQ(t->entries.size(), 9u);  // the NULL/NONE placeholder and 8 captures
  const auto* cbc = t->find(0x191ccd371a7a1f7bull, 0xbc123d15e4af593full);
  ASSERT_NE(cbc, nullptr);
  EXPECT_EQ(cbc->encr->id, EncrId::ENCR_AES_CBC);
  EXPECT_EQ(cbc->encr->key_bits, 256);
  EXPECT_EQ(cbc->integ->check, IcvCheck::Integ);
  EXPECT_EQ(cbc->integ->id, IntegId::AUTH_HMAC_SHA2_256_128);
  EXPECT_EQ(cbc->sk_ai.size(), 32u);
  EXPECT_EQ(cbc->icv_size(), 16u);
  EXPECT_EQ(cbc->line, 7u);

  const auto* ctr = t->find(0xa2926ae833c6f138ull, 0x5464c57d0dc5e272ull);
  ASSERT_NE(ctr, nullptr);
  EXPECT_EQ(ctr->encr->id, EncrId::ENCR_AES_CTR);
  EXPECT_EQ(ctr->integ->check, IcvCheck::Unchecked);
  EXPECT_EQ(ctr->icv_size(), 12u);
  EXPECT_TRUE(ctr->sk_ai.empty());

  const auto* gcm8 = t->find(0x5d48bfeeb7d574daull, 0xbbb73016c0503640ull);
  ASSERT_NE(gcm8, nullptr);
  EXPECT_EQ(gcm8->encr->id, EncrId::ENCR_AES_GCM_8);
  EXPECT_EQ(gcm8->integ->check, IcvCheck::Aead);
  EXPECT_EQ(gcm8->icv_size(), 8u);
  EXPECT_EQ(gcm8->sk_ei.size(), 36u);

  EXPECT_EQ(t->find(0x191ccd371a7a1f7bull, 0), nullptr);
}

TEST(KeyTable, WritesRowsItReadsBack) {
  if (!fs::exists(kTable)) GTEST_SKIP() << "shared test data not found at " << kTable;
  std::string text = slurp(kTable);
  auto t = parse_key_table(text, "t");
  ASSERT_TRUE(t.ok());
  // Byte for byte: our writer produces Wireshark's own format.
  EXPECT_EQ(format_key_table(t->entries), text);
}

TEST(KeyTable, EveryNameHasConsistentSizes) {
  EXPECT_EQ(wireshark_ikev2_encr().size(), 26u);
  EXPECT_EQ(wireshark_ikev2_integ().size(), 14u);
  for (const auto& e : wireshark_ikev2_encr()) {
    KeyTableEntry entry;
    entry.encr = &e;
    bool aead = e.name.find("octet ICV") != std::string_view::npos;
    entry.integ = aead || e.id == EncrId::ENCR_NULL ? &wireshark_ikev2_integ()[0] : &wireshark_ikev2_integ()[5];
    auto s = entry.suite();
    ASSERT_TRUE(s.ok()) << e.name << ": " << s.error().to_string();
    EXPECT_EQ(s->encr.keymat_size(), e.keymat_size) << e.name;
    EXPECT_EQ(s->encr.aead, aead) << e.name;
    if (aead) {
      EXPECT_EQ(s->encr.icv_size, entry.icv_size()) << e.name;
    }
  }
  for (const auto& i : wireshark_ikev2_integ()) {
    if (i.check != IcvCheck::Integ) continue;
    auto info = integ_info(i.id);
    ASSERT_TRUE(info.ok()) << i.name << ": " << info.error().to_string();
    EXPECT_EQ(info->key_size, i.key_size) << i.name;
    EXPECT_EQ(info->icv_size, i.icv_size) << i.name;
  }
}

TEST(KeyTable, CommentsBlankLinesAndCrLf) {
  std::string text = "# comment\r\n\r\n   \n" + std::string(kGood) + "\r\n# another\n";
  auto t = parse_key_table(text, "t");
  ASSERT_TRUE(t.ok()) << t.error().reason;
  ASSERT_EQ(t->entries.size(), 1u);
  EXPECT_EQ(t->entries[0].line, 4u);
}

TEST(KeyTable, WrongFieldCount) {
  EXPECT_EQ(error_of("# x\n1234567890123456,0987654321098765,,,\"NULL [RFC2410]\",,\n"),
            "t.tbl:2: 7 fields, a row needs 8 (SPIi,SPIr,SK_ei,SK_er,\"encryption\",SK_ai,SK_ar,\"integrity\")");
}

TEST(KeyTable, BadHex) {
  std::string row = kGood;
  row[40] = 'z';  // inside SK_ei
  EXPECT_EQ(error_of(row), "t.tbl:1: SK_ei: 'z' at character 7 is not a hex digit");
  EXPECT_EQ(error_of("123456789012345,0987654321098765,,,\"NULL [RFC2410]\",,,\"NONE [RFC4306]\""),
            "t.tbl:1: SPIi: odd number of hex digits (15)");
  EXPECT_EQ(error_of("12345678901234,0987654321098765,,,\"NULL [RFC2410]\",,,\"NONE [RFC4306]\""),
            "t.tbl:1: SPIi: an SPI is 16 hex digits, got 14");
}

TEST(KeyTable, UnknownAlgorithmsSuggestTheClosestName) {
  std::string row = kGood;
  row.replace(row.find("AES-CBC-256 [RFC3602]"), 21, "AES-CBC-257 [RFC3602]");
  EXPECT_EQ(error_of(row),
            "t.tbl:1: unknown encryption algorithm \"AES-CBC-257 [RFC3602]\" (did you mean \"AES-CBC-256 [RFC3602]\"?)");
  row = kGood;
  row.replace(row.find("AES-CBC-256 [RFC3602]"), 21, "aes-cbc-256");
  EXPECT_EQ(error_of(row),
            "t.tbl:1: unknown encryption algorithm \"aes-cbc-256\" (did you mean \"AES-CBC-256 [RFC3602]\"?)");
  row = kGood;
  row.replace(row.find("HMAC_SHA2_256_128 [RFC4868]"), 27, "HMAC-SHA2-256-128");
  EXPECT_EQ(error_of(row), "t.tbl:1: unknown integrity algorithm \"HMAC-SHA2-256-128\" (did you mean "
                           "\"HMAC_SHA2_256_128 [RFC4868]\"?)");
  row = kGood;
  row.replace(row.find("AES-CBC-256 [RFC3602]"), 21, "ROT13");
  EXPECT_EQ(error_of(row), "t.tbl:1: unknown encryption algorithm \"ROT13\"");
}

TEST(KeyTable, KeyLengthsMustFitTheAlgorithm) {
  std::string row = kGood;
  row.erase(row.find(",6718c6b2") - 4, 4);  // SK_ei two bytes short
  EXPECT_EQ(error_of(row), "t.tbl:1: SK_ei is 30 bytes, AES-CBC-256 [RFC3602] needs 32");
  row = kGood;
  row.replace(row.find("HMAC_SHA2_256_128 [RFC4868]"), 27, "HMAC_SHA2_512_256 [RFC4868]");
  EXPECT_EQ(error_of(row), "t.tbl:1: SK_ai is 32 bytes, HMAC_SHA2_512_256 [RFC4868] needs 64");
  EXPECT_EQ(error_of("1234567890123456,0987654321098765,00,00,\"AES-GCM-128 with 16 octet ICV [RFC5282]\",,,"
                     "\"HMAC_SHA1_96 [RFC2404]\""),
            "t.tbl:1: \"AES-GCM-128 with 16 octet ICV [RFC5282]\" carries its own ICV: the integrity algorithm "
            "must be \"NONE [RFC4306]\", got \"HMAC_SHA1_96 [RFC2404]\"");
}

TEST(KeyTable, DuplicateSpis) {
  std::string text = std::string(kGood) + "\n" + kGood + "\n";
  EXPECT_EQ(error_of(text), "t.tbl:2: SPIs 191ccd371a7a1f7b,bc123d15e4af593f already have a row");
}

TEST(KeyTable, UnclosedQuote) {
  EXPECT_EQ(error_of("1234567890123456,0987654321098765,,,\"NULL [RFC2410],,,\"NONE\""),
            "t.tbl:1: field 5: text after the closing quote");
  EXPECT_EQ(error_of("1234567890123456,0987654321098765,,,\"NULL [RFC2410]"),
            "t.tbl:1: field 5: the quote is not closed");
}

TEST(KeyTable, MissingFile) {
  auto t = read_key_table("/nonexistent/ikev2_decryption_table");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().reason, "/nonexistent/ikev2_decryption_table: cannot read: no such file or not readable");
}

TEST(KeyTable, EntryFromANegotiatedSuite) {
  auto suite = make_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256);
  ASSERT_TRUE(suite.ok()) << suite.error().to_string();
  IkeSaKeys keys;
  keys.sk_ei = Secret(Bytes(36, 1));
  keys.sk_er = Secret(Bytes(36, 2));
  auto e = make_key_table_entry(0x0102030405060708ull, 0x1112131415161718ull, *suite, keys);
  ASSERT_TRUE(e.ok()) << e.error().reason;
  EXPECT_EQ(format_key_table_row(*e),
            "0102030405060708,1112131415161718," + ikeh::core::to_hex(Bytes(36, 1)) + "," + ikeh::core::to_hex(Bytes(36, 2)) +
                ",\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"");

  auto chacha = make_suite(EncrId::ENCR_CHACHA20_POLY1305, std::nullopt, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256);
  if (chacha.ok()) {
    auto bad = make_key_table_entry(1, 2, *chacha, keys);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().reason.find("has no Wireshark IKEv2 decryption name"), std::string::npos);
  }
  keys.sk_ei = Secret(Bytes(35, 1));
  auto short_key = make_key_table_entry(1, 2, *suite, keys);
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().reason, "SK_ei is 35 bytes, AES-GCM-256 with 16 octet ICV [RFC5282] needs 36");
}

TEST(KeyTable, EspSaRows) {
  EspSaEntry sa;
  sa.src = "192.168.1.2";
  sa.dst = "192.168.1.14";
  sa.spi = 0xcfc3e387;
  auto encr = encr_info(EncrId::ENCR_AES_CBC, 256);
  auto integ = integ_info(IntegId::AUTH_HMAC_SHA2_256_128);
  ASSERT_TRUE(encr.ok() && integ.ok());
  sa.encr = *encr;
  sa.integ = *integ;
  sa.encr_key = Secret(Bytes(32, 0xaa));
  sa.integ_key = Secret(Bytes(32, 0xbb));
  auto row = format_esp_sa_row(sa);
  ASSERT_TRUE(row.ok()) << row.error().reason;
  EXPECT_EQ(*row, "\"IPv4\",\"192.168.1.2\",\"192.168.1.14\",\"0xcfc3e387\",\"AES-CBC [RFC3602]\",\"0x" +
                      std::string(64, 'a') + "\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x" + std::string(64, 'b') + "\"");

  auto gcm = encr_info(EncrId::ENCR_AES_GCM_16, 128);
  ASSERT_TRUE(gcm.ok());
  sa.src = "2001:db8::1";
  sa.dst = "2001:db8::2";
  sa.encr = *gcm;
  sa.integ.reset();
  sa.encr_key = Secret(Bytes(20, 0x11));
  sa.integ_key = Secret();
  row = format_esp_sa_row(sa);
  ASSERT_TRUE(row.ok()) << row.error().reason;
  EXPECT_EQ(*row, "\"IPv6\",\"2001:db8::1\",\"2001:db8::2\",\"0xcfc3e387\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x" +
                      std::string(40, '1') + "\",\"NULL\",\"0x\"");

  sa.encr_key = Secret(Bytes(16, 0x11));
  row = format_esp_sa_row(sa);
  ASSERT_FALSE(row.ok());
  EXPECT_EQ(row.error().reason, "ESP SA 0xcfc3e387: encryption key is 16 bytes, " + gcm->name + " needs 20");
  sa.dst = "10.0.0.1";
  EXPECT_FALSE(format_esp_sa_row(sa).ok());
}

}  // namespace
