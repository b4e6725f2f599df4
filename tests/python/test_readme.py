# SPDX-License-Identifier: Apache-2.0
"""The README's Python quick start works as pasted."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_readme_quick_start_runs_as_pasted(repo: Path, tmp_path: Path) -> None:
    readme = (repo / "README.md").read_text()
    section = readme.split("\n## Python\n", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "no python block in the README's Python section"
    lines = [line for line in code.group(1).splitlines() if line.strip()]
    assert len(lines) <= 10, f"the quick start has {len(lines)} lines"
    proc = subprocess.run([sys.executable, "-"], input=code.group(1), cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0] == "<VerdictCounts pass=13 fail=0 skip=0 error=0 known_deviation=0>", out
    assert out[1].startswith("IKE_AUTH [") and "'CP'" in out[1], out
    assert out[2] == "NONCE 30 INVALID_SYNTAX", out
    for report in ["results.json", "junit.xml", "report.html"]:
        assert (tmp_path / "ike-out" / report).is_file(), report
