"""Static files as production serves them: collected, hashed, compressed, cached for good."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
# Runs in a fresh interpreter: production settings cannot be loaded into the test process.
SERVE = """
import json, sys
import django
django.setup()
from django.test import Client
client = Client()
result = {}
for path in sys.argv[1:]:
    response = client.get(path, secure=True, HTTP_ACCEPT_ENCODING="gzip")
    result[path] = {"status": response.status_code, **dict(response.headers)}
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    static_root = tmp_path_factory.mktemp("staticfiles")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careersite.settings.production",
        "SECRET_KEY": "static-files-test-key",
        "ALLOWED_HOSTS": "testserver",
        # Required by production settings; static files never reach the cache.
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "BASE_URL": "https://testserver",
        "EMAIL_URL": "dummy://",
        "STATIC_ROOT": str(static_root),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
    )
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]

    def get(*paths):
        output = subprocess.run(
            [sys.executable, "-c", SERVE, *paths],
            cwd=PROJECT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(output.strip().splitlines()[-1])

    return manifest, get


def test_hashed_static_files_are_cached_for_years_and_marked_immutable(production):
    manifest, get = production
    hashed = f"/static/{manifest['css/site.css']}"

    response = get(hashed)[hashed]

    assert response["status"] == 200
    max_age, *flags = [part.strip() for part in response["Cache-Control"].split(",")]
    assert int(max_age.removeprefix("max-age=")) >= 365 * 24 * 60 * 60
    assert set(flags) == {"public", "immutable"}
    assert response["Content-Encoding"] == "gzip"


def test_unhashed_static_names_are_cached_briefly_so_a_deploy_shows_at_once(production):
    _, get = production

    response = get("/static/css/site.css")["/static/css/site.css"]

    assert response["status"] == 200
    assert "immutable" not in response["Cache-Control"]
    assert response["Cache-Control"] == "max-age=3600, public"
