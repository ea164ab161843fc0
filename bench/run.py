"""Benchmark careersite under production settings and write docs/performance.md.

    make bench                      # or: uv run python bench/run.py --help

One command on a fresh clone (as root, on Debian): installs wrk, nginx and Varnish
from Debian if missing, starts PostgreSQL and Redis if they are not running,
recreates the ``careersite_bench`` database, migrates, loads the demo content,
collects static files, then measures with wrk (16 connections, 2 threads, 10 s
after a 3 s warm-up) against gunicorn (deploy/gunicorn.conf.py) on 127.0.0.1:

- careersite: the guide page with the app's page cache off (PAGE_CACHE_SECONDS=0)
  and on, the home page, the affiliate redirect (/go/<slug>/, not followed) for a
  link whose tracking template uses page placeholders and for one without, and a
  direct link's ping, with the click worker (manage.py process_clicks) running;
- baselines: a bare Django view rendering a 10 KB template and one inserting a
  row into PostgreSQL and redirecting (bench/baseline/), and nginx serving a
  saved copy of the guide page;
- the guide page through Varnish (deploy/varnish/default.vcl) in front of gunicorn,
  measured in alternating rounds with nginx, both running, so that drift in the
  machine's speed does not decide their ratio;
- the same app pages under the other gunicorn worker class, to compare.

Everything it starts it stops again, also when interrupted. Only 127.0.0.1 is used.
"""

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import re
import runpy
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

PROJECT = Path(__file__).resolve().parents[1]
BENCH = PROJECT / "bench"
GUNICORN_CONF = PROJECT / "deploy" / "gunicorn.conf.py"
VCL = PROJECT / "deploy" / "varnish" / "default.vcl"
REPORT = PROJECT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

GUIDE = "/preparing-for-a-job-interview/follow-up-interview-tips/"
# CoachPoint's link: its tracking template uses page placeholders ({page_slug},
# {section_slug}); the guide's signed ``from`` is added once the demo is loaded.
GO = "/go/interview-coaching/"
# A link of the bench's own whose partner has no tracking template: the demo's pass
# their click id to the network, so none is plain.
PLAIN_SLUG = "bench-plain-redirect"
GO_PLAIN = f"/go/{PLAIN_SLUG}/"
PING = "/go/thank-you-cards/ping/"  # PaperTrail's direct link, counted by its ping
DATABASE = "careersite_bench"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/15"
HOST = "localhost"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
DEBIAN_PACKAGES = {"wrk": "wrk", "nginx": "nginx", "varnishd": "varnish"}

# Targets from the "Speed" issue: (row, baseline row, minimum ratio).
RATIO_TARGETS = [
    ("/go/ redirect, page placeholders", "bare insert + redirect", 0.9),
    ("/go/ redirect, no placeholders", "bare insert + redirect", 0.9),
    ("ping", "bare insert + redirect", 0.9),
    ("guide, page cache on", "bare 10 KB template", 1.5),
    ("guide, page cache off", "bare 10 KB template", 0.25),
    ("guide via Varnish", "nginx static guide", 0.5),
]
# Targets for pages at scale, by CPU time (req/s on two shared cores is too noisy for a
# ratio this tight): (row, baseline row, at most this many times the baseline's CPU).
CPU_CEILINGS = [
    ("guide, page cache off", "bare 10 KB template", 40),
    ("guide, page cache on", "bare 10 KB template", 1.0),
]
# (row, baseline row, at least this fraction of the baseline's req/s).
SCALE_RATIO_TARGETS = [("guide via Varnish", "nginx static guide", 0.9)]
SCALE_QUERY_TARGET = 6
# Probes of the uncached guide and the bare template, alternately (quickest kept).
CPU_PROBE_ROUNDS = 3
# Alternating rounds of nginx static and Varnish (front_cache_rounds); odd, for a median.
FRONT_CACHE_ROUNDS = 3
BASELINES = {"bare 10 KB template", "bare insert + redirect", "nginx static guide"}
P99_TARGET_MS = 50
QUERY_TARGET = 12
HTML_TARGET_BYTES = 25 * 1024


def log(message):
    print(f"bench: {message}", flush=True)


def run(command, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run(command, **kwargs)  # noqa: S603 - our own fixed commands


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            request = urllib.request.Request(url, headers={"Host": HOST})  # noqa: S310
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310 - 127.0.0.1 only
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


# --- setup -------------------------------------------------------------------------------


def ensure_debian_packages():
    missing = [package for tool, package in DEBIAN_PACKAGES.items() if not find_tool(tool)]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"bench: needs {' '.join(missing)}; run as root or: apt-get install {missing}")
    log(f"installing {' '.join(missing)} from Debian")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", *missing], env=env, stdout=subprocess.DEVNULL)


def find_tool(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")


class Services:
    """PostgreSQL and Redis: used if running, else started here and stopped at the end."""

    def __init__(self, stack):
        self.stack = stack

    def ensure(self):
        if run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode:
            version = sorted(os.listdir("/etc/postgresql"))[0]
            log(f"starting PostgreSQL {version}")
            command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
            run([*command, "start"])
            self.stack.callback(run, [*command, "stop"], check=False)
            for _ in range(30):
                if not run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode:
                    break
                time.sleep(1)
        if run(
            ["redis-cli", "-h", "127.0.0.1", "ping"], check=False, capture_output=True
        ).returncode:
            log("starting Redis")
            run(
                ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379"]
                + ["--save", "", "--appendonly", "no"]
            )
            self.stack.callback(
                run, ["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], check=False
            )
            for _ in range(30):
                if not run(["redis-cli", "ping"], check=False, capture_output=True).returncode:
                    break
                time.sleep(0.5)
        run(["redis-cli", "-h", "127.0.0.1", "-n", "15", "flushdb"], stdout=subprocess.DEVNULL)


def recreate_database():
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def app_env(workdir, **extra):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careersite.settings.production",
        "SECRET_KEY": "benchmark-only-not-secret",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "BASE_URL": "https://localhost",
        "EMAIL_URL": "dummy://",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
        "REDIS_URL": REDIS,
        "STATIC_ROOT": str(workdir / "staticfiles"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def baseline_env():
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "baseline.settings",
        "PYTHONPATH": str(BENCH),
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
    }


def prepare(workdir):
    env = app_env(workdir)
    manage = [sys.executable, "manage.py"]
    log("migrating, loading demo content, collecting static files")
    quiet = {"cwd": PROJECT, "env": env, "stdout": subprocess.DEVNULL}
    run([*manage, "migrate", "--no-input", "-v0"], **quiet)
    run([*manage, "load_demo_content"], **quiet)
    plain_link = (
        "from affiliates.models import AffiliateLink, Partner; "
        "partner, _ = Partner.objects.get_or_create(name='Bench (no tracking template)'); "
        f"AffiliateLink.objects.get_or_create(slug='{PLAIN_SLUG}', defaults=dict("
        "name='Bench plain redirect', destination_url='https://www.example.com/plain', "
        "partner=partner))"
    )
    run([*manage, "shell", "--no-imports", "-c", plain_link], **quiet)
    run([*manage, "collectstatic", "--no-input", "-v0"], **quiet)
    run(
        [sys.executable, "-m", "django", "migrate", "--run-syncdb", "-v0"],
        env=baseline_env(),
        cwd=BENCH,
    )


PROBE = """
import json, sys, time
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="localhost", HTTP_USER_AGENT=sys.argv[1])
result = {}
for path in sys.argv[2:]:
    if path.startswith("POST "):  # a ping, as Chromium sends it from one of our pages
        def fetch(url=path[5:]):
            return client.post(
                url, data="PING", content_type="text/ping", HTTP_SEC_FETCH_SITE="same-origin"
            )
    else:
        def fetch(url=path):
            return client.get(url, HTTP_SEC_FETCH_MODE="navigate")
    for _ in range(5):  # fill per-process caches (and the page cache, when it is on)
        fetch()
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    queries = len(captured)  # now: later requests empty the connection's query log
    batches = []  # the quickest of several batches: the least disturbed by other work
    for _ in range(5):
        started = time.process_time()
        for _ in range(20):
            fetch()
        batches.append((time.process_time() - started) / 20 * 1000)
    result[path] = {
        "status": response.status_code,
        "queries": queries,
        "bytes": len(response.content),
        "cpu_ms": min(batches),
    }
print(json.dumps(result))
"""


def probe(env, paths, cwd=PROJECT):
    """Per path, through Django's test client in one process: queries, HTML bytes and the
    Python CPU time of one request (the database's and Redis's own work not included),
    which other work on the machine disturbs much less than req/s."""
    output = run(
        [sys.executable, "-c", PROBE, USER_AGENT, *paths],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- servers -----------------------------------------------------------------------------


@contextlib.contextmanager
def server(command, url, workdir, name, **kwargs):
    """Run a server process until the block ends; its output goes to workdir/name.log."""
    log_file = (workdir / f"{name}.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own fixed commands
        command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
    )
    try:
        wait_for_http(url, process)
        yield process
    except Exception:
        log_file.flush()
        print((workdir / f"{name}.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log_file.close()


def gunicorn(workdir, port, name, env, app=None, worker_class=None):
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)]
    if app:
        command.append(app)
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if worker_class:
        env["GUNICORN_WORKER_CLASS"] = worker_class
    cwd = BENCH if app else PROJECT
    probe = f"http://127.0.0.1:{port}/page/" if app else f"http://127.0.0.1:{port}/"
    return server(command, probe, workdir, name, env=env, cwd=cwd)


class ClickWorker:
    """``manage.py process_clicks`` beside the app, as in production: how much CPU it
    spends per click, and that it keeps up (the queue is empty once wrk stops)."""

    def __init__(self, process, env):
        self.process, self.env = process, env
        self.start_cpu, self.start_written = self.cpu_seconds(), self.written()

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def written(self):
        with psycopg.connect(self.env["DATABASE_URL"]) as connection:
            return connection.execute("SELECT COUNT(*) FROM affiliates_click").fetchone()[0]

    def drain(self, seconds=120):
        client = redis.Redis.from_url(self.env["REDIS_URL"])
        deadline = time.monotonic() + seconds
        while client.llen("careersite:clicks:queue") and time.monotonic() < deadline:
            time.sleep(0.5)
        left = client.llen("careersite:clicks:queue")
        log(f"click queue drained: {left} left")

    def cpu_ms_per_click(self):
        clicks = self.written() - self.start_written
        return (self.cpu_seconds() - self.start_cpu) * 1000 / clicks if clicks else None


@contextlib.contextmanager
def click_worker(workdir, env, name):
    log_file = (workdir / f"{name}.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own fixed command
        [sys.executable, "manage.py", "process_clicks", "--name", name],
        cwd=PROJECT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        time.sleep(2)
        if process.poll() is not None:
            raise RuntimeError((workdir / f"{name}.log").read_text()[-3000:])
        yield ClickWorker(process, env)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


def signed_from(workdir, page_slug, link_slug):
    """The ``from`` value the guide writes on its link to ``link_slug``."""
    code = (
        "from affiliates.links.destinations import from_value; from wagtail.models import Page; "
        f"print(from_value(Page.objects.get(slug='{page_slug}').pk, '{link_slug}'))"
    )
    return (
        run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=PROJECT,
            env=app_env(workdir),
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )


def varnish(workdir, port, backend_port):
    vcl = re.sub(r'\.port = "\d+";', f'.port = "{backend_port}";', VCL.read_text(), count=1)
    (workdir / "bench.vcl").write_text(vcl)
    command = [find_tool("varnishd"), "-F", "-j", "none", "-n", str(workdir / "varnish")]
    command += ["-a", f"127.0.0.1:{port}", "-T", "none", "-f", str(workdir / "bench.vcl")]
    command += ["-s", "malloc,256m"]
    return server(command, f"http://127.0.0.1:{port}/", workdir, "varnish")


def nginx(workdir, port, html):
    site = workdir / "static-site"
    page = site / GUIDE.strip("/")
    page.mkdir(parents=True)
    (page / "index.html").write_bytes(html)
    for path in [workdir, *site.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    temp = workdir / "nginx-temp"
    temp.mkdir()
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""
worker_processes auto;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type text/html;
    keepalive_requests 1000000;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {site};
        index index.html;
    }}
}}
"""
    )
    command = [find_tool("nginx"), "-c", str(conf), "-p", str(workdir)]
    return server(command, f"http://127.0.0.1:{port}/", workdir, "nginx")


# --- wrk ---------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    url: str
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int
    note: str = ""
    cpu_us: float | None = None  # the server's own CPU per request, when measured


def to_ms(value):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


PING_SCRIPT = """
wrk.method = "POST"
wrk.body = "PING"
wrk.headers["Content-Type"] = "text/ping"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["Sec-Fetch-Mode"] = "no-cors"
"""


def group_cpu_seconds(group):
    """User and system CPU time of every live process in a process group."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(name, url, args, note="", script=None, server_group=None):
    """One row. With ``server_group`` (a server's process group), also the CPU the server
    spent per request during the measured seconds."""
    # A generous timeout, so slow responses count in the latencies instead of vanishing.
    base = [find_tool("wrk"), f"-t{args.threads}", f"-c{args.connections}", "--timeout", "10s"]
    base += ["-H", f"Host: {HOST}", "-H", f"User-Agent: {USER_AGENT}"]
    if script:
        base += ["-s", str(script)]
    run([*base, f"-d{args.warmup}s", url], stdout=subprocess.DEVNULL)
    cpu_before = group_cpu_seconds(server_group) if server_group else 0
    output = run(
        [*base, f"-d{args.duration}s", "--latency", url], capture_output=True, text=True
    ).stdout
    cpu = group_cpu_seconds(server_group) - cpu_before if server_group else None
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    result = Result(name, url, rps, p50, p99, int(bad.group(1)) if bad else 0, note)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    if cpu is not None and requests:
        result.cpu_us = cpu / requests * 1_000_000
    if errors:
        result.note = f"{note} socket errors: {errors.group(1)}".strip()
    log(f"{name:28} {rps:9.0f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
    return result


def check_response(url, expect_status, expect_header=None, method="GET", headers=None):
    headers = {"Host": HOST, "User-Agent": USER_AGENT, **(headers or {})}
    request = urllib.request.Request(url, headers=headers, method=method)  # noqa: S310

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    status, headers = response.status, response.headers
    body = response.read()
    if status != expect_status:
        raise RuntimeError(f"{url} answered {status}, expected {expect_status}")
    if expect_header:
        name, value = expect_header
        if headers.get(name) != value:
            raise RuntimeError(f"{url}: {name} is {headers.get(name)!r}, expected {value!r}")
    return body


# --- report ------------------------------------------------------------------------------


def tool_version(command, pattern):
    """The first match of ``pattern`` (its first group if it has one) in a version banner."""
    try:
        done = run(command, capture_output=True, text=True, check=False)
    except (OSError, TypeError):
        return "?"
    match = re.search(pattern, done.stdout + done.stderr)
    return (match.group(match.lastindex or 0)) if match else "?"


def machine():
    import django
    import gunicorn as gunicorn_package
    import wagtail

    cpuinfo = Path("/proc/cpuinfo").read_text()
    cpu = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    debian = Path("/etc/debian_version")
    postgres = "?"
    with contextlib.suppress(psycopg.Error), psycopg.connect(f"{POSTGRES}/postgres") as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    redis = tool_version(["redis-server", "--version"], r"v=([\d.]+)")
    nginx_version = tool_version([find_tool("nginx"), "-v"], r"nginx/([\d.]+)")
    varnish_version = tool_version([find_tool("varnishd"), "-V"], r"varnish-([\d.]+)")
    wrk_version = tool_version([find_tool("wrk"), "-v"], r"wrk (?:debian/)?([\w.+~-]+)")
    return {
        "CPU": f"{cpu.group(1) if cpu else '?'}; nproc {len(os.sched_getaffinity(0))}",
        "Memory": f"{kib / 1024 / 1024:.1f} GiB",
        "OS": f"Debian {debian.read_text().strip() if debian.exists() else '?'}, "
        f"Linux {platform.release()}",
        "Python / Django / Wagtail / gunicorn": f"{platform.python_version()} / "
        f"{django.__version__} / {wagtail.__version__} / {gunicorn_package.__version__}",
        "PostgreSQL / Redis": f"{postgres} / {redis}",
        "nginx / Varnish / wrk": f"{nginx_version} / {varnish_version} / {wrk_version}",
    }


def floor2(ratio):
    """A ratio to two decimals, rounded down: 0.897 is 0.89, never a "0.90" marked unmet
    against a 0.9 target."""
    return f"{math.floor(round(ratio * 100, 6)) / 100:.2f}"


def render_report(
    results, probe, cpu_ms, args, worker_class, other_class, other, started, elapsed, load
):
    by_name = {result.name: result for result in results}
    front_cache = getattr(args, "front_cache", None)

    def ratio(name, baseline):
        if front_cache and (name, baseline) == ("guide via Varnish", "nginx static guide"):
            return front_cache["ratio"]
        return by_name[name].rps / by_name[baseline].rps

    lines = [
        BEGIN,
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `make bench` in {elapsed:.0f} s: wrk, "
        f"{args.connections} connections, {args.threads} threads, {args.duration} s per row "
        f"after a {args.warmup} s warm-up; gunicorn `{worker_class}` workers "
        "(deploy/gunicorn.conf.py defaults); PostgreSQL and Redis on the same machine; wrk "
        "runs on the same cores as the servers it measures. Load average (1 min) just "
        f"before: {load:.2f}, after: {os.getloadavg()[0]:.2f}"
        f"{' (other work was running: req/s are low)' if load > 0.5 else ''}.",
        "",
        "| What | req/s | p50 ms | p99 ms | CPU ms/request | Notes |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        note = result.note + (f" {result.bad} non-2xx/3xx!" if result.bad else "")
        cpu = f"{cpu_ms[result.name]:.2f}" if result.name in cpu_ms else ""
        lines.append(
            f"| {result.name} | {result.rps:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} "
            f"| {cpu} | {note.strip()} |"
        )
    lines += [
        "",
        "CPU ms/request: Python CPU time of one request in one process through Django's test "
        "client, the quickest of five batches of 20 (for the guide with the page cache off "
        f"and on and the bare template, of {CPU_PROBE_ROUNDS} such probes run alternately; "
        "PostgreSQL's and "
        "Redis's own work not included). Other work on the machine disturbs it far less "
        "than req/s, so its ratios are the steadier comparison.",
        "",
        "The click worker wrote the queued clicks meanwhile, at "
        + (
            f"{args.worker_cpu_ms:.2f} ms of CPU per click"
            if getattr(args, "worker_cpu_ms", None)
            else "an unmeasured CPU cost"
        )
        + " (its whole process, batches of up to 500 in one transaction each); the "
        "bare baseline does its insert inside the request.",
        "",
    ]
    if front_cache:
        cpu_us = front_cache["cpu_us"]
        lines += [
            f"nginx static and Varnish ran side by side and were measured in "
            f"{len(front_cache['ratios'])} alternating rounds; each row is its median round, "
            "and their ratio is the median of the rounds' ratios ("
            + ", ".join(f"{value:.2f}" for value in front_cache["ratios"])
            + "). The servers' own CPU per request (all their processes): Varnish "
            f"{cpu_us['guide via Varnish']:.1f} µs, nginx {cpu_us['nginx static guide']:.1f} µs.",
            "",
        ]
    lines += [
        "| Target | Measured (req/s) | Measured (CPU time) | Met? |",
        "| --- | --- | --- | --- |",
    ]
    for name, baseline, minimum in RATIO_TARGETS:
        if name in by_name and baseline in by_name:
            measured = ratio(name, baseline)
            by_cpu = ""
            if name in cpu_ms and baseline in cpu_ms:
                by_cpu = f"{cpu_ms[baseline] / cpu_ms[name]:.2f}×"
            elif by_name[name].cpu_us and by_name[baseline].cpu_us:
                by_cpu = f"{by_name[baseline].cpu_us / by_name[name].cpu_us:.2f}×"
            lines.append(
                f"| {name} ≥ {minimum}× {baseline} | {floor2(measured)}× | {by_cpu} | "
                f"{'yes' if measured >= minimum else '**no**'} |"
            )
    lines.append(
        f"| guide render ≤ {QUERY_TARGET} queries | {probe['queries']} | | "
        f"{'yes' if probe['queries'] <= QUERY_TARGET else '**no**'} |"
    )
    lines.append(
        f"| guide HTML < 25 KB | {probe['bytes'] / 1024:.1f} KB | | "
        f"{'yes' if probe['bytes'] < HTML_TARGET_BYTES else '**no**'} |"
    )
    ours = [r for r in results if r.name not in BASELINES]
    slow = [f"{r.name} ({r.p99_ms:.0f} ms)" for r in ours if r.p99_ms >= P99_TARGET_MS]
    lines.append(
        f"| p99 < {P99_TARGET_MS} ms at {args.connections} connections (careersite rows) | "
        f"{'all rows' if not slow else 'over: ' + '; '.join(slow)} | | "
        f"{'yes' if not slow else '**no**'} |"
    )
    lines += [
        "",
        "Targets for pages at scale:",
        "",
        "| Target | Measured | Met? |",
        "| --- | --- | --- |",
    ]
    for name, baseline, most in CPU_CEILINGS:
        if name in cpu_ms and baseline in cpu_ms:
            times = cpu_ms[name] / cpu_ms[baseline]
            lines.append(
                f"| {name} ≤ {most}× the CPU of {baseline} | {times:.1f}× "
                f"({cpu_ms[name]:.2f} ms against {cpu_ms[baseline]:.2f} ms) | "
                f"{'yes' if times <= most else '**no**'} |"
            )
    for name, baseline, minimum in SCALE_RATIO_TARGETS:
        if name in by_name and baseline in by_name:
            measured = ratio(name, baseline)
            lines.append(
                f"| {name} ≥ {minimum}× {baseline} (req/s) | {floor2(measured)}× | "
                f"{'yes' if measured >= minimum else '**no**'} |"
            )
    lines.append(
        f"| guide render ≤ {SCALE_QUERY_TARGET} queries | {probe['queries']} | "
        f"{'yes' if probe['queries'] <= SCALE_QUERY_TARGET else '**no**'} |"
    )
    if other:
        lines += [
            "",
            f"Worker class comparison (same runs under `{other_class}`):",
            "",
            f"| What | `{worker_class}` req/s | `{other_class}` req/s | "
            f"`{worker_class}` p99 ms | `{other_class}` p99 ms |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for result in other:
            mine = by_name[result.name]
            lines.append(
                f"| {result.name} | {mine.rps:,.0f} | {result.rps:,.0f} | "
                f"{mine.p99_ms:.2f} | {result.p99_ms:.2f} |"
            )
    lines += ["", "Machine:", ""]
    lines += [f"- {key}: {value}" for key, value in machine().items()]
    lines.append(END)
    return "\n".join(lines)


def write_report(block):
    if REPORT.exists() and BEGIN in REPORT.read_text():
        text = REPORT.read_text()
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1] if END in rest else ""
        text = before + block + after
    else:
        text = f"# Performance\n\n## Latest results\n\n{block}\n"
    REPORT.write_text(text)
    log(f"wrote {REPORT.relative_to(PROJECT)}")


# --- main --------------------------------------------------------------------------------


def measure_app(workdir, args, worker_class, rows, prefix=""):
    """The careersite rows, under one worker class."""
    results = []
    port = free_port()
    if "uncached" in rows:
        env = app_env(workdir, PAGE_CACHE_SECONDS="0")
        with gunicorn(workdir, port, f"app-uncached-{worker_class}", env, None, worker_class):
            url = f"http://127.0.0.1:{port}{GUIDE}"
            check_response(url, 200)
            results.append(wrk(f"{prefix}guide, page cache off", url, args))
    env = app_env(workdir)
    with gunicorn(workdir, port, f"app-{worker_class}", env, None, worker_class):
        app = f"http://127.0.0.1:{port}"
        html = check_response(f"{app}{GUIDE}", 200)
        if "cached" in rows:
            hit = check_headers(f"{app}{GUIDE}").get("X-Page-Cache") == "HIT"
            note = "X-Page-Cache: HIT" if hit else "no app page cache in this build"
            results.append(wrk(f"{prefix}guide, page cache on", f"{app}{GUIDE}", args, note))
        if "home" in rows:
            results.append(wrk(f"{prefix}home page", f"{app}/", args))
        if "go" in rows:
            with click_worker(workdir, env, f"worker-{worker_class}") as worker:
                go, plain = f"{app}{GO}?from={args.guide_from}", f"{app}{GO_PLAIN}"
                check_response(go, 302)
                note = "302, click queued"
                name = f"{prefix}/go/ redirect, page placeholders"
                results.append(wrk(name, go, args, note))
                check_response(plain, 302)
                name = f"{prefix}/go/ redirect, no placeholders"
                results.append(wrk(name, plain, args, note))
                ping = f"{app}{PING}?from={args.ping_from}"
                same_site = {"Sec-Fetch-Site": "same-origin"}
                check_response(ping, 204, method="POST", headers=same_site)
                script = workdir / "ping.lua"
                script.write_text(PING_SCRIPT)
                results.append(wrk(f"{prefix}ping", ping, args, "204, click queued", script))
                worker.drain()
                args.worker_cpu_ms = worker.cpu_ms_per_click()
        if "varnish" in rows:
            results += front_cache_rounds(workdir, args, port, html)
    return results, html


def front_cache_rounds(workdir, args, app_port, html):
    """Varnish serving the guide from its cache in front of the app on ``app_port``, and
    nginx serving a saved copy of it, both running and measured in alternating rounds.

    On two shared cores req/s drift by a quarter within minutes, so two rows taken minutes
    apart compare the moments more than the servers. Each row is its median round, and
    args.front_cache holds the median of the rounds' Varnish/nginx ratios and each
    server's own CPU per request (all its processes, from /proc)."""
    cache_port, static_port = free_port(), free_port()
    with (
        varnish(workdir, cache_port, app_port) as cache,
        nginx(workdir, static_port, html) as static,
    ):
        cached = f"http://127.0.0.1:{cache_port}{GUIDE}"
        check_response(cached, 200)
        check_response(cached, 200, ("X-Cache", "HIT"))
        rows = {
            "nginx static guide": (f"http://127.0.0.1:{static_port}{GUIDE}", static, "baseline"),
            "guide via Varnish": (cached, cache, "X-Cache: HIT"),
        }
        rounds = {name: [] for name in rows}
        for number in range(FRONT_CACHE_ROUNDS):
            for name in list(rows) if number % 2 == 0 else reversed(list(rows)):
                url, process, note = rows[name]
                rounds[name].append(wrk(name, url, args, note, server_group=process.pid))
    ratios = [
        ours.rps / baseline.rps
        for ours, baseline in zip(
            rounds["guide via Varnish"], rounds["nginx static guide"], strict=True
        )
    ]
    args.front_cache = {
        "ratios": ratios,
        "ratio": statistics.median(ratios),
        "cpu_us": {
            name: statistics.median(result.cpu_us for result in results)
            for name, results in rounds.items()
        },
    }
    log("Varnish / nginx per round: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    return [
        sorted(results, key=lambda result: result.rps)[len(results) // 2]
        for results in reversed(rounds.values())
    ]


def check_headers(url):
    request = urllib.request.Request(url, headers={"Host": HOST})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return dict(response.headers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--no-compare", action="store_true", help="skip the other gunicorn worker class"
    )
    parser.add_argument("--no-report", action="store_true", help="do not write the report")
    args = parser.parse_args()

    # Stopped from outside (a time limit, CI), still stop every server started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = datetime.datetime.now(datetime.UTC)
    clock = time.monotonic()
    ensure_debian_packages()
    # deploy/gunicorn.conf.py's worker class (GUNICORN_WORKER_CLASS or its default),
    # and the class to compare it with.
    worker_class = runpy.run_path(str(GUNICORN_CONF))["worker_class"]
    other_class = "sync" if worker_class == "gthread" else "gthread"

    load = os.getloadavg()[0]
    if load > 0.5:
        log(f"load average is {load:.2f}: other work on this machine will lower the numbers")
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="careersite-bench-")))
        Services(stack).ensure()
        recreate_database()
        prepare(workdir)
        uncached = probe(app_env(workdir, PAGE_CACHE_SECONDS="0"), [GUIDE])[GUIDE]
        log(f"guide page: {uncached['queries']} queries, {uncached['bytes']:,} bytes of HTML")
        args.guide_from = signed_from(workdir, "follow-up-interview-tips", "interview-coaching")
        args.ping_from = signed_from(workdir, "follow-up-interview-tips", "thank-you-cards")
        go = f"{GO}?from={args.guide_from}"
        ping = f"POST {PING}?from={args.ping_from}"
        cached = probe(app_env(workdir), [GUIDE, "/", go, GO_PLAIN, ping])
        bare = probe(baseline_env(), ["/page/", "/go/interview-coaching/"], cwd=BENCH)
        # The CPU ceilings compare the uncached and the cached guide with the bare
        # template: measure all three again, alternately, and keep each one's quickest,
        # so that a burst of other work during one probe does not decide a ratio.
        for _ in range(CPU_PROBE_ROUNDS - 1):
            again = probe(app_env(workdir, PAGE_CACHE_SECONDS="0"), [GUIDE])[GUIDE]
            uncached["cpu_ms"] = min(uncached["cpu_ms"], again["cpu_ms"])
            again = probe(app_env(workdir), [GUIDE])[GUIDE]
            cached[GUIDE]["cpu_ms"] = min(cached[GUIDE]["cpu_ms"], again["cpu_ms"])
            again = probe(baseline_env(), ["/page/"], cwd=BENCH)["/page/"]
            bare["/page/"]["cpu_ms"] = min(bare["/page/"]["cpu_ms"], again["cpu_ms"])
        cpu_ms = {
            "guide, page cache off": uncached["cpu_ms"],
            "guide, page cache on": cached[GUIDE]["cpu_ms"],
            "home page": cached["/"]["cpu_ms"],
            "/go/ redirect, page placeholders": cached[go]["cpu_ms"],
            "/go/ redirect, no placeholders": cached[GO_PLAIN]["cpu_ms"],
            "ping": cached[ping]["cpu_ms"],
            "bare 10 KB template": bare["/page/"]["cpu_ms"],
            "bare insert + redirect": bare["/go/interview-coaching/"]["cpu_ms"],
        }
        log("CPU ms per request: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu_ms.items()))

        results, html = measure_app(
            workdir, args, worker_class, {"uncached", "cached", "home", "go", "varnish"}
        )
        port = free_port()
        with gunicorn(workdir, port, "baseline", baseline_env(), "baseline.wsgi:application"):
            base = f"http://127.0.0.1:{port}"
            results.append(wrk("bare 10 KB template", f"{base}/page/", args, "baseline"))
            check_response(f"{base}/go/interview-coaching/", 302)
            results.append(
                wrk("bare insert + redirect", f"{base}/go/interview-coaching/", args, "baseline")
            )

        other = []
        if not args.no_compare:
            other, _ = measure_app(workdir, args, other_class, {"uncached", "cached", "go"})

        elapsed = time.monotonic() - clock
        block = render_report(
            results,
            uncached,
            cpu_ms,
            args,
            worker_class,
            other_class,
            other,
            started,
            elapsed,
            load,
        )
        print(block)
        if not args.no_report:
            write_report(block)


if __name__ == "__main__":
    main()
