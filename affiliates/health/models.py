"""What the last check of each link's destination found.

Part of ``affiliates.health``, which imports only ``affiliates.links``.
"""

from django.conf import settings
from django.db import models

from affiliates.links.models import AffiliateLink


class LinkHealth(models.Model):
    """What the last check of a link's destination found (``manage.py check_link_health``).

    Editors see it in the links listing and the link health report; acknowledging a
    warning hides it until the status changes again.
    """

    class Status(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        OK = "ok", "OK"
        REDIRECTED = "redirected", "Redirected elsewhere"
        BLOCKED = "blocked", "Blocked the checker"
        BROKEN = "broken", "Broken"

    #: Statuses an editor is warned about.
    WARNINGS = (Status.REDIRECTED, Status.BROKEN)

    link = models.OneToOneField(
        AffiliateLink, on_delete=models.CASCADE, primary_key=True, related_name="health"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNCHECKED)
    checked_at = models.DateTimeField("last checked", null=True, blank=True)
    reason = models.CharField(
        max_length=300, blank=True, help_text="What the last check saw, e.g. “HTTP 404”."
    )
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(
        max_length=2000, blank=True, help_text="Where the destination's redirects ended."
    )
    consecutive_failures = models.PositiveSmallIntegerField(
        default=0, help_text="A link is broken only after two failing checks in a row."
    )
    acknowledged_status = models.CharField(
        max_length=12,
        choices=Status.choices,
        blank=True,
        help_text="The warning an editor has seen; hidden until the status changes.",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "link health"
        verbose_name_plural = "link health"
        indexes = [models.Index(fields=["status"], name="affiliates_health_status")]

    def __str__(self):
        return f"{self.link_id}: {self.get_status_display()}"

    @property
    def needs_attention(self):
        """A warning status the editor has not acknowledged."""
        return self.status in self.WARNINGS and self.acknowledged_status != self.status


class LinkHealthDigestSubscription(models.Model):
    """Whether someone who may change links wants the weekly link health e-mail
    (``manage.py send_link_health_digest``), and when they were last sent one.

    No row means the default: they want it. The account settings' Notifications tab
    changes it (``affiliates.health.account``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="link_health_digest"
    )
    wants_digest = models.BooleanField(
        "weekly link health e-mail",
        default=True,
        help_text="A weekly e-mail listing broken and redirected affiliate links, "
        "sent only when some need attention.",
    )
    # Runs of the command closer together than a week send nothing to whoever already
    # has this week's e-mail.
    last_sent_at = models.DateTimeField("last digest sent", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "link health e-mail setting"
        verbose_name_plural = "link health e-mail settings"

    def __str__(self):
        wants = "wants" if self.wants_digest else "does not want"
        return f"{self.user} {wants} the weekly link health e-mail"
