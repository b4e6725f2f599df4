// SPDX-License-Identifier: Apache-2.0
// Runs scenarios and judges them. In self mode (the default peer) the peer is
// a second engine in the same process, configured from the scenario's "peer"
// object, on virtual time: a run is deterministic for a seed and a 30-second
// wait costs nothing. The harness's engine takes the scenario's role; steps
// start exchanges on either side, expect the peer's next message, assert on
// engine state, add link faults and wait. The first step that does not hold
// fails the scenario with what was expected and what came instead.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/scenario/peer_profile.h"
#include "harness/scenario/scenario.h"
#include "reports/run_result.h"

namespace ikeh::scenario {

struct RunOptions {
  PeerProfile peer = self_profile();
  uint64_t seed = 1;
  // Folder for each scenario's <id>.pcap and <id>.keys (a Wireshark
  // ikev2_decryption_table, written only when export_keys is set); empty:
  // no files.
  std::string out_dir;
  bool export_keys = true;
};

// Runs one scenario against the peer, ignoring sanity scenarios and profile
// expectations (run_all applies those). Never throws: a problem of the
// harness itself gives Verdict::Error with the reason.
reports::ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options);

// Called after each scenario with its result, the number done and the total
// (from the worker that ran it, one call at a time).
using Progress = std::function<void(const reports::ScenarioResult&, std::size_t done, std::size_t total)>;

// Runs scenarios on `jobs` threads (at least one). Before running, each is
// checked against the profile: a disabled scenario or one requiring a
// capability the peer lacks is skipped with the reason; a scenario whose
// sanity scenario (run first when it is in the list) did not pass is skipped
// too. After running, a result that equals the profile's known deviation for
// the id becomes known_deviation with the profile's reason; a scenario listed
// as a deviation that passes anyway stays pass. Results come back in the
// order of `scenarios`. A scenario's seed is options.seed mixed with its id,
// so results do not depend on which other scenarios run or on `jobs`.
std::vector<reports::ScenarioResult> run_all(const std::vector<Scenario>& scenarios, const RunOptions& options,
                                             unsigned jobs, const Progress& progress = {});

}  // namespace ikeh::scenario
