// SPDX-License-Identifier: Apache-2.0
// The run report writers on the sample run: results.json read back with
// nlohmann, its payload objects compared with what `decode --json` writes for
// the same datagram, junit.xml counts and escaping, and report.html's embedded
// data and offline-ness.
#include "reports/run_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/codec/cp_payload.h"
#include "harness/codec/message.h"
#include "reports/json_report.h"
#include "tests/reports/sample_run.h"

namespace {

namespace fs = std::filesystem;
using namespace ikeh;
using reports::Verdict;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

class RunReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ikeh_run_report_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    run_ = test::sample_run();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  reports::RunResult run_;
};

TEST(RunResult, VerdictNamesAndCounts) {
  EXPECT_STREQ(reports::verdict_name(Verdict::Pass), "pass");
  EXPECT_STREQ(reports::verdict_name(Verdict::Fail), "fail");
  EXPECT_STREQ(reports::verdict_name(Verdict::Skip), "skip");
  EXPECT_STREQ(reports::verdict_name(Verdict::Error), "error");
  EXPECT_STREQ(reports::verdict_name(Verdict::KnownDeviation), "known_deviation");
  auto run = test::sample_run();
  run.scenarios.push_back(run.scenarios[0]);
  auto c = reports::count_verdicts(run);
  EXPECT_EQ(c.pass, 2u);
  EXPECT_EQ(c.fail, 1u);
  EXPECT_EQ(c.skip, 1u);
  EXPECT_EQ(c.error, 1u);
  EXPECT_EQ(c.known_deviation, 1u);
  EXPECT_EQ(c.total(), 6u);
}

TEST_F(RunReportTest, ResultsJsonHoldsRunScenariosAndTranscripts) {
  auto file = dir_ / "results.json";
  ASSERT_TRUE(reports::write_results_json(run_, file));
  auto j = nlohmann::json::parse(read_file(file));
  EXPECT_EQ(j["peer"], "self");
  EXPECT_EQ(j["seed"], 42);
  EXPECT_EQ(j["started"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(j["counts"]["pass"], 1);
  EXPECT_EQ(j["counts"]["fail"], 1);
  EXPECT_EQ(j["counts"]["skip"], 1);
  EXPECT_EQ(j["counts"]["error"], 1);
  EXPECT_EQ(j["counts"]["known_deviation"], 1);
  EXPECT_EQ(j["counts"]["total"], 5);
  ASSERT_EQ(j["scenarios"].size(), test::kSampleScenarios);
  for (std::size_t i = 0; i < test::kSampleScenarios; ++i)
    EXPECT_EQ(j["scenarios"][i]["transcript"].size(), test::kSampleMessages[i]) << i;

  const auto& pass = j["scenarios"][0];
  EXPECT_EQ(pass["id"], "rfc7296/1.2-initial-exchange");
  EXPECT_EQ(pass["suite"], "rfc7296");
  EXPECT_EQ(pass["name"], "1.2-initial-exchange");
  EXPECT_EQ(pass["verdict"], "pass");
  EXPECT_EQ(pass["reference"], "RFC 7296 1.2");
  EXPECT_EQ(pass["tags"], nlohmann::json({"sanity", "psk"}));
  EXPECT_TRUE(pass["failed_step"].is_null());
  EXPECT_EQ(pass["pcap_file"], "rfc7296/1.2-initial-exchange.pcap");
  EXPECT_EQ(pass["events"].size(), 2u);

  const auto& init = pass["transcript"][0];
  EXPECT_EQ(init["direction"], "harness->peer");
  EXPECT_EQ(init["exchange"], "IKE_SA_INIT");
  EXPECT_EQ(init["kind"], "request");
  EXPECT_EQ(init["message_id"], 0);
  EXPECT_EQ(init["spi_i"], "0123456789abcdef");
  EXPECT_EQ(init["spi_r"], "0000000000000000");
  EXPECT_EQ(init["decrypted"], false);
  EXPECT_EQ(init["label"],
            "IKE_SA_INIT request #0 [SA KE Ni N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)]");
  ASSERT_EQ(init["payloads"].size(), 5u);
  EXPECT_EQ(init["payloads"][3]["type_name"], "N");
  EXPECT_EQ(init["payloads"][3]["body"]["notify_type_name"], "NAT_DETECTION_SOURCE_IP");
  EXPECT_EQ(init["payloads"][0]["body"]["proposals"][0]["transforms"][0]["transform_id_name"], "ENCR_AES_CBC");
  EXPECT_EQ(init["datagrams"][0], core::to_hex(run_.scenarios[0].transcript[0].datagrams[0]));
  EXPECT_FALSE(init.contains("payloads_error"));

  const auto& response = pass["transcript"][1];
  EXPECT_EQ(response["direction"], "peer->harness");
  EXPECT_EQ(response["kind"], "response");
  EXPECT_EQ(response["spi_r"], "fedcba9876543210");
  EXPECT_EQ(response["label"], "IKE_SA_INIT response #0 [SA KE Nr]");

  const auto& auth = pass["transcript"][2];
  EXPECT_EQ(auth["decrypted"], true);
  EXPECT_EQ(auth["label"], "IKE_AUTH request #1 [SK {IDi AUTH N(INITIAL_CONTACT)}]");
  EXPECT_EQ(auth["payloads"][0]["type_name"], "IDi");
  EXPECT_EQ(auth["payloads"][0]["body"]["identification_data_text"], "harness.example");
  EXPECT_EQ(auth["payloads"][0]["offset"], 0);

  const auto& fail = j["scenarios"][1];
  EXPECT_EQ(fail["verdict"], "fail");
  EXPECT_EQ(fail["expected"], "IKE_SA_INIT response with N(INVALID_SYNTAX)");
  EXPECT_EQ(fail["got"], "IKE_SA_INIT response with N(NO_PROPOSAL_CHOSEN)");
  EXPECT_EQ(fail["failed_step"], 1);
  EXPECT_EQ(fail["failed_message"], 1);
  EXPECT_EQ(fail["transcript"][0]["mutations"], nlohmann::json({"plain: removed payload KE"}));
  EXPECT_EQ(fail["transcript"][1]["payloads"][0]["body"]["notify_type_name"], "NO_PROPOSAL_CHOSEN");

  EXPECT_EQ(j["scenarios"][2]["verdict"], "known_deviation");
  EXPECT_EQ(j["scenarios"][2]["transcript"][0]["fault"], "dropped");
  EXPECT_EQ(j["scenarios"][3]["title"], test::kSampleEvilTitle);
  EXPECT_EQ(j["scenarios"][4]["suite"], "flexvpn");
}

// The transcript's payload objects are the ones `ikeharness decode --json`
// writes for the same datagram, offsets aside (they count from the chain).
TEST_F(RunReportTest, PayloadObjectsMatchDecodeJson) {
  const auto& msg = run_.scenarios[0].transcript[0];
  auto ours = reports::payloads_to_json(msg.payloads);
  reports::DatagramRecord rec;
  rec.kind = reports::DatagramKind::Ike;
  rec.ike = msg.datagrams[0];
  auto decoded = reports::to_json(rec)["ike"]["payloads"];
  ASSERT_EQ(ours.size(), decoded.size());
  ASSERT_EQ(ours.size(), 5u);
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i]["offset"].get<std::size_t>() + codec::kHeaderSize, decoded[i]["offset"].get<std::size_t>());
    ours[i].erase("offset");
    decoded[i].erase("offset");
    EXPECT_EQ(ours[i], decoded[i]) << i;
  }
}

TEST_F(RunReportTest, UndecodableChainKeepsWhatDecodedAndSaysWhy) {
  auto& msg = run_.scenarios[1].transcript[0];
  msg.payloads[1].length = 200;  // a mutation: the nonce claims more bytes than follow
  auto file = dir_ / "results.json";
  ASSERT_TRUE(reports::write_results_json(run_, file));
  auto j = nlohmann::json::parse(read_file(file));
  const auto& m = j["scenarios"][1]["transcript"][0];
  ASSERT_TRUE(m.contains("payloads_error"));
  EXPECT_NE(m["payloads_error"].get<std::string>().find("payload_length"), std::string::npos) << m["payloads_error"];
  ASSERT_GE(m["payloads"].size(), 1u);
  EXPECT_EQ(m["payloads"][0]["type_name"], "SA");
}

TEST_F(RunReportTest, GroupPasswordAttributesAreHiddenInEveryReport) {
  // A FlexVPN spoke's CFG_REQUEST carries its group password (attribute
  // 16522, XAUTH_USER_PASSWORD); the user name beside it stays visible.
  codec::CpPayload cp;
  cp.cfg_type = codec::CfgType::CFG_REQUEST;
  const std::string password = "grouppass";
  cp.attributes.emplace_back(static_cast<codec::CfgAttributeType>(16521), core::to_bytes("flex"));
  cp.attributes.emplace_back(static_cast<codec::CfgAttributeType>(16522), core::to_bytes(password));
  run_.scenarios[1].transcript[0].payloads.emplace_back(codec::PayloadType::CP, cp);
  auto json_file = dir_ / "results.json";
  auto html_file = dir_ / "report.html";
  ASSERT_TRUE(reports::write_results_json(run_, json_file));
  ASSERT_TRUE(reports::write_html(run_, html_file));
  for (const auto& f : {json_file, html_file}) {
    std::string text = read_file(f);
    EXPECT_EQ(text.find(core::to_hex(core::to_bytes(password))), std::string::npos) << f;
    EXPECT_EQ(text.find(password), std::string::npos) << f;
    EXPECT_NE(text.find(core::to_hex(core::to_bytes("flex"))), std::string::npos) << f;
  }
  auto j = nlohmann::json::parse(read_file(json_file));
  const auto& attrs = j["scenarios"][1]["transcript"][0]["payloads"].back()["body"]["attributes"];
  ASSERT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs[1]["value"], "(9 bytes, hidden)");
  EXPECT_EQ(attrs[1]["hidden"], true);
}

TEST_F(RunReportTest, JunitCountsCasesAndEscapes) {
  run_.scenarios[4].reason += " \xff\xfe bad utf-8";
  auto file = dir_ / "junit.xml";
  ASSERT_TRUE(reports::write_junit(run_, file));
  auto x = read_file(file);
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_NE(x.find("<testsuites name=\"ikeharness\" tests=\"5\" failures=\"1\" errors=\"1\" skipped=\"1\""),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<testsuite name=\"rfc7296\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"0\""),
            std::string::npos);
  EXPECT_NE(x.find("<testsuite name=\"flexvpn\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\""),
            std::string::npos);
  EXPECT_EQ(count_of(x, "<testcase "), 5u);
  EXPECT_NE(x.find("<testcase classname=\"rfc7296\" name=\"2.6-cookie-required\" time=\"0.004\">"),
            std::string::npos);
  EXPECT_NE(x.find("<property name=\"reference\" value=\"RFC 7296 2.6\"/>"), std::string::npos);
  EXPECT_NE(x.find("<failure message=\"step 1: the response carries N(NO_PROPOSAL_CHOSEN), not "
                   "N(INVALID_SYNTAX)\" type=\"mismatch\">expected: IKE_SA_INIT response with N(INVALID_SYNTAX)\n"
                   "got: IKE_SA_INIT response with N(NO_PROPOSAL_CHOSEN)\n"
                   "step 1, message 1 (IKE_SA_INIT response #0 [N(NO_PROPOSAL_CHOSEN)])\n</failure>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<skipped message=\"the peer lacks the capability ike_fragmentation"), std::string::npos);
  EXPECT_NE(x.find("<property name=\"known_deviation\" value=\"profile peers/example.json"), std::string::npos);
  EXPECT_NE(x.find("<system-out>known deviation"), std::string::npos);
  EXPECT_EQ(count_of(x, "<failure "), 1u);
  EXPECT_EQ(count_of(x, "<error "), 1u);
  EXPECT_EQ(count_of(x, "<skipped "), 1u);
  // Markup in text is escaped; bytes XML 1.0 cannot carry are replaced.
  EXPECT_NE(x.find("proposal order &lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot;"),
            std::string::npos);
  EXPECT_EQ(x.find("<b>"), std::string::npos);
  for (unsigned char c : x) {
    if (c < 0x20) {
      EXPECT_EQ(c, '\n') << "control byte " << int(c);
    }
    EXPECT_NE(c, 0xff);
    EXPECT_NE(c, 0xfe);
  }
  EXPECT_NE(x.find("address in use \xef\xbf\xbd (bell \xef\xbf\xbd)"), std::string::npos);
}

TEST_F(RunReportTest, HtmlEmbedsTheDataOfflineAndSafely) {
  auto file = dir_ / "report.html";
  ASSERT_TRUE(reports::write_html(run_, file));
  auto h = read_file(file);
  EXPECT_EQ(h.find("http://"), std::string::npos);
  EXPECT_EQ(h.find("https://"), std::string::npos);
  EXPECT_EQ(h.find("@@"), std::string::npos) << "a placeholder was left";
  EXPECT_EQ(h.find("<link"), std::string::npos);
  EXPECT_EQ(h.find("src="), std::string::npos);
  // The hostile title never appears as markup; the page has exactly its own
  // two scripts.
  EXPECT_EQ(h.find("</script><b>"), std::string::npos);
  EXPECT_EQ(h.find("<b>bold"), std::string::npos);
  EXPECT_EQ(count_of(h, "</script>"), 2u);
  EXPECT_EQ(count_of(h, "<script"), 2u);
  const std::string open = "<script type=\"application/json\" id=\"run-data\">";
  auto start = h.find(open);
  ASSERT_NE(start, std::string::npos);
  start += open.size();
  auto end = h.find("</script>", start);
  ASSERT_NE(end, std::string::npos);
  auto data = nlohmann::ordered_json::parse(h.substr(start, end - start));
  EXPECT_EQ(data["scenarios"][3]["title"], test::kSampleEvilTitle);
  EXPECT_EQ(data["seed_text"], "42");
  data.erase("seed_text");
  EXPECT_EQ(data, reports::run_to_json(run_));
  EXPECT_NE(h.find("<title>ikeharness run against self, 2026-11-27T10:00:00Z</title>"), std::string::npos);
  EXPECT_NE(h.find("id=\"summary\""), std::string::npos);
}

TEST_F(RunReportTest, UnwritableFileIsNamedInTheError) {
  auto file = dir_ / "missing" / "results.json";
  for (auto status : {reports::write_results_json(run_, file), reports::write_junit(run_, file),
                      reports::write_html(run_, file)}) {
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().to_string().find(file.string()), std::string::npos) << status.error().to_string();
  }
}

}  // namespace
