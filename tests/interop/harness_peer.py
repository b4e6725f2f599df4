# SPDX-License-Identifier: Apache-2.0
"""ikeharness as one side of an interop test: its endpoint configuration, and the running
`ikeharness initiate` / `ikeharness respond` process with its --json-events lines.

    import harness_peer as hp

    creds = hp.Credentials(lab, "psk")                  # or "rsa" / "ecdsa": a CA, two certs
    local, remote = creds.harness_sections("initiator")
    cfg = hp.write_config(lab, "init", hp.endpoint_config(   # JSON file in the lab's dir
        local, remote, ["aes256gcm16-prfsha256-ecp256"], ["aes256gcm16"],
        local_ts=["0.0.0.0/0"], remote_ts=[hp.PROTECTED_NET],
        cp={"request": ["INTERNAL_IP4_ADDRESS"]}))
    run = hp.HarnessRun(lab, harness_ns, ["initiate", "--peer", ..., "--config", cfg],
                        env=creds.harness_env())        # --json-events is added
    s = run.wait_summary()                              # first "summary" event
    run.wait(lambda e: e["kind"] == "ike-sa" and e["state"] == "Deleted", 10, "the deletion")
    run.interrupt()                                     # SIGINT
    rc = run.wait_exit(20)
    run.result()                                        # the "result" event

Every run is registered with the Lab: its process is stopped at Lab.close(), and its output goes
to stderr (after the charon logs) when the with-block fails. Secrets reach the harness only
through the environment ({"env": ...} in the configuration), never through argv or a file left
in the configuration.
"""

import json
import os
import signal
import subprocess
import threading
import time

import strongswan as ss

# The inner networks used by every row: the responder protects PROTECTED_NET (and holds
# PROTECTED_ADDR on its lo when it is a charon), the initiator gets an address from a pool.
PROTECTED_NET = "10.98.0.0/24"
PROTECTED_ADDR = "10.98.0.1"
CLIENT_NET = "10.97.0.0/24"         # the initiator's own network in rows without CP
CLIENT_ADDR = "10.97.0.1"           # on a charon initiator's lo in those rows
CHARON_POOL = "10.99.0.0/24"        # charon's pool (harness initiator rows)
HARNESS_POOL = "10.77.0.0/24"       # the harness's pool (harness responder rows)

PSK_ENV = "IKEH_PSK"


def binary():
    """The ikeharness binary, or raise ss.Skip when it is not built."""
    path = ss.find_ikeharness()
    if not path:
        raise ss.Skip("ikeharness is not built (set IKEHARNESS or IKEH_BINARY_DIR, or build the "
                      "`ikeharness` target)")
    return path


def write_config(lab, name, tree):
    """Writes the endpoint configuration `tree` (a dict) to <lab dir>/harness/<name>.json."""
    d = os.path.join(lab.dir, "harness")
    os.makedirs(d, mode=0o700, exist_ok=True)
    path = os.path.join(d, f"{name}.json")
    with open(path, "w") as f:
        f.write(json.dumps(dict({"description": f"interop test: {name}"}, **tree), indent=2))
        f.write("\n")
    return path


def endpoint_config(local, remote, ike_proposals, esp_proposals, local_ts, remote_ts, cp=None,
                    pool=None, retransmit=None):
    """An endpoint configuration (docs/config.md) from its parts. `local` and `remote` are the
    sections of the same name (see psk_local/psk_remote, cert_local/cert_remote)."""
    tree = {
        "ike": {"proposals": list(ike_proposals),
                "retransmit": retransmit or {"timeout": 1.0, "base": 1.4, "tries": 3}},
        "local": local,
        "remote": remote,
        "child": {"proposals": list(esp_proposals), "local_ts": list(local_ts),
                  "remote_ts": list(remote_ts)},
    }
    if cp is not None:
        tree["cp"] = cp
    if pool is not None:
        tree["pool"] = pool
    return tree


def psk_local(identity):
    return {"auth": "psk", "id": identity, "psk": {"env": PSK_ENV}}


def psk_remote(identity):
    return {"auth": "psk", "id": identity}


def cert_local(cred, identity=None):
    return {"auth": "pubkey", "id": identity or cred.identity, "key": cred.key, "cert": cred.cert}


def cert_remote(identity, ca_cert):
    return {"auth": "pubkey", "id": identity, "cacerts": [ca_cert]}


class HarnessRun:
    """One `ikeharness` process in a namespace, run with --json-events; its stdout is read by a
    thread into `lines` (all of them) and `events` (the JSON ones)."""

    def __init__(self, lab, ns, args, env=None, name=None):
        self.lab, self.ns = lab, ns
        self.name = name or args[0]
        self.argv = [binary()] + list(args) + ["--json-events"]
        full_env = dict(os.environ, **(env or {}))
        self.lines = []
        self.events = []
        self.stderr = ""
        self._cond = threading.Condition()
        self._done = False
        self.proc = ns.popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True, env=full_env)
        self._out_thread = threading.Thread(target=self._read_stdout, daemon=True)
        self._err_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._out_thread.start()
        self._err_thread.start()
        _register(lab, self)

    def _read_stdout(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            event = None
            if line.startswith("{"):
                try:
                    event = json.loads(line)
                except ValueError:
                    event = None
            with self._cond:
                self.lines.append(line)
                if event is not None:
                    self.events.append(event)
                self._cond.notify_all()
        self.proc.stdout.close()
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def _read_stderr(self):
        for line in self.proc.stderr:
            with self._cond:
                self.stderr += line
        self.proc.stderr.close()

    # --- waiting for events
    def find(self, predicate, start=0):
        """The first event at index >= start matching predicate, as (index, event), or None."""
        with self._cond:
            for i in range(start, len(self.events)):
                if predicate(self.events[i]):
                    return i, self.events[i]
        return None

    def wait(self, predicate, timeout, what, start=0):
        """Waits for an event matching predicate (from index `start`); returns the event. Raises
        AssertionError naming `what` with the output so far when it does not come (or the
        process ended first)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(start, len(self.events)):
                    if predicate(self.events[i]):
                        return self.events[i]
                start = max(start, len(self.events))
                left = deadline - time.monotonic()
                if self._done or left <= 0:
                    why = "the process ended" if self._done else f"{timeout:g} s passed"
                    raise AssertionError(f"ikeharness {self.name}: {why} before {what}\n"
                                         f"{self.output_tail()}")
                self._cond.wait(min(left, 0.5))

    def index(self):
        """How many events have arrived (a start index for later waits)."""
        with self._cond:
            return len(self.events)

    def summaries(self):
        with self._cond:
            return [e for e in self.events if e.get("kind") == "summary"]

    def wait_summary(self, timeout=30, heading=None, start=0):
        """The first summary event (whose heading contains `heading`, when given)."""
        return self.wait(lambda e: e.get("kind") == "summary"
                         and (heading is None or heading in e.get("heading", "")),
                         timeout, f"a summary{' ' + repr(heading) if heading else ''}", start)

    def result(self):
        """The "result" event, or None (not yet printed)."""
        with self._cond:
            for e in reversed(self.events):
                if e.get("kind") == "result":
                    return e
        return None

    # --- the process
    def interrupt(self):
        """SIGINT to ikeharness (`ip netns exec` execs it, so the pid is its own)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)

    def wait_exit(self, timeout):
        """Waits for the process to end and its output to be read; returns the exit code. On a
        timeout, raises AssertionError with the output (the Lab stops the process)."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"ikeharness {self.name} still running after {timeout:g} s\n"
                                 f"{self.output_tail()}") from None
        self._out_thread.join(5)
        self._err_thread.join(5)
        return rc

    def running(self):
        return self.proc.poll() is None

    def stop(self):
        ss._stop_popen(self.proc)

    # --- output
    def output(self):
        with self._cond:
            return "\n".join(self.lines) + ("\n--- stderr ---\n" + self.stderr
                                            if self.stderr else "")

    def output_tail(self, n=60):
        with self._cond:
            text = "\n".join(self.lines[-n:])
            if self.stderr:
                text += "\n--- stderr ---\n" + ss._tail(self.stderr, 20)
        return text


def _register(lab, run):
    runs = getattr(lab, "harness_runs", None)
    if runs is None:
        runs = lab.harness_runs = []
        lab.add_dump(lambda: _dump(lab))
    runs.append(run)


def _dump(lab):
    out = []
    for run in lab.harness_runs:
        rc = run.proc.poll()
        out.append(f"----- ikeharness {run.name} ({run.ns.name}, exit "
                   f"{'running' if rc is None else rc}) output -----")
        out.append(" ".join(os.path.basename(a) if a == run.argv[0] else a for a in run.argv))
        out.append(run.output_tail(120))
    return "\n".join(out)


# --- comparing the harness's view with charon's

def spi_hex(text):
    """An SPI as lower-case hex without leading 0x."""
    text = text.lower()
    return text[2:] if text.startswith("0x") else text


def check_summary(tc, summary, row, role, peer_id, own_ts_key):
    """What both directions assert about the harness's summary of a fresh IKE SA: role, state,
    suites, the peer's identity, the move to the NAT-T port (kernel-libipsec fakes NAT detection,
    so both sides see a NAT), and a tunnel-mode Child SA whose `own_ts_key` side ("local_ts" or
    "remote_ts") is charon's protected network. Returns that Child SA."""
    tc.assertEqual(summary["role"], role)
    tc.assertEqual(summary["state"], "Established")
    tc.assertEqual(summary["suite"], row.suite)
    tc.assertEqual(summary["peer_id"], peer_id)
    tc.assertTrue(summary["natt"], "the harness did not move to the NAT-T port")
    child = live_child(summary)
    tc.assertEqual(child["suite"], row.esp_suite)
    tc.assertEqual(child["mode"], "tunnel")
    tc.assertEqual(child[own_ts_key], [PROTECTED_NET])
    return child


def live_child(summary):
    """The one Installed Child SA of a summary event."""
    children = [c for c in summary.get("children", []) if c.get("state") == "Installed"]
    if len(children) != 1:
        raise AssertionError(f"expected one Installed Child SA in the summary: {summary}")
    return children[0]


# --- the matrix: one row per suite and auth kind

class Row:
    """One interop case: how both sides authenticate, the IKE and ESP proposal (the same string
    on both sides), and what each side must report for it.

    auth: "psk", "rsa" or "ecdsa" (certificates of that key type, from a CA of the same type).
    charon_ike: the algorithm fields of charon's IKE SA (swanctl --list-sas);
    charon_esp: the same for its Child SA; suite: the harness summary's `suite`;
    esp_suite: the suite of the harness summary's Child SA."""

    def __init__(self, name, auth, ike, esp, charon_ike, charon_esp, suite, esp_suite):
        self.name, self.auth, self.ike, self.esp = name, auth, ike, esp
        self.charon_ike, self.charon_esp = charon_ike, charon_esp
        self.suite, self.esp_suite = suite, esp_suite

    def __repr__(self):
        return f"Row({self.name})"


def assert_no_secrets(test, creds, run, charon):
    """No pre-shared key or private key text in the harness's output or charon's log."""
    out, log = run.output(), charon.log()
    for text in creds.secret_texts():
        test.assertFalse(text in out or text in out.lower(), "a secret in the harness's output")
        test.assertFalse(text in log or text in log.lower(), "a secret in charon's log")


def assert_exit_ok(test, run, timeout=10):
    """Waits for the harness to exit, checks the exit code is 0 and returns its result line."""
    rc = run.wait_exit(timeout)
    result = run.result()
    test.assertIsNotNone(result, f"no result line:\n{run.output_tail()}")
    test.assertEqual(rc, 0, f"exit code; result: {result}")
    return result


GCM256 = {"encr-alg": "AES_GCM_16", "encr-keysize": "256"}

ROWS = {r.name: r for r in (
    Row("psk_gcm_ecp256", "psk", "aes256gcm16-prfsha256-ecp256", "aes256gcm16",
        dict(GCM256, **{"prf-alg": "PRF_HMAC_SHA2_256", "dh-group": "ECP_256"}), GCM256,
        "ENCR_AES_GCM_16 256 / PRF_HMAC_SHA2_256 / ECP_256", "ENCR_AES_GCM_16 256 / NO_ESN"),
    Row("psk_cbc_modp2048", "psk", "aes128-sha256-modp2048", "aes128-sha256",
        {"encr-alg": "AES_CBC", "encr-keysize": "128", "integ-alg": "HMAC_SHA2_256_128",
         "prf-alg": "PRF_HMAC_SHA2_256", "dh-group": "MODP_2048"},
        {"encr-alg": "AES_CBC", "encr-keysize": "128", "integ-alg": "HMAC_SHA2_256_128"},
        "ENCR_AES_CBC 128 / PRF_HMAC_SHA2_256 / AUTH_HMAC_SHA2_256_128 / MODP_2048",
        "ENCR_AES_CBC 128 / AUTH_HMAC_SHA2_256_128 / NO_ESN"),
    Row("psk_gcm_x25519", "psk", "aes256gcm16-prfsha256-x25519", "aes256gcm16",
        dict(GCM256, **{"prf-alg": "PRF_HMAC_SHA2_256", "dh-group": "CURVE_25519"}), GCM256,
        "ENCR_AES_GCM_16 256 / PRF_HMAC_SHA2_256 / CURVE25519", "ENCR_AES_GCM_16 256 / NO_ESN"),
    Row("rsa_cbc_sha384_ecp256", "rsa", "aes256-sha384-ecp256", "aes256-sha384",
        {"encr-alg": "AES_CBC", "encr-keysize": "256", "integ-alg": "HMAC_SHA2_384_192",
         "prf-alg": "PRF_HMAC_SHA2_384", "dh-group": "ECP_256"},
        {"encr-alg": "AES_CBC", "encr-keysize": "256", "integ-alg": "HMAC_SHA2_384_192"},
        "ENCR_AES_CBC 256 / PRF_HMAC_SHA2_384 / AUTH_HMAC_SHA2_384_192 / ECP_256",
        "ENCR_AES_CBC 256 / AUTH_HMAC_SHA2_384_192 / NO_ESN"),
    Row("ecdsa_gcm_prfsha384_ecp256", "ecdsa", "aes256gcm16-prfsha384-ecp256", "aes256gcm16",
        dict(GCM256, **{"prf-alg": "PRF_HMAC_SHA2_384", "dh-group": "ECP_256"}), GCM256,
        "ENCR_AES_GCM_16 256 / PRF_HMAC_SHA2_384 / ECP_256", "ENCR_AES_GCM_16 256 / NO_ESN"),
)}

INITIATOR_ID = "initiator.example.org"
RESPONDER_ID = "responder.example.org"


class Credentials:
    """What both sides need for a row: the PSK, or a CA and one certificate per side."""

    def __init__(self, lab, auth):
        self.auth = auth
        self.psk = self.pki = self.initiator = self.responder = None
        if auth == "psk":
            self.psk = ss.psk_secret()
        else:
            self.pki = lab.pki(key=auth)
            self.initiator = self.pki.issue(INITIATOR_ID, key=auth)
            self.responder = self.pki.issue(RESPONDER_ID, key=auth)

    def harness_env(self):
        return {PSK_ENV: self.psk} if self.psk else {}

    def harness_sections(self, role):
        """(local, remote) sections of the harness's configuration when it plays `role`."""
        me, peer = (INITIATOR_ID, RESPONDER_ID) if role == "initiator" else (RESPONDER_ID,
                                                                            INITIATOR_ID)
        if self.psk:
            return psk_local(me), psk_remote(peer)
        cred = self.initiator if role == "initiator" else self.responder
        return cert_local(cred), cert_remote(peer, self.pki.ca_cert)

    def charon_conn(self, charon, role, conn, secrets_tree):
        """Fills the local/remote auth of charon's connection `conn` (a dict) for `role`, and
        installs its credentials; PSK secrets go into `secrets_tree`."""
        me, peer = (INITIATOR_ID, RESPONDER_ID) if role == "initiator" else (RESPONDER_ID,
                                                                            INITIATOR_ID)
        if self.psk:
            conn["local"] = {"auth": "psk", "id": me}
            conn["remote"] = {"auth": "psk", "id": peer}
            secrets_tree["ike-1"] = {"id-1": me, "id-2": peer, "secret": self.psk}
            return
        cred = self.initiator if role == "initiator" else self.responder
        self.pki.install(charon, cred)
        conn["local"] = {"auth": "pubkey", "certs": os.path.basename(cred.cert), "id": me}
        conn["remote"] = {"auth": "pubkey", "id": peer}

    def secret_texts(self):
        """Text that must appear in no log: the PSK's hex, the private keys' base64."""
        out = []
        if self.psk:
            out.append(self.psk[2:].lower())
        for cred in (self.initiator, self.responder):
            if cred:
                with open(cred.key) as f:
                    out.append("".join(f.read().splitlines()[1:-1])[:40])
        return out
