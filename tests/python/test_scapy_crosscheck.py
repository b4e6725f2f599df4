# SPDX-License-Identifier: Apache-2.0
"""The Scapy cross-check from Python: messages built with Scapy's IKEv2 layer
are decoded by ikeharness and compared field by field with Scapy's own
dissection, encoded back to the same bytes, edited through ikeharness and
dissected by Scapy again; messages built with ikeharness keywords are
dissected by Scapy and compared with what was asked for."""
from __future__ import annotations

import ipaddress
import logging
from typing import Any, Callable, Dict, List, Tuple

import pytest

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
s = pytest.importorskip("scapy.contrib.ikev2")
scapy_packet = pytest.importorskip("scapy.packet")

from ikeharness.codec import (  # noqa: E402
    FLAG_INITIATOR,
    FLAG_RESPONSE,
    AuthMethod,
    AuthPayload,
    CfgAttribute,
    CfgAttributeType,
    CfgType,
    CpPayload,
    DeletePayload,
    DhGroup,
    ExchangeType,
    IdPayload,
    IdType,
    Message,
    NotifyType,
    Payload,
    PayloadType,
    ProtocolId,
    TrafficSelector,
    TransformType,
    TsPayload,
    TsType,
    ke,
    nonce,
    notify,
    proposal,
    sa,
    transform,
    vendor_id,
)

SPI_I = bytes.fromhex("98db5fd5979eac12")
SPI_R = bytes.fromhex("1398f140044abc30")


def pat(n: int, seed: int) -> bytes:
    return bytes((seed + 29 * i) & 0xFF for i in range(n))


def layers(pkt: Any) -> List[Any]:
    """Scapy's payload layers after the IKEv2 header, in order."""
    out = []
    layer = pkt.payload
    while layer is not None and not isinstance(layer, scapy_packet.NoPayload):
        out.append(layer)
        layer = layer.payload
    return out


def chained(first: Any) -> List[Any]:
    out = []
    while first is not None and not isinstance(first, scapy_packet.NoPayload):
        out.append(first)
        first = first.payload
    return out


def addr(v: Any) -> bytes:
    return ipaddress.ip_address(v).packed if isinstance(v, str) else bytes(v)


# ------------------------------------------------------------------ Scapy-built messages


def transform_s(ttype: int, tid: int, key_length: int = 0) -> Any:
    if key_length:
        # Scapy counts the Key Length attribute only when the length says so.
        return s.IKEv2_Transform(transform_type=ttype, transform_id=tid, length=12,
                                 key_length=0x800E0000 | key_length)
    return s.IKEv2_Transform(transform_type=ttype, transform_id=tid)


def proposal_s(num: int, proto: int, transforms: List[Any], spi: bytes = b"") -> Any:
    trans = transforms[0]
    for t in transforms[1:]:
        trans = trans / t
    return s.IKEv2_Proposal(proposal=num, proto=proto, SPIsize=len(spi), SPI=spi, trans_nb=len(transforms),
                            trans=trans)


def hdr(exch: int, flags: str, mid: int = 0, spi_r: bytes = b"\0" * 8) -> Any:
    return s.IKEv2(init_SPI=SPI_I, resp_SPI=spi_r, exch_type=exch, flags=flags, id=mid)


def scapy_messages() -> List[Tuple[str, Any]]:
    v4 = s.IPv4TrafficSelector
    ike = [transform_s(1, 12, 256), transform_s(2, 5), transform_s(3, 12), transform_s(4, 14)]
    return [
        ("sa_init", hdr(34, "Initiator") / s.IKEv2_SA(prop=proposal_s(1, 1, ike))
         / s.IKEv2_KE(group=14, ke=pat(256, 1)) / s.IKEv2_Nonce(nonce=pat(32, 2))
         / s.IKEv2_Notify(type=16388, notify=pat(20, 3)) / s.IKEv2_Notify(type=16389, notify=pat(20, 4))
         / s.IKEv2_VendorID(vendorID=b"FLEXVPN-SUPPORTED")),
        ("sa_init_two_proposals", hdr(34, "Initiator") / s.IKEv2_SA(
            prop=proposal_s(1, 1, [transform_s(1, 20, 256), transform_s(2, 7), transform_s(4, 31)])
            / proposal_s(2, 1, [transform_s(1, 12, 128), transform_s(2, 2), transform_s(3, 2), transform_s(4, 19)]))
         / s.IKEv2_KE(group=31, ke=pat(32, 5)) / s.IKEv2_Nonce(nonce=pat(24, 6))),
        ("sa_init_cookie", hdr(34, "Response") / s.IKEv2_Notify(type=16390, notify=pat(32, 7))),
        ("sa_init_invalid_ke", hdr(34, "Response") / s.IKEv2_Notify(type=17, notify=b"\x00\x13")),
        ("auth_plain", hdr(35, "Initiator", 1, SPI_R)
         / s.IKEv2_IDi(IDtype=2, ID=b"spoke.example.net")
         / s.IKEv2_AUTH(auth_type=2, load=pat(32, 8))
         / s.IKEv2_CP(CFGType=1, attributes=[s.ConfigurationAttribute(type=1), s.ConfigurationAttribute(type=2),
                                             s.ConfigurationAttribute(type=7, value=b"Cisco IOS")])
         / s.IKEv2_SA(prop=proposal_s(1, 3, [transform_s(1, 12, 128), transform_s(3, 2), transform_s(5, 0)],
                                      spi=b"\xc4\x5d\x2a\x01"))
         / s.IKEv2_TSi(traffic_selector=[v4(IP_protocol_ID=0, starting_address_v4="0.0.0.0",
                                            ending_address_v4="255.255.255.255")])
         / s.IKEv2_TSr(traffic_selector=[v4(IP_protocol_ID=17, start_port=500, end_port=4500,
                                            starting_address_v4="10.0.0.1", ending_address_v4="10.0.0.9"),
                                         v4(IP_protocol_ID=6, start_port=0, end_port=65535,
                                            starting_address_v4="192.168.1.0",
                                            ending_address_v4="192.168.1.255")])
         / s.IKEv2_Notify(type=16384) / s.IKEv2_Notify(type=16385, notify=b"\x00\x00\x00\x05")),
        ("info_delete_esp", hdr(37, "Initiator", 6, SPI_R)
         / s.IKEv2_Delete(proto=3, SPIsize=4, SPInum=2, SPI=[b"\xc4\x5d\x2a\x01", b"\x0a\x0b\x0c\x0d"])),
        ("info_delete_ike", hdr(37, "Initiator", 7, SPI_R) / s.IKEv2_Delete(proto=1)),
        ("info_notify_spi", hdr(37, "Response", 8, SPI_R)
         / s.IKEv2_Notify(type=44, proto=3, SPIsize=4, SPI=b"\xde\xad\xbe\xef")),
        ("info_empty", hdr(37, "Initiator", 9, SPI_R)),
    ]


# ------------------------------------------------------------------ comparison


def expect_body(layer: Any) -> Tuple[int, Dict[str, Any]]:
    """(payload type, field values) as Scapy dissects a payload layer, named as ikeharness names them."""
    if isinstance(layer, s.IKEv2_SA):
        props = []
        for pr in chained(layer.prop):
            props.append({
                "number": pr.proposal, "protocol_id": pr.proto, "spi": bytes(pr.SPI), "length": pr.length,
                "spi_size": pr.SPIsize, "num_transforms": pr.trans_nb,
                "transforms": [{"type": t.transform_type, "id": t.transform_id, "length": t.length,
                                "key_length": (t.key_length & 0xFFFF) if t.length > 8 else None}
                               for t in chained(pr.trans)],
            })
        return 33, {"proposals": props}
    if isinstance(layer, s.IKEv2_KE):
        return 34, {"group": layer.group, "reserved": layer.res2, "data": bytes(layer.ke)}
    if isinstance(layer, s.IKEv2_IDi):
        return 35, {"id_type": layer.IDtype, "data": addr(layer.ID) if layer.IDtype in (1, 5) else bytes(layer.ID)}
    if isinstance(layer, s.IKEv2_AUTH):
        return 39, {"method": layer.auth_type, "data": bytes(layer.load)}
    if isinstance(layer, s.IKEv2_Nonce):
        return 40, {"data": bytes(layer.nonce)}
    if isinstance(layer, s.IKEv2_Notify):
        return 41, {"type": layer.type, "protocol_id": layer.proto, "spi": bytes(layer.SPI or b""),
                    "data": bytes(layer.notify or b"")}
    if isinstance(layer, s.IKEv2_Delete):
        return 42, {"protocol_id": layer.proto, "spis": [bytes(x) for x in (layer.SPI or [])]}
    if isinstance(layer, s.IKEv2_VendorID):
        return 43, {"data": bytes(layer.vendorID)}
    if isinstance(layer, (s.IKEv2_TSi, s.IKEv2_TSr)):
        sels = [{"ts_type": t.TS_type, "ip_protocol_id": t.IP_protocol_ID, "length": t.length,
                 "start_port": t.start_port, "end_port": t.end_port,
                 "start_address": addr(t.starting_address_v4), "end_address": addr(t.ending_address_v4)}
                for t in layer.traffic_selector]
        return (44 if isinstance(layer, s.IKEv2_TSi) else 45), {"num_ts": layer.number_of_TSs, "selectors": sels}
    if isinstance(layer, s.IKEv2_CP):
        return 47, {"cfg_type": layer.CFGType,
                    "attributes": [{"type": a.type & 0x7FFF, "length": a.length, "value": addr(a.value)
                                    if isinstance(a.value, str) else bytes(a.value or b"")}
                                   for a in layer.attributes]}
    raise AssertionError(f"no expectation for Scapy layer {type(layer).__name__}")


def ours_body(m: Message, i: int, wire: Dict[str, Any]) -> Dict[str, Any]:
    """The same field values from ikeharness (typed objects; computed fields from the wire view)."""
    p = m[i]
    b = p.body
    t = int(p.type)
    if t == 33:
        props = []
        for k, pr in enumerate(b.proposals):
            w = wire["body"]["proposals"][k]
            props.append({
                "number": w["proposal_num"], "protocol_id": int(pr.protocol_id), "spi": pr.spi,
                "length": w["proposal_length"], "spi_size": w["spi_size"], "num_transforms": w["num_transforms"],
                "transforms": [{"type": int(tr.type), "id": tr.id, "length": w["transforms"][j]["transform_length"],
                                "key_length": tr.key_length} for j, tr in enumerate(pr.transforms)],
            })
        return {"proposals": props}
    if t == 34:
        return {"group": int(b.group), "reserved": b.reserved, "data": b.data}
    if t == 35:
        return {"id_type": int(b.id_type), "data": b.data}
    if t == 39:
        return {"method": int(b.method), "data": b.data}
    if t == 40:
        return {"data": b.data}
    if t == 41:
        return {"type": int(b.type), "protocol_id": int(b.protocol_id), "spi": b.spi, "data": b.data}
    if t == 42:
        return {"protocol_id": int(b.protocol_id), "spis": b.spis}
    if t == 43:
        return {"data": b.data}
    if t in (44, 45):
        return {"num_ts": wire["body"]["number_of_ts"],
                "selectors": [{"ts_type": int(x.ts_type), "ip_protocol_id": x.ip_protocol_id,
                               "length": wire["body"]["traffic_selectors"][j]["selector_length"],
                               "start_port": x.start_port, "end_port": x.end_port,
                               "start_address": x.start_address, "end_address": x.end_address}
                              for j, x in enumerate(b.selectors)]}
    if t == 47:
        return {"cfg_type": int(b.cfg_type),
                "attributes": [{"type": int(a.type), "length": wire["body"]["attributes"][j]["length"],
                                "value": a.value} for j, a in enumerate(b.attributes)]}
    raise AssertionError(f"payload type {t} not compared")


def compare(m: Message, pkt: Any, wire: bytes) -> int:
    """Asserts every field Scapy dissects equals ikeharness's; returns how many were compared."""
    count = 0

    def eq(what: str, theirs: Any, ours: Any) -> None:
        nonlocal count
        assert ours == theirs, f"{what}: Scapy {theirs!r}, ikeharness {ours!r}"
        count += 1

    eq("init_SPI", bytes(pkt.init_SPI), m.spi_i.to_bytes(8, "big"))
    eq("resp_SPI", bytes(pkt.resp_SPI), m.spi_r.to_bytes(8, "big"))
    eq("next_payload", pkt.next_payload, m.get("next_payload"))
    eq("version", pkt.version, m.header.version)
    eq("exch_type", pkt.exch_type, int(m.exchange_type))
    eq("flags", int(pkt.flags), m.flags)
    eq("id", pkt.id, m.message_id)
    eq("length", pkt.length, len(wire))
    theirs = layers(pkt)
    eq("payload count", len(theirs), len(m))
    view = m.to_dict()["payloads"]
    for i, layer in enumerate(theirs):
        ptype, fields = expect_body(layer)
        eq(f"payload {i} type", ptype, int(m[i].type))
        eq(f"payload {i} next_payload", layer.next_payload, view[i]["next_payload"])
        eq(f"payload {i} critical", bool(int(layer.flags) & 0x80), m[i].critical)
        eq(f"payload {i} length", layer.length, view[i]["payload_length"])
        eq(f"payload {i} body", fields, ours_body(m, i, view[i]))
    return count


@pytest.mark.parametrize("name,pkt", scapy_messages(), ids=[n for n, _ in scapy_messages()])
def test_scapy_built_decode_encode_redissect(name: str, pkt: Any) -> None:
    wire = bytes(pkt)
    theirs = s.IKEv2(wire)
    assert not theirs.haslayer("Raw") and not theirs.haslayer("Padding"), theirs.summary()
    m = Message.decode(wire)
    assert compare(m, theirs, wire) >= 9
    # Encode: the same bytes, and Scapy dissects them to the same fields.
    again = m.encode()
    assert again == wire
    assert compare(Message.decode(again), s.IKEv2(again), again) >= 9


def test_edits_through_ikeharness_seen_by_scapy() -> None:
    name, pkt = scapy_messages()[0]
    m = Message.decode(bytes(pkt))
    m.message_id = 0x01020304
    m[0].set("proposal/0/transform/3/transform_id", 19)
    m[1].body = m[1].body  # a body assigned back is kept as it is
    ke_body = m[1].body
    ke_body.group = DhGroup.ECP_256
    ke_body.data = pat(64, 9)
    m[1].body = ke_body
    m.find_notify(NotifyType.NAT_DETECTION_DESTINATION_IP).set("notify_type", 16390)
    m.payloads.append(notify(NotifyType.SIGNATURE_HASH_ALGORITHMS, b"\x00\x02\x00\x03\x00\x04"))
    wire = m.encode()
    theirs = s.IKEv2(wire)
    assert not theirs.haslayer("Raw")
    ls = layers(theirs)
    assert theirs.id == 0x01020304
    assert [t.transform_id for t in chained(ls[0].prop.trans)] == [12, 5, 12, 19]
    assert (ls[1].group, bytes(ls[1].ke)) == (19, pat(64, 9)) and ls[1].length == 8 + 64
    assert [x.type for x in ls if isinstance(x, s.IKEv2_Notify)] == [16388, 16390, 16431]
    assert bytes(ls[-1].notify) == b"\x00\x02\x00\x03\x00\x04"
    assert theirs.length == len(wire)
    assert compare(Message.decode(wire), theirs, wire) > 30


# ------------------------------------------------------------------ ikeharness-built messages


def built_messages() -> List[Tuple[str, Message, Callable[[Any], None]]]:
    """(name, message built with keywords, check of Scapy's dissection against what was asked for)."""
    out: List[Tuple[str, Message, Callable[[Any], None]]] = []

    m1 = Message(exchange_type=ExchangeType.IKE_SA_INIT, flags=FLAG_INITIATOR, spi_i=int.from_bytes(SPI_I, "big"),
                 payloads=[sa(proposal(ProtocolId.IKE, [transform(TransformType.ENCR, 20, 256),
                                                        transform(TransformType.PRF, 7),
                                                        transform(TransformType.DH, 31)])),
                           ke(DhGroup.CURVE25519, pat(32, 1)), nonce(pat(32, 2)),
                           notify(NotifyType.NAT_DETECTION_SOURCE_IP, pat(20, 3)),
                           vendor_id(b"ikeharness")])

    def c1(p: Any) -> None:
        ls = layers(p)
        assert bytes(p.init_SPI) == SPI_I and p.exch_type == 34 and int(p.flags) == FLAG_INITIATOR
        assert [type(x).__name__ for x in ls] == ["IKEv2_SA", "IKEv2_KE", "IKEv2_Nonce", "IKEv2_Notify",
                                                  "IKEv2_VendorID"]
        pr = ls[0].prop
        assert (pr.proposal, pr.proto, pr.trans_nb, pr.SPIsize) == (1, 1, 3, 0)
        tr = chained(pr.trans)
        assert [(t.transform_type, t.transform_id) for t in tr] == [(1, 20), (2, 7), (4, 31)]
        assert tr[0].length == 12 and tr[0].key_length == 256
        assert tr[0].getfieldval("key_length") == 0x800E0100  # AF=1, type 14 (KEY_LENGTH), 256
        assert [t.next_payload for t in tr] == [3, 3, 0]
        assert (ls[1].group, bytes(ls[1].ke)) == (31, pat(32, 1))
        assert bytes(ls[2].nonce) == pat(32, 2)
        assert (ls[3].type, bytes(ls[3].notify)) == (16388, pat(20, 3))
        assert bytes(ls[4].vendorID) == b"ikeharness"

    out.append(("sa_init", m1, c1))

    m2 = Message(exchange_type=ExchangeType.IKE_AUTH, flags=FLAG_INITIATOR, message_id=1,
                 spi_i=1, spi_r=2, payloads=[
                     Payload(PayloadType.IDi, IdPayload(id_type=IdType.ID_IPV4_ADDR, data=b"\x0a\x96\x03\x01")),
                     Payload(PayloadType.AUTH, AuthPayload(method=AuthMethod.SHARED_KEY_MIC, data=pat(32, 4))),
                     Payload(PayloadType.CP, CpPayload(cfg_type=CfgType.CFG_REQUEST, attributes=[
                         CfgAttribute(type=CfgAttributeType.INTERNAL_IP4_ADDRESS),
                         CfgAttribute(type=CfgAttributeType.APPLICATION_VERSION, value=b"Cisco IOS 15.4")])),
                     sa(proposal(ProtocolId.ESP, [transform(TransformType.ENCR, 12, 256),
                                                  transform(TransformType.INTEG, 2),
                                                  transform(TransformType.ESN, 0)], spi=b"\xc4\x5d\x2a\x01")),
                     Payload(PayloadType.TSi, TsPayload(selectors=[TrafficSelector(
                         ts_type=TsType.TS_IPV4_ADDR_RANGE, ip_protocol_id=6, start_port=80, end_port=443,
                         start_address=b"\x0a\0\0\x01", end_address=b"\x0a\0\0\x02")])),
                     Payload(PayloadType.TSr, TsPayload(selectors=[TrafficSelector(
                         ts_type=TsType.TS_IPV4_ADDR_RANGE, start_address=b"\0\0\0\0",
                         end_address=b"\xff\xff\xff\xff")])),
                     notify(NotifyType.INITIAL_CONTACT),
                 ])

    def c2(p: Any) -> None:
        ls = layers(p)
        assert (p.exch_type, p.id, bytes(p.resp_SPI)) == (35, 1, (2).to_bytes(8, "big"))
        assert [type(x).__name__ for x in ls] == ["IKEv2_IDi", "IKEv2_AUTH", "IKEv2_CP", "IKEv2_SA", "IKEv2_TSi",
                                                  "IKEv2_TSr", "IKEv2_Notify"]
        assert ls[0].IDtype == 1 and addr(ls[0].ID) == b"\x0a\x96\x03\x01"
        assert (ls[1].auth_type, bytes(ls[1].load)) == (2, pat(32, 4))
        assert ls[2].CFGType == 1 and [a.type for a in ls[2].attributes] == [1, 7]
        assert ls[2].attributes[0].length == 0 and bytes(ls[2].attributes[1].value) == b"Cisco IOS 15.4"
        pr = ls[3].prop
        assert (pr.proto, pr.SPIsize, bytes(pr.SPI), pr.trans_nb) == (3, 4, b"\xc4\x5d\x2a\x01", 3)
        t = ls[4].traffic_selector[0]
        assert (ls[4].number_of_TSs, t.TS_type, t.IP_protocol_ID, t.start_port, t.end_port, t.length) == \
            (1, 7, 6, 80, 443, 16)
        assert (t.starting_address_v4, t.ending_address_v4) == ("10.0.0.1", "10.0.0.2")
        assert ls[5].traffic_selector[0].ending_address_v4 == "255.255.255.255"
        assert ls[6].type == 16384 and ls[6].next_payload == 0

    out.append(("auth_plain", m2, c2))

    m3 = Message(exchange_type=ExchangeType.INFORMATIONAL, flags=FLAG_RESPONSE, message_id=5, payloads=[
        Payload(PayloadType.D, DeletePayload(protocol_id=ProtocolId.ESP, spis=[b"\1\2\3\4", b"\5\6\7\x08"])),
        notify(NotifyType.CHILD_SA_NOT_FOUND, protocol=ProtocolId.ESP, spi=b"\xde\xad\xbe\xef"),
    ])

    def c3(p: Any) -> None:
        ls = layers(p)
        assert (p.exch_type, int(p.flags), p.id) == (37, FLAG_RESPONSE, 5)
        assert (ls[0].proto, ls[0].SPIsize, ls[0].SPInum) == (3, 4, 2)
        assert [bytes(x) for x in ls[0].SPI] == [b"\1\2\3\4", b"\5\6\7\x08"]
        assert (ls[1].type, ls[1].proto, ls[1].SPIsize, bytes(ls[1].SPI)) == (44, 3, 4, b"\xde\xad\xbe\xef")

    out.append(("info_delete", m3, c3))
    return out


@pytest.mark.parametrize("name,m,check", built_messages(), ids=[n for n, _, _ in built_messages()])
def test_keyword_built_dissected_by_scapy(name: str, m: Message, check: Callable[[Any], None]) -> None:
    wire = m.encode()
    theirs = s.IKEv2(wire)
    assert not theirs.haslayer("Raw") and not theirs.haslayer("Padding"), theirs.summary()
    assert theirs.length == len(wire)
    check(theirs)
    # Scapy rebuilds exactly our bytes from its dissection.
    assert bytes(theirs) == wire
    assert compare(Message.decode(wire), theirs, wire) >= 9
