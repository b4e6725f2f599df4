# SPDX-License-Identifier: Apache-2.0
"""ikeharness.codec from Python: decode/encode of real captures, field access
by path, deliberate malformations, errors and the ownership rules."""
from __future__ import annotations

import copy
import gc
import logging
import random
import re
import struct
from pathlib import Path
from typing import List, Tuple

import pytest

from ikeharness.codec import (
    FLAG_INITIATOR,
    CfgAttribute,
    CfgAttributeType,
    CfgType,
    CpPayload,
    DeletePayload,
    DhGroup,
    ExchangeType,
    Header,
    IdPayload,
    IdType,
    KePayload,
    Message,
    NoncePayload,
    NotifyPayload,
    NotifyType,
    Payload,
    PayloadType,
    ProtocolId,
    SaPayload,
    TrafficSelector,
    TransformType,
    TsPayload,
    TsType,
    UnknownPayload,
    decode_payloads,
    encode_payloads,
    ke,
    nonce,
    notify,
    proposal,
    sa,
    transform,
    vendor_id,
)
from ikeharness.errors import DecodeError, IkeError

CAPTURES = "testdata/wireshark-test-captures"


def capture_messages(shared: Path) -> List[Tuple[str, int, bytes]]:
    """(file, frame, IKE message bytes) of every IKE datagram in the shared captures, read by Scapy."""
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    scapy_all = pytest.importorskip("scapy.all")
    out = []
    files = sorted((shared / CAPTURES).glob("ikev2-decrypt-*.pcap*"))
    assert len(files) == 8
    for f in files:
        for i, pkt in enumerate(scapy_all.rdpcap(str(f)), 1):
            udp = pkt[scapy_all.UDP]
            data = bytes(udp.payload)
            if 4500 in (udp.sport, udp.dport):
                assert data[:4] == b"\0\0\0\0"  # RFC 3948 non-ESP marker
                data = data[4:]
            out.append((f.name, i, data))
    return out


def sa_init() -> Message:
    """HDR, SA, KE, Ni, N(NAT_DETECTION_SOURCE_IP), built with keywords."""
    return Message(exchange_type=ExchangeType.IKE_SA_INIT, flags=FLAG_INITIATOR, message_id=0,
                   spi_i=0x0102030405060708, payloads=[
                       sa(proposal(ProtocolId.IKE, [transform(TransformType.ENCR, 12, 256),
                                                    transform(TransformType.PRF, 5),
                                                    transform(TransformType.INTEG, 12),
                                                    transform(TransformType.DH, 19)])),
                       ke(DhGroup.ECP_256, bytes(range(64))),
                       nonce(b"\x11" * 32),
                       notify(NotifyType.NAT_DETECTION_SOURCE_IP, b"\x22" * 20),
                   ])


# ------------------------------------------------------------------ real captures


def test_captures_round_trip_exactly(shared: Path) -> None:
    msgs = capture_messages(shared)
    assert len(msgs) == 44  # 6 frames in six captures, 4 in two (testdata README)
    for name, frame, data in msgs:
        m = Message.decode(data)
        assert m.encode() == data, f"{name} frame {frame}"
        assert m.raw == data
        # The payloads' raw bytes tile the message after the header, in order.
        assert b"".join(p.raw for p in m) == data[28:], f"{name} frame {frame}"
        assert [p.raw_offset for p in m][0] == 28
        assert len(m) == len(m.payloads) == len(m.payload_types())
        assert m.get("length") == len(data)


def test_captures_known_values(shared: Path) -> None:
    """Header fields against the capture's own bytes and expected.tsv (Wireshark's values)."""
    rows = {}
    for line in (shared / CAPTURES / "expected.tsv").read_text().splitlines()[1:]:
        cols = line.split("\t")
        rows[cols[0]] = (int(cols[2], 16), int(cols[3], 16))
    seen = set()
    for name, frame, data in capture_messages(shared):
        m = Message.decode(data)
        spi_i, spi_r, nxt, ver, exch, flags, mid, length = struct.unpack(">QQBBBBII", data[:28])
        assert (m.spi_i, m.spi_r, m.header.version, m.message_id, m.flags) == (spi_i, spi_r, ver, mid, flags)
        assert int(m.exchange_type) == exch and int(m.payload_types()[0]) == nxt
        assert m.spi_i == rows[name][0]
        if frame == 1:
            # IKE_SA_INIT request: SA KE NONCE and NAT detection, the initiator's SPI only.
            assert m.exchange_type == ExchangeType.IKE_SA_INIT and m.header.is_initiator
            assert not m.header.is_response and m.spi_r == 0
            assert m.payload_types()[:3] == [PayloadType.SA, PayloadType.KE, PayloadType.NONCE]
            assert m.find_notify(NotifyType.NAT_DETECTION_SOURCE_IP) is not None
            assert "NAT_DETECTION_SOURCE_IP" in repr(m)
            seen.add(name)
        if frame == 2:
            assert m.spi_r == rows[name][1] and m.header.is_response
        if frame == 3:
            assert m.exchange_type == ExchangeType.IKE_AUTH and m.payload_types() == [PayloadType.SK]
    assert len(seen) == 8


def test_capture_dh_groups_match_expected(shared: Path) -> None:
    groups = {}
    for line in (shared / CAPTURES / "expected.tsv").read_text().splitlines()[1:]:
        cols = line.split("\t")
        groups[cols[0]] = int(cols[4].split("(")[-1].rstrip(")"))
    for name, frame, data in capture_messages(shared):
        if frame == 1:
            m = Message.decode(data)
            assert int(m.find(PayloadType.KE).body.group) == groups[name]
            dh = [t for t in m.find(PayloadType.SA).body.proposals[0].transforms if t.type == TransformType.DH]
            assert [t.id for t in dh] == [groups[name]]


def test_truncation_sweep_fails_cleanly(shared: Path) -> None:
    """Every prefix of a valid message is refused with a DecodeError (DESIGN rule 8)."""
    for name, frame, data in capture_messages(shared)[:12]:
        for n in range(len(data)):
            with pytest.raises(DecodeError) as e:
                Message.decode(data[:n])
            assert e.value.offset is not None and e.value.offset <= len(data), (name, frame, n)
            assert e.value.notify == 7  # INVALID_SYNTAX


def test_random_garbage_never_crashes() -> None:
    rng = random.Random(7296)
    base = sa_init().encode()
    decoded = 0
    for i in range(3000):
        if i % 2:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 120)))
        else:
            # Flip a few bytes of a valid message: deeper into the payload parsers.
            b = bytearray(base)
            for _ in range(rng.randrange(1, 4)):
                b[rng.randrange(len(b))] = rng.getrandbits(8)
            data = bytes(b)
        try:
            m = Message.decode(data)
        except DecodeError as e:
            assert str(e) and e.reason
            continue
        decoded += 1
        assert m.encode() == data  # whatever decodes re-encodes to the same bytes
    assert decoded > 0


# ------------------------------------------------------------------ errors


def test_wrong_major_version() -> None:
    b = bytearray(sa_init().encode())
    b[17] = 0x10  # IKEv1
    with pytest.raises(DecodeError) as e:
        Message.decode(bytes(b))
    err = e.value
    assert err.notify == 5 and err.notify_name == "INVALID_MAJOR_VERSION"
    assert err.offset == 17 and err.field == "version" and err.payload == ""
    assert "INVALID_MAJOR_VERSION" in str(err)
    assert isinstance(err, IkeError) and isinstance(err, ValueError)


def test_truncated_header_and_bad_message_length() -> None:
    with pytest.raises(DecodeError) as e:
        Message.decode(b"\x00" * 27)
    assert e.value.offset == 27 and e.value.field == "length"
    data = bytearray(sa_init().encode())
    data[24:28] = (len(data) + 4).to_bytes(4, "big")
    with pytest.raises(DecodeError) as e:
        Message.decode(bytes(data))
    assert e.value.field == "length"


def test_deliberately_wrong_payload_length() -> None:
    m = sa_init()
    sa_len = len(m[0].encode())
    m[0].set("payload_length", 99)
    wire = m.encode()
    assert wire[28 + 2:28 + 4] == (99).to_bytes(2, "big")  # emitted exactly as set
    assert len(wire) == len(sa_init().encode())  # nothing else changed size
    assert m[0].length == 99 and m[0]["payload_length"] == 99
    with pytest.raises(DecodeError) as e:
        Message.decode(wire)
    assert e.value.payload == "SA" and e.value.notify == 7
    # Clearing the override restores the computed value.
    m[0].length = None
    assert Message.decode(m.encode())[0]["payload_length"] == sa_len


def test_header_overrides_and_paths() -> None:
    m = sa_init()
    m.set("length", 1000)
    m["message_id"] = 7
    m.header.set("major_version", 3)
    wire = m.encode()
    assert wire[24:28] == (1000).to_bytes(4, "big") and wire[20:24] == (7).to_bytes(4, "big")
    assert wire[17] == 0x30 and m.header.major_version == 3 and m.get("major_version") == 3
    assert m.header.length == 1000 and m.header.get("length") == 1000 and m.header.get("next_payload") is None
    assert m.header.get("initiator_spi") == 0x0102030405060708 and m.get("next_payload") == 33
    assert Header.field_paths()[:3] == ["initiator_spi", "responder_spi", "next_payload"]
    with pytest.raises(IkeError, match="did you mean"):
        m.set("lenght", 1)
    with pytest.raises(IkeError, match="4-bit"):
        m.set("minor_version", 16)


def test_set_errors_are_python_exceptions() -> None:
    p = sa_init()[0]
    with pytest.raises(IkeError, match='did you mean "proposal/0/transform/0/transform_id"'):
        p.set("proposal/0/transform/0/transform_idd", 1)
    with pytest.raises(IkeError, match="past the end"):
        p.set("proposal/3/proposal_num", 1)
    with pytest.raises(IkeError, match="16-bit"):
        p.set("proposal/0/transform/0/transform_id", 70000)
    with pytest.raises(IkeError, match="is bytes"):
        p.set("proposal/0/spi", 5)
    with pytest.raises(TypeError):
        p.set("proposal/0/spi", "text")
    with pytest.raises(ValueError):
        p.set("critical", -1)
    with pytest.raises(KeyError):
        p.get("no_such_field")


def test_bad_python_input() -> None:
    for bad in ("text", 5, None, 3.5):
        with pytest.raises(TypeError):
            Message.decode(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        NotifyPayload(type=70000)
    with pytest.raises(ValueError):
        Payload(300)
    with pytest.raises(TypeError):
        Payload(PayloadType.N, b"not a body")  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        NotifyPayload(notify_typo=1)
    with pytest.raises(TypeError):
        Payload(PayloadType.N, critical="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Payload(PayloadType.N, reserved=128)
    with pytest.raises(IndexError):
        sa_init()[9]
    with pytest.raises(TypeError):
        Message.decode()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Message.decode(b"", b"")  # type: ignore[call-arg]
    assert Message.decode(data=sa_init().encode()).encode() == sa_init().encode()
    assert Message.decode(bytearray(sa_init().encode())).encode() == sa_init().encode()
    assert Message.decode(memoryview(sa_init().encode())).encode() == sa_init().encode()


# ------------------------------------------------------------------ building and reading


def test_keyword_built_message_wire_layout() -> None:
    m = sa_init()
    wire = m.encode()
    assert wire[:8] == bytes.fromhex("0102030405060708") and wire[8:16] == b"\0" * 8
    assert wire[16] == 33 and wire[17] == 0x20 and wire[18] == 34 and wire[19] == FLAG_INITIATOR
    assert int.from_bytes(wire[24:28], "big") == len(wire)
    # SA: one proposal of 4 transforms, the first with KEY_LENGTH 256 (TV form 0x800e0100).
    assert wire[28] == 34  # next payload KE
    assert bytes.fromhex("800e0100") in wire
    back = Message.decode(wire)
    assert back.payload_types() == [PayloadType.SA, PayloadType.KE, PayloadType.NONCE, PayloadType.N]
    t = back[0].body.proposals[0].transforms
    assert [(int(x.type), x.id, x.key_length) for x in t] == [(1, 12, 256), (2, 5, None), (3, 12, None), (4, 19, None)]
    assert back[1].body.data == bytes(range(64)) and back[2].body.data == b"\x11" * 32
    assert back.find_notify(NotifyType.NAT_DETECTION_SOURCE_IP).body.data == b"\x22" * 20
    assert repr(back) == ("<Message IKE_SA_INIT request (I) spi_i=0102030405060708 spi_r=0000000000000000 "
                          "msgid=0: SA KE NONCE N(NAT_DETECTION_SOURCE_IP)>")
    assert repr(back[3]) == "<Payload N(NAT_DETECTION_SOURCE_IP)>"


def test_every_body_kind_round_trips() -> None:
    payloads = [
        Payload(PayloadType.IDi, IdPayload(id_type=IdType.ID_FQDN, data=b"spoke.example.net")),
        Payload(PayloadType.CP, CpPayload(cfg_type=CfgType.CFG_REQUEST, attributes=[
            CfgAttribute(type=CfgAttributeType.INTERNAL_IP4_ADDRESS),
            CfgAttribute(type=CfgAttributeType.APPLICATION_VERSION, value=b"ikeharness")])),
        Payload(PayloadType.TSi, TsPayload(selectors=[TrafficSelector(
            ts_type=TsType.TS_IPV4_ADDR_RANGE, start_address=b"\x0a\0\0\0", end_address=b"\x0a\0\0\xff")])),
        Payload(PayloadType.D, DeletePayload(protocol_id=ProtocolId.ESP, spis=[b"\1\2\3\4", b"\5\6\7\x08"])),
        vendor_id(b"FLEXVPN-SUPPORTED"),
        Payload(200, UnknownPayload(data=b"opaque")),  # a type with no name: an int
        notify(40000, b"x", critical=True),
    ]
    m = Message(exchange_type=ExchangeType.INFORMATIONAL, message_id=5, payloads=payloads)
    back = Message.decode(m.encode())
    assert back.encode() == m.encode()
    assert back[0].body.data == b"spoke.example.net" and back[0].body.id_type == IdType.ID_FQDN
    assert [a.type for a in back[1].body.attributes] == [CfgAttributeType.INTERNAL_IP4_ADDRESS,
                                                         CfgAttributeType.APPLICATION_VERSION]
    assert back[2].body.selectors[0].end_address == b"\x0a\0\0\xff"
    assert back[3].body.spis == [b"\1\2\3\4", b"\5\6\7\x08"] and back[3]["num_spis"] == 2
    assert back[5].type == 200 and not isinstance(back[5].type, PayloadType)
    assert back[5].body.data == b"opaque"
    assert back[6].body.type == 40000 and back[6].critical
    assert back.payload_types()[5] == 200
    assert "PRIVATE_USE(200)" in repr(back) and "N(UNKNOWN(40000))" in repr(back)
    # The bare chain as inside SK.
    chain, first = encode_payloads(payloads)
    assert first == PayloadType.IDi and chain == m.encode()[28:]
    assert [p.encode() for p in decode_payloads(first, chain)][0] == payloads[0].encode()


def test_get_reads_wire_values_and_to_dict() -> None:
    m = sa_init()
    p = m[0]
    assert p.get("proposal/0/transform/3/transform_id") == 19
    assert p["proposals/0/transforms/0/attributes/0/attribute_value"] == 256  # the JSON's plural names
    assert p["proposal/0/num_transforms"] == 4  # computed
    assert p["payload_length"] == len(p.encode())
    assert m[1]["key_exchange_data"] == bytes(range(64))
    d = m.to_dict()
    assert d["header"]["length"] == len(m.encode()) and d["header"]["initiator_spi"] == "0102030405060708"
    assert [x["type_name"] for x in d["payloads"]] == ["SA", "KE", "NONCE", "N"]
    assert d["payloads"][3]["body"]["notify_type_name"] == "NAT_DETECTION_SOURCE_IP"
    assert p.field_paths()[:4] == ["next_payload", "critical", "reserved", "payload_length"]
    for path in p.field_paths():
        p.get(path)  # every settable path reads


def test_set_by_path_changes_the_wire() -> None:
    m = sa_init()
    m[0].set("proposal/0/transform/3/transform_id", 14)
    m[1]["dh_group"] = 14
    m[3].set("notification_data", b"\x33" * 20)
    m[2].critical = True
    m[2].reserved = 0x05
    wire = m.encode()
    back = Message.decode(wire)
    assert back[0].body.proposals[0].transforms[3].id == 14 and back[1].body.group == DhGroup.MODP_2048
    assert back[3].body.data == b"\x33" * 20
    nonce_off = back[2].raw_offset
    assert wire[nonce_off + 1] == 0x85  # C bit and reserved bits


# ------------------------------------------------------------------ ownership


def test_payload_objects_refer_into_the_message() -> None:
    m = sa_init()
    n = m.find(PayloadType.NONCE)
    n.body = NoncePayload(data=b"\x44" * 16)
    assert m[2].body.data == b"\x44" * 16
    h = m.header
    h.message_id = 9
    assert m.message_id == 9
    body = m[2].body  # a copy
    body.data = b"zz"
    assert m[2].body.data == b"\x44" * 16


def test_references_survive_list_changes_and_the_message() -> None:
    m = sa_init()
    kept = [m[i] for i in range(len(m))]
    first = m.payloads[0]
    wire = m.encode()
    for i in range(200):  # many reallocations of the payload vector
        m.payloads.append(vendor_id(bytes([i]) * 8))
    m.payloads.insert(0, nonce(b"\x01" * 16))
    del m.payloads[1]
    m.payloads[0] = notify(NotifyType.COOKIE, b"c" * 8)
    m.payloads.pop()
    # The old objects are detached snapshots: valid, unchanged, no longer the message's.
    assert [p.encode() for p in kept] == [p.encode() for p in Message.decode(wire)]
    first.set("proposal/0/transform/0/transform_id", 3)
    assert first.body.proposals[0].transforms[0].id == 3
    assert m.find(PayloadType.SA) is None
    assert len(m) == 4 + 200 - 1
    # Objects taken now refer to the message again.
    m[0].set("notify_type", int(NotifyType.INVALID_KE_PAYLOAD))
    assert m.find_notify(NotifyType.INVALID_KE_PAYLOAD) is not None
    # A payload object keeps its message alive.
    last = m[-1]
    del m
    gc.collect()
    assert last.body.data == bytes([198]) * 8
    m2 = sa_init()
    it = iter(m2)
    m2.payloads = []
    assert [p.type for p in it] == [PayloadType.SA, PayloadType.KE, PayloadType.NONCE, PayloadType.N]
    m2.payloads.clear()
    assert len(m2) == 0 and m2.encode()[16] == 0


def test_appending_copies_in() -> None:
    m = Message()
    p = nonce(b"\x01" * 8)
    m.payloads.append(p)
    p.body = NoncePayload(data=b"\x02" * 8)
    assert m[0].body.data == b"\x01" * 8
    m.payloads.append(m[0])  # a payload of the same message
    assert len(m) == 2 and m[1].body.data == b"\x01" * 8
    c = copy.deepcopy(m)
    c[0].critical = True
    assert not m[0].critical and m.copy().encode() == m.encode()


def test_payload_construction_defaults() -> None:
    p = Payload(PayloadType.KE)
    assert isinstance(p.body, KePayload) and p.raw == b"" and not p.critical
    assert isinstance(Payload(PayloadType.SA).body, SaPayload)
    assert isinstance(Payload(250).body, UnknownPayload)
    s = SaPayload(proposals=[proposal(ProtocolId.ESP, [transform(TransformType.ESN, 0)], spi=b"\1\2\3\4")])
    assert s.proposals[0].spi == b"\1\2\3\4" and s.proposals[0].protocol_id == ProtocolId.ESP
    assert KePayload(group=DhGroup.CURVE25519, data=b"k").group == DhGroup.CURVE25519


def test_bodies_print_their_fields_by_name() -> None:
    from ikeharness import codec

    body = NotifyPayload(type=NotifyType.COOKIE, data=b"\x01\x02")
    assert repr(body) == "NotifyPayload(data=h'0102', protocol_id=NONE, spi=h'', type=COOKIE)"
    sa = codec.sa(codec.proposal(ProtocolId.IKE, [codec.transform(TransformType.ENCR, 12, key_length=256)]))
    text = repr(sa.body)
    # Computed fields left alone (proposal number, lengths) are not shown.
    assert text.startswith("SaPayload(proposals=[Proposal(protocol_id=IKE,") and "type=ENCR" in text, text
    assert "number=" not in text and not re.search(r"\blength=", text), text
    long = repr(codec.nonce(bytes(40)).body)
    assert long.endswith("...' (40 bytes))"), long
