#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Compares our codec with Scapy and tshark on the same bytes, in one run.
#
#   bench/compare_codec.sh BUILD_DIR [PACKETS]
#
# 1. Decodes/s of the 372-byte IKE_SA_INIT request of bench/codec_bench.cc:
#    ours (codec_bench BM_DecodeSaInit), Scapy (IKEv2(bytes), every layer
#    dissected), tshark (per-packet time over N copies minus the time for one
#    copy, with -V and with -T json), and the ratios.
# 2. A whole capture of PACKETS (default 20000) IKE datagrams: `ikeharness decode
#    --json` against `tshark -T json`, both to /dev/null.
# Times are CPU seconds (user + system) of the child, which a machine shared
# with other jobs disturbs less than wall time; wall time is printed beside.
# Everything runs on one core (taskset) when taskset is available.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BUILD_DIR [PACKETS]" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
PACKETS=${2:-20000}
BENCH="$BUILD/bench/codec_bench"
CLI="$BUILD/harness/cli/ikeharness"
# Debian's python3-scapy is installed for the system interpreter only.
PY=/usr/bin/python3

for tool in "$BENCH" "$PY"; do
  [[ -x "$tool" ]] || { echo "missing $tool (build codec_bench in $BUILD first)" >&2; exit 2; }
done
command -v tshark >/dev/null || { echo "tshark is not installed" >&2; exit 2; }
"$PY" -c 'import scapy.contrib.ikev2' 2>/dev/null || { echo "$PY cannot import scapy (python3-scapy)" >&2; exit 2; }

PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c 0); fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ikeh-compare.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$BENCH" --write-sa-init="$TMP/sa_init.bin"
echo "IKE_SA_INIT request: $(stat -c %s "$TMP/sa_init.bin") bytes"

echo "== ours: codec_bench BM_DecodeSaInit"
"${PIN[@]}" "$BENCH" --benchmark_filter='^BM_DecodeSaInit$' --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=1 \
  --benchmark_out="$TMP/ours.json" --benchmark_out_format=json >/dev/null 2>"$TMP/ours.err" ||
  { cat "$TMP/ours.err" >&2; exit 1; }

# Measurements and the report are Python (stdlib and Scapy); the shell only
# locates the tools and cleans up.
"${PIN[@]}" "$PY" - "$TMP" "$PACKETS" "$CLI" "$BUILD" <<'PY'
import json, logging, os, resource, struct, subprocess, sys, time, timeit

tmp, packets, cli, build = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, UDP, Ether, Raw, raw
from scapy.contrib.ikev2 import IKEv2, IKEv2_payload_Nonce

data = open(os.path.join(tmp, "sa_init.bin"), "rb").read()

def run(cmd):
    """CPU seconds (user+sys) and wall seconds of one child run, output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall

def best(cmd, n=3):
    runs = [run(cmd) for _ in range(n)]
    return min(r[0] for r in runs), min(r[1] for r in runs)

def write_pcap(path, frames, count):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(count):
            fr = frames[i % len(frames)]
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(fr), len(fr)))
            f.write(fr)

# ---- ours
agg = json.load(open(os.path.join(tmp, "ours.json")))["benchmarks"]
ours = next(b["items_per_second"] for b in agg if b.get("aggregate_name") == "median")

# ---- Scapy: IKEv2(bytes) dissects every layer on construction; the check
# below makes sure the last one is the Nonce, i.e. nothing was left as Raw.
pkt = IKEv2(data)
assert isinstance(pkt.lastlayer(), IKEv2_payload_Nonce), pkt.summary()
timer = timeit.Timer(lambda: IKEv2(data).lastlayer())
loops, _ = timer.autorange()
scapy = loops / min(timer.repeat(repeat=3, number=loops))

# ---- tshark: N copies minus one copy removes start-up (profiles, dissector registration).
frame = raw(Ether() / IP(src="10.150.3.1", dst="10.150.1.1") / UDP(sport=500, dport=500) / Raw(data))
one, many = os.path.join(tmp, "one.pcap"), os.path.join(tmp, "many.pcap")
N = 20000
write_pcap(one, [frame], 1)
write_pcap(many, [frame], N)
tshark = {}
for label, args in (("-V", ["-V"]), ("-T json", ["-T", "json"])):
    c1, _ = best(["tshark", "-n", "-r", one] + args)
    cn, _ = best(["tshark", "-n", "-r", many] + args)
    tshark[label] = (N - 1) / max(cn - c1, 1e-9)

print()
print(f"decodes/s of the {len(data)}-byte IKE_SA_INIT request (one core)")
print(f"  ikeharness codec   {ours:14,.0f}")
print(f"  Scapy 2.5          {scapy:14,.0f}   ours/Scapy  = {ours / scapy:8.0f}x  (target >= 900x)")
for label, rate in tshark.items():
    print(f"  tshark {label:<11} {rate:14,.0f}   ours/tshark = {ours / rate:8.0f}x")
print(f"  target: ours >= 2,000,000/s: {'met' if ours >= 2e6 else 'NOT met'}")

# ---- whole capture
sample = os.path.join(build, "examples", "make_sample")
cap = os.path.join(tmp, "capture.pcap")
if os.access(sample, os.X_OK):
    subprocess.run([sample, "--packets", str(packets), cap], check=True, stdout=subprocess.DEVNULL)
    origin = f"{sample} --packets {packets}"
else:
    # A FlexVPN-like mix: IKE_SA_INIT request/response on 500, then IKE_AUTH
    # and INFORMATIONAL (opaque SK) behind the non-ESP marker on 4500.
    from scapy.contrib.ikev2 import IKEv2_payload_Encrypted
    # The response: the request with the responder's SPI and the Response flag.
    resp = data[:8] + b"\x13\x98\xf1\x40\x04\x4a\xbc\x30" + bytes([33, 0x20, 34, 0x20]) + data[20:]
    def sk(exch, flags, mid, size, inner):
        body = bytes(range(256)) * (size // 256 + 1)
        return raw(IKEv2(init_SPI=data[:8], resp_SPI=resp[8:16], exch_type=exch, flags=flags, id=mid,
                         next_payload=46) / IKEv2_payload_Encrypted(next_payload=inner, load=body[:size]))
    msgs = [(500, data), (500, resp),
            (4500, sk(35, "Initiator", 1, 300, 43)), (4500, sk(35, "Response", 1, 260, 43)),
            (4500, sk(37, "Initiator", 2, 60, 47)), (4500, sk(37, "Response", 2, 60, 47))]
    frames = []
    for port, m in msgs:
        payload = (b"\x00" * 4 + m) if port == 4500 else m
        frames.append(raw(Ether() / IP(src="10.150.3.1", dst="10.150.1.1") / UDP(sport=port, dport=port) / Raw(payload)))
    write_pcap(cap, frames, packets)
    origin = "Scapy (make_sample not built)"

print()
print(f"whole capture: {packets} IKE datagrams from {origin}")
if not os.access(cli, os.X_OK):
    print(f"  {cli} is not built: skipping ikeharness decode --json")
    ct, wt = best(["tshark", "-n", "-r", cap, "-T", "json"], 1)
    print(f"  tshark -T json          cpu {ct:7.3f} s   wall {wt:7.3f} s")
    sys.exit(0)
co, wo = best([cli, "decode", cap, "--json"], 3)
ct, wt = best(["tshark", "-n", "-r", cap, "-T", "json"], 2)
print(f"  ikeharness decode --json cpu {co:7.3f} s   wall {wo:7.3f} s")
print(f"  tshark -T json          cpu {ct:7.3f} s   wall {wt:7.3f} s")
print(f"  tshark/ikeharness       cpu {ct / co:7.1f}x  wall {wt / wo:7.1f}x   (target >= 10x)")
PY
