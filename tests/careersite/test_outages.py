"""While PostgreSQL is down, readers get cached pages, and a clear 503 for the rest;
while Redis is down, every page is rendered whole.

Against the real thing: the app under gunicorn with production settings, in front of a
private PostgreSQL and Redis that the tests stop and start again (tests/servers.py).
"""

import pytest

pytest_plugins = ["tests.servers"]

MODEL_GUIDE = "/preparing-for-a-job-interview/follow-up-interview-tips/"
NEVER_VISITED = "/writing-your-cv/cv-mistakes-to-avoid/"


@pytest.fixture
def site(app_server):
    app_server.redis.flush()  # an empty page cache: only what this test visits is in it
    return app_server


def test_a_cached_guide_is_served_and_other_pages_explain_while_the_database_is_down(
    site, postgres_server
):
    site.get(MODEL_GUIDE)
    assert site.get(MODEL_GUIDE).headers["X-Page-Cache"] == "HIT"

    with postgres_server.stopped():
        cached = site.get(MODEL_GUIDE)
        # A reader arriving from a newsletter, with an analytics cookie, gets it too.
        tagged = site.get(f"{MODEL_GUIDE}?utm_source=newsletter", headers={"Cookie": "_ga=1.2"})
        uncached = site.get(NEVER_VISITED)

    assert cached.status_code == 200
    assert "Follow Up Interview Tips" in cached.text
    assert tagged.status_code == 200
    assert tagged.text == cached.text
    assert uncached.status_code == 503, site.log_tail()
    assert "back shortly" in uncached.text
    assert "Career Compass" in uncached.text
    assert int(uncached.headers["Retry-After"]) > 0
    assert "no-store" in uncached.headers["Cache-Control"]


def test_pages_answer_again_as_soon_as_the_database_is_back(site, postgres_server):
    site.get(MODEL_GUIDE)
    with postgres_server.stopped():
        assert site.get(NEVER_VISITED).status_code == 503

    assert site.get(NEVER_VISITED).status_code == 200
    assert site.get("/writing-your-cv/").status_code == 200
    assert site.get(MODEL_GUIDE).status_code == 200


def test_the_front_caches_health_probe_fails_while_the_database_is_down(site, postgres_server):
    assert site.get("/_health/ready/").status_code == 200

    with postgres_server.stopped():
        assert site.get("/_health/ready/").status_code == 503

    assert site.get("/_health/ready/").status_code == 200


def test_with_redis_down_a_guide_is_rendered_whole_with_its_sharing_tags(site, redis_server):
    # Nothing cached to fall back on: its content, head meta, neighbours and route
    # all come from Redis when it is up.
    with redis_server.stopped():
        response = site.get(NEVER_VISITED)

    assert response.status_code == 200, site.log_tail()
    assert '<meta property="og:title"' in response.text
    assert '<script type="application/ld+json">' in response.text
    assert '<link rel="canonical"' in response.text
    # Once Redis is back, the render it then caches is the same page.
    assert site.get(NEVER_VISITED).text == response.text


def test_a_networks_postback_while_the_database_is_down_gets_503_and_is_recorded_after(
    site, postgres_server
):
    code = (
        "from affiliates.models import Network; "
        "print(Network.objects.get_or_create(name='Outage network')[0].postback_token)"
    )
    token = site.manage("shell", "--no-imports", "-c", code).split()[-1]
    sale = {
        "transaction_id": "OUT-1",
        "date": "2026-11-02",
        "status": "pending",
        "commission": "1.00",
        "currency": "GBP",
    }

    with postgres_server.stopped():
        down = site.get(f"/go/postback/{token}/", params=sale)
    back = site.get(f"/go/postback/{token}/", params=sale)

    # A 503 tells the network to try again; nothing was half-stored meanwhile.
    assert down.status_code == 503, site.log_tail()
    assert back.status_code == 200
    assert "unmatched 1" in back.text
