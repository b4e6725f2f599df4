#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Two charons, initiator and responder, in two namespaces: PSK, aes256gcm16-prfsha256-ecp256, a
Child SA and a virtual IP from the responder's pool 10.99.0.0/24. Proves the interop
infrastructure works before any test puts ikeharness on one side."""

import ipaddress
import os
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strongswan as ss  # noqa: E402

POOL = ipaddress.ip_network("10.99.0.0/24")
PROTECTED = "10.98.0.1"  # an address inside the responder's local_ts 10.98.0.0/24

# Sends one UDP datagram from the virtual IP to the responder's protected address and waits for
# the echo; run inside the initiator's namespace. argv: vip, destination.
UDP_CLIENT = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.settimeout(1.0)
for attempt in range(5):
    s.sendto(b"ikeharness-interop", (sys.argv[2], 7777))
    try:
        data, peer = s.recvfrom(100)
        print(data.decode(), peer[0])
        sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)
"""

UDP_ECHO = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 7777))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(100)
    s.sendto(data, peer)
"""


class PskVirtualIp(unittest.TestCase):

    def establish(self, lab, outer, ports=None):
        """Starts both charons with IKE over `outer` (4 or 6); returns (left, right, init, resp,
        psk) with the IKE SA up on both sides. ports: (responder port, port_nat_t, initiator
        port, port_nat_t), default 500/4500 on both."""
        left, right = lab.pair()
        right.run(["ip", "addr", "add", f"{PROTECTED}/32", "dev", "lo"])
        psk = ss.psk_secret()
        laddr, raddr = (left.addr4, right.addr4) if outer == 4 else (left.addr6, right.addr6)
        rp, rpn, ip_, ipn = ports or (500, 4500, 500, 4500)
        resp = lab.charon(right, "resp", port=rp, port_nat_t=rpn,
                          conf=ss.psk_responder_conf(raddr, psk))
        iconf = ss.psk_initiator_conf(laddr, raddr, psk)
        iconf["connections"]["home"]["remote_port"] = rp
        init = lab.charon(left, "init", port=ip_, port_nat_t=ipn, conf=iconf)
        init.initiate(child="net", ike="home")
        return left, right, init, resp, psk

    def check_established(self, init, resp, outer):
        i = init.wait_sa("home")
        r = resp.wait_sa("rw")
        for sa in (i, r):
            self.assertEqual(sa["version"], "2")
            self.assertEqual(sa["encr-alg"], "AES_GCM_16")
            self.assertEqual(sa["encr-keysize"], "256")
            self.assertEqual(sa["prf-alg"], "PRF_HMAC_SHA2_256")
            self.assertEqual(sa["dh-group"], "ECP_256")
            self.assertEqual(ipaddress.ip_address(sa["local-host"]).version, outer)
        self.assertEqual(i.get("initiator"), "yes")
        self.assertEqual((i["initiator-spi"], i["responder-spi"]),
                         (r["initiator-spi"], r["responder-spi"]))
        self.assertEqual(i["local-id"], "initiator.example.org")
        self.assertEqual(r["remote-id"], "initiator.example.org")

        # the virtual IP: assigned from the pool, the same on both sides
        vips = i.get("local-vips", [])
        self.assertEqual(len(vips), 1, f"initiator's virtual IPs: {vips}")
        vip = ipaddress.ip_address(vips[0])
        self.assertIn(vip, POOL)
        self.assertEqual(r.get("remote-vips"), [str(vip)])

        ic = init.child_sa("home", "net", state="INSTALLED")
        rc = resp.child_sa("rw", "net", state="INSTALLED")
        self.assertIsNotNone(ic, f"initiator's Child SA: {i['child-sas']}")
        self.assertIsNotNone(rc, f"responder's Child SA: {r['child-sas']}")
        self.assertEqual((ic["spi-in"], ic["spi-out"]), (rc["spi-out"], rc["spi-in"]))
        self.assertEqual(ic["local-ts"], [f"{vip}/32"])
        self.assertEqual(ic["remote-ts"], ["10.98.0.0/24"])
        self.assertEqual(rc["remote-ts"], [f"{vip}/32"])
        return str(vip)

    def check_traffic(self, left, right, init, resp, vip):
        """A datagram through the Child SA and back: the SA carries traffic on both sides."""
        echo = right.popen(["/usr/bin/python3", "-c", UDP_ECHO, PROTECTED],
                           stdout=subprocess.PIPE, text=True)
        self.assertEqual(echo.stdout.readline().strip(), "ready")
        r = left.run(["/usr/bin/python3", "-c", UDP_CLIENT, vip, PROTECTED], timeout=15,
                     check=False)
        self.assertEqual(r.returncode, 0, f"no echo through the tunnel: {r.stdout}{r.stderr}")
        self.assertEqual(r.stdout.split(), ["ikeharness-interop", PROTECTED])
        ic = init.child_sa("home", "net")
        rc = resp.child_sa("rw", "net")
        self.assertGreater(int(ic["packets-out"]), 0)
        self.assertGreater(int(ic["packets-in"]), 0)
        self.assertGreater(int(rc["packets-in"]), 0)

    def check_rekey(self, init, resp):
        """Child SA rekey, then IKE SA rekey, both started by the initiator."""
        old = init.child_sa("home", "net")
        init.rekey(child="net")
        new = ss.wait_for(lambda: next((c for c in init.ike_sa("home")["child-sas"].values()
                                        if c["name"] == "net" and c["state"] == "INSTALLED"
                                        and c["spi-in"] != old["spi-in"]), None),
                          10, "the rekeyed Child SA")
        # the old inbound SA stays listed for charon.delete_rekeyed_delay (5 s), not installed
        ss.wait_for(lambda: all(c["state"] != "INSTALLED" or c["spi-in"] == new["spi-in"]
                                for c in init.ike_sa("home")["child-sas"].values()), 10,
                    "the old Child SA to leave INSTALLED")
        ss.wait_for(lambda: any(c["state"] == "INSTALLED" and c["spi-out"] == new["spi-in"]
                                for c in resp.ike_sa("rw")["child-sas"].values()), 10,
                    "the responder's rekeyed Child SA")

        old_sa = init.ike_sa("home")
        init.rekey(ike="home")
        sa = ss.wait_for(lambda: next((s for s in init.list_sas("home")
                                       if s["state"] == "ESTABLISHED"
                                       and s["initiator-spi"] != old_sa["initiator-spi"]), None),
                         10, "the rekeyed IKE SA")
        ss.wait_for(lambda: len(init.list_sas("home")) == 1 and len(resp.list_sas("rw")) == 1,
                    10, "the old IKE SA to go on both sides")
        self.assertEqual(resp.ike_sa("rw")["responder-spi"], sa["responder-spi"])
        self.assertEqual(init.ike_sa("home")["local-vips"], old_sa["local-vips"])
        self.assertIsNotNone(init.child_sa("home", "net", state="INSTALLED"))

    def check_terminate(self, init, resp):
        init.terminate(ike="home")
        init.wait_no_sa()
        resp.wait_no_sa()
        resp.wait_log(r"IKE_SA rw\[\d+\] state change: \w+ => DESTROYING")

    def check_no_secret_in_logs(self, psk, *charons):
        for c in charons:
            self.assertNotIn(psk[2:], c.log().lower(), f"PSK in charon {c.name}'s log")

    def test_ipv4_psk_virtual_ip(self):
        with ss.Lab("psk4") as lab:
            left, right, init, resp, psk = self.establish(lab, 4)
            vip = self.check_established(init, resp, 4)
            self.check_traffic(left, right, init, resp, vip)
            self.check_rekey(init, resp)
            self.check_terminate(init, resp)
            self.check_no_secret_in_logs(psk, init, resp)

    def test_high_ports(self):
        with ss.Lab("pskports") as lab:
            left, right, init, resp, psk = self.establish(lab, 4, (45000, 45001, 45100, 45101))
            self.check_established(init, resp, 4)
            i, r = init.ike_sa("home"), resp.ike_sa("rw")
            # kernel-libipsec forces UDP encapsulation, so IKE moves to the NAT-T ports
            self.assertIn(i["remote-port"], ("45000", "45001"))
            self.assertIn(r["local-port"], ("45000", "45001"))
            self.assertIn(i["local-port"], ("45100", "45101"))
            init.wait_log(r"sending packet: from 192\.0\.2\.1\[45100\] to 192\.0\.2\.2\[45000\]")
            self.check_terminate(init, resp)

    def test_ipv6_outer_psk_virtual_ip(self):
        with ss.Lab("psk6") as lab:
            left, right, init, resp, psk = self.establish(lab, 6)
            self.check_established(init, resp, 6)
            self.check_terminate(init, resp)


if __name__ == "__main__":
    ss.main()
