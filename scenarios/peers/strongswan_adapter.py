#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Peer adapter of ikeharness for strongSwan 5.9.8 (charon + swanctl, Debian bookworm).

    strongswan_adapter.py prepare | start KIND | cleanup | stop | setup

The runner of `ikeharness run --peer strongswan` calls it with the scenario in the environment
(IKEH_SCENARIO_FILE, IKEH_SCENARIO_ID, IKEH_HARNESS_ROLE, IKEH_HARNESS_ADDRESS/_PORT/_NATT_PORT,
IKEH_PEER_ADDRESS/_PORT/_NATT_PORT). The adapter runs its own charon:

  state dir     $IKEH_STRONGSWAN_DIR (default /tmp/ikeharness-strongswan): strongswan.conf,
                swanctl/ (swanctl.conf and the folders swanctl expects), charon.vici (socket),
                charon.log, charon.pid, run/ (charon's private /run)
  namespace     $IKEH_STRONGSWAN_NETNS: charon runs in that network namespace (the adapter
                neither creates nor removes it). Unset: the adapter provides the network of
                the bundled profile itself (see "Own network" below)
  IPsec         $IKEH_INTEROP_IPSEC: libipsec (default, userland ESP through a TUN device),
                kernel (XFRM) or auto
  binaries      $IKEH_CHARON (default /usr/lib/ipsec/charon), $IKEH_SWANCTL (/usr/sbin/swanctl)

prepare translates the scenario's "peer" endpoint configuration (docs/config.md) into
strongswan.conf options (charon is restarted when they change) and one swanctl connection
"ikeh" with child "ikeh". A key charon cannot reproduce faithfully ends the action with exit
status 77 and a reason on stdout; the runner then skips the scenario. Secrets never reach
stdout or stderr.

Own network (IKEH_STRONGSWAN_NETNS unset): prepare creates, when missing, the namespace
ikeh-strongswan and a veth pair, ikeh-sw0 in the calling (host) namespace with 198.51.100.1/24
and 2001:db8:51::1/64, ikeh-sw1 inside ikeh-strongswan with 198.51.100.2/24 and
2001:db8:51::2/64, and runs charon there; IKEH_PEER_ADDRESS must then be 198.51.100.2 (or
2001:db8:51::2), the addresses of scenarios/peers/strongswan.json. network.json in the state dir
records what the adapter created; stop removes exactly that (after stopping charon), never a
namespace given through IKEH_STRONGSWAN_NETNS. `setup` creates the network alone (no scenario
needed, no charon).

Exit status: 0 done, 77 this peer cannot do that (reason on stdout), 1 failure (reason on
stderr).
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77
CONN = "ikeh"
CHILD = "ikeh"
EXTRA_CHILDREN = ["ikeh-2", "ikeh-3", "ikeh-4"]

CHARON = os.environ.get("IKEH_CHARON", "/usr/lib/ipsec/charon")
SWANCTL = os.environ.get("IKEH_SWANCTL") or "/usr/sbin/swanctl"
PLUGIN_DIR = os.environ.get("IKEH_STRONGSWAN_PLUGINS", "/usr/lib/ipsec/plugins")
STATE_DIR = os.path.abspath(os.environ.get("IKEH_STRONGSWAN_DIR") or "/tmp/ikeharness-strongswan")
NETNS = os.environ.get("IKEH_STRONGSWAN_NETNS") or None
GIVEN_NETNS = NETNS            # named by the caller: never created or removed here

# The network the adapter sets up itself when IKEH_STRONGSWAN_NETNS is not set; the addresses
# are those of scenarios/peers/strongswan.json (documentation prefixes, RFC 5737 / RFC 3849).
OWN_NETNS = "ikeh-strongswan"
HOST_IF = "ikeh-sw0"           # in the host namespace, where the harness runs
PEER_IF = "ikeh-sw1"           # in OWN_NETNS, where charon runs
HOST_ADDR4, PEER_ADDR4, PREFIX4 = "198.51.100.1", "198.51.100.2", 24
HOST_ADDR6, PEER_ADDR6, PREFIX6 = "2001:db8:51::1", "2001:db8:51::2", 64

# swanctl waits at most this long for an exchange; every action must return within 30 s.
SWANCTL_TIMEOUT = 20

# The plugins charon loads (load_modular = no, so nothing under /etc/strongswan.d applies); the
# same list as tests/interop/strongswan.py, which explains each: openssl brings the ciphers and
# groups, kdf the prf+ (5.9.8 does not take it from openssl), vici the control socket. Not
# loaded on purpose: resolve (would rewrite /etc/resolv.conf), bypass-lan and forecast (touch
# the routing of the namespace), stroke (ipsec.conf).
BASE_PLUGINS = [
    "random", "nonce", "openssl", "kdf", "pem", "pkcs1", "pkcs8", "x509", "revocation",
    "constraints", "pubkey", "attr", "kernel-netlink", "socket-default", "vici", "updown",
]
# "!" makes charon refuse to start without them (not kernel-netlink: next to kernel-libipsec
# its IPsec part does not load, which "!" would make fatal).
CRITICAL_PLUGINS = {"random", "nonce", "openssl", "kdf", "kernel-libipsec", "socket-default",
                    "vici"}
SWANCTL_PLUGINS = ["random", "nonce", "openssl", "pem", "pkcs1", "pkcs8", "x509", "pubkey"]
LOG_LEVELS = {"default": 1, "ike": 2, "cfg": 2, "knl": 1, "net": 1, "enc": 1}  # no key material

# The engine defaults of docs/config.md ("Defaults"), so that charon and the harness agree when
# a scenario leaves proposals out.
DEFAULT_IKE_PROPOSALS = ["aes256gcm16-aes128gcm16-prfsha256-ecp256-x25519-modp2048",
                         "aes256-aes128-sha256-ecp256-x25519-modp2048"]
DEFAULT_ESP_PROPOSALS = ["aes256gcm16-aes128gcm16", "aes256-aes128-sha256"]
DEFAULT_TS = ["0.0.0.0/0", "::/0"]
DEFAULT_RETRANSMIT = {"timeout": 4.0, "base": 1.8, "tries": 5, "jitter": 0, "limit": 0}
DEFAULT_SIGNATURE_HASHES = ["sha2_256", "sha2_384", "sha2_512"]


class Unsupported(Exception):
    """This peer cannot reproduce the scenario: exit 77 with the message on stdout."""


class Failure(Exception):
    """The action failed: exit 1 with the message on stderr."""


# ---------------------------------------------------------------------------------------------
# strongswan.conf / swanctl.conf rendering

_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.:/%@,+*\-\[\] ]+$")


class Raw(str):
    """Rendered as is (already in swanctl syntax)."""


def _value(v):
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        v = ", ".join(str(x) for x in v)
    v = str(v)
    if _SAFE_VALUE.match(v) and v == v.strip():
        return v
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(tree, indent=0):
    pad = "  " * indent
    out = []
    for key, value in tree.items():
        if isinstance(value, dict):
            out.append(f"{pad}{key} {{")
            body = render(value, indent + 1)
            if body:
                out.append(body)
            out.append(f"{pad}}}")
        elif value is not None:
            out.append(f"{pad}{key} = {_value(value)}")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Paths and environment

def paths():
    d = STATE_DIR
    return {
        "dir": d,
        "run": os.path.join(d, "run"),
        "swanctl": os.path.join(d, "swanctl"),
        "conf": os.path.join(d, "strongswan.conf"),
        "swanctl_conf": os.path.join(d, "swanctl", "swanctl.conf"),
        "log": os.path.join(d, "charon.log"),
        "stdout": os.path.join(d, "charon.stdout"),
        "pid": os.path.join(d, "charon.pid"),
        "vici": os.path.join(d, "charon.vici"),
        "network": os.path.join(d, "network.json"),
    }


def vici_uri():
    return "unix://" + paths()["vici"]


def swanctl_env():
    p = paths()
    return dict(os.environ, STRONGSWAN_CONF=p["conf"], SWANCTL_DIR=p["swanctl"])


def env_port(name, default):
    v = os.environ.get(name)
    if not v:
        return default
    try:
        port = int(v)
    except ValueError:
        raise Failure(f"{name}={v!r} is not a port number")
    if not 0 < port < 65536:
        raise Failure(f"{name}={v!r} is not a port number")
    return port


def ipsec_backend():
    b = os.environ.get("IKEH_INTEROP_IPSEC") or "libipsec"
    if b not in ("libipsec", "kernel", "auto"):
        raise Failure(f"IKEH_INTEROP_IPSEC={b!r}: use libipsec, kernel or auto")
    if b == "auto":
        ok = (os.path.exists(os.path.join(PLUGIN_DIR, "libstrongswan-kernel-libipsec.so"))
              and os.path.exists("/dev/net/tun"))
        b = "libipsec" if ok else "kernel"
    return b


# ---------------------------------------------------------------------------------------------
# Own network (IKEH_STRONGSWAN_NETNS unset)

def _ip(*args, check=True):
    try:
        r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=15,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Failure(f"ip {' '.join(args)} did not return within 15 s")
    if check and r.returncode != 0:
        raise Failure(f"ip {' '.join(args)}: {(r.stderr or r.stdout).strip() or r.returncode}")
    return r


def _netns_exists(name):
    r = _ip("netns", "list", check=False)
    return any(line.split()[0] == name for line in r.stdout.splitlines() if line.strip())


def _link_exists(name, netns=None):
    args = (["-n", netns] if netns else []) + ["link", "show", "dev", name]
    return _ip(*args, check=False).returncode == 0


def _netns_pids(name):
    r = _ip("netns", "pids", name, check=False)
    return [int(x) for x in r.stdout.split() if x.isdigit()]


def read_network_record():
    try:
        with open(paths()["network"]) as f:
            rec = json.load(f)
    except (OSError, ValueError):
        return {}
    return rec if isinstance(rec, dict) else {}


def write_network_record(rec):
    p = paths()
    os.makedirs(p["dir"], mode=0o700, exist_ok=True)
    tmp = p["network"] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(rec, f)
        f.write("\n")
    os.replace(tmp, p["network"])


def network_problem():
    """Why the adapter cannot set up its own network here (a reason for exit 77), or None."""
    if os.geteuid() != 0:
        return "running charon needs root (network namespaces, UDP 500)"
    if not shutil.which("ip"):
        return ("running charon needs root (network namespaces, UDP 500) and `ip` of iproute2, "
                "which is not installed")
    return None


def check_peer_address():
    addr = os.environ.get("IKEH_PEER_ADDRESS")
    if addr and addr not in (PEER_ADDR4, PEER_ADDR6):
        raise Failure(f"IKEH_PEER_ADDRESS is {addr}, but without IKEH_STRONGSWAN_NETNS the "
                      f"adapter runs charon at {PEER_ADDR4} in its own namespace {OWN_NETNS}: "
                      f"use the bundled profile's addresses (peer {PEER_ADDR4}:500, local "
                      f"{HOST_ADDR4}) or set IKEH_STRONGSWAN_NETNS to a namespace holding {addr}")


def ensure_network():
    """Creates what is missing of OWN_NETNS and the veth pair; records what it created."""
    problem = network_problem()
    if problem:
        raise Unsupported(problem)
    check_peer_address()
    rec = read_network_record()
    if not _netns_exists(OWN_NETNS):
        if _link_exists(HOST_IF):
            raise Failure(f"link {HOST_IF} exists but namespace {OWN_NETNS} does not: remove it "
                          f"(ip link del {HOST_IF}) or set IKEH_STRONGSWAN_NETNS")
        _ip("netns", "add", OWN_NETNS)
        rec.update(netns=OWN_NETNS, netns_created=True)
        write_network_record(rec)
        # no duplicate address detection in charon's namespace: an address turning valid a
        # second later would be an address change charon reacts to in the middle of a scenario
        subprocess.run(["ip", "netns", "exec", OWN_NETNS, "sh", "-c",
                        "for c in all default; do echo 0 > "
                        "/proc/sys/net/ipv6/conf/$c/accept_dad; done 2>/dev/null"],
                       capture_output=True, timeout=15, stdin=subprocess.DEVNULL)
    _ip("-n", OWN_NETNS, "link", "set", "lo", "up")
    host_if, peer_if = _link_exists(HOST_IF), _link_exists(PEER_IF, OWN_NETNS)
    if host_if != peer_if:
        have, lack = ((f"{HOST_IF} exists", f"{PEER_IF} is not in {OWN_NETNS}") if host_if
                      else (f"{PEER_IF} exists in {OWN_NETNS}", f"{HOST_IF} does not"))
        raise Failure(f"{have} but {lack}: remove it or run `strongswan_adapter.py stop`, or "
                      f"set IKEH_STRONGSWAN_NETNS")
    if not host_if:
        _ip("link", "add", HOST_IF, "type", "veth", "peer", "name", PEER_IF,
            "netns", OWN_NETNS)
        rec.update(link=HOST_IF, link_created=True)
        write_network_record(rec)
    for ns, ifname, a4, a6 in ((None, HOST_IF, HOST_ADDR4, HOST_ADDR6),
                               (OWN_NETNS, PEER_IF, PEER_ADDR4, PEER_ADDR6)):
        pre = ["-n", ns] if ns else []
        _ip(*pre, "addr", "replace", f"{a4}/{PREFIX4}", "dev", ifname)
        # IPv6 when the kernel has it (not on a machine booted with ipv6.disable=1)
        _ip(*pre, "-6", "addr", "replace", f"{a6}/{PREFIX6}", "dev", ifname, "nodad",
            check=False)
        _ip(*pre, "link", "set", ifname, "up")
    return rec


def remove_network():
    """Removes what network.json says the adapter created; a summary for stop's output."""
    rec = read_network_record()
    done = []
    if not rec:
        return done
    if rec.get("link_created") and _link_exists(HOST_IF):
        _ip("link", "del", HOST_IF)    # takes its peer end in the namespace with it
        done.append(f"link {HOST_IF}")
    if rec.get("netns_created") and rec.get("netns") == OWN_NETNS != GIVEN_NETNS:
        if _netns_exists(OWN_NETNS):
            left = _netns_pids(OWN_NETNS)
            if left:
                raise Failure(f"processes {', '.join(map(str, left))} still run in namespace "
                              f"{OWN_NETNS}; end them and run stop again")
            _ip("netns", "del", OWN_NETNS)
            done.append(f"namespace {OWN_NETNS}")
    try:
        os.unlink(paths()["network"])
    except OSError:
        pass
    return done


# ---------------------------------------------------------------------------------------------
# Scenario -> configuration

def _dur(value, where):
    """A duration of docs/config.md (number or "30m") in seconds."""
    if isinstance(value, bool):
        raise Failure(f"{where}: not a duration")
    if isinstance(value, (int, float)):
        return int(value)
    m = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", str(value))
    if not m:
        raise Failure(f"{where}: {value!r} is not a duration")
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def _check_keys(obj, known, where):
    if not isinstance(obj, dict):
        raise Failure(f"{where}: expected an object")
    for key in obj:
        if key not in known:
            raise Unsupported(f"{where}/{key}: the strongSwan adapter does not know this key "
                              f"and cannot reproduce it")


def read_secret(spec, where, base_dir):
    """The secret's text (docs/config.md "Secrets"); never printed."""
    if not isinstance(spec, dict) or len(spec) != 1 or not set(spec) <= {"env", "file"}:
        raise Failure(f"{where}: a secret is an object with exactly one of env, file")
    if "env" in spec:
        name = spec["env"]
        if name not in os.environ:
            raise Failure(f"{where}: environment variable {name} is not set")
        text = os.environ[name]
    else:
        path = spec["file"]
        if not os.path.isabs(path):
            path = os.path.join(base_dir, path)
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "surrogateescape")
        except OSError as e:
            raise Failure(f"{where}: cannot read {spec['file']}: {e.strerror}")
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    return text


def swanctl_secret(text, where):
    """swanctl notation of a PSK: hex as 0x..., any other text quoted."""
    if text.startswith("0x"):
        if not re.fullmatch(r"0x(?:[0-9A-Fa-f]{2})+", text):
            raise Failure(f"{where}: text starting with 0x must be an even number of hex digits")
        return Raw(text)
    if not text:
        raise Failure(f"{where}: the PSK is empty")
    if any(c in text for c in "\n\r\0") or "\udc80" <= max(text) <= "\udcff":
        raise Unsupported(f"{where}: a PSK with line breaks, NUL or bytes that are not UTF-8 "
                          f"cannot be written as swanctl text; give it in hex (0x...)")
    return Raw('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')


def _identity(value, where):
    if not isinstance(value, str) or not value:
        raise Failure(f"{where}: expected an identity string")
    if value.lower().startswith(("dn:", "asn1dn:")) or re.match(r"^\{\d+\}:", value):
        raise Unsupported(f"{where}: the adapter does not translate {value.split(':')[0]}: "
                          "identities to strongSwan")
    # swanctl auto-detects IPv4/IPv6/email/FQDN the same way as the harness; the explicit
    # prefixes of docs/config.md are strongSwan's too (ipv4:, fqdn:, email:, keyid:).
    return value


def translate(scenario, scenario_dir):
    """(charon options, swanctl.conf tree, summary) for the scenario's "peer" object."""
    peer = scenario.get("peer")
    if peer is None:
        peer = {}
    harness_role = os.environ.get("IKEH_HARNESS_ROLE") or scenario.get("role") or "initiator"
    if harness_role not in ("initiator", "responder"):
        raise Failure(f"IKEH_HARNESS_ROLE={harness_role!r}: expected initiator or responder")
    peer_initiates = harness_role == "responder"

    _check_keys(peer, {"description", "ike", "local", "remote", "psks", "child", "cp", "pool",
                       "network"}, "peer")
    if "network" in peer:
        raise Unsupported("peer/network: the adapter places charon at IKEH_PEER_ADDRESS/PORT "
                          "and cannot honour a network section of the scenario")

    opts = {}          # charon section of strongswan.conf (restart when it changes)
    conn = {"version": 2}
    child = {}
    secrets = {}
    pools = {}

    peer_addr = os.environ.get("IKEH_PEER_ADDRESS")
    harness_addr = os.environ.get("IKEH_HARNESS_ADDRESS")
    harness_port = env_port("IKEH_HARNESS_PORT", 500)
    if peer_addr:
        conn["local_addrs"] = peer_addr
    if peer_initiates:
        if not harness_addr:
            raise Failure("IKEH_HARNESS_ADDRESS is not set, but the peer has to initiate")
        conn["remote_addrs"] = harness_addr
        if harness_port != 500:
            conn["remote_port"] = harness_port
    else:
        conn["remote_addrs"] = "%any"

    # --- ike
    ike = peer.get("ike") or {}
    _check_keys(ike, {"proposals", "prefer_configured_proposals", "prefer_ke_group",
                      "nonce_size", "nat_detection", "force_natt", "redirect_supported",
                      "fragmentation", "fragment_size", "signature_hashes", "cookie_threshold",
                      "window_size", "retransmit", "rekey_time", "dpd", "initial_contact"},
                "peer/ike")
    conn["proposals"] = list(ike.get("proposals") or DEFAULT_IKE_PROPOSALS)
    prefer = ike.get("prefer_configured_proposals", True)
    opts["prefer_configured_proposals"] = bool(prefer)
    if ike.get("prefer_ke_group", False):
        raise Unsupported("peer/ike/prefer_ke_group: charon 5.9.8 always picks the suite by "
                          "proposal order, it cannot rank the KE payload's group first")
    if ike.get("nonce_size", 32) != 32:
        raise Unsupported(f"peer/ike/nonce_size: charon 5.9.8 always sends 32-byte nonces, "
                          f"the scenario wants {ike['nonce_size']}")
    if not ike.get("nat_detection", True):
        raise Unsupported("peer/ike/nat_detection: charon 5.9.8 always sends NAT_DETECTION_* "
                          "notifies and has no setting to leave them out")
    conn["encap"] = bool(ike.get("force_natt", False))
    # charon sends REDIRECT_SUPPORTED as initiator when it follows redirects
    opts["follow_redirects"] = bool(ike.get("redirect_supported", False))
    conn["fragmentation"] = "yes" if ike.get("fragmentation", True) else "no"
    opts["fragment_size"] = int(ike.get("fragment_size", 1280))
    if "signature_hashes" in ike:
        wanted = [str(h).lower() for h in ike["signature_hashes"]]
        if wanted != DEFAULT_SIGNATURE_HASHES:
            raise Unsupported("peer/ike/signature_hashes: charon 5.9.8 announces the hash "
                              "algorithms of its loaded plugins and cannot be told which")
    threshold = ike.get("cookie_threshold", None)
    if threshold is None:
        # never demand a cookie: without DoS protection charon neither demands COOKIEs nor
        # drops IKE_SA_INITs for too many half-open SAs
        opts["dos_protection"] = False
    else:
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise Failure("peer/ike/cookie_threshold: expected an integer >= 0 or null")
        if threshold == 0:
            # receiver.c of 5.9.8 demands a COOKIE when the half-open count, taken before the
            # new IKE SA exists, is >= cookie_threshold, and treats 0 as "never"; tested: with
            # 0 and with 1 charon answers the first IKE_SA_INIT without a COOKIE
            raise Unsupported("peer/ike/cookie_threshold: 0 (always demand a COOKIE) cannot be "
                              "set in charon 5.9.8: its cookie_threshold 0 disables cookies, and "
                              "a threshold counts half-open SAs before the new one, so charon "
                              "never demands a COOKIE from an idle peer")
        opts["dos_protection"] = True
        opts["cookie_threshold"] = threshold
        # the engine has one global threshold; 0 switches charon's per-IP one off
        opts["cookie_threshold_ip"] = 0
    window = ike.get("window_size", 1)
    if window != 1:
        raise Unsupported(f"peer/ike/window_size: charon 5.9.8 has no setting for the IKE "
                          f"window size (it always uses 1 and sends no SET_WINDOW_SIZE), the "
                          f"scenario wants {window}")
    rt = ike.get("retransmit") or {}
    _check_keys(rt, set(DEFAULT_RETRANSMIT), "peer/ike/retransmit")
    rt = dict(DEFAULT_RETRANSMIT, **rt)
    opts["retransmit_timeout"] = float(rt["timeout"])
    opts["retransmit_base"] = float(rt["base"])
    opts["retransmit_tries"] = int(rt["tries"])
    opts["retransmit_jitter"] = int(rt["jitter"])
    if int(rt["jitter"]) != rt["jitter"]:
        raise Unsupported("peer/ike/retransmit/jitter: charon takes a whole percentage")
    opts["retransmit_limit"] = float(rt["limit"])
    conn["rekey_time"] = f"{_dur(ike.get('rekey_time', 0), 'peer/ike/rekey_time')}s"
    conn["reauth_time"] = "0s"
    conn["over_time"] = "0s" if conn["rekey_time"] == "0s" else None
    conn["rand_time"] = "0s"
    dpd = _dur(ike.get("dpd", 0), "peer/ike/dpd")
    conn["dpd_delay"] = f"{dpd}s"
    # charon sends INITIAL_CONTACT in IKE_AUTH unless unique = never (and no other IKE SA with
    # the same identities exists): the default unique = no sends it
    conn["unique"] = "no" if ike.get("initial_contact", True) else "never"
    # no MOBIKE: the harness does not announce it, and charon would otherwise start address
    # updates of its own
    conn["mobike"] = False

    # --- local / remote / psks
    local = peer.get("local")
    if not isinstance(local, dict):
        raise Failure("peer/local: missing")
    _check_keys(local, {"auth", "id", "psk", "key", "key_password", "cert", "intermediates",
                        "rfc7427"}, "peer/local")
    auth = local.get("auth")
    if auth == "pubkey":
        raise Unsupported("peer/local/auth: the strongSwan adapter does not install "
                          "certificates and private keys yet (pubkey)")
    if auth != "psk":
        raise Failure(f"peer/local/auth: {auth!r}: expected psk or pubkey")
    for k in ("key", "key_password", "cert", "intermediates"):
        if k in local:
            raise Failure(f"peer/local/{k}: refused with auth psk")
    if "rfc7427" in local and not local["rfc7427"]:
        raise Unsupported("peer/local/rfc7427: irrelevant with psk but charon cannot switch "
                          "RFC 7427 off per connection")
    if "id" not in local:
        raise Failure("peer/local/id: a psk side needs an identity")
    local_id = _identity(local["id"], "peer/local/id")
    conn["local"] = {"auth": "psk", "id": local_id}

    remote = peer.get("remote") or {}
    _check_keys(remote, {"auth", "id", "cacerts", "send_certreq"}, "peer/remote")
    rauth = remote.get("auth", auth)
    if rauth not in ("psk", "any"):
        raise Unsupported(f"peer/remote/auth: {rauth}: the adapter only does psk peers")
    if remote.get("cacerts"):
        raise Unsupported("peer/remote/cacerts: the adapter does not install trust anchors")
    remote_id = remote.get("id", "%any")
    remote_id = "%any" if remote_id == "%any" else _identity(remote_id, "peer/remote/id")
    conn["remote"] = {"auth": "psk", "id": remote_id}
    if "send_certreq" in remote:
        conn["send_certreq"] = bool(remote["send_certreq"])

    n = 0
    if "psk" not in local:
        raise Failure("peer/local/psk: required with auth psk")
    psk_local = swanctl_secret(read_secret(local["psk"], "peer/local/psk", scenario_dir),
                               "peer/local/psk")
    psks = peer.get("psks")
    if psks is None:
        entries = [(remote_id, psk_local)]
    else:
        if not isinstance(psks, list):
            raise Failure("peer/psks: expected an array")
        entries = []
        for i, e in enumerate(psks):
            _check_keys(e, {"id", "psk"}, f"peer/psks/{i}")
            eid = e.get("id", "%any")
            eid = "%any" if eid == "%any" else _identity(eid, f"peer/psks/{i}/id")
            entries.append((eid, swanctl_secret(read_secret(e["psk"], f"peer/psks/{i}/psk",
                                                            scenario_dir), f"peer/psks/{i}/psk")))
        if psks and any(s != psk_local for _, s in entries):
            # charon uses one key for both AUTH payloads of an IKE SA
            raise Unsupported("peer/psks: charon uses one pre-shared key for both directions; "
                              "a peer key different from the local one cannot be reproduced")
        if not entries:
            entries = [(remote_id, psk_local)]
    for eid, secret in entries:
        n += 1
        s = {"id-1": local_id}
        if eid != "%any":
            s["id-2"] = eid
        s["secret"] = secret
        secrets[f"ike-{n}"] = s

    # --- child
    ch = peer.get("child") or {}
    _check_keys(ch, {"proposals", "prefer_configured_proposals", "local_ts", "remote_ts",
                     "mode", "rekey_time", "esp_tfc_padding_not_supported",
                     "non_first_fragments_also", "start"}, "peer/child")
    if not ch.get("start", True):
        raise Unsupported("peer/child/start: false (an IKE SA without a Child SA, RFC 6023) is "
                          "not set up by the strongSwan adapter")
    if bool(ch.get("prefer_configured_proposals", prefer)) != bool(prefer):
        raise Unsupported("peer/child/prefer_configured_proposals: charon has one global "
                          "setting for IKE and ESP, the scenario wants different ones")
    child["esp_proposals"] = list(ch.get("proposals") or DEFAULT_ESP_PROPOSALS)
    # The engine's default selectors, 0.0.0.0/0 and ::/0 on both sides. charon's routes into
    # the tunnel would then cover the harness's own address and swallow the IKE traffic; the
    # adapter keeps the selectors (both sides must agree on them) and sets install_routes = no
    # below instead: nothing in the lab routes payload traffic through charon's tunnels.
    child["local_ts"] = list(ch.get("local_ts") or DEFAULT_TS)
    child["remote_ts"] = list(ch.get("remote_ts") or DEFAULT_TS)
    mode = ch.get("mode", "tunnel")
    if mode not in ("tunnel", "transport"):
        raise Failure(f"peer/child/mode: {mode!r}")
    child["mode"] = mode
    if mode == "transport" and ipsec_backend() == "libipsec":
        raise Unsupported("peer/child/mode: transport mode needs the kernel's IPsec; charon's "
                          "kernel-libipsec (IKEH_INTEROP_IPSEC=libipsec, the default) only "
                          "does tunnel mode ('IPsec SA: unsupported mode')")
    if mode == "transport":
        # charon accepts transport mode only host-to-host ("not using transport mode, not
        # host-to-host" with 0.0.0.0/0): where the scenario keeps the default selectors, use
        # strongSwan's "dynamic" (the IKE addresses), which narrows the harness's 0.0.0.0/0 to
        # the two hosts, as any transport-mode SA is
        for key, given in (("local_ts", "local_ts" in ch), ("remote_ts", "remote_ts" in ch)):
            if not given:
                child[key] = ["dynamic"]
    child["rekey_time"] = f"{_dur(ch.get('rekey_time', 0), 'peer/child/rekey_time')}s"
    child["rand_time"] = "0s"
    child["rekey_bytes"] = 0
    child["rekey_packets"] = 0
    if not ch.get("esp_tfc_padding_not_supported", True):
        raise Unsupported("peer/child/esp_tfc_padding_not_supported: false cannot be set in "
                          "charon 5.9.8")
    if "non_first_fragments_also" in ch and ch["non_first_fragments_also"]:
        raise Unsupported("peer/child/non_first_fragments_also: charon 5.9.8 never sends "
                          "NON_FIRST_FRAGMENTS_ALSO")
    child["start_action"] = "none"
    child["dpd_action"] = "clear"
    child["close_action"] = "none"
    # charon refuses to initiate a Child SA that duplicates an installed one of the same child
    # config ("not establishing CHILD_SA ... due to existing duplicate"): `start child_sa`
    # initiates these copies, which charon tells apart by name only
    conn["children"] = {CHILD: child}
    for i, extra in enumerate(EXTRA_CHILDREN):
        # the duplicate check compares mode, selectors and marks: a mark of its own (local
        # only, never on the wire) makes each copy a different Child SA for charon
        conn["children"][extra] = dict(child, mark_in=f"{0x100 + i}", mark_out=f"{0x100 + i}")

    # --- cp
    cp = peer.get("cp") or {}
    _check_keys(cp, {"request", "required"}, "peer/cp")
    if cp.get("required"):
        raise Unsupported("peer/cp/required: charon 5.9.8 has no setting to refuse a Child SA "
                          "with FAILED_CP_REQUIRED when the initiator sent no CFG_REQUEST")
    if "request" in cp:
        vips = []
        for i, attr in enumerate(cp["request"] or []):
            name = attr.upper() if isinstance(attr, str) else attr
            if name in ("INTERNAL_IP4_ADDRESS", 1):
                vips.append("0.0.0.0")
            elif name in ("INTERNAL_IP6_ADDRESS", 8):
                vips.append("::")
            else:
                raise Unsupported(f"peer/cp/request/{i}: charon 5.9.8 (without attribute "
                                  f"plugins) only requests INTERNAL_IP4/IP6_ADDRESS, not "
                                  f"{json.dumps(attr)}")
        if not vips:
            raise Unsupported("peer/cp/request: charon sends a CFG_REQUEST only for virtual "
                              "IPs; an empty request cannot be reproduced")
        conn["vips"] = vips

    # --- pool
    pool = peer.get("pool")
    if pool is not None:
        _check_keys(pool, {"range", "cidr", "netmask", "dns", "subnets", "narrow_tsi"},
                    "peer/pool")
        if ("range" in pool) == ("cidr" in pool):
            raise Failure("peer/pool: needs exactly one of range and cidr")
        p = {"addrs": pool.get("range") or pool.get("cidr")}
        if "netmask" in pool:
            p["netmask"] = pool["netmask"]
        if pool.get("dns"):
            p["dns"] = list(pool["dns"])
        if pool.get("subnets"):
            p["subnet"] = list(pool["subnets"])
        if not pool.get("narrow_tsi", True):
            raise Unsupported("peer/pool/narrow_tsi: charon always narrows TSi to the "
                              "assigned address")
        pools["ikeh-pool"] = p
        conn["pools"] = "ikeh-pool"

    tree = {"connections": {CONN: conn}, "secrets": secrets}
    if pools:
        tree["pools"] = pools
    expect = {"proposals": conn["proposals"], "esp": child["esp_proposals"],
              "local_id": local_id, "remote_id": remote_id, "pools": sorted(pools)}
    return opts, tree, expect


# ---------------------------------------------------------------------------------------------
# charon

def strongswan_conf(options):
    p = paths()
    plugins = list(BASE_PLUGINS)
    if ipsec_backend() == "libipsec":
        plugins.insert(plugins.index("kernel-netlink"), "kernel-libipsec")
    charon = {
        "load_modular": False,
        "load": " ".join(x + "!" if x in CRITICAL_PLUGINS else x for x in plugins),
        "port": env_port("IKEH_PEER_PORT", 500),
        "port_nat_t": env_port("IKEH_PEER_NATT_PORT", 4500),
        # see translate(): the default selectors 0.0.0.0/0 would route the harness's address
        # into the tunnel
        "install_routes": False,
        "install_virtual_ip": True,
        "filelog": {"charon": dict({"path": p["log"], "time_format": "%H:%M:%S",
                                    "time_add_ms": True, "ike_name": True, "flush_line": True,
                                    "append": True}, **LOG_LEVELS)},
        "syslog": {"identifier": "charon-ikeharness", "daemon": {"default": -1},
                   "auth": {"default": -1}},
        "plugins": {"vici": {"socket": vici_uri()}},
    }
    charon.update(options)
    conf = {"charon": charon,
            "swanctl": {"load": " ".join(SWANCTL_PLUGINS),
                        "plugins": {"vici": {"socket": vici_uri()}}}}
    return ("# written by scenarios/peers/strongswan_adapter.py\n"
            f"# netns: {NETNS or '-'}\n" + render(conf) + "\n")


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def charon_pid():
    """The pid of the charon we started, when it still runs."""
    text = _read(paths()["pid"])
    if not text:
        return None
    try:
        pid = int(text.split()[0])
    except ValueError:
        return None
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().split(b"\0")
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None
    if state == "Z":
        return None
    # ip netns exec / unshare / sh exec into charon; while they still run they name the state
    # dir's run folder on their command line
    text = b" ".join(cmd).decode(errors="replace")
    if os.path.basename(CHARON) in text or paths()["run"] in text:
        return pid
    return None


def swanctl(*args, timeout=25, check=True):
    argv = [SWANCTL] + list(args) + ["--uri", vici_uri()]
    try:
        r = subprocess.run(argv, env=swanctl_env(), capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Failure(f"swanctl {' '.join(args)} did not return within {timeout} s")
    if check and r.returncode != 0:
        raise Failure(f"swanctl {' '.join(args)}: {_last_line(r)}")
    return r


def _last_line(r):
    lines = [l for l in ((r.stdout or "") + (r.stderr or "")).splitlines() if l.strip()]
    return lines[-1].strip() if lines else f"exit status {r.returncode}"


def charon_answers():
    if not os.path.exists(paths()["vici"]):
        return False
    try:
        r = subprocess.run([SWANCTL, "--stats", "--uri", vici_uri()], env=swanctl_env(),
                           capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0


def stop_charon(grace=5.0):
    pid = charon_pid()
    if pid is not None:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and charon_pid() == pid:
            time.sleep(0.05)
        if charon_pid() == pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline and charon_pid() == pid:
                time.sleep(0.05)
    for k in ("pid", "vici"):
        try:
            os.unlink(paths()[k])
        except OSError:
            pass
    return pid


def start_charon(conf_text):
    p = paths()
    for d in (p["dir"], p["run"], p["swanctl"]):
        os.makedirs(d, mode=0o700, exist_ok=True)
    for sub in ("conf.d", "x509", "x509ca", "x509aa", "x509ocsp", "x509crl", "x509ac", "pubkey",
                "private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12"):
        os.makedirs(os.path.join(p["swanctl"], sub), mode=0o700, exist_ok=True)
    if not os.access(CHARON, os.X_OK):
        raise Failure(f"{CHARON} is not executable (set IKEH_CHARON)")
    with open(p["conf"], "w") as f:
        f.write(conf_text)
    # a private mount namespace in which our run dir hides /run: charon's pid file and
    # resolv.conf handling never meet another charon's
    script = f"mount --bind {shlex.quote(p['run'])} /run && exec {shlex.quote(CHARON)}"
    argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]
    if NETNS:
        argv = ["ip", "netns", "exec", NETNS] + argv
    with open(p["stdout"], "a") as out:
        proc = subprocess.Popen(argv, env=swanctl_env(), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                close_fds=True)
    with open(p["pid"], "w") as f:
        f.write(f"{proc.pid}\n")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (_read(p["stdout"]) or "").strip().splitlines()[-1:] or [""]
            raise Failure(f"charon exited with {proc.returncode} while starting: {tail[0]} "
                          f"(see {p['log']})")
        if charon_answers():
            return
        time.sleep(0.05)
    raise Failure(f"charon did not answer on {vici_uri()} within 10 s (see {p['log']})")


def ensure_charon(conf_text):
    p = paths()
    running = charon_pid() is not None
    if running and _read(p["conf"]) == conf_text and charon_answers():
        return False
    if running:
        stop_charon()
    start_charon(conf_text)
    return True


# ---------------------------------------------------------------------------------------------
# SAs

def parse_pretty(text):
    messages, stack, current = [], [], None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if current is not None:
            if line == "]":
                current = None
            else:
                current.append(line)
            continue
        if line == "}":
            if stack:
                stack.pop()
            continue
        if line.endswith("{") and "=" not in line:
            name, section = line[:-1].strip(), {}
            if stack:
                stack[-1][name] = section
            else:
                messages.append((name, section))
            stack.append(section)
            continue
        if "=" in line and stack:
            key, _, value = line.partition("=")
            if value.strip() == "[":
                current = []
                stack[-1][key.strip()] = current
            else:
                stack[-1][key.strip()] = value.strip()
    return messages


def list_sas():
    out = []
    r = swanctl("--list-sas", "--pretty", timeout=10)
    for msg, body in parse_pretty(r.stdout):
        if msg == "list-sa event":
            out.extend(dict(v, name=k) for k, v in body.items())
    return out


def list_conns():
    r = swanctl("--list-conns", "--pretty", timeout=10)
    return {k: v for msg, body in parse_pretty(r.stdout) if msg == "list-conn event"
            for k, v in body.items()}


def list_pools():
    r = swanctl("--list-pools", "--pretty", timeout=10)
    return {k: v for msg, body in parse_pretty(r.stdout)
            if msg in ("get-pools reply", "list-pools reply") for k, v in body.items()}


def terminate_all(wait, force_after=True):
    """Terminates every IKE SA; charon sends its Delete and waits `wait` s for the answer."""
    if charon_pid() is None or not charon_answers():
        return 0
    sas = list_sas()
    for sa in sas:
        uid = sa.get("uniqueid")
        if not uid:
            continue
        if wait > 0:
            r = swanctl("--terminate", "--ike-id", uid, "--timeout", str(int(wait)),
                        timeout=wait + 5, check=False)
            if r.returncode == 0:
                continue
        if force_after:
            swanctl("--terminate", "--ike-id", uid, "--force", "--timeout", "2", timeout=8,
                    check=False)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if not list_sas():
            return len(sas)
        time.sleep(0.1)
    left = [f"{s['name']}#{s.get('uniqueid')} {s.get('state')}" for s in list_sas()]
    raise Failure(f"IKE SAs left on charon after terminating: {', '.join(left)}")


# ---------------------------------------------------------------------------------------------
# Actions

def load_scenario():
    path = os.environ.get("IKEH_SCENARIO_FILE")
    if not path:
        raise Failure("IKEH_SCENARIO_FILE is not set")
    try:
        with open(path) as f:
            scenario = json.load(f)
    except (OSError, ValueError) as e:
        raise Failure(f"cannot read scenario {path}: {e}")
    return scenario, os.path.dirname(os.path.abspath(path))


def action_prepare():
    global NETNS
    scenario, base = load_scenario()
    opts, tree, expect = translate(scenario, base)   # may raise Unsupported before any change
    if not GIVEN_NETNS:
        ensure_network()
        NETNS = OWN_NETNS
    conf_text = strongswan_conf(opts)
    restarted = ensure_charon(conf_text)
    if not restarted:
        terminate_all(wait=0)          # leftovers of an earlier scenario: no Deletes wanted
    p = paths()
    fd = os.open(p["swanctl_conf"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("# written by scenarios/peers/strongswan_adapter.py for "
                f"{os.environ.get('IKEH_SCENARIO_ID', '?')}\n" + render(tree) + "\n")
    r = swanctl("--load-all", "--clear", "--noprompt", "--file", p["swanctl_conf"], timeout=20,
                check=False)
    if r.returncode != 0:
        raise Failure(f"swanctl --load-all: {_last_line(r)}")
    conns = list_conns()
    if sorted(conns) != [CONN]:
        raise Failure(f"charon holds connections {sorted(conns)} after loading, expected "
                      f"[{CONN}]")
    pools = sorted(list_pools())
    if pools != expect["pools"]:
        raise Failure(f"charon holds pools {pools} after loading, expected {expect['pools']}")
    print(f"charon {'(re)started, ' if restarted else ''}connection {CONN} loaded: "
          f"{conns[CONN].get('local_addrs', ['%any'])} -> {conns[CONN].get('remote_addrs')}, "
          f"ids {expect['local_id']} / {expect['remote_id']}"
          + (f", pools {', '.join(pools)}" if pools else ""))


def action_start(kind):
    scenario, _ = load_scenario()
    t = str(SWANCTL_TIMEOUT)
    if kind == "ike_sa":
        r = swanctl("--initiate", "--child", CHILD, "--timeout", t, timeout=28, check=False)
    elif kind == "child_sa":
        ike = [s for s in list_sas() if s["name"] == CONN and s.get("state") == "ESTABLISHED"]
        if not ike:
            raise Failure("start child_sa: charon holds no ESTABLISHED IKE SA to create the "
                          "Child SA on")
        used = {c.get("name", k.rsplit("-", 1)[0]) for sa in ike
                for k, c in (sa.get("child-sas") or {}).items()}
        free = [c for c in EXTRA_CHILDREN if c not in used]
        if not free:
            raise Unsupported(f"the strongSwan adapter can add at most {len(EXTRA_CHILDREN)} "
                              f"Child SAs with the same selectors (charon refuses duplicates)")
        # with an established IKE SA of the connection, charon reuses it: CREATE_CHILD_SA
        r = swanctl("--initiate", "--child", free[0], "--timeout", t, timeout=28, check=False)
        after = [s for s in list_sas() if s["name"] == CONN]
        if len(after) > len(ike):
            raise Failure("start child_sa: charon set up a new IKE SA instead of a "
                          "CREATE_CHILD_SA on the existing one")
    elif kind == "rekey_child":
        r = swanctl("--rekey", "--child", CHILD, timeout=15, check=False)
    elif kind == "rekey_ike":
        r = swanctl("--rekey", "--ike", CONN, timeout=15, check=False)
    elif kind == "delete_child":
        r = swanctl("--terminate", "--child", CHILD, "--timeout", t, timeout=28, check=False)
    elif kind == "delete_ike":
        r = swanctl("--terminate", "--ike", CONN, "--timeout", t, timeout=28, check=False)
    elif kind == "liveness":
        raise Unsupported("strongSwan's swanctl cannot send a liveness check on demand (charon "
                          "only sends one after dpd_delay of inbound silence)")
    elif kind == "cfg_set":
        raise Unsupported("strongSwan's charon never sends CP(CFG_SET)")
    else:
        raise Failure(f"start {kind}: unknown kind")
    if r.returncode != 0:
        raise Failure(f"swanctl ({kind}): {_last_line(r)}")
    print(f"start {kind}: done")


def action_cleanup():
    n = terminate_all(wait=8)
    print(f"cleanup: {n} IKE SA(s) terminated" if n else "cleanup: no IKE SA left")


def action_setup():
    if GIVEN_NETNS:
        print(f"IKEH_STRONGSWAN_NETNS={GIVEN_NETNS} is set: no network of the adapter's own")
        return
    ensure_network()
    print(f"namespace {OWN_NETNS} with {PEER_ADDR4} ({PEER_IF}), {HOST_IF} with {HOST_ADDR4} "
          f"here")


def action_stop():
    pid = stop_charon()
    if pid and not GIVEN_NETNS:
        # `ip netns pids` must not see the charon we just killed
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}"):
            time.sleep(0.05)
    removed = remove_network()
    print((f"charon {pid} stopped" if pid else "charon was not running")
          + (f"; removed {' and '.join(removed)}" if removed else ""))


def main(argv):
    if len(argv) < 2:
        print("usage: strongswan_adapter.py prepare | start KIND | cleanup | stop | setup",
              file=sys.stderr)
        return 2
    action = argv[1]
    try:
        if action == "prepare":
            action_prepare()
        elif action == "start":
            if len(argv) != 3:
                raise Failure("start needs a KIND")
            action_start(argv[2])
        elif action == "cleanup":
            action_cleanup()
        elif action == "stop":
            action_stop()
        elif action == "setup":
            action_setup()
        else:
            raise Failure(f"unknown action {action!r}")
    except Unsupported as e:
        print(str(e), flush=True)
        return SKIP
    except Failure as e:
        print(f"strongswan_adapter {action}: {e}", file=sys.stderr, flush=True)
        return 1
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
