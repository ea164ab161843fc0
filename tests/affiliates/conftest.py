import pytest

from affiliates.clicks import link_cache, visitor_keys


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
