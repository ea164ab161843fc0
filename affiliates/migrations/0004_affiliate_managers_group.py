"""The "Affiliate managers" group: manage affiliate links and partners, and see click reports.

Permissions are made here if they do not exist yet: Django creates them only after
all migrations have run, and this one needs them now.
"""

from django.db import migrations

GROUP = "Affiliate managers"
PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"),
    ("affiliates", "click", "view_click_reports", "Can view affiliate click reports"),
    *(
        ("affiliates", model, f"{action}_{model}", f"Can {action} {verbose_name}")
        for model, verbose_name in (("affiliatelink", "affiliate link"), ("partner", "partner"))
        for action in ("add", "change", "delete", "view")
    ),
]


def create_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = []
    for app_label, model, codename, name in PERMISSIONS:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        permissions.append(permission)
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*permissions)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("affiliates", "0003_click_rollup_and_report_permission"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # These grant "choose" to every group that can use the admin; ours needs neither.
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtaildocs", "0011_add_choose_permissions"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
