// SPDX-License-Identifier: Apache-2.0
// Writes the sample run (tests/reports/sample_run.h) as results.json,
// junit.xml and report.html into the folder given, for run_report_check.py.
#include <cstdio>
#include <filesystem>

#include "reports/run_report.h"
#include "tests/reports/sample_run.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_sample_run <output folder>\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "%s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  auto run = ikeh::test::sample_run();
  for (auto status : {ikeh::reports::write_results_json(run, dir / "results.json"),
                      ikeh::reports::write_junit(run, dir / "junit.xml"),
                      ikeh::reports::write_html(run, dir / "report.html")}) {
    if (!status) {
      std::fprintf(stderr, "%s\n", status.error().to_string().c_str());
      return 1;
    }
  }
  return 0;
}
