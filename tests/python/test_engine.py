# SPDX-License-Identifier: Apache-2.0
"""The stepped engine and the self-mode pair fixtures, driven from Python.

Datagrams are decoded with Scapy's IKEv2 layer (not ours) where the test
checks what went over the wire, and encrypted messages are opened with the
key table the engine exports and ikeharness.crypto's unprotect.
"""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, Callable, List

import pytest
from scapy.contrib.ikev2 import IKEv2

from ikeharness import codec, crypto
from ikeharness.engine import (
    ChildSaState,
    Endpoint,
    Engine,
    EngineConfig,
    Event,
    EventKind,
    IkeSaState,
    Pair,
    Route,
    SteppedDatagram,
    SteppedEngine,
    VirtualClock,
    parse_engine_config,
)
from ikeharness.errors import EngineError, ScenarioError
from ikeharness.fixtures import default_configs  # the fixtures themselves come from the pytest plugin

PSK_TEXT = "ikeharness-self-mode-pair-key"  # what the fixture writes; must never show up in text


def kinds(events: List[Event], kind: EventKind) -> List[Event]:
    return [e for e in events if e.kind == kind]


def scapy_header(data: bytes) -> Any:
    p = IKEv2(data)
    return p


# ----- the fixture pair, stepped -----


def test_pair_stepped_one_datagram_at_a_time(ike_pair: Pair) -> None:
    serial = ike_pair.initiate()
    assert serial == 1
    # Nothing moves by itself: the IKE_SA_INIT request is in flight, the responder has no SA.
    assert len(ike_pair.in_flight) == 1
    assert ike_pair.responder.ike_sas() == []
    d = ike_pair.in_flight[0]
    assert d.source == Endpoint("10.0.0.1:500")
    assert d.destination.remote == Endpoint("10.0.0.2", 500)
    assert not d.destination.natt
    s = scapy_header(d.data)
    assert s.exch_type == 34  # IKE_SA_INIT
    assert s.resp_SPI == b"\x00" * 8
    assert s.id == 0
    assert s.length == len(d.data)

    assert ike_pair.step() is d
    assert len(ike_pair.responder.ike_sas()) == 1
    resp = ike_pair.in_flight[0]
    r = scapy_header(resp.data)
    assert r.exch_type == 34 and r.flags & 0x20  # the response flag
    assert r.init_SPI == s.init_SPI

    assert ike_pair.run() == 3  # IKE_SA_INIT response, IKE_AUTH request and response
    assert ike_pair.established(serial)
    i = ike_pair.initiator.ike_sa(serial)
    assert i is not None and i.state == IkeSaState.Established and i.original_initiator
    [rs] = ike_pair.responder.ike_sas()
    assert (rs.spi_i, rs.spi_r) == (i.spi_i, i.spi_r)
    assert i.spi_i.to_bytes(8, "big") == s.init_SPI
    assert i.spi_r.to_bytes(8, "big") == r.resp_SPI
    assert i.suite == "ENCR_AES_GCM_16 256 / PRF_HMAC_SHA2_256 / ECP_256"
    assert bytes(i.peer_id.data) == b"responder.example"
    # One Child SA each, mirrored SPIs and the same KEYMAT.
    [ci], [cr] = i.children, rs.children
    assert ci.state == cr.state == ChildSaState.Installed
    assert ci.inbound_spi == cr.outbound_spi and ci.outbound_spi == cr.inbound_spi
    assert ci.keys() == cr.keys()
    assert len(ci.keys()["encr_i"]) == 36  # AES-256 key and 4-byte salt
    # What crossed the wire: four datagrams, two per side, in order.
    exchanges = [(scapy_header(x.data).exch_type, bool(scapy_header(x.data).flags & 0x20)) for x in ike_pair.delivered]
    assert exchanges == [(34, False), (34, True), (35, False), (35, True)]


def test_events_are_typed_with_cxx_names(ike_pair: Pair) -> None:
    ike_pair.initiate()
    ike_pair.run()
    events = ike_pair.initiator.events()
    states = [e.ike_state for e in kinds(events, EventKind.IkeSaState)]
    assert states == [IkeSaState.Authenticating, IkeSaState.Established]
    sent = kinds(events, EventKind.MessageSent)
    assert [(e.exchange, e.response, e.message_id) for e in sent] == [
        (codec.ExchangeType.IKE_SA_INIT, False, 0), (codec.ExchangeType.IKE_AUTH, False, 1)]
    # The datagrams in the events are those that crossed the link.
    assert [e.datagrams[0] for e in sent] == [x.data for x in ike_pair.delivered[0::2]]
    # The inner chain of the encrypted IKE_AUTH request, decrypted, with the C++ names.
    auth = sent[1]
    assert [p.type for p in auth.payloads][:3] == [codec.PayloadType.IDi, codec.PayloadType.IDr, codec.PayloadType.AUTH]
    assert all(e.kind_name for e in events)
    assert "IKE_AUTH request #1" in str(sent[1])
    ike_pair.initiator.clear_events()
    assert ike_pair.initiator.events() == []


def test_key_table_opens_the_ike_auth_request(ike_pair: Pair) -> None:
    ike_pair.initiate()
    ike_pair.run()
    [row] = ike_pair.initiator.key_table()
    i = ike_pair.initiator.ike_sas()[0]
    assert (row.spi_i, row.spi_r) == (i.spi_i, i.spi_r)
    wire = ike_pair.delivered[2].data  # the IKE_AUTH request
    opened = crypto.unprotect(row.suite(), crypto.keys_for(row.ike_sa_keys(), True), wire)
    assert opened.first_inner == codec.PayloadType.IDi
    inner = opened.payloads()
    sent = kinds(ike_pair.initiator.events(), EventKind.MessageSent)[1]
    assert [p.type for p in inner] == [p.type for p in sent.payloads]


# ----- deviations in flight and time -----


def test_corrupted_request_is_dropped_then_retransmitted_on_time(ike_pair: Pair) -> None:
    ike_pair.initiate()
    ike_pair.step()  # IKE_SA_INIT request
    ike_pair.step()  # IKE_SA_INIT response
    [auth] = ike_pair.in_flight
    original = auth.data
    auth.data = original[:-1] + bytes([original[-1] ^ 0xFF])  # break the ICV
    ike_pair.step()
    assert ike_pair.in_flight == []  # the responder answered nothing
    assert kinds(ike_pair.responder.events(), EventKind.Error)
    assert not ike_pair.established()
    # The retransmission timer (4 s, the default) fires only when time moves.
    ike_pair.advance(3.9)
    assert ike_pair.in_flight == []
    assert ike_pair.advance(0.2) >= 1
    [again] = ike_pair.in_flight
    assert again.data == original  # RFC 7296 2.1: sent again unchanged
    assert again.time == pytest.approx(4.0)
    ike_pair.run()
    assert ike_pair.established()
    assert ike_pair.initiator.ike_sas()[0].retransmissions == 1
    assert any(e.retransmission for e in kinds(ike_pair.initiator.events(), EventKind.MessageSent))


def test_intercept_drops_and_rewrites(ike_pair: Pair) -> None:
    seen: List[int] = []

    def drop_first_response(d: SteppedDatagram) -> Any:
        seen.append(len(d.data))
        if len(seen) == 2:
            return None
        return d

    ike_pair.initiate()
    ike_pair.run(intercept=drop_first_response)
    assert not ike_pair.established()
    ike_pair.advance(4.0)  # the initiator sends IKE_SA_INIT again; the responder answers from its cache
    ike_pair.run()
    assert ike_pair.established()


def test_same_seed_same_bytes_other_seed_other_bytes(ike_pair_factory: Callable[..., Pair]) -> None:
    def wire(seed: int) -> List[bytes]:
        p = ike_pair_factory(seed=seed)
        p.initiate()
        p.run()
        return [d.data for d in p.delivered]

    a, b, c = wire(7), wire(7), wire(8)
    assert len(a) == 4 and a == b
    assert all(x != y for x, y in zip(a, c))


def test_factory_merges_config_changes(ike_pair_factory: Callable[..., Pair]) -> None:
    pair = ike_pair_factory(
        initiator={"cp": {"request": ["INTERNAL_IP4_ADDRESS"]}, "ike": {"window_size": 3}},
        responder={"pool": {"range": "10.99.0.10-10.99.0.20"}},
    )
    serial = pair.initiate()
    pair.run()
    assert pair.established()
    i = pair.initiator.ike_sa(serial)
    assert [(a.type, bytes(a.value)) for a in i.cp_attributes] == [
        (codec.CfgAttributeType.INTERNAL_IP4_ADDRESS, bytes([10, 99, 0, 10]))]
    assert pair.responder.ike_sas()[0].assigned_address == bytes([10, 99, 0, 10])
    assert pair.responder.ike_sas()[0].peer_window == 3


def test_mismatched_psk_fails_authentication(ike_pair_factory: Callable[..., Pair], tmp_path: Path) -> None:
    other = tmp_path / "other.psk"
    other.write_text("a-different-key\n")
    pair = ike_pair_factory(responder={"local": {"psk": {"file": str(other)}}})
    serial = pair.initiate()
    pair.run()
    assert not pair.established()
    assert pair.initiator.ike_sa(serial).state == IkeSaState.Failed


def test_operations_after_establishment(ike_pair: Pair) -> None:
    serial = ike_pair.initiate()
    ike_pair.run()
    ike_pair.initiator.create_child(serial)
    ike_pair.run()
    assert len(ike_pair.initiator.ike_sa(serial).children) == 2
    ike_pair.initiator.liveness_check(serial)
    ike_pair.run()
    ike_pair.initiator.delete_ike(serial)
    ike_pair.run()
    assert ike_pair.initiator.ike_sa(serial).state == IkeSaState.Deleted
    assert ike_pair.responder.ike_sas()[0].state == IkeSaState.Deleted
    with pytest.raises(EngineError):
        ike_pair.initiator.create_child(999)
    with pytest.raises(EngineError):
        ike_pair.initiator.rekey_child(serial, 999)


# ----- configuration errors -----


def test_config_typo_gives_scenario_error_with_pointer(ike_psk_file: Path) -> None:
    i, _ = default_configs(str(ike_psk_file))
    i["ike"]["proposal"] = i["ike"].pop("proposals")
    with pytest.raises(ScenarioError) as err:
        Engine.create(i, source="initiator.json")
    assert err.value.file == "initiator.json"
    assert err.value.pointer == "/ike/proposal"
    assert 'did you mean "proposals"' in str(err.value)


def test_bad_algorithm_and_psk_in_document_refused(ike_psk_file: Path) -> None:
    i, _ = default_configs(str(ike_psk_file))
    i["ike"]["proposals"] = ["aes256gcm61-prfsha256-ecp256"]
    with pytest.raises(ScenarioError) as err:
        SteppedEngine.create(i)
    assert err.value.pointer == "/ike/proposals/0"
    assert "aes256gcm16" in str(err.value)
    i, _ = default_configs(str(ike_psk_file))
    i["local"]["psk"] = {"value": "written-in-the-document"}
    with pytest.raises(ScenarioError) as err:
        SteppedEngine.create(i)
    assert err.value.pointer.startswith("/local/psk")
    assert "written-in-the-document" not in str(err.value)


def test_config_from_text_path_and_parsed(ike_psk_file: Path, tmp_path: Path) -> None:
    import json

    i, _ = default_configs(str(ike_psk_file))
    f = tmp_path / "i.json"
    f.write_text(json.dumps(i))
    for config in (json.dumps(i), f, parse_engine_config(i)):
        e = SteppedEngine.create(config, local="10.0.0.1")
        assert e.local == Endpoint("10.0.0.1")
    with pytest.raises(ScenarioError) as err:
        SteppedEngine.create("{ not json")
    assert err.value.file == "<config>"
    with pytest.raises(ScenarioError):
        SteppedEngine.create(tmp_path / "missing.json")
    with pytest.raises(TypeError):
        SteppedEngine.create(42)


def test_network_section_gives_addresses(ike_psk_file: Path) -> None:
    i, _ = default_configs(str(ike_psk_file))
    i["network"] = {"local_address": "192.0.2.10", "remote_address": "198.51.100.1", "remote_port": 1500}
    e = SteppedEngine.create(i, seed=1)
    assert e.local == Endpoint("192.0.2.10:500")
    e.initiate()
    [d] = e.take()
    assert d.destination.remote == Endpoint("198.51.100.1:1500")
    i.pop("network")
    with pytest.raises(EngineError) as err:
        SteppedEngine.create(i).initiate()
    assert "remote_address" in str(err.value)


# ----- bad input from Python never crashes -----


def test_bad_input_gives_python_exceptions(ike_pair: Pair) -> None:
    e = ike_pair.responder
    with pytest.raises(ValueError):
        Endpoint("not-an-address")
    with pytest.raises(ValueError):
        Endpoint(b"\x01\x02\x03")
    with pytest.raises(TypeError):
        e.receive("text is not bytes", Endpoint("10.0.0.1"))
    with pytest.raises(ValueError):
        e.advance(float("nan"))
    with pytest.raises(TypeError):
        e.initiate(12345)
    # Garbage and truncated messages are dropped with an Error event.
    ike_pair.initiate()
    request = ike_pair.drop()
    for cut in range(0, len(request.data), 7):
        e.receive(request.data[:cut], "10.0.0.1:500")
    e.receive(b"\xff" * 300, Route(Endpoint("10.0.0.1"), natt=True))
    assert kinds(e.events(), EventKind.Error)
    assert e.ike_sas() == [] or all(s.state != IkeSaState.Established for s in e.ike_sas())


def test_no_secret_in_text(ike_pair: Pair, ike_psk_file: Path) -> None:
    i, _ = default_configs(str(ike_psk_file))
    config = parse_engine_config(i)
    assert isinstance(config, EngineConfig)
    ike_pair.initiate()
    ike_pair.run()
    texts = [repr(config), repr(ike_pair), repr(ike_pair.initiator.ike_sas()), repr(ike_pair.initiator.key_table())]
    texts += [str(e) + e.detail for e in ike_pair.initiator.events() + ike_pair.responder.events()]
    for t in texts:
        assert PSK_TEXT not in t
    keys = ike_pair.initiator.ike_sas()[0].children[0].keys()
    for t in texts:
        assert keys["encr_i"].hex() not in t


# ----- lifetimes -----


def test_engine_gone_from_a_shared_clock(ike_psk_file: Path) -> None:
    i, r = default_configs(str(ike_psk_file))
    clock = VirtualClock()
    a = SteppedEngine.create(i, local="10.0.0.1", clock=clock, seed=2)
    b = SteppedEngine.create(r, local="10.0.0.2", clock=clock, seed=3)
    a.initiate("10.0.0.2")
    b.receive(a.take()[0])
    assert clock.pending() > 0
    del a
    gc.collect()
    clock.advance(600)  # a's retransmission timers went with it
    assert len(b.take()) == 1  # b's answer is still there
    assert b.clock is clock
    assert clock.now == pytest.approx(600)


def test_clock_outlives_the_engines(ike_psk_file: Path) -> None:
    i, _ = default_configs(str(ike_psk_file))
    e = SteppedEngine.create(i, local="10.0.0.1", seed=2)
    clock = e.clock
    e.initiate("10.0.0.2")
    del e
    gc.collect()
    assert clock.pending() == 0
    assert clock.advance(100) == 0


def test_virtual_clock_schedules_the_retransmission(ike_pair: Pair) -> None:
    clock = ike_pair.clock
    assert clock.now == 0.0 and clock.next_due() is None and not clock.run_next()
    ike_pair.initiate()
    ike_pair.drop()
    assert clock.next_due() == pytest.approx(4.0)  # retransmit.timeout, the default
    assert clock.run_next()
    assert clock.now == pytest.approx(4.0)
    assert len(ike_pair.collect()) == 1
    assert clock.next_due() == pytest.approx(4.0 + 4.0 * 1.8)  # the interval grows by retransmit.base
