// SPDX-License-Identifier: Apache-2.0
// The runner against an external peer over UDP on loopback: the peer is a
// second engine on its own UdpDriver, served by a thread of the test, so
// the harness meets it only through real sockets and real time. Also the
// adapter protocol, with small shell scripts as adapters.
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/scenario/runner.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/scenario/udp_driver.h"
#include "tests/support/temp_dir.h"

namespace ikeh::scenario {
namespace {

using reports::Verdict;

const std::string kScenarios = std::string(IKEH_SOURCE_DIR) + "/scenarios";

Scenario load(const std::string& id) {
  auto s = load_scenario(kScenarios + "/" + id + ".json", kScenarios);
  EXPECT_TRUE(s) << s.error().to_string();
  return *s;
}

// A peer engine answering on 127.0.0.1, free ports, until destroyed.
class LoopbackPeer {
 public:
  explicit LoopbackPeer(engine::EngineConfig config) {
    UdpDriverOptions o;
    o.config = std::move(config);
    o.udp.local_address = "127.0.0.1";
    o.udp.ike_port = 0;
    o.udp.natt_port = 0;
    o.udp.role = net::Side::Responder;
    o.name = "peer";
    auto d = UdpDriver::create(std::move(o));
    EXPECT_TRUE(d) << d.error().to_string();
    driver_ = std::move(d).value();
    thread_ = std::thread([this] { driver_->run([this] { return stop_.load(); }, std::chrono::seconds(60)); });
  }
  ~LoopbackPeer() {
    stop_ = true;
    thread_.join();
  }
  uint16_t port() const { return driver_->ike_port(); }
  uint16_t natt_port() const { return driver_->natt_port(); }

 private:
  std::unique_ptr<UdpDriver> driver_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

PeerProfile external(uint16_t port, uint16_t natt_port) {
  PeerProfile p;
  p.name = "loopback";
  p.kind = PeerKind::External;
  p.address = "127.0.0.1";
  p.port = port;
  p.natt_port = natt_port;
  p.local_address = "127.0.0.1";
  p.local_port = 0;
  p.local_natt_port = 0;
  return p;
}

const reports::TranscriptMessage* find(const reports::ScenarioResult& r, bool from_harness, codec::ExchangeType x,
                                       bool response) {
  for (const auto& m : r.transcript)
    if (m.from_harness == from_harness && m.exchange == x && m.response == response) return &m;
  return nullptr;
}

bool has_event(const reports::ScenarioResult& r, const std::string& text) {
  for (const auto& e : r.events)
    if (e.find(text) != std::string::npos) return true;
  return false;
}

TEST(ExternalRun, InitialExchangesPassOverUdpWithTheDecryptedTranscript) {
  Scenario s = load("rfc7296/1.2-initial-exchanges");
  LoopbackPeer peer(s.peer);
  RunOptions o;
  o.peer = external(peer.port(), peer.natt_port());
  auto r = run_scenario(s, o);
  ASSERT_EQ(r.verdict, Verdict::Pass) << r.reason << " expected " << r.expected << " got " << r.got;
  // The peer's IKE_AUTH response came over the socket and was decrypted
  // with the harness's keys.
  const auto* auth = find(r, false, codec::ExchangeType::IKE_AUTH, true);
  ASSERT_NE(auth, nullptr);
  EXPECT_TRUE(auth->decrypted);
  ASSERT_FALSE(auth->payloads.empty());
  EXPECT_EQ(auth->payloads.front().type, codec::PayloadType::IDr);
  // The assertion on the peer's engine cannot be checked and says so.
  EXPECT_TRUE(has_event(r, "(assert on the peer): not checked"));
  // Without an adapter the harness deletes its IKE SA at the end.
  const auto* del = find(r, true, codec::ExchangeType::INFORMATIONAL, false);
  ASSERT_NE(del, nullptr);
  EXPECT_NE(del->note.find("cleaning up"), std::string::npos);
}

TEST(ExternalRun, APeerWithAnotherPskFailsTheScenario) {
  Scenario s = load("rfc7296/1.2-initial-exchanges");
  engine::EngineConfig peer_config = s.peer;
  peer_config.local_auth.psk = crypto::Secret(core::Bytes{'o', 't', 'h', 'e', 'r'});
  peer_config.psks.clear();
  LoopbackPeer peer(peer_config);
  RunOptions o;
  o.peer = external(peer.port(), peer.natt_port());
  auto r = run_scenario(s, o);
  EXPECT_EQ(r.verdict, Verdict::Fail);
  EXPECT_NE(r.got.find("AUTHENTICATION_FAILED"), std::string::npos) << r.got;
}

TEST(ExternalRun, FaultOnThePeersResponseMakesTheHarnessRetransmit) {
  // Drops the peer's first IKE_AUTH response on arrival; the harness sends
  // its request again at 2 s and the peer answers from its cache, which the
  // transcript shows as sent again.
  // Without the file's last step, 30 s of silence that shows nothing here.
  const std::string id = "rfc7296/2.1-lost-response-retransmitted-from-cache";
  std::ifstream in(kScenarios + "/" + id + ".json");
  nlohmann::json doc = nlohmann::json::parse(in);
  ASSERT_TRUE(doc["steps"].back().contains("expect_nothing"));
  doc["steps"].erase(doc["steps"].size() - 1);
  auto parsed = parse_scenario(doc.dump(), id, "test", kScenarios + "/rfc7296");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  Scenario s = *parsed;
  LoopbackPeer peer(s.peer);
  RunOptions o;
  o.peer = external(peer.port(), peer.natt_port());
  auto r = run_scenario(s, o);
  ASSERT_EQ(r.verdict, Verdict::Pass) << r.reason << " expected " << r.expected << " got " << r.got;
  int auth_responses = 0, resent = 0;
  for (const auto& m : r.transcript)
    if (!m.from_harness && m.exchange == codec::ExchangeType::IKE_AUTH && m.response) {
      ++auth_responses;
      if (m.note == "sent again") ++resent;
    }
  EXPECT_EQ(auth_responses, 2);
  EXPECT_EQ(resent, 1);
}

TEST(ExternalRun, PcapHoldsTheDatagramsOfTheRun) {
  Scenario s = load("rfc7296/1.2-initial-exchanges");
  LoopbackPeer peer(s.peer);
  testing_support::TempDir dir("ikeh-external");
  RunOptions o;
  o.peer = external(peer.port(), peer.natt_port());
  o.out_dir = dir.path();
  o.export_keys = false;
  auto r = run_scenario(s, o);
  ASSERT_EQ(r.verdict, Verdict::Pass) << r.reason;
  EXPECT_EQ(r.pcap_file, s.id + ".pcap");
  // 24-byte pcap header, then per datagram a 16-byte record header and at
  // least an IKE header.
  EXPECT_GT(std::filesystem::file_size(dir.path() + "/" + r.pcap_file), 24u + 6 * (16 + 28));
  EXPECT_TRUE(r.key_table_file.empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + s.id + ".keys"));
}

// ----- Adapters -----

std::string script(const testing_support::TempDir& dir, const std::string& name, const std::string& body) {
  std::string path = dir.file(name, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ExternalRun, AdapterIsToldTheScenarioAndBothEnds) {
  Scenario s = load("rfc7296/1.2-initial-exchanges");
  LoopbackPeer peer(s.peer);
  testing_support::TempDir dir("ikeh-adapter");
  const std::string log = dir.path() + "/calls";
  RunOptions o;
  o.peer = external(peer.port(), peer.natt_port());
  o.peer.adapter = script(dir, "adapter.sh",
                          "echo \"$1 $IKEH_SCENARIO_ID $IKEH_HARNESS_ROLE $IKEH_HARNESS_ADDRESS $IKEH_PEER_ADDRESS "
                          "$IKEH_PEER_PORT $(basename $IKEH_SCENARIO_FILE) $(basename $PWD)\" >> " + log + "\n"
                          "echo configured $1\n");
  auto r = run_scenario(s, o);
  ASSERT_EQ(r.verdict, Verdict::Pass) << r.reason;
  const std::string port = std::to_string(peer.port());
  const std::string dir_name = std::filesystem::path(dir.path()).filename().string();
  EXPECT_EQ(read(log), "prepare rfc7296/1.2-initial-exchanges initiator 127.0.0.1 127.0.0.1 " + port +
                           " 1.2-initial-exchanges.json " + dir_name + "\n"
                           "cleanup rfc7296/1.2-initial-exchanges initiator 127.0.0.1 127.0.0.1 " + port +
                           " 1.2-initial-exchanges.json " + dir_name + "\n");
  EXPECT_TRUE(has_event(r, "adapter prepare: configured prepare"));
}

TEST(ExternalRun, AdapterExit77SkipsWithItsReason) {
  Scenario s = load("rfc7296/1.2-initial-exchanges");
  testing_support::TempDir dir("ikeh-adapter");
  RunOptions o;
  o.peer = external(9, 9);  // nothing is sent: prepare refuses first
  o.peer.adapter = script(dir, "adapter.sh", "echo\necho 'peer/ike/window_size: no such setting'\nexit 77\n");
  auto r = run_scenario(s, o);
  EXPECT_EQ(r.verdict, Verdict::Skip);
  EXPECT_EQ(r.reason, "the peer cannot prepare: peer/ike/window_size: no such setting");
  EXPECT_TRUE(r.transcript.empty());
}

TEST(ExternalRun, FailingPrepareIsAnErrorWithTheAdaptersLastLine) {
  Scenario s = load("rfc7296/1.2-initial-exchanges");
  testing_support::TempDir dir("ikeh-adapter");
  RunOptions o;
  o.peer = external(9, 9);
  o.peer.adapter = script(dir, "adapter.sh", "echo starting >&2\necho 'charon did not start' >&2\nexit 3\n");
  auto r = run_scenario(s, o);
  EXPECT_EQ(r.verdict, Verdict::Error);
  EXPECT_EQ(r.reason, "adapter prepare exited with 3: charon did not start");
}

TEST(ExternalRun, AdapterStartUnsupportedSkipsMidScenario) {
  // The harness responds; the peer's start goes to the adapter, which cannot.
  Scenario s = load("rfc7296/1.4-peer-liveness-check");
  testing_support::TempDir dir("ikeh-adapter");
  RunOptions o;
  o.peer = external(9, 9);
  o.peer.adapter = script(dir, "adapter.sh",
                          "case \"$1 $2\" in\n"
                          "  'start ike_sa') echo 'cannot initiate here'; exit 77;;\n"
                          "esac\nexit 0\n");
  auto r = run_scenario(s, o);
  EXPECT_EQ(r.verdict, Verdict::Skip);
  EXPECT_EQ(r.reason, "the peer cannot start ike_sa: cannot initiate here");
}

TEST(ExternalRun, ScenarioWherePeerStartsIsSkippedWithoutAdapter) {
  Scenario s = load("rfc7296/1.4-peer-liveness-check");
  RunOptions o;
  o.peer = external(9, 9);
  o.peer.capabilities = {"initiator", "responder"};
  auto results = run_all({s}, o, 1);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].verdict, Verdict::Skip);
  EXPECT_NE(results[0].reason.find("has no adapter"), std::string::npos) << results[0].reason;
}

TEST(ExternalRun, SetupRunsOnceBeforeAnyScenario) {
  Scenario s = load("rfc7296/1.2-initial-exchanges");
  Scenario t = load("rfc7296/1.4-liveness-check-empty-response");
  LoopbackPeer peer(s.peer);
  testing_support::TempDir dir("ikeh-adapter");
  const std::string log = dir.path() + "/calls";
  RunOptions o;
  o.peer = external(peer.port(), peer.natt_port());
  o.peer.capabilities = {"responder"};
  o.peer.adapter = script(dir, "adapter.sh",
                          "echo \"$1 ${IKEH_SCENARIO_ID:-none} $IKEH_HARNESS_ADDRESS $IKEH_PEER_PORT\" >> " + log + "\n");
  auto results = run_all({s, t}, o, 2);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.verdict, Verdict::Pass) << r.id << ": " << r.reason;
  const std::string port = std::to_string(peer.port());
  const std::string a = "rfc7296/1.2-initial-exchanges 127.0.0.1 " + port + "\n";
  const std::string b = "rfc7296/1.4-liveness-check-empty-response 127.0.0.1 " + port + "\n";
  EXPECT_EQ(read(log), "setup none 127.0.0.1 " + port + "\nprepare " + a + "cleanup " + a + "prepare " + b +
                           "cleanup " + b);
}

TEST(ExternalRun, FailedSetupGivesEveryScenarioItsVerdict) {
  Scenario s = load("rfc7296/1.2-initial-exchanges");
  Scenario t = load("rfc7296/1.4-liveness-check-empty-response");
  testing_support::TempDir dir("ikeh-adapter");
  RunOptions o;
  o.peer = external(9, 9);
  o.peer.capabilities = {"responder"};
  o.peer.adapter = script(dir, "skip.sh", "[ \"$1\" = setup ] && { echo 'needs root'; exit 77; }\nexit 0\n");
  for (const auto& r : run_all({s, t}, o, 1)) {
    EXPECT_EQ(r.verdict, Verdict::Skip);
    EXPECT_EQ(r.reason, "the peer cannot be set up: needs root");
  }
  o.peer.adapter = script(dir, "fail.sh", "echo 'no such namespace' >&2\nexit 1\n");
  for (const auto& r : run_all({s, t}, o, 1)) {
    EXPECT_EQ(r.verdict, Verdict::Error);
    EXPECT_EQ(r.reason, "adapter setup exited with 1: no such namespace");
  }
}

}  // namespace
}  // namespace ikeh::scenario
