#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Decoding the 372-byte IKE_SA_INIT from Python against the C++ decode.

The C++ figure is BM_DecodeSaInit of bench/codec_bench (Google Benchmark, its
JSON output); the Python figure is ``Message.decode(data)`` timed with timeit,
best of several repeats, on exactly the bytes codec_bench prints with
--sa-init-hex. Both are CPU time of the decoding thread (Google Benchmark's
cpu_time, timeit with time.thread_time), so time spent waiting for a busy
machine counts for neither; wall times are printed too. The two are measured
in alternating rounds and the best of each kept, so a change in load between
them does not tilt the ratio, and both run pinned to the same CPU (on a VM one
virtual CPU can be much slower than another while the host is busy). Exits 1 when Python costs more than --max-ratio (default 2) times the C++
decode, 2 when codec_bench is missing or fails.

    PYTHONPATH=build/python/python python bench/python_bench.py [build/release/bench/codec_bench]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import timeit
from typing import Dict, List, NoReturn, Tuple

DEFAULT_BENCH = os.path.join("build", "release", "bench", "codec_bench")
CPP_BENCHMARK = "BM_DecodeSaInit"
SA_INIT_SIZE = 372


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"python_bench: {message}", file=sys.stderr)
    sys.exit(code)


def run(cmd: List[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except OSError as e:
        fail(f"cannot run {cmd[0]}: {e}")
    if proc.returncode != 0:
        fail(f"`{' '.join(cmd)}` exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def sa_init_bytes(bench: str) -> bytes:
    return bytes.fromhex(run([bench, "--sa-init-hex"]).strip())


def cpp_figures(bench: str, min_time: float) -> Dict[str, float]:
    """The C++ decode's cpu and real time in ns."""
    out = run([bench, f"--benchmark_filter=^{CPP_BENCHMARK}$", "--benchmark_format=json",
               f"--benchmark_min_time={min_time}", "--benchmark_repetitions=3",
               "--benchmark_report_aggregates_only=false"])
    rows = [b for b in json.loads(out)["benchmarks"]
            if b.get("run_name", b["name"]) == CPP_BENCHMARK and b.get("run_type", "iteration") == "iteration"]
    if not rows:
        fail(f"{bench} printed no {CPP_BENCHMARK} result")
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    best = min(rows, key=lambda b: b["cpu_time"])
    unit = scale[best.get("time_unit", "ns")]
    return {"cpu": best["cpu_time"] * unit, "real": min(b["real_time"] for b in rows) * unit}


def python_figures(data: bytes, repeat: int, number: int) -> Dict[str, float]:
    from ikeharness.codec import Message

    m = Message.decode(data)  # fails loudly before timing if the bytes do not decode
    if len(m.encode()) != len(data):
        fail("the decoded message does not encode back to its size")
    glb = {"Message": Message, "data": data}
    cpu = min(timeit.Timer("Message.decode(data)", globals=glb, timer=time.thread_time).repeat(repeat, number))
    real = min(timeit.Timer("Message.decode(data)", globals=glb).repeat(repeat, number))
    return {"cpu": cpu / number * 1e9, "real": real / number * 1e9}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("codec_bench", nargs="?", default=DEFAULT_BENCH,
                    help=f"the codec_bench program (default {DEFAULT_BENCH}; build it with "
                         "`cmake --preset release && cmake --build --preset release --target codec_bench`)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating C++ / Python rounds (the best counts)")
    ap.add_argument("--repeat", type=int, default=5, help="timeit repeats per round")
    ap.add_argument("--number", type=int, default=20000, help="decodes per timeit repeat")
    ap.add_argument("--min-time", type=float, default=0.1, help="Google Benchmark min time per repetition (s)")
    ap.add_argument("--cpu", type=int, default=None,
                    help="the CPU both measurements run on (default: the first one this process may use)")
    ap.add_argument("--max-ratio", type=float, default=2.0, help="fail above this Python / C++ ratio")
    args = ap.parse_args()

    if not (os.path.isfile(args.codec_bench) and os.access(args.codec_bench, os.X_OK)):
        fail(f"codec_bench not found at {args.codec_bench!r}: build it with `cmake --preset release && "
             "cmake --build --preset release -j2 --target codec_bench`, or pass its path")
    cpu_note = ""
    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        cpu = allowed[0] if args.cpu is None else args.cpu
        if cpu not in allowed:
            fail(f"--cpu {cpu}: this process may run on CPUs {allowed} only")
        os.sched_setaffinity(0, {cpu})  # codec_bench inherits it
        cpu_note = f" on CPU {cpu}"
    data = sa_init_bytes(args.codec_bench)
    if len(data) != SA_INIT_SIZE:
        fail(f"codec_bench --sa-init-hex printed {len(data)} bytes, expected {SA_INIT_SIZE}")
    cpp = {"cpu": float("inf"), "real": float("inf")}
    py = dict(cpp)
    for _ in range(max(1, args.rounds)):
        c = cpp_figures(args.codec_bench, args.min_time)
        try:
            p = python_figures(data, args.repeat, args.number)
        except ImportError as e:
            fail(f"ikeharness is not importable ({e}); set PYTHONPATH=<build>/python or pip install .")
        cpp = {k: min(cpp[k], c[k]) for k in cpp}
        py = {k: min(py[k], p[k]) for k in py}

    ratio = py["cpu"] / cpp["cpu"]
    print(f"IKE_SA_INIT decode ({len(data)} bytes){cpu_note}")
    print(f"  C++     {cpp['cpu']:8.0f} ns cpu  {cpp['real']:8.0f} ns real  ({CPP_BENCHMARK}, {args.codec_bench})")
    print(f"  Python  {py['cpu']:8.0f} ns cpu  {py['real']:8.0f} ns real  (Message.decode, best of {args.rounds} x "
          f"{args.repeat} x {args.number})")
    print(f"  ratio   {ratio:8.2f}x cpu  {py['real'] / cpp['real']:8.2f}x real  (limit {args.max_ratio:g}x cpu)")
    if ratio > args.max_ratio:
        print(f"FAIL: decoding from Python costs {ratio:.2f}x the C++ decode (limit {args.max_ratio:g}x)")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
