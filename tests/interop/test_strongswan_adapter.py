#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""scenarios/peers/strongswan_adapter.py on its own: the peer adapter that makes charon the peer
of `ikeharness run --peer strongswan`.

One lab (two namespaces; the adapter's charon in `right`) for the whole script:

    Prepare:   for every scenario of scenarios/rfc7296, `prepare` exits 0 and charon then holds
               exactly the connection ikeh with the scenario's proposals, identities and pool,
               or exits 77 with a reason; the PSK never shows in the adapter's output
    Refusals:  an unknown key and a key charon cannot reproduce give 77 naming the key;
               `start liveness` and `start cfg_set` give 77
    Exchange:  `ikeharness initiate` from the left namespace sets up rfc7296/1.2's IKE SA with
               the prepared charon; `cleanup` then leaves no IKE SA (charon's Delete answered)
    Lifecycle: `stop` stops charon (last test)
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
SUITE = os.path.join(REPO, "scenarios", "rfc7296")
KEYS = os.path.join(REPO, "scenarios", "keys")

DEFAULT_IKE = ["aes256gcm16-aes128gcm16-prfsha256-ecp256-x25519-modp2048",
               "aes256-aes128-sha256-ecp256-x25519-modp2048"]

# What each scenario's prepare must give: 0, or 77 with this key named in the reason. Every
# scenario of the suite must be listed, so a new one makes this test fail until it is judged.
EXPECTED_77 = {
    "1.3.1-transport-mode-accepted": "peer/child/mode",
    "2.3-set-window-size-initiator": "peer/ike/window_size",
    "2.3-set-window-size-responder": "peer/ike/window_size",
    "2.6-cookie-required": "peer/ike/cookie_threshold",
    "3.10.1-failed-cp-required": "peer/cp/required",
}

_lab = None
_left = _right = None


def setUpModule():
    global _lab, _left, _right
    _lab = ss.Lab("adapter")
    _lab.__enter__()
    _left, _right = _lab.pair()


def tearDownModule():
    if _lab is not None:
        adapter("stop", check=False)
        _lab.close()


def state_dir():
    return os.path.join(_lab.dir, "ss")


def vici():
    return "unix://" + os.path.join(state_dir(), "charon.vici")


def psk_texts():
    out = []
    for name in os.listdir(KEYS):
        with open(os.path.join(KEYS, name)) as f:
            out.append(f.read().strip())
    return [p for p in out if p]


def adapter_env(scenario_file=None, extra=None):
    env = dict(os.environ,
               IKEH_STRONGSWAN_NETNS=_right.name, IKEH_STRONGSWAN_DIR=state_dir(),
               IKEH_HARNESS_ADDRESS=_left.addr4, IKEH_HARNESS_PORT="500",
               IKEH_HARNESS_NATT_PORT="4500",
               IKEH_PEER_ADDRESS=_right.addr4, IKEH_PEER_PORT="500", IKEH_PEER_NATT_PORT="4500",
               IKEH_INTEROP_IPSEC=_lab.ipsec)  # the lab resolved "auto"
    if scenario_file:
        with open(scenario_file) as f:
            role = json.load(f).get("role", "initiator")
        sid = "rfc7296/" + os.path.basename(scenario_file)[:-len(".json")]
        env.update(IKEH_SCENARIO_FILE=scenario_file, IKEH_SCENARIO_ID=sid,
                   IKEH_HARNESS_ROLE=role)
    env.update(extra or {})
    return env


def adapter(*args, scenario=None, check=True, timeout=40):
    r = subprocess.run([ADAPTER] + list(args), env=adapter_env(scenario), capture_output=True,
                       text=True, timeout=timeout, cwd=os.path.join(REPO, "scenarios", "peers"))
    out = r.stdout + r.stderr
    for secret in psk_texts():
        assert secret not in out, f"adapter {args} printed a PSK"
    if check and r.returncode != 0:
        raise AssertionError(f"adapter {' '.join(args)} exited {r.returncode}:\n{out}")
    return r


def swanctl(*args):
    r = subprocess.run([ss.SWANCTL] + list(args) + ["--uri", vici()], capture_output=True,
                       text=True, timeout=20,
                       env=dict(os.environ,
                                STRONGSWAN_CONF=os.path.join(state_dir(), "strongswan.conf")))
    if r.returncode != 0:
        raise AssertionError(f"swanctl {args}: {r.stdout}{r.stderr}")
    return r.stdout


def conns():
    return {k: v for msg, body in ss.parse_pretty(swanctl("--list-conns", "--pretty"))
            if msg == "list-conn event" for k, v in body.items()}


def sas():
    return [dict(v, name=k) for msg, body in ss.parse_pretty(swanctl("--list-sas", "--pretty"))
            if msg == "list-sa event" for k, v in body.items()]


def pools():
    return {k: v for msg, body in ss.parse_pretty(swanctl("--list-pools", "--pretty"))
            if msg in ("get-pools reply", "list-pools reply") for k, v in body.items()}


def scenario_files():
    return sorted(os.path.join(SUITE, f) for f in os.listdir(SUITE) if f.endswith(".json"))


def write_scenario(name, peer, role="initiator"):
    """A temp scenario (in the lab dir) with this peer object; PSK files as absolute paths."""
    doc = {"title": name, "reference": "RFC 7296", "requirement": "-", "role": role,
           "harness": {}, "peer": peer, "steps": []}
    path = os.path.join(_lab.dir, name + ".json")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def base_peer():
    return {"local": {"id": "responder.test", "auth": "psk",
                      "psk": {"file": os.path.join(KEYS, "self-mode.psk")}},
            "remote": {"id": "initiator.test", "auth": "psk"}}


read = ss.read_text


class A_Prepare(unittest.TestCase):

    def test_every_scenario(self):
        names = [os.path.basename(f)[:-5] for f in scenario_files()]
        self.assertTrue(names)
        expected_77 = dict(EXPECTED_77)
        if _lab.ipsec != "libipsec":
            del expected_77["1.3.1-transport-mode-accepted"]  # only libipsec lacks transport
        unknown = set(EXPECTED_77) - set(names)
        self.assertFalse(unknown, f"EXPECTED_77 names scenarios that do not exist: {unknown}")
        for path in scenario_files():
            name = os.path.basename(path)[:-5]
            with self.subTest(scenario=name):
                with open(path) as f:
                    doc = json.load(f)
                t = time.monotonic()
                r = adapter("prepare", scenario=path, check=False)
                took = time.monotonic() - t
                self.assertLess(took, 15, f"prepare took {took:.1f} s")
                if name in expected_77:
                    self.assertEqual(r.returncode, 77, r.stdout + r.stderr)
                    reason = r.stdout.strip().splitlines()[0]
                    self.assertIn(expected_77[name], reason)
                    continue
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.check_loaded(doc)

    def check_loaded(self, doc):
        peer = doc["peer"]
        c = conns()
        self.assertEqual(sorted(c), ["ikeh"])
        ikeh = c["ikeh"]
        self.assertEqual(ikeh["local_addrs"], [_right.addr4])
        if doc["role"] == "responder":
            self.assertEqual(ikeh["remote_addrs"], [_left.addr4])
        else:
            self.assertEqual(ikeh["remote_addrs"], ["%any"])
        local = next(v for k, v in ikeh.items() if k.startswith("local-"))
        remote = next(v for k, v in ikeh.items() if k.startswith("remote-"))
        self.assertEqual(local["id"], peer["local"]["id"])
        self.assertEqual(remote.get("id", "%any"), peer.get("remote", {}).get("id", "%any"))
        self.assertEqual(local["class"], "pre-shared key")
        # proposals: the loaded connection's text must show the scenario's first proposal's
        # encryption (swanctl --list-conns --raw does not print proposals; the swanctl.conf the
        # adapter wrote is compared instead)
        with open(os.path.join(state_dir(), "swanctl", "swanctl.conf")) as f:
            conf = f.read()
        want = peer.get("ike", {}).get("proposals") or DEFAULT_IKE
        self.assertIn("proposals = " + ", ".join(want), conf)
        esp = peer.get("child", {}).get("proposals")
        if esp:
            self.assertIn("esp_proposals = " + ", ".join(esp), conf)
        self.assertIn("ikeh", ikeh["children"])
        p = pools()
        if "pool" in peer:
            self.assertEqual(list(p), ["ikeh-pool"])
            pool = peer["pool"]
            first = (pool.get("range") or pool["cidr"]).split("-")[0].split("/")[0]
            self.assertTrue(p["ikeh-pool"]["base"].startswith(first.rsplit(".", 1)[0]),
                            p["ikeh-pool"])
        else:
            self.assertEqual(p, {})
        for secret in psk_texts():
            self.assertNotIn(secret, ikeh.__repr__())


class B_Refusals(unittest.TestCase):

    def expect_77(self, path, key, *args):
        r = adapter(*(args or ("prepare",)), scenario=path, check=False)
        self.assertEqual(r.returncode, 77, r.stdout + r.stderr)
        self.assertIn(key, r.stdout.strip().splitlines()[0])

    def test_unknown_key(self):
        peer = base_peer()
        peer["ike"] = {"flux_capacitor": True}
        self.expect_77(write_scenario("unknown-key", peer), "peer/ike/flux_capacitor")

    def test_nonce_size(self):
        peer = base_peer()
        peer["ike"] = {"nonce_size": 40}
        self.expect_77(write_scenario("nonce-size", peer), "peer/ike/nonce_size")

    def test_window_size(self):
        peer = base_peer()
        peer["ike"] = {"window_size": 2}
        self.expect_77(write_scenario("window", peer), "peer/ike/window_size")

    def test_liveness_and_cfg_set(self):
        path = write_scenario("plain", base_peer())
        adapter("prepare", scenario=path)
        r = adapter("start", "liveness", scenario=path, check=False)
        self.assertEqual(r.returncode, 77, r.stdout + r.stderr)
        self.assertIn("liveness", r.stdout.splitlines()[0])
        r = adapter("start", "cfg_set", scenario=path, check=False)
        self.assertEqual(r.returncode, 77, r.stdout + r.stderr)

    def test_hex_psk_and_quoted_text(self):
        env_psk = "0x" + "ab" * 24
        peer = base_peer()
        peer["local"]["psk"] = {"env": "IKEH_TEST_ADAPTER_PSK"}
        path = write_scenario("hex-psk", peer)
        r = subprocess.run([ADAPTER, "prepare"], capture_output=True, text=True, timeout=30,
                           env=adapter_env(path, {"IKEH_TEST_ADAPTER_PSK": env_psk}))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(env_psk, r.stdout + r.stderr)
        with open(os.path.join(state_dir(), "swanctl", "swanctl.conf")) as f:
            self.assertIn(f"secret = {env_psk}\n", f.read())
        text = 'pa ss"wo\\rd'
        r = subprocess.run([ADAPTER, "prepare"], capture_output=True, text=True, timeout=30,
                           env=adapter_env(path, {"IKEH_TEST_ADAPTER_PSK": text}))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(text, r.stdout + r.stderr)
        with open(os.path.join(state_dir(), "swanctl", "swanctl.conf")) as f:
            self.assertIn('secret = "pa ss\\"wo\\\\rd"\n', f.read())

    def test_missing_psk_file_fails(self):
        peer = base_peer()
        peer["local"]["psk"] = {"file": "does-not-exist.psk"}
        r = adapter("prepare", scenario=write_scenario("nopsk", peer), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("does-not-exist.psk", r.stderr)


class C_Exchange(unittest.TestCase):

    def test_harness_initiates_rfc7296_1_2(self):
        binary = ss.find_ikeharness()
        if not binary:
            self.skipTest("ikeharness binary not built (set IKEHARNESS or IKEH_BINARY_DIR)")
        path = os.path.join(SUITE, "1.2-initial-exchanges.json")
        adapter("prepare", scenario=path)
        with open(path) as f:
            harness = json.load(f)["harness"]
        harness["local"]["psk"] = {"file": os.path.join(KEYS, "self-mode.psk")}
        cfg = os.path.join(_lab.dir, "harness-1.2.json")
        with open(cfg, "w") as f:
            json.dump(harness, f)
        r = _left.run([binary, "initiate", "--peer", _right.addr4, "--local",
                       f"{_left.addr4}:500", "--config", cfg, "--timeout", "15", "--hold", "3"],
                      timeout=40, check=False)
        for secret in psk_texts():
            self.assertNotIn(secret, r.stdout + r.stderr)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        self.assertIn("established", r.stdout)
        # the harness held the SA for 3 s and exited without a Delete: charon still has it
        up = [s for s in sas() if s["name"] == "ikeh" and s.get("state") == "ESTABLISHED"]
        self.assertEqual(len(up), 1, sas())
        self.assertEqual(up[0]["remote-id"], "initiator.test")
        self.assertEqual(up[0]["local-id"], "responder.test")
        # cleanup: charon's Delete goes unanswered (the harness is gone): cleanup waits, then
        # forces, and must return within 30 s
        t = time.monotonic()
        r = adapter("cleanup", scenario=path)
        self.assertLess(time.monotonic() - t, 30)
        self.assertEqual(sas(), [])

    def test_cleanup_with_harness_answering(self):
        binary = ss.find_ikeharness()
        if not binary:
            self.skipTest("ikeharness binary not built (set IKEHARNESS or IKEH_BINARY_DIR)")
        path = os.path.join(SUITE, "1.3.1-peer-requests-child-sa.json")
        adapter("prepare", scenario=path)
        with open(path) as f:
            harness = json.load(f)["harness"]
        harness["local"]["psk"] = {"file": os.path.join(KEYS, "self-mode.psk")}
        cfg = os.path.join(_lab.dir, "harness-1.3.1.json")
        with open(cfg, "w") as f:
            json.dump(harness, f)
        out = open(os.path.join(_lab.dir, "respond.out"), "w")
        proc = _left.popen([binary, "respond", "--listen", f"{_left.addr4}:500", "--config",
                            cfg, "--once", "--until-deleted", "--timeout", "40"],
                           stdout=out, stderr=subprocess.STDOUT)
        try:
            ss.wait_for(lambda: "listening" in read(out.name), 10, "ikeharness respond")
            adapter("start", "ike_sa", scenario=path)
            adapter("start", "child_sa", scenario=path)
            sa = next(s for s in sas() if s["name"] == "ikeh")
            self.assertEqual(len(sa["child-sas"]), 2, sa)
            t = time.monotonic()
            adapter("cleanup", scenario=path)
            # the harness answered the Delete at once: no waiting for a timeout
            self.assertLess(time.monotonic() - t, 5)
            self.assertEqual(sas(), [])
            proc.wait(15)
        finally:
            out.close()
            if proc.poll() is None:
                proc.kill()
        with open(out.name) as f:
            log = f.read()
        self.assertEqual(proc.returncode, 0, log[-3000:])
        self.assertIn("CREATE_CHILD_SA request", log)
        self.assertIn("deleted by the peer", log)


class D_Stop(unittest.TestCase):

    def test_stop(self):
        adapter("prepare", scenario=os.path.join(SUITE, "1.2-initial-exchanges.json"))
        with open(os.path.join(state_dir(), "charon.pid")) as f:
            pid = int(f.read())
        self.assertTrue(os.path.exists(f"/proc/{pid}"))
        r = adapter("stop")
        self.assertIn("stopped", r.stdout)
        ss.wait_for(lambda: read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()[:1] in
                    ([], ["Z"]), 5, "charon to exit")
        self.assertFalse(any("charon" in read(f"/proc/{p}/cmdline") for p in _right.pids()))
        r = adapter("stop")
        self.assertIn("not running", r.stdout)


if __name__ == "__main__":
    ss.main()
