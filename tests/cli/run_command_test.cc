// SPDX-License-Identifier: Apache-2.0
// `ikeharness run` and `ikeharness list` as a user calls them: scenario files
// written into a scratch "scenarios" folder, the real binary, its exit codes,
// its stderr lines and the reports it writes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_run.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

using ikeh::testing_support::CliRun;
using ikeh::testing_support::slurp;

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

// A fresh scratch folder per test: <build>/run_command_scratch/<test>/scenarios.
fs::path scratch() {
  fs::path d = fs::path(IKEH_BINARY_DIR) / "run_command_scratch" / test_name();
  fs::remove_all(d);
  fs::create_directories(d / "scenarios" / "suite");
  fs::create_directories(d / "scenarios" / "keys");
  fs::create_directories(d / "scenarios" / "peers");
  std::ofstream(d / "scenarios" / "keys" / "a.psk") << "test-key-a\n";
  std::ofstream(d / "scenarios" / "keys" / "b.psk") << "test-key-b\n";
  return d;
}

CliRun run(const std::string& args, const fs::path& dir) { return ikeh::testing_support::run_cli(args, dir / "stderr.txt"); }

// A scenario: the harness initiates with PSK file `harness_key`, the peer
// answers with `peer_key`, and the IKE_AUTH response must carry `auth_payloads`.
std::string scenario(const std::string& harness_key, const std::string& peer_key, const std::string& auth_payloads,
                     const std::string& extra = "") {
  return R"({
  "title": "t", "reference": "RFC 7296 1.2", "requirement": "r", "role": "initiator", "tags": ["basic"],)" + extra +
         R"(
  "harness": {"local": {"id": "i.test", "auth": "psk", "psk": {"file": "../keys/)" + harness_key + R"("}},
              "remote": {"id": "r.test", "auth": "psk"}},
  "peer": {"local": {"id": "r.test", "auth": "psk", "psk": {"file": "../keys/)" + peer_key + R"("}},
           "remote": {"id": "i.test", "auth": "psk"}},
  "steps": [
    {"start": "ike_sa"},
    {"expect": {"exchange": "IKE_SA_INIT", "response": true, "payloads": ["SA", "KE", "Nr"], "order": "includes"}},
    {"expect": {"exchange": "IKE_AUTH", "response": true, "payloads": )" +
         auth_payloads + R"(, "order": "includes"}}
  ]
})";
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

const std::string kGood = R"(["IDr", "AUTH", "SA", "TSi", "TSr"])";
const std::string kAuthFailed = R"x(["N(AUTHENTICATION_FAILED)"])x";

TEST(RunCommand, PassingScenarioExitsZeroAndWritesEveryReport) {
  fs::path d = scratch();
  write(d / "scenarios/suite/1.2-ok.json", scenario("a.psk", "a.psk", kGood));
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 passed"), std::string::npos) << r.out;
  for (const char* f : {"results.json", "junit.xml", "report.html", "suite/1.2-ok.pcap", "suite/1.2-ok.keys"})
    EXPECT_TRUE(fs::exists(d / "out" / f)) << f;
  Json j = Json::parse(slurp(d / "out/results.json"));
  ASSERT_EQ(j["scenarios"].size(), 1u);
  const Json& s = j["scenarios"][0];
  EXPECT_EQ(s["id"], "suite/1.2-ok");
  EXPECT_EQ(s["verdict"], "pass");
  // IKE_SA_INIT request and response, IKE_AUTH request and response.
  EXPECT_EQ(s["transcript"].size(), 4u);
  // The key table never holds the PSK.
  EXPECT_EQ(slurp(d / "out/suite/1.2-ok.keys").find("test-key-a"), std::string::npos);
  EXPECT_EQ(slurp(d / "out/results.json").find("test-key-a"), std::string::npos);
}

TEST(RunCommand, FailingScenarioExitsOneWithExpectedAndGot) {
  fs::path d = scratch();
  // The peer has another key: its IKE_AUTH response is AUTHENTICATION_FAILED.
  write(d / "scenarios/suite/1.2-bad.json", scenario("a.psk", "b.psk", kGood));
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL  suite/1.2-bad"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expected: payloads [IDr AUTH SA TSi TSr]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("got:      IKE_AUTH response #1 [N(AUTHENTICATION_FAILED)]"), std::string::npos) << r.out;
  Json j = Json::parse(slurp(d / "out/results.json"));
  EXPECT_EQ(j["scenarios"][0]["verdict"], "fail");
  EXPECT_EQ(j["scenarios"][0]["failed_step"], 2);
  EXPECT_NE(slurp(d / "out/junit.xml").find("<failure"), std::string::npos);
}

TEST(RunCommand, TheSameMismatchExpectedPasses) {
  fs::path d = scratch();
  write(d / "scenarios/suite/1.2-auth-failed.json", scenario("a.psk", "b.psk", kAuthFailed));
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
}

TEST(RunCommand, InputErrorExitsTwoNamingFileAndPointerAndRunsNothing) {
  fs::path d = scratch();
  write(d / "scenarios/suite/1.2-ok.json", scenario("a.psk", "a.psk", kGood));
  std::string bad = scenario("a.psk", "a.psk", kGood);
  bad.replace(bad.find("\"order\": \"includes\""), 19, "\"ordr\": \"includes\"");
  write(d / "scenarios/suite/2.0-typo.json", bad);
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, (d / "scenarios/suite/2.0-typo.json").string() +
                       ": /steps/1/expect/ordr: unknown key (did you mean \"order\"?)\n");
  EXPECT_FALSE(fs::exists(d / "out")) << "nothing runs when a file does not load";
}

TEST(RunCommand, ProfileTurnsAListedFailureIntoAKnownDeviationAndSkipsDisabledAndIncapable) {
  fs::path d = scratch();
  write(d / "scenarios/suite/1.2-bad.json", scenario("a.psk", "b.psk", kGood));
  write(d / "scenarios/suite/1.2-off.json", scenario("a.psk", "a.psk", kGood));
  write(d / "scenarios/suite/1.2-needs.json", scenario("a.psk", "a.psk", kGood, R"( "requires": ["eap"],)"));
  write(d / "scenarios/peers/lab.json", R"({
    "kind": "self", "capabilities": ["initiator", "responder"],
    "deviations": {"suite/1.2-bad": {"verdict": "fail", "reason": "keys differ on purpose"}},
    "disabled": {"suite/*-off": "not for this lab"}})");
  CliRun r = run("run '" + (d / "scenarios").string() + "' --peer lab --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  Json j = Json::parse(slurp(d / "out/results.json"));
  std::map<std::string, std::pair<std::string, std::string>> got;
  for (const auto& s : j["scenarios"]) got[s["id"]] = {s["verdict"], s["reason"]};
  EXPECT_EQ(got["suite/1.2-bad"], std::make_pair(std::string("known_deviation"), std::string("keys differ on purpose")));
  EXPECT_EQ(got["suite/1.2-off"].first, "skip");
  EXPECT_NE(got["suite/1.2-off"].second.find("not for this lab"), std::string::npos);
  EXPECT_EQ(got["suite/1.2-needs"].first, "skip");
  EXPECT_NE(got["suite/1.2-needs"].second.find("eap"), std::string::npos);
}

TEST(RunCommand, ScenarioWhoseSanityFailedIsSkipped) {
  fs::path d = scratch();
  write(d / "scenarios/suite/1.2-base.json", scenario("a.psk", "b.psk", kGood));
  write(d / "scenarios/suite/2.0-next.json",
        scenario("a.psk", "a.psk", kGood, R"( "sanity": "suite/1.2-base",)"));
  CliRun r = run("run '" + (d / "scenarios").string() + "' --jobs 2 --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, 1);
  Json j = Json::parse(slurp(d / "out/results.json"));
  ASSERT_EQ(j["scenarios"].size(), 2u);
  EXPECT_EQ(j["scenarios"][1]["id"], "suite/2.0-next");
  EXPECT_EQ(j["scenarios"][1]["verdict"], "skip");
  EXPECT_NE(j["scenarios"][1]["reason"].get<std::string>().find("suite/1.2-base"), std::string::npos);
}

TEST(RunCommand, SameSeedSameBytesOtherSeedOtherBytes) {
  fs::path d = scratch();
  write(d / "scenarios/suite/1.2-ok.json", scenario("a.psk", "a.psk", kGood));
  auto datagrams = [&](const std::string& seed, const std::string& out) {
    CliRun r = run("run '" + (d / "scenarios").string() + "' --seed " + seed + " --out '" + (d / out).string() + "'", d);
    EXPECT_EQ(r.rc, 0) << r.err;
    Json j = Json::parse(slurp(d / out / "results.json"));
    std::string all;
    for (const auto& m : j["scenarios"][0]["transcript"]) all += m["datagrams"].dump();
    return all;
  };
  std::string a = datagrams("7", "a"), b = datagrams("7", "b"), c = datagrams("8", "c");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(RunCommand, FilterAndTagSelectAndListPrintsOneLineEach) {
  fs::path d = scratch();
  write(d / "scenarios/suite/1.2-ok.json", scenario("a.psk", "a.psk", kGood));
  write(d / "scenarios/suite/1.3-other.json", scenario("a.psk", "a.psk", kGood));
  CliRun l = run("list '" + (d / "scenarios").string() + "'", d);
  EXPECT_EQ(l.rc, 0);
  EXPECT_EQ(l.out.find("suite/1.2-ok  [initiator]  RFC 7296 1.2  t  (basic)\n"), 0u) << l.out;
  EXPECT_NE(l.out.find("suite/1.3-other"), std::string::npos);
  CliRun f = run("list '" + (d / "scenarios").string() + "' --filter 'suite/1.3-*'", d);
  EXPECT_EQ(f.out.find("suite/1.2-ok"), std::string::npos);
  EXPECT_NE(f.out.find("suite/1.3-other"), std::string::npos);
  CliRun t = run("run '" + (d / "scenarios").string() + "' --tag nosuchtag --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(t.rc, 2);
  EXPECT_NE(t.err.find("no scenario selected"), std::string::npos);
}

// The harness responds with a cookie threshold of 0, so the peer's first
// IKE_SA_INIT request is answered with N(COOKIE) and it sends the request
// again; `retry` is the expect of that second request.
std::string cookie_retry_scenario(const std::string& retry) {
  return R"json({
  "title": "t", "reference": "RFC 7296 2.6", "requirement": "r", "role": "responder",
  "harness": {"local": {"id": "r.test", "auth": "psk", "psk": {"file": "../keys/a.psk"}},
              "remote": {"id": "i.test", "auth": "psk"}, "ike": {"cookie_threshold": 0}},
  "peer": {"local": {"id": "i.test", "auth": "psk", "psk": {"file": "../keys/a.psk"}},
           "remote": {"id": "r.test", "auth": "psk"}},
  "steps": [
    {"start": "ike_sa", "by": "peer"},
    {"expect": {"exchange": "IKE_SA_INIT", "response": false, "absent": ["N(COOKIE)"],
                "capture": {"n1": "nonce"}}},
    {"expect": {"exchange": "IKE_SA_INIT", "response": false, "payloads": ["N(COOKIE)", "SA", "KE", "Ni"],
                "order": "includes", )json" + retry + R"json(}},
    {"expect": {"exchange": "IKE_AUTH", "response": false}}
  ]
})json";
}

// The event line "captured NAME = HEX" of a result, its HEX; empty if none.
std::string captured(const Json& result, const std::string& name) {
  for (const auto& e : result["events"]) {
    std::string line = e.get<std::string>();
    std::string head = "captured " + name + " = ";
    if (line.rfind(head, 0) == 0) return line.substr(head.size());
  }
  return "";
}

TEST(RunCommand, RetriedRequestCarriesTheCapturedNonce) {
  fs::path d = scratch();
  write(d / "scenarios/suite/2.6-same-ni.json", cookie_retry_scenario(R"("equals": {"n1": "nonce"})"));
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  Json j = Json::parse(slurp(d / "out/results.json"));
  EXPECT_EQ(j["scenarios"][0]["verdict"], "pass");
  EXPECT_EQ(captured(j["scenarios"][0], "n1").size(), 64u) << "a 32-byte nonce in hex";
}

TEST(RunCommand, DiffersOnTheRepeatedNonceFailsShowingBothValues) {
  fs::path d = scratch();
  write(d / "scenarios/suite/2.6-new-ni.json", cookie_retry_scenario(R"("differs": {"n1": "nonce"})"));
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  Json j = Json::parse(slurp(d / "out/results.json"));
  const Json& s = j["scenarios"][0];
  EXPECT_EQ(s["verdict"], "fail");
  EXPECT_EQ(s["failed_step"], 2);
  std::string ni = captured(s, "n1");
  ASSERT_FALSE(ni.empty());
  EXPECT_NE(s["reason"].get<std::string>().find("nonce is the same as $n1"), std::string::npos) << s["reason"];
  EXPECT_EQ(s["expected"], "nonce other than " + ni + " ($n1)");
  EXPECT_EQ(s["got"], "nonce = " + ni);
}

TEST(RunCommand, MutationTakesACapturedSpi) {
  fs::path d = scratch();
  std::string text = scenario("a.psk", "a.psk", kGood);
  // Capture the responder's SPI, then send the liveness check with it set
  // explicitly: the same value, so the peer still answers.
  text.replace(text.find(R"("order": "includes"}})"), 21,
               R"("order": "includes", "capture": {"spi": "spi_r"}}})");
  text.replace(text.rfind("\n  ]"), 4, R"(,
    {"mutate": {"exchange": "INFORMATIONAL", "response": false, "ops": [{"set_header": "spi_r", "value": "$spi"}]}},
    {"start": "liveness"},
    {"expect": {"exchange": "INFORMATIONAL", "response": true, "payloads": [], "equals": {"spi": "spi_r"}}}
  ])");
  write(d / "scenarios/suite/1.4-spi.json", text);
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  ASSERT_EQ(r.rc, 0) << r.out << r.err << text;
  Json j = Json::parse(slurp(d / "out/results.json"));
  const Json& s = j["scenarios"][0];
  std::string spi = captured(s, "spi");
  ASSERT_EQ(spi.size(), 16u);
  std::string note;
  for (const auto& m : s["transcript"])
    for (const auto& n : m["mutations"]) note += n.get<std::string>();
  EXPECT_EQ(note, "plain: set header spi_r = $spi ($spi = " + spi + ")");
}

TEST(RunCommand, VariableWhoseCaptureFoundNothingIsAnErrorNamingIt) {
  fs::path d = scratch();
  std::string text = scenario("a.psk", "a.psk", kGood);
  // The IKE_SA_INIT response carries no cookie, so c holds nothing.
  text.replace(text.find(R"("order": "includes"}})"), 21,
               R"("order": "includes", "capture": {"c": "cookie"}}})");
  text.replace(text.rfind("\n  ]"), 4, R"(,
    {"start": "liveness"},
    {"expect": {"exchange": "INFORMATIONAL", "notify": [{"type": "COOKIE", "data": "$c"}]}}
  ])");
  write(d / "scenarios/suite/1.4-nothing.json", text);
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  Json j = Json::parse(slurp(d / "out/results.json"));
  const Json& s = j["scenarios"][0];
  EXPECT_EQ(s["verdict"], "error");
  EXPECT_EQ(s["failed_step"], 4);
  EXPECT_EQ(s["reason"], "variable \"c\" was not captured: the message step 2 matched has no N(COOKIE)");
}

TEST(RunCommand, ReferenceToAVariableNothingCapturesDoesNotLoad) {
  fs::path d = scratch();
  write(d / "scenarios/suite/2.6-typo.json", cookie_retry_scenario(R"("equals": {"nl": "nonce"})"));
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, (d / "scenarios/suite/2.6-typo.json").string() +
                       ": /steps/2/expect/equals/nl: no earlier step captures \"nl\"\n");
}

// The harness initiates with its `harness_extra` and the peer's `peer_extra`
// configuration keys (each a JSON fragment starting with a comma, or empty),
// both with key a.psk and a Child SA 10.1.0.0/24 === 10.2.0.0/24, and runs `steps`.
std::string steps_scenario(const std::string& steps, const std::string& harness_extra = "",
                           const std::string& peer_extra = "") {
  return R"({
  "title": "t", "reference": "RFC 7383 2.5", "requirement": "r", "role": "initiator",
  "harness": {"local": {"id": "i.test", "auth": "psk", "psk": {"file": "../keys/a.psk"}},
              "remote": {"id": "r.test", "auth": "psk"},
              "child": {"local_ts": ["10.1.0.0/24"], "remote_ts": ["10.2.0.0/24"]})" + harness_extra + R"(},
  "peer": {"local": {"id": "r.test", "auth": "psk", "psk": {"file": "../keys/a.psk"}},
           "remote": {"id": "i.test", "auth": "psk"},
           "child": {"local_ts": ["10.2.0.0/24"], "remote_ts": ["10.1.0.0/24"]})" + peer_extra + R"(},
  "steps": )" + steps + R"(
})";
}

// Runs one scenario file of the scratch folder; the parsed results.json.
Json run_one(const fs::path& d, const std::string& name, const std::string& text, int want_rc, CliRun* out = nullptr) {
  write(d / ("scenarios/suite/" + name + ".json"), text);
  CliRun r = run("run '" + (d / "scenarios").string() + "' --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, want_rc) << r.out << r.err;
  if (out) *out = r;
  if (!fs::exists(d / "out/results.json")) return Json::object();
  return Json::parse(slurp(d / "out/results.json"))["scenarios"][0];
}

const std::string kInit = R"({"start": "ike_sa"},
    {"expect": {"exchange": "IKE_SA_INIT", "response": true, "payloads": ["SA", "KE", "Nr"], "order": "includes"}})";

TEST(RunCommand, IdentityTrafficSelectorsAndVendorIdsThatHoldPass) {
  fs::path d = scratch();
  Json s = run_one(d, "ok", steps_scenario(R"([{"start": "ike_sa"},
    {"expect": {"exchange": "IKE_SA_INIT", "response": true,
                "vendor_ids": ["0a0b0c0d", "f00d*", "f00d12*", "*"]}},
    {"expect": {"exchange": "IKE_AUTH", "response": true, "id": "r.test",
                "ts": {"TSi": ["10.1.0.0/24"], "TSr": ["10.2.0.0/24"]}, "vendor_ids": ["464c4558*"]}}])",
                                           "", R"(, "ike": {"vendor_ids": {"ike_sa_init": ["f00d1234", "0a0b0c0d", "f00d5678", "99"],
                                                          "ike_auth": [{"ascii": "FLEXVPN-SUPPORTED"}]}})"),
                   0);
  EXPECT_EQ(s["verdict"], "pass") << s.dump();
}

TEST(RunCommand, IdentityThatDiffersFailsShowingBothWithTheirTypes) {
  fs::path d = scratch();
  CliRun r;
  Json s = run_one(d, "id", steps_scenario("[" + kInit + R"(,
    {"expect": {"exchange": "IKE_AUTH", "response": true, "id": "10.0.0.2"}}])"),
                   1, &r);
  EXPECT_EQ(s["verdict"], "fail");
  EXPECT_EQ(s["failed_step"], 2);
  EXPECT_EQ(s["expected"], "IDr ID_IPV4_ADDR 10.0.0.2");
  EXPECT_EQ(s["got"], "IDr ID_FQDN r.test");
  EXPECT_NE(r.out.find("the identity differs"), std::string::npos) << r.out;
}

TEST(RunCommand, IdentityOfARequestIsIdi) {
  fs::path d = scratch();
  // The harness responds: the peer starts, and its IKE_AUTH request carries
  // IDi r.test (its own identity), not the harness's.
  std::string text = steps_scenario(R"([{"start": "ike_sa", "by": "peer"},
    {"expect": {"exchange": "IKE_SA_INIT", "response": false}},
    {"expect": {"exchange": "IKE_AUTH", "response": false, "id": "i.test"}}])");
  text.replace(text.find("\"role\": \"initiator\""), 19, "\"role\": \"responder\"");
  Json s = run_one(d, "idi", text, 1);
  EXPECT_EQ(s["expected"], "IDi ID_FQDN i.test");
  EXPECT_EQ(s["got"], "IDi ID_FQDN r.test");
}

TEST(RunCommand, TrafficSelectorsThatDifferFailListingBoth) {
  fs::path d = scratch();
  Json s = run_one(d, "ts", steps_scenario("[" + kInit + R"(,
    {"expect": {"exchange": "IKE_AUTH", "response": true, "ts": {"TSr": ["10.2.0.0/24"], "TSi": ["10.1.0.5", "::/0"]}}}])"),
                   1);
  EXPECT_EQ(s["verdict"], "fail");
  EXPECT_EQ(s["expected"], "TSi [10.1.0.5/32 ::/0]");
  EXPECT_EQ(s["got"], "TSi [10.1.0.0/24]");
  // A port range and protocol show as written.
  s = run_one(d, "ts", steps_scenario("[" + kInit + R"(,
    {"expect": {"exchange": "IKE_AUTH", "response": true, "ts": {"TSr": ["10.2.0.0/24[tcp/80-90]"]}}}])"),
              1);
  EXPECT_EQ(s["expected"], "TSr [10.2.0.0/24[tcp/80-90]]");
  EXPECT_EQ(s["got"], "TSr [10.2.0.0/24]");
  // A message without TS payloads.
  s = run_one(d, "ts", steps_scenario(R"([{"start": "ike_sa"},
    {"expect": {"exchange": "IKE_SA_INIT", "response": true, "ts": {"TSi": ["10.1.0.0/24"]}}}])"),
              1);
  EXPECT_EQ(s["reason"].get<std::string>().find("TSi payload missing") != std::string::npos, true) << s.dump();
}

TEST(RunCommand, VendorIdMissingFailsListingWhatCame) {
  fs::path d = scratch();
  const std::string peer = R"(, "ike": {"vendor_ids": {"ike_sa_init": ["f00d1234"]}})";
  Json s = run_one(d, "v", steps_scenario(R"([{"start": "ike_sa"},
    {"expect": {"exchange": "IKE_SA_INIT", "response": true, "vendor_ids": ["f00d*", "f00d12*"]}}])",
                                          "", peer),
                   1);
  EXPECT_EQ(s["verdict"], "fail");
  EXPECT_EQ(s["expected"], "V f00d* f00d12*") << "each V payload serves one entry";
  EXPECT_EQ(s["got"], "V f00d1234");
  s = run_one(d, "v", steps_scenario(R"([{"start": "ike_sa"},
    {"expect": {"exchange": "IKE_SA_INIT", "response": true, "vendor_ids": ["f00d12"]}}])", "", peer),
              1);
  EXPECT_EQ(s["expected"], "V f00d12") << "without * the data must be exact";
  s = run_one(d, "v", steps_scenario(R"([{"start": "ike_sa"},
    {"expect": {"exchange": "IKE_SA_INIT", "response": true, "vendor_ids": ["*"]}}])"),
              1);
  EXPECT_EQ(s["got"], "no V payload");
}

TEST(RunCommand, FragmentedRequestGoesOutAsSeveralDatagramsAndIsAnswered) {
  fs::path d = scratch();
  Json s = run_one(d, "frag", steps_scenario(R"([
    {"mutate": {"exchange": "IKE_AUTH", "response": false, "ops": [{"fragment": 300}]}},
    )" + kInit + R"(,
    {"expect": {"exchange": "IKE_AUTH", "response": true, "payloads": ["IDr", "AUTH", "SA", "TSi", "TSr"], "order": "includes"}},
    {"assert": {"ike_sa_state": "Established", "child_sas": 1, "event": "IKE_AUTH request #1 ("}},
    {"assert": {"side": "peer", "ike_sa_state": "Established", "child_sas": 1}}])"),
                   0);
  EXPECT_EQ(s["verdict"], "pass") << s.dump();
  bool seen = false;
  for (const auto& m : s["transcript"]) {
    if (m["direction"] != "harness->peer" || m["exchange"] != "IKE_AUTH") continue;
    seen = true;
    ASSERT_GT(m["datagrams"].size(), 1u) << m.dump();
    for (const auto& dg : m["datagrams"]) {
      EXPECT_LE(dg.get<std::string>().size(), 2u * 300) << "each datagram fits 300 bytes";
      // Next Payload of the IKE header (octet 16): SKF (53).
      EXPECT_EQ(dg.get<std::string>().substr(32, 2), "35");
    }
    const std::string note = m["mutations"][0].get<std::string>();
    EXPECT_EQ(note, "plain: fragment into datagrams of at most 300 bytes (" + std::to_string(m["datagrams"].size()) +
                        " fragments)");
  }
  EXPECT_TRUE(seen);
}

TEST(RunCommand, FragmentOfAMessageThatFitsIsOneSkfFragment) {
  fs::path d = scratch();
  Json s = run_one(d, "frag1", steps_scenario("[" + kInit + R"(,
    {"expect": {"exchange": "IKE_AUTH", "response": true}},
    {"mutate": {"exchange": "INFORMATIONAL", "response": false, "stage": "encoded", "ops": [{"fragment": 1280}]}},
    {"start": "liveness"},
    {"expect": {"exchange": "INFORMATIONAL", "response": true, "payloads": []}}])"),
                   0);
  EXPECT_EQ(s["verdict"], "pass") << s.dump();
  for (const auto& m : s["transcript"])
    if (m["direction"] == "harness->peer" && m["exchange"] == "INFORMATIONAL") {
      ASSERT_EQ(m["datagrams"].size(), 1u);
      EXPECT_EQ(m["datagrams"][0].get<std::string>().substr(32, 2), "35");
      EXPECT_EQ(m["mutations"][0], "encoded: fragment into datagrams of at most 1280 bytes (1 fragment)");
    }
}

TEST(RunCommand, FragmentOnIkeSaInitOrWithCorruptIcvIsAnError) {
  fs::path d = scratch();
  Json s = run_one(d, "frag-init", steps_scenario(R"([
    {"mutate": {"exchange": "IKE_SA_INIT", "ops": [{"fragment": 300}]}},
    )" + kInit + "]"),
                   1);
  EXPECT_EQ(s["verdict"], "error");
  EXPECT_NE(s["reason"].get<std::string>().find("\"fragment into datagrams of at most 300 bytes\" needs an encrypted "
                                                "message; IKE_SA_INIT is not"),
            std::string::npos)
      << s.dump();
  s = run_one(d, "frag-init", steps_scenario(R"([
    {"mutate": {"exchange": "IKE_AUTH", "ops": [{"fragment": 300}, {"corrupt_icv": true}]}},
    )" + kInit + R"(,
    {"expect": {"exchange": "IKE_AUTH", "response": true}}])"),
              1);
  EXPECT_EQ(s["verdict"], "error");
  EXPECT_NE(s["reason"].get<std::string>().find("\"corrupt the ICV\" cannot act on a message sent as fragments"),
            std::string::npos)
      << s.dump();
}

TEST(RunCommand, UnknownPeerProfileIsAnInputError) {
  fs::path d = scratch();
  write(d / "scenarios/suite/1.2-ok.json", scenario("a.psk", "a.psk", kGood));
  CliRun r = run("run '" + (d / "scenarios").string() + "' --peer nosuchpeer --out '" + (d / "out").string() + "'", d);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("nosuchpeer"), std::string::npos) << r.err;
}

}  // namespace
