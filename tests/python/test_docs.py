# SPDX-License-Identifier: Apache-2.0
"""docs/python.md's examples run, in order, as one script."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_python_guide_examples_run(repo: Path, tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (repo / "docs/python.md").read_text(), re.S)
    assert len(blocks) >= 5, "the guide lost its examples"
    # The examples name files relative to the repository root.
    for name in ["examples", "scenarios"]:
        (tmp_path / name).symlink_to(repo / name)
    proc = subprocess.run([sys.executable, "-"], input="\n".join(blocks), cwd=tmp_path, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    # What the guide's comments promise: lengths only for keys, the refused
    # ICV, the dropped reply retransmitted, the scenario failing where edited.
    assert "Secret(<32 bytes>)" in out and "ICV" in out, out
    assert "IkeSaState.Connecting\nTrue [" in out, out
    assert "fail payloads [SA KE Nr CERTREQ]" in out, out
    assert (tmp_path / "ike-out" / "junit.xml").is_file()
