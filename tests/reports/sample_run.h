// SPDX-License-Identifier: Apache-2.0
// A RunResult with one scenario per verdict, built from real codec messages,
// shared by run_report_test and make_sample_run (whose files
// run_report_check.py inspects). The numbers the checks rely on are here.
#pragma once

#include "reports/run_result.h"

namespace ikeh::test {

// pass: "rfc7296/1.2-initial-exchange", 4 messages (2 decrypted IKE_AUTH).
// fail: "rfc7296/2.6-cookie-required", 2 messages, the first mutated.
// known_deviation: "rfc7296/2.1-retransmit-request", 3 messages, the first dropped.
// error: "rfc7296/3.3-proposal-order", no messages; title holds "</script><b>"
//        and its reason a control character.
// skip: "flexvpn/fragmentation", no messages.
reports::RunResult sample_run();

inline constexpr std::size_t kSampleScenarios = 5;
inline constexpr std::size_t kSampleMessages[kSampleScenarios] = {4, 2, 3, 0, 0};
inline constexpr const char* kSampleEvilTitle = "proposal order </script><b>bold</b> & \"quotes\"";

}  // namespace ikeh::test
