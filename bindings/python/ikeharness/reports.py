# SPDX-License-Identifier: Apache-2.0
"""Results of scenario runs and the report files written from them:
results.json (the run as data), junit.xml (for CI) and report.html (one
offline page with a ladder diagram per scenario). None of them holds key
material."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterable, Optional, Union

from ._core import (
    RunResult,
    ScenarioResult,
    Verdict,
    VerdictCounts,
    count_verdicts,
    run_to_json,
    verdict_name,
    write_html,
    write_junit,
    write_results_json,
)

__all__ = [
    "Verdict",
    "ScenarioResult",
    "RunResult",
    "VerdictCounts",
    "verdict_name",
    "count_verdicts",
    "run_to_json",
    "write_results_json",
    "write_junit",
    "write_html",
    "make_run",
    "write_reports",
]


def make_run(results: Iterable[ScenarioResult], peer: str = "self", seed: int = 1,
             started: Optional[str] = None, duration: Optional[float] = None) -> RunResult:
    """A RunResult from scenario results. ``started`` defaults to now (ISO
    8601 UTC), ``duration`` to the sum of the results' durations."""
    rs = list(results)
    if started is None:
        started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if duration is None:
        duration = sum(r.duration for r in rs)
    return RunResult(rs, peer=peer, seed=seed, started=started, duration=duration)


def write_reports(run: RunResult, out_dir: Union[str, "os.PathLike[str]"]) -> Dict[str, Path]:
    """Writes results.json, junit.xml and report.html into ``out_dir``
    (created), as ``ikeharness run --out`` does; returns their paths by
    name. Raises IkeError when a file cannot be written."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    files = {"results.json": d / "results.json", "junit.xml": d / "junit.xml", "report.html": d / "report.html"}
    write_results_json(run, files["results.json"])
    write_junit(run, files["junit.xml"])
    write_html(run, files["report.html"])
    return files
