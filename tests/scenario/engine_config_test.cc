// SPDX-License-Identifier: Apache-2.0
#include "tests/support/temp_dir.h"
#include "harness/scenario/engine_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/core/bytes.h"
#include "harness/crypto/auth.h"

namespace ikeh::scenario {
namespace {

using codec::DhGroup;
using codec::EncrId;
using codec::EsnId;
using codec::IdType;
using codec::IntegId;
using codec::PrfId;
using codec::ProtocolId;
using codec::TsType;
using core::Bytes;
using engine::esp_suite;
using engine::ike_suite;
using engine::Suite;

namespace fs = std::filesystem;

// A value no error message may ever contain.
constexpr const char* kPsk = "Zq9-distinctive-psk-7731";

// A scratch folder for this file's tests.
class TempDir : public ikeh::testing_support::TempDir {
 public:
  TempDir() : ikeh::testing_support::TempDir("ikeh-config") {}
};

// Runs a shell command (the openssl tool) and reports whether it succeeded.
bool run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// Writes an EC P-256 key and a self-signed certificate for it.
void make_key_and_cert(const std::string& dir, const std::string& name, const std::string& cn) {
  ASSERT_TRUE(run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=" + cn +
                  " -keyout " + dir + "/" + name + ".key.pem -out " + dir + "/" + name + ".crt.pem"))
      << "the openssl command-line tool is needed";
}

class EngineConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("IKEH_TEST_PSK", kPsk, 1);
    ::unsetenv("IKEH_TEST_MISSING");
  }

  // The error line for a document, or "OK" when it loads.
  std::string error_of(const std::string& json, const std::string& base_dir = ".") {
    auto r = parse_engine_config(json, "cfg.json", base_dir);
    std::string text = r ? "OK" : r.error().to_string();
    errors_.push_back(text);
    return text;
  }

  engine::EngineConfig load(const std::string& json, const std::string& base_dir = ".") {
    auto r = parse_engine_config(json, "cfg.json", base_dir);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r ? std::move(*r) : engine::EngineConfig{};
  }

  // Every error text produced in a test; none may hold the PSK.
  std::vector<std::string> errors_;
};

// A minimal PSK configuration, with `extra` spliced in at the top level.
std::string psk_config(const std::string& extra = "") {
  std::string doc = R"({"local": {"id": "spoke.example", "auth": "psk", "psk": {"env": "IKEH_TEST_PSK"}})";
  if (!extra.empty()) doc += ", " + extra;
  return doc + "}";
}

Bytes ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {a, b, c, d}; }
Bytes text(const std::string& s) { return core::to_bytes(s); }

// ---------------------------------------------------------------------------
// The shipped examples

std::string example(const std::string& name) { return std::string(IKEH_SOURCE_DIR) + "/examples/configs/" + name; }

TEST_F(EngineConfigTest, PskExamplesLoadAndAgree) {
  ::setenv("IKEH_PSK", kPsk, 1);
  auto ini = load_endpoint_config(example("psk-initiator.json"));
  auto res = load_endpoint_config(example("psk-responder.json"));
  ASSERT_TRUE(ini.ok()) << ini.error().to_string();
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  const auto& i = ini->engine;
  const auto& r = res->engine;

  EXPECT_EQ(i.local_id.id_type, IdType::ID_FQDN);
  EXPECT_EQ(i.local_id.data, text("spoke.example"));
  ASSERT_TRUE(i.remote_id.has_value());
  EXPECT_EQ(i.remote_id->data, r.local_id.data);
  EXPECT_FALSE(r.remote_id.has_value());
  EXPECT_EQ(i.local_auth.psk.reveal(), text(kPsk));
  EXPECT_TRUE(i.local_auth.psk == r.local_auth.psk);
  ASSERT_EQ(r.psks.size(), 1u);
  EXPECT_FALSE(r.psks[0].id.has_value());
  EXPECT_EQ(i.ike_policy.suites, r.ike_policy.suites);
  EXPECT_EQ(i.ike_policy.suites.front(),
            ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256, DhGroup::ECP_256));
  EXPECT_EQ(i.child_policy.protocol, ProtocolId::ESP);
  ASSERT_TRUE(i.cp_request.has_value());
  EXPECT_EQ(i.cp_request->size(), 2u);
  ASSERT_TRUE(r.pool.has_value());
  EXPECT_EQ(r.pool->first, ip4(10, 99, 0, 10));
  EXPECT_EQ(r.pool->last, ip4(10, 99, 0, 50));
  EXPECT_EQ(r.cookie_threshold, 10u);
  EXPECT_DOUBLE_EQ(i.retransmit.timeout_s, 2.0);
  EXPECT_EQ(i.retransmit.tries, 3u);

  // The two talk to each other on the loopback address.
  EXPECT_EQ(ini->network.remote_address, std::optional<std::string>("127.0.0.1"));
  EXPECT_EQ(ini->network.remote_port, res->network.local_port);
  EXPECT_EQ(std::optional<uint16_t>(ini->network.remote_natt_port), res->network.local_natt_port);
  EXPECT_GT(res->network.local_port, 1024);
}

TEST_F(EngineConfigTest, CertificateExamplesLoadWithRelativePaths) {
  auto ini = load_endpoint_config(example("cert-initiator.json"));
  auto res = load_endpoint_config(example("cert-responder.json"));
  ASSERT_TRUE(ini.ok()) << ini.error().to_string();
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  for (const auto* c : {&ini->engine, &res->engine}) {
    EXPECT_EQ(c->local_auth.kind, engine::AuthKind::Signature);
    ASSERT_TRUE(c->local_auth.private_key && c->local_auth.certificate);
    EXPECT_TRUE(c->local_auth.private_key->matches(c->local_auth.certificate->public_key()));
    ASSERT_EQ(c->remote_auth.trusted.size(), 1u);
    EXPECT_FALSE(c->remote_auth.accept_psk);
    EXPECT_TRUE(c->psks.empty());
  }
  EXPECT_EQ(ini->engine.remote_id->data, res->engine.local_id.data);
  EXPECT_EQ(ini->network.remote_port, res->network.local_port);
}

// The ```json block after `heading` in docs/config.md.
std::string doc_example(const std::string& heading) {
  std::ifstream in(std::string(IKEH_SOURCE_DIR) + "/docs/config.md");
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = doc.find(heading);
  if (at == std::string::npos) return {};
  auto start = doc.find("```json\n", at);
  auto end = doc.find("\n```", start);
  return start == std::string::npos ? std::string{} : doc.substr(start + 8, end - start - 8);
}

TEST_F(EngineConfigTest, ReferenceDocumentExamplesLoad) {
  ::setenv("IKEH_PSK", kPsk, 1);
  ::setenv("IKEH_GROUP_PSK", "0x0102030405", 1);
  TempDir dir;
  fs::copy(std::string(IKEH_SOURCE_DIR) + "/examples/configs/pki", dir.path() + "/pki");
  fs::create_directory(dir.path() + "/secrets");
  dir.file("secrets/spoke.psk", "spoke-key\n");

  const std::string ini_text = doc_example("## Example: initiator");
  ASSERT_FALSE(ini_text.empty());
  auto ini = parse_endpoint_config(ini_text, "initiator example", dir.path());
  ASSERT_TRUE(ini.ok()) << ini.error().to_string();
  EXPECT_EQ(ini->engine.remote_ts.size(), 2u);
  EXPECT_EQ(ini->engine.lifetimes.ike_rekey_s, 4u * 3600);
  EXPECT_EQ(ini->network.remote_address, std::optional<std::string>("198.51.100.1"));

  const std::string res_text = doc_example("## Example: responder");
  ASSERT_FALSE(res_text.empty());
  auto res = parse_endpoint_config(res_text, "responder example", dir.path());
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  const auto& r = res->engine;
  EXPECT_EQ(r.local_auth.kind, engine::AuthKind::Signature);
  EXPECT_TRUE(r.remote_auth.accept_psk);
  EXPECT_EQ(r.remote_auth.trusted.size(), 1u);
  ASSERT_EQ(r.psks.size(), 2u);
  EXPECT_EQ(r.psks[0].psk.reveal(), text("spoke-key"));
  EXPECT_EQ(r.psks[1].psk.reveal(), (Bytes{1, 2, 3, 4, 5}));
  ASSERT_TRUE(r.pool.has_value());
  EXPECT_EQ(r.pool->first, ip4(10, 99, 0, 1));
  EXPECT_EQ(r.child_policy.suites.size(), 3u);  // GCM with and without PFS, then CBC
}

TEST_F(EngineConfigTest, ExamplesNeedTheirEnvironmentVariable) {
  ::unsetenv("IKEH_PSK");
  auto r = load_engine_config(example("psk-initiator.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), example("psk-initiator.json") +
                                       ": /local/psk/env: environment variable IKEH_PSK is not set");
}

// ---------------------------------------------------------------------------
// Defaults and values

TEST_F(EngineConfigTest, MinimalPskConfigGetsDocumentedDefaults) {
  auto c = load(psk_config());
  std::vector<Suite> ike;
  for (const auto& p : default_ike_proposals()) {
    auto s = parse_proposal(p, ProtocolId::IKE);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    ike.insert(ike.end(), s->begin(), s->end());
  }
  EXPECT_EQ(c.ike_policy.suites, ike);
  EXPECT_EQ(c.ike_policy.suites.size(), 12u);
  EXPECT_EQ(c.child_policy.suites,
            (std::vector<Suite>{esp_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, EsnId::NO_ESN),
                                esp_suite(EncrId::ENCR_AES_GCM_16, 128, IntegId::AUTH_NONE, EsnId::NO_ESN),
                                esp_suite(EncrId::ENCR_AES_CBC, 256, IntegId::AUTH_HMAC_SHA2_256_128, EsnId::NO_ESN),
                                esp_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, EsnId::NO_ESN)}));
  EXPECT_EQ(c.local_ts.size(), 2u);
  EXPECT_EQ(c.remote_ts.size(), 2u);
  EXPECT_EQ(c.nonce_size, 32u);
  EXPECT_FALSE(c.remote_id.has_value());
  EXPECT_TRUE(c.remote_auth.accept_psk);
  ASSERT_EQ(c.psks.size(), 1u);  // the local PSK verifies the peer too
  EXPECT_FALSE(c.psks[0].id.has_value());
  EXPECT_TRUE(c.psks[0].psk == c.local_auth.psk);
  EXPECT_FALSE(c.cp_request.has_value());
  EXPECT_FALSE(c.pool.has_value());
  EXPECT_FALSE(c.cookie_threshold.has_value());
}

TEST_F(EngineConfigTest, EveryIkeAndChildKeyReachesTheConfig) {
  auto c = load(psk_config(R"(
    "ike": {"proposals": ["aes128-sha256-modp2048"], "prefer_configured_proposals": false, "prefer_ke_group": true,
            "nonce_size": 48, "nat_detection": false, "force_natt": true, "fragmentation": false,
            "fragment_size": 1400, "signature_hashes": ["sha2_384", 5], "cookie_threshold": 0, "window_size": 4,
            "retransmit": {"timeout": 1.5, "base": 2, "tries": 2, "jitter": 10, "limit": 30},
            "rekey_time": "4h", "dpd": 30, "initial_contact": false},
    "child": {"proposals": ["aes128-sha256-esn"], "local_ts": ["10.1.0.0/16"], "remote_ts": ["10.2.0.0/16[tcp/443]"],
              "mode": "transport", "rekey_time": "30m", "esp_tfc_padding_not_supported": false,
              "non_first_fragments_also": false, "start": false},
    "remote": {"id": "hub.example", "send_certreq": false},
    "cp": {"request": ["INTERNAL_IP4_ADDRESS", {"type": "internal_ip4_dns"}, {"type": 28674, "value_hex": "0a0b"}],
           "required": true})"));
  EXPECT_EQ(c.ike_policy.suites,
            (std::vector<Suite>{ike_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128,
                                          PrfId::PRF_HMAC_SHA2_256, DhGroup::MODP_2048)}));
  EXPECT_EQ(c.ike_policy.order, engine::SelectionOrder::Peer);
  EXPECT_TRUE(c.ike_policy.prefer_ke_group);
  EXPECT_EQ(c.nonce_size, 48u);
  EXPECT_FALSE(c.nat_detection);
  EXPECT_TRUE(c.force_natt);
  EXPECT_FALSE(c.fragmentation);
  EXPECT_EQ(c.fragment_size, 1400u);
  EXPECT_EQ(c.signature_hashes, (std::vector<uint16_t>{3, 5}));
  EXPECT_EQ(c.cookie_threshold, 0u);
  EXPECT_EQ(c.window_size, 4u);
  EXPECT_DOUBLE_EQ(c.retransmit.timeout_s, 1.5);
  EXPECT_DOUBLE_EQ(c.retransmit.base, 2.0);
  EXPECT_EQ(c.retransmit.tries, 2u);
  EXPECT_DOUBLE_EQ(c.retransmit.jitter_percent, 10.0);
  EXPECT_DOUBLE_EQ(c.retransmit.limit_s, 30.0);
  EXPECT_EQ(c.lifetimes.ike_rekey_s, 4u * 3600);
  EXPECT_EQ(c.lifetimes.dpd_s, 30u);
  EXPECT_EQ(c.lifetimes.child_rekey_s, 1800u);
  EXPECT_FALSE(c.initial_contact);
  EXPECT_EQ(c.child_policy.suites, (std::vector<Suite>{esp_suite(EncrId::ENCR_AES_CBC, 128,
                                                                   IntegId::AUTH_HMAC_SHA2_256_128, EsnId::ESN)}));
  EXPECT_EQ(c.child_policy.order, engine::SelectionOrder::Local);
  ASSERT_EQ(c.remote_ts.size(), 1u);
  EXPECT_EQ(c.remote_ts[0].ip_protocol_id, 6);
  EXPECT_EQ(c.remote_ts[0].start_port, 443);
  EXPECT_TRUE(c.transport_mode);
  EXPECT_FALSE(c.esp_tfc_padding_not_supported);
  EXPECT_FALSE(c.non_first_fragments_also);
  EXPECT_FALSE(c.first_child);
  EXPECT_FALSE(c.send_certreq);
  ASSERT_TRUE(c.remote_id && c.remote_auth.id);
  EXPECT_EQ(c.remote_auth.id->data, text("hub.example"));
  ASSERT_TRUE(c.cp_request.has_value());
  ASSERT_EQ(c.cp_request->size(), 3u);
  EXPECT_EQ((*c.cp_request)[0].type, codec::CfgAttributeType::INTERNAL_IP4_ADDRESS);
  EXPECT_TRUE((*c.cp_request)[0].value.empty());
  EXPECT_EQ((*c.cp_request)[1].type, codec::CfgAttributeType::INTERNAL_IP4_DNS);
  EXPECT_EQ(static_cast<uint16_t>((*c.cp_request)[2].type), 28674);
  EXPECT_EQ((*c.cp_request)[2].value, (Bytes{0x0a, 0x0b}));
  EXPECT_TRUE(c.cp_required);
}

TEST_F(EngineConfigTest, PoolFromCidrSkipsNetworkAndBroadcast) {
  auto c = load(psk_config(R"("pool": {"cidr": "10.99.0.0/24", "dns": ["10.99.0.1", "2001:db8::53"],
                                     "subnets": ["10.20.0.0/16"]})"));
  ASSERT_TRUE(c.pool.has_value());
  EXPECT_EQ(c.pool->first, ip4(10, 99, 0, 1));
  EXPECT_EQ(c.pool->last, ip4(10, 99, 0, 254));
  EXPECT_EQ(c.pool->netmask, ip4(255, 255, 255, 0));
  ASSERT_EQ(c.pool->dns.size(), 2u);
  EXPECT_EQ(c.pool->dns[1].size(), 16u);
  ASSERT_EQ(c.pool->subnets.size(), 1u);
  EXPECT_EQ(c.pool->subnets[0].end_address, ip4(10, 20, 255, 255));
}

TEST_F(EngineConfigTest, PskEntriesByIdentity) {
  ::setenv("IKEH_TEST_PSK2", "0x00ff10", 1);
  auto c = load(psk_config(R"("psks": [{"id": "10.0.0.2", "psk": {"env": "IKEH_TEST_PSK2"}},
                                      {"id": "%any", "psk": {"env": "IKEH_TEST_PSK"}}])"));
  ASSERT_EQ(c.psks.size(), 2u);
  ASSERT_TRUE(c.psks[0].id.has_value());
  EXPECT_EQ(c.psks[0].id->id_type, IdType::ID_IPV4_ADDR);
  EXPECT_EQ(c.psks[0].psk.reveal(), (Bytes{0x00, 0xff, 0x10}));  // "0x" means hex
  EXPECT_FALSE(c.psks[1].id.has_value());
  EXPECT_EQ(c.psks[1].psk.reveal(), text(kPsk));
}

TEST_F(EngineConfigTest, PskFromFileRelativeToTheConfig) {
  TempDir dir;
  dir.file("psk.txt", std::string(kPsk) + "\r\n");
  dir.file("hex.txt", "0xDEADbeef\n");
  auto c = load(R"({"local": {"id": "a.example", "auth": "psk", "psk": {"file": "psk.txt"}},
                   "psks": [{"psk": {"file": "hex.txt"}}]})",
                dir.path());
  EXPECT_EQ(c.local_auth.psk.reveal(), text(kPsk));  // line break stripped
  ASSERT_EQ(c.psks.size(), 1u);
  EXPECT_EQ(c.psks[0].psk.reveal(), (Bytes{0xde, 0xad, 0xbe, 0xef}));
}

TEST_F(EngineConfigTest, LocalIdDefaultsToTheCertificateSubject) {
  TempDir dir;
  make_key_and_cert(dir.path(), "gw", "gw.example");
  make_key_and_cert(dir.path(), "ca", "ca.example");
  auto c = load(R"({"local": {"auth": "pubkey", "key": "gw.key.pem", "cert": "gw.crt.pem"},
                   "remote": {"cacerts": ["ca.crt.pem"]}})",
                dir.path());
  ASSERT_TRUE(c.local_auth.certificate.has_value());
  EXPECT_EQ(c.local_id.id_type, IdType::ID_DER_ASN1_DN);
  EXPECT_EQ(c.local_id.data, c.local_auth.certificate->subject_der());
  EXPECT_EQ(c.remote_auth.trusted.size(), 1u);
}

TEST_F(EngineConfigTest, NetworkSection) {
  auto r = parse_endpoint_config(psk_config(R"("network": {"local_address": "::1", "local_port": 0,
                                                           "local_natt_port": null, "remote_address": "fe80::1%lo"})"),
                                 "cfg.json", ".");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->network.local_address, "::1");
  EXPECT_EQ(r->network.local_port, 0);
  EXPECT_FALSE(r->network.local_natt_port.has_value());
  EXPECT_EQ(r->network.remote_address, std::optional<std::string>("fe80::1%lo"));
  EXPECT_EQ(r->network.remote_port, 500);
  EXPECT_EQ(r->network.remote_natt_port, 4500);
}

// ---------------------------------------------------------------------------
// Error messages: one line, the right pointer, a suggestion where one helps

TEST_F(EngineConfigTest, SyntaxErrorGivesLineAndColumn) {
  // The stray "}" is the 28th character of line 2.
  EXPECT_EQ(error_of("{\n  \"ike\": {\"nonce_size\": 32,}\n}"),
            "cfg.json: line 2, column 28: syntax error while parsing object key - unexpected '}'; expected string "
            "literal");
  EXPECT_EQ(error_of("{\"local\": "), "cfg.json: line 1, column 11: syntax error while parsing value - unexpected "
                                         "end of input; expected '[', '{', or a literal");
}

TEST_F(EngineConfigTest, VendorIdsAsHexOrAscii) {
  auto c = load(psk_config(
      R"("ike": {"vendor_ids": {"ike_sa_init": ["4048b7d56ebce88525e7de7f00d6c2d3"],
                                "ike_auth": [{"ascii": "FLEXVPN-SUPPORTED"}, "434953434f2d44454c4554452d524541534f4e"]}})"));
  ASSERT_EQ(c.vendor_ids_init.size(), 1u);
  EXPECT_EQ(core::to_hex(c.vendor_ids_init[0]), "4048b7d56ebce88525e7de7f00d6c2d3");
  ASSERT_EQ(c.vendor_ids_auth.size(), 2u);
  EXPECT_EQ(c.vendor_ids_auth[0], text("FLEXVPN-SUPPORTED"));
  EXPECT_EQ(c.vendor_ids_auth[1], text("CISCO-DELETE-REASON"));
  EXPECT_TRUE(load(psk_config()).vendor_ids_auth.empty());
  EXPECT_EQ(error_of(psk_config(R"("ike": {"vendor_ids": {"ike_auth": ["FLEXVPN-SUPPORTED"]}})")),
            "cfg.json: /ike/vendor_ids/ike_auth/0: \"FLEXVPN-SUPPORTED\" is not hex (an even number of 0-9, a-f); "
            "write {\"ascii\": \"FLEXVPN-SUPPORTED\"} for a text vendor ID");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"vendor_ids": {"ike_auth": [{"ascii": ""}]}})")),
            "cfg.json: /ike/vendor_ids/ike_auth/0/ascii: empty: a vendor ID has at least one byte");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"vendor_ids": {"ike_authh": []}})")),
            "cfg.json: /ike/vendor_ids/ike_authh: unknown key (did you mean \"ike_auth\"?)");
}

TEST_F(EngineConfigTest, DuplicateKeyIsRefused) {
  EXPECT_EQ(error_of(psk_config(R"("ike": {"nonce_size": 32, "dpd": 5, "nonce_size": 64})")),
            "cfg.json: /ike/nonce_size: duplicate key (each key may appear once in an object)");
  EXPECT_EQ(error_of(psk_config(R"("psks": [{"psk": {"env": "A"}}, {"psk": {"env": "A", "env": "B"}}])")),
            "cfg.json: /psks/1/psk/env: duplicate key (each key may appear once in an object)");
}

TEST_F(EngineConfigTest, UnknownKeysAreErrorsWithSuggestions) {
  EXPECT_EQ(error_of(psk_config(R"("ike": {"proposal": ["aes128-sha256-modp2048"]})")),
            "cfg.json: /ike/proposal: unknown key (did you mean \"proposals\"?)");
  EXPECT_EQ(error_of(psk_config(R"("chidl": {})")), "cfg.json: /chidl: unknown key (did you mean \"child\"?)");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"retransmit": {"timout": 2}})")),
            "cfg.json: /ike/retransmit/timout: unknown key (did you mean \"timeout\"?)");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"zzzzzz": 1})")), "cfg.json: /ike/zzzzzz: unknown key");
  EXPECT_EQ(error_of(psk_config(R"("a/b~c": 1)")), "cfg.json: /a~1b~0c: unknown key");
}

TEST_F(EngineConfigTest, WrongTypesNameTheExpectedType) {
  EXPECT_EQ(error_of(psk_config(R"("ike": {"nonce_size": "32"})")),
            "cfg.json: /ike/nonce_size: expected an integer in 0..65535, got a string");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"nat_detection": 1})")),
            "cfg.json: /ike/nat_detection: expected a boolean (true or false), got an integer");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"proposals": "aes128-sha256-modp2048"})")),
            "cfg.json: /ike/proposals: expected an array of strings, got a string");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"proposals": ["aes128-sha256-modp2048", 7]})")),
            "cfg.json: /ike/proposals/1: expected a string, got an integer");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"window_size": -1})")),
            "cfg.json: /ike/window_size: -1 is outside 0..4294967295");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"retransmit": {"tries": 2.5}})")),
            "cfg.json: /ike/retransmit/tries: expected an integer in 0..4294967295, got a number with a fraction");
  EXPECT_EQ(error_of(psk_config(R"("child": [])")), "cfg.json: /child: expected an object, got an array");
  EXPECT_EQ(error_of("[1]"), "cfg.json: expected an object, got an array");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"rekey_time": "4x"})")),
            "cfg.json: /ike/rekey_time: \"4x\" is not a duration (a number of seconds with an optional unit s, m, h "
            "or d, at most 4294967295 s)");
}

TEST_F(EngineConfigTest, MisspeltValuesGetSuggestions) {
  EXPECT_EQ(error_of(psk_config(
                R"("ike": {"proposals": ["aes128-sha256-modp2048", "aes256gcm61-prfsha256-ecp256"]})")),
            "cfg.json: /ike/proposals/1: unknown algorithm \"aes256gcm61\" in \"aes256gcm61-prfsha256-ecp256\" "
            "(did you mean \"aes256gcm16\"?)");
  EXPECT_EQ(error_of(psk_config(R"("child": {"mode": "tunel"})")),
            "cfg.json: /child/mode: unknown value \"tunel\" (did you mean \"tunnel\"?); one of \"tunnel\", "
            "\"transport\"");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"signature_hashes": ["sha2_265"]})")),
            "cfg.json: /ike/signature_hashes/0: unknown hash algorithm \"sha2_265\" (did you mean \"SHA2_256\"?)");
  EXPECT_EQ(error_of(psk_config(R"("cp": {"request": ["INTERNAL_IP4_ADRESS"]})")),
            "cfg.json: /cp/request/0: unknown configuration attribute \"INTERNAL_IP4_ADRESS\" (did you mean "
            "\"INTERNAL_IP4_ADDRESS\"?) (a number 0..32767 gives any other)");
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "auth": "pks", "psk": {"env": "IKEH_TEST_PSK"}}})"),
            "cfg.json: /local/auth: unknown value \"pks\" (did you mean \"psk\"?); one of \"psk\", \"pubkey\"");
}

TEST_F(EngineConfigTest, SecretsComeOnlyFromEnvironmentOrFile) {
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "auth": "psk", "psk": {"value": "Zq9-distinctive-psk-7731"}}})"),
            "cfg.json: /local/psk/value: a PSK is never written into the configuration, where it would end up in "
            "copies, logs and version control; use {\"env\": \"VARIABLE\"} or {\"file\": \"path\"}");
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "auth": "psk", "psk": "Zq9-distinctive-psk-7731"}})"),
            "cfg.json: /local/psk: expected an object, got a string: a PSK is never written into the configuration; "
            "use {\"env\": \"VARIABLE\"} or {\"file\": \"path\"}");
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "auth": "psk", "psk": {"env": "IKEH_TEST_MISSING"}}})"),
            "cfg.json: /local/psk/env: environment variable IKEH_TEST_MISSING is not set");
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "auth": "psk", "psk": {"env": "A", "file": "b"}}})"),
            "cfg.json: /local/psk: give exactly one of \"env\" and \"file\"");
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "auth": "psk"}})"),
            "cfg.json: /local/psk: missing: \"auth\": \"psk\" needs {\"env\": ...} or {\"file\": ...}");
  TempDir dir;
  dir.file("empty.txt", "\n");
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "auth": "psk", "psk": {"file": "empty.txt"}}})", dir.path()),
            "cfg.json: /local/psk/file: file \"" + dir.path() + "/empty.txt\" holds an empty PSK");
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "auth": "psk", "psk": {"file": "nope.txt"}}})", dir.path()),
            "cfg.json: /local/psk/file: cannot read \"" + dir.path() + "/nope.txt\": No such file or directory");
}

TEST_F(EngineConfigTest, BadTrafficSelectorsAndIdentities) {
  EXPECT_EQ(error_of(psk_config(R"("child": {"local_ts": ["10.0.0.0/24", "10.0.0.0/33"]})")),
            "cfg.json: /child/local_ts/1: \"10.0.0.0/33\": prefix length \"33\" is not a number in 0..32");
  EXPECT_EQ(error_of(psk_config(R"("child": {"remote_ts": ["10.0.0.0/24[tpc/80]"]})")),
            "cfg.json: /child/remote_ts/0: \"10.0.0.0/24[tpc/80]\": unknown protocol \"tpc\" (did you mean "
            "\"tcp\"?) (a name or a number 0..255)");
  EXPECT_EQ(error_of(psk_config(R"("child": {"remote_ts": []})")),
            "cfg.json: /child/remote_ts: empty: the first Child SA needs at least one traffic selector");
  EXPECT_EQ(error_of(R"({"local": {"id": "ipv4:10.0.0.300", "auth": "psk", "psk": {"env": "IKEH_TEST_PSK"}}})"),
            "cfg.json: /local/id: \"ipv4:10.0.0.300\": \"10.0.0.300\" is not an IPv4 address");
  EXPECT_EQ(error_of(psk_config(R"("remote": {"id": "CN=hub,O=Example"})")),
            "cfg.json: /remote/id: \"CN=hub,O=Example\": distinguished names in text form are not supported yet (no "
            "DER encoder); give the DER as \"dn:#<hex>\", or leave local.id out to use the certificate's subject");
}

TEST_F(EngineConfigTest, AuthenticationKeysMustFitTheMethod) {
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "psk": {"env": "IKEH_TEST_PSK"}}})"),
            "cfg.json: /local/auth: missing: say how this side authenticates, \"psk\" or \"pubkey\"");
  EXPECT_EQ(error_of(R"({"local": {"id": "a", "auth": "psk", "psk": {"env": "IKEH_TEST_PSK"}, "cert": "x.pem"}})"),
            "cfg.json: /local/cert: not used with \"auth\": \"psk\"");
  EXPECT_EQ(error_of(R"({"local": {"auth": "psk", "psk": {"env": "IKEH_TEST_PSK"}}})"),
            "cfg.json: /local/id: missing: the identity this side sends, e.g. \"spoke.example\" or \"10.0.0.1\"");
  EXPECT_EQ(error_of(psk_config(R"("remote": {"auth": "pubkey"})")),
            "cfg.json: /remote/cacerts: missing or empty: \"auth\": \"pubkey\" needs the trust anchors that verify "
            "the peer");
  EXPECT_EQ(error_of(psk_config(R"("remote": {"auth": "psk", "cacerts": ["ca.pem"]})")),
            "cfg.json: /remote/cacerts: not used with \"auth\": \"psk\" (the peer's certificates are not checked)");
}

TEST_F(EngineConfigTest, KeyThatDoesNotMatchTheCertificate) {
  TempDir dir;
  make_key_and_cert(dir.path(), "a", "a.example");
  make_key_and_cert(dir.path(), "b", "b.example");
  auto cert = crypto::load_certificate_file(dir.path() + "/a.crt.pem");
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(error_of(R"({"local": {"id": "a.example", "auth": "pubkey", "key": "b.key.pem", "cert": "a.crt.pem"},
                        "remote": {"cacerts": ["a.crt.pem"]}})",
                     dir.path()),
            "cfg.json: /local/key: private key (EC P-256) does not match the certificate's public key (EC P-256, "
            "subject " + cert->subject() + ")");
  EXPECT_EQ(error_of(R"({"local": {"id": "a.example", "auth": "pubkey", "key": "missing.pem", "cert": "a.crt.pem"},
                        "remote": {"cacerts": ["a.crt.pem"]}})",
                     dir.path()),
            "cfg.json: /local/key: " + dir.path() + "/missing.pem: cannot read: No such file or directory");
}

TEST_F(EngineConfigTest, ValidateFindingsPointAtTheirKey) {
  EXPECT_EQ(error_of(psk_config(R"("ike": {"nonce_size": 8})")),
            "cfg.json: /ike/nonce_size: 8 is outside 16..256 (RFC 7296 2.10)");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"fragment_size": 500})")),
            "cfg.json: /ike/fragment_size: 500 is below the minimum of 576 (RFC 7383 2.5.1)");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"window_size": 0})")),
            "cfg.json: /ike/window_size: must be at least 1 (RFC 7296 2.3)");
  EXPECT_EQ(error_of(psk_config(R"("ike": {"retransmit": {"base": 0.5}})")),
            "cfg.json: /ike/retransmit/base: must be at least 1 (intervals must not shrink, RFC 7296 2.1)");
  EXPECT_EQ(error_of(psk_config(R"("pool": {"range": "10.0.0.9-10.0.0.1"})")),
            "cfg.json: /pool/range: last address is below the first");
  EXPECT_EQ(error_of(psk_config(R"("pool": {"range": "10.0.0.1-::9"})")),
            "cfg.json: /pool/range: first and last address are of different families (IPv4 and IPv6)");
}

TEST_F(EngineConfigTest, UnreadableConfigFile) {
  auto r = load_engine_config("/nonexistent/ikeh.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "/nonexistent/ikeh.json: cannot read: No such file or directory");
}

TEST_F(EngineConfigTest, NoErrorEverShowsTheSecret) {
  ::setenv("IKEH_TEST_BADHEX", (std::string("0x") + kPsk).c_str(), 1);
  TempDir dir;
  dir.file("badhex.txt", std::string("0x") + kPsk + "\n");
  const std::vector<std::string> broken = {
      psk_config(R"("ike": {"proposal": []})"),
      psk_config(R"("ike": {"nonce_size": 8})"),
      psk_config(R"("child": {"local_ts": ["nope"]})"),
      psk_config(R"("remote": {"id": "CN=x"})"),
      psk_config(R"("psks": [{"psk": {"env": "IKEH_TEST_BADHEX"}}])"),
      psk_config(R"("psks": [{"psk": {"file": "badhex.txt"}}])"),
      psk_config(R"("psks": [{"psk": {"value": "Zq9-distinctive-psk-7731"}}])"),
      psk_config(R"("psks": [{"psk": "Zq9-distinctive-psk-7731"}])"),
      psk_config(R"("psks": ["Zq9-distinctive-psk-7731"])"),
  };
  for (const auto& doc : broken) EXPECT_NE(error_of(doc, dir.path()), "OK") << doc;
  EXPECT_EQ(errors_[4], "cfg.json: /psks/0/psk/env: the PSK in environment variable IKEH_TEST_BADHEX starts with "
                        "\"0x\" but the rest is not hex digits (an even number of 0-9, a-f)");
  ASSERT_FALSE(errors_.empty());
  for (const auto& e : errors_) EXPECT_THAT(e, ::testing::Not(::testing::HasSubstr("distinctive"))) << e;
}

// ---------------------------------------------------------------------------
// parse_proposal

std::vector<Suite> proposal(std::string_view text, ProtocolId p = ProtocolId::IKE) {
  auto r = parse_proposal(text, p);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r ? *r : std::vector<Suite>{};
}

std::string proposal_error(std::string_view text, ProtocolId p = ProtocolId::IKE) {
  auto r = parse_proposal(text, p);
  return r ? "OK" : r.error().reason;
}

TEST(ParseProposal, IkeSuites) {
  EXPECT_EQ(proposal("aes256gcm16-prfsha256-ecp256"),
            (std::vector<Suite>{ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256,
                                          DhGroup::ECP_256)}));
  // Without a PRF, the integrity algorithm's PRF (strongSwan's rule).
  EXPECT_EQ(proposal("aes128-sha256-modp2048"),
            (std::vector<Suite>{ike_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128,
                                          PrfId::PRF_HMAC_SHA2_256, DhGroup::MODP_2048)}));
  EXPECT_EQ(proposal("aes256-sha384-x25519"),
            (std::vector<Suite>{ike_suite(EncrId::ENCR_AES_CBC, 256, IntegId::AUTH_HMAC_SHA2_384_192,
                                          PrfId::PRF_HMAC_SHA2_384, DhGroup::CURVE25519)}));
  // An AEAD proposal may name an integrity algorithm for its PRF only.
  EXPECT_EQ(proposal("aes256gcm16-sha384-ecp384"),
            (std::vector<Suite>{ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_384,
                                          DhGroup::ECP_384)}));
  // Fixed-key ciphers carry no KEY_LENGTH; case does not matter.
  EXPECT_EQ(proposal("CHACHA20POLY1305-PRFSHA256-CURVE25519"),
            (std::vector<Suite>{ike_suite(EncrId::ENCR_CHACHA20_POLY1305, std::nullopt, IntegId::AUTH_NONE,
                                          PrfId::PRF_HMAC_SHA2_256, DhGroup::CURVE25519)}));
  EXPECT_EQ(proposal("3des-sha1-modp2048"),
            (std::vector<Suite>{ike_suite(EncrId::ENCR_3DES, std::nullopt, IntegId::AUTH_HMAC_SHA1_96,
                                          PrfId::PRF_HMAC_SHA1, DhGroup::MODP_2048)}));
  // "aes" is aes128; the duplicate is dropped.
  EXPECT_EQ(proposal("aes-aes128-sha256-modp2048").size(), 1u);
}

TEST(ParseProposal, SeveralOfAKindExpandInNestedOrder) {
  const auto i = IntegId::AUTH_HMAC_SHA2_256_128;
  const auto p = PrfId::PRF_HMAC_SHA2_256;
  EXPECT_EQ(proposal("aes128-aes256-sha256-ecp256-modp2048"),
            (std::vector<Suite>{ike_suite(EncrId::ENCR_AES_CBC, 128, i, p, DhGroup::ECP_256),
                                ike_suite(EncrId::ENCR_AES_CBC, 128, i, p, DhGroup::MODP_2048),
                                ike_suite(EncrId::ENCR_AES_CBC, 256, i, p, DhGroup::ECP_256),
                                ike_suite(EncrId::ENCR_AES_CBC, 256, i, p, DhGroup::MODP_2048)}));
  // Integrity before PRF; PRFs taken from each integrity algorithm.
  EXPECT_EQ(proposal("aes128-sha256-sha384-ecp256"),
            (std::vector<Suite>{
                ike_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, PrfId::PRF_HMAC_SHA2_256,
                          DhGroup::ECP_256),
                ike_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, PrfId::PRF_HMAC_SHA2_384,
                          DhGroup::ECP_256),
                ike_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_384_192, PrfId::PRF_HMAC_SHA2_256,
                          DhGroup::ECP_256),
                ike_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_384_192, PrfId::PRF_HMAC_SHA2_384,
                          DhGroup::ECP_256)}));
}

TEST(ParseProposal, EspSuites) {
  EXPECT_EQ(proposal("aes256gcm16-ecp256", ProtocolId::ESP),
            (std::vector<Suite>{
                esp_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, EsnId::NO_ESN, DhGroup::ECP_256)}));
  EXPECT_EQ(proposal("aes128-sha256-esn", ProtocolId::ESP),
            (std::vector<Suite>{esp_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, EsnId::ESN)}));
  EXPECT_EQ(proposal("aes128-sha256-esn-noesn", ProtocolId::ESP),
            (std::vector<Suite>{esp_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, EsnId::ESN),
                                esp_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, EsnId::NO_ESN)}));
  // PFS optional: with the group, then without.
  EXPECT_EQ(proposal("aes128gcm16-ecp256-none", ProtocolId::ESP),
            (std::vector<Suite>{
                esp_suite(EncrId::ENCR_AES_GCM_16, 128, IntegId::AUTH_NONE, EsnId::NO_ESN, DhGroup::ECP_256),
                esp_suite(EncrId::ENCR_AES_GCM_16, 128, IntegId::AUTH_NONE, EsnId::NO_ESN, DhGroup::NONE)}));
  EXPECT_EQ(proposal("aes256gcm16-sha256", ProtocolId::ESP),  // integrity dropped with AEAD
            (std::vector<Suite>{esp_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, EsnId::NO_ESN)}));
}

TEST(ParseProposal, ErrorsNameTheToken) {
  EXPECT_EQ(proposal_error("aes256gcm61-prfsha256-ecp256"),
            "unknown algorithm \"aes256gcm61\" in \"aes256gcm61-prfsha256-ecp256\" (did you mean \"aes256gcm16\"?)");
  EXPECT_EQ(proposal_error("aes128-sha256-ecp265"),
            "unknown algorithm \"ecp265\" in \"aes128-sha256-ecp265\" (did you mean \"ecp256\"?)");
  EXPECT_EQ(proposal_error("aes128-sha256-qqqqqqq"), "unknown algorithm \"qqqqqqq\" in \"aes128-sha256-qqqqqqq\"");
  EXPECT_EQ(proposal_error("aes128--sha256-modp2048"),
            "empty algorithm in \"aes128--sha256-modp2048\" (two '-' in a row, or one at an end)");
  EXPECT_EQ(proposal_error("aes256gcm16-ecp256"),
            "\"aes256gcm16-ecp256\": IKE proposals need a PRF (e.g. prfsha256), or an integrity algorithm to take it "
            "from");
  EXPECT_EQ(proposal_error("aes128-sha256"),
            "\"aes128-sha256\": IKE proposals need a key exchange method (e.g. ecp256)");
  EXPECT_EQ(proposal_error("aes128-prfsha256-ecp256"),
            "\"aes128-prfsha256-ecp256\": IKE proposals with a classic cipher need an integrity algorithm (e.g. "
            "sha256)");
  EXPECT_EQ(proposal_error("aes128-aes256gcm16-sha256-ecp256"),
            "\"aes128-aes256gcm16-sha256-ecp256\": AEAD and classic ciphers cannot share one proposal (write them as "
            "two)");
  EXPECT_EQ(proposal_error("aes128-sha256-none"),
            "\"none\" in \"aes128-sha256-none\": an IKE SA always needs a key exchange method");
  EXPECT_EQ(proposal_error("aes128-sha256-modp2048-esn"),
            "\"esn\" in \"aes128-sha256-modp2048-esn\": ESN is negotiated for ESP and AH only");
  EXPECT_EQ(proposal_error("aes128-sha256-prfsha256", ProtocolId::ESP),
            "\"prfsha256\" in \"aes128-sha256-prfsha256\": ESP proposals take no PRF");
  EXPECT_EQ(proposal_error("camellia128-sha256-modp2048"),
            "\"camellia128\" in \"camellia128-sha256-modp2048\": ENCR_CAMELLIA_CBC is not a supported encryption "
            "algorithm");
  // 6 encryption x 3 integrity x 1 PRF x 15 groups (curve25519 and curve448
  // repeat x25519 and x448): too many for one SA payload.
  EXPECT_THAT(proposal_error("aes128-aes192-aes256-aes128ctr-aes192ctr-aes256ctr-sha256-sha384-sha512-prfsha256-"
                             "modp2048-modp3072-modp4096-modp6144-modp8192-ecp256-ecp384-ecp521-x25519-x448-"
                             "ecp256bp-ecp384bp-ecp512bp-modp1536-modp1024-curve25519-curve448"),
              ::testing::HasSubstr("expands to 270 suites; an SA payload carries at most 255"));
}

// ---------------------------------------------------------------------------
// parse_identity

struct IdRow {
  const char* text;
  IdType type;
  Bytes data;
};

TEST(ParseIdentity, AutoDetectionAndPrefixes) {
  const IdRow rows[] = {
      {"10.0.0.1", IdType::ID_IPV4_ADDR, {10, 0, 0, 1}},
      {"2001:db8::1", IdType::ID_IPV6_ADDR, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"user@example.com", IdType::ID_RFC822_ADDR, text("user@example.com")},
      {"hub.example.com", IdType::ID_FQDN, text("hub.example.com")},
      {"@hub.example.com", IdType::ID_FQDN, text("hub.example.com")},
      {"@10.0.0.1", IdType::ID_FQDN, text("10.0.0.1")},
      {"@@user@example.com", IdType::ID_RFC822_ADDR, text("user@example.com")},
      {"@#0a0B", IdType::ID_KEY_ID, {0x0a, 0x0b}},
      {"keyid:text", IdType::ID_KEY_ID, text("text")},
      {"keyid:#c0ffee", IdType::ID_KEY_ID, {0xc0, 0xff, 0xee}},
      {"ipv4:192.0.2.7", IdType::ID_IPV4_ADDR, {192, 0, 2, 7}},
      {"IPv4:192.0.2.7", IdType::ID_IPV4_ADDR, {192, 0, 2, 7}},
      {"ipv6:::1", IdType::ID_IPV6_ADDR, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"fqdn:10.0.0.1", IdType::ID_FQDN, text("10.0.0.1")},
      {"dns:gw", IdType::ID_FQDN, text("gw")},
      {"email:a@b", IdType::ID_RFC822_ADDR, text("a@b")},
      {"rfc822:a@b", IdType::ID_RFC822_ADDR, text("a@b")},
      {"dn:#3000", IdType::ID_DER_ASN1_DN, {0x30, 0x00}},
      {"asn1dn:#3000", IdType::ID_DER_ASN1_DN, {0x30, 0x00}},
      {"{11}:abc", IdType::ID_KEY_ID, text("abc")},
      {"{13}:#00", IdType::ID_NULL, {0x00}},
  };
  for (const auto& row : rows) {
    auto id = parse_identity(row.text);
    ASSERT_TRUE(id.ok()) << row.text << ": " << id.error().to_string();
    EXPECT_EQ(id->id_type, row.type) << row.text;
    EXPECT_EQ(id->data, row.data) << row.text;
  }
}

TEST(ParseIdentity, Errors) {
  auto err = [](std::string_view t) {
    auto r = parse_identity(t);
    return r ? std::string("OK") : r.error().to_string();
  };
  EXPECT_EQ(err(""), "identity: \"\": empty identity");
  EXPECT_EQ(err("ipv4:10.0.0.300"), "identity: \"ipv4:10.0.0.300\": \"10.0.0.300\" is not an IPv4 address");
  EXPECT_EQ(err("ipv6:10.0.0.1"), "identity: \"ipv6:10.0.0.1\": \"10.0.0.1\" is not an IPv6 address");
  EXPECT_EQ(err("fdqn:hub.example"),
            "identity: \"fdqn:hub.example\": neither an IPv6 address nor a known prefix \"fdqn:\" (did you mean "
            "\"fqdn:\"?); write \"keyid:fdqn:hub.example\" for a key ID");
  EXPECT_EQ(err("keyid:#zz"),
            "identity: \"keyid:#zz\": \"#\" must be followed by hex digits (an even number of 0-9, a-f)");
  EXPECT_EQ(err("@#123"), "identity: \"@#123\": \"@#\" must be followed by hex digits (an even number of 0-9, a-f)");
  EXPECT_EQ(err("keyid:"), "identity: \"keyid:\": nothing after the prefix");
  EXPECT_EQ(err("%any"), "identity: \"%any\": %any matches every peer and is no identity to send; leave the key out");
  EXPECT_THAT(err("CN=gw,O=Example"), ::testing::HasSubstr("distinguished names in text form are not supported yet"));
  EXPECT_THAT(err("dn:CN=gw"), ::testing::HasSubstr("distinguished names in text form are not supported yet"));
  EXPECT_EQ(err("{300}:x"), "identity: \"{300}:x\": a numeric type prefix is \"{N}:\" with N in 0..255");
}

// ---------------------------------------------------------------------------
// parse_traffic_selector

struct TsRow {
  const char* text;
  TsType type;
  Bytes start, end;
  uint8_t proto;
  uint16_t start_port, end_port;
};

TEST(ParseTrafficSelector, AddressesProtocolsAndPorts) {
  const Bytes v6_zero(16, 0x00), v6_ones(16, 0xff);
  Bytes db8_start = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  Bytes db8_end = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  const TsRow rows[] = {
      {"10.0.0.0/24", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 0), ip4(10, 0, 0, 255), 0, 0, 65535},
      {"10.0.0.77/24", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 0), ip4(10, 0, 0, 255), 0, 0, 65535},
      {"10.1.2.3/21", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 1, 0, 0), ip4(10, 1, 7, 255), 0, 0, 65535},
      {"0.0.0.0/0", TsType::TS_IPV4_ADDR_RANGE, ip4(0, 0, 0, 0), ip4(255, 255, 255, 255), 0, 0, 65535},
      {" 10.0.0.1 ", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 1), ip4(10, 0, 0, 1), 0, 0, 65535},
      {"10.0.0.1-10.0.0.9", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 1), ip4(10, 0, 0, 9), 0, 0, 65535},
      {"::/0", TsType::TS_IPV6_ADDR_RANGE, v6_zero, v6_ones, 0, 0, 65535},
      {"2001:db8::/32", TsType::TS_IPV6_ADDR_RANGE, db8_start, db8_end, 0, 0, 65535},
      {"10.0.0.0/24[tcp/80]", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 0), ip4(10, 0, 0, 255), 6, 80, 80},
      {"10.0.0.0/24[udp]", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 0), ip4(10, 0, 0, 255), 17, 0, 65535},
      {"10.0.0.0/24[17/500-600]", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 0), ip4(10, 0, 0, 255), 17, 500, 600},
      {"10.0.0.0/24[UDP/%any]", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 0), ip4(10, 0, 0, 255), 17, 0, 65535},
      {"10.0.0.0/24[icmp/opaque]", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 0), ip4(10, 0, 0, 255), 1, 65535, 0},
      {"::/0[icmpv6]", TsType::TS_IPV6_ADDR_RANGE, v6_zero, v6_ones, 58, 0, 65535},
      {"10.0.0.1[any/4500]", TsType::TS_IPV4_ADDR_RANGE, ip4(10, 0, 0, 1), ip4(10, 0, 0, 1), 0, 4500, 4500},
  };
  for (const auto& row : rows) {
    auto ts = parse_traffic_selector(row.text);
    ASSERT_TRUE(ts.ok()) << row.text << ": " << ts.error().to_string();
    EXPECT_EQ(ts->ts_type, row.type) << row.text;
    EXPECT_EQ(ts->start_address, row.start) << row.text;
    EXPECT_EQ(ts->end_address, row.end) << row.text;
    EXPECT_EQ(ts->ip_protocol_id, row.proto) << row.text;
    EXPECT_EQ(ts->start_port, row.start_port) << row.text;
    EXPECT_EQ(ts->end_port, row.end_port) << row.text;
  }
}

TEST(ParseTrafficSelector, Errors) {
  auto err = [](std::string_view t) {
    auto r = parse_traffic_selector(t);
    return r ? std::string("OK") : r.error().reason;
  };
  EXPECT_EQ(err("[udp]"),
            "\"[udp]\": no address before the protocol and port (write \"0.0.0.0/0[udp]\" or \"::/0[udp]\")");
  EXPECT_EQ(err("10.0.0.0/24[tcp/80"), "\"10.0.0.0/24[tcp/80\": \"[\" without a closing \"]\" at the end");
  EXPECT_EQ(err("10.0.0.9-10.0.0.1"), "\"10.0.0.9-10.0.0.1\": the range ends below its start");
  EXPECT_EQ(err("10.0.0.1-::1"), "\"10.0.0.1-::1\": the range mixes IPv4 and IPv6");
  EXPECT_EQ(err("10.0.0.0/24[udp/600-500]"),
            "\"10.0.0.0/24[udp/600-500]\": port range \"600-500\" ends below its start");
  EXPECT_EQ(err("10.0.0.0/24[udp/70000]"),
            "\"10.0.0.0/24[udp/70000]\": port \"70000\" is not a number, a range such as 500-600, \"any\" or "
            "\"opaque\"");
  EXPECT_EQ(err("10.0.0.0/24[300]"),
            "\"10.0.0.0/24[300]\": unknown protocol \"300\" (a name or a number 0..255)");
  EXPECT_EQ(err("dynamic"),
            "\"dynamic\": \"dynamic\" is not an address, a prefix (10.0.0.0/24) or a range (10.0.0.1-10.0.0.9)");
  EXPECT_EQ(err("::/129"), "\"::/129\": prefix length \"129\" is not a number in 0..128");
  EXPECT_EQ(err("10.0.0/8"), "\"10.0.0/8\": \"10.0.0\" is not an IPv4 or IPv6 address");
}

}  // namespace
}  // namespace ikeh::scenario
