"""“Check now” on a link's page: a job checks its destination (a real local partner site,
tests/affiliates/health/health_server.py) and records the link's health."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from affiliates.health.models import LinkHealth
from affiliates.jobs.models import Job
from tests.affiliates.health.health_server import partner_server
from tests.factories import AffiliateLinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_partners_allowed(settings):
    # The partner site is a server on this machine, which the checker refuses otherwise.
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    settings.OUTBOUND_ALLOWED_PORTS = range(1, 65536)


@pytest.fixture
def partner():
    with partner_server() as server:
        yield server


@pytest.fixture
def link_manager(user_with, client):
    client.force_login(user_with("change_affiliatelink", "view_click_reports"))
    return client


def inspect_url(link):
    return reverse("wagtailsnippets_affiliates_affiliatelink:inspect", args=[link.pk])


def test_the_links_page_offers_check_now_to_those_who_manage_links(link_manager, link_with_ok):
    page = link_manager.get(inspect_url(link_with_ok))

    soup = BeautifulSoup(page.content, "html.parser")
    check_now = reverse("affiliates_link_check_now", args=[link_with_ok.pk])
    assert soup.select_one(f"a[href='{check_now}']").get_text(strip=True) == "Check now"


@pytest.fixture
def link_with_ok(partner):
    return AffiliateLinkFactory(name="Acme coaching", destination_url=partner.url("/ok"))


def test_check_now_records_the_links_health_and_shows_it_on_the_jobs_page(
    link_manager, link_with_ok, partner
):
    check_now = reverse("affiliates_link_check_now", args=[link_with_ok.pk])
    assert b"will request" in link_manager.get(check_now).content
    assert not LinkHealth.objects.exists()  # asking first changes nothing

    page = link_manager.post(check_now, follow=True)

    health = LinkHealth.objects.get(link=link_with_ok)
    assert (health.status, health.http_status) == (LinkHealth.Status.OK, 200)
    assert [request.path for request in partner.requests] == ["/ok"]
    job = Job.objects.get()
    assert page.redirect_chain[-1][0] == reverse("affiliates_job", args=[job.pk])
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one(".affiliates-job__summary").get_text(strip=True) == (
        "Acme coaching: OK. HTTP 200 OK"
    )


def test_a_broken_destination_is_a_result_not_a_failed_job(link_manager, partner):
    link = AffiliateLinkFactory(name="Gone", destination_url=partner.url("/404"))

    link_manager.post(reverse("affiliates_link_check_now", args=[link.pk]))

    job = Job.objects.get()
    assert (job.status, job.attempts) == (Job.Status.DONE, 1)
    assert "first failure" in job.summary
    assert LinkHealth.objects.get(link=link).consecutive_failures == 1


def test_check_now_needs_permission_to_change_links(user_with, client, link_with_ok):
    client.force_login(user_with("view_click_reports"))
    check_now = reverse("affiliates_link_check_now", args=[link_with_ok.pk])

    assert client.get(check_now).status_code == 403
    assert client.post(check_now).status_code == 403
    assert not Job.objects.exists()
    assert check_now not in client.get(inspect_url(link_with_ok)).content.decode()
