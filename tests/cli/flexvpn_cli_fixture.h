// SPDX-License-Identifier: Apache-2.0
// What the `respond` (hub) and `initiate --flexvpn-spoke` CLI tests share: a
// scratch folder with the bundled hub files and spoke.json moved to
// loopback (free ports, the PSK from $IKEH_PSK, group password files made
// absolute), running the binary in the background, and reading the ports a
// `respond` run bound from its first line.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/cli_run.h"

namespace ikeh::testing_support {

// The PSK both ends read from $IKEH_PSK: a test value, not a secret.
inline constexpr const char* kFlexvpnTestPskHex = "0x666c65782068756220746573742070736b2020";

inline std::filesystem::path flexvpn_configs() {
  return std::filesystem::path(IKEH_SOURCE_DIR) / "scenarios" / "flexvpn" / "configs";
}

class FlexvpnCliTest : public ::testing::Test {
 protected:
  using Json = nlohmann::json;
  using Path = std::filesystem::path;

  struct Result {
    int rc;
    std::string out, err;
  };

  // Writes the hub files `hubs` and spoke.json into a fresh folder named
  // after `prefix` and the test.
  void prepare(const std::string& prefix, std::initializer_list<const char*> hubs) {
    dir_ = std::filesystem::temp_directory_path() /
           (prefix + std::to_string(getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    setenv("IKEH_PSK", kFlexvpnTestPskHex, 1);
    const Json psk = {{"env", "IKEH_PSK"}};
    for (const char* name : hubs) {
      Json hub = Json::parse(slurp(flexvpn_configs() / name));
      hub["endpoint"]["network"] = {{"local_address", "127.0.0.1"}, {"local_port", 0}, {"local_natt_port", 0}};
      hub["endpoint"]["local"]["id"] = "127.0.0.1";
      hub["endpoint"]["local"]["psk"] = psk;
      hub["keyrings"]["kr-01"]["peers"]["all"]["pre_shared_key"] = psk;
      hub["policies"]["pol-01"]["match_address_local"] = "127.0.0.1";
      for (auto& [group, policy] : hub["authorization_policies"].items())
        if (policy.contains("password"))
          policy["password"] = {{"file", (flexvpn_configs() / policy["password"]["file"].get<std::string>()).string()}};
      write_file(dir_ / name, hub.dump(2));
    }
    Json spoke = Json::parse(slurp(flexvpn_configs() / "spoke.json"));
    spoke.erase("network");
    spoke["local"]["id"] = "127.0.0.1";
    spoke["local"]["psk"] = psk;
    write_file(dir_ / "spoke.json", spoke.dump(2));
  }

  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  Result run(const std::vector<std::string>& args, const std::string& name) {
    pid_t pid = spawn_cli(args, dir_ / (name + ".out"), dir_ / (name + ".err"));
    int rc = wait_exit(pid, std::chrono::seconds(30));
    return {rc, slurp(dir_ / (name + ".out")), slurp(dir_ / (name + ".err"))};
  }

  // The IKE and NAT-T ports a background `respond` writing to `name`.out
  // announced (text or --json-events); nothing, with the process killed and
  // a test failure, when it announced none within 5 s.
  std::optional<std::pair<std::string, std::string>> listening_ports(pid_t pid, const std::string& name) {
    const std::regex text_re(R"(listening on 127\.0\.0\.1:(\d+) \(NAT-T 127\.0\.0\.1:(\d+)\))");
    const std::regex json_re(R"json("port":(\d+),"natt_port":(\d+))json");
    std::smatch m;
    std::string first;
    for (int i = 0; i < 500; ++i) {
      first = slurp(dir_ / (name + ".out"));
      if (std::regex_search(first, m, text_re) || std::regex_search(first, m, json_re))
        return std::pair{m[1].str(), m[2].str()};
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "no listening line: " << first << slurp(dir_ / (name + ".err"));
    wait_exit(pid, std::chrono::milliseconds(0));
    return std::nullopt;
  }

  Path dir_;
};

}  // namespace ikeh::testing_support
