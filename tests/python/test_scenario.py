# SPDX-License-Identifier: Apache-2.0
"""The scenario and reports API: loading (files, folders, dicts), errors with
file and JSON pointer, peer profiles, runs with transcripts, and the report
files. Transcripts are checked against Scapy's reading of the same bytes and
captures; report files are read back with json and xml.etree."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Dict, List

import pytest

from ikeharness import errors
from ikeharness.reports import (
    RunResult,
    ScenarioResult,
    Verdict,
    count_verdicts,
    make_run,
    run_to_json,
    write_html,
    write_junit,
    write_reports,
    write_results_json,
)
from ikeharness.scenario import (
    ExpectedVerdict,
    PeerKind,
    Scenario,
    load_profile,
    load_scenario,
    load_scenarios,
    parse_peer_profile,
    run_all,
    run_options,
    run_scenario,
    run_scenarios,
    self_profile,
)

INITIAL = "rfc7296/1.2-initial-exchanges"


def read_json(path: Path) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def scenarios_dir(repo: Path) -> Path:
    return repo / "scenarios"


@pytest.fixture(scope="session")
def flexvpn(scenarios_dir: Path) -> List[Scenario]:
    return load_scenarios(scenarios_dir / "flexvpn")


@pytest.fixture(scope="session")
def psk_text(scenarios_dir: Path) -> str:
    return (scenarios_dir / "keys" / "self-mode.psk").read_text().strip()


def broken_document(scenarios_dir: Path) -> Dict[str, Any]:
    """The initial-exchanges scenario with a mutation whose operation is
    misspelt ("set_headr")."""
    doc = read_json(scenarios_dir / f"{INITIAL}.json")
    doc["steps"].insert(0, {"mutate": {"exchange": "IKE_SA_INIT", "response": False,
                                       "ops": [{"set_headr": "major_version", "value": 3}]}})
    return doc


# --- loading ---------------------------------------------------------------


def test_load_scenarios_ids_and_fields_match_the_files(scenarios_dir: Path, flexvpn: List[Scenario]) -> None:
    files = sorted(p for p in (scenarios_dir / "flexvpn").glob("*.json"))
    assert [s.id for s in flexvpn] == sorted(f"flexvpn/{p.stem}" for p in files)
    assert len(flexvpn) == 13
    for s in flexvpn:
        doc = read_json(scenarios_dir / f"{s.id}.json")
        assert s.title == doc["title"]
        assert s.reference == doc["reference"]
        assert s.tags == doc.get("tags", [])
        assert s.role == doc["role"]
        assert s.sanity == doc.get("sanity")
        assert s.requires_capabilities == doc.get("requires", [])
        assert len(s.steps) == len(doc["steps"]) == len(s.step_pointers)
        assert s.step_pointers[-1] == f"/steps/{len(doc['steps']) - 1}"
        assert Path(s.source).resolve() == (scenarios_dir / f"{s.id}.json").resolve()


def test_steps_describe_what_the_file_says(flexvpn: List[Scenario]) -> None:
    s = next(x for x in flexvpn if x.id == "flexvpn/1-cfg-request-reply")
    assert s.steps[0] == "harness starts ike_sa"
    assert s.steps[1].startswith("expect IKE_SA_INIT response")
    assert "IKE_AUTH" in s.steps[2]


def test_load_scenario_id_is_relative_to_the_scenarios_folder(scenarios_dir: Path) -> None:
    s = load_scenario(scenarios_dir / f"{INITIAL}.json")
    assert s.id == INITIAL
    assert load_scenario(scenarios_dir / f"{INITIAL}.json", root=scenarios_dir / "rfc7296").id == \
        "1.2-initial-exchanges"
    assert "initiator.test" not in repr(s) and INITIAL in repr(s)


def test_load_scenarios_skips_schema_peers_and_configs(scenarios_dir: Path) -> None:
    ids = [s.id for s in load_scenarios(scenarios_dir)]
    assert ids == sorted(ids)
    assert not any(i.startswith(("peers/", "schema/")) or "/configs/" in i for i in ids)
    on_disk = [p for p in scenarios_dir.rglob("*.json")
               if not {"peers", "schema", "configs"} & set(p.relative_to(scenarios_dir).parts[:-1])]
    assert len(ids) == len(on_disk)


def test_from_dict_runs_and_to_dict_gives_the_document_back(scenarios_dir: Path) -> None:
    doc = read_json(scenarios_dir / f"{INITIAL}.json")
    s = Scenario.from_dict(doc, id="mine/initial", base_dir=scenarios_dir / "rfc7296")
    assert s.id == "mine/initial" and s.title == doc["title"]
    assert s.to_dict() == doc
    assert load_scenario(scenarios_dir / f"{INITIAL}.json").to_dict() == doc
    r = run_scenario(s)
    assert r.verdict == Verdict.Pass, r.reason
    assert r.id == "mine/initial"


def test_misspelt_operation_raises_scenario_error_with_file_pointer_and_suggestion(scenarios_dir: Path) -> None:
    with pytest.raises(errors.ScenarioError) as info:
        Scenario.from_dict(broken_document(scenarios_dir), id="x/broken", source="broken.json",
                           base_dir=scenarios_dir / "rfc7296")
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, errors.IkeError)
    assert e.file == "broken.json"
    assert e.pointer == "/steps/0/mutate/ops/0/set_headr"
    assert 'did you mean "set_header"' in str(e)
    assert str(e).startswith("broken.json: /steps/0/mutate/ops/0/set_headr: ")


def test_broken_file_names_the_file(tmp_path: Path, scenarios_dir: Path) -> None:
    root = tmp_path / "scenarios"
    shutil.copytree(scenarios_dir / "keys", root / "keys")
    (root / "rfc7296").mkdir()
    bad = root / "rfc7296" / "broken.json"
    bad.write_text(json.dumps(broken_document(scenarios_dir)))
    with pytest.raises(errors.ScenarioError) as info:
        load_scenarios(root)
    assert info.value.file == str(bad)
    assert info.value.pointer == "/steps/0/mutate/ops/0/set_headr"

    bad.write_text('{"title": "unterminated",')
    with pytest.raises(errors.ScenarioError) as info:
        load_scenario(bad)
    assert info.value.file == str(bad) and info.value.pointer == ""
    assert "line 1" in str(info.value)

    with pytest.raises(errors.ScenarioError):
        load_scenario(root / "rfc7296" / "missing.json")


def test_two_files_with_one_id_are_refused(tmp_path: Path, scenarios_dir: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d / "scenarios" / "keys").mkdir(parents=True)
        shutil.copy(scenarios_dir / "keys" / "self-mode.psk", tmp_path / d / "scenarios" / "keys")
        (tmp_path / d / "scenarios" / "rfc7296").mkdir()
        shutil.copy(scenarios_dir / f"{INITIAL}.json", tmp_path / d / "scenarios" / "rfc7296")
    with pytest.raises(errors.ScenarioError, match="is also the id of"):
        load_scenarios([tmp_path / "a" / "scenarios", tmp_path / "b" / "scenarios"])


# --- peer profiles ---------------------------------------------------------


def test_profiles_by_name_and_their_expectations(scenarios_dir: Path) -> None:
    peers = scenarios_dir / "peers"
    doc = read_json(peers / "cisco-flexvpn-hub.json")
    p = load_profile("cisco-flexvpn-hub", peers)
    assert p.name == "cisco-flexvpn-hub" and p.kind == PeerKind.External
    assert p.address == doc["address"].rsplit(":", 1)[0]
    assert p.capabilities == set(doc["capabilities"])
    assert p.has("cfg_set") and not p.has("initiator")
    assert p.psk is not None and p.psk.env == doc["credentials"]["psk"]["env"]
    for sid, reason in doc["disabled"].items():
        assert p.disabled_reason(sid) == reason
    assert p.disabled_reason("flexvpn/1-cfg-request-reply") is None
    assert load_profile(None).name == "self" and load_profile("self").kind == PeerKind.Self
    assert load_profile(peers / "strongswan.json").name == "strongswan"
    with pytest.raises(errors.ScenarioError, match='did you mean "cisco-flexvpn-hub"'):
        load_profile("cisco-flexvpn-hb", peers)


def test_profile_errors_carry_the_pointer() -> None:
    with pytest.raises(errors.ScenarioError) as info:
        parse_peer_profile('{"kind": "self", "capabilitys": []}', "mine.json", "mine")
    assert info.value.file == "mine.json" and info.value.pointer == "/capabilitys"
    assert 'did you mean "capabilities"' in str(info.value)
    with pytest.raises(errors.ScenarioError) as info:
        parse_peer_profile('{"kind": "external", "address": "192.0.2.1", "credentials": {"psk": "secret-psk-42"}}',
                           "p.json", "p")
    assert "secret-psk-42" not in str(info.value)


def test_profile_deviation_and_disabled_glob() -> None:
    p = parse_peer_profile(json.dumps({
        "kind": "self",
        "capabilities": ["initiator", "responder"],
        "deviations": {"x/one": {"verdict": "fail", "reason": "answers late"}},
        "disabled": {"x/two-*": "not supported here"},
    }), "p.json", "p")
    d = p.deviation_for("x/one")
    assert d is not None and d.verdict == ExpectedVerdict.Fail and d.reason == "answers late"
    assert p.deviation_for("x/two") is None
    assert p.disabled_reason("x/two-a") == "not supported here"


# --- runs and transcripts ----------------------------------------------------


def test_run_transcript_agrees_with_scapy(scenarios_dir: Path) -> None:
    scapy_ikev2 = pytest.importorskip("scapy.contrib.ikev2")
    r = run_scenario(scenarios_dir / f"{INITIAL}.json", seed=7)
    assert r.verdict == Verdict.Pass and r.reason == "" and r.failed_step is None
    assert r.role == "initiator" and r.id == INITIAL
    transcript = r.transcript
    assert [m["index"] for m in transcript] == list(range(len(transcript)))
    assert len(transcript) >= 4
    assert [(m["direction"], m["exchange"], m["kind"]) for m in transcript[:4]] == [
        ("harness->peer", "IKE_SA_INIT", "request"), ("peer->harness", "IKE_SA_INIT", "response"),
        ("harness->peer", "IKE_AUTH", "request"), ("peer->harness", "IKE_AUTH", "response")]
    for m in transcript:
        assert m["datagrams"], m
        pkt = scapy_ikev2.IKEv2(bytes.fromhex(m["datagrams"][0]))
        assert pkt.exch_type == m["exchange_type"]
        assert pkt.id == m["message_id"]
        assert pkt.init_SPI.hex() == m["spi_i"] and pkt.resp_SPI.hex() == m["spi_r"]
        assert bool(pkt.flags & 0x20) == (m["kind"] == "response")
    # The IKE_AUTH messages are decrypted: their inner payloads are shown.
    auth = transcript[2]
    assert auth["decrypted"] is True
    assert [p["type_name"] for p in auth["payloads"]][:1] == ["IDi"]
    # The unencrypted IKE_SA_INIT payload chain, as Scapy walks it.
    init = transcript[0]
    pkt = scapy_ikev2.IKEv2(bytes.fromhex(init["datagrams"][0]))
    types = []
    layer = pkt.payload
    while layer is not None and layer.__class__.__name__ != "NoPayload" and hasattr(layer, "next_payload"):
        types.append(layer.__class__.__name__)
        layer = layer.payload
    assert len(types) == len(init["payloads"])
    assert [p["type"] for p in init["payloads"]][:3] == [33, 34, 40]
    assert r.to_dict()["transcript"] == transcript


def test_runs_are_deterministic_for_a_seed(scenarios_dir: Path) -> None:
    a = run_scenario(scenarios_dir / f"{INITIAL}.json", seed=3).transcript
    b = run_scenario(scenarios_dir / f"{INITIAL}.json", seed=3).transcript
    c = run_scenario(scenarios_dir / f"{INITIAL}.json", seed=4).transcript
    assert [m["datagrams"] for m in a] == [m["datagrams"] for m in b]
    assert [m["datagrams"] for m in a] != [m["datagrams"] for m in c]


def test_pcap_written_with_out_matches_the_transcript(tmp_path: Path, scenarios_dir: Path, psk_text: str) -> None:
    scapy_all = pytest.importorskip("scapy.all")
    r = run_scenario(scenarios_dir / f"{INITIAL}.json", out=tmp_path)
    assert r.pcap_file == f"{INITIAL}.pcap" and r.key_table_file == f"{INITIAL}.keys"
    packets = scapy_all.rdpcap(str(tmp_path / r.pcap_file))
    sent = [bytes.fromhex(d) for m in r.transcript for d in m["datagrams"]]
    udp = [bytes(p[scapy_all.UDP].payload) for p in packets if p.haslayer(scapy_all.UDP)]
    assert udp == sent
    keys = (tmp_path / r.key_table_file).read_text()
    assert r.transcript[0]["spi_i"] in keys
    # The PSK is in neither the result nor the key table.
    assert psk_text not in json.dumps(r.to_dict()) and psk_text not in keys


def test_external_profile_writes_no_keys_unless_asked(scenarios_dir: Path) -> None:
    p = load_profile("192.0.2.1:500")
    assert p.kind == PeerKind.External
    assert run_options(p).export_keys is False
    assert run_options(p, export_keys=True).export_keys is True
    assert run_options(None).export_keys is True


def test_failing_scenario_gives_expected_and_got(scenarios_dir: Path) -> None:
    doc = read_json(scenarios_dir / f"{INITIAL}.json")
    doc["steps"][1]["expect"]["payloads"] = ["SA", "KE", "Nr", "CERTREQ"]
    s = Scenario.from_dict(doc, id="mine/fails", base_dir=scenarios_dir / "rfc7296")
    r = run_scenario(s)
    assert r.verdict == Verdict.Fail
    assert r.failed_step == 1 and r.failed_message == 1
    assert "CERTREQ" in r.expected and r.got.startswith("IKE_SA_INIT response #0")
    assert r.reason


def test_run_all_applies_the_profile(scenarios_dir: Path, flexvpn: List[Scenario]) -> None:
    profile = parse_peer_profile(json.dumps({
        "kind": "self",
        "capabilities": ["initiator", "responder"],
        "deviations": {"flexvpn/4-pool-exhausted": {"verdict": "skip", "reason": "pool tests are off"}},
        "disabled": {"flexvpn/4-*": "no group tests"},
    }), "p.json", "p")
    calls: List[tuple] = []

    def progress(result: ScenarioResult, done: int, total: int) -> None:
        calls.append((result.id, done, total))

    results = run_all(flexvpn, peer=profile, jobs=3, progress=progress)
    by_id = {r.id: r for r in results}
    assert [r.id for r in results] == [s.id for s in flexvpn]
    assert sorted(d for _, d, _ in calls) == list(range(1, 14)) and all(t == 13 for *_, t in calls)
    assert sorted(i for i, _, _ in calls) == sorted(by_id)
    assert by_id["flexvpn/4-pool-exhausted"].verdict == Verdict.KnownDeviation
    assert by_id["flexvpn/4-pool-exhausted"].reason == "pool tests are off"
    assert by_id["flexvpn/4-unknown-group"].verdict == Verdict.Skip
    assert "no group tests" in by_id["flexvpn/4-unknown-group"].reason
    assert by_id["flexvpn/2-cfg-set-ack"].verdict == Verdict.Pass
    assert by_id["flexvpn/3-duplicate-sa-replacement"].verdict == Verdict.Pass


def test_run_all_skips_scenarios_whose_sanity_scenario_did_not_pass(flexvpn: List[Scenario]) -> None:
    sanity = "flexvpn/1-cfg-request-reply"
    profile = parse_peer_profile(json.dumps({"kind": "self", "disabled": {sanity: "sanity off"}}), "p.json", "p")
    by_id = {r.id: r for r in run_all(flexvpn, peer=profile, jobs=2)}
    assert by_id[sanity].verdict == Verdict.Skip and "sanity off" in by_id[sanity].reason
    dependents = [s.id for s in flexvpn if s.sanity == sanity]
    assert dependents
    for i in dependents:
        assert by_id[i].verdict == Verdict.Skip and sanity in by_id[i].reason
    # Without the profile they pass.
    assert all(r.verdict == Verdict.Pass for r in run_all(flexvpn, jobs=2))


def test_progress_exception_is_raised_after_the_run(flexvpn: List[Scenario]) -> None:
    def progress(result: ScenarioResult, done: int, total: int) -> None:
        raise KeyError("stop")

    with pytest.raises(KeyError, match="stop"):
        run_all(flexvpn[:4], jobs=2, progress=progress)


# --- reports -----------------------------------------------------------------


def test_reports_written_from_results(tmp_path: Path, scenarios_dir: Path, flexvpn: List[Scenario],
                                      psk_text: str) -> None:
    doc = read_json(scenarios_dir / f"{INITIAL}.json")
    doc["steps"][1]["expect"]["payloads"] = ["SA", "KE", "Nr", "CERTREQ"]
    failing = Scenario.from_dict(doc, id="mine/fails", base_dir=scenarios_dir / "rfc7296")
    results = run_all([*flexvpn[:3], failing], jobs=2)
    run = make_run(results, peer="self", seed=1)
    assert isinstance(run, RunResult) and len(run.scenarios) == 4
    counts = count_verdicts(run)
    assert (counts.pass_, counts.fail, counts.total()) == (3, 1, 4)

    files = write_reports(run, tmp_path / "out")
    data = read_json(files["results.json"])
    assert data == run_to_json(run)
    assert data["counts"]["pass"] == 3 and data["counts"]["fail"] == 1
    assert [s["verdict"] for s in data["scenarios"]] == ["pass", "pass", "pass", "fail"]
    assert data["scenarios"][3]["expected"] == results[3].expected

    suites = ET.parse(files["junit.xml"]).getroot()
    cases = suites.findall(".//testcase")
    assert len(cases) == 4
    failed = [c for c in cases if c.find("failure") is not None]
    assert [(c.get("classname"), c.get("name")) for c in failed] == [("mine", "fails")]

    html = files["report.html"].read_text()
    assert 'id="run-data"' in html
    for text in (files["results.json"].read_text(), files["junit.xml"].read_text(), html):
        assert psk_text not in text

    single = tmp_path / "single.xml"
    write_junit(run, single)
    assert ET.parse(single).getroot().findall(".//testcase")
    write_results_json(run, tmp_path / "r.json")
    write_html(run, tmp_path / "r.html")
    with pytest.raises(errors.IkeError, match="cannot write"):
        write_results_json(run, tmp_path / "missing" / "dir" / "r.json")


def test_run_scenarios_agrees_with_the_command(tmp_path: Path, repo: Path, scenarios_dir: Path) -> None:
    import subprocess

    from ikeharness.__main__ import command_path

    if not command_path().exists():
        pytest.skip(f"{command_path()} is absent")
    run = run_scenarios(scenarios_dir / "flexvpn", out=tmp_path / "py", jobs=2)
    assert run.peer == "self" and len(run.scenarios) == 13
    cli = subprocess.run([str(command_path()), "run", str(scenarios_dir / "flexvpn"), "--out",
                          str(tmp_path / "cli"), "--jobs", "2"], capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    ours = read_json(tmp_path / "py" / "results.json")
    theirs = read_json(tmp_path / "cli" / "results.json")
    assert {s["id"]: s["verdict"] for s in ours["scenarios"]} == {s["id"]: s["verdict"] for s in theirs["scenarios"]}
    # Same seed, same scenarios: the same bytes on the wire.
    assert [[m["datagrams"] for m in s["transcript"]] for s in ours["scenarios"]] == \
        [[m["datagrams"] for m in s["transcript"]] for s in theirs["scenarios"]]


def test_self_profile_has_every_capability(scenarios_dir: Path) -> None:
    doc = read_json(scenarios_dir / "peers" / "self.json")
    p = self_profile()
    assert p.capabilities == set(doc["capabilities"])
    assert p.deviations == {} and p.disabled == []
