#!/usr/bin/python3
"""The report's HTML page as a person sees it: Debian's headless Chromium
loads it (no network: the page's own policy forbids any fetch, and a fetch
or a script error would be a console error), the rendered DOM shows the
counts of the JSON report, and a screenshot is kept as a test artefact
(DCS_ARTIFACTS, default build/artifacts; not committed).
Usage: render.py REPORT.html REPORT.json"""
import json
import os
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

html_path, json_path = sys.argv[1:3]
report = json.load(open(json_path))
artifacts = os.environ.get("DCS_ARTIFACTS", "build/artifacts")
os.makedirs(artifacts, exist_ok=True)
failed = []


def chromium(*args):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--user-data-dir=" + profile, "--enable-logging=stderr",
             "--v=0", "--hide-scrollbars", *args, "file://" + os.path.abspath(html_path)],
            capture_output=True, text=True, timeout=120)


class Page(HTMLParser):
    """What the rendered page holds: ids with data-count, sections, items."""

    def __init__(self):
        super().__init__()
        self.counts, self.stacks, self.diffs, self.verdict = {}, 0, 0, None
        self.refusals = 0
        self.in_diff = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-count" in a and a.get("id", "").startswith("count-"):
            self.counts[a["id"][6:]] = int(a["data-count"])
        if a.get("id") == "verdict":
            self.verdict = a.get("data-verdict")
        if tag == "section" and a.get("class") == "stack":
            self.stacks += 1
        if a.get("class") == "refusal":
            self.refusals += 1
        if tag == "ul" and a.get("class") == "diff":
            self.in_diff = True
        if tag == "li" and self.in_diff:
            self.diffs += 1

    def handle_endtag(self, tag):
        if tag == "ul":
            self.in_diff = False


dom = chromium("--dump-dom")
if dom.returncode != 0 or "<body" not in dom.stdout:
    failed.append("chromium did not render the page (exit %d): %s"
                  % (dom.returncode, dom.stderr[-500:]))
console = [line for line in dom.stderr.splitlines()
           if "CONSOLE" in line or "Refused to" in line or "Uncaught" in line]
if console:
    failed.append("console errors: " + " | ".join(console[:5]))
page = Page()
page.feed(dom.stdout)
totals = report["totals"]
want = {"stackfiles": totals["stackfiles"], "services": totals["services"],
        **totals["verdicts"]}
if page.counts != want:
    failed.append("the verdict strip shows %s, the report says %s" % (page.counts, want))
if page.verdict != report["verdict"]:
    failed.append("verdict %s, expected %s" % (page.verdict, report["verdict"]))
if page.stacks != len(report["stackfiles"]):
    failed.append("%d stackfile sections for %d stackfiles" % (page.stacks,
                                                              len(report["stackfiles"])))
refused = sum(s["verdict"] == "refused" for s in report["stackfiles"])
if page.refusals != refused:
    failed.append("%d refusals shown for %d refused stackfiles" % (page.refusals, refused))
if page.diffs != len(report["differences"]):
    failed.append("%d differences shown, %d in the report" % (page.diffs,
                                                            len(report["differences"])))
shot = os.path.join(artifacts, "report.png")
s = chromium("--window-size=1280,2000", "--screenshot=" + shot)
if s.returncode != 0 or not os.path.getsize(shot):
    failed.append("no screenshot: " + s.stderr[-300:])
for f in failed:
    print("report-render: FAIL", f)
if not failed:
    print("report-render: rendered by %s: %d stackfiles, %d services, verdict %s, %d "
          "differences; no console error; screenshot %s" % (
              re.sub(r"\s+", " ", subprocess.run(["chromium", "--version"], capture_output=True,
                                                 text=True).stdout.strip()),
              page.counts.get("stackfiles", 0), page.counts.get("services", 0), page.verdict,
              page.diffs, shot))
sys.exit(1 if failed else 0)
