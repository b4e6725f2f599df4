#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""strongSwan's charon initiates, ikeharness responds.

`ikeharness respond --count 1 --until-deleted --json-events` (or `--hold S --delete`) listens in one namespace; a charon in
the other initiates with `swanctl --initiate`. Each row of the matrix (harness_peer.ROWS) checks
that charon reports the IKE SA ESTABLISHED with the SPIs and algorithms of the harness's summary
and the Child SA INSTALLED with the mirrored ESP SPIs; in the CP rows charon asks for a virtual IP
(`vips = 0.0.0.0`) and must get the address the harness's pool handed out. Some rows then let
charon rekey the Child SA, the IKE SA, and the Child SA again on the new IKE SA (`swanctl
--rekey`); both sides must agree on every new SPI. Every row ends with charon's Delete
(`swanctl --terminate`), after which the harness's responder exits 0 on its own.

The harness's responder cannot delete an SA itself: `ikeharness respond` has no such option.

    ResponderPsk:  psk_gcm_ecp256 (CP, rekeys), psk_cbc_modp2048 (CP), psk_gcm_x25519 (CP)
    ResponderCert: rsa_cbc_sha384_ecp256 (no CP, rekeys), ecdsa_gcm_prfsha384_ecp256 (CP)
"""

import ipaddress
import os
import re
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness_peer as hp  # noqa: E402
import strongswan as ss  # noqa: E402

TIMEOUT = 50   # respond --timeout: the whole run


def installed_event(e):
    """(child id, inbound SPI, outbound SPI) of a harness "Child SA N installed" event, or None."""
    if e.get("kind") != "child-sa" or e.get("state") != "Installed":
        return None
    m = re.search(r"SPIs ([0-9a-f]+) in / ([0-9a-f]+) out", e.get("detail", ""))
    return (e["child"], m.group(1), m.group(2)) if m else None


class HarnessResponder:
    """The body of every row; mixed into the TestCase classes below."""

    def run_row(self, row_name, cp, rekey, harness_deletes=False):
        row = hp.ROWS[row_name]
        hp.binary()  # skips when ikeharness is not built
        with ss.Lab(f"hr{row_name}") as lab:
            harness_ns, peer_ns = lab.pair("harness", "charon")
            creds = hp.Credentials(lab, row.auth)

            local, remote = creds.harness_sections("responder")
            cfg = hp.write_config(lab, "responder", hp.endpoint_config(
                local, remote, [row.ike], [row.esp], local_ts=[hp.PROTECTED_NET],
                remote_ts=[hp.HARNESS_POOL if cp else hp.CLIENT_NET],
                pool={"cidr": hp.HARNESS_POOL} if cp else None))
            run = hp.HarnessRun(lab, harness_ns,
                                ["respond", "--listen", harness_ns.addr4, "--config", cfg,
                                 "--count", "1", "--timeout", str(TIMEOUT)]
                                + (["--hold", str(TIMEOUT), "--delete"] if harness_deletes else ["--until-deleted"]),
                                env=creds.harness_env(), name=f"respond ({row_name})")
            listening = run.wait(lambda e: e.get("kind") == "listening", 10, "listening")
            self.assertEqual((listening["port"], listening.get("natt_port")), (500, 4500))

            charon = lab.charon(peer_ns, "init")
            child = {"remote_ts": hp.PROTECTED_NET, "esp_proposals": row.esp}
            conn = {"version": 2, "local_addrs": peer_ns.addr4, "remote_addrs": harness_ns.addr4,
                    "proposals": row.ike, "children": {"net": child}}
            if cp:
                conn["vips"] = "0.0.0.0"
            else:
                # a route into the tunnel needs a local address inside local_ts
                peer_ns.run(["ip", "addr", "add", f"{hp.CLIENT_ADDR}/32", "dev", "lo"])
                child["local_ts"] = hp.CLIENT_NET
            tree = {"connections": {"home": conn}, "secrets": {}}
            creds.charon_conn(charon, "initiator", conn, tree["secrets"])
            charon.load(tree)
            charon.initiate(child="net", ike="home")

            summary = run.wait_summary(15, heading="established")
            self.check_established(row, charon, summary, cp)
            serial = summary["ike_sa"]
            if rekey:
                self.check_child_rekey(run, charon, serial, hp.live_child(summary)["id"])
                serial = self.check_ike_rekey(run, charon, serial)
                # a Child SA rekey on the new IKE SA: proves the harness uses its SPIs and keys
                latest = [installed_event(e) for e in run.events if installed_event(e)][-1]
                self.check_child_rekey(run, charon, serial, latest[0])
            if harness_deletes:
                self.check_harness_delete(run, charon, serial)
            else:
                self.check_charon_delete(run, charon, serial)
            hp.assert_no_secrets(self, creds, run, charon)

    # --- the checks

    def check_established(self, row, charon, s, cp):
        hchild = hp.check_summary(self, s, row, "responder", hp.INITIATOR_ID, "local_ts")

        sa = charon.wait_sa("home")
        self.assertEqual(sa.get("initiator"), "yes")
        self.assertEqual((sa["initiator-spi"], sa["responder-spi"]), (s["spi_i"], s["spi_r"]),
                         "IKE SPIs: charon vs the harness's summary")
        for key, value in row.charon_ike.items():
            self.assertEqual(sa.get(key), value, f"charon's IKE SA {key}")
        self.assertEqual(sa["remote-id"], hp.RESPONDER_ID)
        self.assertEqual(sa["remote-port"], "4500")
        method = {"psk": "pre-shared key", "rsa": r"RSA\S*", "ecdsa": r"ECDSA\S*"}[row.auth]
        charon.wait_log(rf"authentication of '{hp.RESPONDER_ID}' with {method} successful")

        c = ss.wait_for(lambda: charon.child_sa("home", "net", state="INSTALLED"), 10,
                        "charon's Child SA INSTALLED")
        self.assertEqual((c["spi-in"], c["spi-out"]),
                         (hchild["outbound_spi"], hchild["inbound_spi"]),
                         "ESP SPIs: charon's in/out vs the harness's out/in")
        for key, value in row.charon_esp.items():
            self.assertEqual(c.get(key), value, f"charon's Child SA {key}")
        self.assertEqual(c["remote-ts"], [hp.PROTECTED_NET])

        if cp:
            # the address comes from the harness's pool, and charon installed it
            vip = s.get("virtual_ip")
            self.assertIsNotNone(vip, f"no virtual IP in the harness's summary: {s}")
            self.assertIn(ipaddress.ip_address(vip), ipaddress.ip_network(hp.HARNESS_POOL))
            self.assertIn({"type": "INTERNAL_IP4_ADDRESS", "value": vip}, s["cp"])
            self.assertEqual(sa.get("local-vips"), [vip], "charon's virtual IP")
            self.assertEqual(c["local-ts"], [f"{vip}/32"])
            charon.wait_log(rf"installing new virtual IP {re.escape(vip)}$")
        else:
            self.assertNotIn("local-vips", sa)
            self.assertEqual(c["local-ts"], [hp.CLIENT_NET])
            self.assertEqual(hchild["remote_ts"], [hp.CLIENT_NET])

    def check_child_rekey(self, run, charon, serial, old_id):
        """charon rekeys the Child SA; both sides agree on the new SPIs, and the old Child SA is
        gone on both."""
        start = run.index()
        old = charon.child_sa("home", "net", state="INSTALLED")
        charon.rekey(child="net")
        new = ss.wait_for(lambda: next((c for c in charon.ike_sa("home")["child-sas"].values()
                                        if c["state"] == "INSTALLED"
                                        and c["spi-in"] != old["spi-in"]), None),
                          10, "charon's rekeyed Child SA")
        ev = run.wait(lambda e: installed_event(e) is not None, 10,
                      "the harness's new Child SA", start)
        _, spi_in, spi_out = installed_event(ev)
        self.assertEqual(ev["ike_sa"], serial)
        self.assertEqual((spi_in, spi_out), (new["spi-out"], new["spi-in"]),
                         "ESP SPIs of the rekeyed Child SA: the harness in/out vs charon out/in")
        request = run.find(lambda e: e.get("kind") == "received"
                           and e.get("exchange") == "CREATE_CHILD_SA", start)
        self.assertIsNotNone(request)
        self.assertIn("N(REKEY_SA)", request[1]["payloads"])
        sa = charon.ike_sa("home")
        self.assertEqual((request[1]["spi_i"], request[1]["spi_r"]),
                         (sa["initiator-spi"], sa["responder-spi"]),
                         "the IKE SA carrying the rekey: the harness vs charon")
        run.wait(lambda e: e.get("kind") == "child-sa" and e.get("child") == old_id
                 and e.get("state") == "Deleted", 10, f"the harness's Child SA {old_id} Deleted",
                 start)
        ss.wait_for(lambda: [c["spi-in"] for c in charon.ike_sa("home")["child-sas"].values()
                             if c["state"] == "INSTALLED"] == [new["spi-in"]], 10,
                    "charon to have only the rekeyed Child SA INSTALLED")

    def check_ike_rekey(self, run, charon, serial):
        """charon rekeys the IKE SA; returns the harness's serial of the new IKE SA."""
        start = run.index()
        old = charon.ike_sa("home")
        charon.rekey(ike="home")
        ev = run.wait(lambda e: e.get("kind") == "ike-sa" and e.get("state") == "Established"
                      and f"rekeyed from IKE SA {serial}" in e.get("detail", ""), 10,
                      f"the harness's IKE SA replacing IKE SA {serial}", start)
        new_serial = ev["ike_sa"]
        run.wait(lambda e: e.get("kind") == "ike-sa" and e.get("ike_sa") == serial
                 and e.get("state") == "Deleted", 10, f"the harness's IKE SA {serial} Deleted",
                 start)
        sas = ss.wait_for(lambda: (lambda l: l if len(l) == 1 and l[0]["state"] == "ESTABLISHED"
                                   and l[0]["initiator-spi"] != old["initiator-spi"] else None)(
                                       charon.list_sas("home")),
                          10, "charon to have only the rekeyed IKE SA")
        self.assertNotEqual(sas[0]["responder-spi"], old["responder-spi"])
        self.assertIsNotNone(charon.child_sa("home", "net", state="INSTALLED"),
                             "charon's Child SA after the IKE rekey")
        if "local-vips" in old:
            self.assertEqual(sas[0].get("local-vips"), old["local-vips"])
        return new_serial

    def check_charon_delete(self, run, charon, serial):
        sa = charon.ike_sa("home")
        start = run.index()
        charon.terminate(ike="home")
        charon.wait_no_sa("home")
        request = run.wait(lambda e: e.get("kind") == "received"
                           and e.get("exchange") == "INFORMATIONAL" and not e.get("response")
                           and e.get("payloads") == ["D"], 10, "charon's Delete", start)
        self.assertEqual(request["ike_sa"], serial)
        self.assertEqual((request["spi_i"], request["spi_r"]),
                         (sa["initiator-spi"], sa["responder-spi"]),
                         "the deleted IKE SA: the harness vs charon")
        ev = run.wait(lambda e: e.get("kind") == "ike-sa" and e.get("ike_sa") == serial
                      and e.get("state") == "Deleted", 10, f"IKE SA {serial} Deleted", start)
        self.assertIn("deleted by the peer", ev.get("detail", ""))
        result = hp.assert_exit_ok(self, run)
        self.assertEqual(result["detail"], "1 of 1 IKE SAs established, all deleted by the peer")
        charon.wait_log(r"IKE_SA home\[\d+\] state change: DELETING => DESTROYING")

    def check_harness_delete(self, run, charon, serial):
        # SIGINT ends --hold, then the responder deletes with a request of its
        # own: Message ID 0 of its own counter (RFC 7296 2.2).
        run.interrupt()
        request = run.wait(lambda e: e.get("kind") == "sent" and e.get("exchange") == "INFORMATIONAL"
                           and not e.get("response") and e.get("payloads") == ["D"], 15, "our Delete")
        self.assertEqual(request["ike_sa"], serial)
        self.assertEqual(request["message_id"], 0)
        charon.wait_no_sa("home")
        result = hp.assert_exit_ok(self, run)
        self.assertEqual(result["detail"], "1 of 1 IKE SAs established, hold ended by a signal, 1 deleted by us")
        charon.wait_log(r"received DELETE for IKE_SA home")


class ResponderPsk(HarnessResponder, unittest.TestCase):

    def test_psk_gcm_ecp256_cp_rekeys(self):
        self.run_row("psk_gcm_ecp256", cp=True, rekey=True)

    def test_psk_cbc_modp2048_cp(self):
        self.run_row("psk_cbc_modp2048", cp=True, rekey=False)

    def test_psk_gcm_x25519_cp_harness_deletes(self):
        self.run_row("psk_gcm_x25519", cp=True, rekey=False, harness_deletes=True)


class ResponderCert(HarnessResponder, unittest.TestCase):

    def test_rsa_cbc_sha384_ecp256_rekeys(self):
        self.run_row("rsa_cbc_sha384_ecp256", cp=False, rekey=True)

    def test_ecdsa_gcm_prfsha384_ecp256_cp(self):
        self.run_row("ecdsa_gcm_prfsha384_ecp256", cp=True, rekey=False)


if __name__ == "__main__":
    ss.main()
