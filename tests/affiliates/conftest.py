import pytest

from affiliates import tracking


@pytest.fixture(autouse=True)
def _fresh_salt():
    # The visitor salt is remembered per process; the database under it is reset per test.
    tracking.forget_salt()
    yield
    tracking.forget_salt()
