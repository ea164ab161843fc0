"""`make run` serves the site with the job worker beside it, and stops both together.

Runs the real recipe in the project (install is a no-op on an installed tree), against a
database and media folder of the test's own, on a free port.
"""

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
#: Migrating a new database and loading the demo content come first (once per module).
STARTUP_SECONDS = 300


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_in_group(group):
    """{pid: command line} of the live processes in process group ``group``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # The fields after the command name (which may hold spaces) are: state, ppid, pgrp.
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state != "Z":
            found[int(entry.name)] = command
    return found


def workers_and_servers(group):
    return {
        pid: command
        for pid, command in processes_in_group(group).items()
        if "manage.py db_worker" in command or "manage.py runserver" in command
    }


def wait_for(condition, what, process, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"make run stopped before {what}")
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def answers(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def developer_environment(database, media):
    env = {
        key: value
        for key, value in os.environ.items()
        # The test run's own settings (immediate jobs) are not the developer's.
        if key not in ("DJANGO_SETTINGS_MODULE", "CACHE_URL", "REDIS_URL")
    }
    return env | {"DATABASE_URL": f"sqlite:///{database}", "MEDIA_ROOT": str(media)}


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    """Migrated once for the module: `make run` migrates again, with nothing left to do."""
    folder = tmp_path_factory.mktemp("make-run")
    database = folder / "db.sqlite3"
    subprocess.run(
        [shutil.which("make"), "--no-print-directory", "demo"],
        cwd=ROOT,
        env=developer_environment(database, folder / "media"),
        check=True,
        capture_output=True,
        timeout=STARTUP_SECONDS,
    )
    return database


@pytest.fixture
def make_run(tmp_path, migrated_database):
    """``make run`` in a process group of its own, as a terminal would run it."""
    port = free_port()
    shutil.copy(migrated_database, tmp_path / "db.sqlite3")
    # The demo's pictures, as `make demo` left them beside the database.
    shutil.copytree(migrated_database.parent / "media", tmp_path / "media")
    env = developer_environment(tmp_path / "db.sqlite3", tmp_path / "media")
    env |= {"HOST": "127.0.0.1", "PORT": str(port)}
    log = (tmp_path / "make-run.log").open("w")
    process = subprocess.Popen(
        [shutil.which("make"), "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.url = f"http://127.0.0.1:{port}/"
    process.log = tmp_path / "make-run.log"
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for pid in workers_and_servers(process.pid):
            os.kill(pid, signal.SIGKILL)
        log.close()


@pytest.mark.parametrize(
    ("how", "stop"),
    [
        ("ctrl-c", lambda make: os.killpg(make.pid, signal.SIGINT)),
        ("kill make", lambda make: make.terminate()),
    ],
)
def test_make_run_starts_the_job_worker_beside_the_server_and_stops_it_with_it(make_run, how, stop):
    wait_for(lambda: answers(make_run.url), "the site to answer", make_run, STARTUP_SECONDS)
    running = workers_and_servers(make_run.pid)
    assert any("manage.py db_worker" in command for command in running.values()), running
    assert any("manage.py runserver" in command for command in running.values()), running

    stop(make_run)

    stop_and_wait(make_run)
    deadline = time.monotonic() + 30
    while workers_and_servers(make_run.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers_and_servers(make_run.pid) == {}, make_run.log.read_text()[-3000:]
    assert not answers(make_run.url)


def stop_and_wait(make_run, seconds=60):
    try:
        make_run.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        left = processes_in_group(make_run.pid)
        pytest.fail(f"make run still running: {left}\n{make_run.log.read_text()[-3000:]}")


def stop_the_server(make_run):
    # The server is uv and Django's runserver under it (the reloader and its child), not
    # the recipe's shell, whose command line names both commands. It dies as a crashed
    # or killed server does, all at once: sent SIGTERM, Django's reloader has now and
    # then been left running in CI after its child went, so the server never stopped
    # and what these tests check (the recipe stopping the worker) was never reached.
    servers = [
        pid
        for pid, command in workers_and_servers(make_run.pid).items()
        if "manage.py runserver" in command and not command.startswith(("/bin/bash", "bash"))
    ]
    assert servers
    for pid in servers:
        with contextlib.suppress(ProcessLookupError):  # the reloader's child may go first
            os.kill(pid, signal.SIGKILL)


def task_is_running(database, task_path):
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult"
            " WHERE task_path = ? AND status = 'RUNNING'",
            [task_path],
        ).fetchone()[0]


def test_the_worker_stops_when_the_server_does(make_run):
    wait_for(lambda: answers(make_run.url), "the site to answer", make_run, STARTUP_SECONDS)
    stop_the_server(make_run)

    stop_and_wait(make_run)
    deadline = time.monotonic() + 30
    while workers_and_servers(make_run.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers_and_servers(make_run.pid) == {}


def test_a_worker_busy_with_a_long_task_still_stops_with_the_server(make_run):
    wait_for(lambda: answers(make_run.url), "the site to answer", make_run, STARTUP_SECONDS)
    database = make_run.log.parent / "db.sqlite3"
    # The worker takes one signal as "finish the task in hand", and this one takes minutes.
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from tests.deploy import slow_task; slow_task.take_five_minutes.enqueue()",
        ],
        cwd=ROOT,
        env=developer_environment(database, make_run.log.parent / "media"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    wait_for(
        lambda: task_is_running(database, "tests.deploy.slow_task.take_five_minutes"),
        "the worker to start the long task",
        make_run,
        120,
    )

    stop_the_server(make_run)

    stop_and_wait(make_run)
    assert workers_and_servers(make_run.pid) == {}
