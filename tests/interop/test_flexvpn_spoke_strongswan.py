#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`ikeharness initiate --flexvpn-spoke` as a FlexVPN spoke against strongSwan's charon as the hub.

The spoke is scenarios/flexvpn/configs/spoke.json with the lab's addresses (left) and the PSK from
the environment ({"env": ...}; swanctl's "0x..." is hex in the harness's secrets too). charon
(right) answers as a hub would for a road warrior: PSK, local id its address, remote id %any, a
pool whose first address is known (a range, so no network-address rule is involved), everything
behind it (local_ts 0.0.0.0/0).

The checks: the spoke gets the pool's first address (the harness's summary and spoke summary,
charon's `swanctl --list-sas` remote-vips); the spoke sends an INFORMATIONAL with CP(CFG_SET)
holding that address as an INTERNAL_IP4_SUBNET with mask 255.255.255.255 (`route set
interface`); charon answers it with an empty INFORMATIONAL response (no CP: RFC 7296 3.15.1 lets a
peer ignore CFG_SET, notes 2.5); the spoke reports "CFG_SET ignored" (NoCp) and does not fail;
SIGINT ends --hold, the spoke deletes the IKE SA and exits 0; charon has no SA left; the PSK is in
no output.
"""

import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness_peer as hp  # noqa: E402
import strongswan as ss  # noqa: E402

STEP_TIMEOUT = 20   # initiate --timeout: each step
HOLD = 60           # --hold: SIGINT ends it once the checks are done
SPOKE_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scenarios",
                          "flexvpn", "configs", "spoke.json")
IKE = "aes256-sha512-prfsha512-ecp256"
ESP = "aes256-sha256"
POOL = "10.99.0.10-10.99.0.20"
FIRST = "10.99.0.10"          # the pool's first address: the one a lone spoke gets


def spoke_config(lab, spoke_addr, hub_addr):
    """spoke.json with the lab's addresses and the PSK from the environment, in the lab's dir."""
    with open(SPOKE_JSON) as f:
        tree = json.load(f)
    tree["network"] = {"local_address": spoke_addr, "remote_address": hub_addr}
    tree["local"]["id"] = spoke_addr
    tree["local"]["psk"] = {"env": hp.PSK_ENV}
    tree["ike"]["retransmit"] = {"timeout": 1.0, "base": 1.4, "tries": 3}
    tree["description"] = "interop test: " + tree["description"]
    d = os.path.join(lab.dir, "harness")
    os.makedirs(d, mode=0o700, exist_ok=True)
    path = os.path.join(d, "spoke.json")
    with open(path, "w") as f:
        f.write(json.dumps(tree, indent=2) + "\n")
    return path


class FlexVpnSpokeStrongswanHub(unittest.TestCase):

    def test_spoke_gets_first_address_and_cfg_set_is_ignored(self):
        hp.binary()  # skips when ikeharness is not built
        began = time.monotonic()
        with ss.Lab("flexspoke") as lab:
            spoke_ns, hub_ns = lab.pair("spoke", "hub")
            psk = ss.psk_secret()

            charon = lab.charon(hub_ns, "hub")
            conn = {"version": 2, "local_addrs": hub_ns.addr4, "proposals": IKE, "pools": "flex",
                    "local": {"auth": "psk", "id": hub_ns.addr4},
                    "remote": {"auth": "psk", "id": "%any"},
                    "children": {"flex": {"local_ts": "0.0.0.0/0", "esp_proposals": ESP}}}
            charon.load({"connections": {"hub": conn},
                         "pools": {"flex": {"addrs": POOL}},
                         "secrets": {"ike-spoke": {"id-1": hub_ns.addr4, "id-2": spoke_ns.addr4,
                                                   "secret": psk}}})

            cfg = spoke_config(lab, spoke_ns.addr4, hub_ns.addr4)
            run = hp.HarnessRun(lab, spoke_ns, ["initiate", "--config", cfg, "--flexvpn-spoke",
                                                "--timeout", str(STEP_TIMEOUT), "--hold", str(HOLD),
                                                "--delete"],
                                env={hp.PSK_ENV: psk}, name="initiate --flexvpn-spoke")

            # established, with the pool's first address
            summary = run.wait_summary(STEP_TIMEOUT + 10, heading="established")
            serial = summary["ike_sa"]
            self.assertEqual(summary.get("virtual_ip"), FIRST, f"the spoke's address: {summary}")
            self.assertIn({"type": "INTERNAL_IP4_ADDRESS", "value": FIRST}, summary["cp"])
            self.assertEqual(summary["peer_id"], hub_ns.addr4)
            sa = charon.wait_sa("hub")
            self.assertEqual(sa.get("remote-vips"), [FIRST], f"charon's lease: {sa}")
            self.assertEqual(sa.get("remote-id"), spoke_ns.addr4)

            # the CFG_SET: the address as a host route, answered without CP
            outcome = run.wait(lambda e: e.get("kind") == "spoke"
                               and e.get("detail", "").startswith("CFG_SET outcome: "),
                               STEP_TIMEOUT, "the spoke's CFG_SET outcome")
            self.assertEqual(outcome["detail"], "CFG_SET outcome: NoCp", run.output_tail())
            spoke_lines = [e["detail"] for e in run.events if e.get("kind") == "spoke"]
            for line in ("Config-type: Config-reply",
                         f"Attrib type: ipv4-addr, length: 4, data: {FIRST}",
                         f"Applied config mode data: address {FIRST}",
                         "Config-type: Config-set",
                         f"Attrib type: ipv4-subnet, length: 8, data: {FIRST} 255.255.255.255",
                         "Sending info exch config set",
                         "Info exch config resp without config mode data"):
                self.assertIn(line, spoke_lines, "a spoke line")
            self.assertTrue(all(e.get("ike_sa") == serial for e in run.events
                                if e.get("kind") == "spoke"), "spoke lines of another SA")
            sent = [e for e in run.events if e.get("kind") == "sent"
                    and e.get("exchange") == "INFORMATIONAL" and not e.get("response")]
            received = [e for e in run.events if e.get("kind") == "received"
                        and e.get("exchange") == "INFORMATIONAL" and e.get("response")]
            self.assertTrue(sent and received, run.output_tail())
            self.assertEqual(sent[0]["payloads"], ["CP"], "the CFG_SET request")
            self.assertEqual(received[0]["message_id"], sent[0]["message_id"])
            self.assertEqual(received[0]["payloads"], [], "charon's answer to the CFG_SET")

            # charon keeps the SA and the lease
            self.assertEqual(charon.ike_sa("hub", state="ESTABLISHED").get("remote-vips"), [FIRST])

            # SIGINT ends the hold; the spoke deletes and exits 0 with its summary
            run.interrupt()
            result = hp.assert_exit_ok(self, run, timeout=STEP_TIMEOUT + 5)
            self.assertEqual(result["detail"],
                             f"IKE SA {serial} established, address {FIRST} assigned, CFG_SET ignored "
                             f"(NoCp), hold ended by a signal, IKE SA {serial} deleted")
            charon.wait_no_sa("hub")
            summaries = [e for e in run.events if e.get("kind") == "spoke_summary"]
            self.assertEqual(len(summaries), 1, run.output_tail())
            self.assertEqual(summaries[0]["sessions"], [{
                "ike_sa": serial, "applied": True, "cfg_reply_rejected": False,
                "address": FIRST, "netmask": None, "dns": [], "routes": [],
                "cfg_set_sent": [{"type": "INTERNAL_IP4_SUBNET", "value": f"{FIRST} 255.255.255.255"}],
                "cfg_ack": None, "cfg_set": "NoCp", "cfg_set_text": "CFG_SET ignored"}])

            # no PSK anywhere
            for out, who in ((run.output(), "the spoke's output"), (charon.log(), "charon's log")):
                self.assertNotIn(psk[2:].lower(), out.lower(), f"the PSK in {who}")
        sys.stderr.write(f"test_flexvpn_spoke_strongswan: {time.monotonic() - began:.1f} s\n")


if __name__ == "__main__":
    ss.main()
