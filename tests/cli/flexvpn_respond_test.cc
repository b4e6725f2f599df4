// SPDX-License-Identifier: Apache-2.0
// `ikeharness respond --config HUB.json`: the real binary runs the FlexVPN hub
// of scenarios/flexvpn/configs/hub.json (moved to loopback, free ports, the
// PSK from $IKEH_PSK) and `ikeharness initiate` with spoke.json is its spoke.
// Checks the hub's log lines among the event lines (text and --json-events),
// --quiet, the summary of interfaces and routes before the verdict, no PSK in
// the output, and the one-line errors (exit 2) of a bad hub file and of a hub
// file given to `initiate`.
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

class FlexvpnRespond : public ikeh::testing_support::FlexvpnCliTest {
 protected:
  void SetUp() override { prepare("ikeh-flexvpn-respond-", {"hub.json"}); }

  // The hub with `extra` options against one spoke that connects and
  // deletes; returns the hub's result.
  Result hub_and_spoke(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"respond", "--config", (dir_ / "hub.json").string(), "--once",
                                     "--until-deleted", "--timeout", "20"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_t hub = spawn(args, dir_ / "hub.out", dir_ / "hub.err");
    auto ports = listening_ports(hub, "hub");
    if (!ports) return {-1, slurp(dir_ / "hub.out"), ""};
    Result spoke = run({"initiate", "--config", (dir_ / "spoke.json").string(), "--peer",
                        "127.0.0.1:" + ports->first, "--peer-natt-port", ports->second, "--local", "127.0.0.1:0",
                        "--delete", "--timeout", "10"},
                       "spoke");
    EXPECT_EQ(spoke.rc, 0) << spoke.out << spoke.err;
    int rc = wait_exit(hub, 20s);
    return {rc, slurp(dir_ / "hub.out"), slurp(dir_ / "hub.err")};
  }
};

TEST_F(FlexvpnRespond, HubLinesInterfacesAndSummary) {
  Result r = hub_and_spoke({});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  for (const char* line : {" hub IKEv2:(SESSION ID = 1,SA ID = 1):Searching policy based on peer's identity "
                           "'127.0.0.1' of type 'IPv4 address'\n",
                           " hub IKEv2:found matching IKEv2 profile 'prof-01'\n",
                           " hub IKEv2:% Matched peer block 'all'\n",
                           " hub IKEv2:Searching Policy with fvrf 0, local address 127.0.0.1\n",
                           " hub IKEv2:Found Policy 'pol-01'\n",
                           " hub IKEv2:(SESSION ID = 1,SA ID = 1):Attrib type: ipv4-addr, length: 4, data: 192.168.1.13\n",
                           " hub IKEv2:(SESSION ID = 1,SA ID = 1):Attrib type: ipv4-subnet, length: 8, data: "
                           "192.168.1.1 255.255.255.255\n",
                           " hub %LINK-3-UPDOWN: Interface Virtual-Access1, changed state to up\n",
                           " hub %LINK-3-UPDOWN: Interface Virtual-Access1, changed state to down\n"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  const std::string tail =
      "FlexVPN hub\n"
      "  sessions    1 (0 active)\n"
      "  interfaces  Virtual-Access1 down (Virtual-Template2, IKE SA 1)\n"
      "  routes      none\n"
      "result: ok: 1 of 1 IKE SAs established, all deleted by the peer\n";
  ASSERT_GE(r.out.size(), tail.size());
  EXPECT_EQ(r.out.substr(r.out.size() - tail.size()), tail) << r.out;
  EXPECT_EQ(r.out.find(std::string(kPskHex).substr(2)), std::string::npos) << "the PSK in the output";
  EXPECT_EQ(r.err, "");
}

TEST_F(FlexvpnRespond, JsonEventsHaveKindHub) {
  Result r = hub_and_spoke({"--json-events"});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  std::vector<Json> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    Json j = Json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    lines.push_back(j);
  }
  int hub_lines = 0;
  bool profile = false;
  for (const auto& j : lines) {
    if (j["kind"] != "hub") continue;
    ++hub_lines;
    EXPECT_EQ(j["ike_sa"], 1) << j.dump();
    EXPECT_EQ(j["session"], 1) << j.dump();
    EXPECT_TRUE(j.contains("time")) << j.dump();
    profile |= j["detail"] == "IKEv2:found matching IKEv2 profile 'prof-01'";
  }
  EXPECT_GT(hub_lines, 10);
  EXPECT_TRUE(profile);
  ASSERT_GE(lines.size(), 2u);
  const Json& summary = lines[lines.size() - 2];
  EXPECT_EQ(summary["kind"], "hub_summary");
  EXPECT_EQ(summary["sessions"], 1);
  EXPECT_EQ(summary["active_sessions"], 0);
  EXPECT_EQ(summary["routes"], Json::array());
  EXPECT_EQ(summary["interfaces"], Json::parse(R"([{"name":"Virtual-Access1","virtual_template":2,"up":false,"ike_sa":1}])"));
  EXPECT_EQ(lines.back()["kind"], "result");
}

TEST_F(FlexvpnRespond, QuietDropsHubLinesKeepsSummary) {
  Result r = hub_and_spoke({"--quiet"});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find(" hub "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("IKEv2:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FlexVPN hub\n  sessions    1 (0 active)\n"), std::string::npos) << r.out;
}

TEST_F(FlexvpnRespond, HubFileErrorsAreOneLine) {
  std::string text = slurp(dir_ / "hub.json");
  text.replace(text.find("\"keyring_local\": \"kr-01\""), 24, "\"keyring_local\": \"kr-1\"");
  write(dir_ / "bad.json", text);
  Result r = run({"respond", "--config", (dir_ / "bad.json").string()}, "bad");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, (dir_ / "bad.json").string() +
                       ": /profiles/prof-01/keyring_local: unknown keyring \"kr-1\" (did you mean \"kr-01\"?)\n");

  Result i = run({"initiate", "--config", (dir_ / "hub.json").string(), "--peer", "127.0.0.1:9"}, "initiate");
  EXPECT_EQ(i.rc, 2);
  EXPECT_EQ(i.out, "");
  EXPECT_EQ(i.err, (dir_ / "hub.json").string() +
                       ": a FlexVPN hub configuration (top-level \"endpoint\"): only `ikeharness respond` runs a hub\n");

  unsetenv("IKEH_PSK");
  Result e = run({"respond", "--config", (dir_ / "hub.json").string()}, "noenv");
  EXPECT_EQ(e.rc, 2);
  EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
  EXPECT_NE(e.err.find("IKEH_PSK is not set"), std::string::npos) << e.err;
}

}  // namespace
