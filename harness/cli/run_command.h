// SPDX-License-Identifier: Apache-2.0
// `ikeharness run` and `ikeharness list`: load scenarios (docs/scenarios.md),
// run them against a peer (the built-in one by default) and write the
// reports. Loading is all or nothing: the first file with an error is one
// line "FILE: /json/pointer: reason" on `err`, exit 2, and nothing runs.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ikeh::cli {

struct RunOptions {
  // Scenario files or folders; empty: the bundled suites (bundled_scenarios()).
  std::vector<std::string> paths;
  std::string peer = "self";  // "self", a profile name (scenarios/peers/NAME.json), a .json path, ADDR[:PORT]
  std::vector<std::string> filters;  // id globs; a scenario runs when any matches (none: all)
  std::vector<std::string> tags;     // a scenario runs when it has any of them (none: all)
  unsigned jobs = 0;                 // 0: one per CPU
  uint64_t seed = 1;
  std::string out = "ikeharness-out";
  // Write each scenario's key table (<id>.keys) against an external peer
  // too; self mode always writes them.
  bool export_keys = false;
  // A live progress line (carriage returns) instead of one line per
  // scenario; the command sets it when `err` is a terminal.
  bool live = false;
};

struct ListOptions {
  std::vector<std::string> paths;  // as RunOptions::paths
  std::vector<std::string> filters;
  std::vector<std::string> tags;
};

// The scenarios folder of this build or installation: $IKEH_SCENARIOS when
// set, else the source tree's scenarios/ (a build without installation),
// else ./scenarios.
std::string bundled_scenarios();

// Runs the selected scenarios and writes results.json, junit.xml,
// report.html and each scenario's <id>.pcap and <id>.keys into `out`.
// Progress goes to `err`; the summary table and the path of the report to
// `out`. Returns 0 when no scenario failed or erred (skips and known
// deviations are not failures), 1 when one did, 2 for a usage or input error
// (a scenario or profile that does not load, an unwritable output folder, no
// scenario selected).
int run_scenarios(const RunOptions& options, std::ostream& out, std::ostream& err);

// Prints one line per selected scenario: id, role, reference, title, tags.
// Returns 0, or 2 when the scenarios do not load.
int list_scenarios(const ListOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ikeh::cli
