// SPDX-License-Identifier: Apache-2.0
#include "reports/run_result.h"

namespace ikeh::reports {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Pass:
      return "pass";
    case Verdict::Fail:
      return "fail";
    case Verdict::Skip:
      return "skip";
    case Verdict::Error:
      return "error";
    case Verdict::KnownDeviation:
      return "known_deviation";
  }
  // A value outside the enum (a corrupted byte) is reported, not trusted.
  return "error";
}

VerdictCounts count_verdicts(const RunResult& run) {
  VerdictCounts c;
  for (const auto& s : run.scenarios) {
    switch (s.verdict) {
      case Verdict::Pass:
        ++c.pass;
        break;
      case Verdict::Fail:
        ++c.fail;
        break;
      case Verdict::Skip:
        ++c.skip;
        break;
      case Verdict::KnownDeviation:
        ++c.known_deviation;
        break;
      case Verdict::Error:
      default:
        ++c.error;
        break;
    }
  }
  return c;
}

}  // namespace ikeh::reports
