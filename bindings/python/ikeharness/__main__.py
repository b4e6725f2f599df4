# SPDX-License-Identifier: Apache-2.0
"""The ``ikeharness`` command: runs the C++ program shipped in the package,
with the package's bundled suites as the default scenarios."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def _installed_dir() -> Path:
    # The extension's folder, not this file's: an editable install serves the
    # .py files from the source tree and the built parts from site-packages.
    from . import _core

    return Path(_core.__file__).resolve().parent


def command_path() -> Path:
    """Path of the ``ikeharness`` program shipped in the package."""
    return _installed_dir() / "_bin" / "ikeharness"


def scenarios_path() -> Path:
    """The bundled scenario suites (and peer profiles) shipped in the package."""
    return _installed_dir() / "scenarios"


def main() -> None:
    program = command_path()
    if not program.exists():
        sys.exit(f"ikeharness: {program}: the command is missing from the installed package")
    env = os.environ.copy()
    if "IKEH_SCENARIOS" not in env and scenarios_path().is_dir():
        env["IKEH_SCENARIOS"] = str(scenarios_path())
    os.execve(program, [str(program), *sys.argv[1:]], env)


if __name__ == "__main__":
    main()
