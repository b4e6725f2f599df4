# SPDX-License-Identifier: Apache-2.0
"""The package as users get it: `pip wheel .` (with pip's own build
environment), `pip install -e .`, and the `ikeharness` command it installs."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging


def run(cmd: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, text=True, capture_output=True, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_pip_wheel_builds_a_complete_wheel(repo: Path, tmp_path: Path) -> None:
    # pip's isolated build environment fetches scikit-build-core and pybind11,
    # as on a user's machine.
    # Its own build folder: another interpreter path and pybind11 would make
    # the shared one reconfigure and rebuild the extension every time.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path),
         f"--config-settings=build-dir={tmp_path / 'build'}", "."], repo)
    wheels = list(tmp_path.glob("ikeharness-*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as z:
        names = set(z.namelist())
        assert any(n.startswith("ikeharness/_core.") and n.endswith(".so") for n in names), names
        for needed in ["ikeharness/__init__.py", "ikeharness/_core.pyi", "ikeharness/py.typed",
                       "ikeharness/pytest_plugin.py", "ikeharness/_bin/ikeharness",
                       "ikeharness/scenarios/flexvpn/configs/hub.json",
                       "ikeharness/scenarios/peers/strongswan_adapter.py"]:
            assert needed in names, f"{needed} missing from {wheels[0].name}"
        mode = z.getinfo("ikeharness/_bin/ikeharness").external_attr >> 16
        assert mode & stat.S_IXUSR, oct(mode)
        dist_info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry_points = z.read(dist_info).decode()
    assert "[pytest11]" in entry_points and "ikeharness = ikeharness.pytest_plugin" in entry_points
    assert "[console_scripts]" in entry_points and "ikeharness = ikeharness.__main__:main" in entry_points


def test_installed_command_runs_the_bundled_suites(tmp_path: Path) -> None:
    command = shutil.which("ikeharness", path=str(Path(sys.executable).parent))
    assert command, f"no ikeharness command beside {sys.executable}"
    env = {k: v for k, v in os.environ.items() if k != "IKEH_SCENARIOS"}
    listed = run([command, "list"], tmp_path, env=env).stdout.split()
    # Without paths the command lists the suites shipped inside the package.
    assert "flexvpn/1-cfg-request-reply" in listed and "rfc7296/2.6-cookie-required" in listed, listed[:10]
    from ikeharness.__main__ import scenarios_path

    run([command, "run", str(scenarios_path() / "flexvpn"), "--out", str(tmp_path / "out")], tmp_path, env=env)
    assert (tmp_path / "out" / "junit.xml").is_file()


def test_editable_install_serves_the_source_tree(repo: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    # The test environment's build tools (a .pth file), so the build matches
    # the installed package's and ccache can serve the compiled objects.
    tools = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p, "pybind11").is_dir())
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    (site / "build_tools.pth").write_text(f"{tools}\n")
    run([str(py), "-m", "pip", "install", "--no-build-isolation", f"--config-settings=build-dir={tmp_path / 'build'}",
         "-e", "."], repo)
    probe = run([str(py), "-c",
                 "import ikeharness, ikeharness.codec as c, ikeharness.__main__ as m;"
                 "print(ikeharness.__file__); print(m.command_path().is_file())"], tmp_path).stdout.split()
    assert Path(probe[0]).resolve() == (repo / "bindings/python/ikeharness/__init__.py").resolve(), probe
    assert probe[1] == "True", probe
