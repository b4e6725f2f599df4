#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the sample run's junit.xml and report.html with third-party readers.

usage: run_report_check.py MAKE_SAMPLE_RUN OUT_DIR SCREENSHOT

junit.xml must pass `xmllint --noout` and be read by junitparser with the counts
results.json states; report.html is rendered by headless Chromium, whose DOM
must hold the summary counts and one ladder per scenario with a transcript,
with one arrow per message. Exits 77 (CTest: skipped) when Chromium is not
installed, after the JUnit checks ran.
"""

import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def check_junit(path, results):
    counts = results["counts"]
    xmllint = shutil.which("xmllint")
    if xmllint:
        r = subprocess.run([xmllint, "--noout", path], capture_output=True, text=True)
        check(r.returncode == 0, "xmllint --noout junit.xml: " + r.stderr.strip())
    else:
        print("skipped part: xmllint not installed (Debian package libxml2-utils)")

    # The attributes must agree with the testcases they count.
    root = ET.parse(path).getroot()
    check(root.tag == "testsuites", "root element is <testsuites>")
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        name = suite.get("name")
        check(int(suite.get("tests")) == len(cases), f"suite {name}: tests= matches its testcases")
        for attr, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
            n = sum(1 for c in cases if c.find(tag) is not None)
            check(int(suite.get(attr)) == n, f"suite {name}: {attr}= matches its testcases ({n})")
        for c in cases:
            check(c.get("classname") == name, f"testcase {c.get('name')}: classname is the suite")

    try:
        import junitparser
    except ImportError:
        print("skipped part: junitparser not installed (Debian package python3-junitparser)")
        return
    xml = junitparser.JUnitXml.fromfile(path)
    suites = {}
    total = {"tests": 0, "failure": 0, "error": 0, "skipped": 0}
    for suite in xml:
        suites[suite.name] = suite
        for case in suite:
            total["tests"] += 1
            results_of = case.result if isinstance(case.result, list) else ([case.result] if case.result else [])
            for r in results_of:
                if isinstance(r, junitparser.Failure):
                    total["failure"] += 1
                    check(r.type == "mismatch", f"{case.name}: failure type is mismatch")
                    check("expected: " in (r.text or ""), f"{case.name}: failure body says what was expected")
                elif isinstance(r, junitparser.Error):
                    total["error"] += 1
                elif isinstance(r, junitparser.Skipped):
                    total["skipped"] += 1
    check(sorted(suites) == sorted({s["suite"] for s in results["scenarios"]}), "junitparser: one suite per id prefix")
    check(total["tests"] == counts["total"], f"junitparser: {total['tests']} tests, results.json {counts['total']}")
    check(total["failure"] == counts["fail"], f"junitparser: {total['failure']} failures, results.json {counts['fail']}")
    check(total["error"] == counts["error"], f"junitparser: {total['error']} errors, results.json {counts['error']}")
    check(total["skipped"] == counts["skip"], f"junitparser: {total['skipped']} skipped, results.json {counts['skip']}")
    check(xml.tests == counts["total"], "junitparser: <testsuites tests=> is the total")
    print(f"junit.xml: {total}")


class Dom(html.parser.HTMLParser):
    """The parts of the rendered DOM the checks need."""

    VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source", "embed"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.ids = {}          # id -> text inside
        self.ladders = []      # per svg.ladder: list of msg-arrow class lists
        self.scenarios = []    # (data-verdict, data-id)
        self.scenario_attrs = []  # their attributes
        self.details = []      # text of each .msg-detail
        self.mutation_lists = []  # text of each ul.mutations
        self.text = []
        self.bold_in_scenarios = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "svg" and "ladder" in classes:
            self.ladders.append([])
        if tag == "g" and "msg-arrow" in classes and self.ladders:
            self.ladders[-1].append(classes)
        if "scenario" in classes:
            self.scenarios.append((a.get("data-verdict"), a.get("data-id")))
            self.scenario_attrs.append(a)
        if "msg-detail" in classes:
            self.details.append([])
        if "mutations" in classes:
            self.mutation_lists.append([])
        if tag == "b" and any(t == "div" and i == "scenarios" for t, i, _ in self.stack):
            self.bold_in_scenarios += 1
        if tag not in self.VOID:
            self.stack.append((tag, a.get("id"), classes))
            if a.get("id"):
                self.ids.setdefault(a["id"], [])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.text.append(data)
        for _, i, classes in self.stack:
            if i:
                self.ids[i].append(data)
            if "msg-detail" in classes:
                self.details[-1].append(data)
            if "mutations" in classes:
                self.mutation_lists[-1].append(data)

    def text_of(self, i):
        return "".join(self.ids.get(i, []))


def chromium_args(binary, profile):
    return [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
            # Nothing may be fetched: an offline page renders without name lookups.
            "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000"]


def render(binary, url):
    with tempfile.TemporaryDirectory(prefix="ikeh_chromium_") as profile:
        r = subprocess.run(chromium_args(binary, profile) + ["--dump-dom", url],
                           capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"chromium --dump-dom {url} exit {r.returncode}: {r.stderr[-2000:]}")
    dom = Dom()
    dom.feed(r.stdout)
    return dom


def check_html(binary, path, results, screenshot):
    url = "file://" + os.path.abspath(path)
    dom = render(binary, url)
    counts = results["counts"]
    summary = dom.text_of("summary")
    check(bool(summary), "rendered DOM has #summary with text")
    for v in ("pass", "fail", "skip", "error", "known_deviation"):
        got = dom.text_of("count-" + v).strip()
        check(got == str(counts[v]), f"summary count {v}: {got!r}, results.json {counts[v]}")
    check(f"seed: {results['seed']}" in summary, "summary shows the seed")
    check(f"peer: {results['peer']}" in summary, "summary shows the peer")

    scenarios = results["scenarios"]
    check([s for s in dom.scenarios] == [(s["verdict"], s["id"]) for s in scenarios],
          f"one .scenario per scenario with its data-verdict: {dom.scenarios}")
    with_messages = [s for s in scenarios if s["transcript"]]
    check(len(dom.ladders) == len(with_messages),
          f"{len(dom.ladders)} svg.ladder, {len(with_messages)} scenarios with messages")
    for arrows, s in zip(dom.ladders, with_messages):
        check(len(arrows) == len(s["transcript"]),
              f"{s['id']}: {len(arrows)} arrows for {len(s['transcript'])} messages")
        mutated = sum(1 for m in s["transcript"] if m["mutations"])
        dropped = sum(1 for m in s["transcript"] if "drop" in m["fault"])
        check(sum(1 for c in arrows if "mutated" in c) == mutated, f"{s['id']}: {mutated} mutated arrows")
        check(sum(1 for c in arrows if "dropped" in c) == dropped, f"{s['id']}: {dropped} dropped arrows")
    check(len(dom.ladders) >= 1, "at least one ladder")
    text = "".join(dom.text)
    for s in scenarios:
        check(s["title"] in text, f"title shown as text: {s['title']!r}")
    check(dom.bold_in_scenarios == 0, "no markup from scenario text became elements")
    first = with_messages[0]["transcript"][0]["label"] if with_messages else ""
    check(first in text, f"first arrow label shown: {first!r}")

    check(not dom.details, "no message is expanded before a click")
    check(all("hidden" not in a for a in dom.scenario_attrs), "no scenario hidden at first")

    # "#all" clicks each ladder's first message; "verdict=fail" sets the filter.
    dom = render(binary, url + "#all&verdict=fail")
    check(len(dom.details) == len(with_messages), f"{len(dom.details)} expanded messages, one per ladder")
    check(all("open" in a for a in dom.scenario_attrs), "#all opens every scenario")
    for a in dom.scenario_attrs:
        hidden = "hidden" in a
        check(hidden == (a.get("data-verdict") != "fail"), f"filter fail: {a.get('data-id')} hidden={hidden}")
    for detail, s in zip(dom.details, with_messages):
        text = "".join(detail)
        m = s["transcript"][0]
        check(m["label"] in text, f"{s['id']}: the detail names the message")
        for p in m["payloads"]:
            check(p["type_name"] in text or p["type_name"] == "NONCE", f"{s['id']}: payload {p['type_name']} shown")
            name = p.get("body", {}).get("notify_type_name")
            if name:
                check(name in text, f"{s['id']}: notify {name} shown")
        for mutation in m["mutations"]:
            check(any(mutation in "".join(l) for l in dom.mutation_lists), f"{s['id']}: mutation {mutation!r} listed")
    check(any(dom.mutation_lists), "at least one mutation list rendered")

    with tempfile.TemporaryDirectory(prefix="ikeh_chromium_") as profile:
        r = subprocess.run(chromium_args(binary, profile) +
                           ["--screenshot=" + screenshot, "--window-size=1280,2000", url + "#all"],
                           capture_output=True, text=True, timeout=120)
    ok = r.returncode == 0 and os.path.exists(screenshot) and os.path.getsize(screenshot) > 1000
    check(ok, f"screenshot written to {screenshot}: {r.stderr[-1000:]}")
    if ok:
        print("screenshot: " + screenshot)


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    make_sample_run, out, screenshot = sys.argv[1:]
    r = subprocess.run([make_sample_run, out], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL: {make_sample_run} {out}: exit {r.returncode}: {r.stderr}")
        return 1
    with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
        results = json.load(f)
    check_junit(os.path.join(out, "junit.xml"), results)
    binary = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if binary is None:
        if failures:
            return 1
        print("SKIP: chromium not installed")
        return 77
    check_html(binary, os.path.join(out, "report.html"), results, screenshot)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
