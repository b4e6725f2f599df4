#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Replays a fuzz target over inputs cut from the shared Wireshark captures.

The captures are GPL data, so the seeds are extracted at test time into the
build folder and never committed. tshark dumps the UDP payloads on the IKE
ports; the non-ESP marker is stripped for the message targets, and payload
bodies are cut from the plaintext payload chain for the narrow targets.

  capture_seeds.py --captures DIR --tshark PATH --out DIR --target T --replay BIN [ARG...]

ARGs go to the replay program before the seed folder.

Exit codes: the replay program's, or 77 (CTest SKIP_RETURN_CODE) with the
reason on stdout when the captures or tshark are missing.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
IKE_PORTS = (500, 4500)
NATT_PORT = 4500
HEADER_SIZE = 28
# Narrow targets and the payload types whose bodies they take.
NARROW = {"sa": {33}, "ts": {44, 45}, "notify": {41}, "cp": {47}}
MESSAGE_TARGETS = ("header", "message", "roundtrip")
CAPTURE_SUFFIXES = (".pcap", ".pcapng")


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(SKIP)


def udp_payloads(tshark, capture):
    """(natt, payload bytes) for every UDP datagram on an IKE port."""
    out = subprocess.run(
        [tshark, "-n", "-r", capture, "-Y", "udp.port == 500 || udp.port == 4500",
         "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.payload"],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) != 3 or not fields[2]:
            continue
        ports = {int(p) for p in fields[:2] if p.isdigit()}
        # Older tshark versions separate octets with ':'.
        yield NATT_PORT in ports, bytes.fromhex(fields[2].replace(":", ""))


def payload_chain(message):
    """(type, body) of each payload, following Next Payload until the chain
    ends, an encrypted payload (its contents are ciphertext) or a bad length."""
    if len(message) < HEADER_SIZE:
        return
    next_type, off = message[16], HEADER_SIZE
    while next_type != 0 and off + 4 <= len(message):
        length = int.from_bytes(message[off + 2:off + 4], "big")
        if length < 4 or off + length > len(message):
            return
        yield next_type, message[off + 4:off + length]
        if next_type in (46, 53):  # SK, SKF: last in the chain
            return
        next_type, off = message[off], off + length


def extract(captures, tshark, out):
    """Writes out/<target>/<name> seeds; returns {target: count}."""
    seeds = {}

    def put(target, name, data):
        os.makedirs(os.path.join(out, target), exist_ok=True)
        with open(os.path.join(out, target, name), "wb") as f:
            f.write(data)
        seeds[target] = seeds.get(target, 0) + 1

    for capture in sorted(os.listdir(captures)):
        if not capture.endswith(CAPTURE_SUFFIXES):
            continue
        stem = os.path.splitext(capture)[0]
        for n, (natt, udp) in enumerate(udp_payloads(tshark, os.path.join(captures, capture)), 1):
            name = "%s-%03d" % (stem, n)
            put("datagram", name, bytes([1 if natt else 0]) + udp)
            if natt:
                if len(udp) < 4 or udp[:4] != b"\0\0\0\0":
                    continue  # ESP or keepalive: only the datagram target takes it
                udp = udp[4:]
            for target in MESSAGE_TARGETS:
                put(target, name, udp)
            for i, (ptype, body) in enumerate(payload_chain(udp), 1):
                pname = "%s-%d-%d" % (name, i, ptype)
                put("payload", pname, bytes([ptype]) + body)
                put("bodies", pname, body)
                for target, types in NARROW.items():
                    if ptype in types:
                        put(target, pname, body)
    return seeds


def ensure_extracted(captures, tshark, out):
    """Extracts once per build folder; parallel tests race on an atomic rename."""
    if os.path.exists(os.path.join(out, ".complete")):
        return
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".capture-seeds.", dir=parent)
    try:
        counts = extract(captures, tshark, tmp)
        with open(os.path.join(tmp, ".complete"), "w") as f:
            for target, count in sorted(counts.items()):
                f.write("%s %d\n" % (target, count))
        try:
            os.rename(tmp, out)
        except OSError:
            if not os.path.exists(os.path.join(out, ".complete")):
                shutil.rmtree(out, ignore_errors=True)
                os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--tshark", default="")
    ap.add_argument("--out", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--replay", required=True)
    args, replay_args = ap.parse_known_args()

    if not os.path.isdir(args.captures):
        skip("shared captures not found at %s (lay the shared data beside the clone as ../shared)" % args.captures)
    if not any(f.endswith(CAPTURE_SUFFIXES) for f in os.listdir(args.captures)):
        skip("no .pcap/.pcapng files in %s" % args.captures)
    tshark = args.tshark if args.tshark and os.path.exists(args.tshark) else shutil.which("tshark")
    if not tshark:
        skip("tshark not found (install it with scripts/setup or apt-get install tshark)")

    ensure_extracted(args.captures, tshark, args.out)
    seeds = os.path.join(args.out, args.target)
    if not os.path.isdir(seeds) and args.target in NARROW:
        # The captures carry these payloads only inside SK (ciphertext); the
        # other plaintext bodies still exercise the target's error paths.
        print("no plaintext %s payload in the captures; replaying every plaintext payload body instead"
              % args.target)
        seeds = os.path.join(args.out, "bodies")
    if not os.path.isdir(seeds):
        print("no seeds for %s in the captures" % args.target)
        return 1
    print("replaying %d seeds from %s" % (len(os.listdir(seeds)), seeds))
    sys.stdout.flush()
    return subprocess.run([args.replay] + replay_args + [seeds]).returncode


if __name__ == "__main__":
    sys.exit(main())
