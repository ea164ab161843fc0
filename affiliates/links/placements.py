"""Where on a page an affiliate link sits, as clicks record it and reports show it.

A placement is a short name written into the link's signed ``?from=`` value
(``destinations``): ``intro``, ``closing``, and for a block of a guide's body its
kind and position, counted from 1 (``product-box-4``, ``cta-6``, ``question-2``).
Templates say where they are with ``{% placement %}`` (``affiliate_tags``).
"""

import re

#: What a placement may look like: a page writes it, a click only believes it signed.
PLACEMENT = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")

#: Body blocks whose placement has a shorter name than their block type.
SHORT_NAMES = {
    "affiliate_call_to_action": "cta",
    "question_section": "question",
}
#: What reports call each kind of placement.
LABELS = {
    "intro": "Introduction",
    "closing": "Closing",
    "cta": "Call to action",
    "product-box": "Product box",
    "comparison-table": "Comparison table",
    "question": "Question section",
    "paragraph": "Paragraph",
    "tip": "Tip",
}
_NUMBERED = re.compile(r"(?P<kind>[a-z0-9-]+?)-(?P<position>\d+)")


def body_placement(block_type, position):
    """The placement of the body block ``block_type`` at ``position`` (from 1)."""
    kind = SHORT_NAMES.get(block_type, block_type).replace("_", "-")
    placement = f"{kind[:32]}-{int(position)}"
    return placement if PLACEMENT.fullmatch(placement) else ""


def describe(placement):
    """How a report names ``placement``: "Product box, block 4"; "Not recorded" for ""."""
    if not placement:
        return "Not recorded"
    if placement in LABELS:
        return LABELS[placement]
    match = _NUMBERED.fullmatch(placement)
    if match is None:
        return placement
    kind = match["kind"]
    label = LABELS.get(kind, kind.replace("-", " ").capitalize())
    return f"{label}, block {match['position']}"
