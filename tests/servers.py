"""Real servers a test may stop: a private PostgreSQL, a private Redis, and the app.

Tests that prove what readers get during an outage need servers they can stop and
start without touching anyone else's: the machine's shared PostgreSQL and Redis are
never stopped. This module starts private ones on free ports on 127.0.0.1, and the app
under gunicorn (deploy/gunicorn.conf.py) with production settings in front of them.

Use it as a pytest plugin from a test module (fixtures cannot simply be imported)::

    pytest_plugins = ["tests.servers"]

    def test_cached_pages_survive_a_database_outage(app_server, postgres_server):
        app_server.get("/")
        with postgres_server.stopped():
            assert app_server.get("/").status_code == 200

Fixtures, all session-scoped so the suite starts each server and migrates once:

``postgres_server`` -> ``PostgresServer``
    A cluster of its own (``initdb`` into a temporary folder, trust authentication,
    fsync off), run as the ``postgres`` user when the tests run as root.
    ``.port``; ``.url(database)`` a ``DATABASE_URL``; ``.stop()``, ``.start()``,
    ``.is_running()``; ``with .stopped():`` stops it and starts it again afterwards,
    also when the block fails; ``.create_database(name)``.

``redis_server`` -> ``RedisServer``
    ``redis-server`` with no persistence (``--save "" --appendonly no``).
    ``.port``; ``.url(db=0)``; ``.stop()``, ``.start()``, ``.is_running()``,
    ``with .stopped():``; ``.flush()`` empties it (the page cache, the link cache).

``app_server`` -> ``AppServer``
    gunicorn with ``careersite.settings.production``, a test ``SECRET_KEY``,
    ``ALLOWED_HOSTS=localhost,127.0.0.1``, ``SECURE_SSL_REDIRECT=false``, and
    ``DATABASE_URL``/``REDIS_URL`` naming the private servers; before it starts,
    ``migrate``, ``load_demo_content`` and ``collectstatic`` run once against them.
    ``.url``; ``.get(path, **kwargs)`` and ``.post(path, **kwargs)`` send one request
    with ``requests`` (``Host: localhost``, redirects not followed, a 10 s time-out;
    ``kwargs`` go to ``requests``, e.g. ``headers=``, ``data=``, ``session=`` a
    ``requests.Session`` to keep cookies); ``.manage(*args)`` runs a management
    command with the app's environment and returns its output; ``.env`` that
    environment; ``.database`` and ``.redis`` the servers behind it. Production
    cookies are ``Secure``, so ``requests`` keeps but never resends them over plain
    http: sign in through the Django test client instead.

Each fixture stops what it started, also when a test fails. Without the programs
(PostgreSQL's ``initdb``/``pg_ctl`` in ``/usr/lib/postgresql/*/bin``, ``redis-server``,
gunicorn) the tests that use them are skipped with one reason line, unless
``REQUIRE_REAL_SERVERS=1`` (set by CI), which turns the skip into a failure.
"""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

import pytest
import requests

PROJECT = Path(__file__).resolve().parents[1]
REQUIRED = os.environ.get("REQUIRE_REAL_SERVERS") == "1"
HOST = "localhost"
SECRET_KEY = "real-server-tests-only-not-secret"  # noqa: S105
STARTUP_SECONDS = 60
# One interpreter for both: Django's start-up is much of what each command costs.
MIGRATE_AND_LOAD_DEMO = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_demo_content", verbosity=0)
"""


def unavailable(reason):
    if REQUIRED:
        pytest.fail(f"real-server tests required but cannot run: {reason}", pytrace=False)
    pytest.skip(f"real-server tests skipped: {reason}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(condition, what, log=None, process=None, seconds=STARTUP_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.1)
    output = Path(log).read_text()[-3000:] if log and Path(log).exists() else ""
    raise RuntimeError(f"{what} did not come up:\n{output}")


def run(command, **kwargs):
    """Run a setup command; when it fails, say what it printed."""
    try:
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)
    except subprocess.CalledProcessError as error:
        raise RuntimeError(
            f"{' '.join(map(str, command))} failed:\n{error.stdout[-2000:]}{error.stderr[-3000:]}"
        ) from None


def terminate(process, sig=signal.SIGTERM):
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Stoppable:
    """``with server.stopped():`` — an outage that always ends, whatever the block does."""

    @contextlib.contextmanager
    def stopped(self):
        self.stop()
        try:
            yield self
        finally:
            self.start()


class PostgresServer(Stoppable):
    def __init__(self, bin_dir, workdir):
        self.bin_dir = Path(bin_dir)
        self.workdir = Path(workdir)
        self.data = self.workdir / "data"
        self.log = self.workdir / "postgres.log"
        self.port = free_port()
        # initdb and postgres refuse to run as root.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, program, *args):
        return run([*self.as_owner, str(self.bin_dir / program), *args])

    def initdb(self):
        if self.as_owner:
            owner = pwd.getpwnam("postgres")
            os.chown(self.workdir, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.workdir} "
            # Throw-away data: durability only slows the tests down.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self):
        # "fast": connected clients are cut off at once, as in a crash or a failover.
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def is_running(self):
        return port_is_open(self.port)

    def url(self, database="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)


class RedisServer(Stoppable):
    def __init__(self, program, workdir):
        self.program = program
        self.workdir = Path(workdir)
        self.log = self.workdir / "redis.log"
        self.port = free_port()
        self.process = None

    def start(self):
        command = [self.program, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        command += ["--logfile", str(self.log)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until(self.is_running, "redis-server", self.log, self.process)

    def stop(self):
        terminate(self.process)

    def is_running(self):
        return port_is_open(self.port)

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def flush(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            sock.recv(64)


class AppServer(Stoppable):
    def __init__(self, database, redis, workdir):
        self.database = database
        self.redis = redis
        self.workdir = Path(workdir)
        self.log = self.workdir / "gunicorn.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "careersite.settings.production",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "BASE_URL": "https://localhost",
            "EMAIL_URL": "dummy://",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database.url("careersite"),
            "REDIS_URL": redis.url(),
            "STATIC_ROOT": str(self.workdir / "staticfiles"),
            "MEDIA_ROOT": str(self.workdir / "media"),
            "CLICK_SPOOL_DIR": str(self.workdir / "click-spool"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            # Two cores are shared by the whole suite.
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "WARNING",
        }
        for name in (
            "CACHE_URL",
            "FRONTEND_CACHE_URL",
            "GUNICORN_CONTROL_SOCKET",
            "SENTRY_DSN",
            "ADMINS",
        ):
            self.env.pop(name, None)

    def manage(self, *args):
        return run([sys.executable, "manage.py", *args], cwd=PROJECT, env=self.env).stdout

    def prepare(self):
        # Needs no database, so it runs alongside the migrations.
        collectstatic = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=PROJECT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            self.database.create_database("careersite")
            run([sys.executable, "-c", MIGRATE_AND_LOAD_DEMO], cwd=PROJECT, env=self.env)
        finally:
            _, errors = collectstatic.communicate()
        if collectstatic.returncode:
            raise RuntimeError(f"collectstatic failed:\n{errors[-3000:]}")

    def start(self):
        command = [sys.executable, "-m", "gunicorn", "-c", str(PROJECT / "deploy/gunicorn.conf.py")]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(lambda: port_is_open(self.port), "gunicorn", self.log, self.process)

    def stop(self):
        # gunicorn's quick shutdown: waiting for idle workers to finish adds seconds.
        terminate(self.process, signal.SIGINT)

    def is_running(self):
        return self.process is not None and self.process.poll() is None

    def request(self, method, path, session=None, headers=None, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 10)
        return (session or requests).request(
            method, self.url + path, headers={"Host": HOST, **(headers or {})}, **kwargs
        )

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def log_tail(self, characters=3000):
        return self.log.read_text()[-characters:] if self.log.exists() else ""


def postgres_bin_dir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    bin_dir = postgres_bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        unavailable("no PostgreSQL initdb/pg_ctl (apt-get install postgresql)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no postgres user to run PostgreSQL as")
    # Not under pytest's temporary folder: that is private to the user running the tests,
    # and the postgres user must be able to reach its data folder.
    workdir = tempfile.mkdtemp(prefix="careersite-postgres-")
    server = PostgresServer(bin_dir, workdir)
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    program = shutil.which("redis-server")
    if program is None:
        unavailable("no redis-server (apt-get install redis-server)")
    server = RedisServer(program, tmp_path_factory.mktemp("redis"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def app_server(postgres_server, redis_server, tmp_path_factory):
    if find_spec("gunicorn") is None:
        unavailable("gunicorn is not installed (make test installs it)")
    server = AppServer(postgres_server, redis_server, tmp_path_factory.mktemp("app"))
    try:
        server.prepare()
        server.start()
        yield server
    finally:
        server.stop()
