# SPDX-License-Identifier: Apache-2.0
"""Writes the type stub of ikeharness._core alone: `python stubgen.py OUTDIR`.

The extension is imported without running ikeharness/__init__.py, so the
methods the package's Python modules attach to _core classes (conveniences
such as Payload.get) stay out of the stub of the C++ module.

Two rewrites keep mypy's reading of the stub right: enum members become
`NAME = ...` (mypy reads `NAME: ClassVar[...]` in an enum as a non-member),
and the `__hash__ = None` of classes with equality but no hash gets the
ignore its assignment needs.
"""
from __future__ import annotations

import re

import importlib.util
import sys
import types
from pathlib import Path

# This script's folder holds the source package, which has no extension in it.
here = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != here]
spec = importlib.util.find_spec("ikeharness")
if spec is None or spec.submodule_search_locations is None:
    sys.exit("stubgen: the ikeharness package is not importable")
package = types.ModuleType("ikeharness")
package.__path__ = list(spec.submodule_search_locations)
sys.modules["ikeharness"] = package

from pybind11_stubgen import main  # noqa: E402

out = Path(sys.argv[1])
sys.argv = ["pybind11-stubgen", "ikeharness._core", "--exit-code", "-o", str(out)]
try:
    main()
except SystemExit as e:
    if e.code:
        raise

stub = out / "ikeharness" / "_core.pyi"
lines = stub.read_text().splitlines()
enum_class = None  # (indent, name) of the enum class being read
for i, line in enumerate(lines):
    head = re.match(r"( *)class (\w+)\(enum\.\w*Enum\):", line)
    if head:
        enum_class = (len(head.group(1)), head.group(2))
        continue
    if enum_class and line.strip() and len(line) - len(line.lstrip()) <= enum_class[0]:
        enum_class = None
    if enum_class:
        member = re.fullmatch(r"( +)(\w+): typing\.ClassVar\[(?:\w+\.)*" + enum_class[1] + r"\](  #.*)?", line)
        if member:
            lines[i] = f"{member.group(1)}{member.group(2)} = ...{member.group(3) or ''}"
    if line.strip() == "__hash__: typing.ClassVar[None] = None":
        lines[i] = line + "  # type: ignore[assignment]"
stub.write_text("\n".join(lines) + "\n")
