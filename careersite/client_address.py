"""The address of the client on the other side of our own reverse proxies.

Used by everything that must tell readers or editors apart by address: the sign-in
lock-out (django-axes) and click counting. One function, so the two can never disagree
about who is asking.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the one our proxies vouch for.

    With ``PROXY_COUNT`` proxies in front, each appends the address it saw to
    X-Forwarded-For, so the client is that many entries from the right; anything
    further left was written by the client and could be anything.
    """
    proxies: int = getattr(settings, "PROXY_COUNT", 0)
    if proxies > 0:
        header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [entry.strip() for entry in header.split(",") if entry.strip()]
        if forwarded:
            return forwarded[max(len(forwarded) - proxies, 0)]
    remote_address: str = request.META.get("REMOTE_ADDR", "")
    return remote_address
