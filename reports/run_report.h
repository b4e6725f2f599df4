// SPDX-License-Identifier: Apache-2.0
// The files a scenario run leaves for machines and people: results.json (the
// whole run as data), junit.xml (for CI test viewers) and report.html (one
// offline page with a ladder diagram per scenario). All three are written
// from a RunResult alone and hold no key material, because RunResult holds
// none.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/core/result.h"
#include "reports/run_result.h"

namespace ikeh::reports {

// The run as one JSON document:
//   {"peer","seed","started","duration",
//    "counts":{"pass","fail","skip","error","known_deviation","total"},
//    "scenarios":[{"id","title","reference","requirement","role","tags":[...],
//      "suite","name" (the id split at its first '/'),
//      "verdict" (verdict_name),"reason","expected","got",
//      "failed_step","failed_message" (0-based integers, or null),
//      "duration","pcap_file","key_table_file","events":[...],
//      "transcript":[{"index","time","direction":"harness->peer"|"peer->harness",
//        "exchange","exchange_type" (number),"kind":"request"|"response",
//        "message_id","spi_i","spi_r" (16-digit hex),"label" (one line, as the
//        HTML ladder shows it),"mutations":[...],"fault","note","decrypted",
//        "datagrams":[hex...],
//        "payloads":[payload objects as `ikeharness decode --json` writes them,
//                    see json_report.h; offsets count from the chain's start],
//        "payloads_error" (only when the chain does not decode)}]}]}
// Strings that are not valid UTF-8 are written with U+FFFD in place of the
// bad bytes.
nlohmann::ordered_json run_to_json(const RunResult& run);

// Writes run_to_json(run) to `file` (replaced if present). Fails when the file
// cannot be written: "results.json: cannot write: No such file or directory".
core::Status write_results_json(const RunResult& run, const std::filesystem::path& file);

// Writes JUnit XML as GitHub Actions reporters, GitLab and Jenkins read it:
// one <testsuite> per suite (the id's first path component), one <testcase
// classname="suite" name="rest of id"> per scenario with its reference, title
// and tags as properties. fail -> <failure type="mismatch">, error ->
// <error>, skip -> <skipped>; known_deviation passes, with a
// known_deviation property and a <system-out> note. Characters XML 1.0
// forbids (control characters, invalid UTF-8) are replaced, never written.
// Fails when the file cannot be written.
core::Status write_junit(const RunResult& run, const std::filesystem::path& file);

// Writes one self-contained HTML page (inline CSS and JS, no external URL):
// summary, verdict and tag filters, and per scenario its verdict, reason and
// a ladder diagram of the transcript; clicking a message shows its decoded
// payloads and mutations. The data is run_to_json(run) embedded in
// <script type="application/json" id="run-data"> with every "<" written as
// "\u003c" (so neither "</script" nor "<!--" appear and no scenario text can
// end the script). Stable hooks for tests:
// #summary, .scenario[data-verdict], svg.ladder, .msg-arrow (.mutated,
// .dropped). Fails when the file cannot be written.
core::Status write_html(const RunResult& run, const std::filesystem::path& file);

}  // namespace ikeh::reports
