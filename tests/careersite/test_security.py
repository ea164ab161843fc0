import pytest
from bs4 import BeautifulSoup
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.defaults import server_error
from wagtail.test.utils.form_data import nested_form_data, rich_text

from tests.factories import NOT_LIVE, AffiliateLinkFactory, GuidePageFactory, UserFactory

pytestmark = pytest.mark.django_db

# Only this site's own files; no inline script or style, no <base>, no plug-ins, and no
# other page (not even one of ours) may frame a reader's page.
READER_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
}
REFUSED_FEATURES = {"camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"}


def policy_of(response):
    directives = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


def refused_features(response):
    features = {}
    for item in response["Permissions-Policy"].split(","):
        feature, _, allowlist = item.strip().partition("=")
        features[feature] = allowlist
    return {feature for feature, allowlist in features.items() if allowlist == "()"}


@pytest.fixture
def guide(section):
    return GuidePageFactory(parent=section, title="Follow Up Tips")


@pytest.fixture
def switched_off_link(db):
    return AffiliateLinkFactory(slug="old-offer", fallback_url="", **NOT_LIVE["switched off"])


READER_ADDRESSES = {
    "home page": (lambda guide: "/", 200),
    "guide": (lambda guide: guide.url, 200),
    "search": (lambda guide: "/search/?q=interview", 200),
    "feed": (lambda guide: "/feeds/guides/", 200),
    "robots.txt": (lambda guide: "/robots.txt", 200),
    "not found": (lambda guide: "/no-such-page/", 404),
    "switched-off link": (lambda guide: "/go/old-offer/", 410),
}


@pytest.mark.parametrize("what", READER_ADDRESSES)
def test_reader_pages_allow_only_the_sites_own_files_and_no_framing(
    client, guide, switched_off_link, what
):
    address_of, status = READER_ADDRESSES[what]
    response = client.get(address_of(guide))
    assert response.status_code == status
    assert policy_of(response) == READER_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_page_from_the_page_cache_carries_the_same_headers(client, guide):
    first = client.get(guide.url)
    second = client.get(guide.url)
    assert second["X-Page-Cache"] == "HIT"
    assert policy_of(second) == policy_of(first) == READER_POLICY
    assert second["Permissions-Policy"] == first["Permissions-Policy"]
    assert REFUSED_FEATURES <= refused_features(second)
    assert second["X-Frame-Options"] == "DENY"


def test_the_admin_keeps_inline_scripts_and_may_frame_its_own_previews(client, guide):
    sign_in = client.get(reverse("wagtailadmin_login"))
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    editing = client.get(reverse("wagtailadmin_pages:edit", args=[guide.pk]))
    for response in (sign_in, editing):
        assert response.status_code == 200
        policy = policy_of(response)
        assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert all("http" not in value for values in policy.values() for value in values)


def test_a_page_preview_renders_in_the_admins_frame(editor, home):
    preview_url = reverse(
        "wagtailadmin_pages:preview_on_add", args=("guides", "standardpage", home.pk)
    )
    form = nested_form_data({"title": "About us", "slug": "about", "body": rich_text("Hello.")})
    assert editor.post(preview_url, form).json()["is_valid"] is True

    preview = editor.get(preview_url)

    assert "<h1>About us</h1>" in preview.content.decode()
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert policy_of(preview)["frame-ancestors"] == ["'self'"]


@pytest.mark.parametrize(
    "url",
    ["/", "/no-such-page/", "/go/old-offer/", "/go/working-offer/", "/admin/login/"],
)
def test_every_response_refuses_the_camera_microphone_location_and_payments(
    client, home, switched_off_link, url
):
    AffiliateLinkFactory(slug="working-offer")
    response = client.get(url)
    assert REFUSED_FEATURES <= refused_features(response)


def test_the_server_error_page_is_styled_by_a_file_the_policy_allows(client):
    page = server_error(RequestFactory().get("/")).content.decode()
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("style") is None
    assert soup.select("[style]") == []
    (stylesheet,) = soup.select('link[rel="stylesheet"]')
    assert stylesheet["href"].startswith("/static/")
    assert client.get(stylesheet["href"]).status_code == 200


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
