# SPDX-License-Identifier: Apache-2.0
"""The checked-in type stub matches the extension, and the package type-checks
against it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ikeharness._core


def test_checked_in_stub_matches_the_extension(repo: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(repo / "bindings/python/stubgen.py"), str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    generated = (tmp_path / "ikeharness" / "_core.pyi").read_text()
    checked_in = (repo / "bindings/python/ikeharness/_core.pyi").read_text()
    assert generated == checked_in, "bindings/python/ikeharness/_core.pyi is stale: run scripts/python-stubs"


def test_stub_covers_every_public_name() -> None:
    import ast

    stub = Path(ikeharness._core.__file__).with_name("_core.pyi")
    tree = ast.parse(stub.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    declared |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target]
                 if isinstance(t, ast.Name)}
    public = {n for n in dir(ikeharness._core) if not n.startswith("_")}
    assert public <= declared, sorted(public - declared)


def test_package_type_checks_with_mypy(repo: Path) -> None:
    # The source package with its checked-in stub, as a user's type checker
    # sees the installed one.
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--ignore-missing-imports",
                           "-p", "ikeharness"], capture_output=True, text=True, cwd=repo / "bindings/python")
    assert proc.returncode == 0, proc.stdout + proc.stderr
