import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from PIL import Image as PillowImage
from wagtail.images.models import Image
from wagtail.models import Page, Site

from affiliates.models import AffiliateLink, Click, DisclosureSettings
from guides.models import (
    GuideAuthor,
    GuidePage,
    HomePage,
    Person,
    SearchAndSharingSettings,
    SectionPage,
)
from tests.factories import browser_headers

pytestmark = pytest.mark.django_db

GUIDE_URL = "/preparing-for-a-job-interview/follow-up-interview-tips/"


@pytest.fixture
def demo_site(db):
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_loading_the_demo_content_twice_adds_nothing_the_second_time(demo_site):
    counts = (
        Page.objects.count(),
        AffiliateLink.objects.count(),
        Person.objects.count(),
        GuideAuthor.objects.count(),
        Image.objects.count(),
    )

    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (
        Page.objects.count(),
        AffiliateLink.objects.count(),
        Person.objects.count(),
        GuideAuthor.objects.count(),
        Image.objects.count(),
    ) == counts
    assert HomePage.objects.count() == 1
    assert SectionPage.objects.count() >= 2
    assert GuidePage.objects.filter(live=True).count() >= 6


def test_the_demo_editor_login_is_printed_only_when_the_account_is_created(db, capsys):
    call_command("load_demo_content")
    first = capsys.readouterr().out
    call_command("load_demo_content")
    second = capsys.readouterr().out

    assert "username: editor" in first and "password:" in first
    assert "password:" not in second.replace("password was shown", "")


def test_the_follow_up_guide_shows_its_breadcrumb_questions_intro_and_closing(client, demo_site):
    response = client.get(GUIDE_URL)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    crumbs = soup.select('nav[aria-label="Breadcrumb"] ol li a')
    assert [(a.get_text(strip=True), a["href"]) for a in crumbs] == [
        ("Home", "/"),
        ("Preparing for a Job Interview", "/preparing-for-a-job-interview/"),
        ("Follow Up Interview Tips", GUIDE_URL),
    ]
    for link in crumbs:
        assert client.get(link["href"]).status_code == 200
    sections = soup.select("section.question")
    assert [s.h2.get_text(strip=True) for s in sections] == [
        "Why am I being brought in for a second interview?",
        "Who will interview me the second time around?",
        "What should I talk about, when I thought I told them everything the first time?",
    ]
    for section in sections:
        assert 3 <= len(section.select("ul > li")) <= 4
    assert "second interview means the employer" in soup.select_one(".guide__intro").get_text()
    assert "follow up promptly" in soup.select_one(".guide__closing").get_text()


def test_the_follow_up_guide_opens_with_the_referral_disclosure(client, demo_site):
    soup = BeautifulSoup(client.get(GUIDE_URL).content, "html.parser")
    notice = soup.select_one(".disclosure")
    assert "Referral fees may be earned" in notice.get_text()
    assert notice.a.get_text() == "my disclosure"
    assert notice.a["href"] == DisclosureSettings.objects.get().disclosure_page.url


def test_the_home_page_links_every_section_and_the_featured_guides(client, demo_site):
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    hrefs = {a["href"] for a in soup.select("main a")}
    for section in SectionPage.objects.live():
        assert section.url in hrefs
    featured = [a.get_text() for a in soup.select('[aria-labelledby="featured-heading"] h3 a')]
    assert featured == ["Follow Up Interview Tips", "Tailor Your CV to a Job Advert"]


def test_every_demo_guide_names_its_author_and_reviewer(client, demo_site):
    soup = BeautifulSoup(client.get(GUIDE_URL).content, "html.parser")

    byline = " ".join(soup.select_one(".guide__byline").get_text().split())
    assert byline.startswith("By Amara Okafor · Reviewed by Daniel Reyes on ")
    assert not GuidePage.objects.live().filter(authors__isnull=True).exists()
    author_page = client.get("/authors/amara-okafor/")
    assert author_page.status_code == 200
    assert "Follow Up Interview Tips" in author_page.content.decode()


def test_the_follow_up_guide_recommends_thank_you_cards_in_a_product_box(client, demo_site):
    soup = BeautifulSoup(client.get(GUIDE_URL).content, "html.parser")

    box = soup.select_one("section.product")
    assert box.h2.text == "PaperTrail thank-you cards"
    assert box.select_one("picture img.product__image")
    assert box.select_one("a.button")["href"].startswith("https://shop.example.com/")
    assert box.select_one(".affiliate-marker").text == "(paid link)"


def test_every_demo_page_and_person_has_a_picture_the_project_drew(demo_site, settings):
    for page in [*HomePage.objects.all(), *SectionPage.objects.all(), *GuidePage.objects.all()]:
        assert page.image is not None, page.title
        assert (page.image.width, page.image.height) == (1600, 900)
    for person in Person.objects.all():
        assert (person.photo.width, person.photo.height) == (640, 640)
    card = SearchAndSharingSettings.for_site(Site.objects.get()).default_social_image
    assert (card.width, card.height) == (1200, 630)
    # Real pictures, not blank canvases: each has more than a handful of colours.
    with card.open_file() as file:
        assert len(PillowImage.open(file).convert("RGB").getcolors(maxcolors=100_000)) > 50


def test_every_demo_page_is_shared_with_a_1200_by_630_card(client, demo_site):
    for url in ("/", "/preparing-for-a-job-interview/", GUIDE_URL, "/authors/amara-okafor/"):
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        assert soup.select_one('meta[property="og:image"]')["content"].startswith("http"), url
        assert soup.select_one('meta[property="og:image:width"]')["content"] == "1200"
        assert soup.select_one('meta[property="og:image:height"]')["content"] == "630"
        assert soup.select_one('meta[name="twitter:card"]')["content"] == "summary_large_image"


def test_every_demo_link_through_go_passes_its_click_id_to_the_network(client, demo_site):
    cloaked = AffiliateLink.objects.exclude(partner__link_style="direct")
    assert cloaked.count() >= 2

    for link in cloaked:
        response = client.get(f"/go/{link.slug}/", **browser_headers())

        click = Click.objects.get(link=link)
        assert response.status_code == 302
        assert f"={click.click_id}" in response["Location"], link.slug
