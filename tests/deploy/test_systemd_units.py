"""The systemd units in deploy/systemd: what they run, as whom, and how they stop.

Each unit is read with a parser for systemd's own syntax (sections, repeated keys, ``\\``
continuations), so these tests hold on a machine without systemd; where
``systemd-analyze`` is installed, it verifies the files as systemd itself would.
"""

import os
import re
import runpy
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from careersite.settings import base as base_settings

PROJECT = Path(__file__).resolve().parents[2]
UNITS = PROJECT / "deploy" / "systemd"
INSTALLED_AT = "/srv/careersite"
DEPLOY_MANAGE = f"{INSTALLED_AT}/deploy/manage"
ENVIRONMENT_FILE = "/etc/careersite/careersite.env"
LONG_RUNNING = ["careersite-web.service", "careersite-jobs.service", "careersite-clicks.service"]

# What the app user's crontab ran (README, "Scheduled jobs") before these timers replaced it.
FORMER_CRON_JOBS = ["publish_scheduled", "prune_clicks", "check_link_health"]


def parse_unit(path):
    """{section: [(key, value), ...]} in file order, as systemd reads a unit file."""
    sections = {}
    current = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line[0] in "#;"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path.name}: {line!r} before any [Section]"
        key, separator, value = line.partition("=")
        assert separator, f"{path.name}: {line!r} is not Key=value"
        current.append((key.strip(), value.strip()))
    return sections


def values(unit, section, key):
    """Every value a key is given, as systemd keeps them: an empty one clears those before."""
    found = []
    for name, assigned in unit.get(section, []):
        if name == key:
            found = [*found, assigned] if assigned else []
    return found


def value(unit, section, key):
    found = values(unit, section, key)
    return found[-1] if found else None


def seconds(timespan):
    """A systemd time span such as ``45s``, ``5min`` or ``30``, in seconds."""
    units = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}
    return sum(
        float(number) * units[suffix]
        for number, suffix in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", timespan)
    )


def exec_argv(command_line):
    """An Exec*= line as the process receives it: without its prefixes, ``$$`` as ``$``."""
    return [word.replace("$$", "$") for word in shlex.split(command_line.lstrip("-@:+!"))]


def unit_files(suffix):
    return sorted(UNITS.glob(f"*.{suffix}"))


SERVICES = unit_files("service")
TIMERS = unit_files("timer")
ALL_UNITS = SERVICES + TIMERS


def started_by_timer(service_path):
    return (UNITS / f"{service_path.stem}.timer").exists()


def manage_command(service):
    """(command, arguments) a service runs through deploy/manage, or None."""
    argv = exec_argv(value(service, "Service", "ExecStart"))
    if argv[0] != DEPLOY_MANAGE:
        return None
    return argv[1], argv[2:]


def test_the_units_are_there_to_install():
    assert [name for name in LONG_RUNNING if not (UNITS / name).is_file()] == []
    assert TIMERS, "no scheduled jobs in deploy/systemd"


@pytest.mark.parametrize("path", ALL_UNITS, ids=lambda path: path.name)
def test_every_unit_parses_with_a_description_and_known_sections(path):
    unit = parse_unit(path)
    kind = "Service" if path.suffix == ".service" else "Timer"

    assert set(unit) <= {"Unit", kind, "Install"}
    assert kind in unit
    assert value(unit, "Unit", "Description")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verifies_every_unit():
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(path.name for path in ALL_UNITS)],
        cwd=UNITS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Here the project is not at /srv/careersite, so systemd cannot find the programs
    # there; the next test checks that each one is where the project keeps it.
    not_installed_here = re.compile(
        rf"^\S+: Command {re.escape(INSTALLED_AT)}/\S+ is not executable: No such file"
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and not not_installed_here.match(line)
    ]

    assert problems == []


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.name)
def test_every_program_a_service_runs_is_in_the_project(path):
    service = parse_unit(path)
    for key in ("ExecStart", "ExecStop"):
        for command_line in values(service, "Service", key):
            program = exec_argv(command_line)[0]
            if program.startswith(f"{INSTALLED_AT}/"):
                in_project = PROJECT / program.removeprefix(f"{INSTALLED_AT}/")
                assert in_project.is_file(), f"{key}: {program}"
                assert os.access(in_project, os.X_OK), f"{key}: {program} is not executable"
            else:
                assert Path(program).is_absolute(), f"{key}: {program}"


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.name)
def test_every_service_runs_as_the_app_user_with_the_environment_file(path):
    service = parse_unit(path)

    assert value(service, "Service", "User") == "careersite"
    assert value(service, "Service", "Group") == "careersite"
    assert value(service, "Service", "WorkingDirectory") == INSTALLED_AT
    # Without a "-" prefix: a missing file stops the start rather than running on defaults.
    assert values(service, "Service", "EnvironmentFile") == [ENVIRONMENT_FILE]


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.name)
def test_every_service_is_confined_to_the_folders_it_writes(path):
    service = parse_unit(path)

    assert value(service, "Service", "NoNewPrivileges") == "yes"
    assert value(service, "Service", "ProtectSystem") == "strict"
    assert value(service, "Service", "PrivateTmp") == "yes"
    # An empty bounding set: no capability at all, even for a setuid program.
    assert ("CapabilityBoundingSet", "") in service["Service"]
    assert values(service, "Service", "CapabilityBoundingSet") == []
    writable = " ".join(values(service, "Service", "ReadWritePaths")).split()
    # Uploads (MEDIA_ROOT) and the click spool (CLICK_SPOOL_DIR) at their defaults.
    assert {"-/srv/careersite/media", "-/srv/careersite/var"} <= set(writable)


@pytest.mark.parametrize(
    "path",
    [path for path in SERVICES if manage_command(parse_unit(path))],
    ids=lambda path: path.name,
)
def test_every_manage_py_command_a_service_runs_exists_and_takes_its_options(path, settings):
    command, arguments = manage_command(parse_unit(path))
    # The job worker's options are checked against the queue production uses.
    settings.TASKS = base_settings.TASKS

    assert command in get_commands(), f"manage.py has no {command} command"
    parser = load_command_class(get_commands()[command], command).create_parser(
        "manage.py", command
    )
    try:
        parser.parse_args(arguments)
    except CommandError as error:
        pytest.fail(f"{path.name}: manage.py {command} {shlex.join(arguments)}: {error}")


def test_the_link_health_digest_is_sent_by_a_timer():
    named = {command for command, _ in filter(None, map(manage_command, map(parse_unit, SERVICES)))}

    assert "send_link_health_digest" in named


def test_the_web_service_runs_gunicorn_with_the_deploy_config_and_outlasts_its_grace():
    web = parse_unit(UNITS / "careersite-web.service")
    argv = exec_argv(value(web, "Service", "ExecStart"))
    config = runpy.run_path(str(PROJECT / "deploy" / "gunicorn.conf.py"))

    assert argv == [
        f"{INSTALLED_AT}/.venv/bin/gunicorn",
        "-c",
        f"{INSTALLED_AT}/deploy/gunicorn.conf.py",
    ]
    # Only the master gets SIGTERM, and systemd waits longer than the master waits for
    # its workers' last requests, so a restart cuts no request off.
    assert value(web, "Service", "KillMode") == "mixed"
    assert seconds(value(web, "Service", "TimeoutStopSec")) > config["graceful_timeout"]


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_the_long_running_services_restart_on_failure_and_start_at_boot(name):
    service = parse_unit(UNITS / name)

    assert value(service, "Service", "Restart") in {"always", "on-failure"}
    assert value(service, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("path", TIMERS, ids=lambda path: path.name)
def test_every_timer_starts_a_one_shot_service_and_catches_up_after_downtime(path):
    timer = parse_unit(path)
    service_name = value(timer, "Timer", "Unit") or f"{path.stem}.service"
    service = parse_unit(UNITS / service_name) if (UNITS / service_name).exists() else None

    assert service is not None, f"{path.name} starts {service_name}, which is not there"
    assert value(service, "Service", "Type") == "oneshot"
    # The timer starts it; enabling the service on its own would run it once at boot.
    assert "Install" not in service
    assert values(timer, "Timer", "OnCalendar")
    assert value(timer, "Timer", "Persistent") == "true"
    assert value(timer, "Install", "WantedBy") == "timers.target"


def cron_blocks_commands():
    """manage.py commands in the cron blocks the README and docs still show."""
    documents = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
    return {
        line.split("deploy/manage", 1)[1].split()[0]
        for document in documents
        for block in re.findall(r"^```cron\n(.*?)^```", document.read_text(), re.M | re.S)
        for line in block.splitlines()
        if "deploy/manage" in line and not line.lstrip().startswith("#")
    }


def test_every_job_cron_ran_or_the_docs_show_in_cron_has_a_timer():
    timed = {
        manage_command(parse_unit(path))[0]
        for path in SERVICES
        if started_by_timer(path) and manage_command(parse_unit(path))
    }

    assert {*FORMER_CRON_JOBS, *cron_blocks_commands()} - timed == set()


def test_the_deployment_guide_names_every_unit():
    guide = (PROJECT / "docs" / "deployment.md").read_text()

    assert [path.name for path in ALL_UNITS if path.name not in guide] == []


# --- Stopping the job worker, with the unit's own stop sequence and a real db_worker ---


@task()
def sleeping_job(marker_folder, seconds):
    """A job that takes a while, leaving a file when it starts and one when it is done."""
    Path(marker_folder, "started").touch()
    time.sleep(seconds)
    Path(marker_folder, "finished").touch()


@pytest.fixture(scope="module")
def migrated_queue(tmp_path_factory):
    """An empty job queue database, made once for the tests that copy it.

    Only the queue's table, made from the model: the queue needs no other, and so the
    tests do not wait on the whole project's migrations.
    """
    path = tmp_path_factory.mktemp("queue") / "queue.sqlite3"
    make_table = (
        "from django.db import connection\n"
        "from django_tasks_db.models import DBTaskResult\n"
        "with connection.schema_editor() as editor:\n"
        "    editor.create_model(DBTaskResult)\n"
    )
    manage(["shell", "--no-imports", "-c", make_table], worker_environment(path))
    return path


@pytest.fixture
def job_queue(tmp_path, migrated_queue):
    """A job queue of its own, shared by the test and the processes it starts."""
    shutil.copyfile(migrated_queue, tmp_path / "queue.sqlite3")
    return tmp_path, worker_environment(tmp_path / "queue.sqlite3")


def worker_environment(database):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careersite.settings.dev",
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "false",
    }
    # Set for the browser tests' run only; a deployment never sets it.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environment


def manage(arguments, environment):
    result = subprocess.run(
        [sys.executable, str(PROJECT / "manage.py"), *arguments],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def start_worker_with_a_job(job_queue, job_seconds):
    """The unit's db_worker command, busy with a job that takes ``job_seconds``."""
    folder, environment = job_queue
    manage(
        [
            "shell",
            "--no-imports",
            "-c",
            "from tests.deploy.test_systemd_units import sleeping_job; "
            f"sleeping_job.enqueue({str(folder)!r}, {job_seconds})",
        ],
        environment,
    )
    command, arguments = manage_command(parse_unit(UNITS / "careersite-jobs.service"))
    log = folder / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(  # noqa: S603 - the unit's own command line
            [sys.executable, str(PROJECT / "manage.py"), command, *arguments],
            cwd=PROJECT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    # systemd reaps its services at once; left a zombie, the worker would still answer
    # ExecStop's "kill -0" after it had exited.
    threading.Thread(target=worker.wait, daemon=True).start()
    deadline = time.monotonic() + 120
    while not (folder / "started").exists():
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"the worker never started the job: {log.read_text()}"
        time.sleep(0.1)
    return worker


def run_exec_stop(worker, timeout):
    """The unit's ExecStop=, as systemd runs it: $MAINPID set, killed at ``timeout``.

    True if it returned (the worker had stopped), False if it ran out of time.
    """
    (command_line,) = values(parse_unit(UNITS / "careersite-jobs.service"), "Service", "ExecStop")
    try:
        subprocess.run(  # noqa: S603 - the unit's own command line
            exec_argv(command_line),
            env={**os.environ, "MAINPID": str(worker.pid)},
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return False
    return True


def job_statuses(job_queue):
    folder, _ = job_queue
    with sqlite3.connect(folder / "queue.sqlite3") as database:
        table = DBTaskResult._meta.db_table
        return database.execute(f"SELECT status FROM {table}").fetchall()  # noqa: S608


def test_stopping_the_job_worker_lets_the_job_in_hand_finish(job_queue):
    worker = start_worker_with_a_job(job_queue, job_seconds=3)

    stopped = run_exec_stop(worker, timeout=60)

    # ExecStop= returned only once the job was done, so systemd's own SIGTERM, which
    # follows it, finds nothing left to interrupt.
    assert stopped
    assert (job_queue[0] / "finished").exists()
    assert worker.wait(timeout=10) == 0
    assert job_statuses(job_queue) == [("SUCCESSFUL",)]


def test_a_job_outlasting_the_stop_timeout_is_recorded_as_failed_not_left_running(job_queue):
    worker = start_worker_with_a_job(job_queue, job_seconds=600)
    kill_signal = value(parse_unit(UNITS / "careersite-jobs.service"), "Service", "KillSignal")

    stopped = run_exec_stop(worker, timeout=3)
    # What systemd sends once ExecStop= has had TimeoutStopSec.
    worker.send_signal(getattr(signal, kill_signal))

    assert not stopped
    worker.wait(timeout=60)
    assert not (job_queue[0] / "finished").exists()
    assert job_statuses(job_queue) == [("FAILED",)]
