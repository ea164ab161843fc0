"""Reading rendered pages as a reader's browser or a search engine would."""

import json

from bs4 import BeautifulSoup


def soup_of(client, page_or_url, **headers):
    """The parsed page (a Wagtail page or an address), which must answer 200."""
    url = getattr(page_or_url, "url", page_or_url)
    response = client.get(url, **headers)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return BeautifulSoup(response.content, "html.parser")


def json_ld(soup, kind=None):
    """The page's JSON-LD blocks, parsed; only those of schema.org type ``kind`` if given."""
    blocks = [json.loads(tag.string) for tag in soup.select('script[type="application/ld+json"]')]
    return [block for block in blocks if kind is None or block["@type"] == kind]
