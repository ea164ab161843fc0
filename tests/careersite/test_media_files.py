"""Uploaded images and their renditions reach readers from the app, cacheable by the
front cache, and nothing outside MEDIA_ROOT does."""

import pytest

from tests.factories import ImageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "secret.txt").write_text("not for readers")


def test_a_rendition_is_served_with_a_year_of_caching(client):
    rendition = ImageFactory().get_rendition("fill-320x180|format-webp")

    response = client.get(rendition.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=31536000" in cache_control
    assert "immutable" in cache_control


def test_an_original_image_is_cached_for_a_day_since_editors_can_replace_it(client):
    image = ImageFactory()

    response = client.get(image.file.url)

    assert response.status_code == 200
    assert "max-age=86400" in response["Cache-Control"]


def test_documents_and_job_files_are_never_served_from_media(client, settings):
    # Wagtail serves documents itself, checking their privacy; job files (click
    # exports) are downloaded through a permission check.
    for folder in ("documents", "jobs/abc123"):
        target = settings.MEDIA_ROOT / folder
        target.mkdir(parents=True)
        (target / "private.pdf").write_bytes(b"%PDF private")

        response = client.get(f"/media/{folder}/private.pdf")

        assert response.status_code == 404
        assert b"private" not in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/images/../../secret.txt",
        "/media/images/",
        "/media/no-such-file.jpg",
    ],
)
def test_nothing_outside_the_uploads_and_no_listing_is_served(client, path):
    ImageFactory()

    response = client.get(path)

    assert response.status_code == 404
    assert b"not for readers" not in response.content


def test_with_serve_media_off_the_app_leaves_uploads_to_the_server_in_front(client, settings):
    settings.SERVE_MEDIA = False
    image = ImageFactory()

    assert client.get(image.file.url).status_code == 404
