"""Dependencies inside affiliates/ and guides/ point one way (their package docstrings);
import-linter's contracts in pyproject.toml hold it, and `make lint` runs them."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
APPS = ("affiliates", "guides")


def lint_imports(project):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project_copy(tmp_path):
    """The apps and their contracts, copied where a test may break them."""
    for app in APPS:
        shutil.copytree(
            Path(settings.BASE_DIR, app), tmp_path / app, ignore=shutil.ignore_patterns("*.pyc")
        )
    shutil.copy(Path(settings.BASE_DIR, "pyproject.toml"), tmp_path)
    return tmp_path


def test_the_import_contracts_hold_for_the_project():
    result = lint_imports(settings.BASE_DIR)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("affiliates/links/forms.py", "from affiliates.reports import queries"),
        ("affiliates/clicks/rollup.py", "from affiliates.content import rich_text"),
        ("affiliates/reports/queries.py", "from affiliates.health import checker"),
        ("affiliates/days.py", "from affiliates.links import models"),
        ("guides/feeds.py", "from guides import models"),
    ],
)
def test_an_import_against_the_direction_breaks_a_contract(project_copy, module, forbidden):
    path = project_copy / module
    path.write_text(path.read_text() + f"\n{forbidden}  # noqa\n")

    result = lint_imports(project_copy)

    assert result.returncode == 1, result.stdout + result.stderr
    importer = module.removesuffix(".py").replace("/", ".")
    imported = forbidden.replace("from ", "").replace(" import ", ".")
    assert f"{importer} -> {imported}" in result.stdout


def imports_inside_functions(path):
    """(line, function) of each import statement inside a function body."""
    tree = ast.parse(path.read_text())
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    yield node.lineno, function.name


def test_no_import_waits_inside_a_function_but_app_loading():
    # AppConfig.ready() is where Django's app loading needs imports to wait.
    late = [
        f"{path.relative_to(settings.BASE_DIR)}:{line} in {function}()"
        for app in APPS
        for path in sorted(Path(settings.BASE_DIR, app).rglob("*.py"))
        if "migrations" not in path.parts
        for line, function in imports_inside_functions(path)
        if not (path.name == "apps.py" and function == "ready")
    ]

    assert late == []
