#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""ikeharness initiates, strongSwan's charon responds.

`ikeharness initiate --json-events` runs in one namespace, a charon responder in the other. Each
row of the matrix (harness_peer.ROWS) checks that the IKE SA is ESTABLISHED on charon with the
SPIs and algorithms of the harness's summary, that the Child SA is INSTALLED with the mirrored
ESP SPIs, and (CP rows) that the harness got the address charon's pool handed out. Some rows
then rekey the Child SA and the IKE SA from the harness (--rekey-child --rekey-ike) and compare
the new SPIs with charon's; every row ends with a Delete, either the harness's (--delete after
SIGINT ends --hold) or charon's (swanctl --terminate during --hold, which ends the harness's
hold). No row may leave an SA on either side, or a secret in either log.

    InitiatorPsk:  psk_gcm_ecp256 (CP, both rekeys, harness delete),
                   psk_cbc_modp2048 (CP, charon delete), psk_gcm_x25519 (CP, harness delete)
    InitiatorCert: rsa_cbc_sha384_ecp256 (both rekeys, charon delete),
                   ecdsa_gcm_prfsha384_ecp256 (CP, harness delete)
"""

import ipaddress
import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness_peer as hp  # noqa: E402
import strongswan as ss  # noqa: E402

HOLD = 60           # --hold: longer than any row; SIGINT or charon's Delete ends it
STEP_TIMEOUT = 20   # --timeout: each step of the harness


class HarnessInitiator:
    """The body of every row; mixed into the TestCase classes below."""

    def run_row(self, row_name, cp, rekey, deleter):
        """cp: ask for an inner address (charon has a pool); rekey: --rekey-child --rekey-ike;
        deleter: "harness" (SIGINT ends the hold, then --delete) or "charon" (terminate)."""
        row = hp.ROWS[row_name]
        hp.binary()  # skips when ikeharness is not built
        with ss.Lab(f"hi{row_name}") as lab:
            harness_ns, peer_ns = lab.pair("harness", "charon")
            peer_ns.run(["ip", "addr", "add", f"{hp.PROTECTED_ADDR}/32", "dev", "lo"])
            creds = hp.Credentials(lab, row.auth)

            charon = lab.charon(peer_ns, "resp")
            child = {"local_ts": hp.PROTECTED_NET, "esp_proposals": row.esp}
            conn = {"version": 2, "local_addrs": peer_ns.addr4, "proposals": row.ike,
                    "children": {"net": child}}
            tree = {"connections": {"rw": conn}, "secrets": {}}
            creds.charon_conn(charon, "responder", conn, tree["secrets"])
            if cp:
                conn["pools"] = "pool0"
                tree["pools"] = {"pool0": {"addrs": hp.CHARON_POOL}}
            else:
                # charon's default remote_ts is the harness's IKE address, which it cannot
                # route through its tunnel: use a network of the harness's own
                child["remote_ts"] = hp.CLIENT_NET
            charon.load(tree)
            monitor = charon.monitor_sa()

            local, remote = creds.harness_sections("initiator")
            cfg = hp.write_config(lab, "initiator", hp.endpoint_config(
                local, remote, [row.ike], [row.esp],
                local_ts=["0.0.0.0/0"] if cp else [hp.CLIENT_NET], remote_ts=[hp.PROTECTED_NET],
                cp={"request": ["INTERNAL_IP4_ADDRESS"]} if cp else None))
            args = ["initiate", "--peer", peer_ns.addr4, "--local", f"{harness_ns.addr4}:500",
                    "--config", cfg, "--timeout", str(STEP_TIMEOUT), "--hold", str(HOLD)]
            if rekey:
                args += ["--rekey-child", "--rekey-ike"]
            if deleter == "harness":
                args.append("--delete")
            run = hp.HarnessRun(lab, harness_ns, args, env=creds.harness_env(),
                                name=f"initiate ({row_name})")

            summary = run.wait_summary(STEP_TIMEOUT + 10, heading="established")
            # with --rekey-child the first Child SA is replaced within milliseconds: its SPIs
            # come from charon's child-updown event, and --list-sas is checked after the rekeys
            self.check_established(row, charon, monitor, summary, cp, live=not rekey)
            if rekey:
                summary = self.check_child_rekey(run, charon, summary)
                summary = self.check_ike_rekey(run, charon, summary)
            if deleter == "harness":
                self.check_harness_delete(run, charon)
            else:
                self.check_charon_delete(run, charon, summary)
            hp.assert_no_secrets(self, creds, run, charon)

    # --- the checks

    def check_established(self, row, charon, monitor, s, cp, live):
        """The harness's summary and charon's view of the fresh IKE SA agree: charon's up events
        and, when `live`, its --list-sas."""
        child = hp.check_summary(self, s, row, "initiator", hp.RESPONDER_ID, "remote_ts")
        vip = s.get("virtual_ip")
        if cp:
            self.assertIsNotNone(vip, f"no virtual IP in the summary: {s}")
            self.assertIn(ipaddress.ip_address(vip), ipaddress.ip_network(hp.CHARON_POOL))
            self.assertIn({"type": "INTERNAL_IP4_ADDRESS", "value": vip}, s["cp"])
            self.assertEqual(child["local_ts"], [f"{vip}/32"])
        else:
            self.assertIsNone(vip)
            self.assertEqual(s["cp"], [])
            self.assertEqual(child["local_ts"], [hp.CLIENT_NET])

        up = monitor.wait_up("ike")
        child_up = monitor.wait_up("child")
        views = [("charon's ike-updown event", up)]
        if live:
            views.append(("charon's --list-sas", charon.wait_sa("rw")))
        for what, sa in views:
            self.assertEqual((sa["initiator-spi"], sa["responder-spi"]),
                             (s["spi_i"], s["spi_r"]), f"IKE SPIs: {what} vs the harness")
            for key, value in row.charon_ike.items():
                self.assertEqual(sa.get(key), value, f"{what}: IKE SA {key}")
            self.assertEqual(sa["remote-id"], hp.INITIATOR_ID)
            self.assertEqual(sa["remote-port"], "4500")
            if cp:
                self.assertEqual(sa.get("remote-vips"), [vip], f"{what}: the lease")
        method = {"psk": "pre-shared key", "rsa": r"RSA\S*", "ecdsa": r"ECDSA\S*"}[row.auth]
        charon.wait_log(rf"authentication of '{hp.INITIATOR_ID}' with {method} successful")

        children = [("charon's child-updown event", list(child_up["child-sas"].values())[0])]
        if live:
            children.append(("charon's --list-sas", ss.wait_for(
                lambda: charon.child_sa("rw", "net", state="INSTALLED"), 10,
                "charon's Child SA INSTALLED")))
        for what, c in children:
            self.assertEqual(c["state"], "INSTALLED", what)
            self.assertEqual((c["spi-in"], c["spi-out"]),
                             (child["outbound_spi"], child["inbound_spi"]),
                             f"ESP SPIs: {what} in/out vs the harness's out/in")
            for key, value in row.charon_esp.items():
                self.assertEqual(c.get(key), value, f"{what}: Child SA {key}")
            self.assertEqual(c["local-ts"], [hp.PROTECTED_NET])
            self.assertEqual(c["remote-ts"], [f"{vip}/32" if cp else hp.CLIENT_NET])
        if cp:
            leases = charon.list_pools().get("pool0", {}).get("leases", {})
            self.assertTrue(any(v.get("address") == vip and v.get("status") == "online"
                                for v in leases.values()),
                            f"charon's pool shows no online lease of {vip}: {leases}")

    def check_child_rekey(self, run, charon, before):
        old = hp.live_child(before)
        s = run.wait_summary(STEP_TIMEOUT + 5, heading="Child SA")
        new = hp.live_child(s)
        self.assertNotEqual(new["inbound_spi"], old["inbound_spi"])
        self.assertNotEqual(new["outbound_spi"], old["outbound_spi"])
        self.assertEqual((s["spi_i"], s["spi_r"]), (before["spi_i"], before["spi_r"]))
        # the harness waited for the old Child SA's Delete; charon has only the new one
        # INSTALLED, and not the old one at all once its Delete was answered
        ss.wait_for(lambda: [(c["spi-in"], c["spi-out"])
                             for c in charon.ike_sa("rw")["child-sas"].values()
                             if c["state"] == "INSTALLED"]
                    == [(new["outbound_spi"], new["inbound_spi"])], 10,
                    "charon to have exactly the rekeyed Child SA INSTALLED")
        self.assertFalse(any(c["spi-in"] == old["outbound_spi"] and c["state"] == "INSTALLED"
                             for c in charon.ike_sa("rw")["child-sas"].values()))
        return s

    def check_ike_rekey(self, run, charon, before):
        s = run.wait_summary(STEP_TIMEOUT + 5, heading="IKE SA 1 rekeyed")
        self.assertNotEqual((s["spi_i"], s["spi_r"]), (before["spi_i"], before["spi_r"]))
        self.assertEqual(s["state"], "Established")
        sas = ss.wait_for(lambda: (lambda l: l if len(l) == 1 else None)(charon.list_sas("rw")),
                          10, "charon to have exactly one IKE SA after the rekey")
        sa = sas[0]
        self.assertEqual(sa["state"], "ESTABLISHED")
        self.assertEqual((sa["initiator-spi"], sa["responder-spi"]), (s["spi_i"], s["spi_r"]),
                         "IKE SPIs after the rekey: charon vs the harness")
        # the Child SA moved to the new IKE SA on both sides
        child = hp.live_child(s)
        self.assertEqual(child, hp.live_child(before))
        c = charon.child_sa("rw", "net", state="INSTALLED")
        self.assertIsNotNone(c, f"charon's Child SA after the IKE rekey: {sa['child-sas']}")
        self.assertEqual((c["spi-in"], c["spi-out"]),
                         (child["outbound_spi"], child["inbound_spi"]))
        if "virtual_ip" in s:
            self.assertEqual(sa.get("remote-vips"), [s["virtual_ip"]])
        return s

    def check_harness_delete(self, run, charon):
        """SIGINT ends --hold; --delete then deletes the IKE SA and the harness exits 0."""
        run.interrupt()
        result = hp.assert_exit_ok(self, run, STEP_TIMEOUT + 5)
        self.assertTrue(result["ok"])
        self.assertIn("hold ended by a signal", result["detail"])
        self.assertRegex(result["detail"], r"IKE SA \d+ deleted$")
        charon.wait_no_sa("rw")
        charon.wait_log(r"received DELETE for IKE_SA rw\[\d+\]")
        charon.wait_log(r"IKE_SA rw\[\d+\] state change: DELETING => DESTROYING")

    def check_charon_delete(self, run, charon, s):
        """charon's terminate: the harness sees the IKE SA Deleted, its hold ends, it exits 0."""
        sa = charon.ike_sa("rw")
        charon.terminate(ike_id=sa["uniqueid"])
        serial = s["ike_sa"]
        run.wait(lambda e: e.get("kind") == "ike-sa" and e.get("ike_sa") == serial
                 and e.get("state") == "Deleted", 10, f"IKE SA {serial} Deleted")
        deleted = run.find(lambda e: e.get("kind") == "ike-sa" and e.get("ike_sa") == serial
                           and e.get("state") == "Deleted")[1]
        self.assertIn("deleted by the peer", deleted.get("detail", ""))
        self.assertTrue(run.find(lambda e: e.get("kind") == "received"
                                 and e.get("exchange") == "INFORMATIONAL"
                                 and not e.get("response") and e.get("payloads") == ["D"]
                                 and e.get("spi_i") == s["spi_i"]),
                        "no Delete request from charon among the harness's events")
        # docs/external-peer.md: a Delete from the peer ends the hold (not a failure)
        result = hp.assert_exit_ok(self, run)
        self.assertIn(f"IKE SA {serial} deleted during the hold", result["detail"])
        charon.wait_no_sa("rw")


class InitiatorPsk(HarnessInitiator, unittest.TestCase):

    def test_psk_gcm_ecp256_cp_rekey_harness_delete(self):
        self.run_row("psk_gcm_ecp256", cp=True, rekey=True, deleter="harness")

    def test_psk_cbc_modp2048_cp_charon_delete(self):
        self.run_row("psk_cbc_modp2048", cp=True, rekey=False, deleter="charon")

    def test_psk_gcm_x25519_cp_harness_delete(self):
        self.run_row("psk_gcm_x25519", cp=True, rekey=False, deleter="harness")


class InitiatorCert(HarnessInitiator, unittest.TestCase):

    def test_rsa_cbc_sha384_ecp256_rekey_charon_delete(self):
        self.run_row("rsa_cbc_sha384_ecp256", cp=False, rekey=True, deleter="charon")

    def test_ecdsa_gcm_prfsha384_ecp256_cp_harness_delete(self):
        self.run_row("ecdsa_gcm_prfsha384_ecp256", cp=True, rekey=False, deleter="harness")


if __name__ == "__main__":
    ss.main()
