"""Every page tells search engines and social sites what it is."""

import pytest
from bs4 import BeautifulSoup
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Site

from guides.models import SearchAndSharingSettings
from tests.factories import GuidePageFactory, StandardPageFactory
from tests.pages import json_ld
from tests.pages import soup_of as head_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide(section):
    return GuidePageFactory(
        parent=section, title="Follow Up Interview Tips", summary="What to expect."
    )


@pytest.mark.parametrize("which", ["home", "section", "guide", "search"])
def test_each_page_has_exactly_one_title_canonical_and_description(
    client, home, section, guide, which
):
    url = {"home": home.url, "section": section.url, "guide": guide.url, "search": "/search/?q=x"}[
        which
    ]
    soup = head_of(client, url)
    assert len(soup.find_all("title")) == 1
    assert len(soup.select('link[rel="canonical"]')) == 1
    assert len(soup.select('meta[name="description"]')) <= 1
    if which != "search":
        assert len(soup.select('meta[name="description"]')) == 1
    assert soup.html["lang"] == "en"


def test_the_canonical_url_is_absolute_from_the_sites_root_url(client, guide):
    soup = head_of(client, guide.url)
    site = Site.objects.get()
    assert soup.select_one('link[rel="canonical"]')["href"] == f"{site.root_url}{guide.url}"


def test_the_seo_title_and_meta_description_come_from_the_promote_tab(client, section):
    guide = GuidePageFactory(
        parent=section,
        title="Tips",
        seo_title="Second Interview Tips",
        search_description="Be ready.",
    )
    soup = head_of(client, guide.url)
    assert soup.title.string.startswith("Second Interview Tips")
    assert soup.select_one('meta[name="description"]')["content"] == "Be ready."
    assert soup.select_one('meta[property="og:title"]')["content"] == "Second Interview Tips"


def test_the_description_falls_back_to_the_summary_then_the_intro(client, section):
    with_summary = GuidePageFactory(parent=section, summary="From the summary.")
    intro_only = GuidePageFactory(parent=section, summary="", intro="<p>From <b>the</b> intro.</p>")
    assert head_of(client, with_summary.url).select_one('meta[name="description"]')["content"] == (
        "From the summary."
    )
    assert head_of(client, intro_only.url).select_one('meta[name="description"]')["content"] == (
        "From the intro."
    )


def test_sharing_tags_use_the_pages_image_or_the_site_default(client, section, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    default = Image.objects.create(
        title="Default", file=get_test_image_file(filename="default.png", size=(1400, 800))
    )
    own = Image.objects.create(
        title="Own", file=get_test_image_file(filename="own.png", size=(1400, 800))
    )
    sharing = SearchAndSharingSettings.for_site(Site.objects.get())
    sharing.default_social_image = default
    sharing.save()
    plain = GuidePageFactory(parent=section)
    pictured = GuidePageFactory(parent=section, social_image=own)

    plain_image = head_of(client, plain.url).select_one('meta[property="og:image"]')["content"]
    own_image = head_of(client, pictured.url).select_one('meta[property="og:image"]')["content"]

    assert plain_image.startswith("http") and "default" in plain_image.lower()
    assert "own" in own_image.lower()
    soup = head_of(client, pictured.url)
    assert soup.select_one('meta[name="twitter:card"]')["content"] == "summary_large_image"
    assert soup.select_one('meta[property="og:type"]')["content"] == "article"


def test_hiding_a_page_from_search_engines_adds_noindex(client, section):
    hidden = GuidePageFactory(parent=section, noindex=True)
    shown = GuidePageFactory(parent=section)
    assert head_of(client, hidden.url).select_one('meta[name="robots"]')["content"] == "noindex"
    assert head_of(client, shown.url).select_one('meta[name="robots"]') is None


def test_the_home_page_describes_the_website_and_its_search(client, home):
    (website,) = json_ld(head_of(client, "/"), "WebSite")
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"].endswith("/search/?q={search_term_string}")
    assert action["query-input"] == "required name=search_term_string"
    assert json_ld(head_of(client, "/"), "BreadcrumbList") == []


def test_a_guide_is_described_as_an_article(client, guide):
    sharing = SearchAndSharingSettings.for_site(Site.objects.get())
    (article,) = json_ld(head_of(client, guide.url), "Article")
    assert article["headline"] == "Follow Up Interview Tips"
    assert article["description"] == "What to expect."
    assert article["datePublished"].startswith(str(guide.first_published_at.date()))
    assert article["dateModified"]
    assert article["author"]["name"] == sharing.default_author
    assert article["publisher"]["name"] == sharing.organisation_name


def test_the_breadcrumb_data_matches_the_visible_you_are_here_trail(client, guide):
    soup = head_of(client, guide.url)
    (crumbs,) = json_ld(soup, "BreadcrumbList")
    visible = soup.select('nav[aria-label="Breadcrumb"] li a')
    site = Site.objects.get()
    assert [item["name"] for item in crumbs["itemListElement"]] == [a.get_text() for a in visible]
    assert [item["item"] for item in crumbs["itemListElement"]] == [
        site.root_url + a["href"] for a in visible
    ]
    assert [item["position"] for item in crumbs["itemListElement"]] == [1, 2, 3]


def test_structured_data_cannot_be_broken_out_of_by_a_title(client, section):
    guide = GuidePageFactory(parent=section, title="</script><script>alert(1)</script>")
    soup = head_of(client, guide.url)
    (article,) = json_ld(soup, "Article")
    assert article["headline"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in client.get(guide.url).content.decode()


def test_affiliate_links_carry_sponsored_nofollow_and_internal_links_do_not(
    client, section, disclosure_page
):
    from tests.factories import AffiliateLinkFactory, affiliate_anchor

    link = AffiliateLinkFactory()
    other = StandardPageFactory(parent=section.get_parent(), title="About")
    internal = f'<a linktype="page" id="{other.pk}">about us</a>'
    guide = GuidePageFactory(
        parent=section, intro=f"<p>{affiliate_anchor(link)} and {internal}.</p>"
    )
    soup = head_of(client, guide.url)
    outbound = soup.select_one(f'a[href^="/go/{link.slug}/"]')
    assert {"sponsored", "nofollow"} <= set(outbound["rel"])
    for anchor in soup.select("a"):
        if not anchor["href"].startswith("/go/"):
            assert "sponsored" not in anchor.get("rel", []), anchor
            assert "nofollow" not in anchor.get("rel", []), anchor


# A client chooses its Host header. Django accepts any port on an allowed host name, and
# Wagtail serves the site registered for that name, so this reaches the real pages.
HOSTILE_HOST = "localhost:1234"


def head_of_host(client, url, host):
    response = client.get(url, HTTP_HOST=host)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_a_host_with_another_port_cannot_change_the_sharing_image_the_next_reader_gets(
    client, section, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sharing = SearchAndSharingSettings.for_site(Site.objects.get())
    sharing.default_social_image = Image.objects.create(
        title="Default", file=get_test_image_file(filename="default.png", size=(1400, 800))
    )
    sharing.save()
    guide = GuidePageFactory(parent=section)
    site_media = f"{Site.objects.get().root_url}/media/"

    hostile = head_of_host(client, guide.url, HOSTILE_HOST)
    reader = head_of(client, guide.url)

    for soup in (hostile, reader):
        assert soup.select_one('meta[property="og:image"]')["content"].startswith(site_media)
        (article,) = json_ld(soup, "Article")
        assert article["image"][0].startswith(site_media)


@pytest.mark.parametrize(
    "address_of",
    [
        pytest.param(lambda guide: "/", id="home page"),
        pytest.param(lambda guide: guide.url, id="guide"),
        pytest.param(lambda guide: "/search/?q=interview", id="search"),
        pytest.param(lambda guide: "/feeds/guides/", id="site feed"),
        pytest.param(lambda guide: guide.get_parent().url + "feed/", id="section feed"),
        pytest.param(lambda guide: "/robots.txt", id="robots.txt"),
    ],
)
def test_no_address_a_page_gives_for_itself_names_the_host_a_client_sent(client, guide, address_of):
    url = address_of(guide)
    root_url = Site.objects.get().root_url

    hostile = client.get(url, HTTP_HOST=HOSTILE_HOST).content.decode()
    reader = client.get(url).content.decode()

    for content in (hostile, reader):
        assert HOSTILE_HOST not in content
        assert root_url in content
        assert "testserver" not in content


def test_the_canonical_address_of_search_comes_from_the_site(client, home):
    soup = head_of_host(client, "/search/?q=cv", HOSTILE_HOST)
    canonical = soup.select_one('link[rel="canonical"]')["href"]
    assert canonical == f"{Site.objects.get().root_url}/search/"


def test_a_host_the_site_does_not_serve_is_refused(client, home):
    assert client.get("/", HTTP_HOST="attacker.example").status_code == 400
