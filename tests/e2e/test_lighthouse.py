"""Lighthouse, as a phone sees them, scores the home page, a section and the model guide
100 for accessibility, best practices and SEO.

Performance, the fourth score, depends on how busy the machine is: it is measured with
the benchmarks and recorded in docs/performance.md, not asserted here.
"""

import json
import os
import subprocess

import pytest

from tests.e2e.conftest import CHROMIUM, PROJECT, missing

LIGHTHOUSE = PROJECT / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("accessibility", "best-practices", "seo")
PAGES = {
    "home": "/",
    "section": "/preparing-for-a-job-interview/",
    "guide": "/preparing-for-a-job-interview/follow-up-interview-tips/",
}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lighthouse(browser):
    if not LIGHTHOUSE.exists():
        missing("Lighthouse is not installed", "make test runs npm ci")

    def run(url):
        result = subprocess.run(
            [
                "node",
                str(LIGHTHOUSE),
                url,
                f"--only-categories={','.join(CATEGORIES)}",
                "--form-factor=mobile",
                "--output=json",
                "--output-path=stdout",
                "--quiet",
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            ],
            capture_output=True,
            text=True,
            timeout=240,
            env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)

    return run


def failing_audits(report, category):
    """The audits of ``category`` that cost it points, with what Lighthouse says of them."""
    audits = report["audits"]
    return {
        ref["id"]: audits[ref["id"]].get("displayValue") or audits[ref["id"]]["title"]
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"] > 0
        and audits[ref["id"]]["scoreDisplayMode"] in ("binary", "numeric", "metricSavings")
        and (audits[ref["id"]]["score"] or 0) < 1
    }


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_lighthouse_scores_the_page_100_for_accessibility_best_practices_and_seo(
    demo_site, lighthouse, path
):
    report = lighthouse(demo_site + path)

    for category in CATEGORIES:
        score = report["categories"][category]["score"]
        assert score == 1, (category, score, failing_audits(report, category))
