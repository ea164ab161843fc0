import pytest
from django.contrib.auth.models import Group, Permission

from affiliates.clicks import link_cache, visitor_keys
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_click_state():
    # The visitor salt, links, pages and sites are remembered per process; the
    # database and caches under them are reset per test.
    visitor_keys.forget()
    link_cache.forget_local_links()
    yield
    visitor_keys.forget()
    link_cache.forget_local_links()


@pytest.fixture(autouse=True)
def _own_click_spool(settings, tmp_path):
    # Clicks the database refused are spooled to files; each test has its own folder.
    settings.CLICK_SPOOL_DIR = tmp_path / "click-spool"


@pytest.fixture
def sign_in(db):
    """``sign_in(client, *groups, permissions=())``: sign ``client`` in as a new user in
    the named groups, holding the permissions named by codename; returns the user."""

    def sign(client, *groups, permissions=()):
        user = UserFactory()
        user.groups.add(*(Group.objects.get(name=name) for name in groups))
        user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
        client.force_login(user)
        return user

    return sign


@pytest.fixture
def user_with(db):
    """``user_with(*codenames)``: a new user who can reach the admin and holds the
    ``affiliates`` permissions named."""

    def make(*codenames):
        user = UserFactory()
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
            *Permission.objects.filter(
                content_type__app_label="affiliates", codename__in=codenames
            ),
        )
        return user

    return make
