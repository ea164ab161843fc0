"""Affiliate managers may lock links against changes and unlock them (migration 0004
made the group; Wagtail makes these permissions only after all migrations have run)."""

from django.db import migrations

GROUP = "Affiliate managers"
PERMISSIONS = [
    ("lock_affiliatelink", "Can lock affiliate link"),
    ("unlock_affiliatelink", "Can unlock affiliate link"),
]


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="affiliates", model="affiliatelink"
    )
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in PERMISSIONS
    ]
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(
            *group.permissions.filter(
                content_type__app_label="affiliates",
                codename__in=[codename for codename, _ in PERMISSIONS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [("affiliates", "0008_partner_rules_link_lifecycle_and_health")]

    operations = [migrations.RunPython(grant, revoke)]
