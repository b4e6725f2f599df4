// SPDX-License-Identifier: Apache-2.0
// scenario: the scenario loader (harness/scenario/scenario_loader.h), peer
// profiles (peer_profile.h) and the runner (runner.h). Runs release the GIL;
// run_all's progress callback takes it back for each call.
#include <pybind11/functional.h>
#include <pybind11/stl/filesystem.h>

#include <optional>
#include <string>
#include <vector>

#include "bindings/python/src/common.h"
#include "harness/scenario/peer_profile.h"
#include "harness/scenario/runner.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/scenario_loader.h"
#include "reports/run_result.h"

namespace ikeh::python {
namespace {

using scenario::PeerProfile;
using scenario::Scenario;

template <class T>
T unwrap_scenario(core::Result<T>&& r) {
  if (!r) raise_config_error(r.error());
  return std::move(r).value();
}

std::string scenario_repr(const Scenario& s) {
  return "<Scenario " + s.id + (s.title.empty() ? std::string() : ": " + s.title) + ">";
}

std::string profile_repr(const PeerProfile& p) {
  std::string s = "<PeerProfile " + p.name + " (" + (p.kind == scenario::PeerKind::Self ? "self" : "external");
  if (p.address) s += " " + *p.address + ":" + std::to_string(p.port);
  return s + ")>";
}

}  // namespace

void register_scenario(py::module_& m) {
  py::class_<Scenario>(m, "Scenario", py::dynamic_attr(),
                       "A conformance scenario as loaded: what it tests, the harness's role, both sides' "
                       "configuration and the steps (docs/scenarios.md).")
      .def_readonly("id", &Scenario::id, "The path under scenarios/ without .json.")
      .def_readonly("source", &Scenario::source, "The file it was read from (or the name given for a document).")
      .def_readonly("title", &Scenario::title, "One line: what the scenario checks.")
      .def_readonly("reference", &Scenario::reference, "The specification it tests, e.g. \"RFC 7296 2.6\".")
      .def_readonly("requirement", &Scenario::requirement, "The requirement, in the scenario's words.")
      .def_property_readonly(
          "role", [](const Scenario& s) { return std::string(scenario::role_name(s.role)); },
          "The role the harness plays: \"initiator\" or \"responder\".")
      .def_readonly("sanity", &Scenario::sanity, "Id of the scenario that must pass first, or None.")
      .def_readonly("tags", &Scenario::tags, "Tags, for selecting scenarios.")
      .def_readonly("requires_capabilities", &Scenario::requires_capabilities,
                    "Capabilities the peer must have (peer profile names); a peer without one skips it.")
      .def_property_readonly(
          "steps",
          [](const Scenario& s) {
            std::vector<std::string> out;
            for (const auto& step : s.steps) out.push_back(scenario::describe(step));
            return out;
          },
          "One line per step, for people: \"harness starts ike_sa\", \"expect IKE_SA_INIT response\".")
      .def_readonly("step_pointers", &Scenario::step_pointers, "The JSON pointer of each step: \"/steps/3\".")
      .def("__repr__", &scenario_repr);

  m.def(
      "parse_scenario",
      [](const std::string& json_text, std::string id, const std::string& source, const std::string& base_dir) {
        return unwrap_scenario(scenario::parse_scenario(json_text, std::move(id), source, base_dir));
      },
      py::arg("json_text"), py::arg("id"), py::arg("source"), py::arg("base_dir") = ".",
      "Parses one scenario document. id is its path under scenarios/ without .json, source names it in errors, "
      "base_dir resolves relative file paths in it. Raises ScenarioError (.file, .pointer) on any error.");
  m.def(
      "load_scenario",
      [](const std::string& path, const std::string& root) {
        return unwrap_scenario(scenario::load_scenario(path, root));
      },
      py::arg("path"), py::arg("root") = "",
      "Reads one scenario file; its id is the path relative to root without .json (the file stem when outside "
      "root or root is empty). Raises ScenarioError.");
  m.def(
      "load_scenarios",
      [](const std::vector<std::string>& paths, const std::string& root) {
        return unwrap_scenario(scenario::load_scenarios(paths, root));
      },
      py::arg("paths"), py::arg("root") = "",
      "Every *.json scenario under each path (file or folder, recursively; folders named schema, peers and "
      "configs are skipped), sorted by id. Raises ScenarioError for the first file that does not load or two "
      "files with one id.");

  py::enum_<scenario::PeerKind>(m, "PeerKind", "Self: the built-in peer in this process; External: over UDP.")
      .value("Self", scenario::PeerKind::Self)
      .value("External", scenario::PeerKind::External);
  py::enum_<scenario::ExpectedVerdict>(m, "ExpectedVerdict", "The verdict a peer profile says a scenario gets.")
      .value("Pass", scenario::ExpectedVerdict::Pass)
      .value("Fail", scenario::ExpectedVerdict::Fail)
      .value("Skip", scenario::ExpectedVerdict::Skip)
      .value("Error", scenario::ExpectedVerdict::Error);
  m.def("expected_verdict_name", &scenario::expected_verdict_name, py::arg("verdict"),
        "\"pass\", \"fail\", \"skip\" or \"error\".");

  py::class_<scenario::PeerDeviation>(m, "PeerDeviation", "A known deviation: the verdict the peer gets and why.")
      .def_readonly("verdict", &scenario::PeerDeviation::verdict, "The verdict it is known to get.")
      .def_readonly("reason", &scenario::PeerDeviation::reason, "Why (never empty).")
      .def("__repr__", [](const scenario::PeerDeviation& d) {
        return std::string("<PeerDeviation ") + scenario::expected_verdict_name(d.verdict) + ": " + d.reason + ">";
      });
  py::class_<scenario::SecretRef>(m, "SecretRef",
                                  "Where a secret is (an environment variable or a file), never the secret.")
      .def_readonly("env", &scenario::SecretRef::env, "The variable's name, or empty.")
      .def_readonly("file", &scenario::SecretRef::file, "The file's path, or empty.")
      .def("__repr__", [](const scenario::SecretRef& r) {
        return r.env.empty() ? "<SecretRef file=" + r.file + ">" : "<SecretRef env=" + r.env + ">";
      });

  py::class_<PeerProfile>(m, "PeerProfile",
                          "The peer a run talks to (scenarios/peers/<name>.json): where it is, what it can do, "
                          "its known deviations and disabled scenarios.")
      .def_readonly("name", &PeerProfile::name, "The file stem, \"self\", or the address given to resolve_peer.")
      .def_readonly("description", &PeerProfile::description, "Free text.")
      .def_readonly("kind", &PeerProfile::kind, "PeerKind.Self or PeerKind.External.")
      .def_readonly("address", &PeerProfile::address, "External: the peer's address (no brackets), else None.")
      .def_readonly("port", &PeerProfile::port, "The peer's IKE port.")
      .def_readonly("natt_port", &PeerProfile::natt_port, "The peer's NAT-T port.")
      .def_readonly("local_address", &PeerProfile::local_address, "The address the harness binds.")
      .def_readonly("local_port", &PeerProfile::local_port, "The harness's IKE port (0: a free port).")
      .def_readonly("local_natt_port", &PeerProfile::local_natt_port, "The harness's NAT-T port (0: a free port).")
      .def_readonly("adapter", &PeerProfile::adapter, "The program that configures the peer per scenario, or empty.")
      .def_readonly("peer_identity", &PeerProfile::peer_identity, "identities.peer, or None.")
      .def_readonly("harness_identity", &PeerProfile::harness_identity, "identities.harness, or None.")
      .def_readonly("psk", &PeerProfile::psk, "Where the PSK is (SecretRef), or None; the PSK is never read here.")
      .def_readonly("capabilities", &PeerProfile::capabilities, "The capabilities listed.")
      .def_readonly("deviations", &PeerProfile::deviations, "Scenario id -> PeerDeviation.")
      .def_readonly("disabled", &PeerProfile::disabled, "(glob, reason) pairs, in file order.")
      .def("has", &PeerProfile::has, py::arg("capability"), "Whether the capability is listed.")
      .def("deviation_for", &PeerProfile::deviation_for, py::arg("id"), py::return_value_policy::copy,
           "The deviation listed for exactly this scenario id, or None.")
      .def("disabled_reason", &PeerProfile::disabled_reason, py::arg("id"),
           "The reason of the first disabled glob matching the id, or None.")
      .def("__repr__", &profile_repr);

  m.def(
      "parse_peer_profile",
      [](const std::string& json_text, const std::string& source, std::string name, const std::string& base_dir) {
        return unwrap_scenario(scenario::parse_peer_profile(json_text, source, std::move(name), base_dir));
      },
      py::arg("json_text"), py::arg("source"), py::arg("name"), py::arg("base_dir") = ".",
      "Parses a peer profile document; raises ScenarioError (.file, .pointer) on any error.");
  m.def(
      "load_peer_profile",
      [](const std::string& path) { return unwrap_scenario(scenario::load_peer_profile(path)); }, py::arg("path"),
      "Reads a peer profile file (its name is the file stem); raises ScenarioError.");
  m.def(
      "resolve_peer",
      [](const std::string& arg, const std::string& profiles_dir) {
        return unwrap_scenario(scenario::resolve_peer(arg, profiles_dir));
      },
      py::arg("arg"), py::arg("profiles_dir"),
      "The peer `--peer ARG` names: \"self\", a profile file (ends in .json or has a /), ADDR[:PORT], or NAME "
      "(profiles_dir/NAME.json). Raises ScenarioError.");
  m.def("self_profile", &scenario::self_profile,
        "The built-in self peer: every capability, no deviations, nothing disabled.");

  py::class_<scenario::RunOptions>(m, "RunOptions", "How scenarios run: the peer, the seed, where files go.")
      .def(py::init([](const std::optional<PeerProfile>& peer, uint64_t seed, std::string out_dir,
                       bool export_keys) {
             scenario::RunOptions o;
             if (peer) o.peer = *peer;
             o.seed = seed;
             o.out_dir = std::move(out_dir);
             o.export_keys = export_keys;
             return o;
           }),
           py::arg("peer") = py::none(), py::arg("seed") = 1, py::arg("out_dir") = "", py::arg("export_keys") = true,
           "peer: the PeerProfile (None: self_profile()); seed: runs are deterministic for it; out_dir: folder "
           "for each scenario's <id>.pcap (and <id>.keys when export_keys), empty for none.")
      .def_readwrite("peer", &scenario::RunOptions::peer, "The PeerProfile run against.")
      .def_readwrite("seed", &scenario::RunOptions::seed, "Mixed with each scenario's id.")
      .def_readwrite("out_dir", &scenario::RunOptions::out_dir, "Folder for pcaps and key tables; empty: none.")
      .def_readwrite("export_keys", &scenario::RunOptions::export_keys,
                     "Write each scenario's Wireshark key table beside its pcap.")
      .def("__repr__", [](const scenario::RunOptions& o) {
        return "<RunOptions peer=" + o.peer.name + " seed=" + std::to_string(o.seed) + " out_dir=" + o.out_dir +
               " export_keys=" + (o.export_keys ? "True" : "False") + ">";
      });

  m.def(
      "run_scenario",
      [](Scenario scenario, scenario::RunOptions options) {
        // Copies: no Python thread can change them while the GIL is released.
        py::gil_scoped_release release;
        return scenario::run_scenario(scenario, options);
      },
      py::arg("scenario"), py::arg("options"),
        "Runs one scenario (without sanity scenarios or profile expectations: run_all applies those). Never "
        "raises for the scenario's outcome: a harness problem is Verdict.Error with the reason.");
  m.def(
      "run_all",
      [](const std::vector<Scenario>& scenarios, scenario::RunOptions options, unsigned jobs,
         const std::optional<py::function>& progress) {
        std::optional<py::error_already_set> failed;
        scenario::Progress report;
        if (progress)
          report = [&](const reports::ScenarioResult& r, std::size_t done, std::size_t total) {
            py::gil_scoped_acquire gil;
            if (failed) return;
            try {
              (*progress)(reports::ScenarioResult(r), done, total);
            } catch (py::error_already_set& e) {
              failed.emplace(std::move(e));
            }
          };
        std::vector<reports::ScenarioResult> results;
        {
          py::gil_scoped_release release;
          results = scenario::run_all(scenarios, options, jobs, report);
        }
        if (failed) throw std::move(*failed);
        return results;
      },
      py::arg("scenarios"), py::arg("options"), py::arg("jobs") = 1, py::arg("progress") = py::none(),
      "Runs scenarios on `jobs` threads, applying the profile: disabled scenarios and missing capabilities "
      "skip, sanity scenarios run first and a failed one skips its dependents, known deviations become "
      "Verdict.KnownDeviation. Results in the order given. progress(result, done, total) is called after each "
      "scenario; an exception it raises is raised after the run.");
}

}  // namespace ikeh::python
