"""Days no report can be drawn for (year 1, year 9999) get a clear form error or
command error, never a 500."""

import pytest
from bs4 import BeautifulSoup
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

MESSAGE = "Choose a day from 1 January 2000 to 31 December 2999."


def errors_in(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [" ".join(node.get_text(" ").split()) for node in soup.select(".error-message")]


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-01-02"), ("1999-12-31", "2000-01-05")],
)
def test_the_click_report_refuses_days_outside_its_range(admin_client, date_from, date_to):
    response = admin_client.get(
        reverse("affiliates_click_report"),
        {"period": "custom", "date_from": date_from, "date_to": date_to},
    )

    assert response.status_code == 200
    assert MESSAGE in " ".join(errors_in(response))


@pytest.mark.parametrize(
    ("since", "until"), [("2026-01-01", "9999-12-31"), ("0001-01-01", "2026-01-01")]
)
def test_the_click_export_refuses_days_outside_its_range(admin_client, since, until):
    response = admin_client.get(
        reverse("affiliates_click_export"), {"since": since, "until": until, "format": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert MESSAGE in " ".join(errors_in(response))


def test_the_export_command_refuses_a_day_outside_the_range():
    with pytest.raises(CommandError, match="Choose a day from 1 January 2000"):
        call_command("export_clicks", "--since", "2026-01-01", "--until", "9999-12-31")
