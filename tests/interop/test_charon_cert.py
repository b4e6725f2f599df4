#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The certificate helper: a CA and end-entity certificates made with openssl are accepted by
charon. The responder signs with ECDSA P-256, the initiator with RSA 2048; both verify the other
against the same CA and match the identity to the subjectAltName."""

import os
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strongswan as ss  # noqa: E402


def conn(local_addr, remote_addr, cert, local_id, remote_id, vips=None, pool=None):
    c = {
        "version": 2,
        "local_addrs": local_addr,
        "remote_addrs": remote_addr,
        "proposals": ss.DEFAULT_PROPOSAL,
        "local": {"auth": "pubkey", "certs": os.path.basename(cert.cert), "id": local_id},
        "remote": {"auth": "pubkey", "id": remote_id},
        "children": {"net": {"local_ts": "dynamic", "remote_ts": "10.98.0.0/24"
                             if vips else "dynamic", "esp_proposals": "aes256gcm16"}},
    }
    if vips:
        c["vips"] = vips
    if pool:
        c["pools"] = "pool0"
        c["children"]["net"]["local_ts"] = "10.98.0.0/24"
    return c


class CertificateAuth(unittest.TestCase):

    def test_pki_files(self):
        with ss.Lab("pkifiles") as lab:
            pki = lab.pki(key="rsa")
            for key, algo in (("rsa", "rsaEncryption"), ("ecdsa", "id-ecPublicKey")):
                cred = pki.issue("gw.example.org", key=key)
                text = subprocess.run(["openssl", "x509", "-in", cred.cert, "-noout", "-text"],
                                      capture_output=True, text=True, check=True).stdout
                self.assertIn(algo, text)
                self.assertIn("DNS:gw.example.org", text)
                if key == "rsa":
                    self.assertIn("(2048 bit)", text)
                else:
                    self.assertIn("prime256v1", text)
                v = subprocess.run(["openssl", "verify", "-CAfile", pki.ca_cert, cred.cert],
                                   capture_output=True, text=True)
                self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            self.assertIn("IP Address:192.0.2.7", subprocess.run(
                ["openssl", "x509", "-in", pki.issue("192.0.2.7", key="ecdsa").cert,
                 "-noout", "-ext", "subjectAltName"], capture_output=True, text=True).stdout)
            self.assertIn("email:user@example.org", subprocess.run(
                ["openssl", "x509", "-in", pki.issue("user@example.org").cert,
                 "-noout", "-ext", "subjectAltName"], capture_output=True, text=True).stdout)

    def test_rsa_initiator_ecdsa_responder(self):
        with ss.Lab("cert") as lab:
            left, right = lab.pair()
            right.run(["ip", "addr", "add", "10.98.0.1/32", "dev", "lo"])
            pki = lab.pki(key="rsa")
            r_cred = pki.issue("responder.example.org", key="ecdsa")
            i_cred = pki.issue("initiator@example.org", key="rsa")

            resp = lab.charon(right, "resp")
            pki.install(resp, r_cred)
            rc = conn(right.addr4, "%any", r_cred, "responder.example.org",
                      "initiator@example.org", pool=True)
            resp.load({"connections": {"rw": rc},
                       "pools": {"pool0": {"addrs": "10.99.0.0/24"}}})

            init = lab.charon(left, "init")
            pki.install(init, i_cred)
            init.load({"connections": {"home": conn(
                left.addr4, right.addr4, i_cred, "initiator@example.org",
                "responder.example.org", vips="0.0.0.0")}})

            init.initiate(child="net", ike="home")
            i = init.wait_sa("home")
            r = resp.wait_sa("rw")
            self.assertEqual(i["remote-id"], "responder.example.org")
            self.assertEqual(r["remote-id"], "initiator@example.org")
            self.assertIsNotNone(init.child_sa("home", "net", state="INSTALLED"))
            self.assertIsNotNone(resp.child_sa("rw", "net", state="INSTALLED"))
            init.wait_log(r"authentication of 'responder.example.org' with ECDSA_WITH_SHA256_DER "
                          r"successful")
            resp.wait_log(r"authentication of 'initiator@example.org' with RSA\S* successful")
            init.terminate(ike="home")
            init.wait_no_sa()
            resp.wait_no_sa()
            for c, cred in ((init, i_cred), (resp, r_cred)):
                with open(cred.key) as f:
                    body = "".join(f.read().splitlines()[1:-1])
                self.assertNotIn(body[:40], c.log(), f"private key in charon {c.name}'s log")


if __name__ == "__main__":
    ss.main()
