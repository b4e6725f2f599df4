# SPDX-License-Identifier: Apache-2.0
"""Scenarios: load them from files or build them from dicts, pick a peer
profile, run them and get results with transcripts.

The C++ loader and runner do the work (``ikeharness._core``); this module
adds Python conveniences: defaults the ``ikeharness run`` command uses (ids
relative to the enclosing ``scenarios`` folder, profiles by name from
``scenarios/peers``), keyword arguments instead of a ``RunOptions``, and
``Scenario.from_dict`` / ``Scenario.to_dict``.

Quick start::

    from ikeharness.scenario import load_scenarios, run_all
    results = run_all(load_scenarios("scenarios/flexvpn"))
    print([(r.id, r.verdict) for r in results])
"""
from __future__ import annotations

import copy
import fnmatch
import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _core
from ._core import (
    ExpectedVerdict,
    PeerDeviation,
    PeerKind,
    PeerProfile,
    RunOptions,
    Scenario,
    SecretRef,
    load_peer_profile,
    parse_peer_profile,
    parse_scenario,
    resolve_peer,
    self_profile,
)
from .errors import ScenarioError
from .reports import RunResult, ScenarioResult, write_reports
from .__main__ import scenarios_path

__all__ = [
    "Scenario",
    "PeerProfile",
    "PeerDeviation",
    "PeerKind",
    "ExpectedVerdict",
    "SecretRef",
    "RunOptions",
    "parse_scenario",
    "parse_peer_profile",
    "load_peer_profile",
    "resolve_peer",
    "self_profile",
    "bundled_scenarios",
    "scenario_root",
    "load_scenario",
    "load_scenarios",
    "load_profile",
    "run_options",
    "run_scenario",
    "run_all",
    "run_scenarios",
]

PathLike = Union[str, "os.PathLike[str]"]
PeerArg = Union[None, str, "os.PathLike[str]", PeerProfile]
Progress = Callable[[ScenarioResult, int, int], None]


def bundled_scenarios() -> Path:
    """The scenarios folder used when none is given, as the ``ikeharness``
    command finds it: ``$IKEH_SCENARIOS``, the suites installed with the
    package, else ``./scenarios``."""
    env = os.environ.get("IKEH_SCENARIOS")
    if env:
        return Path(env)
    installed = scenarios_path()
    if installed.is_dir():
        return installed
    return Path("scenarios")


def scenario_root(path: PathLike) -> Path:
    """The folder scenario ids are relative to, as ``ikeharness run`` decides:
    the nearest folder named ``scenarios`` at or above ``path``, else the path
    itself (a folder) or its folder (a file)."""
    p = Path(os.path.abspath(path))
    for q in (p, *p.parents):
        if q.name == "scenarios":
            return q
    return p if p.is_dir() else p.parent


def load_scenario(path: PathLike, root: Optional[PathLike] = None) -> Scenario:
    """Reads one scenario file. Its id is the path relative to ``root``
    without ``.json`` (default: ``scenario_root(path)``). Raises
    ScenarioError with ``.file`` and ``.pointer``."""
    r = scenario_root(path) if root is None else Path(root)
    return _core.load_scenario(os.fspath(path), os.fspath(r))


def _paths(paths: Union[PathLike, Iterable[PathLike]]) -> List[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def load_scenarios(paths: Union[PathLike, Iterable[PathLike], None] = None,
                   root: Optional[PathLike] = None) -> List[Scenario]:
    """Every scenario under the paths (files or folders, searched
    recursively; ``schema``, ``peers`` and ``configs`` folders are skipped),
    sorted by id. Default paths: ``bundled_scenarios()``. With ``root`` None
    each path's ids are relative to its own ``scenario_root``. Raises
    ScenarioError for the first file that does not load and for two files
    with one id."""
    ps = _paths(bundled_scenarios() if paths is None else paths)
    if root is not None:
        return list(_core.load_scenarios(ps, os.fspath(root)))
    found: List[Scenario] = []
    sources: Dict[str, str] = {}
    for p in ps:
        for s in _core.load_scenarios([p], os.fspath(scenario_root(p))):
            if s.id in sources:
                raise ScenarioError(f"{s.source}: scenario id \"{s.id}\" is also the id of {sources[s.id]}",
                                    where=s.source, reason=f"scenario id \"{s.id}\" is also the id of {sources[s.id]}")
            sources[s.id] = s.source
            found.append(s)
    return sorted(found, key=lambda s: s.id)


def _from_dict(document: Mapping[str, Any], id: str = "scenario", source: Optional[str] = None,
               base_dir: Optional[PathLike] = None) -> Scenario:
    """A scenario from a dict holding the JSON document (docs/scenarios.md).
    ``id`` is its id, ``source`` names it in errors (default ``<id>.json``),
    ``base_dir`` resolves relative file paths (PSK files, hub
    configurations; default the current folder). Raises ScenarioError with
    ``.file`` (= source) and ``.pointer``."""
    text = json.dumps(document)
    s = parse_scenario(text, id, source if source is not None else f"{id}.json",
                       os.fspath(base_dir) if base_dir is not None else ".")
    setattr(s, "_document", copy.deepcopy(dict(document)))  # the class has a __dict__ (py::dynamic_attr)
    return s


def _to_dict(self: Scenario) -> Dict[str, Any]:
    """The JSON document the scenario was built from (the dict given to
    ``from_dict``, or its file read again), as a new dict."""
    doc: Optional[Dict[str, Any]] = getattr(self, "_document", None)
    if doc is not None:
        return copy.deepcopy(doc)
    try:
        with open(self.source, encoding="utf-8") as f:
            loaded: Dict[str, Any] = json.load(f)
            return loaded
    except OSError as e:
        raise ScenarioError(f"{self.source}: cannot read: {e.strerror}", where=self.source,
                            reason=f"cannot read: {e.strerror}") from e


Scenario.from_dict = staticmethod(_from_dict)  # type: ignore[attr-defined]
Scenario.to_dict = _to_dict  # type: ignore[attr-defined]


def load_profile(name_or_path: PeerArg = None, profiles_dir: Optional[PathLike] = None) -> PeerProfile:
    """A peer profile as ``--peer`` names it: None or ``"self"`` (the
    built-in peer), a profile file (ends in ``.json`` or contains ``/``),
    ``ADDR[:PORT]``, or a NAME looked up in ``profiles_dir`` (default
    ``bundled_scenarios()/peers``). A PeerProfile is returned as is. Raises
    ScenarioError."""
    if isinstance(name_or_path, PeerProfile):
        return name_or_path
    if name_or_path is None:
        return self_profile()
    d = Path(profiles_dir) if profiles_dir is not None else bundled_scenarios() / "peers"
    return resolve_peer(os.fspath(name_or_path), os.fspath(d))


def run_options(peer: PeerArg = None, seed: int = 1, out: Optional[PathLike] = None,
                export_keys: Optional[bool] = None, profiles_dir: Optional[PathLike] = None) -> RunOptions:
    """RunOptions from keywords. ``out``: folder for each scenario's pcap
    (created); ``export_keys`` (default: only for the self peer, as the
    command does, since an external peer's keys are real) adds each pcap's
    Wireshark key table."""
    profile = load_profile(peer, profiles_dir)
    if export_keys is None:
        export_keys = profile.kind == PeerKind.Self
    out_dir = ""
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        out_dir = os.fspath(out)
    return RunOptions(peer=profile, seed=seed, out_dir=out_dir, export_keys=export_keys)


def _scenario(s: Union[Scenario, PathLike, Mapping[str, Any]]) -> Scenario:
    if isinstance(s, Scenario):
        return s
    if isinstance(s, Mapping):
        return _from_dict(s)
    return load_scenario(s)


def run_scenario(scenario: Union[Scenario, PathLike, Mapping[str, Any]], peer: PeerArg = None, seed: int = 1,
                 out: Optional[PathLike] = None, export_keys: Optional[bool] = None,
                 options: Optional[RunOptions] = None) -> ScenarioResult:
    """Runs one scenario (a Scenario, a file path or a dict) against the peer
    (default self) and returns its result. Profile expectations (disabled
    scenarios, known deviations) and sanity scenarios apply in ``run_all``
    only. ``options`` replaces the keywords when given."""
    o = options if options is not None else run_options(peer, seed, out, export_keys)
    return _core.run_scenario(_scenario(scenario), o)


def run_all(scenarios: Iterable[Union[Scenario, PathLike, Mapping[str, Any]]], peer: PeerArg = None,
            jobs: Optional[int] = None, seed: int = 1, out: Optional[PathLike] = None,
            export_keys: Optional[bool] = None, progress: Optional[Progress] = None,
            options: Optional[RunOptions] = None) -> List[ScenarioResult]:
    """Runs scenarios on ``jobs`` threads (default: one per CPU) against the
    peer, applying its profile (skips, known deviations) and sanity
    scenarios. Results in the order given. ``progress(result, done,
    total)`` is called after each scenario."""
    o = options if options is not None else run_options(peer, seed, out, export_keys)
    return list(_core.run_all([_scenario(s) for s in scenarios], o, jobs or (os.cpu_count() or 1), progress))


def run_scenarios(paths: Union[PathLike, Iterable[PathLike], None] = None, peer: PeerArg = None,
                  seed: int = 1, jobs: Optional[int] = None, out: Optional[PathLike] = None,
                  export_keys: Optional[bool] = None, filters: Sequence[str] = (),
                  tags: Sequence[str] = ()) -> RunResult:
    """What ``ikeharness run`` does: loads the scenarios under ``paths``,
    keeps those whose id matches one of ``filters`` (fnmatch globs) and
    carrying one of ``tags`` (when given), resolves ``peer`` with the
    ``peers`` folder of the first path's root, runs them and, with ``out``,
    writes results.json, junit.xml, report.html and the pcaps there."""
    ps = _paths(bundled_scenarios() if paths is None else paths)
    selected = [s for s in load_scenarios(ps)
                if (not filters or any(fnmatch.fnmatchcase(s.id, g) for g in filters))
                and (not tags or any(t in s.tags for t in tags))]
    if not selected:
        raise ScenarioError("no scenario selected", reason="no scenario selected")
    profile = load_profile(peer, scenario_root(ps[0]) / "peers")
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    t0 = time.monotonic()
    results = run_all(selected, options=run_options(profile, seed, out, export_keys), jobs=jobs)
    run = RunResult(results, peer=profile.name, seed=seed, started=started, duration=time.monotonic() - t0)
    if out is not None:
        write_reports(run, out)
    return run
