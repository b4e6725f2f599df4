// SPDX-License-Identifier: Apache-2.0
// reports: what a scenario run produced (reports/run_result.h) and the files
// written from it (reports/run_report.h). The JSON view of a result is
// run_to_json()'s, handed to Python through json.loads.
#include <filesystem>
#include <string>

#include <pybind11/stl/filesystem.h>

#include "bindings/python/src/common.h"
#include "reports/run_report.h"
#include "reports/run_result.h"

namespace ikeh::python {
namespace {

using reports::RunResult;
using reports::ScenarioResult;
using reports::Verdict;

py::object json_loads(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

// run_to_json() of a run holding only this result, its one scenario object.
py::object result_to_dict(const ScenarioResult& r) {
  RunResult run;
  run.scenarios.push_back(r);
  return json_loads(reports::run_to_json(run)["scenarios"][0].dump());
}

std::string result_repr(const ScenarioResult& r) {
  std::string s = "<ScenarioResult " + r.id + " " + reports::verdict_name(r.verdict);
  if (!r.reason.empty()) s += ": " + r.reason;
  return s + ">";
}

using Writer = core::Status (*)(const RunResult&, const std::filesystem::path&);

// A writer taking str or os.PathLike, raising IkeError when it fails.
auto writer(Writer w) {
  return [w](const RunResult& run, const std::filesystem::path& file) {
    core::Status s;
    {
      py::gil_scoped_release release;
      s = w(run, file);
    }
    check(s, "IkeError");
  };
}

}  // namespace

void register_reports(py::module_& m) {
  py::enum_<Verdict>(m, "Verdict",
                     "A scenario's outcome: Pass, Fail (an expectation did not hold), Skip (not run), Error (the "
                     "harness could not run it), KnownDeviation (the outcome the peer profile lists).")
      .value("Pass", Verdict::Pass)
      .value("Fail", Verdict::Fail)
      .value("Skip", Verdict::Skip)
      .value("Error", Verdict::Error)
      .value("KnownDeviation", Verdict::KnownDeviation);
  m.def("verdict_name", &reports::verdict_name, py::arg("verdict"),
        "The verdict as reports write it: \"pass\", \"fail\", \"skip\", \"error\", \"known_deviation\".");

  py::class_<ScenarioResult>(m, "ScenarioResult",
                             "The outcome of one scenario: verdict, first mismatch, transcript and events. Holds no "
                             "key material.")
      .def(py::init<>(), "An empty result (verdict Pass); results normally come from run_scenario or run_all.")
      .def_readwrite("id", &ScenarioResult::id, "Scenario id: the path under scenarios/ without .json.")
      .def_readwrite("title", &ScenarioResult::title, "The scenario's title.")
      .def_readwrite("reference", &ScenarioResult::reference, "What it tests, e.g. \"RFC 7296 2.6\".")
      .def_readwrite("requirement", &ScenarioResult::requirement, "The requirement, in the scenario's words.")
      .def_readwrite("role", &ScenarioResult::role, "The role the harness played: \"initiator\" or \"responder\".")
      .def_readwrite("tags", &ScenarioResult::tags, "The scenario's tags.")
      .def_readwrite("verdict", &ScenarioResult::verdict, "The outcome (Verdict).")
      .def_readwrite("reason", &ScenarioResult::reason,
                     "fail: the first mismatch; skip: why it did not run; error: what broke; known_deviation: the "
                     "profile's reason; empty for pass.")
      .def_readwrite("expected", &ScenarioResult::expected, "fail: the expectation, one line.")
      .def_readwrite("got", &ScenarioResult::got, "fail: what arrived instead, one line.")
      .def_readwrite("failed_step", &ScenarioResult::failed_step, "0-based index of the failing step, or None.")
      .def_readwrite("failed_message", &ScenarioResult::failed_message,
                     "0-based index into the transcript of the message that failed, or None.")
      .def_readwrite("duration", &ScenarioResult::duration, "Seconds of wall time.")
      .def_readwrite("events", &ScenarioResult::events, "The harness engine's event lines.")
      .def_readwrite("pcap_file", &ScenarioResult::pcap_file,
                     "The capture written beside the reports, relative to the output folder; empty when none.")
      .def_readwrite("key_table_file", &ScenarioResult::key_table_file,
                     "The Wireshark key table written beside the capture; empty when none.")
      .def_property_readonly(
          "transcript", [](const ScenarioResult& r) -> py::object { return result_to_dict(r)["transcript"]; },
          "Every message as it went over the wire, as dicts (index, time, direction, exchange, kind, message_id, "
          "spi_i, spi_r, label, mutations, fault, note, decrypted, datagrams, payloads), as results.json has them.")
      .def("to_dict", &result_to_dict, "The result as results.json writes one scenario.")
      .def("__repr__", &result_repr);

  py::class_<reports::VerdictCounts>(m, "VerdictCounts", "Scenarios per verdict.")
      .def_readonly("pass_", &reports::VerdictCounts::pass, "Scenarios that passed (\"pass\" is a keyword).")
      .def_readonly("fail", &reports::VerdictCounts::fail, "Scenarios that failed.")
      .def_readonly("skip", &reports::VerdictCounts::skip, "Scenarios skipped.")
      .def_readonly("error", &reports::VerdictCounts::error, "Scenarios the harness could not run.")
      .def_readonly("known_deviation", &reports::VerdictCounts::known_deviation,
                    "Scenarios with the outcome the peer profile lists.")
      .def("total", &reports::VerdictCounts::total, "All scenarios counted.")
      .def("__repr__", [](const reports::VerdictCounts& c) {
        return "<VerdictCounts pass=" + std::to_string(c.pass) + " fail=" + std::to_string(c.fail) +
               " skip=" + std::to_string(c.skip) + " error=" + std::to_string(c.error) +
               " known_deviation=" + std::to_string(c.known_deviation) + ">";
      });

  py::class_<RunResult>(m, "RunResult", "One run: the peer, the seed, when it started and every scenario's result.")
      .def(py::init([](std::vector<ScenarioResult> scenarios, std::string peer, uint64_t seed, std::string started,
                       double duration) {
             RunResult r;
             r.scenarios = std::move(scenarios);
             r.peer = std::move(peer);
             r.seed = seed;
             r.started = std::move(started);
             r.duration = duration;
             return r;
           }),
           py::arg("scenarios") = std::vector<ScenarioResult>{}, py::arg("peer") = "self", py::arg("seed") = 1,
           py::arg("started") = "", py::arg("duration") = 0.0,
           "A run from its results; started is ISO 8601 UTC (\"2026-11-27T10:00:00Z\"), duration in seconds.")
      .def_readwrite("peer", &RunResult::peer, "\"self\", a profile name or ADDR:PORT.")
      .def_readwrite("seed", &RunResult::seed, "The run's seed.")
      .def_readwrite("started", &RunResult::started, "ISO 8601 UTC start time.")
      .def_readwrite("duration", &RunResult::duration, "Seconds of wall time for the whole run.")
      .def_readwrite("scenarios", &RunResult::scenarios, "The results (a copy; assign a list to change them).")
      .def("__repr__", [](const RunResult& r) {
        return "<RunResult peer=" + r.peer + " seed=" + std::to_string(r.seed) + " scenarios=" +
               std::to_string(r.scenarios.size()) + ">";
      });

  m.def("count_verdicts", &reports::count_verdicts, py::arg("run"), "Scenarios of the run per verdict.");
  m.def(
      "run_to_json", [](const RunResult& run) { return json_loads(reports::run_to_json(run).dump()); },
      py::arg("run"), "The run as results.json holds it, as a dict.");
  m.def("write_results_json", writer(&reports::write_results_json), py::arg("run"), py::arg("file"),
        "Writes results.json (run_to_json) to file; raises IkeError when it cannot be written.");
  m.def("write_junit", writer(&reports::write_junit), py::arg("run"), py::arg("file"),
        "Writes JUnit XML (one testsuite per suite, one testcase per scenario); raises IkeError when it cannot be "
        "written.");
  m.def("write_html", writer(&reports::write_html), py::arg("run"), py::arg("file"),
        "Writes the self-contained HTML report with a ladder diagram per scenario; raises IkeError when it cannot "
        "be written.");
}

}  // namespace ikeh::python
