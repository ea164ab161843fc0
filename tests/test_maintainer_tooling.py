"""What a maintainer relies on before committing: the pre-commit hooks run the project's own
checks without downloading anything, mypy holds the typed modules, and CHANGELOG.md keeps
the keep-a-changelog form the next release is written in."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from django.conf import settings

PROJECT = Path(settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent
REQUIRED_HOOKS = {"ruff", "ruff-format", "djlint", "lint-imports", "mypy"}
CHANGELOG_SECTIONS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def pre_commit_hooks():
    config = yaml.safe_load((PROJECT / ".pre-commit-config.yaml").read_text())
    return [(repo, hook) for repo in config["repos"] for hook in repo["hooks"]]


def test_pre_commit_runs_ruff_its_formatter_djlint_the_import_contracts_and_mypy():
    hook_ids = {hook["id"] for _, hook in pre_commit_hooks()}

    assert REQUIRED_HOOKS <= hook_ids


def test_every_pre_commit_hook_runs_a_tool_installed_in_the_project_environment():
    # A hook fetched from a repository would need the network on the first run; the
    # project's own tools run at the versions uv.lock pins.
    for repo, hook in pre_commit_hooks():
        assert repo["repo"] == "local", hook["id"]
        assert hook["language"] == "system", hook["id"]
        tool = hook["entry"].split()[0]
        assert tool.startswith(".venv/bin/"), hook["id"]
        assert (VENV_BIN / Path(tool).name).exists(), f"{hook['id']}: no {tool}"


def test_pre_commit_accepts_its_configuration():
    result = subprocess.run(
        [str(VENV_BIN / "pre-commit"), "validate-config", ".pre-commit-config.yaml"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_every_typed_module_fully_typed_and_consistent(tmp_path):
    mypy_config = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy_config["disallow_untyped_defs"] is True
    # A cache of its own: a run elsewhere on the machine may be writing the project's.
    result = subprocess.run(
        [str(VENV_BIN / "mypy"), "--cache-dir", str(tmp_path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"no issues found in {len(mypy_config['files'])} source files" in result.stdout


def test_the_changelog_has_an_unreleased_section_in_keep_a_changelog_form():
    text = (PROJECT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/en/1.1.0/" in text

    releases = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    headings = [release.splitlines()[0] for release in releases]
    assert headings[0] == "[Unreleased]"
    for heading in headings[1:]:
        assert re.fullmatch(r"\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", heading), heading
    dates = [heading.split(" - ")[1] for heading in headings[1:]]
    assert dates == sorted(dates, reverse=True), "newest release first"

    for release in releases:
        sections = re.split(r"^### ", release, flags=re.MULTILINE)[1:]
        assert sections, f"{release.splitlines()[0]} has no Added/Changed/... section"
        for section in sections:
            name, _, body = section.partition("\n")
            assert name in CHANGELOG_SECTIONS, name
            assert re.search(r"^- \S", body, flags=re.MULTILINE), f"{name} lists no change"
