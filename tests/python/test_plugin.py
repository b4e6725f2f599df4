# SPDX-License-Identifier: Apache-2.0
"""The pytest plugin, run as `python -m pytest` in a subprocess: scenario
files collected as items named by their ids, outcomes read from pytest's own
JUnit XML, and the reports it writes compared with what the `ikeharness run`
command writes for the same scenarios and profile."""
from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import ikeharness
from ikeharness.__main__ import command_path

PACKAGE_PARENT = str(Path(ikeharness.__file__).resolve().parents[1])


def plugin_installed() -> bool:
    """Whether the pytest11 entry point loads the plugin already (then a
    second -p would register it twice)."""
    eps = importlib.metadata.entry_points()
    group = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
    return any(e.name == "ikeharness" for e in group)


def run_pytest(*args: Any, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    if not plugin_installed():
        cmd += ["-p", "ikeharness.pytest_plugin"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_PARENT, env.get("PYTHONPATH", "")) if p)
    return subprocess.run([*cmd, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def run_command(*args: Any) -> subprocess.CompletedProcess:
    if not command_path().exists():
        pytest.skip(f"{command_path()} is absent")
    return subprocess.run([str(command_path()), *map(str, args)], capture_output=True, text=True, timeout=600)


def outcomes(junit: Path) -> Dict[str, Tuple[str, str]]:
    """Test name -> (outcome, message) from pytest's --junitxml file."""
    out: Dict[str, Tuple[str, str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = case.find(tag)
            if el is not None:
                outcome, message = tag, el.get("message", "")
                if tag == "skipped" and el.get("type") == "pytest.xfail":
                    outcome = "xfail"
        out[case.get("name", "")] = (outcome, message)
    return out


def verdicts(results_json: Path) -> Dict[str, str]:
    with open(results_json, encoding="utf-8") as f:
        return {s["id"]: s["verdict"] for s in json.load(f)["scenarios"]}


def flexvpn_ids(repo: Path) -> List[str]:
    return sorted(f"flexvpn/{p.stem}" for p in (repo / "scenarios" / "flexvpn").glob("*.json"))


def test_plugin_runs_scenarios_flexvpn(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    p = run_pytest("scenarios/flexvpn", "-v", "--ike-out", out, "--junitxml", tmp_path / "pytest.xml", cwd=repo)
    assert p.returncode == 0, p.stdout + p.stderr
    ids = flexvpn_ids(repo)
    assert len(ids) == 13
    got = outcomes(tmp_path / "pytest.xml")
    assert sorted(got) == ids
    assert all(o == ("passed", "") for o in got.values()), got
    for i in ids:
        assert f"scenarios/{i}.json::{i} PASSED" in p.stdout

    # The plugin's reports: valid, one entry per scenario, all passing.
    assert verdicts(out / "results.json") == {i: "pass" for i in ids}
    cases = ET.parse(out / "junit.xml").getroot().findall(".//testcase")
    assert sorted(f"{c.get('classname')}/{c.get('name')}" for c in cases) == ids
    assert not any(c.find("failure") is not None or c.find("error") is not None for c in cases)
    assert (out / "report.html").stat().st_size > 0
    for i in ids:
        assert (out / f"{i}.pcap").is_file() and (out / f"{i}.keys").is_file()
    assert str(out) in p.stdout

    # The command's own run of the same folder agrees.
    cli = run_command("run", repo / "scenarios" / "flexvpn", "--out", tmp_path / "cli")
    assert cli.returncode == 0, cli.stderr
    assert verdicts(tmp_path / "cli" / "results.json") == verdicts(out / "results.json")


def test_collect_only_lists_ids_and_runs_nothing(repo: Path, tmp_path: Path) -> None:
    p = run_pytest("scenarios/flexvpn", "--collect-only", "-q", "--ike-out", tmp_path / "out", cwd=repo)
    assert p.returncode == 0, p.stdout + p.stderr
    listed = sorted(line.split("::", 1)[1] for line in p.stdout.splitlines() if "::" in line)
    assert listed == flexvpn_ids(repo)
    assert not (tmp_path / "out").exists()


def copy_suite(repo: Path, dest: Path) -> Path:
    """scenarios/flexvpn (with its configs) and scenarios/keys under dest."""
    root = dest / "scenarios"
    shutil.copytree(repo / "scenarios" / "flexvpn", root / "flexvpn")
    shutil.copytree(repo / "scenarios" / "keys", root / "keys")
    return root


def broken(repo: Path) -> Dict[str, Any]:
    with open(repo / "scenarios" / "rfc7296" / "1.2-initial-exchanges.json", encoding="utf-8") as f:
        doc = json.load(f)
    doc["steps"].insert(0, {"mutate": {"exchange": "IKE_SA_INIT", "response": False,
                                       "ops": [{"set_headr": "major_version", "value": 3}]}})
    return doc


def test_broken_scenario_is_a_collection_error_naming_file_and_pointer(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "scenarios"
    shutil.copytree(repo / "scenarios" / "keys", root / "keys")
    (root / "suite").mkdir()
    bad = root / "suite" / "bad-op.json"
    bad.write_text(json.dumps(broken(repo)))
    shutil.copy(repo / "scenarios" / "rfc7296" / "1.2-initial-exchanges.json", root / "suite" / "good.json")

    p = run_pytest(root, "--junitxml", tmp_path / "pytest.xml", cwd=tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr  # interrupted: errors during collection
    assert f"{bad}: /steps/0/mutate/ops/0/set_headr: unknown mutation" in p.stdout
    assert 'did you mean "set_header"' in p.stdout
    assert "pointer: /steps/0/mutate/ops/0/set_headr" in p.stdout

    p = run_pytest(root, "-v", "--continue-on-collection-errors", cwd=tmp_path)
    assert p.returncode == 1
    assert "suite/good.json::suite/good PASSED" in p.stdout
    assert "1 passed, 1 error" in p.stdout


def failing_copy(root: Path, name: str) -> None:
    """A copy of the CFG_REQUEST scenario expecting another pool address."""
    src = root / "flexvpn" / "1-cfg-request-reply.json"
    doc = json.loads(src.read_text())
    attrs = doc["steps"][2]["expect"]["cp"]["attributes"]
    assert attrs[0]["type"] == "INTERNAL_IP4_ADDRESS"
    attrs[0]["value"] = "192.168.1.99"
    (root / "flexvpn" / f"{name}.json").write_text(json.dumps(doc))


def test_profile_skips_deviations_and_failures(repo: Path, tmp_path: Path) -> None:
    root = copy_suite(repo, tmp_path)
    failing_copy(root, "9-wrong-address")
    failing_copy(root, "9-wrong-address-listed")
    needs = json.loads((root / "flexvpn" / "2-cfg-set-ack.json").read_text())
    needs["requires"] = ["cfg_set"]
    (root / "flexvpn" / "9-needs-cfg-set.json").write_text(json.dumps(needs))
    profile = tmp_path / "my-peer.json"
    profile.write_text(json.dumps({
        "kind": "self",
        "capabilities": ["initiator", "responder", "cfg_request"],
        "deviations": {
            "flexvpn/9-wrong-address-listed": {"verdict": "fail", "reason": "hands out another address"},
            "flexvpn/2-cfg-set-ack": {"verdict": "fail", "reason": "listed although it passes"},
        },
        "disabled": {"flexvpn/4-*": "needs another hub configuration"},
    }))

    out = tmp_path / "out"
    p = run_pytest(root, "-v", "--ike-peer", profile, "--ike-out", out, "--junitxml", tmp_path / "pytest.xml",
                   cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    got = outcomes(tmp_path / "pytest.xml")
    ids = sorted(f"flexvpn/{f.stem}" for f in (root / "flexvpn").glob("*.json"))
    assert sorted(got) == ids
    for i in ids:
        outcome, message = got[i]
        if i.startswith("flexvpn/4-"):
            assert outcome == "skipped" and "needs another hub configuration" in message, (i, got[i])
        elif i == "flexvpn/9-needs-cfg-set":
            assert outcome == "skipped" and 'lacks capability "cfg_set"' in message
        elif i == "flexvpn/9-wrong-address-listed":
            assert outcome == "xfail" and "hands out another address" in message
        elif i == "flexvpn/2-cfg-set-ack":
            assert outcome == "failure" and "XPASS(strict)" in message
        elif i == "flexvpn/9-wrong-address":
            assert outcome == "failure"
        else:
            assert outcome == "passed", (i, got[i])

    # The command with the same profile: the same verdicts, and the failure
    # shown with the expected/got lines it prints.
    cli = run_command("run", root, "--peer", profile, "--out", tmp_path / "cli")
    assert cli.returncode == 1
    assert verdicts(tmp_path / "cli" / "results.json") == verdicts(out / "results.json")
    with open(tmp_path / "cli" / "results.json", encoding="utf-8") as f:
        failed = next(s for s in json.load(f)["scenarios"] if s["id"] == "flexvpn/9-wrong-address")
    assert failed["verdict"] == "fail"
    assert f"      expected: {failed['expected']}" in cli.stdout
    assert f"expected: {failed['expected']}" in p.stdout
    assert f"got:      {failed['got']}" in p.stdout
    assert f"FAIL flexvpn/9-wrong-address: {failed['reason']}" in p.stdout
    assert failed["expected"].endswith("c0a80163")  # 192.168.1.99

    # Not strict: the deviation that passes is an XPASS, not a failure.
    p = run_pytest(root, "-rX", "--ike-peer", profile, "-o", "ike_strict_deviations=false",
                   "--junitxml", tmp_path / "lenient.xml", cwd=tmp_path)
    assert outcomes(tmp_path / "lenient.xml")["flexvpn/2-cfg-set-ack"][0] == "passed"
    assert "XPASS" in p.stdout


def test_profile_by_name_from_the_root_peers_folder(repo: Path, tmp_path: Path) -> None:
    root = copy_suite(repo, tmp_path)
    (root / "peers").mkdir()
    (root / "peers" / "lab.json").write_text(json.dumps({"kind": "self", "disabled": {"flexvpn/*": "lab is off"}}))
    p = run_pytest(root / "flexvpn", "-q", "-rs", "--ike-peer", "lab", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "13 skipped" in p.stdout and "lab is off" in p.stdout
    p = run_pytest(root / "flexvpn", "-q", "--ike-peer", "lba", cwd=tmp_path)
    assert p.returncode == 4  # usage error
    assert 'did you mean "lab"' in p.stderr


def test_other_json_is_not_collected(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "data.json").write_text('{"not": "a scenario"}')
    (tmp_path / "tests" / "test_a.py").write_text("def test_ok():\n    pass\n")
    root = tmp_path / "scenarios"
    for d in ("peers", "schema", "suite/configs"):
        (root / d).mkdir(parents=True)
        (root / d / "x.json").write_text('{"not": "a scenario"}')
    p = run_pytest(tmp_path / "tests", "-q", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "1 passed" in p.stdout and "error" not in p.stdout
    p = run_pytest(root, "-q", cwd=tmp_path)
    assert p.returncode == 5, p.stdout + p.stderr  # nothing collected
    assert "no tests ran" in p.stdout


def test_json_outside_a_scenarios_folder(repo: Path, tmp_path: Path) -> None:
    here = tmp_path / "elsewhere"
    (here / "suite").mkdir(parents=True)
    doc = json.loads((repo / "scenarios" / "rfc7296" / "1.2-initial-exchanges.json").read_text())
    psk = str(repo / "scenarios" / "keys" / "self-mode.psk")
    doc["harness"]["local"]["psk"]["file"] = psk
    doc["peer"]["local"]["psk"]["file"] = psk
    (here / "suite" / "one.json").write_text(json.dumps(doc))
    # Not collected from a folder walk, collected when named.
    p = run_pytest(here, "-q", cwd=tmp_path)
    assert p.returncode == 5, p.stdout + p.stderr
    p = run_pytest(here / "suite" / "one.json", "-v", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "one.json::one PASSED" in p.stdout
    # A folder listed in ike_scenario_roots is a root.
    p = run_pytest(here, "-v", "-o", f"ike_scenario_roots={here}", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "suite/one.json::suite/one PASSED" in p.stdout


def test_plugin_runs_scenarios_against_strongswan(repo: Path, tmp_path: Path) -> None:
    # The strongswan profile's adapter starts charon in a network namespace of
    # its own, which needs root; CI runs as root.
    if os.geteuid() != 0:
        pytest.skip("the strongSwan adapter needs root for its network namespace")
    missing = [p for p in ("/usr/lib/ipsec/charon", "/usr/sbin/swanctl") if not Path(p).exists()]
    if missing or not shutil.which("ip"):
        pytest.skip(f"strongSwan or iproute2 is not installed ({', '.join(missing) or 'ip'})")
    out = tmp_path / "out"
    p = run_pytest("scenarios/rfc7296/1.2-initial-exchanges.json", "scenarios/rfc7296/3.10.1-failed-cp-required.json",
                   "--ike-peer", "strongswan", "--ike-out", out, "--junitxml", tmp_path / "pytest.xml", cwd=repo)
    got = outcomes(tmp_path / "pytest.xml")
    assert got["rfc7296/1.2-initial-exchanges"][0] == "passed", p.stdout + p.stderr
    # The profile's adapter refuses what charon cannot be configured to do,
    # and the plugin turns that into a skip with the adapter's reason.
    outcome, reason = got["rfc7296/3.10.1-failed-cp-required"]
    assert outcome == "skipped" and "FAILED_CP_REQUIRED" in reason, (outcome, reason)
    with open(out / "results.json", encoding="utf-8") as f:
        assert json.load(f)["peer"] == "strongswan"
