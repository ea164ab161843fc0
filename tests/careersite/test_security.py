import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/admin/login/"])
def test_public_pages_and_the_admin_login_send_the_security_headers(client, home, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_https_responses_carry_strict_transport_security(client, home):
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_an_unknown_address_shows_the_sites_own_not_found_page(client, home):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Sorry, we can’t find that page" in content
    assert 'class="site-header"' in content
