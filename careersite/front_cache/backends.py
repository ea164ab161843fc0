"""Wagtail's HTTP purge backend with a time limit.

Wagtail's own ``HTTPBackend`` waits for as long as the connection takes; a front
cache that is down or unreachable must not hold up an editor pressing Publish.
"""

import logging
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

from wagtail.contrib.frontend_cache.backends.http import HTTPBackend, PurgeRequest

logger = logging.getLogger("wagtail.frontendcache")


class TimeLimitedHTTPBackend(HTTPBackend):
    """Sends ``PURGE <path>`` with the page's ``Host`` to LOCATION, giving up after TIMEOUT."""

    def __init__(self, params):
        self.timeout = float(params.pop("TIMEOUT", 2))
        super().__init__(params)

    def purge(self, url):
        parts = urlsplit(url)
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        request = PurgeRequest(
            url=urlunsplit(
                (self.cache_scheme, self.cache_netloc, parts.path, parts.query, parts.fragment)
            ),
            headers={"Host": host, "User-Agent": "careersite-front-cache-purge"},
        )
        try:
            # The scheme comes from FRONTEND_CACHE_URL, set by the operator.
            with urlopen(request, timeout=self.timeout):  # noqa: S310
                pass
        except HTTPError as error:
            logger.error("Could not purge %s from the front cache: HTTP %s", url, error.code)
        except (URLError, OSError) as error:
            logger.error("Could not purge %s from the front cache: %s", url, error)
