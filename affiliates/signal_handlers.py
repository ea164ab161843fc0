"""Receivers for the affiliates app, connected in ``AffiliatesConfig.ready``."""

from .publishing import check_disclosure, going_live


def refuse_undisclosed_publishing(sender, instance, raw=False, **kwargs):
    """The disclosure rule at the step every publish ends in (see ``affiliates.publishing``)."""
    if raw:
        return  # loading fixtures puts stored pages back as they were
    if going_live(instance):
        check_disclosure(instance)
