"""Production logs: one JSON object a line on stdout, with no reader's address or cookie."""

import json
from datetime import datetime

import pytest

from tests.careersite.test_error_reports import (
    PERSONAL_DATA,
    QUERY_MARKER,
    serve_failing_request,
)
from tests.careersite.test_settings import PRODUCTION_ENV, read_setting, run_manage
from tests.factories import UserFactory

LOG_SOME_RECORDS = """
import logging

logging.getLogger("careersite.payments").info("an ordinary day")
logging.getLogger("careersite.payments").warning("the partner answers slowly")
try:
    {}["partner"]
except KeyError:
    logging.getLogger("careersite.payments").exception("no partner for click %s", 42)
"""


def log_lines(stdout):
    """Each stdout line as the JSON object it must be (json.loads fails the test otherwise)."""
    return [json.loads(line) for line in stdout.splitlines()]


def test_production_logs_an_error_and_its_exception_as_one_json_object_a_line_on_stdout():
    result = run_manage(
        "careersite.settings.production",
        "shell",
        "--no-imports",
        "-c",
        LOG_SOME_RECORDS,
        **PRODUCTION_ENV,
    )

    assert result.returncode == 0, result.stderr
    records = log_lines(result.stdout)
    assert [(record["level"], record["message"]) for record in records] == [
        ("INFO", "an ordinary day"),
        ("WARNING", "the partner answers slowly"),
        ("ERROR", "no partner for click 42"),
    ]
    error = records[-1]
    assert set(error) == {"time", "level", "logger", "message", "exception"}
    assert error["logger"] == "careersite.payments"
    assert datetime.fromisoformat(error["time"]).utcoffset() is not None
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert error["exception"].endswith("KeyError: 'partner'")
    assert "exception" not in records[0]


def test_log_level_chooses_the_least_severe_records_that_are_logged():
    result = run_manage(
        "careersite.settings.production",
        "shell",
        "--no-imports",
        "-c",
        LOG_SOME_RECORDS,
        LOG_LEVEL="WARNING",
        **PRODUCTION_ENV,
    )

    assert result.returncode == 0, result.stderr
    assert [record["level"] for record in log_lines(result.stdout)] == ["WARNING", "ERROR"]


def test_a_failed_request_is_logged_without_the_readers_address_cookies_or_form(tmp_path):
    result = serve_failing_request(tmp_path, EMAIL_URL="dummy://")

    records = log_lines(result.stdout)
    [failure] = [record for record in records if record["logger"] == "django.request"]
    assert failure["level"] == "ERROR"
    assert failure["message"] == "Internal Server Error: /broken/"
    assert failure["status_code"] == 500
    assert failure["exception"].endswith("RuntimeError: the view broke")
    # Django attaches the request to the record; its repr would show the query string.
    assert "request" not in failure
    assert [value for value in [*PERSONAL_DATA, QUERY_MARKER] if value in result.stdout] == []


@pytest.mark.django_db
def test_sign_in_log_lines_name_neither_the_account_nor_the_address(client, settings, caplog):
    settings.AXES_CLIENT_STR_CALLABLE = read_setting(
        "careersite.settings.production", "AXES_CLIENT_STR_CALLABLE", **PRODUCTION_ENV
    )
    UserFactory(username="jo.editor", is_staff=True)
    caplog.set_level("INFO", logger="axes")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/",
            {"username": "jo.editor", "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
        )

    axes_lines = [
        record.getMessage() for record in caplog.records if record.name.startswith("axes")
    ]
    assert any("Locking out" in line and "/admin/login/" in line for line in axes_lines)
    assert [line for line in axes_lines if "jo.editor" in line or "203.0.113.7" in line] == []
