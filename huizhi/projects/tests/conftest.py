import pytest

from huizhi.projects.tests.helpers import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(autouse=True)
def pages_in_english(client):
    """The page tests read English wording; a request's language comes from the request
    (LocaleMiddleware), not from translation.override, and the product's default is Chinese."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
