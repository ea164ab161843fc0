"""deploy/gunicorn.conf.py: what an operator gets by default and can change from the env."""

import os
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
VARIABLES = (
    "WEB_CONCURRENCY",
    "GUNICORN_BIND",
    "GUNICORN_WORKER_CLASS",
    "GUNICORN_THREADS",
    "GUNICORN_ACCESS_LOG",
)


@pytest.fixture
def gunicorn_conf(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def load(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONF))

    return load


def test_by_default_it_serves_the_site_on_localhost_with_two_workers_per_cpu(gunicorn_conf):
    conf = gunicorn_conf()

    assert conf["wsgi_app"] == "careersite.wsgi:application"
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["worker_class"] == "sync"
    assert conf["keepalive"] > 0
    assert conf["accesslog"] is None


def test_the_environment_sets_workers_address_worker_class_and_access_log(gunicorn_conf):
    conf = gunicorn_conf(
        WEB_CONCURRENCY="3",
        GUNICORN_BIND="0.0.0.0:8080, unix:/run/careersite.sock",
        GUNICORN_WORKER_CLASS="gthread",
        GUNICORN_ACCESS_LOG="-",
    )

    assert conf["workers"] == 3
    assert conf["bind"] == ["0.0.0.0:8080", "unix:/run/careersite.sock"]
    assert conf["worker_class"] == "gthread"
    assert conf["accesslog"] == "-"
