# SPDX-License-Identifier: Apache-2.0
"""ikeharness.captures: Wireshark's IKEv2 test captures read with their key
table, compared frame by frame with tshark's dissection of the same files;
records that do not decode, damaged captures, missing files and bad key
tables."""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path
from typing import List

import pytest

from ikeharness import captures, crypto
from ikeharness.errors import CaptureError, DecodeError

CAPTURES = "testdata/wireshark-test-captures"


def capture_files(shared: Path) -> List[Path]:
    files = sorted((shared / CAPTURES).glob("ikev2-decrypt-*.pcap*"))
    assert len(files) == 8
    return files


def tshark(path: Path, table: Path, tmp: Path, fields: List[str], display_filter: str = "") -> List[List[str]]:
    """tshark's fields per frame, with the key table in a private configuration directory."""
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")
    conf = tmp / "wireshark"
    conf.mkdir(exist_ok=True)
    shutil.copy(table, conf / "ikev2_decryption_table")
    cmd = ["tshark", "-r", str(path), "-T", "fields", "-E", "separator=|"]
    if display_filter:
        cmd += ["-Y", display_filter]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env={**os.environ, "WIRESHARK_CONFIG_DIR": str(conf)}).stdout
    return [line.split("|") for line in out.splitlines()]


def test_every_shared_capture_matches_tshark(shared: Path, tmp_path: Path) -> None:
    table = shared / CAPTURES / "ikev2_decryption_table"
    totals = {"ike": 0, "decrypted": 0, "exchanges": 0}
    for path in capture_files(shared):
        records = captures.read_capture(path, key_table=table)
        ike = [r for r in records if r.is_ike]
        fields = ["frame.number", "frame.time_epoch", "ip.src", "ip.dst", "udp.srcport", "udp.dstport",
                  "isakmp.exchangetype", "isakmp.messageid", "isakmp.flags", "isakmp.typepayload"]
        rows = tshark(path, table, tmp_path, fields, "isakmp")
        decrypted_frames = {int(r[0]) for r in tshark(path, table, tmp_path, ["frame.number"], "isakmp.enc.decrypted")}
        # The same IKE messages, in the same frames, from and to the same places.
        assert [r.frame for r in ike] == [int(row[0]) for row in rows], path.name
        for rec, row in zip(ike, rows):
            frame, epoch, src, dst, sport, dport, exchange, message_id, flags, types = row
            assert rec.error == "" and rec.message is not None, (path.name, rec.frame, rec.error)
            assert abs(rec.time - float(epoch)) < 1e-5
            assert (rec.src, rec.dst, rec.sport, rec.dport) == (src, dst, int(sport), int(dport))
            assert int(rec.message.header.exchange_type) == int(exchange)
            assert rec.message.header.message_id == int(message_id, 16)
            assert rec.message.header.flags == int(flags, 16)
            outer = [int(p.type) for p in rec.message.payloads]
            tshark_types = [int(t) for t in types.split(",")]
            if rec.inner is None:
                assert 46 not in outer
                continue
            # Decrypted exactly where tshark decrypted, with the same inner payload
            # types (tshark also lists proposal and transform substructures, 2 and 3).
            assert rec.inner.decrypted == (rec.frame in decrypted_frames), (path.name, rec.frame)
            assert rec.inner.payloads is not None and rec.inner.error == ""
            inner = [int(p.type) for p in rec.inner.payloads]
            assert outer + inner == [t for t in tshark_types if t not in (2, 3)], (path.name, rec.frame)
            assert rec.inner.icv_verified == (path.name != "ikev2-decrypt-aes128ccm12-2.pcap")
        totals["ike"] += len(ike)
        totals["decrypted"] += sum(1 for r in ike if r.inner is not None and r.inner.decrypted)
        # An exchange: its Message ID and which peer started it (the sender of the
        # request: I flag of a request, the other side for a response, RFC 7296 3.1).
        ours = {(int(r.message.header.exchange_type), r.message.header.message_id,
                 bool(r.message.header.flags & 0x08) != bool(r.message.header.flags & 0x20)) for r in ike}
        theirs = {(int(row[6]), int(row[7], 16), bool(int(row[8], 16) & 0x08) != bool(int(row[8], 16) & 0x20))
                  for row in rows}
        assert ours == theirs, path.name
        totals["exchanges"] += len(ours)
    # 6 captures of 6 frames, 2 of 4 (expected.tsv); all but IKE_SA_INIT encrypted; 3 or 2
    # exchanges per capture (the GCM ones end with one the responder started, Message ID 0).
    assert totals == {"ike": 44, "decrypted": 28, "exchanges": 22}


def test_without_keys_nothing_is_decrypted(shared: Path) -> None:
    records = captures.read_capture(shared / CAPTURES / "ikev2-decrypt-aes256gcm16.pcap")
    assert len(records) == 6 and all(r.inner is None and r.message is not None for r in records)
    # A table without this capture's SPIs: the SK messages say so instead.
    other = crypto.parse_key_table("1111111111111111,2222222222222222,,,\"NULL [RFC2410]\",,,\"NONE [RFC4306]\"\n")
    records = captures.read_capture(shared / CAPTURES / "ikev2-decrypt-aes256gcm16.pcap", key_table=other)
    assert [r.inner.state for r in records if r.inner] == [crypto.OpenedSk.State.NoKeys] * 4


def test_icv_mismatch_is_a_record_state(shared: Path, tmp_path: Path) -> None:
    # The aes256cbc table row with a wrong SK_ar: the responder's messages fail their ICV.
    text = (shared / CAPTURES / "ikev2_decryption_table").read_text()
    row = next(line for line in text.splitlines() if line.startswith("191ccd371a7a1f7b"))
    parts = row.split(",")
    parts[6] = "00" * 32
    table = tmp_path / "keys"
    table.write_text(",".join(parts) + "\n")
    records = captures.read_capture(shared / CAPTURES / "ikev2-decrypt-aes256cbc.pcapng", key_table=str(table))
    states = [(r.frame, r.inner.state, r.inner.error) for r in records if r.inner]
    assert states == [(3, crypto.OpenedSk.State.Decrypted, ""), (4, crypto.OpenedSk.State.Failed, "ICV mismatch")]
    assert records[3].inner.payloads is None and records[3].inner.data == b""


def write_pcap(path: Path, datagrams: List[bytes], cut: int = 0) -> None:
    """A classic pcap (LINKTYPE_RAW, IPv4) of UDP 500 datagrams, built by hand."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)
    for i, payload in enumerate(datagrams):
        udp = struct.pack(">HHHH", 500, 500, 8 + len(payload), 0) + payload
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0, bytes([10, 0, 0, 1]),
                         bytes([10, 0, 0, 2])) + udp
        out += struct.pack("<IIII", 1700000000 + i, 0, len(ip), len(ip)) + ip
    path.write_bytes(out[:len(out) - cut] if cut else out)


def test_undecodable_datagram_is_a_record_not_an_exception(shared: Path, tmp_path: Path) -> None:
    good = captures.read_capture(shared / CAPTURES / "ikev2-decrypt-aes256cbc.pcapng")[0].ike
    bad_version = good[:17] + b"\x30" + good[18:]  # major version 3
    truncated = good[:40]
    path = tmp_path / "mixed.pcap"
    write_pcap(path, [good, bad_version, truncated, good])
    records = captures.read_capture(path)
    assert [r.frame for r in records] == [1, 2, 3, 4]
    assert records[0].message is not None and records[3].message is not None
    for rec in records[1:3]:
        assert rec.message is None and isinstance(rec.decode_error, DecodeError) and rec.error == str(rec.decode_error)
    assert records[1].decode_error.notify_name == "INVALID_MAJOR_VERSION"
    assert "length" in records[2].error


def test_damaged_capture_raises_after_the_good_records(shared: Path, tmp_path: Path) -> None:
    good = captures.read_capture(shared / CAPTURES / "ikev2-decrypt-aes256cbc.pcapng")[0].ike
    path = tmp_path / "cut.pcap"
    write_pcap(path, [good, good, good], cut=10)
    seen = []
    with pytest.raises(CaptureError, match=r"cut\.pcap: frame 3: truncated capture") as err:
        for rec in captures.iter_capture(path):
            seen.append(rec.frame)
    assert seen == [1, 2] and err.value.where == str(path)
    with pytest.raises(CaptureError):
        captures.read_capture(path)


def test_missing_file_and_bad_key_table(shared: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.pcap"
    with pytest.raises(CaptureError, match="nope.pcap") as err:
        captures.read_capture(missing)
    assert err.value.where == str(missing)
    table = tmp_path / "bad.keys"
    table.write_text("# Wireshark\n0123456789abcdef,fedcba9876543210,00,00,\"AES-CBC-257 [RFC3602]\",,,\"NONE\"\n")
    with pytest.raises(CaptureError, match=r"bad\.keys:2:") as err:
        captures.read_capture(shared / CAPTURES / "ikev2-decrypt-aes256cbc.pcapng", key_table=table)
    assert "AES-CBC" in str(err.value)
    assert err.value.where == str(table)
    with pytest.raises(CaptureError, match="cannot read"):
        captures.read_capture(shared / CAPTURES / "ikev2-decrypt-aes256cbc.pcapng", key_table=tmp_path / "none.keys")


def test_capture_reader_frames_and_ports(shared: Path) -> None:
    path = str(shared / CAPTURES / "ikev2-decrypt-3des-sha1_160.pcap")
    frames = list(captures.CaptureReader.open(path))
    assert [f.number for f in frames] == [1, 2, 3, 4, 5, 6]
    assert all(f.kind == captures.FrameKind.Datagram and f.datagram.kind == captures.DatagramKind.Ike for f in frames)
    # With other IKE ports nothing is picked.
    reader = captures.CaptureReader.open(path, captures.CaptureOptions([4501], [4501]))
    assert all(f.kind == captures.FrameKind.Other for f in reader)
    assert reader.next() is None
    assert captures.classify_udp(b"\xff", True).kind == captures.DatagramKind.NatKeepalive
    esp = captures.classify_udp(b"\x00\x00\x10\x01" + bytes(20), True)
    assert esp.kind == captures.DatagramKind.Esp and esp.esp_spi == 0x1001
