#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A Lab leaves nothing behind: no namespace, no process, no temp dir. Checked after a normal
exit, after an exception, after SIGTERM to the test process, and after SIGKILL (where charon
goes with its parent and the next Lab reaps the namespaces)."""

import json
import os
import signal
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import strongswan as ss  # noqa: E402


def own_namespaces():
    """Namespaces this process created (parallel tests have other pids in their names)."""
    return [n for n in ss.list_netns() if n.startswith(f"{ss.PREFIX}{os.getpid()}-")]


def start_lab(lab):
    left, right = lab.pair()
    charons = [lab.charon(right, "resp"), lab.charon(left, "init")]
    sleeper = left.popen(["sleep", "600"])
    return {"namespaces": [left.name, right.name], "dir": lab.dir,
            "pids": [c.proc.pid for c in charons] + [sleeper.pid]}


# The child process of the signal tests: builds a lab, reports it as JSON, then waits.
CHILD = f"""
import json, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, {HERE!r})
import strongswan as ss
from test_lab_cleanup import start_lab
with ss.Lab("child") as lab:
    print(json.dumps(start_lab(lab)), flush=True)
    time.sleep(600)
"""


class LabCleanup(unittest.TestCase):

    def assert_gone(self, state):
        names = ss.list_netns()
        for ns in state["namespaces"]:
            self.assertNotIn(ns, names)
        for pid in state["pids"]:
            ss.wait_for(lambda: not ss._pid_alive(pid) or ss._is_zombie(pid), 5,
                        f"process {pid} to end")
        self.assertFalse(os.path.exists(state["dir"]), state["dir"])
        self.assertEqual(ss.processes_using(state["dir"]), [])

    def assert_running(self, state):
        names = ss.list_netns()
        for ns in state["namespaces"]:
            self.assertIn(ns, names)
        for pid in state["pids"]:
            self.assertTrue(ss._pid_alive(pid), pid)
        self.assertTrue(os.path.isdir(state["dir"]))

    def test_normal_exit(self):
        before = own_namespaces()
        with ss.Lab("cleanup") as lab:
            state = start_lab(lab)
            self.assert_running(state)
            self.assertEqual(len(own_namespaces()), len(before) + 2)
            self.assertTrue(ss.processes_using(lab.dir))
        self.assert_gone(state)
        self.assertEqual(own_namespaces(), before)

    def test_exception(self):
        before = own_namespaces()
        state = None
        with self.assertRaises(RuntimeError):
            with ss.Lab("cleanup", dump_on_error=False) as lab:
                state = start_lab(lab)
                raise RuntimeError("boom")
        self.assert_gone(state)
        self.assertEqual(own_namespaces(), before)

    def run_child(self):
        child = subprocess.Popen(["/usr/bin/python3", "-c", CHILD], stdout=subprocess.PIPE,
                                 text=True)
        line = child.stdout.readline()
        if not line:
            child.wait()
            self.fail(f"child exited {child.returncode} before starting its lab")
        state = json.loads(line)
        self.assert_running(state)
        return child, state

    def test_sigterm(self):
        child, state = self.run_child()
        child.send_signal(signal.SIGTERM)
        self.assertEqual(child.wait(20), -signal.SIGTERM)
        child.stdout.close()
        self.assert_gone(state)

    def test_sigkill_then_reap(self):
        child, state = self.run_child()
        child.kill()
        child.wait(10)
        child.stdout.close()
        # charon and the other children get SIGTERM from the kernel when their parent dies
        for pid in state["pids"]:
            ss.wait_for(lambda: not ss._pid_alive(pid) or ss._is_zombie(pid), 10,
                        f"process {pid} to end after its parent was killed")
        # the namespaces and the temp dir stay until the next Lab (or reap_stale) removes them;
        # a test running in parallel may have reaped them already
        ss.reap_stale()
        self.assert_gone(state)


if __name__ == "__main__":
    ss.main()
