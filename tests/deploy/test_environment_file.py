"""Production commands read one environment file and production settings (deploy/manage)."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
MANAGE = PROJECT / "deploy" / "manage"
TEMPLATE = PROJECT / "deploy" / "careersite.env"
PRINT_SETTINGS = (
    "from django.conf import settings; "
    "print(settings.SETTINGS_MODULE, settings.WAGTAILADMIN_BASE_URL, "
    "settings.CACHES['default']['BACKEND'], settings.DEBUG)"
)


@pytest.fixture
def env_file(tmp_path):
    """The template as an operator fills it in: only the secret key is missing from it."""
    path = tmp_path / "careersite.env"
    path.write_text(f"{TEMPLATE.read_text()}\nSECRET_KEY={secrets.token_urlsafe(50)}\n")
    return path


def run_deploy_manage(*args, env_file, **caller_env):
    environment = {
        # The browser tests' conftest allows Django's sync calls from Playwright's loop
        # for this test run only; a deployment never sets it (check --deploy refuses it).
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "CAREERSITE_ENV_FILE": str(env_file),
        "CAREERSITE_DIR": str(PROJECT),
        "CAREERSITE_PYTHON": sys.executable,
        **caller_env,
    }
    return subprocess.run(
        [str(MANAGE), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_manage_runs_with_production_settings_and_the_files_values(env_file):
    # A shell left with development settings and another address must not change what
    # a production command sees.
    result = run_deploy_manage(
        "shell",
        "--no-imports",
        "-c",
        PRINT_SETTINGS,
        env_file=env_file,
        DJANGO_SETTINGS_MODULE="careersite.settings.dev",
        BASE_URL="https://somewhere-else.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "careersite.settings.production",
        "https://careers.example.com",
        "django_redis.cache.RedisCache",
        "False",
    ]


def test_the_environment_file_template_passes_the_deployment_checklist(env_file):
    result = run_deploy_manage("check", "--deploy", "--fail-level", "WARNING", env_file=env_file)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_manage_without_the_environment_file_says_where_it_looked(tmp_path):
    missing = tmp_path / "careersite.env"

    result = run_deploy_manage("migrate", "--no-input", env_file=missing)

    assert result.returncode != 0
    assert f"cannot read the environment file {missing}" in result.stderr
    assert "CAREERSITE_ENV_FILE" in result.stderr
    assert result.stdout == ""


def code_blocks(markdown):
    """(language, lines) of each fenced code block."""
    return [
        (language, block.splitlines())
        for language, block in re.findall(
            r"^```(\w*)\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL
        )
    ]


DOCUMENTS = ["README.md", *sorted(f"docs/{path.name}" for path in (PROJECT / "docs").glob("*.md"))]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_documented_cron_job_runs_through_deploy_manage(document):
    text = (PROJECT / document).read_text()
    jobs = [
        line
        for language, lines in code_blocks(text)
        if language == "cron"
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    ]

    assert [job for job in jobs if "deploy/manage " not in job or "manage.py" in job] == [], (
        f"{document}: cron jobs without production settings and the environment file"
    )


def test_the_deployment_steps_run_manage_py_only_through_deploy_manage():
    readme = (PROJECT / "README.md").read_text()
    deploying = readme[readme.index("\n## Deploying") :].split("\n## ", 2)[1]
    deployment_guide = (PROJECT / "docs" / "deployment.md").read_text()

    direct = [
        line
        for text in (deploying, deployment_guide)
        for _, lines in code_blocks(text)
        for line in lines
        if "manage.py" in line.split("#", 1)[0]
    ]

    assert direct == []
