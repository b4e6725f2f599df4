// SPDX-License-Identifier: Apache-2.0
// What a scenario run produced, as the report writers see it: per scenario
// its verdict, the first mismatch, and the transcript of every message that
// went over the wire, with the decrypted payloads. The scenario runner fills
// it; reports/run_report.h writes results.json, junit.xml and report.html from
// it. Kept free of engine and scenario types (DESIGN: reports depend on core
// and codec only), and of key material: the transcript holds decrypted
// payloads, never SK_* keys or PSKs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/codec/payload.h"
#include "harness/codec/registry.h"
#include "harness/core/bytes.h"

namespace ikeh::reports {

// pass: every step held. fail: a step's expectation did not hold (reason,
// expected and got say how). skip: not run (the peer lacks a capability, the
// profile disables it, or its sanity scenario did not pass). error: the
// harness itself could not run it. known_deviation: the peer profile lists
// the scenario with this outcome and a reason; it counts as expected.
enum class Verdict : uint8_t { Pass, Fail, Skip, Error, KnownDeviation };

// "pass", "fail", "skip", "error", "known_deviation".
const char* verdict_name(Verdict v);

// One message as it went over the wire (after any mutation and before link
// faults), in the order the harness saw it.
struct TranscriptMessage {
  double time = 0;            // seconds since the scenario started (virtual time in self mode)
  bool from_harness = false;  // true: harness -> peer; false: peer -> harness
  codec::ExchangeType exchange = codec::ExchangeType::IKE_SA_INIT;
  bool response = false;
  uint32_t message_id = 0;
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  // The datagrams as sent (one per fragment), IKE message without marker.
  std::vector<core::Bytes> datagrams;
  // The payload chain: the outer chain for unencrypted messages, the
  // decrypted inner chain for SK/SKF ones. Empty when it could not be
  // decoded or decrypted (then `note` says why).
  std::vector<codec::Payload> payloads;
  bool decrypted = false;  // payloads is an inner chain that was decrypted
  // The deliberate deviations applied to this message, one line each, as the
  // scenario names them ("plain: removed payload KE", "wire: xor 0xff at 17").
  std::vector<std::string> mutations;
  // What the link did to it ("dropped", "duplicated", "delayed 2 s"); empty:
  // delivered as sent.
  std::string fault;
  std::string note;  // one line for people; empty when nothing to say
};

// The outcome of one scenario.
struct ScenarioResult {
  std::string id;           // path under scenarios/ without .json
  std::string title;
  std::string reference;    // "RFC 7296 2.6"
  std::string requirement;  // in our own words
  std::string role;         // the role the harness played: "initiator" or "responder"
  std::vector<std::string> tags;
  Verdict verdict = Verdict::Pass;
  // fail: the first mismatch; skip: why it did not run; error: what broke;
  // known_deviation: the profile's reason. Empty for pass.
  std::string reason;
  // fail: the expectation and what arrived instead, one line each.
  std::string expected;
  std::string got;
  std::optional<std::size_t> failed_step;     // 0-based index into the scenario's steps
  std::optional<std::size_t> failed_message;  // 0-based index into transcript
  double duration = 0;                        // seconds of wall time
  std::vector<TranscriptMessage> transcript;
  // The harness engine's event lines (engine::format_event), for people.
  std::vector<std::string> events;
  // Files written beside the reports, relative to the output folder; empty
  // when not written.
  std::string pcap_file;
  std::string key_table_file;
};

// One `ikeharness run`.
struct RunResult {
  std::string peer;          // "self", a profile name or ADDR:PORT
  uint64_t seed = 0;
  std::string started;       // ISO 8601 UTC, "2026-11-27T10:00:00Z"
  double duration = 0;       // seconds of wall time for the whole run
  std::vector<ScenarioResult> scenarios;
};

// Counts per verdict, in enum order.
struct VerdictCounts {
  std::size_t pass = 0, fail = 0, skip = 0, error = 0, known_deviation = 0;
  std::size_t total() const { return pass + fail + skip + error + known_deviation; }
};
VerdictCounts count_verdicts(const RunResult& run);

}  // namespace ikeh::reports
