"""Factories for every page type and record, so tests build only what they need."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page

from affiliates.models import AffiliateLink, Click, DisclosurePage, Partner
from guides.models import GuidePage, HomePage, Person, SectionPage, StandardPage


class PageFactory(factory.django.DjangoModelFactory):
    """Adds the page under ``parent`` (the tree root when none is given) and publishes it."""

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, parent=None, publish=True, **kwargs):
        parent = parent or Page.get_first_root_node()
        # A draft is never live, not even for a moment: a page created live is published.
        page = parent.add_child(instance=model_class(*args, live=publish, **kwargs))
        revision = page.save_revision()
        if publish:
            revision.publish()
            page.refresh_from_db()
        return page


class HomePageFactory(PageFactory):
    title = "Home"
    slug = "home"
    intro = "<p>Practical career advice.</p>"

    class Meta:
        model = HomePage


class SectionPageFactory(PageFactory):
    title = factory.Sequence(lambda n: f"Section {n}")
    intro = "<p>Guides on one topic.</p>"
    show_in_menus = True

    class Meta:
        model = SectionPage


class GuidePageFactory(PageFactory):
    title = factory.Sequence(lambda n: f"Guide {n}")
    summary = "A short guide."
    intro = "<p>Why this matters.</p>"
    closing = "<p>Good luck.</p>"

    class Meta:
        model = GuidePage


class StandardPageFactory(PageFactory):
    title = factory.Sequence(lambda n: f"Standard page {n}")
    body = "<p>About this site.</p>"

    class Meta:
        model = StandardPage


class DisclosurePageFactory(PageFactory):
    title = "Disclosure"
    slug = "disclosure"
    body = "<p>We may earn referral fees.</p>"

    class Meta:
        model = DisclosurePage


class PersonFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.LazyAttribute(lambda person: slugify(person.name))
    role = "Careers adviser"

    class Meta:
        model = Person


class ImageFactory(factory.django.DjangoModelFactory):
    """An image in Wagtail's library, 1600×900 unless ``size`` says otherwise."""

    title = factory.Sequence(lambda n: f"Picture {n}")

    class Meta:
        model = Image

    @classmethod
    def _create(cls, model_class, *args, size=(1600, 900), **kwargs):
        name = f"{slugify(kwargs['title'])}.png"
        kwargs.setdefault("file", get_test_image_file(name, colour="#0b4f8a", size=size))
        return super()._create(model_class, *args, **kwargs)


class PartnerFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Partner {n}")

    class Meta:
        model = Partner


class AffiliateLinkFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Offer {n}")
    slug = factory.Sequence(lambda n: f"offer-{n}")
    destination_url = factory.Sequence(lambda n: f"https://partner.example.com/offer/{n}")
    partner = factory.SubFactory(PartnerFactory)

    class Meta:
        model = AffiliateLink


#: Link fields that put a link outside its working life, by what an editor calls it.
NOT_LIVE = {
    "switched off": {"is_active": False},
    "expired": {"expires_at": timezone.now() - datetime.timedelta(days=1)},
    "not started": {"starts_at": timezone.now() + datetime.timedelta(days=1)},
}


class ClickFactory(factory.django.DjangoModelFactory):
    link = factory.SubFactory(AffiliateLinkFactory)
    clicked_at = factory.Faker("date_time_this_year", tzinfo=factory.Faker("pytimezone"))
    visitor_key = factory.Sequence(lambda n: f"{n:064x}")

    class Meta:
        model = Click


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True


def question(text, *points, anchor=""):
    """Raw StreamField data for a question section."""
    return {
        "type": "question_section",
        "value": {
            "question": text,
            "anchor": anchor,
            "points": [f"<p>{point}</p>" for point in points],
            "answer": "",
        },
    }


def affiliate_anchor(link, text="this offer"):
    """Rich-text HTML referencing an affiliate link the way the editor stores it."""
    return f'<a linktype="affiliate" id="{link.pk}">{text}</a>'


BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


def browser_headers(**headers):
    """Test-client headers of a reader's browser following a link, plus ``headers``."""
    return {
        "HTTP_USER_AGENT": BROWSER_USER_AGENT,
        "HTTP_SEC_FETCH_MODE": "navigate",
        "HTTP_SEC_FETCH_DEST": "document",
        "REMOTE_ADDR": "203.0.113.7",
        **headers,
    }


def signed_from(page, link, placement=""):
    """The ``?from=`` value ``page`` writes on its link to ``link`` at ``placement``."""
    from affiliates.links.destinations import from_value

    return from_value(page.pk, link.slug, placement)
