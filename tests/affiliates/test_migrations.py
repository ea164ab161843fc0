"""The affiliates migrations build the schema from nothing and move an existing one
back and forth, on whichever database the suite runs (SQLite, or PostgreSQL where
DATABASE_URL names it), in a database of their own."""

import ast
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

MIGRATION_FOLDERS = [Path(settings.BASE_DIR, app, "migrations") for app in ("affiliates", "guides")]


@pytest.fixture
def empty_database(tmp_path):
    """DATABASE_URL of a database with no tables, of the suite's own kind."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    params = connection.get_connection_params()
    name = f"careersite_migrations_{uuid.uuid4().hex[:8]}"
    admin = {key: params[key] for key in ("host", "port", "user") if params.get(key)}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    host, port, user = params.get("host", ""), params.get("port", 5432), params.get("user", "")
    try:
        yield f"postgres://{user}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(database_url, *args):
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "careersite.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def count_function_shards(database_url):
    """How many rows per link, page and day the PostgreSQL counting function spreads over."""
    with psycopg.connect(database_url) as database:
        row = database.execute(
            "SELECT prosrc FROM pg_proc WHERE proname = 'affiliates_count_click'"
        ).fetchone()
    return row and row[0].split("pg_backend_pid() % ")[1].split(";")[0]


def test_the_migrations_build_the_schema_from_an_empty_database(empty_database):
    manage(empty_database, "migrate", "--no-input")

    assert "No changes detected" in manage(empty_database, "makemigrations", "--check", "--dry-run")
    assert "[ ]" not in manage(empty_database, "showmigrations", "affiliates", "guides")
    if connection.vendor == "postgresql":
        assert count_function_shards(empty_database) == "64"


def test_a_database_at_the_current_schema_migrates_back_and_forward_again(empty_database):
    manage(empty_database, "migrate", "--no-input")

    # Back past the roll-up migrations, whose SQL now lives in affiliates.clicks.
    manage(empty_database, "migrate", "affiliates", "0006", "--no-input")
    if connection.vendor == "postgresql":
        assert count_function_shards(empty_database) == "8"
    manage(empty_database, "migrate", "--no-input")

    assert "[ ]" not in manage(empty_database, "showmigrations", "affiliates")
    if connection.vendor == "postgresql":
        assert count_function_shards(empty_database) == "64"


def dotted_names(tree):
    """``affiliates.…`` and ``guides.…`` names a migration uses: imported modules with
    the attribute it reads of them, and dotted paths in strings (block definitions)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            parts, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                parts.insert(0, value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in {"affiliates", "guides"}:
                yield ".".join([value.id, *parts])
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in {"affiliates", "guides"}:
                yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(("affiliates.", "guides.")) and node.value.count(".") >= 2:
                yield node.value


def test_every_dotted_path_an_older_migration_names_still_resolves():
    names = {
        name
        for folder in MIGRATION_FOLDERS
        for path in folder.glob("0*.py")
        for name in dotted_names(ast.parse(path.read_text()))
    }

    assert "affiliates.models.validate_destination_url" in names  # the walk finds them
    assert [name for name in sorted(names) if not _resolves(name)] == []


def _resolves(name):
    try:
        import_string(name)
    except ImportError:
        return False
    return True
