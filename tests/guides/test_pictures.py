"""Guides, sections, the home page and people show their pictures: responsive, in modern
formats, without layout shift, cropped around the focal point."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image as PillowImage
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Site

from guides.models import SearchAndSharingSettings
from tests.factories import (
    GuidePageFactory,
    ImageFactory,
    PersonFactory,
    SectionPageFactory,
)
from tests.pages import soup_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def picture():
    return ImageFactory(title="Handshake")


def formats_of(picture_tag):
    return [source["type"] for source in picture_tag.select("source")]


def test_a_guide_shows_its_picture_at_the_top_in_avif_and_webp_with_a_jpeg_fallback(
    client, section, picture
):
    guide = GuidePageFactory(parent=section, image=picture)

    img = soup_of(client, guide).select_one(".guide picture img.guide__image")

    assert formats_of(img.parent) == ["image/avif", "image/webp"]
    assert img["src"].endswith(".jpg")
    assert len(img["srcset"].split(",")) == 2
    assert img["sizes"]
    # Space is reserved before it loads (no layout shift), and it is wanted at once.
    assert (img["width"], img["height"]) == ("480", "270")
    assert "loading" not in img.attrs
    assert img["fetchpriority"] == "high"


def test_cards_in_a_section_show_each_guides_picture_lazily(client, section, picture):
    GuidePageFactory(parent=section, title="With a picture", image=picture)
    GuidePageFactory(parent=section, title="Without one")
    SectionPageFactory(parent=section, title="A subsection", image=picture)

    soup = soup_of(client, section)

    pictured = soup.select(".card--picture")
    assert sorted(card.h3.get_text(strip=True) for card in pictured) == [
        "A subsection",
        "With a picture",
    ]
    for card in pictured:
        img = card.select_one("img.card__image")
        assert img["loading"] == "lazy"
        assert img["alt"] == ""  # the card's title says what it is
        assert formats_of(img.parent) == ["image/avif", "image/webp"]
    plain = [card for card in soup.select(".card") if card not in pictured]
    assert [card.h3.get_text(strip=True) for card in plain] == ["Without one"]


def test_the_home_page_has_a_hero_picture_and_shows_sections_as_picture_cards(
    client, home, section, picture
):
    section.image = picture
    section.save_revision().publish()
    home.image = ImageFactory()
    home.save_revision().publish()

    soup = soup_of(client, "/")

    hero = soup.select_one(".hero img.hero__image")
    assert hero["fetchpriority"] == "high" and "loading" not in hero.attrs
    (card,) = soup.select("#sections-heading ~ .cards .card--picture")
    assert card.h3.get_text(strip=True) == "Preparing for a Job Interview"


def test_an_author_page_shows_the_persons_photo_in_modern_formats(client, home):
    person = PersonFactory(photo=ImageFactory(size=(800, 800)))

    img = soup_of(client, person.get_absolute_url()).select_one("img.person__photo")

    assert formats_of(img.parent) == ["image/avif", "image/webp"]
    assert (img["width"], img["height"]) == ("160", "160")


def test_pages_and_people_without_pictures_render_without_them(client, section, home):
    guide = GuidePageFactory(parent=section)
    person = PersonFactory()

    for url in ("/", section.url, guide.url, person.get_absolute_url()):
        assert not soup_of(client, url).select("main picture")


def test_crops_keep_the_focal_point_in_view(client, section):
    # Red above, blue in the bottom third, where the focal point is: the middle of a
    # 16:9 card cut from this square is blue (cut from the middle, it would be red).
    drawing = PillowImage.new("RGB", (1600, 1600), "red")
    drawing.paste("blue", (0, 1066, 1600, 1600))
    data = io.BytesIO()
    drawing.save(data, "PNG")
    file = get_test_image_file()
    file.file = data
    image = ImageFactory(
        file=file,
        focal_point_x=800,
        focal_point_y=1400,
        focal_point_width=400,
        focal_point_height=300,
    )
    GuidePageFactory(parent=section, image=image)

    img = soup_of(client, section).select_one("img.card__image")
    # The JPEG the card falls back to.
    rendition = image.renditions.get(file=img["src"].removeprefix("/media/"))

    with rendition.file.open() as stored:
        card = PillowImage.open(stored).convert("RGB")
        red, green, blue = card.getpixel((card.width // 2, card.height // 2))
    assert blue > 200 and red < 60


def og_image(client, url):
    soup = soup_of(client, url)
    tag = soup.select_one('meta[property="og:image"]')
    return tag and (
        tag["content"],
        soup.select_one('meta[property="og:image:width"]')["content"],
        soup.select_one('meta[property="og:image:height"]')["content"],
    )


def test_a_page_is_shared_with_its_own_picture_when_it_has_no_sharing_image(
    client, section, picture
):
    guide = GuidePageFactory(parent=section, image=picture)

    url, width, height = og_image(client, guide.url)

    assert "handshake" in url and (width, height) == ("1200", "630")


def test_a_picture_too_small_for_a_card_is_passed_over_for_the_sites_default(client, section):
    sharing = SearchAndSharingSettings.for_site(Site.objects.get())
    sharing.default_social_image = ImageFactory(title="Site card", size=(1200, 630))
    sharing.save()
    guide = GuidePageFactory(parent=section, image=ImageFactory(title="Tiny", size=(300, 200)))

    url, width, height = og_image(client, guide.url)

    assert "site-card" in url and (width, height) == ("1200", "630")
    # The picture itself still shows on the page, at the sizes it can give.
    assert soup_of(client, guide).select_one("img.guide__image")


def test_a_sharing_image_smaller_than_a_card_is_refused_with_a_clear_error(section):
    guide = GuidePageFactory(parent=section)
    guide.social_image = ImageFactory(size=(800, 600))

    with pytest.raises(ValidationError) as refused:
        guide.full_clean()

    (message,) = refused.value.message_dict["social_image"]
    assert "800×600" in message and "1200×630" in message


def test_the_sites_default_sharing_image_must_fill_a_card_too(home):
    sharing = SearchAndSharingSettings.for_site(Site.objects.get())
    sharing.default_social_image = ImageFactory(size=(1000, 1000))

    with pytest.raises(ValidationError) as refused:
        sharing.full_clean()

    assert "1000×1000" in refused.value.message_dict["default_social_image"][0]


def test_changing_a_guides_picture_reaches_readers_at_once(client, section, picture):
    guide = GuidePageFactory(parent=section, image=picture)
    first = soup_of(client, guide).select_one("img.guide__image")["src"]

    guide.image = ImageFactory(title="Another picture")
    guide.save_revision().publish()

    assert "another-picture" in soup_of(client, guide).select_one("img.guide__image")["src"]
    assert "handshake" in first


def test_pictures_whose_files_are_missing_leave_the_pages_working(client, home, section):
    sharing = SearchAndSharingSettings.for_site(Site.objects.get())
    sharing.default_social_image = ImageFactory(title="Site card", size=(1200, 630))
    sharing.save()
    lost = ImageFactory(title="Lost")
    guide = GuidePageFactory(parent=section, image=lost)
    person = PersonFactory(photo=ImageFactory(title="Lost portrait", size=(640, 640)))
    home.image = lost
    home.save_revision().publish()
    for image in (lost, person.photo):
        image.file.storage.delete(image.file.name)  # a media volume that lost them

    for url in ("/", section.url, guide.url, person.get_absolute_url()):
        soup = soup_of(client, url)
        # The sharing card falls back to the next choice that has its file.
        assert "site-card" in soup.select_one('meta[property="og:image"]')["content"], url
