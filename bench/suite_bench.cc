// SPDX-License-Identifier: Apache-2.0
// The bundled scenario suites (scenarios/, or $IKEH_SCENARIOS) run in self
// mode as `ikeharness run` runs them: loaded once, then each iteration runs
// every scenario with run_all() and judges it, without writing reports.
//
//   BM_Suite/jobs:N     the whole suite on N threads (N = 1 and the CPU count)
//   BM_Load             loading and checking every scenario file
//
// Wall time per iteration is the figure (the target: the whole suite in
// under 5 s on 2 cores); items_per_second is scenarios per second. A
// scenario that does not pass stops the benchmark with an error, so the
// figure is never that of a broken suite.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "harness/scenario/runner.h"
#include "harness/scenario/scenario_loader.h"

namespace {

using namespace ikeh;

std::string suite_dir() {
  if (const char* env = std::getenv("IKEH_SCENARIOS"); env && *env) return env;
  return IKEH_SOURCE_SCENARIOS;
}

const std::vector<scenario::Scenario>& suite() {
  static const auto loaded = scenario::load_scenarios({suite_dir()}, suite_dir());
  return loaded ? *loaded : *new std::vector<scenario::Scenario>();
}

void BM_Suite(benchmark::State& state) {
  const auto& all = suite();
  if (all.empty()) {
    state.SkipWithError(("no scenarios loaded from " + suite_dir()).c_str());
    return;
  }
  scenario::RunOptions options;  // self mode, no files
  for (auto _ : state) {
    auto results = scenario::run_all(all, options, static_cast<unsigned>(state.range(0)));
    for (const auto& r : results)
      if (r.verdict != reports::Verdict::Pass && r.verdict != reports::Verdict::Skip) {
        state.SkipWithError((r.id + ": " + r.reason).c_str());
        return;
      }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * all.size()));
  state.SetLabel(std::to_string(all.size()) + " scenarios");
}
BENCHMARK(BM_Suite)
    ->ArgName("jobs")
    ->Arg(1)
    ->Arg(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())))
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_Load(benchmark::State& state) {
  for (auto _ : state) {
    auto loaded = scenario::load_scenarios({suite_dir()}, suite_dir());
    if (!loaded) {
      state.SkipWithError(loaded.error().to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(loaded);
  }
}
BENCHMARK(BM_Load)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
