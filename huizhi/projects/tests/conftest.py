import pytest

from huizhi.projects.tests.helpers import build_world


@pytest.fixture
def world(db):
    return build_world()
