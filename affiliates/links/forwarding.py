"""Which of the reader's query parameters a cloaked link passes on to the partner.

Only an allowlist: ``utm_*`` campaign tags by default, plus the names a link or its
partner explicitly allows. Forwarding everything would let anyone add a network's
deep-link parameter (Awin ``ued``, CJ ``url``, Impact ``u``) to our trusted ``/go/``
address and turn it into a redirect to anywhere.
"""

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError

#: Forwarded for every link that forwards parameters at all.
DEFAULT_ALLOWED = ("utm_*",)

_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]+\*?$")

FORWARDED_PARAMETERS_HELP = (
    "Reader parameters to pass on besides utm_* campaign tags, comma-separated, e.g. "
    "“ref, source”; end a name with * for every name starting with it. Never list a "
    "network's deep-link parameter (such as ued, url or u): it would let anyone use "
    "this link to send readers anywhere."
)


def parse_names(text: str | None) -> list[str]:
    """The names in a comma-separated list, in order, without blanks."""
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def validate_parameter_names(text: str | None) -> None:
    bad = [name for name in parse_names(text) if not _NAME.match(name)]
    if bad:
        raise ValidationError(
            "Not a parameter name: %(names)s. Use letters, digits, _ - . [ ], and * only "
            "at the end.",
            params={"names": ", ".join(bad)},
        )


def allowed_names(*lists: str | None) -> tuple[str, ...]:
    """The allowlist for a link: the defaults plus each comma-separated list given."""
    names = list(DEFAULT_ALLOWED)
    for text in lists:
        names.extend(parse_names(text))
    return tuple(names)


def is_allowed(name: str, allowed: Iterable[str]) -> bool:
    return any(
        name.startswith(entry[:-1]) if entry.endswith("*") else name == entry for entry in allowed
    )
