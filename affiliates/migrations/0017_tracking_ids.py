"""Tracking IDs per page or section for partners that report earnings by tracking ID
(Amazon Associates), which affiliate managers look after as they do partners."""

import affiliates.links.tracking_templates
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GROUP = "Affiliate managers"
ACTIONS = ("add", "change", "delete", "view")


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="affiliates", model="trackingid")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_trackingid",
            defaults={"name": f"Can {action} tracking ID"},
        )[0]
        for action in ACTIONS
    ]
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("affiliates", "0016_click_placements"),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="affiliatelink",
            name="tracking_template",
            field=models.CharField(
                blank=True,
                help_text="Query parameters added when a reader follows the link, e.g. subid={page_slug}&utm_source={site}&utm_campaign={section_slug}. Placeholders: {page_slug}, {page_id}, {section_slug}, {site}, {link_slug}, and {click_id} for networks that report each sale with the sub-ID it was clicked with (cloaked links only), {tracking_id} for networks that report earnings per tracking ID (Amazon Associates' tag; see Affiliates › Tracking IDs). Added after the partner's; a parameter set here replaces the partner's.",
                max_length=500,
                validators=[affiliates.links.tracking_templates.validate_tracking_template],
            ),
        ),
        migrations.AlterField(
            model_name="partner",
            name="tracking_template",
            field=models.CharField(
                blank=True,
                help_text="Query parameters added when a reader follows the link, e.g. subid={page_slug}&utm_source={site}&utm_campaign={section_slug}. Placeholders: {page_slug}, {page_id}, {section_slug}, {site}, {link_slug}, and {click_id} for networks that report each sale with the sub-ID it was clicked with (cloaked links only), {tracking_id} for networks that report earnings per tracking ID (Amazon Associates' tag; see Affiliates › Tracking IDs). Applies to all this partner's links.",
                max_length=500,
                validators=[affiliates.links.tracking_templates.validate_tracking_template],
            ),
        ),
        migrations.CreateModel(
            name="TrackingId",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "value",
                    models.CharField(
                        help_text="Exactly as the network shows it, e.g. careersite-interview-21. Create it in the network's own account first.",
                        max_length=120,
                        unique=True,
                        verbose_name="tracking ID",
                    ),
                ),
                (
                    "page",
                    models.ForeignKey(
                        blank=True,
                        help_text="The page or section whose links use this ID, pages below it included. Leave empty for the partner's default.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.WAGTAIL_PAGE_MODEL,
                        verbose_name="page or section",
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tracking_ids",
                        to="affiliates.partner",
                    ),
                ),
            ],
            options={
                "verbose_name": "tracking ID",
                "verbose_name_plural": "tracking IDs",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("partner", "page"), name="affiliates_tracking_id_per_page"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("page__isnull", True)),
                        fields=("partner",),
                        name="affiliates_tracking_id_default",
                        violation_error_message="This partner already has a default tracking ID.",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
