# SPDX-License-Identifier: Apache-2.0
"""Runs strongSwan's charon as the peer of interop tests, each in network namespaces of its own.

Python 3 standard library only; run as root. Everything a test creates lives in one `Lab`:

    import strongswan as ss

    with ss.Lab("psk") as lab:                     # temp dir, cleanup on exit, signals, atexit
        left, right = lab.pair()                   # two netns joined by a veth pair
        #   left.addr4 == "192.0.2.1", left.addr6 == "2001:db8::1", left.peer4 == "192.0.2.2"
        #   right.addr4 == "192.0.2.2", right.addr6 == "2001:db8::2", right.peer4 == "192.0.2.1"
        psk = ss.psk_secret()
        resp = lab.charon(right, "resp",           # charon in `right`, own mount ns and /run
                          conf=ss.psk_responder_conf(right.addr4, psk))
        init = lab.charon(left, "init", options={"retransmit_tries": 2})
        init.load(ss.psk_initiator_conf(left.addr4, right.addr4, psk))  # or swanctl.conf text
        init.initiate(child="net", ike="home")     # raises SwanctlError on failure
        sa = init.wait_sa("home")                  # dict parsed from swanctl --list-sas --pretty
        sa["child-sas"], sa["local-vips"]
        left.run([ss.find_ikeharness(), ...], timeout=30)  # any command inside a namespace
        p = left.popen([...])                      # background process, killed at cleanup
        print(resp.log_tail(40))                   # charon's log (also resp.log_path)

Module functions
    main()                       unittest entry point: prints "SKIP: <reason>" and exits 77 when the
                                 machine cannot run interop tests (not root, no netns, no charon)
                                 or when every test case raised Skip.
    environment_problem()        that reason, or None.
    Skip                         unittest.SkipTest raised by Lab() and Pki() when the machine lacks
                                 something; a script outside unittest catches it and exits 77.
    skip(reason)                 print "SKIP: reason", exit 77.
    wait_for(pred, timeout, what="", interval=0.1)
                                 polls pred() until it returns a truthy value, and returns it;
                                 raises TimeoutError naming `what` after `timeout` seconds.
    render_conf(dict)            strongswan.conf/swanctl.conf text from nested dicts (True -> yes,
                                 lists -> comma separated, values quoted when needed).
    parse_pretty(text)           the output of `swanctl --pretty` as nested dicts and lists.
    find_ikeharness()            path of the ikeharness binary (env IKEHARNESS, else
                                 $IKEH_BINARY_DIR/harness/cli/ikeharness), or None.
    reap_stale()                 removes namespaces, processes and temp dirs left by test
                                 processes that died (SIGKILL); Lab() calls it on entry.
    list_netns()                 names from `ip netns list`.
    kernel_has_esp()             whether the kernel can hold ESP SAs (XFRM with ESP and GCM).
    psk_secret()                 a random PSK in swanctl's 0x notation (never print it).
    psk_responder_conf(local_addr, psk, conn="rw", child="net", ..., pool="10.99.0.0/24")
    psk_initiator_conf(local_addr, remote_addr, psk, conn="home", child="net", ..., vips="0.0.0.0")
                                 swanctl.conf trees (dicts) for a PSK road warrior and its
                                 gateway: aes256gcm16-prfsha256-ecp256, ids initiator.example.org
                                 and responder.example.org, child traffic to 10.98.0.0/24.

Environment: IKEH_INTEROP_KEEP=1 keeps lab dirs; IKEH_INTEROP_IPSEC=libipsec|kernel|auto picks
charon's IPsec backend (default libipsec, see README.md); IKEH_CHARON, IKEH_SWANCTL and
IKEH_STRONGSWAN_PLUGINS override the Debian paths.

Lab(name, keep=None, ipsec=None, dump_on_error=True)
                                 ipsec: "libipsec" (default), "kernel" (skips where the kernel has
                                 no ESP) or "auto"; dump_on_error: print charon log tails when
                                 the with-block raises
    dir                          the run's temp dir (removed at close unless keep)
    tag                          unique prefix of every namespace: ikeh-<pid>-<random>
    netns(role) -> Netns         a new empty namespace (loopback up)
    link(a, b, ...) -> (Netns, Netns)
                                 veth pair between a and b with addresses (IPv4 /24, IPv6 /64 nodad)
    pair(left="left", right="right") -> (Netns, Netns)
                                 two namespaces, linked with the default addresses above
    charon(ns, name, options=None, plugins=None, port=500, port_nat_t=4500, log_levels=None,
           conf=None) -> Charon  starts charon in ns; `options` are merged into strongswan.conf's
                                 charon section; `conf` (str or dict) is loaded with swanctl at once
    pki(key="rsa") -> Pki        a CA made with openssl in the lab's dir
    add_dump(fn)                 fn() -> str goes to stderr, after the charon log tails, when
                                 the with-block raises (harness_peer.py registers its runs)
    close()                      idempotent teardown; also run by __exit__, atexit and the
                                 SIGTERM/SIGINT/SIGHUP handlers

Netns
    name, addr4, addr6, peer4, peer6, ifname
    cmd(argv) -> list            argv prefixed with `ip netns exec <name>`
    run(argv, timeout=30, check=True, input=None, env=None) -> subprocess.CompletedProcess (text)
    popen(argv, **popen_kwargs) -> subprocess.Popen (own session; killed at Lab close)
    pids() -> list[int]          processes inside the namespace

Charon
    name, ns, dir, swanctl_dir, conf_path, log_path, vici_uri, proc
    swanctl(*args, timeout=20, check=True) -> CompletedProcess
    load(conf)                   writes <swanctl_dir>/swanctl.conf and runs swanctl --load-all
    list_sas(ike=None) -> list[dict]
                                 one dict per IKE SA: the vici fields plus "name"; "child-sas" maps
                                 "<child>-<id>" to dicts that carry "name" too
    ike_sa(name, state=None) -> dict|None, child_sa(ike, child, state=None) -> dict|None
    list_conns() -> list[dict], list_pools() -> dict, stats() -> str
    monitor_sa() -> SaMonitor    swanctl --monitor-sa in the background: .events, .wait(pred),
                                 .wait_up("ike"|"child") -> the IKE SA dict of the first up event
    initiate(child=None, ike=None, timeout=10, check=True)
    terminate(ike=None, child=None, ike_id=None, child_id=None, force=False, timeout=10, check=True)
    rekey(ike=None, child=None, ike_id=None, child_id=None, reauth=False, check=True)
    wait_sa(ike, state="ESTABLISHED", timeout=10) -> dict
    wait_no_sa(ike=None, timeout=10)
    log() -> str, log_tail(n=60) -> str, wait_log(regex, timeout=10) -> re.Match
    running() -> bool, stop(timeout=5)

Pki (openssl command line; files in PEM)
    ca_cert, ca_key              paths
    issue(identity, key="rsa"|"ecdsa", san=None) -> Credential(identity, cert, key)
                                 end-entity certificate signed by the CA, subjectAltName from the
                                 identity (IP address, email or DNS name) unless `san` is given
    install(charon, cred=None)   copies the CA (x509ca/) and cred (x509/, private/) into
                                 charon's swanctl dir; load() or swanctl("--load-creds") loads them

Private keys, pre-shared keys and SK_* keys never reach stdout/stderr from here: the charon log
levels default to 2 or less, which do not print key material.
"""

import atexit
import ctypes
import ipaddress
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

CHARON = os.environ.get("IKEH_CHARON", "/usr/lib/ipsec/charon")
SWANCTL = os.environ.get("IKEH_SWANCTL") or shutil.which("swanctl") or "/usr/sbin/swanctl"
PLUGIN_DIR = os.environ.get("IKEH_STRONGSWAN_PLUGINS", "/usr/lib/ipsec/plugins")
SKIP_EXIT = 77
PREFIX = "ikeh-"

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADAPTER = os.path.join(REPO, "scenarios", "peers", "strongswan_adapter.py")


def _load_adapter():
    """scenarios/peers/strongswan_adapter.py as a module: the product's own swanctl rendering."""
    import importlib.util
    import sys
    sys.dont_write_bytecode = True  # no __pycache__ in scenarios/peers
    spec = importlib.util.spec_from_file_location("strongswan_adapter", ADAPTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ADAPTER = _load_adapter()

# Plugins charon loads (load_modular = no, so nothing under /etc/strongswan.d applies). openssl
# brings every cipher, PRF and DH group (ecp256 among them) and libipsec's AES-GCM; kdf is the
# prf+ of RFC 7296 2.13 (5.9.8 does not take it from openssl: without kdf, IKE_SA_INIT ends in
# "KDF_PRF with PRF_HMAC_SHA2_256 not supported"); the rest is credentials, the vici socket and
# kernel access. Not loaded on purpose: resolve (would rewrite /etc/resolv.conf), bypass-lan and
# forecast (touch routing of the namespace), stroke (ipsec.conf). These lists are the adapter's
# (scenarios/peers/strongswan_adapter.py), one copy for both.
BASE_PLUGINS = _ADAPTER.BASE_PLUGINS
# A "!" after these in the load list makes charon refuse to start without them, instead of
# quietly running with kernel-netlink's IPsec or without the vici socket. Not kernel-netlink:
# next to kernel-libipsec its IPsec feature does not load, which "!" would make fatal.
CRITICAL_PLUGINS = _ADAPTER.CRITICAL_PLUGINS
SWANCTL_PLUGINS = _ADAPTER.SWANCTL_PLUGINS

DEFAULT_LOG_LEVELS = {"default": 1, "ike": 2, "cfg": 2, "knl": 1, "net": 1, "enc": 1}

# Quick but not hasty: a lost request is sent again after 1 s, 1.4 s and 1.96 s more; the SA is
# given up 2.7 s after the last try, about 7 s after the first.
DEFAULT_OPTIONS = {
    "retransmit_timeout": 1.0,
    "retransmit_base": 1.4,
    "retransmit_tries": 3,
    "retransmit_jitter": 0,
    "install_routes": True,
    "install_virtual_ip": True,
}

LEFT = {"addr4": "192.0.2.1", "addr6": "2001:db8::1"}
RIGHT = {"addr4": "192.0.2.2", "addr6": "2001:db8::2"}


class SwanctlError(RuntimeError):
    """A swanctl command failed; carries the command's output."""

    def __init__(self, charon, args, proc):
        self.returncode = proc.returncode
        self.output = (proc.stdout or "") + (proc.stderr or "")
        super().__init__(f"charon {charon}: swanctl {' '.join(args)} exited {proc.returncode}:\n"
                         f"{_tail(self.output, 30)}")


class CharonError(RuntimeError):
    """charon did not start or died."""


def _tail(text, n):
    lines = text.splitlines()
    return "\n".join(lines[-n:])


def read_text(path):
    """The text of a file, undecodable bytes replaced; "" when it cannot be read."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def processes_using(path):
    """Pids whose command line or environment names `path` (our charons carry it in
    STRONGSWAN_CONF), this process left out."""
    needle, found = path.encode(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for what in ("cmdline", "environ"):
            try:
                with open(f"/proc/{entry}/{what}", "rb") as f:
                    if needle in f.read():
                        found.append(int(entry))
                        break
            except OSError:
                pass
    return found


# ---------------------------------------------------------------------------------------------
# Skip logic

class Skip(unittest.SkipTest):
    """This machine cannot run the test; main() turns it into exit code 77."""


def skip(reason):
    """Prints "SKIP: reason" and exits 77 (the whole script is skipped)."""
    print(f"SKIP: {reason}", flush=True)
    sys.exit(SKIP_EXIT)


_env_problem = ...  # not yet probed
_kernel_esp = None


def environment_problem():
    """Why interop tests cannot run here, or None. Probes once per process."""
    global _env_problem
    if _env_problem is ...:
        _env_problem = _probe_environment()
    return _env_problem


def _probe_environment():
    if not sys.platform.startswith("linux"):
        return "interop tests need Linux network namespaces"
    if os.geteuid() != 0:
        return "interop tests need root (network namespaces, charon)"
    for tool in ("ip", "unshare", "mount"):
        if not shutil.which(tool):
            return f"`{tool}` not found (scripts/setup installs iproute2)"
    if not os.access(CHARON, os.X_OK):
        return f"{CHARON} not found (scripts/setup installs strongswan-charon)"
    if not os.access(SWANCTL, os.X_OK):
        return f"{SWANCTL} not found (scripts/setup installs strongswan-swanctl)"
    for plugin, package in (("openssl", "libstrongswan-standard-plugins"),
                            ("kdf", "libstrongswan"),
                            ("vici", "strongswan-libcharon"),
                            ("kernel-netlink", "strongswan-libcharon")):
        if not os.path.exists(os.path.join(PLUGIN_DIR, f"libstrongswan-{plugin}.so")):
            return f"strongSwan plugin {plugin} missing (scripts/setup installs {package})"
    problem = _apparmor_problem()
    if problem:
        return problem
    probe = f"{PREFIX}{os.getpid()}-probe{secrets.token_hex(2)}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return f"`ip netns add` failed: {r.stderr.strip()}"
    try:
        global _kernel_esp
        _kernel_esp = _probe_kernel_esp(probe)
        r = subprocess.run(["ip", "netns", "exec", probe, "unshare", "--mount", "--propagation",
                            "private", "true"], capture_output=True, text=True)
        if r.returncode != 0:
            return f"`unshare --mount` inside a netns failed: {r.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def _libipsec_problem():
    if not os.path.exists(os.path.join(PLUGIN_DIR, "libstrongswan-kernel-libipsec.so")):
        return ("strongSwan's kernel-libipsec plugin is missing "
                "(scripts/setup installs libcharon-extra-plugins)")
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing (kernel-libipsec needs TUN)"
    return None


def _apparmor_problem():
    # Debian ships an AppArmor profile for charon that only allows its usual paths; with it
    # enforced, a charon reading its config from our temp dir fails in odd ways.
    try:
        with open("/sys/kernel/security/apparmor/profiles") as f:
            profiles = f.read()
    except OSError:
        return None
    for line in profiles.splitlines():
        if line.startswith("/usr/lib/ipsec/charon ") and "(enforce)" in line:
            return ("AppArmor enforces /usr/lib/ipsec/charon's profile; run "
                    "`aa-complain /usr/lib/ipsec/charon` (or aa-disable) to run interop tests")
    return None


def _probe_kernel_esp(ns):
    """Whether the kernel can hold an ESP AES-GCM SA (XFRM with ESP and GCM built in)."""
    key = "0x" + "00" * 36
    r = subprocess.run(["ip", "-n", ns, "xfrm", "state", "add", "src", "192.0.2.1", "dst",
                        "192.0.2.2", "proto", "esp", "spi", "0x100", "mode", "tunnel", "aead",
                        "rfc4106(gcm(aes))", key, "128"], capture_output=True, text=True)
    return r.returncode == 0


def kernel_has_esp():
    """Whether the running kernel can install ESP SAs (probed with environment_problem())."""
    environment_problem()
    return bool(_kernel_esp)


def main(argv=None):
    """Entry point of an interop test script: runs its unittest cases; exits 77 with
    "SKIP: <reason>" when the machine cannot run them or every case was skipped."""
    problem = environment_problem()
    if problem:
        skip(problem)
    result = unittest.main(argv=argv, verbosity=2, exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun and len(result.skipped) == result.testsRun:
        skip("; ".join(sorted({reason for _, reason in result.skipped})))
    sys.exit(0)


# ---------------------------------------------------------------------------------------------
# Helpers

def wait_for(predicate, timeout, what="", interval=0.1):
    """Polls predicate() until it returns a truthy value; returns it. TimeoutError after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what or predicate}")
        time.sleep(interval)


def render_conf(tree):
    """strongswan.conf / swanctl.conf syntax from nested dicts."""
    return _ADAPTER.render(tree)


def _merge(base, extra):
    out = dict(base)
    for k, v in (extra or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def parse_pretty(text):
    """Parses `swanctl --pretty` output into a list of (name, dict) messages.

    The format is one item per line: `name {` opens a section, `}` closes it, `key = [` opens a
    list whose items follow one per line until `]`, and `key = value` is a value (to the end of
    the line); anything else (log lines of swanctl itself) is ignored. The adapter's own parser.
    """
    return _ADAPTER.parse_pretty(text)


def find_ikeharness():
    path = os.environ.get("IKEHARNESS")
    if path and os.access(path, os.X_OK):
        return path
    build = os.environ.get("IKEH_BINARY_DIR")
    if build:
        path = os.path.join(build, "harness", "cli", "ikeharness")
        if os.access(path, os.X_OK):
            return path
    return None


def _set_pdeathsig():
    # The child gets SIGTERM when the test process dies, even by SIGKILL (reap_stale() then
    # removes the namespaces on the next run).
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ns_pids(name):
    r = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True)
    return [int(x) for x in r.stdout.split()] if r.returncode == 0 else []


def _kill_pids(pids, grace=3.0):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _pid_alive(p) and not _is_zombie(p)]
        if alive:
            time.sleep(0.05)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def list_netns():
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


_OWNER = re.compile(rf"^{re.escape(PREFIX)}(\d+)-")
_REAPING = re.compile(rf"^{re.escape(PREFIX)}\d+-reaping-[0-9a-f]+$")


def reap_stale():
    """Removes namespaces (and the processes in them) and temp dirs whose owner process is gone.

    Names carry the owning pid, so parallel test runs never touch each other's resources.
    """
    reaped = []
    for name in list_netns():
        m = _OWNER.match(name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        _kill_pids(_ns_pids(name), grace=1.0)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        reaped.append(name)
    tmp = tempfile.gettempdir()
    for entry in os.listdir(tmp):
        m = _OWNER.match(entry)
        path = os.path.join(tmp, entry)
        if not m or _pid_alive(int(m.group(1))) or not os.path.isdir(path):
            continue
        if not _REAPING.match(entry) and (not os.path.exists(os.path.join(path, ".ikeh-lab"))
                                          or os.path.exists(os.path.join(path, ".keep"))):
            continue
        # Renaming first makes one reaper the owner when several run at once; the new name
        # carries our pid, so if we die halfway the next reaper finishes the job.
        doomed = os.path.join(tmp, f"{PREFIX}{os.getpid()}-reaping-{secrets.token_hex(4)}")
        try:
            os.rename(path, doomed)
        except OSError:
            continue
        shutil.rmtree(doomed, ignore_errors=True)
        reaped.append(path)
    return reaped


# ---------------------------------------------------------------------------------------------
# Cleanup on exit and on signals

_live_labs = []
_handlers_installed = False


def _cleanup_all():
    for lab in list(_live_labs):
        try:
            lab.close()
        except Exception as e:  # keep tearing down the others
            print(f"interop cleanup: {e}", file=sys.stderr)


def _on_signal(signum, frame):
    _cleanup_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_cleanup_all)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            signal.signal(sig, _on_signal)
        except ValueError:  # not the main thread
            pass


# ---------------------------------------------------------------------------------------------
# Lab, namespaces, charon

class Netns:
    """One network namespace of a Lab."""

    def __init__(self, lab, name):
        self.lab = lab
        self.name = name
        self.addr4 = self.addr6 = self.peer4 = self.peer6 = self.ifname = None

    def __repr__(self):
        return f"Netns({self.name!r}, addr4={self.addr4!r})"

    def cmd(self, argv):
        return ["ip", "netns", "exec", self.name] + list(argv)

    def run(self, argv, timeout=30, check=True, input=None, env=None):
        return subprocess.run(self.cmd(argv), timeout=timeout, check=check, input=input,
                              env=env, capture_output=True, text=True)

    def popen(self, argv, **kwargs):
        kwargs.setdefault("start_new_session", True)
        kwargs.setdefault("preexec_fn", _set_pdeathsig)
        proc = subprocess.Popen(self.cmd(argv), **kwargs)
        self.lab._procs.append(proc)
        return proc

    def pids(self):
        return _ns_pids(self.name)


class Lab:
    """Temp dir, namespaces, charons and processes of one test; all removed by close()."""

    def __init__(self, name="test", keep=None, ipsec=None, dump_on_error=True):
        self.label = re.sub(r"[^a-z0-9]", "", name.lower())[:12] or "test"
        self.tag = f"{PREFIX}{os.getpid()}-{secrets.token_hex(3)}"
        self.keep = keep if keep is not None else os.environ.get("IKEH_INTEROP_KEEP") == "1"
        self.ipsec = ipsec or os.environ.get("IKEH_INTEROP_IPSEC") or "libipsec"
        self.dump_on_error = dump_on_error
        self.dir = None
        self.namespaces = []
        self.charons = []
        self._procs = []
        self._dumps = []
        self._closed = False

    # context manager
    def __enter__(self):
        problem = environment_problem()
        if problem:
            raise Skip(problem)
        if self.ipsec not in ("libipsec", "kernel", "auto"):
            raise ValueError(f"ipsec backend {self.ipsec!r}: use libipsec, kernel or auto")
        if self.ipsec == "auto":
            self.ipsec = "kernel" if kernel_has_esp() else "libipsec"
        if self.ipsec == "kernel" and not kernel_has_esp():
            raise Skip("this kernel cannot install ESP SAs (no CONFIG_INET_ESP or AES-GCM)")
        if self.ipsec == "libipsec" and _libipsec_problem():
            raise Skip(_libipsec_problem())
        _install_handlers()
        reap_stale()
        # Short path: the vici unix socket lives in it (108 bytes at most).
        self.dir = tempfile.mkdtemp(prefix=f"{self.tag}-{self.label}-")
        open(os.path.join(self.dir, ".ikeh-lab"), "w").close()
        _live_labs.append(self)
        return self

    def __exit__(self, exc_type, exc, tb):
        if (self.dump_on_error and exc_type is not None
                and not issubclass(exc_type, (SystemExit, unittest.SkipTest))):
            self.dump_logs()
        self.close()
        return False

    def dump_logs(self, lines=80):
        for c in self.charons:
            print(f"----- charon {c.name} ({c.ns.name}) log tail -----", file=sys.stderr)
            print(c.log_tail(lines), file=sys.stderr)
        for dump in self._dumps:
            try:
                print(dump(), file=sys.stderr)
            except Exception as e:  # a broken dump must not hide the test's own error
                print(f"interop: dump failed: {e}", file=sys.stderr)
        sys.stderr.flush()

    def add_dump(self, fn):
        """fn() -> str is printed to stderr after the charon logs when the with-block fails
        (the output of a process the test ran, for example)."""
        self._dumps.append(fn)

    def netns(self, role):
        role = re.sub(r"[^a-z0-9]", "", role.lower())[:10] or "ns"
        name = f"{self.tag}-{role}"
        if any(n.name == name for n in self.namespaces):
            raise ValueError(f"namespace role {role!r} used twice")
        subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True, text=True)
        ns = Netns(self, name)
        self.namespaces.append(ns)
        # No duplicate address detection: link-local addresses would otherwise turn valid a
        # second later, and charon would answer that address change with a MOBIKE update at
        # a random point of the test.
        ns.run(["sh", "-c", "for c in all default; do "
                "echo 0 > /proc/sys/net/ipv6/conf/$c/accept_dad; done"], timeout=10)
        self._ip(name, "link", "set", "lo", "up")
        return ns

    def _ip(self, ns, *args):
        r = subprocess.run(["ip", "-n", ns] + list(args), capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"ip -n {ns} {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    def link(self, a, b, a4=LEFT["addr4"], b4=RIGHT["addr4"], a6=LEFT["addr6"],
             b6=RIGHT["addr6"], ifname_a="veth0", ifname_b="veth1", prefix4=24, prefix6=64):
        """Joins a and b with a veth pair, created inside the namespaces (no root netns names)."""
        self._ip(a.name, "link", "add", ifname_a, "type", "veth", "peer", "name", ifname_b,
                 "netns", b.name)
        for ns, ifn, v4, v6, p4, p6 in ((a, ifname_a, a4, a6, b4, b6),
                                        (b, ifname_b, b4, b6, a4, a6)):
            if v4:
                self._ip(ns.name, "addr", "add", f"{v4}/{prefix4}", "dev", ifn)
            if v6:
                self._ip(ns.name, "addr", "add", f"{v6}/{prefix6}", "dev", ifn, "nodad")
            self._ip(ns.name, "link", "set", ifn, "up")
            ns.addr4, ns.addr6, ns.peer4, ns.peer6, ns.ifname = v4, v6, p4, p6, ifn
        return a, b

    def pair(self, left="left", right="right"):
        return self.link(self.netns(left), self.netns(right))

    def charon(self, ns, name, options=None, plugins=None, port=500, port_nat_t=4500,
               log_levels=None, conf=None, start_timeout=10):
        if any(c.name == name for c in self.charons):
            raise ValueError(f"charon {name!r} started twice")
        c = Charon(self, ns, name, options=options, plugins=plugins, port=port,
                   port_nat_t=port_nat_t, log_levels=log_levels)
        self.charons.append(c)
        c.start(start_timeout)
        if conf is not None:
            c.load(conf)
        return c

    def pki(self, key="rsa"):
        return Pki(os.path.join(self.dir, "pki"), key=key)

    def close(self):
        # Every step can run twice: a signal arriving during close() runs close() again from
        # the handler, which must finish the job before the process dies.
        if self._closed:
            return
        try:
            for c in self.charons:
                c.stop()
            for p in self._procs:
                _stop_popen(p)
            for ns in self.namespaces:
                _kill_pids(ns.pids(), grace=2.0)
            for ns in self.namespaces:
                subprocess.run(["ip", "netns", "del", ns.name], capture_output=True)
            if self.dir and os.path.isdir(self.dir):
                if self.keep:
                    open(os.path.join(self.dir, ".keep"), "w").close()
                    print(f"interop: kept {self.dir}", file=sys.stderr)
                else:
                    shutil.rmtree(self.dir, ignore_errors=True)
        finally:
            self._closed = True
            if self in _live_labs:
                _live_labs.remove(self)


def _stop_popen(proc, grace=3.0):
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


class Charon:
    """One charon daemon in a namespace, with a private /run and its own config dir."""

    def __init__(self, lab, ns, name, options, plugins, port, port_nat_t, log_levels):
        if not re.match(r"^[a-z0-9][a-z0-9_-]{0,15}$", name):
            raise ValueError(f"charon name {name!r}: use [a-z0-9_-], at most 16 characters")
        self.lab, self.ns, self.name = lab, ns, name
        self.dir = os.path.join(lab.dir, name)
        self.run_dir = os.path.join(self.dir, "run")
        self.swanctl_dir = os.path.join(self.dir, "swanctl")
        self.conf_path = os.path.join(self.dir, "strongswan.conf")
        self.log_path = os.path.join(self.dir, "charon.log")
        self.stdout_path = os.path.join(self.dir, "charon.stdout")
        self.vici_uri = f"unix://{os.path.join(self.dir, 'charon.vici')}"
        self.port, self.port_nat_t = port, port_nat_t
        self.proc = None
        for d in (self.run_dir, self.swanctl_dir):
            os.makedirs(d)
        for sub in ("conf.d", "x509", "x509ca", "x509aa", "x509ocsp", "x509crl", "x509ac",
                    "pubkey", "private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12"):
            os.makedirs(os.path.join(self.swanctl_dir, sub), mode=0o700)
        plugin_list = list(plugins or BASE_PLUGINS)
        if lab.ipsec == "libipsec" and "kernel-libipsec" not in plugin_list:
            # before kernel-netlink: its IPsec interface is the one that gets used
            plugin_list.insert(plugin_list.index("kernel-netlink")
                               if "kernel-netlink" in plugin_list else 0, "kernel-libipsec")
        levels = dict(DEFAULT_LOG_LEVELS)
        levels.update(log_levels or {})
        charon_opts = _merge(DEFAULT_OPTIONS, {
            "load_modular": False,
            "load": " ".join(p + "!" if p in CRITICAL_PLUGINS else p for p in plugin_list),
            "port": port,
            "port_nat_t": port_nat_t,
            "filelog": {"charon": _merge({"path": self.log_path, "time_format": "%H:%M:%S",
                                          "time_add_ms": True, "ike_name": True,
                                          "flush_line": True, "append": False}, levels)},
            "syslog": {"identifier": f"charon-{name}", "daemon": {"default": -1},
                       "auth": {"default": -1}},
            "plugins": {"vici": {"socket": self.vici_uri}},
        })
        charon_opts = _merge(charon_opts, options)
        conf = {
            "charon": charon_opts,
            "swanctl": {"load": " ".join(SWANCTL_PLUGINS),
                        "plugins": {"vici": {"socket": self.vici_uri}}},
        }
        with open(self.conf_path, "w") as f:
            f.write("# written by tests/interop/strongswan.py\n" + render_conf(conf) + "\n")
        self.env = dict(os.environ, STRONGSWAN_CONF=self.conf_path, SWANCTL_DIR=self.swanctl_dir)

    def __repr__(self):
        return f"Charon({self.name!r} in {self.ns.name})"

    def start(self, timeout=10):
        # `ip netns exec` enters the namespace; unshare gives a mount namespace of our own in
        # which our run dir hides the real /run, so charon.pid never meets another charon's.
        script = f"mount --bind {shlex.quote(self.run_dir)} /run && exec {shlex.quote(CHARON)}"
        argv = self.ns.cmd(["unshare", "--mount", "--propagation", "private", "sh", "-c", script])
        self._stdout = open(self.stdout_path, "w")
        self.proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self._stdout, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=_set_pdeathsig)

        def ready():
            if self.proc.poll() is not None:
                raise CharonError(f"charon {self.name} exited with {self.proc.returncode} while "
                                  f"starting:\n{self._startup_output()}")
            if not os.path.exists(self.vici_uri[len("unix://"):]):
                return False
            r = subprocess.run([SWANCTL, "--stats", "--uri", self.vici_uri], env=self.env,
                               capture_output=True, text=True, timeout=10)
            return r.returncode == 0
        try:
            wait_for(ready, timeout, f"charon {self.name} to answer on its vici socket", 0.05)
        except TimeoutError as e:
            raise CharonError(f"{e}\n{self._startup_output()}") from None

    def _startup_output(self):
        with open(self.stdout_path, errors="replace") as f:
            out = f.read()
        return _tail(out, 20) + "\n" + self.log_tail(20)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=5):
        if self.proc is None:
            return
        _stop_popen(self.proc, grace=timeout)
        if not self._stdout.closed:
            self._stdout.close()

    # swanctl
    def swanctl(self, *args, timeout=20, check=True):
        argv = [SWANCTL] + list(args) + ["--uri", self.vici_uri]
        r = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise SwanctlError(self.name, list(args), r)
        return r

    def load(self, conf):
        """Writes swanctl.conf (text or dict) into the charon's swanctl dir and loads it all."""
        text = conf if isinstance(conf, str) else render_conf(conf)
        path = os.path.join(self.swanctl_dir, "swanctl.conf")
        with open(path, "w") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(text + "\n")
        return self.swanctl("--load-all", "--noprompt", "--file", path)

    def _pretty(self, *args):
        return parse_pretty(self.swanctl(*args, "--pretty").stdout)

    def list_sas(self, ike=None):
        # not --noblock: that skips IKE SAs a worker thread holds at the moment (during a
        # rekey, say), so a live SA would look missing
        args = ["--list-sas"]
        if ike:
            args += ["--ike", ike]
        out = []
        for msg, body in self._pretty(*args):
            if msg != "list-sa event":
                continue
            for name, sa in body.items():
                sa = dict(sa, name=name)
                children = {}
                for key, child in (sa.get("child-sas") or {}).items():
                    children[key] = dict(child, name=child.get("name", key.rsplit("-", 1)[0]))
                sa["child-sas"] = children
                out.append(sa)
        return out

    def ike_sa(self, name, state=None):
        for sa in self.list_sas(ike=name):
            if sa["name"] == name and (state is None or sa.get("state") == state):
                return sa
        return None

    def child_sa(self, ike, child, state=None):
        sa = self.ike_sa(ike)
        if sa:
            for c in sa["child-sas"].values():
                if c["name"] == child and (state is None or c.get("state") == state):
                    return c
        return None

    def list_conns(self):
        out = []
        for msg, body in self._pretty("--list-conns"):
            if msg == "list-conn event":
                out.extend(dict(v, name=k) for k, v in body.items())
        return out

    def list_pools(self):
        pools = {}
        for msg, body in self._pretty("--list-pools", "--leases"):
            if msg in ("get-pools reply", "list-pools reply"):  # vici calls it get-pools
                pools.update(body)
        return pools

    def stats(self):
        return self.swanctl("--stats").stdout

    def monitor_sa(self):
        """Starts `swanctl --monitor-sa` on this charon; returns the SaMonitor that collects its
        ike-updown and child-updown events (stopped at Lab close)."""
        return SaMonitor(self)

    def initiate(self, child=None, ike=None, timeout=10, check=True):
        args = ["--initiate", "--timeout", str(int(timeout))]
        if child:
            args += ["--child", child]
        if ike:
            args += ["--ike", ike]
        return self.swanctl(*args, timeout=timeout + 10, check=check)

    def terminate(self, ike=None, child=None, ike_id=None, child_id=None, force=False,
                  timeout=10, check=True):
        args = ["--terminate", "--timeout", str(int(timeout))]
        for opt, val in (("--ike", ike), ("--child", child), ("--ike-id", ike_id),
                         ("--child-id", child_id)):
            if val is not None:
                args += [opt, str(val)]
        if force:
            args.append("--force")
        return self.swanctl(*args, timeout=timeout + 10, check=check)

    def rekey(self, ike=None, child=None, ike_id=None, child_id=None, reauth=False, check=True):
        args = ["--rekey"]
        for opt, val in (("--ike", ike), ("--child", child), ("--ike-id", ike_id),
                         ("--child-id", child_id)):
            if val is not None:
                args += [opt, str(val)]
        if reauth:
            args.append("--reauth")
        return self.swanctl(*args, check=check)

    def wait_sa(self, ike, state="ESTABLISHED", timeout=10):
        return wait_for(lambda: self.ike_sa(ike, state=state), timeout,
                        f"IKE SA {ike} {state} on charon {self.name}")

    def wait_no_sa(self, ike=None, timeout=10):
        return wait_for(lambda: not any(ike is None or sa["name"] == ike
                                        for sa in self.list_sas()),
                        timeout, f"no IKE SA {ike or ''} left on charon {self.name}")

    # log
    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_tail(self, n=60):
        return _tail(self.log(), n)

    def wait_log(self, regex, timeout=10):
        pattern = re.compile(regex, re.M)
        return wait_for(lambda: pattern.search(self.log()), timeout,
                        f"/{regex}/ in charon {self.name}'s log")


class SaMonitor:
    """The events of `swanctl --monitor-sa --pretty` on one charon, read by a thread.

    swanctl 5.9 reports ike-updown and child-updown (not the rekey events): an SA coming up
    (`up = yes`) or going down, with the whole IKE SA and, for child-updown, the Child SA in
    question. They give the SPIs of SAs that a test cannot catch with --list-sas, such as a
    Child SA rekeyed a few milliseconds after it was created."""

    def __init__(self, charon):
        self.charon = charon
        self.events = []        # (name, body): ("ike-updown event", {"up": "yes", "rw": {..}})
        self._cond = threading.Condition()
        # stdbuf: swanctl prints with stdio, which would hold events back in a pipe's buffer
        argv = ["stdbuf", "-oL", SWANCTL, "--monitor-sa", "--pretty", "--uri", charon.vici_uri]
        self.proc = subprocess.Popen(argv, env=charon.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     start_new_session=True, preexec_fn=_set_pdeathsig)
        charon.lab._procs.append(self.proc)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        # events before the registration would be lost; charon logs it (cfg level 2, the
        # default), else a short pause has to do
        try:
            charon.wait_log(r"registered for: child-updown$", timeout=5)
        except TimeoutError:
            time.sleep(0.5)

    def _read(self):
        depth, block = 0, []
        for line in self.proc.stdout:
            stripped = line.strip()
            if depth == 0 and not stripped.endswith("{"):
                continue  # swanctl's own messages between events
            block.append(line)
            if stripped.endswith("{") and "=" not in stripped:
                depth += 1
            elif stripped == "}":
                depth -= 1
            if depth == 0 and block:
                msgs = parse_pretty("".join(block))
                block = []
                with self._cond:
                    self.events.extend(msgs)
                    self._cond.notify_all()
        self.proc.stdout.close()

    @staticmethod
    def sas(body):
        """The IKE SAs of an event body as dicts with "name" (all but the "up" key)."""
        return [dict(v, name=k) for k, v in body.items() if isinstance(v, dict)]

    def wait(self, predicate, timeout=10, what="an SA event"):
        """The first (name, body) for which predicate(name, body) is true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for name, body in self.events:
                    if predicate(name, body):
                        return name, body
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [n for n, _ in self.events]
                    raise TimeoutError(f"timed out after {timeout:g} s waiting for {what} from "
                                       f"charon {self.charon.name} (events so far: {names})")
                self._cond.wait(min(left, 0.5))

    def wait_up(self, kind="ike", timeout=10):
        """The IKE SA dict of the first `<kind>-updown` event with up = yes."""
        _, body = self.wait(lambda n, b: n == f"{kind}-updown event" and b.get("up") == "yes",
                            timeout, f"{kind}-updown up")
        return self.sas(body)[0]


# ---------------------------------------------------------------------------------------------
# Ready-made swanctl.conf trees (dicts: change what a test needs, then load())

DEFAULT_PROPOSAL = "aes256gcm16-prfsha256-ecp256"


def psk_secret():
    """A fresh random PSK in swanctl's hex notation; never print it."""
    return "0x" + secrets.token_hex(32)


def psk_responder_conf(local_addr, psk, conn="rw", child="net", local_id="responder.example.org",
                       remote_id="initiator.example.org", proposals=DEFAULT_PROPOSAL,
                       esp_proposals="aes256gcm16", local_ts="10.98.0.0/24",
                       pool="10.99.0.0/24"):
    """A road-warrior responder: PSK auth, a virtual IP from `pool` (None: no pool)."""
    c = {
        "version": 2,
        "local_addrs": local_addr,
        "proposals": proposals,
        "local": {"auth": "psk", "id": local_id},
        "remote": {"auth": "psk", "id": remote_id},
        "children": {child: {"local_ts": local_ts, "esp_proposals": esp_proposals}},
    }
    tree = {"connections": {conn: c},
            "secrets": {"ike-1": {"id-1": local_id, "id-2": remote_id, "secret": psk}}}
    if pool:
        c["pools"] = "pool0"
        tree["pools"] = {"pool0": {"addrs": pool}}
    return tree


def psk_initiator_conf(local_addr, remote_addr, psk, conn="home", child="net",
                       local_id="initiator.example.org", remote_id="responder.example.org",
                       proposals=DEFAULT_PROPOSAL, esp_proposals="aes256gcm16",
                       remote_ts="10.98.0.0/24", vips="0.0.0.0"):
    """The matching initiator; asks for a virtual IP unless vips is None."""
    c = {
        "version": 2,
        "local_addrs": local_addr,
        "remote_addrs": remote_addr,
        "vips": vips,
        "proposals": proposals,
        "local": {"auth": "psk", "id": local_id},
        "remote": {"auth": "psk", "id": remote_id},
        "children": {child: {"remote_ts": remote_ts, "esp_proposals": esp_proposals}},
    }
    return {"connections": {conn: c},
            "secrets": {"ike-1": {"id-1": local_id, "id-2": remote_id, "secret": psk}}}


# ---------------------------------------------------------------------------------------------
# Certificates

class Credential:
    def __init__(self, identity, cert, key, key_type):
        self.identity, self.cert, self.key, self.key_type = identity, cert, key, key_type

    def __repr__(self):
        return f"Credential({self.identity!r}, {self.key_type})"


def _san_for(identity):
    try:
        ipaddress.ip_address(identity)
        return f"IP:{identity}"
    except ValueError:
        pass
    if "@" in identity:
        return f"email:{identity}"
    return f"DNS:{identity}"


class Pki:
    """A throwaway CA and its end-entity certificates, made with the openssl command line."""

    def __init__(self, directory, key="rsa", ca_name="ikeharness interop CA", days=30):
        if not shutil.which("openssl"):
            raise Skip("openssl command not found (scripts/setup installs openssl)")
        self.dir = directory
        self.days = days
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.ca_key = self._genkey("ca", key)
        self.ca_cert = os.path.join(self.dir, "ca.crt")
        self._openssl("req", "-x509", "-new", "-key", self.ca_key, "-out", self.ca_cert,
                      "-days", str(days), "-subj", f"/O=ikeharness/CN={ca_name}", "-sha256",
                      "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                      "-addext", "subjectKeyIdentifier=hash")
        self._serial = 1

    def _openssl(self, *args):
        r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"openssl {args[0]} failed: {r.stderr.strip()}")
        return r

    def _genkey(self, stem, key):
        path = os.path.join(self.dir, f"{stem}.key")
        if key == "rsa":
            self._openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                          "-out", path)
        elif key == "ecdsa":
            self._openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                          "-pkeyopt", "ec_param_enc:named_curve", "-out", path)
        else:
            raise ValueError(f"key type {key!r}: use rsa or ecdsa")
        os.chmod(path, 0o600)
        return path

    def issue(self, identity, key="rsa", san=None):
        stem = re.sub(r"[^A-Za-z0-9.-]", "_", identity) + f"-{key}"
        key_path = self._genkey(stem, key)
        csr = os.path.join(self.dir, f"{stem}.csr")
        cert = os.path.join(self.dir, f"{stem}.crt")
        ext = os.path.join(self.dir, f"{stem}.ext")
        sans = san or [_san_for(identity)]
        with open(ext, "w") as f:
            f.write(f"subjectAltName = {', '.join(sans)}\n"
                    "basicConstraints = critical, CA:FALSE\n"
                    "keyUsage = critical, digitalSignature\n"
                    "authorityKeyIdentifier = keyid\n"
                    "subjectKeyIdentifier = hash\n")
        self._openssl("req", "-new", "-key", key_path, "-out", csr,
                      "-subj", f"/O=ikeharness/CN={identity}")
        self._serial += 1
        self._openssl("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
                      "-set_serial", str(self._serial), "-days", str(self.days), "-sha256",
                      "-extfile", ext, "-out", cert)
        return Credential(identity, cert, key_path, key)

    def install(self, charon, cred=None):
        shutil.copy(self.ca_cert, os.path.join(charon.swanctl_dir, "x509ca", "ca.crt"))
        if cred is not None:
            base = os.path.basename(cred.cert)
            shutil.copy(cred.cert, os.path.join(charon.swanctl_dir, "x509", base))
            dst = os.path.join(charon.swanctl_dir, "private", os.path.basename(cred.key))
            shutil.copy(cred.key, dst)
            os.chmod(dst, 0o600)
