// SPDX-License-Identifier: Apache-2.0
// Runs a peer profile's adapter program (PeerProfile::adapter), which
// configures an external peer for a scenario and makes it start exchanges.
// The protocol (docs/scenarios.md, "Peer adapters"):
//
//   ADAPTER setup | prepare | start KIND | cleanup
//
// with the working folder set to the profile's folder and the environment of
// this process plus the IKEH_* variables of AdapterContext::environment().
// Exit status 0: done; 77: the peer cannot do this, the first non-empty line
// of standard output says why; anything else: it failed. The program runs in
// a process group of its own, with standard output and error captured; the
// caller polls it while it serves its sockets, so the peer's messages are
// answered while the adapter waits for them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "harness/core/result.h"

namespace ikeh::scenario {

// Exit status of "the peer cannot do this".
inline constexpr int kAdapterUnsupported = 77;

// What the adapter is told about the scenario and both ends.
struct AdapterContext {
  std::string scenario_file;  // absolute; empty for setup
  std::string scenario_id;    // empty for setup
  std::string harness_role;   // "initiator" or "responder"; empty for setup
  std::string harness_address;
  uint16_t harness_port = 0, harness_natt_port = 0;
  std::string peer_address;
  uint16_t peer_port = 0, peer_natt_port = 0;

  // IKEH_SCENARIO_FILE, IKEH_SCENARIO_ID, IKEH_HARNESS_ROLE,
  // IKEH_HARNESS_ADDRESS, IKEH_HARNESS_PORT, IKEH_HARNESS_NATT_PORT,
  // IKEH_PEER_ADDRESS, IKEH_PEER_PORT, IKEH_PEER_NATT_PORT; empty values
  // are left out.
  std::vector<std::pair<std::string, std::string>> environment() const;
};

class AdapterCall {
 public:
  // Starts `program` with `args`. Errors: the program cannot be started
  // ("cannot start adapter PATH: No such file or directory").
  static core::Result<AdapterCall> start(const std::string& program, const std::vector<std::string>& args,
                                         const AdapterContext& context);
  AdapterCall(AdapterCall&& other) noexcept;
  AdapterCall& operator=(AdapterCall&& other) noexcept;
  AdapterCall(const AdapterCall&) = delete;
  AdapterCall& operator=(const AdapterCall&) = delete;
  // Kills a program still running, and removes the captured output.
  ~AdapterCall();

  // Whether the program has exited (reaps it; never blocks).
  bool finished();
  // Blocks until the program exits or `limit` passes (then kills it);
  // returns whether it exited on its own. For calls that need no serving.
  bool wait(std::chrono::milliseconds limit);
  // Kills the program's process group (SIGKILL) and reaps it; its status
  // then reads as a failure.
  void kill();
  // The exit status once finished: 0..255, or -1 when killed by a signal.
  int status() const { return status_; }
  // "prepare", "start ike_sa": the action, for messages.
  const std::string& action() const { return action_; }
  // Captured standard output and standard error, each up to 64 KiB, split
  // into lines without the empty ones.
  std::vector<std::string> out_lines() const;
  std::vector<std::string> err_lines() const;

 private:
  AdapterCall() = default;
  void release();

  pid_t pid_ = -1;
  int status_ = -1;
  std::string action_;
  std::string out_path_, err_path_;
};

}  // namespace ikeh::scenario
