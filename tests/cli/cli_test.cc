// SPDX-License-Identifier: Apache-2.0
// Runs the real `ikeharness` program: exit codes, the exact one-line error
// shapes, and the text and JSON reports of the committed sample capture.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/cli_run.h"
#include "harness/codec/message.h"
#include "harness/crypto/key_table.h"
#include "harness/crypto/sk.h"
#include "reports/pcap_writer.h"

namespace {

namespace fs = std::filesystem;
using ikeh::core::Bytes;
using Json = nlohmann::json;

const fs::path kSample = fs::path(IKEH_SOURCE_DIR) / "examples" / "flexvpn-sample.pcap";
const fs::path kWork = fs::path(IKEH_BINARY_DIR) / "cli_test_data";

using Run = ikeh::testing_support::CliRun;
using ikeh::testing_support::slurp;

Run run(const std::string& args) {
  fs::create_directories(kWork);
  return ikeh::testing_support::run_cli(
      args, kWork / (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".stderr"));
}

std::vector<Json> json_lines(const std::string& out) {
  std::vector<Json> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) v.push_back(Json::parse(line));
  return v;
}

// A capture with the given UDP payloads from 10.0.0.1:500 to 10.0.0.2:500.
fs::path capture(const std::string& name, const std::vector<Bytes>& payloads) {
  fs::create_directories(kWork);
  fs::path p = kWork / name;
  auto w = ikeh::reports::PcapWriter::open(p.string());
  EXPECT_TRUE(w.ok());
  int64_t t = 1700000000;
  for (const auto& b : payloads) EXPECT_TRUE(w->write_udp({"10.0.0.1", 500}, {"10.0.0.2", 500}, b, t++, 0));
  return p;
}

Bytes good_message() {
  using namespace ikeh::codec;
  return encode_message(make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 0x1122334455667788ull, 0,
                                     {make_nonce(Bytes(32, 7))}));
}

TEST(Cli, HelpAndUsageErrors) {
  auto help = run("--help");
  EXPECT_EQ(help.rc, 0);
  EXPECT_NE(help.out.find("decode"), std::string::npos);
  auto dhelp = run("decode --help");
  EXPECT_EQ(dhelp.rc, 0);
  EXPECT_NE(dhelp.out.find("--json"), std::string::npos);
  EXPECT_NE(dhelp.out.find("Exit codes"), std::string::npos);
  auto none = run("decode");
  EXPECT_EQ(none.rc, 2);
  EXPECT_EQ(none.err.rfind("ikeharness: ", 0), 0u) << none.err;
  EXPECT_EQ(std::count(none.err.begin(), none.err.end(), '\n'), 1);
  EXPECT_EQ(run("decode x.pcap --ports 0").rc, 2);
}

TEST(Cli, MissingFile) {
  auto r = run("decode /nonexistent/none.pcap");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, "/nonexistent/none.pcap: cannot open: No such file or directory\n");
  EXPECT_EQ(r.out, "");
}

TEST(Cli, NotACapture) {
  fs::create_directories(kWork);
  fs::path p = kWork / "notes.txt";
  std::ofstream(p) << "IKEv2 is RFC 7296.\n";
  auto r = run("decode " + p.string());
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, p.string() + ": not a pcap or pcapng capture (unknown file format)\n");
}

TEST(Cli, TruncatedCapturePrintsTheFramesBeforeTheDamage) {
  std::string bytes = slurp(kSample);
  ASSERT_GT(bytes.size(), 1000u);
  // pcap: 24-byte file header, then 16-byte record headers. Cut inside record 3.
  auto record_len = [&](std::size_t at) {
    return static_cast<std::size_t>(static_cast<uint8_t>(bytes[at + 8]) | static_cast<uint8_t>(bytes[at + 9]) << 8);
  };
  std::size_t r1 = 24, r2 = r1 + 16 + record_len(r1), r3 = r2 + 16 + record_len(r2);
  fs::create_directories(kWork);
  fs::path p = kWork / "truncated.pcap";
  std::ofstream(p, std::ios::binary) << bytes.substr(0, r3 + 16 + 100);
  auto r = run("decode " + p.string());
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("frame 1  10.150.3.1:500 -> 10.150.1.1:500  IKE_SA_INIT request"), std::string::npos);
  EXPECT_NE(r.out.find("frame 2  10.150.1.1:500 -> 10.150.3.1:500  IKE_SA_INIT response"), std::string::npos);
  EXPECT_EQ(r.out.find("frame 3"), std::string::npos);
  std::string want = p.string() + ": frame 3: truncated capture: truncated dump file; tried to read " +
                     std::to_string(record_len(r3)) + " captured bytes, only got 100\n";
  EXPECT_EQ(r.err, want);
}

TEST(Cli, GarbageOnPort500) {
  Bytes garbage = ikeh::core::to_bytes("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
  auto p = capture("garbage.pcap", {garbage, good_message()});
  auto r = run("decode " + p.string());
  EXPECT_EQ(r.rc, 1);
  // Byte 17 of the "header" is 'o' (0x6f): major version 6.
  EXPECT_EQ(r.err, p.string() +
                       ": frame 1: IKE header at offset 17: field version: major version 6 is not 2 (IKEv2) "
                       "[INVALID_MAJOR_VERSION]\n");
  EXPECT_NE(r.out.find("frame 2  10.0.0.1:500 -> 10.0.0.2:500  IKE_SA_INIT request"), std::string::npos)
      << "the rest still prints";

  auto tiny = capture("tiny.pcap", {Bytes{1, 2, 3, 4, 5}});
  auto t = run("decode " + tiny.string());
  EXPECT_EQ(t.rc, 1);
  EXPECT_EQ(t.err, tiny.string() +
                       ": frame 1: IKE header at offset 5: field length: truncated: an IKE header needs 28 bytes, "
                       "the datagram has 5 [INVALID_SYNTAX]\n");
}

TEST(Cli, BadLength) {
  using namespace ikeh::codec;
  auto m = make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 0x1122334455667788ull, 0,
                        {make_nonce(Bytes(32, 7))});
  m.header.length = 100;  // the datagram has 64 bytes
  auto p = capture("badlen.pcap", {encode_message(m)});
  auto r = run("decode " + p.string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, p.string() +
                       ": frame 1: IKE_SA_INIT request: IKE header at offset 24: field length: 100 exceeds the "
                       "datagram (64 bytes left) [INVALID_SYNTAX]\n");
  // A payload length past the end.
  auto m2 = make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 1, 0, {make_nonce(Bytes(32, 7))});
  m2.payloads[0].length = 40;
  auto p2 = capture("badplen.pcap", {encode_message(m2)});
  auto r2 = run("decode --json " + p2.string());
  EXPECT_EQ(r2.rc, 1);
  EXPECT_EQ(r2.err, p2.string() +
                        ": frame 1: IKE_SA_INIT request: NONCE payload at offset 30: field payload_length: 40 "
                        "exceeds message (36 bytes left) [INVALID_SYNTAX]\n");
  auto lines = json_lines(r2.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["error"], "NONCE payload at offset 30: field payload_length: 40 exceeds message (36 bytes left) "
                               "[INVALID_SYNTAX]");
  EXPECT_EQ(lines[0]["ike"]["header"]["initiator_spi"], "0000000000000001");
  ASSERT_EQ(lines[0]["ike"]["payloads"].size(), 1u);
  EXPECT_EQ(lines[0]["ike"]["payloads"][0]["type_name"], "NONCE");
  EXPECT_EQ(lines[0]["ike"]["payloads"][0]["payload_length"], 40);
  EXPECT_FALSE(lines[0]["ike"]["payloads"][0].contains("body"));
}

TEST(Cli, SampleText) {
  auto r = run("decode " + kSample.string());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string& o = r.out;
  // The trace's IKE_AUTH request: its header and the SK payload whose first
  // inner payload is the VID of "VID IDi AUTH CFG SA TSi TSr ...".
  EXPECT_NE(o.find("frame 3  10.150.3.1:500 -> 10.150.1.1:500  IKE_AUTH request  flags I  msgid 1  "
                   "spi_i 98db5fd5979eac12  spi_r 1398f140044abc30  length 288\n"
                   "  SK at offset 28  length 260  first inner V\n"
                   "    encrypted_data: "),
            std::string::npos)
      << o;
  // The IKE_SA_INIT request's chain, in order.
  std::vector<std::string> chain = {"  SA at offset 28", "  KE at offset 120", "  NONCE at offset 192",
                                    "  V at offset 228", "  V at offset 251", "  V at offset 310",
                                    "  N at offset 331", "  N at offset 359", "  N at offset 387",
                                    "  N at offset 395"};
  std::size_t at = 0;
  for (const auto& c : chain) {
    at = o.find(c, at);
    ASSERT_NE(at, std::string::npos) << c;
  }
  EXPECT_NE(o.find("vendor_id: 434953434f2d44454c4554452d524541534f4e (Cisco Delete Reason)"), std::string::npos);
  EXPECT_NE(o.find("(Cisco FlexVPN supported)"), std::string::npos);
  EXPECT_NE(o.find("(Cisco copyright)"), std::string::npos);
  EXPECT_NE(o.find("notification_data: SHA2_256, SHA2_384, SHA2_512"), std::string::npos);
  EXPECT_NE(o.find("transform_id: 12 (ENCR_AES_CBC)"), std::string::npos);
  EXPECT_NE(o.find("INFORMATIONAL request  flags I  msgid 2"), std::string::npos);
  EXPECT_NE(o.find("(non-ESP marker)"), std::string::npos);
  EXPECT_NE(o.find("  ESP  spi 0x"), std::string::npos);
  EXPECT_NE(o.find("frame 8  10.150.3.1:4500 -> 10.150.1.1:4500  NAT-keepalive\n"), std::string::npos);
}

TEST(Cli, SampleJson) {
  auto r = run("decode --json " + kSample.string());
  EXPECT_EQ(r.rc, 0) << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 8u);
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i]["frame"], i + 1);

  const Json& init = lines[0];
  EXPECT_NEAR(init["time"].get<double>(), 1676260683.368, 1e-6);
  EXPECT_EQ(init["src"], "10.150.3.1");
  EXPECT_EQ(init["sport"], 500);
  EXPECT_EQ(init["dst"], "10.150.1.1");
  EXPECT_EQ(init["dport"], 500);
  EXPECT_EQ(init["kind"], "IKE");
  EXPECT_EQ(init["non_esp_marker"], false);
  EXPECT_FALSE(init.contains("error"));
  const Json& h = init["ike"]["header"];
  EXPECT_EQ(h["initiator_spi"], "98db5fd5979eac12");
  EXPECT_EQ(h["responder_spi"], "0000000000000000");
  EXPECT_EQ(h["next_payload"], 33);
  EXPECT_EQ(h["next_payload_name"], "SA");
  EXPECT_EQ(h["version"], 32);
  EXPECT_EQ(h["exchange_type"], 34);
  EXPECT_EQ(h["exchange_type_name"], "IKE_SA_INIT");
  EXPECT_EQ(h["flags"], 8);
  EXPECT_EQ(h["message_id"], 0);
  EXPECT_EQ(h["length"], 409);

  const Json& p = init["ike"]["payloads"];
  std::vector<int> types;
  for (const auto& x : p) types.push_back(x["type"]);
  EXPECT_EQ(types, (std::vector<int>{33, 34, 40, 43, 43, 43, 41, 41, 41, 41}));
  const Json& sa = p[0];
  EXPECT_EQ(sa["type_name"], "SA");
  EXPECT_EQ(sa["offset"], 28);
  EXPECT_EQ(sa["next_payload"], 34);
  EXPECT_EQ(sa["next_payload_name"], "KE");
  EXPECT_EQ(sa["critical"], false);
  EXPECT_EQ(sa["reserved"], 0);
  EXPECT_EQ(sa["payload_length"], 92);
  const Json& props = sa["body"]["proposals"];
  ASSERT_EQ(props.size(), 2u);
  EXPECT_EQ(props[0]["proposal_num"], 1);
  EXPECT_EQ(props[0]["protocol_id_name"], "IKE");
  EXPECT_EQ(props[0]["spi"], "");
  EXPECT_EQ(props[1]["proposal_num"], 2);
  const Json& t0 = props[0]["transforms"][0];
  EXPECT_EQ(t0["transform_type_name"], "ENCR");
  EXPECT_EQ(t0["transform_id"], 12);
  EXPECT_EQ(t0["transform_id_name"], "ENCR_AES_CBC");
  EXPECT_EQ(t0["attributes"][0]["af"], true);
  EXPECT_EQ(t0["attributes"][0]["attribute_type_name"], "KEY_LENGTH");
  EXPECT_EQ(t0["attributes"][0]["attribute_value"], 256);
  EXPECT_EQ(props[0]["transforms"][3]["transform_id_name"], "ECP_256");
  EXPECT_EQ(props[1]["transforms"][3]["transform_id_name"], "MODP_2048");
  EXPECT_EQ(p[1]["body"]["dh_group"], 19);
  EXPECT_EQ(p[1]["body"]["dh_group_name"], "ECP_256");
  EXPECT_EQ(p[1]["body"]["key_exchange_data"].get<std::string>().size(), 128u);
  EXPECT_EQ(p[3]["body"]["vendor_id"], "434953434f2d44454c4554452d524541534f4e");
  EXPECT_EQ(p[3]["body"]["vendor_id_name"], "Cisco Delete Reason");
  EXPECT_EQ(p[5]["body"]["vendor_id_name"], "Cisco FlexVPN supported");
  EXPECT_EQ(p[6]["body"]["notify_type_name"], "NAT_DETECTION_SOURCE_IP");
  EXPECT_EQ(p[8]["body"]["notify_type_name"], "IKEV2_FRAGMENTATION_SUPPORTED");
  EXPECT_EQ(p[9]["body"]["notification_data"], "000200030004");
  EXPECT_EQ(p[9]["body"]["notification_data_text"], "SHA2_256, SHA2_384, SHA2_512");
  EXPECT_EQ(p[9]["next_payload_name"], "NONE");

  const Json& resp = lines[1];
  EXPECT_EQ(resp["ike"]["header"]["responder_spi"], "1398f140044abc30");
  EXPECT_EQ(resp["ike"]["header"]["flags"], 32);

  const Json& auth = lines[2];
  EXPECT_EQ(auth["ike"]["header"]["exchange_type_name"], "IKE_AUTH");
  EXPECT_EQ(auth["ike"]["header"]["message_id"], 1);
  ASSERT_EQ(auth["ike"]["payloads"].size(), 1u);
  EXPECT_EQ(auth["ike"]["payloads"][0]["type_name"], "SK");
  EXPECT_EQ(auth["ike"]["payloads"][0]["next_payload_name"], "V");

  const Json& info = lines[4];
  EXPECT_EQ(info["sport"], 4500);
  EXPECT_EQ(info["non_esp_marker"], true);
  EXPECT_EQ(info["ike"]["header"]["exchange_type_name"], "INFORMATIONAL");
  EXPECT_EQ(info["ike"]["payloads"][0]["next_payload_name"], "CP");

  const Json& esp = lines[6];
  EXPECT_EQ(esp["kind"], "ESP");
  EXPECT_TRUE(esp["esp_spi"].is_number_unsigned());
  EXPECT_FALSE(esp.contains("ike"));
  EXPECT_FALSE(esp.contains("non_esp_marker"));
  EXPECT_EQ(lines[7]["kind"], "NAT-keepalive");
  EXPECT_FALSE(lines[7].contains("ike"));
}

TEST(Cli, SharedCapturesDecodeCleanly) {
  fs::path dir = fs::path(IKEH_SHARED_DIR) / "testdata" / "wireshark-test-captures";
  if (!fs::exists(dir)) GTEST_SKIP() << "shared test data not found at " << dir;
  for (const auto& e : fs::directory_iterator(dir)) {
    auto ext = e.path().extension();
    if (ext != ".pcap" && ext != ".pcapng") continue;
    auto r = run("decode --json '" + e.path().string() + "'");
    EXPECT_EQ(r.rc, 0) << e.path() << ": " << r.err;
    for (const auto& j : json_lines(r.out)) EXPECT_FALSE(j.contains("error")) << e.path();
  }
}

// ---------------------------------------------------------------- --keys

const fs::path kShared = fs::path(IKEH_SHARED_DIR) / "testdata" / "wireshark-test-captures";
const fs::path kTable = kShared / "ikev2_decryption_table";

struct ExpectedRow {
  std::string file, spi_i, auth_request, auth_response;
};

std::vector<ExpectedRow> expected_rows() {
  std::vector<ExpectedRow> rows;
  std::istringstream in(slurp(kShared / "expected.tsv"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream cells(line);
    for (std::string c; std::getline(cells, c, '\t');) f.push_back(c);
    if (f.size() >= 7) rows.push_back({f[0], f[2], f[5], f[6]});
  }
  return rows;
}

// A copy of the shared table with `from` replaced by `to`.
fs::path edited_table(const std::string& name, const std::string& from, const std::string& to) {
  std::string t = slurp(kTable);
  auto at = t.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) t.replace(at, from.size(), to);
  fs::create_directories(kWork);
  fs::path p = kWork / name;
  std::ofstream(p, std::ios::binary) << t;
  return p;
}

const Json* inner_auth(const Json& inner) {
  for (const auto& p : inner["payloads"])
    if (p["type_name"] == "AUTH") return &p["body"]["authentication_data"];
  return nullptr;
}

TEST(CliKeys, EverySharedCaptureDecryptsWithItsIcvVerified) {
  if (!fs::exists(kShared)) GTEST_SKIP() << "shared test data not found at " << kShared;
  auto rows = expected_rows();
  ASSERT_EQ(rows.size(), 8u);
  std::string secrets = slurp(kTable);
  for (const auto& row : rows) {
    SCOPED_TRACE(row.file);
    fs::path capture = kShared / row.file;
    auto r = run("decode --json --keys '" + kTable.string() + "' '" + capture.string() + "'");
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.err, "");
    // The shared table names no integrity algorithm for this capture ("ANY
    // 96-bits [No Checking]"), so nothing can be verified with it.
    const char* icv = row.file == "ikev2-decrypt-aes128ccm12-2.pcap" ? "not checked" : "verified";
    std::size_t encrypted = 0;
    for (const auto& j : json_lines(r.out)) {
      const auto& payloads = j["ike"]["payloads"];
      if (payloads.empty() || payloads.back()["type_name"] != "SK") {
        EXPECT_FALSE(j["ike"].contains("inner"));
        continue;
      }
      ++encrypted;
      ASSERT_TRUE(j["ike"].contains("inner")) << "frame " << j["frame"];
      const auto& inner = j["ike"]["inner"];
      EXPECT_EQ(inner["icv"], icv);
      EXPECT_EQ(inner["first_payload"], payloads.back()["next_payload"]);
      EXPECT_FALSE(inner.contains("error"));
      if (j["frame"] == 3) {
        const Json* auth = inner_auth(inner);
        ASSERT_NE(auth, nullptr);
        EXPECT_EQ(*auth, row.auth_request);
      }
      if (j["frame"] == 4) {
        const Json* auth = inner_auth(inner);
        ASSERT_NE(auth, nullptr);
        EXPECT_EQ(*auth, row.auth_response);
      }
    }
    EXPECT_GE(encrypted, 2u);

    auto text = run("decode --keys '" + kTable.string() + "' '" + capture.string() + "'");
    ASSERT_EQ(text.rc, 0) << text.err;
    std::string said = std::string("decrypted, ") + (std::string(icv) == "verified" ? "ICV verified" : "ICV not checked (the key table gives no integrity algorithm)");
    std::size_t n = 0;
    for (auto at = text.out.find(said); at != std::string::npos; at = text.out.find(said, at + 1)) ++n;
    EXPECT_EQ(n, encrypted);
    EXPECT_NE(text.out.find("        authentication_data: " + row.auth_request), std::string::npos);
    // Secrets never appear: no key of the table, in either output.
    std::istringstream cells(secrets);
    for (std::string line; std::getline(cells, line);) {
      std::istringstream f(line);
      int col = 0;
      for (std::string c; std::getline(f, c, ','); ++col) {
        if (col < 2 || c.size() < 16 || c[0] == '"') continue;
        EXPECT_EQ(r.out.find(c), std::string::npos);
        EXPECT_EQ(text.out.find(c), std::string::npos);
      }
    }
  }
}

// The same capture verifies as real AES-CCM-12 once the table says so: its
// SK_e is CCM key | 0x03 | salt (reference notes 3.1), the 0x03 dropped.
TEST(CliKeys, TheCtrRowOfACcmCaptureVerifiesAsCcm) {
  if (!fs::exists(kShared)) GTEST_SKIP() << "shared test data not found at " << kShared;
  fs::path t = edited_table(
      "ccm.tbl",
      "5daf82e6fd7e57d5fbf76cd5af73fd46035db0bc,68848f4a7602b20c7d033cc998b0c097032ac38a,\"AES-CTR-128 [RFC5930]\",,,"
      "\"ANY 96-bits of Authentication [No Checking]\"",
      "5daf82e6fd7e57d5fbf76cd5af73fd465db0bc,68848f4a7602b20c7d033cc998b0c0972ac38a,\"AES-CCM-128 with 12 octet ICV "
      "[RFC5282]\",,,\"NONE [RFC4306]\"");
  auto r = run("decode --json --keys '" + t.string() + "' '" + (kShared / "ikev2-decrypt-aes128ccm12-2.pcap").string() + "'");
  ASSERT_EQ(r.rc, 0) << r.err;
  std::size_t verified = 0;
  for (const auto& j : json_lines(r.out))
    if (j["ike"].contains("inner") && j["ike"]["inner"]["icv"] == "verified") ++verified;
  EXPECT_EQ(verified, 4u);
}

TEST(CliKeys, ACorruptedKeyIsAnIcvMismatch) {
  if (!fs::exists(kShared)) GTEST_SKIP() << "shared test data not found at " << kShared;
  // One bit of the initiator's SK_ai: frames 3 and 5 (I flag set) fail, the
  // responder's frames 4 and 6 still verify.
  fs::path t = edited_table("corrupt.tbl", "12d532c3e83c7579", "12d532c3e83c7578");
  fs::path capture = kShared / "ikev2-decrypt-aes256cbc.pcapng";
  auto r = run("decode --keys '" + t.string() + "' '" + capture.string() + "'");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, capture.string() + ": frame 3: message 1 (IKE_AUTH request): ICV mismatch\n");
  EXPECT_NE(r.out.find("not decrypted: ICV mismatch"), std::string::npos);
  EXPECT_EQ(r.out.find("IDi at offset 0"), std::string::npos);  // nothing decrypted is shown
  EXPECT_NE(r.out.find("IDr at offset 0"), std::string::npos);  // the response is fine

  // AEAD: a wrong SK_ei byte fails the tag; the original responder's frame 5
  // (flags 0x00, SK_er) still verifies, frame 6 (flags 0x28, SK_ei) does not.
  t = edited_table("corrupt-gcm.tbl", "647075bf167447a1", "647075bf167447a0");
  capture = kShared / "ikev2-decrypt-aes256gcm16.pcap";
  auto g = run("decode --json --keys '" + t.string() + "' '" + capture.string() + "'");
  EXPECT_EQ(g.rc, 1);
  EXPECT_EQ(g.err, capture.string() + ": frame 3: message 1 (IKE_AUTH request): ICV mismatch\n" + capture.string() +
                       ": frame 6: message 0 (INFORMATIONAL response): ICV mismatch\n");
  auto lines = json_lines(g.out);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[2]["ike"]["inner"], Json({{"error", "ICV mismatch"}}));
  EXPECT_EQ(lines[4]["ike"]["inner"]["icv"], "verified");
  EXPECT_EQ(lines[5]["ike"]["inner"], Json({{"error", "ICV mismatch"}}));
}

TEST(CliKeys, TableErrorsAreUsageErrors) {
  if (!fs::exists(kShared)) GTEST_SKIP() << "shared test data not found at " << kShared;
  fs::path capture = kShared / "ikev2-decrypt-aes256cbc.pcapng";
  fs::path t = edited_table("unknown.tbl", "\"AES-CBC-256 [RFC3602]\"", "\"AES-CBC-265 [RFC3602]\"");
  auto r = run("decode --keys '" + t.string() + "' '" + capture.string() + "'");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, t.string() +
                       ":7: unknown encryption algorithm \"AES-CBC-265 [RFC3602]\" (did you mean \"AES-CBC-256 "
                       "[RFC3602]\"?)\n");
  EXPECT_EQ(r.out, "");

  t = edited_table("badhex.tbl", "9096ddd2933620e8", "9096ddd29336x0e8");
  r = run("decode --keys '" + t.string() + "' '" + capture.string() + "'");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, t.string() + ":7: SK_ei: 'x' at character 13 is not a hex digit\n");

  r = run("decode --keys '" + (kWork / "no-such.tbl").string() + "' '" + capture.string() + "'");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, (kWork / "no-such.tbl").string() + ": cannot read: no such file or not readable\n");
}

TEST(CliKeys, NoKeysIsSaidOncePerIkeSa) {
  if (!fs::exists(kShared)) GTEST_SKIP() << "shared test data not found at " << kShared;
  fs::path t = edited_table("other.tbl", "0158b8fb90b7623d", "0158b8fb90b7623e");
  fs::path capture = kShared / "ikev2-decrypt-aes256gcm16.pcap";
  auto r = run("decode --keys '" + t.string() + "' '" + capture.string() + "'");
  EXPECT_EQ(r.rc, 0) << r.err;
  const std::string note = "no keys for this IKE SA in " + t.string() + ": not decrypted";
  auto first = r.out.find(note);
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(r.out.find(note, first + 1), std::string::npos);
  auto j = run("decode --json --keys '" + t.string() + "' '" + capture.string() + "'");
  EXPECT_EQ(j.rc, 0);
  for (const auto& line : json_lines(j.out)) EXPECT_FALSE(line["ike"].contains("inner"));
}

// RFC 7383: fragments are verified one by one, then shown reassembled.
TEST(CliKeys, FragmentsAreReassembled) {
  using namespace ikeh;
  auto suite = crypto::make_suite(codec::EncrId::ENCR_AES_CBC, 256, codec::IntegId::AUTH_HMAC_SHA2_256_128,
                                  codec::PrfId::PRF_HMAC_SHA2_256);
  ASSERT_TRUE(suite.ok()) << suite.error().to_string();
  crypto::IkeSaKeys keys;
  keys.sk_ei = crypto::Secret(Bytes(32, 0x11));
  keys.sk_er = crypto::Secret(Bytes(32, 0x22));
  keys.sk_ai = crypto::Secret(Bytes(32, 0x33));
  keys.sk_ar = crypto::Secret(Bytes(32, 0x44));
  const uint64_t spi_i = 0x0102030405060708ull, spi_r = 0x1112131415161718ull;
  std::vector<codec::Payload> chain{codec::make_nonce(Bytes(300, 0x5a)), codec::make_vendor_id(Bytes(16, 0x77))};
  codec::PayloadType first = codec::PayloadType::NONE;
  Bytes inner = codec::encode_payloads(chain, &first);
  auto m = codec::make_message(codec::ExchangeType::IKE_AUTH, codec::flags::kInitiator, 1, spi_i, spi_r,
                               {codec::Payload(codec::PayloadType::SKF, codec::SkfPayload{})});
  auto frags = crypto::protect_fragments(*suite, crypto::keys_for(keys, true), m, first, inner, 200);
  ASSERT_TRUE(frags.ok()) << frags.error().to_string();
  ASSERT_GE(frags->size(), 3u);

  fs::create_directories(kWork);
  fs::path pcap = kWork / "fragments.pcap";
  {
    auto w = reports::PcapWriter::open(pcap.string());
    ASSERT_TRUE(w.ok());
    int64_t t = 1700000000;
    // Out of order: the last fragment first.
    ASSERT_TRUE(w->write_ike({"10.0.0.1", 4500}, {"10.0.0.2", 4500}, frags->back(), t++, 0).ok());
    for (std::size_t i = 0; i + 1 < frags->size(); ++i)
      ASSERT_TRUE(w->write_ike({"10.0.0.1", 4500}, {"10.0.0.2", 4500}, (*frags)[i], t++, 0).ok());
  }
  auto entry = crypto::make_key_table_entry(spi_i, spi_r, *suite, keys);
  ASSERT_TRUE(entry.ok()) << entry.error().reason;
  fs::path table = kWork / "fragments.tbl";
  std::ofstream(table, std::ios::binary) << crypto::format_key_table(std::span(&*entry, 1));

  auto r = run("decode --json --keys '" + table.string() + "' '" + pcap.string() + "'");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), frags->size());
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    const auto& in = lines[i]["ike"]["inner"];
    EXPECT_EQ(in["icv"], "verified");
    EXPECT_EQ(in["fragment"]["state"], "incomplete");
    EXPECT_EQ(in["fragment"]["received"], i + 1);
    EXPECT_FALSE(in.contains("payloads"));
  }
  const auto& done = lines.back()["ike"]["inner"];
  EXPECT_EQ(done["fragment"]["state"], "complete");
  EXPECT_EQ(done["fragment"]["total"], frags->size());
  EXPECT_EQ(done["first_payload_name"], "NONCE");
  ASSERT_EQ(done["payloads"].size(), 2u);
  std::string nonce_hex;
  for (int i = 0; i < 300; ++i) nonce_hex += "5a";
  EXPECT_EQ(done["payloads"][0]["body"]["nonce_data"], nonce_hex);
  EXPECT_EQ(done["payloads"][1]["type_name"], "V");

  auto text = run("decode --keys '" + table.string() + "' '" + pcap.string() + "'");
  EXPECT_EQ(text.rc, 0);
  EXPECT_NE(text.out.find("reassembled), ICV verified, inner 324 bytes, first NONCE"), std::string::npos) << text.out;
}

}  // namespace
