from xml.etree import ElementTree

import pytest
from wagtail.models import PageViewRestriction

from guides.models import GuideAuthor
from tests.factories import GuidePageFactory, PersonFactory

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def part_addresses(client, **headers):
    """The sitemap index's parts, by address."""
    response = client.get("/sitemap.xml", **headers)
    assert response.status_code == 200
    tree = ElementTree.fromstring(response.content)
    return [node.text for node in tree.findall("s:sitemap/s:loc", SITEMAP_NS)]


def sitemap_locations(client):
    """Every page address in every part of the sitemap."""
    locations = []
    for address in part_addresses(client):
        response = client.get(address.removeprefix("http://localhost"))
        assert response.status_code == 200
        tree = ElementTree.fromstring(response.content)
        urls = tree.findall("s:url", SITEMAP_NS)
        assert all(url.find("s:lastmod", SITEMAP_NS) is not None for url in urls)
        locations += [url.find("s:loc", SITEMAP_NS).text for url in urls]
    return locations


def test_the_sitemap_is_an_index_of_parts_each_of_at_most_a_thousand_pages(
    client, section, monkeypatch
):
    monkeypatch.setattr("guides.views.PageSitemap.limit", 2)
    guides = [GuidePageFactory(parent=section, title=f"Guide {n}") for n in range(4)]

    parts = part_addresses(client)
    locations = sitemap_locations(client)

    # Home, section and four guides: three parts of two.
    assert parts == [
        "http://localhost/sitemap-pages.xml",
        "http://localhost/sitemap-pages.xml?p=2",
        "http://localhost/sitemap-pages.xml?p=3",
        "http://localhost/sitemap-authors.xml",
    ]
    assert len(locations) == len(set(locations)) == 6
    assert all(any(loc.endswith(guide.url) for loc in locations) for guide in guides)


@pytest.mark.parametrize("number", ["0", "4", "-1", "abc", "99999999999999999999"])
def test_a_sitemap_part_past_the_last_or_not_a_number_is_not_found(
    client, section, monkeypatch, number
):
    monkeypatch.setattr("guides.views.PageSitemap.limit", 2)
    for n in range(4):
        GuidePageFactory(parent=section, title=f"Guide {n}")

    assert client.get("/sitemap-pages.xml", {"p": number}).status_code == 404
    assert client.get("/sitemap-unknown.xml").status_code == 404


def test_the_sitemap_index_names_its_parts_on_the_sites_address_not_the_hosts(client, section):
    parts = ["http://localhost/sitemap-pages.xml", "http://localhost/sitemap-authors.xml"]
    assert part_addresses(client, HTTP_HOST="localhost:1234") == parts
    assert part_addresses(client) == parts


def test_the_sitemap_lists_published_public_indexable_pages_only(client, section):
    published = GuidePageFactory(parent=section, title="Published")
    draft = GuidePageFactory(parent=section, title="Draft", publish=False)
    hidden = GuidePageFactory(parent=section, title="Hidden", noindex=True)
    private = GuidePageFactory(parent=section, title="Private")
    PageViewRestriction.objects.create(page=private, restriction_type="login")

    locations = sitemap_locations(client)

    assert any(loc.endswith(published.url) for loc in locations)
    for page in (draft, hidden, private):
        assert not any(loc.endswith(f"/{page.slug}/") for loc in locations), page.title
    assert not any("/go/" in loc for loc in locations)


def test_the_sitemap_lists_the_pages_of_people_named_on_published_public_guides(client, section):
    amara, daniel, nobody, only_private = (
        PersonFactory(name=name) for name in ("Amara", "Daniel", "Nobody", "Only private")
    )
    guide = GuidePageFactory(parent=section, reviewer=daniel)
    guide.authors = [GuideAuthor(person=amara)]
    guide.save_revision().publish()
    private = GuidePageFactory(parent=section, title="Private", reviewer=only_private)
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    GuidePageFactory(parent=section, title="Draft", reviewer=nobody, publish=False)

    locations = sitemap_locations(client)

    authors = sorted(loc for loc in locations if "/authors/" in loc)
    assert authors == ["http://localhost/authors/amara/", "http://localhost/authors/daniel/"]


def test_publishing_a_guide_adds_its_author_to_the_sitemap_at_once(client, section, settings):
    settings.PAGE_CACHE_SECONDS = 300
    person = PersonFactory(name="Amara")
    guide = GuidePageFactory(parent=section, publish=False)
    assert "http://localhost/authors/amara/" not in sitemap_locations(client)

    guide.authors = [GuideAuthor(person=person)]
    guide.save_revision().publish()

    assert "http://localhost/authors/amara/" in sitemap_locations(client)


def test_robots_txt_allows_the_site_but_not_go_links_or_the_admin(client, home):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Allow: /" in lines
    assert "Disallow: /go/" in lines
    assert "Disallow: /admin/" in lines
    # From the site's own address (the test site is localhost), not the request's Host.
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def feed_titles(client, url):
    response = client.get(url)
    assert response.status_code == 200
    channel = ElementTree.fromstring(response.content).find("channel")
    return [item.findtext("title") for item in channel.findall("item")]


def test_the_site_feed_lists_the_newest_guide_first(client, section):
    GuidePageFactory(parent=section, title="Older guide")
    GuidePageFactory(parent=section, title="Newest guide")
    GuidePageFactory(parent=section, title="Unpublished", publish=False)

    assert feed_titles(client, "/feeds/guides/") == ["Newest guide", "Older guide"]


def test_a_section_feed_lists_only_that_sections_guides(client, home, section):
    from tests.factories import SectionPageFactory

    other = SectionPageFactory(parent=home, title="Writing Your CV")
    GuidePageFactory(parent=section, title="Interview guide")
    GuidePageFactory(parent=other, title="CV guide")

    assert feed_titles(client, other.url + "feed/") == ["CV guide"]


def test_feeds_are_linked_from_the_head(client, section):
    guide = GuidePageFactory(parent=section)
    content = client.get(guide.url).content.decode()
    assert 'type="application/rss+xml"' in content
    assert "/feeds/guides/" in content
    assert f"{section.url}feed/" in content
