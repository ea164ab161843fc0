"""Tracking templates: query parameters added to a partner's address when a reader
follows a link, so the partner network's reports line up with ours.

A template is a query string whose values may hold placeholders, e.g.
``subid={page_slug}&utm_source={site}&utm_campaign={section_slug}``. It is checked
when an editor saves it (an unknown placeholder is a form error), so filling it in
at redirect time cannot fail.
"""

from collections.abc import Iterable, Mapping
from string import Formatter
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError

#: What each placeholder stands for, as the editor's help text and errors say it.
PLACEHOLDERS = {
    "page_slug": "the slug of the page the link was clicked on",
    "page_id": "the id of that page",
    "section_slug": "the slug of that page's section",
    "site": "the site's host name",
    "link_slug": "the link's own slug",
    "click_id": "an identifier of this click, which a network reports back with the sale "
    "it led to (empty on direct links, which do not pass through our redirect)",
    "tracking_id": "the partner's tracking ID for that page or its section (Affiliates › "
    "Tracking IDs); with none, a parameter that is only this placeholder is left out, so "
    "the address keeps its own",
}

_formatter = Formatter()


def _parameters(template: str) -> list[tuple[str, str]]:
    """[(name, value template)] in order; raises ValueError for a malformed pair."""
    pairs = []
    for part in template.strip().lstrip("?").split("&"):
        if not part:
            continue
        name, equals, value = part.partition("=")
        if not equals or not name.strip():
            raise ValueError(f"“{part}” is not of the form name=value.")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _placeholders(value: str) -> list[str]:
    """The placeholder names in one value; raises ValueError for stray braces."""
    names = []
    try:
        parsed = list(_formatter.parse(value))
    except ValueError:
        raise ValueError(
            f"“{value}” has a brace without its partner; write placeholders as {{name}}."
        ) from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if spec or conversion or not field.isidentifier():
            raise ValueError(f"“{{{field}}}” is not a placeholder; write it as {{name}}.")
        names.append(field)
    return names


def validate_tracking_template(template: str) -> None:
    """The form check: well-formed name=value pairs using only known placeholders."""
    if not template.strip():
        return
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    try:
        pairs = _parameters(template)
        used = [name for _, value in pairs for name in _placeholders(value)]
    except ValueError as error:
        raise ValidationError(f"{error} Placeholders you can use: {known}.") from None
    unknown = sorted({name for name in used if name not in PLACEHOLDERS})
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        listed = ", ".join(f"{{{name}}}" for name in unknown)
        raise ValidationError(
            f"Unknown placeholder{plural}: {listed}. Placeholders you can use: {known}."
        )


def uses_page(*templates: str | None) -> bool:
    """Whether filling these templates needs to know the page (so the caller looks it up)."""
    return any(
        name in ("page_slug", "page_id", "section_slug", "tracking_id")
        for template in templates
        if template
        for _, value in _parameters(template)
        for name in _placeholders(value)
    )


def uses(placeholder: str, *templates: str | None) -> bool:
    """Whether any of ``templates`` uses ``placeholder``."""
    return any(
        placeholder in _placeholders(value)
        for template in templates
        if template
        for _, value in _parameters(template)
    )


def fill(templates: Iterable[str | None], values: Mapping[str, str]) -> list[tuple[str, str]]:
    """The parameters of ``templates`` (later ones win on a name) with ``values`` filled in.

    A placeholder with no value (say, a click from no page) becomes empty, except that
    a parameter that is only ``{tracking_id}`` is left out without one: the partner's
    address keeps its own tag rather than losing the commission to an empty one.
    """
    filled = {}
    for template in templates:
        if not template:
            continue
        for name, value in _parameters(template):
            if value == "{tracking_id}" and not values.get("tracking_id"):
                continue
            filled[name] = value.format_map(_Blank(values))
    return list(filled.items())


def add_parameters(url: str, parameters: list[tuple[str, str]]) -> str:
    """``url`` with ``parameters`` set, replacing any of the same name already in it."""
    if not parameters:
        return url
    parts = urlsplit(url)
    names = {name for name, _ in parameters}
    # The rest of the partner's query is kept byte for byte: partners can be picky.
    kept = [
        segment for segment in parts.query.split("&") if segment and _name_of(segment) not in names
    ]
    return urlunsplit(parts._replace(query="&".join([*kept, urlencode(parameters)])))


def _name_of(segment: str) -> str:
    pairs = parse_qsl(segment, keep_blank_values=True)
    return pairs[0][0] if pairs else segment


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
