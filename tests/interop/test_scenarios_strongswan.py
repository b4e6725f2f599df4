#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The bundled suites against strongSwan's charon, through scenarios/peers/strongswan_adapter.py.

    test_scenarios_strongswan.py [--min-pass N] GLOB [GLOB...] [unittest args]

`ikeharness run scenarios --peer PROFILE --filter GLOB... --jobs 1` runs in the left
namespace of a lab; the profile is a copy of scenarios/peers/strongswan.json whose address is
the right namespace's, whose "local" is the left one's, and whose "adapter" is the absolute path
of the adapter, which runs charon in the right namespace (IKEH_STRONGSWAN_NETNS) with its state
in the lab dir (IKEH_STRONGSWAN_DIR). Checks: exit status 0, no verdict "fail" or "error" in
results.json, at least N scenarios (default 1) with verdict "pass", at least one scenario
matched, and the adapter's `stop` ends charon (also registered with the lab's cleanup).

CMake registers a few shards (GLOB sets) so that `ctest -j` runs them side by side; each shard
has a lab, and so a charon, of its own.
"""

import json
import os
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import strongswan as ss  # noqa: E402

REPO, ADAPTER = ss.REPO, ss.ADAPTER
PROFILE = os.path.join(REPO, "scenarios", "peers", "strongswan.json")
SUITE = os.path.join(REPO, "scenarios")  # every suite; the globs choose
RUN_TIMEOUT = 900

GLOBS = []
MIN_PASS = 1
_tail, _read = ss._tail, ss.read_text


class Scenarios(unittest.TestCase):

    def test_shard(self):
        binary = ss.find_ikeharness()
        if not binary:
            self.skipTest("ikeharness binary not built (set IKEHARNESS or IKEH_BINARY_DIR)")
        self.assertTrue(GLOBS, "give at least one scenario glob")
        with ss.Lab("scen") as lab:
            left, right = lab.pair("harness", "charon")
            state = os.path.join(lab.dir, "strongswan")
            env = dict(os.environ, IKEH_STRONGSWAN_NETNS=right.name, IKEH_STRONGSWAN_DIR=state,
                       IKEH_INTEROP_IPSEC=lab.ipsec)  # the lab resolved "auto"

            def stop_adapter():
                return subprocess.run([ADAPTER, "stop"], env=env, capture_output=True,
                                      text=True, timeout=30)
            # charon lives in its own session: make sure the lab's close stops it too (it would
            # also die with the namespace's processes, but stop is the adapter's own way)
            lab.add_dump(lambda: "----- charon (adapter) log tail -----\n"
                         + _tail(_read(os.path.join(state, "charon.log")), 80))
            closers = []

            def close_hook():
                try:
                    stop_adapter()
                except Exception as e:  # keep tearing down
                    print(f"adapter stop: {e}", file=sys.stderr)
            closers.append(close_hook)
            orig_close = lab.close

            def close():
                for c in closers:
                    c()
                closers.clear()
                orig_close()
            lab.close = close

            with open(PROFILE) as f:
                profile = json.load(f)
            profile["address"] = f"{right.addr4}:500"
            profile["local"] = {"address": left.addr4, "port": 500, "natt_port": 4500}
            profile["adapter"] = ADAPTER
            prof_path = os.path.join(lab.dir, "strongswan.json")
            with open(prof_path, "w") as f:
                json.dump(profile, f, indent=2)

            out_dir = os.path.join(lab.dir, "out")
            argv = [binary, "run", SUITE, "--peer", prof_path, "--out", out_dir, "--jobs", "1"]
            for g in GLOBS:
                argv += ["--filter", g]
            t = time.monotonic()
            r = left.run(argv, timeout=RUN_TIMEOUT, check=False, env=env)
            took = time.monotonic() - t
            output = r.stdout + r.stderr
            lab.add_dump(lambda: "----- ikeharness run output tail -----\n" + _tail(output, 80))
            print(f"ikeharness run {' '.join(GLOBS)}: exit {r.returncode} after {took:.1f} s",
                  file=sys.stderr)
            print(_tail(r.stdout, 60), file=sys.stderr)

            results = json.loads(_read(os.path.join(out_dir, "results.json")) or "{}")
            scen = results.get("scenarios", [])
            by_verdict = {}
            for s in scen:
                by_verdict.setdefault(s.get("verdict"), []).append(s.get("id"))
            print(f"verdicts: { {k: len(v) for k, v in by_verdict.items()} }", file=sys.stderr)
            for s in scen:
                if s.get("verdict") in ("skip", "known_deviation"):
                    print(f"  {s.get('verdict'):16} {s.get('id')}: {s.get('reason')}",
                          file=sys.stderr)

            bad = [f"{s.get('id')}: {s.get('verdict')}: {s.get('reason')}" for s in scen
                   if s.get("verdict") in ("fail", "error")]
            try:
                self.assertTrue(results, f"no results.json in {out_dir}:\n{_tail(output, 40)}")
                self.assertTrue(scen, f"no scenario matched {GLOBS}")
                self.assertFalse(bad, "scenarios that failed against charon:\n  "
                                 + "\n  ".join(bad))
                self.assertEqual(r.returncode, 0, _tail(output, 40))
                passed = len(by_verdict.get("pass", []))
                self.assertGreaterEqual(passed, MIN_PASS,
                                        f"only {passed} scenarios passed, expected {MIN_PASS}")
            except AssertionError:
                print("----- ikeharness run output tail -----\n" + _tail(output, 80),
                      file=sys.stderr)
                print("----- charon log tail -----\n"
                      + _tail(_read(os.path.join(state, "charon.log")), 80), file=sys.stderr)
                raise

            # the end of a run: the adapter's stop ends the charon it started
            pid_text = _read(os.path.join(state, "charon.pid")).strip()
            closers.clear()
            s = stop_adapter()
            self.assertEqual(s.returncode, 0, s.stdout + s.stderr)
            if pid_text:
                pid = int(pid_text)
                ss.wait_for(lambda: not os.path.exists(f"/proc/{pid}")
                            or _read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()[:1]
                            in ([], ["Z"]), 10, "charon to exit after the adapter's stop")
            self.assertFalse(any("charon" in _read(f"/proc/{p}/cmdline")
                                 for p in right.pids()), "charon still runs after stop")


def _parse_args(argv):
    global MIN_PASS
    rest = [argv[0]]
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "--min-pass":
            MIN_PASS = int(argv[i + 1])
            i += 2
            continue
        if "/" in a or "*" in a:
            GLOBS.append(a)
        else:
            rest.append(a)
        i += 1
    return rest


if __name__ == "__main__":
    ss.main(_parse_args(sys.argv))
