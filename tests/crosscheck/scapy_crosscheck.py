#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cross-checks our IKEv2 codec against Scapy's IKEv2 layer and tshark.

  decode  Scapy builds IKEv2 messages covering every payload type it models,
          `ikeharness decode --json` decodes the capture, and every field we
          report must equal the value Scapy dissects from the same bytes.
  encode  encode_zoo prints messages built with our encoder; Scapy must dissect
          each with nothing left over and the same field values as our JSON,
          and tshark must flag no frame as malformed or with a warning.

Exits 77 (CTest SKIP_RETURN_CODE) when Scapy, tshark or the CLI is missing.
Scapy 2.5 quirks are worked around where messages are built and named where
they are; they are facts about Scapy, not tolerances in the comparison.
"""

import argparse
import ipaddress
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


try:
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.all import IP, UDP, Ether, IPv6, NoPayload, Padding, Raw, raw, rdpcap, wrpcap
    from scapy.contrib import ikev2 as s
except ImportError as e:  # pragma: no cover - depends on the interpreter
    skip(f"Scapy is not importable by {sys.executable} ({e}); run with /usr/bin/python3 "
         "and install python3-scapy")

# Payload type numbers of Scapy's payload classes (RFC 7296 3.2). The generic
# IKEv2_payload stands for EAP (Scapy has no EAP class) and unknown types.
PTYPE = {
    s.IKEv2_payload_SA: 33, s.IKEv2_payload_KE: 34, s.IKEv2_payload_IDi: 35, s.IKEv2_payload_IDr: 36,
    s.IKEv2_payload_CERT_STR: 37, s.IKEv2_payload_CERT_CRT: 37, s.IKEv2_payload_CERT_CRL: 37,
    s.IKEv2_payload_CERTREQ: 38, s.IKEv2_payload_AUTH: 39, s.IKEv2_payload_Nonce: 40,
    s.IKEv2_payload_Notify: 41, s.IKEv2_payload_Delete: 42, s.IKEv2_payload_VendorID: 43,
    s.IKEv2_payload_TSi: 44, s.IKEv2_payload_TSr: 45, s.IKEv2_payload_Encrypted: 46,
    s.IKEv2_payload_CP: 47, s.IKEv2_payload_Encrypted_Fragment: 53,
}
ENCRYPTED = (s.IKEv2_payload_Encrypted, s.IKEv2_payload_Encrypted_Fragment)


# ------------------------------------------------------------------ building


def chain(exch, flags, mid, payloads, spi_r=b"\x00" * 8, inner=0):
    """HDR followed by payloads, Next Payload fields set explicitly.

    Scapy 2.5 leaves Next Payload at 0 between payloads (its overload table is
    keyed on the IKEv2 header only, and CP's entry says 46), so every payload
    is given the type of its successor. `payloads` holds layers or
    (type, generic IKEv2_payload) pairs for types Scapy has no class for.
    """
    types = [p[0] if isinstance(p, tuple) else PTYPE[type(p)] for p in payloads]
    layers = [p[1] if isinstance(p, tuple) else p for p in payloads]
    hdr = s.IKEv2(init_SPI=bytes.fromhex("98db5fd5979eac12"), resp_SPI=spi_r, exch_type=exch,
                  flags=flags, id=mid, next_payload=types[0] if types else 0)
    pkt = hdr
    for i, layer in enumerate(layers):
        if isinstance(layer, ENCRYPTED):
            layer.next_payload = inner
        else:
            layer.next_payload = types[i + 1] if i + 1 < len(types) else 0
        pkt = pkt / layer
    return pkt


def transform(ttype, tid, key_length=None):
    if key_length is None:
        return s.IKEv2_payload_Transform(transform_type=ttype, transform_id=tid)
    # Scapy's Transform length is a plain field: 12 must be given with the attribute.
    return s.IKEv2_payload_Transform(transform_type=ttype, transform_id=tid, length=12, key_length=key_length)


def proposal(num, proto, transforms, spi=b""):
    # Scapy's "/" copies its operands: Next Payload is set before stacking.
    trans = None
    for i, t in enumerate(transforms):
        t = t.copy()
        t.next_payload = 3 if i + 1 < len(transforms) else 0
        trans = t if trans is None else trans / t
    # SPIsize is given because Scapy's proposal length adds the SPI size field,
    # not the SPI, and counts nothing while that field is unset.
    return s.IKEv2_payload_Proposal(proposal=num, proto=proto, trans_nb=len(transforms), SPIsize=len(spi), SPI=spi,
                                    trans=trans)


def sa(*proposals):
    prop = None
    for i, p in enumerate(proposals):
        p.next_payload = 2 if i + 1 < len(proposals) else 0
        prop = p if prop is None else prop / p
    return s.IKEv2_payload_SA(prop=prop)


def notify(ntype, data=b"", proto=0, spi=b""):
    if spi:
        # Scapy computes the length without the SPI; give it. Its dissector
        # also reads Length-8 bytes of data after the SPI, so a Notify with an
        # SPI is only dissected right as the last payload: callers put it last.
        return s.IKEv2_payload_Notify(type=ntype, load=data, proto=proto, SPI=spi, length=8 + len(spi) + len(data))
    return s.IKEv2_payload_Notify(type=ntype, load=data, proto=proto)


def cp(cfg_type, attrs):
    # Scapy's CP length counts a field named "load" that CP does not have: give it.
    body = b"".join(raw(a) for a in attrs)
    return s.IKEv2_payload_CP(CFGType=cfg_type, attributes=attrs, length=8 + len(body))


def cfg(atype, value=None, ip=None):
    if ip is not None:
        # Scapy picks the address form from the length, which it must be given.
        size = 16 if ":" in ip else 4
        return s.ConfigurationAttribute(type=atype, length=size, value=ip)
    return s.ConfigurationAttribute(type=atype, value=value or b"")


def delete(proto, spi_size, spis):
    # Scapy models Delete as an opaque body (its field is named vendorID).
    body = bytes([proto, spi_size]) + len(spis).to_bytes(2, "big") + b"".join(spis)
    return s.IKEv2_payload_Delete(vendorID=body)


def ts(cls, selectors):
    return cls(traffic_selector=selectors)


def pat(n, seed):
    return bytes((seed + 29 * i) & 0xFF for i in range(n))


def idi(idtype, ident):
    # Scapy's IDi length counts a field named "load" that IDi does not have: give it.
    size = {1: 4, 5: 16}.get(idtype, len(ident))
    return s.IKEv2_payload_IDi(IDtype=idtype, ID=ident, length=8 + size)


def eap(data):
    return (48, s.IKEv2_payload(load=data))


def scapy_messages():
    """(name, IKEv2 packet, UDP port). Every 5th message goes to 4500."""
    I, R = "Initiator", "Response"
    v4 = s.IPv4TrafficSelector

    def v6(**kw):
        # Scapy's default IPv6 selector length is 20; RFC 7296 3.13.1 makes it 8 + 2 * 16.
        return s.IPv6TrafficSelector(length=40, **kw)

    m = []

    ike_cbc = [transform(1, 12, 256), transform(2, 5), transform(3, 12), transform(4, 14)]
    m.append(("sa_init_cbc", chain(34, I, 0, [sa(proposal(1, 1, ike_cbc)), s.IKEv2_payload_KE(group=14, load=pat(256, 1)),
                                              s.IKEv2_payload_Nonce(load=pat(32, 2))])))
    m.append(("sa_init_two_proposals", chain(34, I, 0, [
        sa(proposal(1, 1, [transform(1, 20, 256), transform(2, 7), transform(4, 31)]),
           proposal(2, 1, [transform(1, 12, 128), transform(1, 12, 192), transform(2, 2), transform(3, 2),
                           transform(4, 19), transform(4, 2)])),
        s.IKEv2_payload_KE(group=31, load=pat(32, 3)), s.IKEv2_payload_Nonce(load=pat(24, 4)),
        notify(16388, pat(20, 5)), notify(16389, pat(20, 6))])))
    m.append(("sa_init_3des", chain(34, I, 0, [sa(proposal(1, 1, [transform(1, 3), transform(2, 5), transform(3, 12),
                                                                   transform(4, 14)])),
                                               s.IKEv2_payload_KE(group=14, load=pat(256, 7)),
                                               s.IKEv2_payload_Nonce(load=pat(32, 8))])))
    m.append(("sa_init_response", chain(34, R, 0, [sa(proposal(1, 1, [transform(1, 20, 128), transform(2, 5), transform(4, 19)])),
                                                   s.IKEv2_payload_KE(group=19, load=pat(64, 9)),
                                                   s.IKEv2_payload_Nonce(load=pat(32, 10)),
                                                   s.IKEv2_payload_CERTREQ(cert_type=4, cert_data=pat(40, 11)),
                                                   notify(16404), notify(16430)], spi_r=pat(8, 12))))
    for group, size in ((2, 128), (5, 192), (15, 384), (20, 96), (21, 132), (32, 56)):
        m.append((f"sa_init_ke_group_{group}", chain(34, I, 0, [
            sa(proposal(1, 1, [transform(1, 12, 256), transform(2, 6), transform(3, 13), transform(4, group)])),
            s.IKEv2_payload_KE(group=group, load=pat(size, group)), s.IKEv2_payload_Nonce(load=pat(16, group))])))
    m.append(("sa_init_cookie", chain(34, R, 0, [notify(16390, pat(32, 13))])))
    m.append(("sa_init_cookie_retry", chain(34, I, 0, [notify(16390, pat(32, 13)), sa(proposal(1, 1, ike_cbc)),
                                                       s.IKEv2_payload_KE(group=14, load=pat(256, 1)),
                                                       s.IKEv2_payload_Nonce(load=pat(32, 2))])))
    m.append(("sa_init_invalid_ke", chain(34, R, 0, [notify(17, b"\x00\x13")])))
    m.append(("sa_init_no_proposal", chain(34, R, 0, [notify(14)])))
    m.append(("sa_init_sig_hash", chain(34, I, 0, [s.IKEv2_payload_Nonce(load=pat(32, 14)), notify(16431, b"\x00\x02\x00\x03\x00\x04"),
                                                   s.IKEv2_payload_VendorID(vendorID=b"FLEXVPN-SUPPORTED"),
                                                   s.IKEv2_payload_VendorID(vendorID=pat(16, 15))])))

    esp = [transform(1, 12, 128), transform(3, 2), transform(5, 0)]
    for idtype, ident, name in ((1, "10.150.3.1", "ipv4"), (5, "2001:db8::1", "ipv6"), (2, b"spoke.example.net", "fqdn"),
                                (3, b"spoke@example.net", "rfc822"), (11, pat(12, 16), "key_id")):
        m.append((f"auth_idi_{name}", chain(35, I, 1, [
            idi(idtype, ident),
            s.IKEv2_payload_AUTH(auth_type=2, load=pat(32, 17)),
            sa(proposal(1, 3, esp, spi=b"\xc4\x5d\x2a\x01")),
            ts(s.IKEv2_payload_TSi, [v4(IP_protocol_ID=0, starting_address_v4="0.0.0.0", ending_address_v4="255.255.255.255")]),
            ts(s.IKEv2_payload_TSr, [v4(IP_protocol_ID=0, starting_address_v4="0.0.0.0", ending_address_v4="255.255.255.255")]),
        ], spi_r=pat(8, 12))))
    for idtype, ident, name in ((1, "10.150.1.1", "ipv4"), (5, "fe80::1:2:3:4", "ipv6"), (2, b"hub.example.net", "fqdn"),
                                (9, bytes.fromhex("300e310c300a06035504030c03666f6f"), "der_dn")):
        m.append((f"auth_idr_{name}", chain(35, R, 1, [
            s.IKEv2_payload_IDr(IDtype=idtype, ID=ident),
            s.IKEv2_payload_AUTH(auth_type=1, load=pat(128, 18)),
        ], spi_r=pat(8, 12))))
    m.append(("auth_flexvpn_spoke", chain(35, I, 1, [
        s.IKEv2_payload_VendorID(vendorID=b"FLEXVPN-SUPPORTED"),
        idi(1, "10.150.3.1"),
        s.IKEv2_payload_AUTH(auth_type=2, load=pat(32, 19)),
        cp(1, [cfg(1), cfg(2), cfg(3), cfg(13), cfg(7, b"Cisco IOS")]),
        sa(proposal(1, 3, esp, spi=b"\x11\x22\x33\x44")),
        ts(s.IKEv2_payload_TSi, [v4(IP_protocol_ID=0, starting_address_v4="0.0.0.0", ending_address_v4="255.255.255.255")]),
        ts(s.IKEv2_payload_TSr, [v4(IP_protocol_ID=0, starting_address_v4="0.0.0.0", ending_address_v4="255.255.255.255")]),
        notify(16384), notify(16385, b"\x00\x00\x00\x05"), notify(16394), notify(16395)], spi_r=pat(8, 12))))
    m.append(("auth_flexvpn_hub", chain(35, R, 1, [
        s.IKEv2_payload_VendorID(vendorID=b"FLEXVPN-SUPPORTED"),
        s.IKEv2_payload_IDr(IDtype=1, ID="10.150.1.1"),
        s.IKEv2_payload_AUTH(auth_type=2, load=pat(32, 20)),
        cp(2, [cfg(1, ip="192.168.1.13"), cfg(2, ip="255.255.255.255"), cfg(3, ip="192.168.1.1"),
               cfg(13, bytes.fromhex("c0a80101ffffffff")), cfg(10, ip="2001:db8::53"),
               cfg(8, bytes.fromhex("20010db8000000000000000000000001") + b"\x40")]),
        sa(proposal(1, 3, esp, spi=b"\x55\x66\x77\x88")),
        ts(s.IKEv2_payload_TSi, [v4(IP_protocol_ID=0, starting_address_v4="192.168.1.13", ending_address_v4="192.168.1.13")]),
        ts(s.IKEv2_payload_TSr, [v4(IP_protocol_ID=0, starting_address_v4="0.0.0.0", ending_address_v4="255.255.255.255")]),
        notify(16385, b"\x00\x00\x00\x05"), notify(16394), notify(16395)], spi_r=pat(8, 12))))
    m.append(("auth_cert_hash_url", chain(35, I, 1, [
        idi(2, b"spoke"),
        s.IKEv2_payload_CERT_STR(cert_type=12, cert_data=pat(20, 21) + b"http://ca.example.net/spoke.cer"),
        s.IKEv2_payload_CERTREQ(cert_type=4, cert_data=pat(20, 22)),
        s.IKEv2_payload_AUTH(auth_type=9, load=pat(64, 23))], spi_r=pat(8, 12))))
    m.append(("auth_cert_raw_key", chain(35, R, 1, [
        s.IKEv2_payload_CERT_STR(cert_type=15, cert_data=pat(91, 24)),
        s.IKEv2_payload_CERT_STR(cert_type=1, cert_data=pat(33, 25)),
        s.IKEv2_payload_AUTH(auth_type=14, load=pat(80, 26))], spi_r=pat(8, 12))))
    m.append(("auth_certreq_two", chain(35, I, 1, [
        s.IKEv2_payload_CERTREQ(cert_type=4, cert_data=pat(60, 27)),
        s.IKEv2_payload_CERTREQ(cert_type=12, cert_data=b"")], spi_r=pat(8, 12))))
    m.append(("auth_ts_v6", chain(35, I, 1, [
        ts(s.IKEv2_payload_TSi, [v6(IP_protocol_ID=6, start_port=1024, end_port=65535, starting_address_v6="2001:db8::",
                                    ending_address_v6="2001:db8::ffff"),
                                 v4(IP_protocol_ID=17, start_port=500, end_port=500, starting_address_v4="10.0.0.1",
                                    ending_address_v4="10.0.0.1")]),
        ts(s.IKEv2_payload_TSr, [v6(IP_protocol_ID=0, starting_address_v6="::", ending_address_v6="ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]),
    ], spi_r=pat(8, 12))))
    m.append(("auth_ts_many", chain(35, R, 1, [
        ts(s.IKEv2_payload_TSi, [v4(IP_protocol_ID=p, start_port=p, end_port=p * 100, starting_address_v4=f"10.{p}.0.0",
                                    ending_address_v4=f"10.{p}.255.255") for p in (1, 6, 17, 47, 50)]),
        ts(s.IKEv2_payload_TSr, [v4(IP_protocol_ID=0, starting_address_v4="172.16.0.0", ending_address_v4="172.31.255.255")]),
    ], spi_r=pat(8, 12))))
    m.append(("auth_eap_identity", chain(35, I, 2, [eap(bytes.fromhex("0201000a0173706f6b65"))], spi_r=pat(8, 12))))
    m.append(("auth_eap_success", chain(35, R, 3, [eap(bytes.fromhex("03020004"))], spi_r=pat(8, 12))))
    m.append(("auth_failed", chain(35, R, 1, [notify(24)], spi_r=pat(8, 12))))
    m.append(("auth_errors", chain(35, R, 1, [notify(38), notify(35), notify(36), notify(37)], spi_r=pat(8, 12))))
    m.append(("auth_status", chain(35, I, 1, [notify(16396), notify(16391), notify(16417), notify(16418),
                                              notify(16403, b"\x00\x01\x51\x80")], spi_r=pat(8, 12))))

    m.append(("child_rekey", chain(36, I, 2, [
        sa(proposal(1, 3, esp, spi=b"\x01\x02\x03\x04"), proposal(2, 2, [transform(3, 12), transform(5, 1)], spi=b"\x01\x02\x03\x05")),
        s.IKEv2_payload_Nonce(load=pat(32, 28)), s.IKEv2_payload_KE(group=19, load=pat(64, 29)),
        ts(s.IKEv2_payload_TSi, [v4(IP_protocol_ID=0, starting_address_v4="10.1.0.0", ending_address_v4="10.1.255.255")]),
        ts(s.IKEv2_payload_TSr, [v4(IP_protocol_ID=0, starting_address_v4="10.2.0.0", ending_address_v4="10.2.255.255")]),
        notify(16393, proto=3, spi=b"\xc4\x5d\x2a\x01")], spi_r=pat(8, 12))))
    m.append(("child_rekey_ike", chain(36, I, 3, [
        sa(proposal(1, 1, [transform(1, 12, 256), transform(2, 5), transform(3, 12), transform(4, 14)], spi=pat(8, 30))),
        s.IKEv2_payload_Nonce(load=pat(32, 31)), s.IKEv2_payload_KE(group=14, load=pat(256, 32))], spi_r=pat(8, 12))))
    m.append(("info_child_not_found", chain(37, R, 4, [notify(44, proto=3, spi=b"\xde\xad\xbe\xef")], spi_r=pat(8, 12))))
    m.append(("info_invalid_spi", chain(37, I, 0, [notify(11, proto=3, spi=b"\x00\x00\x10\x01")], spi_r=pat(8, 12))))
    m.append(("info_delete_ike", chain(37, I, 5, [delete(1, 0, [])], spi_r=pat(8, 12))))
    m.append(("info_delete_esp", chain(37, I, 6, [delete(3, 4, [b"\xc4\x5d\x2a\x01", b"\x0a\x0b\x0c\x0d"])], spi_r=pat(8, 12))))
    m.append(("info_delete_ah_many", chain(37, R, 6, [delete(2, 4, [pat(4, i) for i in range(6)])], spi_r=pat(8, 12))))
    m.append(("info_dpd", chain(37, I, 7, [], spi_r=pat(8, 12))))
    m.append(("info_cfg_set", chain(37, I, 2, [cp(3, [cfg(13, bytes.fromhex("c0a8010dffffffff"))])], spi_r=pat(8, 12))))
    m.append(("info_cfg_ack", chain(37, R, 2, [cp(4, [cfg(13)])], spi_r=pat(8, 12))))
    m.append(("info_cfg_many", chain(37, I, 8, [cp(1, [cfg(t) for t in (1, 2, 3, 4, 6, 8, 10, 12, 14, 15, 20, 21, 25)])],
                                     spi_r=pat(8, 12))))
    m.append(("info_mobike", chain(37, I, 9, [notify(16400), notify(16401, pat(16, 33)), notify(16397, b"\x0a\x00\x00\x09"),
                                              notify(16398, pat(16, 34))], spi_r=pat(8, 12))))

    m.append(("sk_auth", chain(35, I, 1, [s.IKEv2_payload_Encrypted(load=pat(16 + 240 + 12, 35))], spi_r=pat(8, 12), inner=35)))
    m.append(("sk_auth_response", chain(35, R, 1, [s.IKEv2_payload_Encrypted(load=pat(16 + 208 + 16, 36))], spi_r=pat(8, 12), inner=36)))
    m.append(("sk_informational_empty", chain(37, R, 7, [s.IKEv2_payload_Encrypted(load=pat(28, 37))], spi_r=pat(8, 12), inner=0)))
    m.append(("sk_after_vid", chain(37, I, 10, [s.IKEv2_payload_VendorID(vendorID=pat(16, 38)),
                                                s.IKEv2_payload_Encrypted(load=pat(60, 39))], spi_r=pat(8, 12), inner=42)))
    m.append(("skf_first", chain(35, I, 1, [s.IKEv2_payload_Encrypted_Fragment(frag_number=1, frag_total=3, load=pat(540, 40))],
                                 spi_r=pat(8, 12), inner=35)))
    m.append(("skf_middle", chain(35, I, 1, [s.IKEv2_payload_Encrypted_Fragment(frag_number=2, frag_total=3, load=pat(540, 41))],
                                  spi_r=pat(8, 12), inner=0)))
    m.append(("skf_last", chain(35, I, 1, [s.IKEv2_payload_Encrypted_Fragment(frag_number=3, frag_total=3, load=pat(77, 42))],
                                spi_r=pat(8, 12), inner=0)))

    crit = s.IKEv2_payload_VendorID(vendorID=pat(20, 43), res=0x80)
    m.append(("critical_vid", chain(37, I, 11, [crit], spi_r=pat(8, 12))))
    m.append(("reserved_bits", chain(37, I, 12, [s.IKEv2_payload_Nonce(load=pat(16, 44), res=0x05),
                                                 s.IKEv2_payload_KE(group=19, res2=0x1234, load=pat(64, 45)),
                                                 s.IKEv2_payload_AUTH(auth_type=2, res2=0x010203, load=pat(20, 46))],
                                      spi_r=pat(8, 12))))
    m.append(("unknown_payload", chain(37, I, 13, [(200, s.IKEv2_payload(load=pat(10, 47))), notify(16384)], spi_r=pat(8, 12))))
    m.append(("big_message_id", chain(37, R, 0xFFFFFFF0, [notify(16384)], spi_r=pat(8, 12))))

    return [(name, pkt, 4500 if i % 5 == 4 else 500) for i, (name, pkt) in enumerate(m)]


def frame(ike_bytes, port, index):
    """Ether/IP/UDP around the message; on 4500 behind the non-ESP marker (RFC 3948 2.2)."""
    payload = (b"\x00\x00\x00\x00" + ike_bytes) if port == 4500 else ike_bytes
    if index % 7 == 3:
        ip = IPv6(src=f"2001:db8::{index + 1:x}", dst="2001:db8::ffff")
    else:
        ip = IP(src=f"10.0.{index // 250}.{index % 250 + 1}", dst="10.150.1.1")
    return Ether() / ip / UDP(sport=port, dport=port) / Raw(payload)


# --------------------------------------------------- Scapy -> our vocabulary


class IpText(str):
    """An address rendering compared by value: "2001:db8::" equals "2001:0db8::"."""


def ip_hex(text):
    return ipaddress.ip_address(text).packed.hex()


def hexs(b):
    return bytes(b).hex()


def walk(layer):
    while layer is not None and not isinstance(layer, NoPayload):
        yield layer
        layer = layer.payload


def expect_transform(t):
    if not isinstance(t, s.IKEv2_payload_Transform):
        raise AssertionError(f"Scapy left {type(t).__name__} inside a proposal")
    d = {"last_substruc": t.next_payload, "reserved": t.res, "transform_length": t.length,
         "transform_type": t.transform_type, "reserved2": t.res2, "transform_id": t.transform_id, "attributes": []}
    if t.length > 8:
        # Scapy keeps the whole 4-byte Key Length attribute (AF bit and type included).
        word = t.getfieldval("key_length")
        d["attributes"] = [{"af": bool(word >> 31), "attribute_type": (word >> 16) & 0x7FFF,
                            "attribute_value": word & 0xFFFF}]
    return d


def expect_sa(p):
    props = []
    for pr in walk(p.prop):
        if not isinstance(pr, s.IKEv2_payload_Proposal):
            raise AssertionError(f"Scapy left {type(pr).__name__} inside the SA payload")
        props.append({"last_substruc": pr.next_payload, "reserved": pr.res, "proposal_length": pr.length,
                      "proposal_num": pr.proposal, "protocol_id": pr.proto, "spi_size": pr.SPIsize,
                      "num_transforms": pr.trans_nb, "spi": hexs(pr.SPI),
                      "transforms": [expect_transform(t) for t in walk(pr.trans)]})
    return {"proposals": props}


def expect_id(p):
    if p.IDtype == 1:
        data, text = ip_hex(p.ID), IpText(p.ID)
    elif p.IDtype == 5:
        data, text = ip_hex(p.ID), IpText(p.ID)
    else:
        data, text = hexs(p.ID), None
    d = {"id_type": p.IDtype, "reserved": p.res2, "identification_data": data}
    if text is not None:
        d["identification_data_text"] = text
    elif p.IDtype in (2, 3):
        d["identification_data_text"] = bytes(p.ID).decode()
    return d


def expect_ts(p):
    sels = []
    for t in p.traffic_selector:
        if isinstance(t, s.IPv4TrafficSelector):
            a0, a1 = t.starting_address_v4, t.ending_address_v4
        elif isinstance(t, s.IPv6TrafficSelector):
            a0, a1 = t.starting_address_v6, t.ending_address_v6
        else:
            raise AssertionError(f"unexpected selector class {type(t).__name__}")
        sels.append({"ts_type": t.TS_type, "ip_protocol_id": t.IP_protocol_ID, "selector_length": t.length,
                     "start_port": t.start_port, "end_port": t.end_port,
                     "starting_address": ip_hex(a0), "ending_address": ip_hex(a1),
                     "starting_address_text": IpText(a0), "ending_address_text": IpText(a1)})
    return {"number_of_ts": p.number_of_TSs, "reserved": p.res2, "traffic_selectors": sels}


def expect_cp(p):
    attrs = []
    for a in p.attributes:
        v = a.value
        if isinstance(v, str):  # Scapy turned a 4- or 16-byte address value into text
            data, text = ip_hex(v), IpText(v)
        else:
            data, text = hexs(v), None
        d = {"reserved_bit": bool(a.type & 0x8000), "attribute_type": a.type & 0x7FFF, "length": a.length, "value": data}
        if text is not None:
            d["value_text"] = text
        attrs.append(d)
    return {"cfg_type": p.CFGType, "reserved": p.res2, "attributes": attrs}


def expect_delete(p):
    b = bytes(p.vendorID)
    size, count = b[1], int.from_bytes(b[2:4], "big")
    return {"protocol_id": b[0], "spi_size": size, "num_spis": count,
            "spis": [b[4 + i * size:4 + (i + 1) * size].hex() for i in range(count)]}


def expect_body(p, ptype):
    if isinstance(p, s.IKEv2_payload_SA):
        return expect_sa(p)
    if isinstance(p, s.IKEv2_payload_KE):
        return {"dh_group": p.group, "reserved": p.res2, "key_exchange_data": hexs(p.load)}
    if isinstance(p, (s.IKEv2_payload_IDi, s.IKEv2_payload_IDr)):
        return expect_id(p)
    if isinstance(p, s.IKEv2_payload_CERT_STR):
        return {"cert_encoding": p.cert_type, "certificate_data": hexs(p.cert_data)}
    if isinstance(p, s.IKEv2_payload_CERTREQ):
        return {"cert_encoding": p.cert_type, "certification_authority": hexs(p.cert_data)}
    if isinstance(p, s.IKEv2_payload_AUTH):
        return {"auth_method": p.auth_type, "reserved": p.res2, "authentication_data": hexs(p.load)}
    if isinstance(p, s.IKEv2_payload_Nonce):
        return {"nonce_data": hexs(p.load)}
    if isinstance(p, s.IKEv2_payload_Notify):
        return {"protocol_id": p.proto, "spi_size": p.SPIsize, "notify_type": p.type, "spi": hexs(p.SPI),
                "notification_data": hexs(p.load)}
    if isinstance(p, s.IKEv2_payload_Delete):
        return expect_delete(p)
    if isinstance(p, s.IKEv2_payload_VendorID):
        return {"vendor_id": hexs(p.vendorID)}
    if isinstance(p, (s.IKEv2_payload_TSi, s.IKEv2_payload_TSr)):
        return expect_ts(p)
    if isinstance(p, s.IKEv2_payload_Encrypted):
        return {"encrypted_data": hexs(p.load)}
    if isinstance(p, s.IKEv2_payload_CP):
        return expect_cp(p)
    if isinstance(p, s.IKEv2_payload_Encrypted_Fragment):
        return {"fragment_number": p.frag_number, "total_fragments": p.frag_total, "encrypted_data": hexs(p.load)}
    if type(p) is s.IKEv2_payload:
        return {"eap_message": hexs(p.load)} if ptype == 48 else {"data": hexs(p.load)}
    raise AssertionError(f"Scapy dissected a {type(p).__name__} layer where a payload was expected")


def expect_message(ike):
    """Our JSON vocabulary for a message Scapy dissected."""
    hdr = {"initiator_spi": hexs(ike.init_SPI), "responder_spi": hexs(ike.resp_SPI), "next_payload": ike.next_payload,
           "version": ike.version, "exchange_type": ike.exch_type, "flags": int(ike.flags), "message_id": ike.id,
           "length": ike.length}
    payloads = []
    ptype = ike.next_payload
    offset = 28
    for p in walk(ike.payload):
        if isinstance(p, (Raw, Padding)):
            raise AssertionError(f"Scapy left {len(p)} undissected bytes ({type(p).__name__}) after payload "
                                 f"{len(payloads)}")
        if type(p) is s.IKEv2_payload:
            # Scapy's generic payload puts "critical" in the low bit; RFC 7296 3.2 has it in the high one.
            byte = int(p.flags)
        else:
            byte = p.res
        payloads.append({"type": ptype, "offset": offset, "next_payload": p.next_payload, "critical": bool(byte & 0x80),
                         "reserved": byte & 0x7F, "payload_length": p.length, "body": expect_body(p, ptype)})
        offset += p.length
        if isinstance(p, ENCRYPTED):
            break  # RFC 7296 3.14: its Next Payload names the first inner payload
        ptype = p.next_payload
    return {"header": hdr, "payloads": payloads}


# ------------------------------------------------------------------ compare


COMPARED = [0]  # leaf values compared, reported so a vacuous pass shows


def compare(exp, got, path, errors):
    if not isinstance(exp, (dict, list)):
        COMPARED[0] += 1
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            errors.append(f"{path}: expected an object, ours is {json.dumps(got)}")
            return
        for k, v in exp.items():
            if k not in got:
                errors.append(f"{path}.{k}: missing from our JSON (have {sorted(got)})")
            else:
                compare(v, got[k], f"{path}.{k}", errors)
    elif isinstance(exp, list):
        if not isinstance(got, list) or len(got) != len(exp):
            errors.append(f"{path}: Scapy has {len(exp)} items, ours {json.dumps(got)[:200]}")
            return
        for i, (e, g) in enumerate(zip(exp, got)):
            compare(e, g, f"{path}[{i}]", errors)
    elif isinstance(exp, IpText):
        try:
            same = ipaddress.ip_address(got) == ipaddress.ip_address(exp)
        except ValueError:
            same = False
        if not same:
            errors.append(f"{path}: Scapy {exp!s}, ours {got!r}")
    elif isinstance(exp, str):
        if not isinstance(got, str) or got.lower() != exp.lower():
            errors.append(f"{path}: Scapy {exp!r}, ours {got!r}")
    elif isinstance(exp, bool):
        if got is not exp:
            errors.append(f"{path}: Scapy {exp}, ours {got!r}")
    elif got != exp or isinstance(got, bool):
        errors.append(f"{path}: Scapy {exp!r}, ours {got!r}")


def run_ikeharness(cli, pcap):
    proc = subprocess.run([cli, "decode", pcap, "--json"], capture_output=True, text=True, timeout=60)
    # Exit 1 means some message did not decode; those rows carry "error" and fail below.
    if proc.returncode not in (0, 1):
        raise SystemExit(f"FAIL: `{cli} decode {pcap} --json` exited {proc.returncode}: {proc.stderr.strip()}")
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return rows


def check_frames(names, ports, ikes, rows, errors):
    """Frame-level fields, then message by message, field by field."""
    if len(rows) != len(names):
        errors.append(f"capture has {len(names)} IKE datagrams, ikeharness printed {len(rows)} objects")
    for i, (name, port, ike, row) in enumerate(zip(names, ports, ikes, rows)):
        where = f"frame {i + 1} ({name})"
        n = len(errors)
        if row.get("frame") != i + 1:
            errors.append(f"{where}: frame number {row.get('frame')!r}")
        if row.get("kind") != "IKE":
            errors.append(f"{where}: kind {row.get('kind')!r} ({row.get('error', '')})")
            continue
        if row.get("sport") != port or row.get("dport") != port:
            errors.append(f"{where}: ports {row.get('sport')}/{row.get('dport')}, sent on {port}")
        if bool(row.get("non_esp_marker")) != (port == 4500):
            errors.append(f"{where}: non_esp_marker {row.get('non_esp_marker')!r} on port {port}")
        if row.get("error"):
            errors.append(f"{where}: ikeharness could not decode it: {row['error']}")
        if "ike" not in row:
            errors.append(f"{where}: no 'ike' object (error: {row.get('error', '')})")
            continue
        compare(expect_message(ike), row["ike"], where, errors)
        if len(errors) == n:
            print(f"ok   {where}: {len(row['ike']['payloads'])} payloads")


def find_cli(arg):
    cli = arg or os.environ.get("IKEHARNESS")
    if not cli:
        skip("the ikeharness CLI target does not exist in this build (pass --ikeharness)")
    if not (os.path.isfile(cli) and os.access(cli, os.X_OK)):
        skip(f"ikeharness binary not found at {cli!r}")
    return cli


# ------------------------------------------------------------------ modes


def mode_decode(args, tmp):
    cli = find_cli(args.ikeharness)
    msgs = scapy_messages()
    names, ports, wire, frames = [], [], [], []
    for i, (name, pkt, port) in enumerate(msgs):
        b = raw(pkt)
        names.append(name)
        ports.append(port)
        wire.append(b)
        frames.append(frame(b, port, i))
    covered = {type(p) for _, pkt, _ in msgs for p in walk(pkt.payload)}
    missing = [c.__name__ for c in set(PTYPE) - covered - {s.IKEv2_payload_CERT_CRT, s.IKEv2_payload_CERT_CRL}]
    if missing:
        raise SystemExit(f"FAIL: the message set misses Scapy payload classes {missing}")
    pcap = os.path.join(tmp, "scapy_built.pcap")
    wrpcap(pcap, frames)
    # Expectations come from Scapy's dissection of the very bytes it wrote.
    ikes = [s.IKEv2(b) for b in wire]
    rows = run_ikeharness(cli, pcap)
    errors = []
    check_frames(names, ports, ikes, rows, errors)
    return errors, len(msgs)


# Frames tshark is known to mishandle, with the reason; any other flagged
# frame fails the test.
TSHARK_KNOWN = {
    "auth_request_null_id": "tshark 4.0 asserts (tvbuff.c: len > 0) on ID_NULL, whose data RFC 7619 3 requires "
                            "to be empty",
}

# Expert-info severity values (epan/proto.h): PI_WARN is 0x00600000.
PI_WARN = 0x00600000


def tshark_flagged(pcap):
    proc = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", f"_ws.malformed || _ws.expert.severity >= {PI_WARN}",
                           "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message"],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise SystemExit(f"FAIL: tshark exited {proc.returncode}: {proc.stderr.strip()}")
    out = {}
    for line in proc.stdout.splitlines():
        num, _, msg = line.partition("\t")
        out[int(num)] = msg
    return out


def tshark_payload_types(pcap):
    proc = subprocess.run(["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                           "-e", "isakmp.typepayload"], capture_output=True, text=True, timeout=120)
    return [[int(x) for x in line.split(",") if x] for line in proc.stdout.splitlines()]


def mode_encode(args, tmp):
    cli = find_cli(args.ikeharness)
    if not shutil.which("tshark"):
        skip("tshark is not installed")
    if not args.zoo or not os.access(args.zoo, os.X_OK):
        raise SystemExit(f"FAIL: encode_zoo not found at {args.zoo!r}")
    proc = subprocess.run([args.zoo], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise SystemExit(f"FAIL: encode_zoo exited {proc.returncode}: {proc.stderr.strip()}")
    names, ports, wire = [], [], []
    for line in proc.stdout.splitlines():
        name, _, h = line.partition("\t")
        names.append(name)
        wire.append(bytes.fromhex(h))
        ports.append(4500 if len(names) % 4 == 0 else 500)
    if len(names) < 20:
        raise SystemExit(f"FAIL: encode_zoo printed only {len(names)} messages")
    pcap = os.path.join(tmp, "ikeharness_built.pcap")
    wrpcap(pcap, [frame(b, p, i) for i, (b, p) in enumerate(zip(wire, ports))])

    errors = []
    ikes = []
    seen_types = set()
    for i, (name, pkt, b) in enumerate(zip(names, rdpcap(pcap), wire)):
        where = f"frame {i + 1} ({name})"
        layers = [type(x).__name__ for x in walk(pkt)]
        if "Raw" in layers or "Padding" in layers:
            errors.append(f"{where}: Scapy did not dissect everything: {' / '.join(layers)}")
        ike = pkt.getlayer(s.IKEv2)
        if ike is None:
            errors.append(f"{where}: Scapy found no IKEv2 layer: {' / '.join(layers)}")
            ike = s.IKEv2(b)
        elif raw(ike) != b:
            errors.append(f"{where}: Scapy rebuilds {len(raw(ike))} bytes that differ from ours")
        ikes.append(ike)
        ptype = ike.next_payload
        for p in walk(ike.payload):
            seen_types.add(ptype)
            if isinstance(p, ENCRYPTED):
                break
            ptype = getattr(p, "next_payload", 0)
    # Every payload type the codec models (RFC 7296 3.2, RFC 7383) must be in the zoo.
    missing = sorted({33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 53} - seen_types)
    if missing:
        errors.append(f"encode_zoo does not cover payload types {missing}")

    rows = run_ikeharness(cli, pcap)
    check_frames(names, ports, ikes, rows, errors)

    flagged = tshark_flagged(pcap)
    for num, msg in sorted(flagged.items()):
        name = names[num - 1]
        if name in TSHARK_KNOWN:
            print(f"note frame {num} ({name}): tshark says {msg!r}; known: {TSHARK_KNOWN[name]}")
        else:
            errors.append(f"frame {num} ({name}): tshark flags it: {msg}")
    # tshark's payload chain (top level only: it names SA substructures 2/3 too).
    for i, (types, row) in enumerate(zip(tshark_payload_types(pcap), rows)):
        if names[i] in TSHARK_KNOWN:
            continue  # tshark stopped dissecting at its own bug
        ours = [p["type"] for p in row.get("ike", {}).get("payloads", [])]
        theirs = [t for t in types if t >= 33 or t == 0]
        if theirs != ours:
            errors.append(f"frame {i + 1} ({names[i]}): tshark payload types {theirs}, ours {ours}")
    return errors, len(names)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["decode", "encode"])
    ap.add_argument("--ikeharness", default="", help="path to the ikeharness binary")
    ap.add_argument("--zoo", default="", help="path to encode_zoo (encode mode)")
    ap.add_argument("--keep", metavar="DIR", help="write the pcaps here instead of a temporary folder")
    args = ap.parse_args()
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        errors, count = (mode_decode if args.mode == "decode" else mode_encode)(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="ikeh-crosscheck-") as tmp:
            errors, count = (mode_decode if args.mode == "decode" else mode_encode)(args, tmp)
    if errors:
        print(f"FAIL: {len(errors)} mismatches over {count} messages")
        for e in errors[:200]:
            print("  " + e)
        return 1
    print(f"PASS: {count} messages agree on {COMPARED[0]} field values")
    return 0


if __name__ == "__main__":
    sys.exit(main())
