"""The models Django must find in ``affiliates.models``; each lives in its sub-package.

Migrations and other apps may import them from here. Code inside ``affiliates`` imports
them from their own sub-package, so that dependencies point one way (see
``affiliates/__init__.py``).
"""

from .clicks.models import (
    Click,
    ClickAttribution,
    ClickCounts,
    ClickCountsQuerySet,
    DailyClickSummary,
    DailyClickSummaryQuerySet,
    DailyClickTotal,
    DailyPlacementClicks,
    DailyVisitor,
    MonthlyClickSummary,
    MonthlyPlacementClicks,
    VisitorCounts,
)
from .content.models import DisclosurePage, DisclosureSettings
from .earnings.models import Conversion, Network
from .health.models import LinkHealth, LinkHealthDigestSubscription
from .jobs.models import Job
from .links.models import (
    DESTINATION_CHANGED,
    EXPIRES_SOON,
    TRACKING_TEMPLATE_HELP,
    AffiliateLink,
    AffiliateLinkQuerySet,
    Partner,
    TrackingId,
    link_is_live,
    validate_destination_url,
)

__all__ = [
    "DESTINATION_CHANGED",
    "EXPIRES_SOON",
    "TRACKING_TEMPLATE_HELP",
    "AffiliateLink",
    "AffiliateLinkQuerySet",
    "Click",
    "ClickAttribution",
    "ClickCounts",
    "ClickCountsQuerySet",
    "DailyClickSummary",
    "DailyClickSummaryQuerySet",
    "DailyClickTotal",
    "DailyPlacementClicks",
    "DailyVisitor",
    "DisclosurePage",
    "Conversion",
    "DisclosureSettings",
    "Job",
    "LinkHealth",
    "LinkHealthDigestSubscription",
    "MonthlyClickSummary",
    "MonthlyPlacementClicks",
    "Network",
    "Partner",
    "TrackingId",
    "VisitorCounts",
    "link_is_live",
    "validate_destination_url",
]
