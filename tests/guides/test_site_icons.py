"""The site's icon, touch icon and web app manifest: browsers and crawlers asking for
/favicon.ico get it, and the manifest names the site as editors name it."""

import io
import json

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from wagtail.models import Site

pytestmark = pytest.mark.django_db


def fetched(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_favicon_ico_is_an_icon_in_three_sizes(client, home):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age=86400" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])


def test_every_page_names_its_icons_manifest_and_theme_colour_and_each_exists(client, home):
    soup = BeautifulSoup(client.get(home.url).content, "html.parser")

    links = {
        (" ".join(link["rel"]), link.get("type", "")): link["href"]
        for link in soup.select("link[rel~=icon], link[rel=apple-touch-icon], link[rel=manifest]")
    }
    assert set(links) == {
        ("icon", ""),
        ("icon", "image/svg+xml"),
        ("apple-touch-icon", ""),
        ("manifest", ""),
    }
    for href in links.values():
        assert fetched(client, href)
    touch = Image.open(io.BytesIO(fetched(client, links[("apple-touch-icon", "")])))
    assert touch.size == (180, 180)
    assert soup.select_one("meta[name=theme-color]")["content"] == "#0b4f8a"


def test_the_manifest_names_the_site_as_editors_set_it_and_its_icons_exist(client, home):
    site = Site.objects.get()
    site.site_name = "Job Compass"
    site.save()

    response = client.get("/site.webmanifest")
    manifest = json.loads(response.content)

    assert response["Content-Type"] == "application/manifest+json"
    assert (manifest["name"], manifest["short_name"], manifest["start_url"]) == (
        "Job Compass",
        "Job Compass",
        "/",
    )
    sizes = {}
    for icon in manifest["icons"]:
        content = fetched(client, icon["src"])
        if icon["type"] == "image/png":
            sizes[(icon["sizes"], icon.get("purpose", "any"))] = Image.open(
                io.BytesIO(content)
            ).size
    assert sizes == {
        ("192x192", "any"): (192, 192),
        ("512x512", "any"): (512, 512),
        ("512x512", "maskable"): (512, 512),
    }
