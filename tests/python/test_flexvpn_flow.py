# SPDX-License-Identifier: Apache-2.0
"""A FlexVPN flow scripted only in Python against the built-in hub.

The hub is flexvpn/hub.h configured by scenarios/flexvpn/configs/hub.json (the
router of ../shared/reference/flexvpn-ikev2-trace.txt); the spoke is a stepped
engine configured by scenarios/flexvpn/configs/spoke.json, driven datagram by
datagram from here. Every message is decoded in Python: the IKE header and the
IKE_SA_INIT payloads with Scapy, the encrypted ones opened with the spoke's
exported keys (ikeharness.crypto.unprotect) and decoded with ikeharness.codec.
Expected values come from the trace: the IKE_AUTH payload lists, the CFG_REPLY
address 192.168.1.13 with the route 192.168.1.1/32, the CFG_SET host route and
its zero-length CFG_ACK, and the hub's log lines.
"""
from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any, List, Tuple

import pytest
from scapy.contrib.ikev2 import IKEv2

from ikeharness import codec, crypto
from ikeharness.engine import IkeSaState, SteppedDatagram, SteppedEngine, VirtualClock, load_endpoint_config
from ikeharness.errors import EngineError, ScenarioError
from ikeharness.flexvpn import (
    CfgSetOutcome,
    Hub,
    classify_cfg_ack,
    hub_engine_config,
    load_hub_config,
    make_hub,
    make_spoke,
    parse_hub_config,
    route_text,
)

HUB = "10.150.1.1"
SPOKE = "10.150.3.1"

# The trace's payload words (IOS's debug output) in IANA spelling, as our codec names them.
TRACE_WORDS = {
    "VID": "V", "IDi": "IDi", "IDr": "IDr", "AUTH": "AUTH", "CFG": "CP", "SA": "SA", "TSi": "TSi", "TSr": "TSr",
    "NOTIFY(INITIAL_CONTACT)": "N(INITIAL_CONTACT)", "NOTIFY(SET_WINDOW_SIZE)": "N(SET_WINDOW_SIZE)",
    "NOTIFY(ESP_TFC_NO_SUPPORT)": "N(ESP_TFC_PADDING_NOT_SUPPORTED)",
    "NOTIFY(NON_FIRST_FRAGS)": "N(NON_FIRST_FRAGMENTS_ALSO)",
}
# reference/flexvpn-ikev2-trace.txt, "Payload contents:" of the IKE_AUTH request and response.
TRACE_AUTH_REQUEST = ("VID IDi AUTH CFG SA TSi TSr NOTIFY(INITIAL_CONTACT) NOTIFY(SET_WINDOW_SIZE) "
                      "NOTIFY(ESP_TFC_NO_SUPPORT) NOTIFY(NON_FIRST_FRAGS)")
TRACE_AUTH_RESPONSE = ("VID IDr AUTH CFG SA TSi TSr NOTIFY(SET_WINDOW_SIZE) NOTIFY(ESP_TFC_NO_SUPPORT) "
                       "NOTIFY(NON_FIRST_FRAGS)")


def trace_list(text: str) -> List[str]:
    return [TRACE_WORDS[w] for w in text.split()]


def label(p: Any) -> str:
    if p.type == codec.PayloadType.N:
        return f"N({codec.NotifyType(p.body.type).name})"
    return codec.PayloadType(p.type).name


def ip(b: bytes) -> str:
    return str(ipaddress.ip_address(bytes(b)))


class Flow:
    """The hub and a Python-driven spoke on one clock, and what crossed between them."""

    def __init__(self, repo: Path, seed: int = 5) -> None:
        configs = repo / "scenarios" / "flexvpn" / "configs"
        self.clock = VirtualClock()
        self.hub_engine, self.hub = make_hub(configs / "hub.json", clock=self.clock, seed=2 * seed + 1)
        self.spoke = SteppedEngine.create(configs / "spoke.json", clock=self.clock, seed=2 * seed, name="spoke")
        self.wire: List[Tuple[str, SteppedDatagram]] = []

    def send(self) -> SteppedDatagram:
        """The one datagram the spoke sent, delivered to the hub."""
        [d] = self.spoke.take()
        assert d.source.address_text == SPOKE and d.destination.remote.address_text == HUB
        self.hub_engine.receive(d)
        self.wire.append(("spoke", d))
        return d

    def answer(self) -> SteppedDatagram:
        """The one datagram the hub sent, delivered to the spoke."""
        [d] = self.hub_engine.take()
        assert d.source.address_text == HUB and d.destination.remote.address_text == SPOKE
        self.spoke.receive(d)
        self.wire.append(("hub", d))
        return d

    def open(self, d: SteppedDatagram, from_spoke: bool, serial: int) -> List[Any]:
        """The decrypted inner payloads of an encrypted message, with the spoke's exported keys."""
        sa = self.spoke.ike_sa(serial)
        [row] = [r for r in self.spoke.key_table() if (r.spi_i, r.spi_r) == (sa.spi_i, sa.spi_r)]
        opened = crypto.unprotect(row.suite(), crypto.keys_for(row.ike_sa_keys(), from_spoke), d.data)
        return list(opened.payloads())

    def establish(self) -> Tuple[int, List[Any]]:
        """IKE_SA_INIT and IKE_AUTH; returns the spoke's serial and the IKE_AUTH response's inner payloads."""
        serial = self.spoke.initiate()
        self.send()
        self.answer()
        self.send()
        reply = self.answer()
        return serial, self.open(reply, False, serial)

    def lines(self) -> str:
        return "\n".join(self.hub.lines())


@pytest.fixture
def flow(repo: Path) -> Flow:
    return Flow(repo)


def cp_of(payloads: List[Any]) -> Any:
    [cp] = [p for p in payloads if p.type == codec.PayloadType.CP]
    return cp.body


def test_ike_sa_init_and_ike_auth_with_cfg_reply(flow: Flow) -> None:
    serial = flow.spoke.initiate()
    # IKE_SA_INIT, both directions, read by Scapy.
    req = IKEv2(flow.send().data)
    assert (req.exch_type, req.id, req.flags & 0x28) == (34, 0, 0x08)  # IKE_SA_INIT request, Initiator flag
    resp_d = flow.answer()
    resp = IKEv2(resp_d.data)
    assert resp.exch_type == 34 and resp.flags & 0x20 and resp.init_SPI == req.init_SPI
    assert resp.resp_SPI != b"\x00" * 8
    # The hub answers with pol-01's proposal: aes256-sha512-prfsha512-ecp256.
    transforms = resp["IKEv2 SA"].prop.trans
    chosen = []
    while transforms is not None and transforms.name == "IKEv2 Transform":
        chosen.append((int(transforms.transform_type), int(transforms.transform_id)))
        transforms = transforms.payload if transforms.payload.name == "IKEv2 Transform" else None
    assert sorted(chosen) == [(1, 12), (2, 7), (3, 14), (4, 19)]  # ENCR_AES_CBC, PRF_SHA2_512, SHA2_512_256, ECP_256
    assert codec.Message.decode(resp_d.data).payload_types()[:3] == [
        codec.PayloadType.SA, codec.PayloadType.KE, codec.PayloadType.NONCE]

    # IKE_AUTH request: the trace's payloads in the trace's order, FLEXVPN-SUPPORTED first.
    auth_req = flow.send()
    header = codec.Message.decode(auth_req.data)
    assert header.exchange_type == codec.ExchangeType.IKE_AUTH and header.message_id == 1
    inner = flow.open(auth_req, True, serial)
    assert [label(p) for p in inner] == trace_list(TRACE_AUTH_REQUEST)
    assert bytes(inner[0].body.data) == b"FLEXVPN-SUPPORTED"
    assert cp_of(inner).cfg_type == codec.CfgType.CFG_REQUEST
    assert [a.type for a in cp_of(inner).attributes] == [codec.CfgAttributeType.INTERNAL_IP4_ADDRESS]

    # IKE_AUTH response: CFG_REPLY with the trace's address and route.
    auth_resp = flow.answer()
    inner = flow.open(auth_resp, False, serial)
    assert [label(p) for p in inner] == trace_list(TRACE_AUTH_RESPONSE)
    assert bytes(inner[0].body.data) == b"FLEXVPN-SUPPORTED"
    idr = inner[1].body
    assert idr.id_type == codec.IdType.ID_IPV4_ADDR and ip(idr.data) == HUB
    cp = cp_of(inner)
    assert cp.cfg_type == codec.CfgType.CFG_REPLY
    assert [(a.type, bytes(a.value)) for a in cp.attributes] == [
        (codec.CfgAttributeType.INTERNAL_IP4_ADDRESS, ipaddress.IPv4Address("192.168.1.13").packed),
        (codec.CfgAttributeType.INTERNAL_IP4_SUBNET,
         ipaddress.IPv4Address("192.168.1.1").packed + ipaddress.IPv4Address("255.255.255.255").packed)]
    assert flow.spoke.queued() == 0 and flow.hub_engine.queued() == 0

    # Both ends agree, and the spoke took the address.
    sa = flow.spoke.ike_sa(serial)
    assert sa.state == IkeSaState.Established
    assert sa.suite == "ENCR_AES_CBC 256 / PRF_HMAC_SHA2_512 / AUTH_HMAC_SHA2_512_256 / ECP_256"
    assert [bytes(a.value) for a in sa.cp_attributes][0] == bytes([192, 168, 1, 13])
    [hub_sa] = flow.hub_engine.ike_sas()
    assert hub_sa.state == IkeSaState.Established and (hub_sa.spi_i, hub_sa.spi_r) == (sa.spi_i, sa.spi_r)

    # The hub's log reads like the trace.
    lines = flow.lines()
    for expected in [
        "Payload contents:\n" + TRACE_AUTH_REQUEST,
        "Searching policy based on peer's identity '10.150.3.1' of type 'IPv4 address'",
        "IKEv2:found matching IKEv2 profile 'prof-01'",
        "IKEv2:% Getting preshared key from profile keyring kr-01",
        "IKEv2:% Matched peer block 'all'",
        "IKEv2:Searching Policy with fvrf 0, local address 10.150.1.1",
        "IKEv2:Found Policy 'pol-01'",
        "Verification of peer's authentication data PASSED",
        "IKEv2:Using mlist flex and username flex for group author request",
        "Config-type: Config-reply",
        "Attrib type: ipv4-addr, length: 4, data: 192.168.1.13",
        "Attrib type: ipv4-subnet, length: 8, data: 192.168.1.1 255.255.255.255",
        "%LINK-3-UPDOWN: Interface Virtual-Access1, changed state to up",
        "Payload contents:\n" + TRACE_AUTH_RESPONSE,
    ]:
        assert expected in lines, expected
    [session] = flow.hub.sessions()
    assert (session.profile, session.keyring_peer, session.group) == ("prof-01", "all", "flex")
    assert ip(session.address) == "192.168.1.13" and session.interface == "Virtual-Access1" and session.active
    [vi] = flow.hub.interfaces()
    assert (vi.name, vi.up, vi.virtual_template) == ("Virtual-Access1", True, 2)
    assert flow.hub.routes() == []
    # The key length is logged, never the key.
    psk = (Path(__file__).resolve().parents[2] / "scenarios/keys/self-mode.psk").read_text().strip()
    assert psk not in lines


def test_cfg_set_route_acknowledged_in_informational(flow: Flow) -> None:
    serial, _ = flow.establish()
    host_route = ipaddress.IPv4Address("192.168.1.13").packed + b"\xff" * 4
    flow.spoke.send_cfg_set(serial, [codec.CfgAttribute(type=codec.CfgAttributeType.INTERNAL_IP4_SUBNET,
                                                        value=host_route)])
    request = flow.send()
    header = codec.Message.decode(request.data)
    assert header.exchange_type == codec.ExchangeType.INFORMATIONAL and header.message_id == 2
    assert not header.flags & codec.FLAG_RESPONSE
    inner = flow.open(request, True, serial)
    assert [label(p) for p in inner] == ["CP"]  # the trace: "Payload contents: CFG"
    assert cp_of(inner).cfg_type == codec.CfgType.CFG_SET

    answer = flow.answer()
    scapy = IKEv2(answer.data)
    assert scapy.exch_type == 37 and scapy.flags & 0x20 and scapy.id == 2  # INFORMATIONAL response
    inner = flow.open(answer, False, serial)
    assert [label(p) for p in inner] == ["CP"]
    ack = cp_of(inner)
    assert ack.cfg_type == codec.CfgType.CFG_ACK
    # "Attrib type: ipv4-subnet, length: 0" (RFC 7296 3.15.1: accepted attributes listed without value).
    assert [(a.type, bytes(a.value)) for a in ack.attributes] == [(codec.CfgAttributeType.INTERNAL_IP4_SUBNET, b"")]
    assert [(a.type, bytes(a.value)) for a in flow.spoke.last_cfg_ack(serial)] == [
        (codec.CfgAttributeType.INTERNAL_IP4_SUBNET, b"")]

    [route] = flow.hub.routes()
    assert (ip(route.prefix), ip(route.mask), route.interface, route.vrf) == (
        "192.168.1.13", "255.255.255.255", "Virtual-Access1", "global")
    assert route.sa == flow.hub_engine.ike_sas()[0].serial
    assert route_text(route) == "192.168.1.13 255.255.255.255 via Virtual-Access1 in vrf global"
    lines = flow.lines()
    for expected in ["Config-type: Config-set",
                     "Attrib type: ipv4-subnet, length: 8, data: 192.168.1.13 255.255.255.255",
                     "IKEv2:VPN Route Added 192.168.1.13 255.255.255.255 via Virtual-Access1 in vrf global",
                     "Config-type: Config-ack", "Attrib type: ipv4-subnet, length: 0"]:
        assert expected in lines, expected
    # The hub's event objects carry the same lines with their ids.
    added = [e for e in flow.hub.events() if e.text.startswith("VPN Route Added")]
    assert len(added) == 1 and added[0].style == type(added[0]).Style.NoIds and added[0].sa == route.sa


def test_initial_contact_replaces_the_duplicate_sa(flow: Flow) -> None:
    first, _ = flow.establish()
    # The first SA pushes its route, so its removal shows too.
    flow.spoke.send_cfg_set(first, [codec.CfgAttribute(type=codec.CfgAttributeType.INTERNAL_IP4_SUBNET,
                                                       value=bytes([192, 168, 1, 13]) + b"\xff" * 4)])
    flow.send()
    flow.answer()
    assert len(flow.hub.routes()) == 1

    second, inner = flow.establish()
    assert second != first
    auth_request = flow.open(flow.wire[-2][1], True, second)
    assert "N(INITIAL_CONTACT)" in [label(p) for p in auth_request]
    # The second SA has new SPIs and the next address: the first still held .13 when it was authorized.
    old, new = flow.spoke.ike_sa(first), flow.spoke.ike_sa(second)
    assert new.spi_r != old.spi_r
    assert [bytes(a.value) for a in cp_of(inner).attributes][0] == bytes([192, 168, 1, 14])

    # The hub deleted the old SA (without a Delete: nothing more on the wire) and took its interface down.
    assert flow.hub_engine.take() == []
    by_spi = {(s.spi_i, s.spi_r): s for s in flow.hub_engine.ike_sas()}
    assert by_spi[(old.spi_i, old.spi_r)].state == IkeSaState.Deleted
    assert by_spi[(new.spi_i, new.spi_r)].state == IkeSaState.Established
    lines = flow.lines()
    # As in the trace, the check and the deletion are logged with the existing SA's ids.
    for expected in ["IKEv2:(SESSION ID = 1,SA ID = 1):Check for existing active SA",
                     "IKEv2:(SESSION ID = 1,SA ID = 1):Deleting SA",
                     "%LINEPROTO-5-UPDOWN: Line protocol on Interface Virtual-Access1, changed state to down",
                     "%LINK-3-UPDOWN: Interface Virtual-Access1, changed state to down",
                     "%LINK-3-UPDOWN: Interface Virtual-Access2, changed state to up",
                     "Released address 192.168.1.13 to pool 'flex-pool'"]:
        assert expected in lines, expected
    assert lines.index("Check for existing active SA") < lines.index("Virtual-Access1, changed state to down")
    assert [(i.name, i.up) for i in flow.hub.interfaces()] == [("Virtual-Access1", False), ("Virtual-Access2", True)]
    assert flow.hub.routes() == []  # the replaced session's route went with it
    s1, s2 = flow.hub.sessions()
    assert (s1.id, s1.active, s2.id, s2.active, s2.interface) == (1, False, 2, True, "Virtual-Access2")
    assert flow.hub.session_of(by_spi[(new.spi_i, new.spi_r)].serial).id == 2

    # The hub no longer answers on the old SA: a liveness check on it goes unanswered.
    flow.spoke.liveness_check(first)
    flow.send()
    assert flow.hub_engine.take() == []
    # The spoke retransmits it (4 s, then 1.8 times longer, 5 tries) and gives the old SA up;
    # the new one is untouched.
    for _ in range(10):
        flow.clock.advance(40)
        for d in flow.spoke.take():
            flow.hub_engine.receive(d)
        assert flow.hub_engine.take() == []
    assert flow.spoke.ike_sa(first) is None or flow.spoke.ike_sa(first).state == IkeSaState.Deleted
    assert flow.spoke.ike_sa(second).state == IkeSaState.Established


def test_spoke_model_pushes_cfg_set_on_the_next_advance(repo: Path) -> None:
    configs = repo / "scenarios" / "flexvpn" / "configs"
    clock = VirtualClock()
    hub_engine, hub = make_hub(configs / "hub.json", clock=clock, seed=3)
    spoke_engine, spoke = make_spoke(configs / "spoke.json", clock=clock, seed=2)
    assert spoke is not None
    serial = spoke_engine.initiate()
    for _ in range(2):
        for d in spoke_engine.take():
            hub_engine.receive(d)
        for d in hub_engine.take():
            spoke_engine.receive(d)
    assert spoke_engine.take() == []  # the CFG_SET is queued on the clock, not sent from inside the engine
    clock.advance(0)
    [cfg_set] = spoke_engine.take()
    hub_engine.receive(cfg_set)
    [ack] = hub_engine.take()
    spoke_engine.receive(ack)
    session = spoke.session(serial)
    assert ip(session.address) == "192.168.1.13"
    assert session.cfg_set == CfgSetOutcome.Acknowledged
    assert [route_text(r) for r in hub.routes()] == ["192.168.1.13 255.255.255.255 via Virtual-Access1 in vrf global"]
    assert any("CFG_SET outcome: Acknowledged" in e.text for e in spoke.events())


def test_hub_config_mistakes_name_the_pointer(repo: Path) -> None:
    path = repo / "scenarios" / "flexvpn" / "configs" / "hub.json"
    doc = json.loads(path.read_text())
    doc["profiles"]["prof-01"]["keyring_local"] = "kr-1"
    with pytest.raises(ScenarioError) as err:
        parse_hub_config(doc, "hub.json", path.parent)
    assert err.value.file == "hub.json"
    assert err.value.pointer == "/profiles/prof-01/keyring_local"
    assert 'did you mean "kr-01"' in str(err.value)
    with pytest.raises(ScenarioError) as err:
        load_hub_config(path.parent / "no-such-hub.json")
    assert "cannot read" in str(err.value)
    # A dict with file names relative to base_dir works like the file.
    engine, hub = make_hub(json.loads(path.read_text()), base_dir=path.parent, seed=1)
    assert engine.local.address_text == HUB and hub.lines() == []


def test_hub_needs_the_hub_engine_config_and_keeps_its_engine(repo: Path) -> None:
    configs = repo / "scenarios" / "flexvpn" / "configs"
    hub_config = load_hub_config(configs / "hub.json")
    plain = SteppedEngine.create(hub_config.endpoint, seed=1)
    with pytest.raises(EngineError) as err:
        Hub.attach(plain, hub_config)
    assert "hub_engine_config" in str(err.value)
    engine = SteppedEngine.create(hub_engine_config(hub_config.endpoint), seed=1)
    hub = Hub.attach(engine, hub_config.policy, local_address=HUB)
    spoke = SteppedEngine.create(load_endpoint_config(configs / "spoke.json"), clock=engine.clock, seed=2)
    del engine  # the hub keeps it alive
    import gc

    gc.collect()
    spoke.initiate()
    assert hub.lines() == []
    # Stepping after the hub object is gone does not crash: the engine's callbacks find it gone.
    del hub
    gc.collect()
    spoke.advance(100)


def test_classify_cfg_ack_follows_rfc_7296_3_15_1() -> None:
    subnet = codec.CfgAttribute(type=codec.CfgAttributeType.INTERNAL_IP4_SUBNET,
                                value=bytes([192, 168, 1, 13]) + b"\xff" * 4)
    dns = codec.CfgAttribute(type=codec.CfgAttributeType.INTERNAL_IP4_DNS, value=bytes([10, 0, 0, 53]))
    listed = codec.CfgAttribute(type=codec.CfgAttributeType.INTERNAL_IP4_SUBNET)
    assert classify_cfg_ack([subnet], None) == CfgSetOutcome.NoCp
    assert classify_cfg_ack([subnet], []) == CfgSetOutcome.EmptyAck
    assert classify_cfg_ack([subnet], [listed]) == CfgSetOutcome.Acknowledged
    assert classify_cfg_ack([subnet, dns], [listed]) == CfgSetOutcome.PartiallyAcknowledged
    assert classify_cfg_ack([subnet], [subnet]) == CfgSetOutcome.Invalid  # an echoed value is not an acknowledgement
