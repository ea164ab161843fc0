from django.db import migrations


class Migration(migrations.Migration):
    """Index Wagtail's page url_path: HomePage.route finds pages by it in one lookup."""

    dependencies = [
        ("guides", "0002_guidepage_noindex_guidepage_social_image_and_more"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS guides_page_url_path_idx ON wagtailcore_page (url_path)",
            "DROP INDEX IF EXISTS guides_page_url_path_idx",
        )
    ]
