import pytest
from wagtail.models import Page, Site

from affiliates.models import DisclosureSettings
from tests.factories import (
    DisclosurePageFactory,
    HomePageFactory,
    SectionPageFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _isolated_cache():
    from django.core.cache import caches

    from guides.page_cache import forget_local_pages

    # The pages a process keeps beside the shared cache go with it.
    for alias in ("default", "links"):
        caches[alias].clear()
    forget_local_pages()
    yield
    for alias in ("default", "links"):
        caches[alias].clear()
    forget_local_pages()


@pytest.fixture
def home(db):
    """A site whose root is our HomePage, replacing Wagtail's placeholder page."""
    Page.objects.filter(depth=2).delete()
    home = HomePageFactory()
    Site.objects.all().delete()
    Site.objects.create(
        hostname="localhost",
        port=80,
        root_page=home,
        is_default_site=True,
        site_name="Career Compass",
    )
    return home


@pytest.fixture
def section(home):
    return SectionPageFactory(parent=home, title="Preparing for a Job Interview")


@pytest.fixture
def disclosure_page(home):
    page = DisclosurePageFactory(parent=home)
    settings = DisclosureSettings.for_site(Site.objects.get())
    settings.disclosure_page = page
    settings.save()
    return page


@pytest.fixture
def editor(client):
    """The test client, signed in as an editor who may do everything in the admin."""
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client
