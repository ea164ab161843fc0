"""The Nu HTML checker (vnu.jar) reports no errors on the public pages."""

import json
import os
import shutil
import subprocess

import pytest
from django.core.management import call_command

from tests.e2e.conftest import PROJECT

VNU_JAR = PROJECT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PAGES = {
    "home.html": "/",
    "section.html": "/preparing-for-a-job-interview/",
    "guide.html": "/preparing-for-a-job-interview/follow-up-interview-tips/",
    "search.html": "/search/?q=interview",
    "search-empty.html": "/search/?q=zebra",
    "disclosure.html": "/disclosure/",
    "author.html": "/authors/amara-okafor/",
    "not-found.html": "/no-such-page/",
}


@pytest.fixture
def vnu():
    if not (VNU_JAR.exists() and shutil.which("java")):
        message = "HTML validity test skipped: needs java and node_modules/vnu-jar (make test)"
        if os.environ.get("REQUIRE_PAGE_CHECKERS") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return VNU_JAR


@pytest.mark.django_db
def test_the_public_pages_are_valid_html(client, vnu, tmp_path):
    call_command("load_demo_content", stdout=open(os.devnull, "w"))  # noqa: SIM115
    files = []
    for name, path in PAGES.items():
        response = client.get(path)
        assert response.status_code in (200, 404), path
        (tmp_path / name).write_bytes(response.content)
        files.append(str(tmp_path / name))

    result = subprocess.run(
        ["java", "-jar", str(vnu), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )

    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]
    assert errors == []
