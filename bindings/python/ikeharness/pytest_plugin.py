# SPDX-License-Identifier: Apache-2.0
"""pytest plugin: ``pytest scenarios/`` runs JSON scenarios as test items.

Loaded through the ``pytest11`` entry point once the package is installed
(``-p ikeharness.pytest_plugin`` otherwise). Which ``*.json`` files are
scenarios: those below a folder named ``scenarios`` (the root their ids are
relative to, as ``ikeharness run`` finds it) except in folders named
``schema``, ``peers`` or ``configs`` below it; those below a folder listed in
the ``ike_scenario_roots`` ini option (then the root); and a file named on
the command line. Other JSON files are left alone.

Each item is named by the scenario id. The selected items run together, once,
through the C++ runner (``run_all``) when the first of them runs: sanity
scenarios go first, and the peer profile (``--ike-peer``) decides skips
(disabled scenarios, missing capabilities: pytest skips with the reason) and
known deviations (``xfail`` with the profile's reason; ``raises`` limits it
to that outcome, and with the ``ike_strict_deviations`` ini option, on by
default, a listed deviation that passes fails as XPASS(strict)). A scenario
that fails or errs is a test failure showing the reason, the step and
expected/got as ``ikeharness run`` prints them. A file that does not load is
a collection error naming the file and the JSON pointer.

Options: ``--ike-peer`` (self, a profile NAME from the root's ``peers``
folder, a profile file, or ADDR[:PORT]), ``--ike-out DIR`` (results.json,
junit.xml, report.html and per-scenario pcaps, written at the end of the
session), ``--ike-seed``, ``--ike-jobs``, ``--ike-export-keys``.

Fixtures: ``ike_pair`` (an initiator/responder pair in self mode with
configurations that agree) and ``ike_pair_factory`` (the same with your
configuration dicts merged in); see ikeharness.fixtures.
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import pytest

from .errors import ScenarioError
# The self-mode pair fixtures for hand-written tests (ikeharness.fixtures).
from .fixtures import ike_pair, ike_pair_factory, ike_psk_file  # noqa: F401
from .reports import RunResult, ScenarioResult, Verdict, verdict_name, write_reports
from .scenario import PeerKind, PeerProfile, Scenario, load_profile, load_scenario, run_all, run_options, scenario_root

__all__ = [
    "ScenarioFile",
    "ScenarioItem",
    "ScenarioFailure",
    "KnownDeviation",
    "pytest_addoption",
    "pytest_configure",
    "pytest_collect_file",
    "pytest_collection_modifyitems",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
]

# Folders below a scenarios root that hold other JSON (as load_scenarios).
_NOT_SCENARIOS = {"schema", "peers", "configs"}


class ScenarioFailure(Exception):
    """A scenario whose verdict is fail or error."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(f"{result.id}: {verdict_name(result.verdict)}: {result.reason}")
        self.result = result


class KnownDeviation(Exception):
    """A scenario that came out as the peer profile's known deviation."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(f"{result.id}: known deviation: {result.reason}")
        self.result = result


class _State:
    """The session's run: the profile, the results of the selected items."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.profile: Optional[PeerProfile] = None
        self.results: Optional[Dict[str, ScenarioResult]] = None
        self.order: List[str] = []
        self.started = ""
        self.duration = 0.0
        self.written: Optional[Path] = None

    def out(self) -> Optional[Path]:
        o = self.config.getoption("ike_out")
        return Path(o) if o else None

    def resolve(self, items: List["ScenarioItem"]) -> PeerProfile:
        """The --ike-peer profile; names are looked up in the first item's
        root's peers folder, as ``ikeharness run`` does."""
        if self.profile is None:
            arg = self.config.getoption("ike_peer")
            profiles = (items[0].ike_root if items else Path("scenarios")) / "peers"
            try:
                self.profile = load_profile(arg, profiles)
            except ScenarioError as e:
                raise pytest.UsageError(f"--ike-peer: {e}") from e
        return self.profile

    def run(self, session: pytest.Session) -> Dict[str, ScenarioResult]:
        """Runs every selected scenario item once, together."""
        if self.results is None:
            items = [i for i in session.items if isinstance(i, ScenarioItem)]
            profile = self.resolve(items)
            export = self.config.getoption("ike_export_keys") or profile.kind == PeerKind.Self
            options = run_options(profile, self.config.getoption("ike_seed"), self.out(), export)
            jobs = self.config.getoption("ike_jobs") or (os.cpu_count() or 1)
            self.started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            t0 = time.monotonic()
            results = run_all([i.scenario for i in items], options=options, jobs=jobs)
            self.duration = time.monotonic() - t0
            self.order = [i.nodeid for i in items]
            self.results = dict(zip(self.order, results))
        return self.results

    def run_result(self) -> Optional[RunResult]:
        if self.results is None or self.profile is None:
            return None
        return RunResult([self.results[n] for n in self.order], peer=self.profile.name,
                         seed=self.config.getoption("ike_seed"), started=self.started, duration=self.duration)


_STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The --ike-* options and the ike_* ini settings."""
    group = parser.getgroup("ikeharness", "IKEv2 scenarios (ikeharness)")
    group.addoption("--ike-peer", dest="ike_peer", default="self", metavar="PEER",
                    help="peer to run scenarios against: self (default), a profile NAME from the scenarios "
                         "root's peers/ folder, a profile .json file, or ADDR[:PORT]")
    group.addoption("--ike-out", dest="ike_out", default=None, metavar="DIR",
                    help="write results.json, junit.xml, report.html and per-scenario pcaps into DIR")
    group.addoption("--ike-seed", dest="ike_seed", type=int, default=1, metavar="N",
                    help="seed of the run (self mode is deterministic for a seed; default 1)")
    group.addoption("--ike-jobs", dest="ike_jobs", type=int, default=0, metavar="N",
                    help="scenarios run on N threads (default: one per CPU; an external peer runs one at a time)")
    group.addoption("--ike-export-keys", dest="ike_export_keys", action="store_true", default=False,
                    help="write each pcap's Wireshark key table also for an external peer (always for self)")
    parser.addini("ike_scenario_roots", type="paths", default=[],
                  help="folders (besides any named 'scenarios') whose *.json files are scenarios, ids relative "
                       "to them")
    parser.addini("ike_strict_deviations", type="bool", default=True,
                  help="a scenario the peer profile lists as a known deviation that passes fails as "
                       "XPASS(strict) (default true)")


def pytest_configure(config: pytest.Config) -> None:
    """Sets up the session's run state."""
    config.stash[_STATE] = _State(config)


def _scenario_root(file_path: Path, config: pytest.Config, explicit: bool) -> Optional[Path]:
    """The root of a scenario file, or None when the file is not a scenario."""
    p = Path(os.path.abspath(file_path))
    for root in config.getini("ike_scenario_roots"):
        r = Path(os.path.abspath(root))
        if r in p.parents:
            inner = p.relative_to(r).parts[:-1]
            return None if _NOT_SCENARIOS.intersection(inner) and not explicit else r
    for q in p.parents:
        if q.name == "scenarios":
            inner = p.relative_to(q).parts[:-1]
            return None if _NOT_SCENARIOS.intersection(inner) and not explicit else q
    return scenario_root(p) if explicit else None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Optional["ScenarioFile"]:
    """A ScenarioFile for each *.json file that is a scenario."""
    if file_path.suffix != ".json":
        return None
    root = _scenario_root(file_path, parent.config, parent.session.isinitpath(file_path))
    if root is None:
        return None
    return ScenarioFile.from_parent(parent, path=file_path, ike_root=root)


class ScenarioFile(pytest.File):
    """A JSON scenario file: one item, or a collection error naming the file
    and the JSON pointer."""

    def __init__(self, *, ike_root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ike_root = ike_root

    def collect(self) -> Iterable["ScenarioItem"]:
        scenario = load_scenario(self.path, self.ike_root)
        yield ScenarioItem.from_parent(self, name=scenario.id, scenario=scenario)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, ScenarioError):
            e = excinfo.value
            return f"{e}\n  file:    {e.file}\n  pointer: {e.pointer or '(none)'}"
        return super().repr_failure(excinfo)


class ScenarioItem(pytest.Item):
    """One scenario; its name is the scenario id."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        # -k matches the tags too.
        self.extra_keyword_matches.update(scenario.tags)

    @property
    def ike_root(self) -> Path:
        assert isinstance(self.parent, ScenarioFile)
        return self.parent.ike_root

    def runtest(self) -> None:
        result = self.config.stash[_STATE].run(self.session)[self.nodeid]
        self.user_properties.append(("ike_verdict", verdict_name(result.verdict)))
        if result.verdict == Verdict.Pass:
            return
        if result.verdict == Verdict.Skip:
            pytest.skip(result.reason)
        if result.verdict == Verdict.KnownDeviation:
            raise KnownDeviation(result)
        raise ScenarioFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioFailure):
            return _failure_text(self.scenario, excinfo.value.result)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> Tuple[Path, Optional[int], str]:
        return self.path, None, f"scenario {self.scenario.id}"


def _failure_text(scenario: Scenario, r: ScenarioResult) -> str:
    """As ``ikeharness run`` prints a failure, with the step and the
    transcript's labels (the message that failed marked)."""
    lines = [f"{verdict_name(r.verdict).upper()} {r.id}: {r.reason}"]
    if r.failed_step is not None and r.failed_step < len(scenario.steps):
        lines.append(f"  at {scenario.step_pointers[r.failed_step]}: {scenario.steps[r.failed_step]}")
    if r.verdict == Verdict.Fail:
        lines.append(f"  expected: {r.expected}")
        lines.append(f"  got:      {r.got}")
    transcript = r.transcript
    if transcript:
        lines.append("  transcript:")
        for m in transcript:
            arrow = "->" if m["direction"] == "harness->peer" else "<-"
            mark = "!" if m["index"] == r.failed_message else " "
            extra = "".join(f"  ({x})" for x in [*m["mutations"], m["fault"], m["note"]] if x)
            lines.append(f"  {mark} {arrow} {m['label']}{extra}")
    if r.pcap_file:
        lines.append(f"  capture: {r.pcap_file}")
    return "\n".join(lines)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: List[pytest.Item]) -> None:
    """Resolves the peer profile and marks its known deviations xfail."""
    scenario_items = [i for i in items if isinstance(i, ScenarioItem)]
    if not scenario_items:
        return
    profile = config.stash[_STATE].resolve(scenario_items)
    strict = config.getini("ike_strict_deviations")
    for item in scenario_items:
        d = profile.deviation_for(item.scenario.id)
        if d is not None:
            item.add_marker(pytest.mark.xfail(
                reason=f"known deviation of {profile.name} ({d.verdict.name.lower()}): {d.reason}",
                raises=KnownDeviation, strict=strict))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Writes the reports of the scenarios that ran into --ike-out."""
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    out = state.out()
    run = state.run_result()
    if out is None or run is None:
        return
    write_reports(run, out)
    state.written = out


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Says where the reports went."""
    state = config.stash.get(_STATE, None)
    if state is not None and state.written is not None:
        terminalreporter.write_line(f"ikeharness: results.json, junit.xml and report.html in {state.written}")
