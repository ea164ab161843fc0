"""Wagtail's HTTP purge backend with a time limit.

Wagtail's own ``HTTPBackend`` waits for as long as the connection takes; a front
cache that is down or unreachable must not hold up an editor pressing Publish. So
each PURGE gives up after TIMEOUT seconds, and once a cache has failed to answer,
purges to it are skipped for RETRY_AFTER seconds: one publish, which purges a
dozen URLs, waits for at most one time-out.
"""

import logging
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

from wagtail.contrib.frontend_cache.backends.http import HTTPBackend, PurgeRequest

logger = logging.getLogger("wagtail.frontendcache")

# Front cache address -> time.monotonic() until which purges to it are skipped.
_unreachable_until = {}


class TimeLimitedHTTPBackend(HTTPBackend):
    """Sends ``PURGE <path>`` with the page's ``Host`` to LOCATION, giving up after TIMEOUT."""

    def __init__(self, params):
        self.timeout = float(params.pop("TIMEOUT", 2))
        self.retry_after = float(params.pop("RETRY_AFTER", 30))
        super().__init__(params)

    def purge(self, url):
        if time.monotonic() < _unreachable_until.get(self.cache_netloc, 0):
            logger.warning("Front cache %s unreachable: not purging %s", self.cache_netloc, url)
            return
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
            _unreachable_until[self.cache_netloc] = time.monotonic() + self.retry_after
            logger.error(
                "Could not purge %s from the front cache %s (%s); skipping it for %.0f s",
                url,
                self.cache_netloc,
                getattr(error, "reason", error),
                self.retry_after,
            )
        else:
            _unreachable_until.pop(self.cache_netloc, None)
