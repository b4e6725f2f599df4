// SPDX-License-Identifier: Apache-2.0
#include "harness/cli/run_command.h"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <thread>

#include "harness/cli/decode_command.h"
#include "harness/scenario/peer_profile.h"
#include "harness/scenario/runner.h"
#include "harness/scenario/scenario_loader.h"
#include "reports/run_report.h"

namespace ikeh::cli {
namespace {

namespace fs = std::filesystem;
using reports::Verdict;

// The folder named "scenarios" above `path`, which ids are relative to;
// else the path itself (a folder) or its folder (a file).
std::string root_for(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  for (fs::path q = p; !q.empty() && q != q.root_path(); q = q.parent_path())
    if (q.filename() == "scenarios") return q.string();
  return fs::is_directory(p, ec) ? p.string() : p.parent_path().string();
}

struct Selection {
  std::vector<scenario::Scenario> scenarios;
  std::string root;  // of the first path, where peers/ is looked for
};

core::Result<Selection> select(std::vector<std::string> paths, const std::vector<std::string>& filters,
                               const std::vector<std::string>& tags) {
  if (paths.empty()) paths.push_back(bundled_scenarios());
  Selection sel;
  sel.root = root_for(paths.front());
  std::vector<scenario::Scenario> all;
  for (const auto& p : paths) {
    auto loaded = scenario::load_scenarios({p}, root_for(p));
    if (!loaded) return loaded.error();
    for (auto& s : *loaded) {
      for (const auto& other : all)
        if (other.id == s.id) return core::make_error(s.source, "scenario id \"" + s.id + "\" is also the id of " + other.source);
      all.push_back(std::move(s));
    }
  }
  for (auto& s : all) {
    bool f = filters.empty() || std::any_of(filters.begin(), filters.end(), [&](const std::string& g) {
               return fnmatch(g.c_str(), s.id.c_str(), 0) == 0;
             });
    bool t = tags.empty() || std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
               return std::find(s.tags.begin(), s.tags.end(), tag) != s.tags.end();
             });
    if (f && t) sel.scenarios.push_back(std::move(s));
  }
  std::sort(sel.scenarios.begin(), sel.scenarios.end(),
            [](const scenario::Scenario& a, const scenario::Scenario& b) { return a.id < b.id; });
  return sel;
}

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char* verdict_word(Verdict v) {
  switch (v) {
    case Verdict::Pass: return "PASS";
    case Verdict::Fail: return "FAIL";
    case Verdict::Skip: return "SKIP";
    case Verdict::Error: return "ERROR";
    case Verdict::KnownDeviation: return "KNOWN";
  }
  return "?";
}

}  // namespace

std::string bundled_scenarios() {
  if (const char* env = std::getenv("IKEH_SCENARIOS"); env && *env) return env;
#ifdef IKEH_SOURCE_SCENARIOS
  std::error_code ec;
  if (fs::is_directory(IKEH_SOURCE_SCENARIOS, ec)) return IKEH_SOURCE_SCENARIOS;
#endif
  return "scenarios";
}

int run_scenarios(const RunOptions& options, std::ostream& out, std::ostream& err) {
  auto sel = select(options.paths, options.filters, options.tags);
  if (!sel) {
    err << sel.error().to_string() << "\n";
    return kExitUsage;
  }
  if (sel->scenarios.empty()) {
    err << "ikeharness run: no scenario selected\n";
    return kExitUsage;
  }
  auto peer = scenario::resolve_peer(options.peer, (fs::path(sel->root) / "peers").string());
  if (!peer) {
    err << peer.error().to_string() << "\n";
    return kExitUsage;
  }
  std::error_code ec;
  fs::create_directories(options.out, ec);
  if (ec || !fs::is_directory(options.out)) {
    err << options.out << ": cannot create the output folder: " << (ec ? ec.message() : "not a folder") << "\n";
    return kExitUsage;
  }

  scenario::RunOptions ro;
  ro.peer = *peer;
  ro.seed = options.seed;
  ro.out_dir = options.out;
  // Self mode's keys come from the seed and protect nothing: the key tables
  // that let Wireshark decrypt each capture are written by default. Against
  // an external peer the keys are real SAs' and only written when asked.
  ro.export_keys = peer->kind == scenario::PeerKind::Self || options.export_keys;
  unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());

  std::size_t pass = 0, fail = 0, skip = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto progress = [&](const reports::ScenarioResult& r, std::size_t done, std::size_t total) {
    switch (r.verdict) {
      case Verdict::Pass:
      case Verdict::KnownDeviation: ++pass; break;
      case Verdict::Fail:
      case Verdict::Error: ++fail; break;
      case Verdict::Skip: ++skip; break;
    }
    if (options.live) {
      err << "\r\033[K[" << done << "/" << total << "] pass " << pass << " fail " << fail << " skip " << skip << "  "
          << r.id << std::flush;
    } else {
      err << verdict_word(r.verdict) << " " << r.id;
      if (!r.reason.empty()) err << ": " << r.reason;
      err << "\n";
    }
  };
  reports::RunResult run;
  run.peer = peer->name;
  run.seed = options.seed;
  run.started = now_iso();
  run.scenarios = scenario::run_all(sel->scenarios, ro, jobs, progress);
  run.duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (options.live) err << "\r\033[K";

  fs::path dir(options.out);
  for (auto [status, name] : {std::pair{reports::write_results_json(run, dir / "results.json"), "results.json"},
                              std::pair{reports::write_junit(run, dir / "junit.xml"), "junit.xml"},
                              std::pair{reports::write_html(run, dir / "report.html"), "report.html"}}) {
    if (!status) {
      err << status.error().to_string() << "\n";
      return kExitUsage;
    }
  }

  // The summary: every scenario that did not simply pass, then the counts.
  auto counts = reports::count_verdicts(run);
  std::size_t width = 0;
  for (const auto& r : run.scenarios) width = std::max(width, r.id.size());
  for (const auto& r : run.scenarios) {
    if (r.verdict == Verdict::Pass) continue;
    out << std::left << std::setw(6) << verdict_word(r.verdict) << std::setw(static_cast<int>(width) + 2) << r.id
        << r.reason << "\n";
    if (r.verdict == Verdict::Fail) {
      out << "      expected: " << r.expected << "\n";
      out << "      got:      " << r.got << "\n";
    }
  }
  std::ostringstream secs;
  secs << std::fixed << std::setprecision(2) << run.duration;
  out << counts.total() << " scenarios against " << run.peer << " in " << secs.str() << " s: " << counts.pass
      << " passed, " << counts.fail << " failed, " << counts.error << " errors, " << counts.skip << " skipped, "
      << counts.known_deviation << " known deviations\n";
  out << "report: " << (dir / "report.html").string() << "\n";
  return counts.fail || counts.error ? kExitFailed : kExitOk;
}

int list_scenarios(const ListOptions& options, std::ostream& out, std::ostream& err) {
  auto sel = select(options.paths, options.filters, options.tags);
  if (!sel) {
    err << sel.error().to_string() << "\n";
    return kExitUsage;
  }
  for (const auto& s : sel->scenarios) {
    out << s.id << "  [" << scenario::role_name(s.role) << "]  " << s.reference << "  " << s.title;
    if (!s.tags.empty()) {
      out << "  (";
      for (std::size_t i = 0; i < s.tags.size(); ++i) out << (i ? ", " : "") << s.tags[i];
      out << ")";
    }
    out << "\n";
  }
  return kExitOk;
}

}  // namespace ikeh::cli
