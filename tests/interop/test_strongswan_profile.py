#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The bundled strongswan profile as a new user runs it: `ikeharness run --peer strongswan` on
the host, without IKEH_STRONGSWAN_NETNS, so scenarios/peers/strongswan_adapter.py sets up its
own network (namespace ikeh-strongswan, veth ikeh-sw0 198.51.100.1 here / ikeh-sw1
198.51.100.2 there) and runs charon in it; then `strongswan_adapter.py stop`.

    test_strongswan_profile.py [--setup-first] [unittest args]

Checks: the run of rfc7296/1.2-initial-exchanges and rfc7296/1.4.1-peer-deletes-child-sa exits
0 with both "pass"; after stop there is no namespace ikeh-strongswan, no link ikeh-sw0 and no
charon of the test's state dir (a temp IKEH_STRONGSWAN_DIR). stop runs also when the run fails.

The namespace and link names are fixed (they are the profile's), so the script exits 77 when
either exists already: another run owns them. --setup-first runs `strongswan_adapter.py setup`
before ikeharness (a harness that binds its sockets before the first `prepare` cannot bind
198.51.100.1 while the network does not exist). IKEH_STRONGSWAN_PROFILE replaces the profile
("strongswan", scenarios/peers/strongswan.json) by a path, with the same addresses.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import strongswan as ss  # noqa: E402

REPO, ADAPTER = ss.REPO, ss.ADAPTER
SUITE = os.path.join(REPO, "scenarios", "rfc7296")
PEER = os.environ.get("IKEH_STRONGSWAN_PROFILE") or "strongswan"
PROFILE = PEER if PEER.endswith(".json") else os.path.join(REPO, "scenarios", "peers",
                                                             PEER + ".json")
SCENARIOS = ["rfc7296/1.2-initial-exchanges", "rfc7296/1.4.1-peer-deletes-child-sa"]
NETNS, HOST_IF = "ikeh-strongswan", "ikeh-sw0"
RUN_TIMEOUT = 120
SETUP_FIRST = False
_tail, _read = ss._tail, ss.read_text


def link_exists(name):
    return subprocess.run(["ip", "link", "show", "dev", name], capture_output=True).returncode == 0


def processes_using(path):
    """ss.processes_using without zombies (charon has STRONGSWAN_CONF)."""
    return [p for p in ss.processes_using(path)
            if _read(f"/proc/{p}/stat").rsplit(")", 1)[-1].split()[:1] not in ([], ["Z"])]


def find_binary():
    return ss.find_ikeharness() or next(
        (p for p in [os.path.join(REPO, "build", "lead", "harness", "cli", "ikeharness")]
         if os.access(p, os.X_OK)), None)


class BundledProfile(unittest.TestCase):

    def test_run_then_stop(self):
        binary = find_binary()
        if not binary:
            self.skipTest("ikeharness binary not built (set IKEHARNESS or IKEH_BINARY_DIR)")
        if NETNS in ss.list_netns() or link_exists(HOST_IF):
            self.skipTest(f"namespace {NETNS} or link {HOST_IF} exists already: another run "
                          f"owns them")
        with open(PROFILE) as f:
            profile = json.load(f)
        self.assertEqual((profile.get("address"), profile.get("local", {}).get("address")),
                         ("198.51.100.2:500", "198.51.100.1"),
                         f"{PROFILE} does not use the addresses of the adapter's own network")

        state = tempfile.mkdtemp(prefix="ikeh-swprofile-")  # short: charon's vici socket
        env = {k: v for k, v in os.environ.items() if k != "IKEH_STRONGSWAN_NETNS"}
        env.update(IKEH_STRONGSWAN_DIR=state,
                   IKEH_INTEROP_IPSEC=os.environ.get("IKEH_INTEROP_IPSEC") or "auto")
        out_dir = os.path.join(state, "out")
        output = ""

        def adapter(action):
            return subprocess.run([ADAPTER, action], env=env, capture_output=True, text=True,
                                  timeout=40, cwd=REPO)
        try:
            try:
                if SETUP_FIRST:
                    s = adapter("setup")
                    self.assertEqual(s.returncode, 0, s.stdout + s.stderr)
                argv = [binary, "run", SUITE, "--peer", PEER, "--out", out_dir, "--jobs", "1"]
                for sid in SCENARIOS:
                    argv += ["--filter", sid]
                t = time.monotonic()
                r = subprocess.run(argv, env=env, capture_output=True, text=True,
                                   timeout=RUN_TIMEOUT, cwd=REPO, stdin=subprocess.DEVNULL)
                output = r.stdout + r.stderr
                print(f"ikeharness run: exit {r.returncode} after {time.monotonic() - t:.1f} s",
                      file=sys.stderr)
                print(_tail(r.stdout, 20), file=sys.stderr)
                results = json.loads(_read(os.path.join(out_dir, "results.json")) or "{}")
                verdicts = {s.get("id"): (s.get("verdict"), s.get("reason"))
                            for s in results.get("scenarios", [])}
                self.assertEqual(sorted(verdicts), sorted(SCENARIOS), _tail(output, 40))
                bad = {k: v for k, v in verdicts.items() if v[0] != "pass"}
                self.assertFalse(bad, f"scenarios that did not pass: {bad}")
                self.assertEqual(r.returncode, 0, _tail(output, 40))
            except BaseException:
                print("----- ikeharness run output tail -----\n" + _tail(output, 60)
                      + "\n----- charon log tail -----\n"
                      + _tail(_read(os.path.join(state, "charon.log")), 60), file=sys.stderr)
                raise
            finally:
                pid_text = _read(os.path.join(state, "charon.pid")).strip()
                stop = adapter("stop")
                print(f"adapter stop: exit {stop.returncode}: {(stop.stdout + stop.stderr).strip()}",
                      file=sys.stderr)

            # stop leaves nothing of the adapter's network nor charon
            self.assertEqual(stop.returncode, 0, stop.stdout + stop.stderr)
            self.assertNotIn(NETNS, ss.list_netns(), "namespace left after stop")
            self.assertFalse(link_exists(HOST_IF), f"link {HOST_IF} left after stop")
            if pid_text:
                pid = int(pid_text.split()[0])
                ss.wait_for(lambda: _read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()[:1]
                            in ([], ["Z"]), 10, "charon to exit after the adapter's stop")
            self.assertEqual(processes_using(state), [], "processes of the state dir left")
        finally:
            shutil.rmtree(state, ignore_errors=True)


def _parse_args(argv):
    global SETUP_FIRST
    if "--setup-first" in argv:
        SETUP_FIRST = True
        argv = [a for a in argv if a != "--setup-first"]
    return argv


if __name__ == "__main__":
    ss.main(_parse_args(sys.argv))
