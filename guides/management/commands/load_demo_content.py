"""Create a believable demo site. Safe to run again: it only adds what is missing."""

import datetime
import io
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.images import get_image_model
from wagtail.models import Collection, Locale, Page, Site

from affiliates.models import (
    AffiliateLink,
    DisclosurePage,
    DisclosureSettings,
    Network,
    Partner,
)
from guides import demo_content as demo_copy
from guides import demo_pictures
from guides.models import (
    FeaturedGuide,
    GuideAuthor,
    GuidePage,
    HomePage,
    Person,
    PersonProfileLink,
    SearchAndSharingSettings,
    SectionPage,
    StandardPage,
)


def rich(*paragraphs):
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def affiliate(link, text):
    return f'<a linktype="affiliate" id="{link.pk}">{text}</a>'


class Command(BaseCommand):
    help = "Load the demo content: sections, guides, affiliate links and the disclosure page."

    @transaction.atomic
    def handle(self, *args, **options):
        home = self.home_page()
        links = self.affiliate_links()
        disclosure = self.child(
            home,
            DisclosurePage,
            slug="disclosure",
            title="Disclosure",
            body=rich(*demo_copy.DISCLOSURE),
        )
        disclosure_settings = DisclosureSettings.for_site(Site.objects.get(is_default_site=True))
        if disclosure_settings.disclosure_page_id is None:
            disclosure_settings.disclosure_page = disclosure
            disclosure_settings.save()
        self.child(
            home,
            StandardPage,
            slug="about",
            title="About us",
            body=rich(*demo_copy.ABOUT),
            show_in_footer=True,
        )
        for section_data in demo_copy.SECTIONS:
            section = self.child(
                home,
                SectionPage,
                slug=section_data["slug"],
                title=section_data["title"],
                summary=section_data["summary"],
                intro=rich(section_data["intro"]),
                show_in_menus=True,
            )
            for guide_data in section_data["guides"]:
                self.child(section, GuidePage, **self.guide_fields(guide_data, links))
        self.name_people(self.people())
        self.illustrate(home)
        if not home.featured_guides.exists():
            for slug in demo_copy.FEATURED:
                home.featured_guides.add(FeaturedGuide(guide=GuidePage.objects.get(slug=slug)))
            home.save_revision().publish()
        self.editor_account()
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))

    def people(self):
        people = {}
        for data in demo_copy.PEOPLE:
            person, created = Person.objects.get_or_create(
                slug=data["slug"],
                defaults={
                    "name": data["name"],
                    "role": data["role"],
                    "bio": data["bio"],
                    "credentials": data["credentials"],
                },
            )
            if created:
                for label, url in data["links"]:
                    PersonProfileLink.objects.create(person=person, label=label, url=url)
            people[data["slug"]] = person
        return people

    def name_people(self, people):
        """Give each demo guide that names nobody its author and reviewer."""
        slugs = [guide["slug"] for section in demo_copy.SECTIONS for guide in section["guides"]]
        for guide in GuidePage.objects.filter(slug__in=slugs, reviewer__isnull=True):
            if guide.authors.exists():
                continue
            guide.authors = [
                GuideAuthor(person=people[slug]) for slug in demo_copy.GUIDE_PEOPLE["authors"]
            ]
            guide.reviewer = people[demo_copy.GUIDE_PEOPLE["reviewer"]]
            guide.last_reviewed = datetime.date(*demo_copy.LAST_REVIEWED)
            guide.save_revision().publish()

    def picture(self, title, data, focus):
        """The demo image called ``title``, made from ``data`` if it is not there yet."""
        Image = get_image_model()  # noqa: N806
        image = Image.objects.filter(title=title).first()
        if image is None:
            x, y, width, height = focus
            image = Image(
                title=title,
                collection=self.root_collection(),
                file=ImageFile(io.BytesIO(data), name=f"{slugify(title)}.jpg"),
                focal_point_x=x,
                focal_point_y=y,
                focal_point_width=width,
                focal_point_height=height,
            )
            image._set_image_file_metadata()
            image.save()
        return image

    def illustrate(self, home):
        """Give the home page, sections, guides and people without a picture their own,
        and the site its card for sharing."""
        sharing = SearchAndSharingSettings.for_site(Site.objects.get(is_default_site=True))
        if sharing.default_social_image_id is None:
            card = demo_pictures.social_card(
                "Career Compass", "Straightforward advice for\nevery step of a job search"
            )
            sharing.default_social_image = self.picture(
                "Career Compass sharing card", card, (600, 315, 1200, 630)
            )
            sharing.save()
        focus = demo_pictures.ILLUSTRATION_FOCUS
        pages = [(home, demo_pictures.DEFAULT_PALETTE, "paper")]
        for data in demo_copy.SECTIONS:
            section = SectionPage.objects.child_of(home).filter(slug=data["slug"]).first()
            if section is None:
                continue
            palette = demo_pictures.PALETTES.get(data["slug"], demo_pictures.DEFAULT_PALETTE)
            pages.append((section, palette, data["motif"]))
            pages += [
                (guide, palette, data["motif"])
                for guide in GuidePage.objects.child_of(section).filter(image__isnull=True)
            ]
        for page, palette, motif in pages:
            if page.image_id is None:
                drawing = demo_pictures.illustration(page.slug, palette, motif)
                page.image = self.picture(f"Illustration: {page.title}", drawing, focus)
                page.save_revision().publish()
        for person in Person.objects.filter(photo__isnull=True):
            drawing = demo_pictures.portrait(person.slug)
            person.photo = self.picture(
                f"Portrait: {person.name}", drawing, demo_pictures.PORTRAIT_FOCUS
            )
            person.save()

    def home_page(self):
        home = HomePage.objects.first()
        if home is None:
            # Wagtail's placeholder "Welcome to your new Wagtail site!" page makes way
            # for ours (deleting it also removes the site record that pointed at it).
            for placeholder in Page.objects.filter(depth=2, slug="home"):
                if type(placeholder.specific) is Page and not placeholder.get_children():
                    placeholder.delete()
            home = self.tree_root().add_child(
                instance=HomePage(
                    title="Career Compass", slug="home", intro=rich(demo_copy.HOME_INTRO)
                )
            )
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                # Matches `make run`, so canonical and sitemap URLs work locally.
                hostname="localhost",
                port=8000,
                root_page=home,
                is_default_site=True,
                site_name="Career Compass",
            )
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.save()
        return home

    def root_collection(self):
        # Made by Wagtail's migrations, like the page tree's root; gone from a flushed
        # database.
        return Collection.get_first_root_node() or Collection.add_root(name="Root")

    def tree_root(self):
        # Wagtail's migrations create the root and default locale; a flushed database
        # (as between browser tests) has neither.
        root = Page.get_first_root_node()
        if root is None:
            Locale.objects.get_or_create(
                language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
            )
            root = Page.add_root(instance=Page(title="Root", slug="root"))
        return root

    def child(self, parent, page_class, slug, **fields):
        existing = page_class.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing
        page = parent.add_child(instance=page_class(slug=slug, **fields))
        page.save_revision().publish()
        return page

    def affiliate_links(self):
        links = {}
        for data in demo_copy.AFFILIATE_LINKS:
            partner, _ = Partner.objects.get_or_create(
                name=data["partner"],
                defaults={"network": data.get("network", ""), **data.get("partner_rules", {})},
            )
            link, _ = AffiliateLink.objects.get_or_create(
                slug=data["slug"],
                defaults={
                    "name": data["name"],
                    "destination_url": data["url"],
                    "partner": partner,
                },
            )
            links[data["slug"]] = link
        for name in demo_copy.NETWORKS:
            Network.objects.get_or_create(name=name)
        return links

    def guide_fields(self, data, links):
        def fill(text):
            # Copy refers to links as {slug|text}; turn them into stored references.
            for slug, link in links.items():
                marker = "{" + slug + "|"
                while marker in text:
                    start = text.index(marker)
                    end = text.index("}", start)
                    label = text[start + len(marker) : end]
                    text = text[:start] + affiliate(link, label) + text[end + 1 :]
            return text

        body = []
        if len(data["questions"]) >= 3:
            body.append({"type": "table_of_contents", "value": None})
        for question, points in data["questions"]:
            points = [f"<p>{fill(point)}</p>" for point in points]
            body.append(
                {
                    "type": "question_section",
                    "value": {"question": question, "anchor": "", "points": points, "answer": ""},
                }
            )
        if tip := data.get("tip"):
            body.append({"type": "tip", "value": {"title": "Tip", "text": f"<p>{fill(tip)}</p>"}})
        if product := data.get("product"):
            body.append(
                {
                    "type": "product_box",
                    "value": {
                        "name": product["name"],
                        "image": self.picture(
                            f"Product: {product['name']}",
                            demo_pictures.product(product["name"]),
                            demo_pictures.PRODUCT_FOCUS,
                        ).pk,
                        "verdict": product["verdict"],
                        "pros": product["pros"],
                        "cons": product["cons"],
                        "rating": product["rating"],
                        "price_note": product["price_note"],
                        "link": links[product["link"]].pk,
                        "button_label": product["button"],
                    },
                }
            )
        if comparison := data.get("comparison"):
            body.append(
                {
                    "type": "comparison_table",
                    "value": {
                        "caption": comparison["caption"],
                        "products": [
                            {
                                "name": name,
                                "link": links[slug].pk if slug else None,
                                "button_label": "See the offer",
                            }
                            for name, slug in comparison["products"]
                        ],
                        "rows": [
                            {"label": label, "values": values}
                            for label, values in comparison["rows"]
                        ],
                    },
                }
            )
        if cta := data.get("cta"):
            body.append(
                {
                    "type": "affiliate_call_to_action",
                    "value": {
                        "link": links[cta["link"]].pk,
                        "heading": cta["heading"],
                        "text": cta["text"],
                        "button_label": cta["button"],
                    },
                }
            )
        return {
            "slug": data["slug"],
            "title": data["title"],
            "summary": data["summary"],
            "intro": rich(fill(data["intro"])),
            "body": body,
            "closing": rich(fill(data["closing"])),
        }

    def editor_account(self):
        User = get_user_model()  # noqa: N806
        if User.objects.filter(username="editor").exists():
            self.stdout.write(
                "Demo editor account: editor (password was shown when it was created)."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("editor", "editor@example.com", password)
        self.stdout.write(
            self.style.WARNING(
                "Created the demo editor account. Sign in at /admin/ with\n"
                f"  username: editor\n  password: {password}\n"
                "This password is shown only once."
            )
        )
