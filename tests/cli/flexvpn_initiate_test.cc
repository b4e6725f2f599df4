// SPDX-License-Identifier: Apache-2.0
// `ikeharness initiate --flexvpn-spoke`: the real binary as a FlexVPN spoke
// (scenarios/flexvpn/configs/spoke.json on loopback, the PSK from $IKEH_PSK)
// against `ikeharness respond` running hub.json and two of its variants.
// Checks the spoke's lines among the event lines (text and --json-events),
// that the CFG_SET exchange ends before the Delete, the spoke summary before
// the verdict (Acknowledged; NoCp "CFG_SET ignored" does not fail), no PSK or
// group password in any output, and the one-line usage errors (exit 2).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/flexvpn_cli_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;

using ikeh::testing_support::slurp;
using ikeh::testing_support::wait_exit;
const auto write = &ikeh::testing_support::write_file;
const auto spawn = &ikeh::testing_support::spawn_cli;
const fs::path kFlex = ikeh::testing_support::flexvpn_configs();
const char* const kPskHex = ikeh::testing_support::kFlexvpnTestPskHex;

class FlexvpnInitiate : public ikeh::testing_support::FlexvpnCliTest {
 protected:
  void SetUp() override {
    prepare("ikeh-flexvpn-initiate-", {"hub.json", "hub-no-set-accept.json", "hub-group-from-username.json"});
  }

  // `respond` with the hub file `hub` and the spoke `initiate --flexvpn-spoke
  // --delete` with `extra` options; returns the spoke's result.
  Result spoke_against(const std::string& hub, const std::vector<std::string>& extra) {
    // A name per run: a later run must not read an earlier hub's ports.
    const std::string name = "hub" + std::to_string(++runs_);
    pid_t pid = spawn({"respond", "--config", (dir_ / hub).string(), "--once", "--until-deleted", "--timeout", "20"},
                      dir_ / (name + ".out"), dir_ / (name + ".err"));
    auto ports = listening_ports(pid, name);
    if (!ports) return {-1, slurp(dir_ / (name + ".out")), ""};
    std::vector<std::string> args = {"initiate", "--config", (dir_ / "spoke.json").string(), "--peer",
                                     "127.0.0.1:" + ports->first, "--peer-natt-port", ports->second, "--local",
                                     "127.0.0.1:0", "--flexvpn-spoke", "--delete", "--timeout", "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    Result spoke = run(args, "spoke" + std::to_string(runs_));
    hub_rc_ = wait_exit(pid, 20s);
    hub_out_ = slurp(dir_ / (name + ".out"));
    return spoke;
  }

  static std::vector<Json> json_lines(const std::string& out) {
    std::vector<Json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      Json j = Json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
      lines.push_back(j);
    }
    return lines;
  }

  int runs_ = 0;
  int hub_rc_ = -1;
  std::string hub_out_;
};

TEST_F(FlexvpnInitiate, SpokeLinesSummaryAndAcknowledgedCfgSet) {
  Result r = spoke_against("hub.json", {});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_EQ(hub_rc_, 0) << hub_out_;
  for (const char* line : {" spoke Config-type: Config-reply\n",
                           " spoke Attrib type: ipv4-addr, length: 4, data: 192.168.1.13\n",
                           " spoke Applied config mode data: address 192.168.1.13\n",
                           " spoke Route added 192.168.1.1 255.255.255.255 via the tunnel\n",
                           " spoke Config-type: Config-set\n",
                           " spoke Attrib type: ipv4-subnet, length: 8, data: 192.168.1.13 255.255.255.255\n",
                           " spoke Config-type: Config-ack\n",
                           " spoke CFG_SET outcome: Acknowledged\n"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  // The CFG_SET exchange ends before the Delete starts.
  EXPECT_LT(r.out.find(" spoke CFG_SET outcome: "), r.out.find("INFORMATIONAL request #3 [D]")) << r.out;
  const std::string tail =
      "FlexVPN spoke\n"
      "  IKE SA      1\n"
      "  address     192.168.1.13\n"
      "  netmask     none\n"
      "  DNS         none\n"
      "  routes      192.168.1.1 255.255.255.255 via the tunnel\n"
      "  CFG_SET     INTERNAL_IP4_SUBNET 192.168.1.13 255.255.255.255\n"
      "  CFG_ACK     INTERNAL_IP4_SUBNET\n"
      "  outcome     Acknowledged: CFG_SET acknowledged\n"
      "result: ok: IKE SA 1 established, address 192.168.1.13 assigned, CFG_SET acknowledged (Acknowledged), "
      "IKE SA 1 deleted\n";
  ASSERT_GE(r.out.size(), tail.size());
  EXPECT_EQ(r.out.substr(r.out.size() - tail.size()), tail) << r.out;
  EXPECT_EQ(r.out.find(std::string(kPskHex).substr(2)), std::string::npos) << "the PSK in the output";
  EXPECT_EQ(r.err, "");
  // The hub saw the route the spoke pushed.
  EXPECT_NE(hub_out_.find("Config-type: Config-set"), std::string::npos) << hub_out_;
}

TEST_F(FlexvpnInitiate, CfgSetIgnoredWithoutCpDoesNotFail) {
  Result r = spoke_against("hub-no-set-accept.json", {"--json-events"});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  auto lines = json_lines(r.out);
  int spoke_lines = 0;
  bool no_cp = false;
  for (const auto& j : lines) {
    if (j["kind"] != "spoke") continue;
    ++spoke_lines;
    EXPECT_EQ(j["ike_sa"], 1) << j.dump();
    EXPECT_TRUE(j.contains("time")) << j.dump();
    no_cp |= j["detail"] == "CFG_SET outcome: NoCp";
  }
  EXPECT_GT(spoke_lines, 5);
  EXPECT_TRUE(no_cp) << r.out;
  ASSERT_GE(lines.size(), 2u);
  const Json& summary = lines[lines.size() - 2];
  ASSERT_EQ(summary["kind"], "spoke_summary") << summary.dump();
  ASSERT_EQ(summary["sessions"].size(), 1u);
  const Json& s = summary["sessions"][0];
  EXPECT_EQ(s["ike_sa"], 1);
  EXPECT_EQ(s["address"], "192.168.1.13");
  EXPECT_EQ(s["netmask"], nullptr);
  EXPECT_EQ(s["routes"], Json::parse(R"([{"prefix":"192.168.1.1","mask":"255.255.255.255"}])"));
  EXPECT_EQ(s["cfg_set_sent"], Json::parse(R"([{"type":"INTERNAL_IP4_SUBNET","value":"192.168.1.13 255.255.255.255"}])"));
  EXPECT_EQ(s["cfg_ack"], nullptr);
  EXPECT_EQ(s["cfg_set"], "NoCp");
  EXPECT_EQ(s["cfg_set_text"], "CFG_SET ignored");
  EXPECT_EQ(lines.back()["kind"], "result");
  EXPECT_EQ(lines.back()["ok"], true);
  EXPECT_EQ(lines.back()["detail"],
            "IKE SA 1 established, address 192.168.1.13 assigned, CFG_SET ignored (NoCp), IKE SA 1 deleted");
}

TEST_F(FlexvpnInitiate, GroupPasswordFromFileIsNeverPrinted) {
  const fs::path pw = kFlex / "flex-group-password-test-only.secret";
  std::string secret = slurp(pw);
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  ASSERT_GT(secret.size(), 2u);
  Result r = spoke_against("hub-group-from-username.json",
                           {"--group", "flex", "--group-password-file", pw.string()});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("address 192.168.1.13 assigned"), std::string::npos) << r.out;
  const std::string hex = secret.substr(0, 2) == "0x" ? secret.substr(2) : secret;
  for (const std::string* out : {&r.out, &r.err, &hub_out_})
    EXPECT_EQ(out->find(hex), std::string::npos) << "the group password in the output";

  // A wrong password: the hub refuses the address; the run does not fail,
  // no CFG_SET is sent.
  setenv("IKEH_WRONG_GROUP_PW", "0x00112233", 1);
  Result w = spoke_against("hub-group-from-username.json",
                           {"--group", "flex", "--group-password-env", "IKEH_WRONG_GROUP_PW"});
  ASSERT_EQ(w.rc, 0) << w.out << w.err;
  EXPECT_NE(w.out.find("no address assigned, no CFG_SET sent"), std::string::npos) << w.out;
  EXPECT_NE(w.out.find("FlexVPN spoke\n  no configuration received\n"), std::string::npos) << w.out;
}

TEST_F(FlexvpnInitiate, UsageErrorsAreOneLine) {
  const std::string cfg = (dir_ / "spoke.json").string();
  Result g = run({"initiate", "--config", cfg, "--peer", "127.0.0.1:9", "--group", "flex"}, "group");
  EXPECT_EQ(g.rc, 2);
  EXPECT_EQ(g.out, "");
  EXPECT_EQ(std::count(g.err.begin(), g.err.end(), '\n'), 1) << g.err;
  EXPECT_NE(g.err.find("--flexvpn-spoke"), std::string::npos) << g.err;

  Result both = run({"initiate", "--config", cfg, "--peer", "127.0.0.1:9", "--flexvpn-spoke",
                     "--group-password-env", "X", "--group-password-file", "Y"},
                    "both");
  EXPECT_EQ(both.rc, 2);
  EXPECT_EQ(std::count(both.err.begin(), both.err.end(), '\n'), 1) << both.err;

  unsetenv("IKEH_NO_SUCH_GROUP_PW");
  Result env = run({"initiate", "--config", cfg, "--peer", "127.0.0.1:9", "--flexvpn-spoke", "--group", "flex",
                    "--group-password-env", "IKEH_NO_SUCH_GROUP_PW"},
                   "env");
  EXPECT_EQ(env.rc, 2);
  EXPECT_EQ(env.out, "");
  EXPECT_EQ(std::count(env.err.begin(), env.err.end(), '\n'), 1) << env.err;
  EXPECT_NE(env.err.find("IKEH_NO_SUCH_GROUP_PW is not set"), std::string::npos) << env.err;

  Result file = run({"initiate", "--config", cfg, "--peer", "127.0.0.1:9", "--flexvpn-spoke",
                     "--group-password-file", (dir_ / "missing.secret").string()},
                    "file");
  EXPECT_EQ(file.rc, 2);
  EXPECT_EQ(std::count(file.err.begin(), file.err.end(), '\n'), 1) << file.err;
  EXPECT_NE(file.err.find("missing.secret"), std::string::npos) << file.err;

  Result hub = run({"initiate", "--config", (dir_ / "hub.json").string(), "--peer", "127.0.0.1:9",
                    "--flexvpn-spoke"},
                   "hub");
  EXPECT_EQ(hub.rc, 2);
  EXPECT_NE(hub.err.find("only `ikeharness respond` runs a hub"), std::string::npos) << hub.err;
}

}  // namespace
