# SPDX-License-Identifier: Apache-2.0
"""ikeharness.crypto: prf, prf+, SKEYSEED and the SK_* keys checked against
NSS's IKE vectors and Python's hmac module; SK protection round trips, its
failures, and decryption of Wireshark's IKEv2 test captures compared with
tshark's dissection and the AUTH values Wireshark's own test asserts."""
from __future__ import annotations

import csv
import hashlib
import hmac
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Tuple

import pytest

from ikeharness import _core, crypto
from ikeharness.errors import CaptureError, CryptoError, DecodeError

# --- NSS vectors -------------------------------------------------------------------------------

NSS_FILES = {
    "sha1": "PRF_HMAC_SHA1",
    "sha256": "PRF_HMAC_SHA2_256",
    "sha384": "PRF_HMAC_SHA2_384",
    "sha512": "PRF_HMAC_SHA2_512",
    "aesxcbc": "PRF_AES128_XCBC",
}


def nss_hex(s: str) -> bytes:
    """Hex as NSS's gtest helper reads it: two digits per byte from the left, a
    lone last digit being a byte of its own (aesxcbc #7 has 33 digits)."""
    return bytes(int(s[i:i + 2], 16) for i in range(0, len(s), 2))


class NssVector(NamedTuple):
    file: str
    number: int
    kind: str
    ikm: bytes
    gxy: bytes
    okm: bytes
    ni: bytes
    nr: bytes
    seed: bytes
    length: int
    valid: bool


def nss_vectors(text: str, file: str) -> Iterator[NssVector]:
    """The entries of an NSS IkeTestVector array (struct order: id, type, ikm,
    gxy, prevKey, okm, Ni, Nr, seed, key number, size, valid)."""
    body = text.split("ProofVectors[] = {", 1)[1]
    for m in re.finditer(r"\{(\d+),\s*IkeTestType::(\w+),(.*?)\b(true|false)\}", body, re.S):
        raw = re.sub(r"//[^\n]*", "", m.group(3))
        raw = re.sub(r'"\s+"', "", raw)  # C string concatenation
        fields = [f.strip() for f in raw.split(",") if f.strip()]
        strs = [f.strip('"') for f in fields if f.startswith('"')]
        nums = [int(f) for f in fields if not f.startswith('"')]
        assert len(strs) == 7 and len(nums) == 2, (file, m.group(1))
        ikm, gxy, _prev, okm, ni, nr, seed = (nss_hex(s) for s in strs)
        yield NssVector(file, int(m.group(1)), m.group(2), ikm, gxy, okm, ni, nr, seed, nums[1], m.group(4) == "true")


@pytest.fixture(scope="module")
def nss(shared: Path) -> List[Tuple[str, NssVector]]:
    out = []
    for name, prf in NSS_FILES.items():
        text = (shared / "testdata" / "nss-ike-vectors" / f"ike-{name}-vectors.h").read_text()
        out += [(prf, v) for v in nss_vectors(text, name) if v.kind in ("ikeGxy", "ikeV2Rekey", "ikePlus")]
    return out


def test_nss_ikev2_vectors_all_run(nss: List[Tuple[str, NssVector]]) -> None:
    counts: Dict[str, int] = {}
    for prf, v in nss:
        if v.kind == "ikeGxy":
            got = crypto.skeyseed(prf, v.ni, v.nr, v.ikm)
        elif v.kind == "ikeV2Rekey":
            got = crypto.skeyseed_rekey(prf, v.ikm, v.gxy, v.ni, v.nr)
        else:
            got = crypto.prf_plus(prf, v.ikm, v.seed, v.length or len(v.okm))
        assert (got.reveal() == v.okm) == v.valid, f"{v.file} #{v.number} {v.kind}"
        counts[v.file] = counts.get(v.file, 0) + 1
    # Each file: two ikeGxy, one ikeV2Rekey, three ikePlus; IKEv1 entries skipped.
    assert counts == {"sha1": 6, "sha256": 6, "sha384": 6, "sha512": 6, "aesxcbc": 6}
    assert len(nss) == 30
    assert sum(v.kind == "ikePlus" and v.length < 132 for _, v in nss) == 10  # truncated prf+ outputs


def test_nss_vectors_agree_with_hmac(nss: List[Tuple[str, NssVector]]) -> None:
    # The same vectors through the plain prf(), checked against hashlib for the HMAC PRFs.
    hashes = {"PRF_HMAC_SHA1": hashlib.sha1, "PRF_HMAC_SHA2_256": hashlib.sha256,
              "PRF_HMAC_SHA2_384": hashlib.sha384, "PRF_HMAC_SHA2_512": hashlib.sha512}
    n = 0
    for prf, v in nss:
        if v.kind != "ikeGxy" or prf not in hashes:
            continue
        ours = crypto.prf(prf, v.ni + v.nr, v.ikm).reveal()
        assert ours == hmac.new(v.ni + v.nr, v.ikm, hashes[prf]).digest() == v.okm
        n += 1
    assert n == 8


# --- prf, prf+, key derivation --------------------------------------------------------------


def test_prf_rfc4434_aes_xcbc() -> None:
    # RFC 4434 2.1 test cases: 16-, 10- and 18-byte keys over the 20-byte message 00..13.
    msg = bytes(range(20))
    assert crypto.prf("PRF_AES128_XCBC", bytes(range(16)), msg).reveal().hex() == "47f51b4564966215b8985c63055ed308"
    assert crypto.prf("PRF_AES128_XCBC", bytes(range(10)), msg).reveal().hex() == "0fa087af7d866e7653434e602fdde835"
    key18 = bytes(range(16)) + b"\xed\xcb"
    assert crypto.prf("PRF_AES128_XCBC", key18, msg).reveal().hex() == "8cd3c93ae598a9803006ffb67c40e9e4"


def py_prf_plus(h, key: bytes, seed: bytes, n: int) -> bytes:
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(key, t + seed + bytes([i]), h).digest()
        out += t
        i += 1
    return out[:n]


def test_prf_plus_against_hmac_and_limit() -> None:
    key, seed = os.urandom(32), os.urandom(40)
    assert crypto.prf_plus(5, key, seed, 200).reveal() == py_prf_plus(hashlib.sha256, key, seed, 200)
    assert crypto.prf_plus("PRF_HMAC_SHA2_256", key, seed, 255 * 32).reveal() == py_prf_plus(
        hashlib.sha256, key, seed, 255 * 32)
    with pytest.raises(CryptoError, match="8160"):  # 255 blocks of 32 bytes
        crypto.prf_plus("PRF_HMAC_SHA2_256", key, seed, 255 * 32 + 1)
    label, data = b"Key Pad for IKEv2", os.urandom(50)
    inner = hmac.new(key, label, hashlib.sha256).digest()
    assert crypto.prf_prf(5, key, label, data).reveal() == hmac.new(inner, data, hashlib.sha256).digest()


def test_derive_ike_sa_keys_split_like_rfc7296() -> None:
    suite = crypto.make_suite("ENCR_AES_CBC", 256, "AUTH_HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256")
    ni, nr, g_ir = os.urandom(32), os.urandom(32), os.urandom(256)
    spi_i, spi_r = 0x0123456789ABCDEF, 0xFEDCBA9876543210
    keys = crypto.derive_keys(suite, ni, nr, g_ir, spi_i, spi_r)
    skeyseed = hmac.new(ni + nr, g_ir, hashlib.sha256).digest()
    stream = py_prf_plus(hashlib.sha256, skeyseed, ni + nr + struct.pack(">QQ", spi_i, spi_r), 32 * 3 + 32 * 2 + 32 * 2)
    expect = {}
    pos = 0
    for name, size in (("sk_d", 32), ("sk_ai", 32), ("sk_ar", 32), ("sk_ei", 32), ("sk_er", 32), ("sk_pi", 32),
                       ("sk_pr", 32)):
        expect[name] = stream[pos:pos + size]
        pos += size
    for name, value in expect.items():
        assert getattr(keys, name).reveal() == value, name
    # SK_ei/SK_ai for the original initiator's messages, SK_er/SK_ar for the responder's.
    assert crypto.keys_for(keys, True).encr.reveal() == expect["sk_ei"]
    assert crypto.keys_for(keys, False).integ.reveal() == expect["sk_ar"]


def test_suite_sizes_and_errors() -> None:
    gcm = crypto.make_suite("ENCR_AES_GCM_16", 256, "AUTH_NONE", "PRF_HMAC_SHA2_512")
    assert gcm.integ is None and gcm.encr.aead and gcm.encr.keymat_size() == 36 and gcm.encr.icv_size == 16
    assert gcm.prf.output_size == 64
    assert crypto.encr_info("ENCR_AES_CTR", 192).salt_size == 4
    assert crypto.integ_info("AUTH_HMAC_SHA2_512_256").icv_size == 32
    with pytest.raises(CryptoError, match="key length"):
        crypto.make_suite("ENCR_AES_CBC", 100, "AUTH_HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256")
    with pytest.raises(CryptoError):
        crypto.make_suite("ENCR_AES_CBC", 128, "AUTH_NONE", "PRF_HMAC_SHA2_256")
    with pytest.raises(ValueError, match="unknown"):
        crypto.prf_info("PRF_NO_SUCH")
    with pytest.raises(ValueError, match="out of range"):
        crypto.prf_info(1 << 16)
    with pytest.raises(TypeError):
        crypto.prf_info(2.0)
    with pytest.raises(TypeError):
        crypto.prf(2, "a str key", b"data")
    with pytest.raises(ValueError, match="out of range"):
        crypto.prf_info(1 << 70)
    with pytest.raises(TypeError):
        crypto.prf_info(True)


def test_secrets_do_not_print() -> None:
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    s = crypto.Secret(key)
    assert len(s) == 16 and s.reveal() == key
    assert key.hex() not in repr(s) and key.hex() not in str(s) and "16 bytes" in repr(s)
    keys = crypto.IkeSaKeys(sk_d=key, sk_ei=key)
    assert key.hex() not in repr(keys) and "sk_d=<16 bytes>" in repr(keys)
    assert key.hex() not in repr(crypto.SkKeys(key, key))
    assert s == crypto.Secret(key) and not (s == crypto.Secret(key[:-1] + b"\x00"))
    assert s.first(4).reveal() == key[:4] and s.sub(14, 10).reveal() == key[14:]


# --- SK protection ------------------------------------------------------------------------

SPI_I, SPI_R = 0x1122334455667788, 0x99AABBCCDDEEFF00


def sk_template(flags: int = 0x08, exchange: int = 35, message_id: int = 1) -> bytes:
    """An IKE header and an empty SK payload, built by hand (RFC 7296 3.1, 3.14)."""
    return struct.pack(">QQBBBBII", SPI_I, SPI_R, 46, 0x20, exchange, flags, message_id, 32) + bytes([0, 0, 0, 4])


def nonce_chain(n: int = 1) -> bytes:
    """n Nonce payloads (type 40) chained, as inner plaintext."""
    out = b""
    for i in range(n):
        nxt = 40 if i + 1 < n else 0
        out += bytes([nxt, 0, 0, 4 + 24]) + bytes([i]) * 24
    return out


@pytest.fixture(params=[("ENCR_AES_CBC", 128, "AUTH_HMAC_SHA2_256_128"), ("ENCR_AES_GCM_16", 256, "AUTH_NONE"),
                        ("ENCR_AES_CTR", 192, "AUTH_HMAC_SHA2_512_256"), ("ENCR_3DES", None, "AUTH_HMAC_SHA1_96")],
                ids=["cbc", "gcm", "ctr", "3des"])
def sa(request) -> Tuple[crypto.KeySuite, crypto.IkeSaKeys]:
    encr, bits, integ = request.param
    suite = crypto.make_suite(encr, bits, integ, "PRF_HMAC_SHA2_256")
    return suite, crypto.derive_keys(suite, os.urandom(32), os.urandom(32), os.urandom(32), SPI_I, SPI_R)


def test_protect_unprotect_round_trip(sa) -> None:
    suite, keys = sa
    inner = nonce_chain(3)
    wire = crypto.protect(suite, crypto.keys_for(keys, True), sk_template(), 40, inner)
    assert struct.unpack(">I", wire[24:28])[0] == len(wire)  # length computed
    assert wire[28] == 40  # SK's Next Payload is the first inner type
    opened = crypto.unprotect(suite, crypto.keys_for(keys, True), wire)
    assert opened.inner == inner and int(opened.first_inner) == 40
    assert len(opened.iv) == suite.encr.iv_size and opened.pad_length == len(opened.padding)
    assert wire[32:32 + len(opened.iv)] == opened.iv


def test_unprotected_payloads_decoded() -> None:
    if not hasattr(_core, "Payload"):
        pytest.skip("the codec area has not bound Payload")
    suite = crypto.make_suite("ENCR_AES_GCM_16", 128, "AUTH_NONE", "PRF_HMAC_SHA2_256")
    k = crypto.SkKeys(os.urandom(20))
    opened = crypto.unprotect(suite, k, crypto.protect(suite, k, sk_template(), 40, nonce_chain(3)))
    assert [int(p.type) for p in opened.payloads()] == [40, 40, 40]
    # A codec Message is accepted wherever message bytes are.
    wire = crypto.protect(suite, k, _core.Message.decode(sk_template()), "NONCE", nonce_chain(1))
    assert crypto.unprotect(suite, k, wire, _core.Message.decode(wire)).inner == nonce_chain(1)
    assert int(crypto.unprotect(suite, k, wire).first_inner) == int(_core.PayloadType.NONCE) == 40
    broken = nonce_chain(2)[:-1]  # the last payload is one byte short
    opened = crypto.unprotect(suite, k, crypto.protect(suite, k, sk_template(), 40, broken))
    with pytest.raises(DecodeError):
        opened.payloads()


def test_icv_checked_with_hmac() -> None:
    # The ICV of an AES-CBC + HMAC-SHA2-256-128 message is HMAC(SK_ai, everything before it), truncated (RFC 7296 3.14).
    suite = crypto.make_suite("ENCR_AES_CBC", 256, "AUTH_HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256")
    keys = crypto.derive_keys(suite, os.urandom(32), os.urandom(32), os.urandom(32), SPI_I, SPI_R)
    faults = crypto.ProtectFaults()
    faults.iv = bytes(range(16))
    wire = crypto.protect(suite, crypto.keys_for(keys, True), sk_template(), 40, nonce_chain(), faults)
    assert wire[32:48] == bytes(range(16))
    assert wire[-16:] == hmac.new(keys.sk_ai.reveal(), wire[:-16], hashlib.sha256).digest()[:16]
    # (len(inner) + pad length octet) rounded up to the block: 28 + 1 -> 32, 3 bytes of padding.
    assert len(wire) == 28 + 4 + 16 + 32 + 16  # header, SK header, IV, ciphertext, ICV


def test_icv_corruption_and_wrong_keys_refused(sa) -> None:
    suite, keys = sa
    k = crypto.keys_for(keys, True)
    faults = crypto.ProtectFaults()
    faults.corrupt_icv = True
    bad = crypto.protect(suite, k, sk_template(), 40, nonce_chain(), faults)
    with pytest.raises(CryptoError, match="ICV mismatch"):
        crypto.unprotect(suite, k, bad)
    good = bytearray(crypto.protect(suite, k, sk_template(), 40, nonce_chain()))
    good[40] ^= 0x01  # a ciphertext (or IV) bit
    with pytest.raises(CryptoError, match="ICV mismatch"):
        crypto.unprotect(suite, k, bytes(good))
    good[40] ^= 0x01
    crypto.unprotect(suite, k, bytes(good))
    # The responder's keys (and a stranger's) do not open the initiator's message.
    with pytest.raises(CryptoError, match="ICV mismatch"):
        crypto.unprotect(suite, crypto.keys_for(keys, False), bytes(good))
    with pytest.raises(CryptoError):
        crypto.unprotect(suite, crypto.SkKeys(os.urandom(5), os.urandom(5)), bytes(good))


def test_protect_errors_are_python_exceptions() -> None:
    suite = crypto.make_suite("ENCR_AES_CBC", 128, "AUTH_HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256")
    k = crypto.SkKeys(os.urandom(16), os.urandom(32))
    plain = struct.pack(">QQBBBBII", SPI_I, SPI_R, 0, 0x20, 37, 0x08, 2, 28)  # no SK payload
    with pytest.raises(CryptoError):
        crypto.protect(suite, k, plain, 40, nonce_chain())
    with pytest.raises(DecodeError):
        crypto.unprotect(suite, k, b"\x00" * 10)
    with pytest.raises(CryptoError):
        crypto.protect(suite, crypto.SkKeys(b"short", b""), sk_template(), 40, nonce_chain())
    with pytest.raises(TypeError):
        crypto.unprotect(suite, k, "not bytes")
    with pytest.raises(TypeError, match="message"):
        crypto.protect(suite, k, 42, 40, nonce_chain())


def test_protect_fragments_reassemble(sa) -> None:
    suite, keys = sa
    inner = nonce_chain(12)
    template = sk_template()
    frags = crypto.protect_fragments(suite, crypto.keys_for(keys, True), template, 40, inner, 200)
    assert len(frags) > 1 and all(len(f) <= 200 for f in frags)
    plain = b""
    for i, f in enumerate(frags, 1):
        assert f[16] == 53  # SKF
        assert struct.unpack(">HH", f[32:36]) == (i, len(frags))  # Fragment Number, Total Fragments (RFC 7383 2.5)
        plain += crypto.unprotect(suite, crypto.keys_for(keys, True), f).inner
    assert plain == inner


# --- Wireshark's captures, decrypted through unprotect, against tshark ------------------------

CAPTURES = "testdata/wireshark-test-captures"


def udp_payloads(path: Path) -> List[bytes]:
    """The UDP payloads of a capture, read by Scapy (not by our capture reader)."""
    scapy_all = pytest.importorskip("scapy.all")
    return [bytes(p[scapy_all.UDP].payload) for p in scapy_all.rdpcap(str(path)) if p.haslayer(scapy_all.UDP)]


def tshark_fields(path: Path, table: Path, tmp: Path, fields: List[str]) -> List[List[str]]:
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")
    conf = tmp / "wireshark"
    conf.mkdir(exist_ok=True)
    shutil.copy(table, conf / "ikev2_decryption_table")
    cmd = ["tshark", "-r", str(path), "-T", "fields", "-E", "separator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env={**os.environ, "WIRESHARK_CONFIG_DIR": str(conf)}).stdout
    return [line.split("|") for line in out.splitlines()]


def top_level_types(first: int, chain: bytes) -> List[int]:
    """The payload types of an inner chain, by walking generic payload headers (RFC 7296 3.2)."""
    types, pos = [], 0
    while first != 0:
        types.append(first)
        first, length = chain[pos], struct.unpack(">H", chain[pos + 2:pos + 4])[0]
        pos += length
    assert pos == len(chain)
    return types


def auth_data(first: int, chain: bytes) -> bytes:
    pos = 0
    while first != 0:
        nxt, length = chain[pos], struct.unpack(">H", chain[pos + 2:pos + 4])[0]
        if first == 39:
            return chain[pos + 8:pos + length]  # after the generic header, Auth Method and reserved
        first, pos = nxt, pos + length
    return b""


def expected_auth(shared: Path) -> Dict[str, Tuple[str, str]]:
    rows = (shared / CAPTURES / "expected.tsv").read_text().splitlines()
    out = {}
    for row in csv.reader((r for r in rows if not r.startswith("#")), delimiter="\t"):
        out[row[0]] = (row[5], row[6])
    return out


def test_unprotect_wireshark_captures_matches_tshark(shared: Path, tmp_path: Path) -> None:
    table_path = shared / CAPTURES / "ikev2_decryption_table"
    table = crypto.read_key_table(str(table_path))
    auth = expected_auth(shared)
    checked_files = checked_messages = 0
    for path in sorted((shared / CAPTURES).glob("ikev2-decrypt-*.pcap*")):
        rows = tshark_fields(path, table_path, tmp_path, ["frame.number", "isakmp.enc.iv", "isakmp.enc.pad_length",
                                                          "isakmp.typepayload", "isakmp.auth.data"])
        payloads = udp_payloads(path)
        assert len(rows) == len(payloads)
        for wire, (frame, iv, pad_length, types, tshark_auth) in zip(payloads, rows):
            spi_i, spi_r, next_payload, _v, _x, flags = struct.unpack(">QQBBBB", wire[:20])
            if next_payload != 46:
                continue
            entry = table.find(spi_i, spi_r)
            assert entry is not None
            if entry.integ_name.startswith("ANY"):
                # "[No Checking]" rows have no integrity transform to verify with:
                # unprotect refuses them; test_captures covers their decryption.
                with pytest.raises(CryptoError):
                    crypto.unprotect(entry.suite(), crypto.keys_for(entry.ike_sa_keys(), bool(flags & 0x08)), wire)
                continue
            opened = crypto.unprotect(entry.suite(), crypto.keys_for(entry.ike_sa_keys(), bool(flags & 0x08)), wire)
            assert opened.iv.hex() == iv, (path.name, frame)
            assert opened.pad_length == int(pad_length), (path.name, frame)
            # tshark lists every payload and substructure; drop the outer SK and the
            # proposal/transform substructures (2, 3), which are not payload types.
            tshark_inner = [int(t) for t in types.split(",")][1:]
            ours = top_level_types(int(opened.first_inner), opened.inner)
            assert ours == [t for t in tshark_inner if t not in (2, 3)], (path.name, frame)
            got_auth = auth_data(int(opened.first_inner), opened.inner).hex()
            assert got_auth == tshark_auth, (path.name, frame)
            if frame in ("3", "4"):
                assert got_auth == auth[path.name][int(frame) - 3], (path.name, frame)
            checked_messages += 1
        checked_files += 1
    # 8 captures: six with 4 SK messages, two with 2 (28), less the 4 of the "No Checking" capture.
    assert checked_files == 8
    assert checked_messages == 28 - 4


def test_key_table_parse_and_format(shared: Path) -> None:
    text = (shared / CAPTURES / "ikev2_decryption_table").read_text()
    table = crypto.parse_key_table(text, "t.keys")
    assert len(table) == 9
    cbc = table.find(0x191CCD371A7A1F7B, 0xBC123D15E4AF593F)
    assert cbc.encr_name == "AES-CBC-256 [RFC3602]" and cbc.integ_name == "HMAC_SHA2_256_128 [RFC4868]"
    assert cbc.line == 7 and cbc.icv_size() == 16
    assert cbc.sk_ei.reveal().hex() not in repr(cbc)
    # Formatting the parsed rows gives the file's rows back.
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    assert [crypto.format_key_table_row(e) for e in table.entries] == rows
    with pytest.raises(CaptureError, match=r"t\.keys:2:"):
        crypto.parse_key_table("# comment\n0011,2233,,,\"NULL [RFC2410]\"\n", "t.keys")
    with pytest.raises(CaptureError, match="cannot read"):
        crypto.read_key_table("/nonexistent/ikev2_decryption_table")
    suite = crypto.make_suite("ENCR_AES_GCM_16", 256, "AUTH_NONE", "PRF_HMAC_SHA2_256")
    keys = crypto.derive_keys(suite, os.urandom(32), os.urandom(32), os.urandom(32), 1, 2)
    entry = crypto.make_key_table_entry(1, 2, suite, keys)
    back = crypto.parse_key_table(crypto.format_key_table([entry]), "x").entries[0]
    assert back.sk_er == keys.sk_er and back.encr_name == "AES-GCM-256 with 16 octet ICV [RFC5282]"
    with pytest.raises(CryptoError, match="Wireshark"):
        crypto.make_key_table_entry(1, 2, crypto.make_suite("ENCR_CHACHA20_POLY1305", None, "AUTH_NONE",
                                                            "PRF_HMAC_SHA2_256"), keys)
