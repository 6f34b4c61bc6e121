"""GET /api/v1/stats/ with an API key: a key reads the figures of its own place (and of the
communities and grids inside it), never another's; a person with no statistics role is told who
reads figures, not that an empty scope "is not among" their places."""

import pytest

from huizhi.api.tests.clients import key_client, token_client
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats/"


def test_a_community_key_reads_its_own_communitys_figures():
    f.reported_case()  # a case in 花园街社区, so the figures count something
    response = key_client(f.HUAYUAN).get(STATS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"]["code"] == f.HUAYUAN
    assert body["counts"]  # the same figures a community's staff read


def test_a_key_reads_a_grid_inside_its_place():
    response = key_client(f.HUAYUAN).get(STATS, {"scope": f.GRIDWORKER_GRID})
    assert response.status_code == 200, response.content
    assert response.json()["scope"]["code"] == f.GRIDWORKER_GRID


def test_a_key_and_the_communitys_staff_read_the_same_figures():
    f.reported_case()
    by_key = key_client(f.HUAYUAN).get(STATS).json()
    by_staff = token_client("huayuan_staff").get(STATS, {"scope": f.HUAYUAN}).json()
    assert by_key["counts"] == by_staff["counts"] and by_key["rates"] == by_staff["rates"]


@pytest.mark.parametrize("scope", [f.FENGHUANG, f.STREET])
def test_a_key_is_refused_another_place_or_the_place_above_its_own(scope):
    response = key_client(f.HUAYUAN).get(STATS, {"scope": scope}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert scope in response.json()["message"]


def test_a_street_key_reads_the_street():
    response = key_client(f.STREET).get(STATS)
    assert response.status_code == 200
    assert response.json()["scope"]["code"] == f.STREET


def test_someone_without_a_statistics_role_is_told_who_reads_figures():
    response = token_client("gridworker").get(STATS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    message = response.json()["message"]
    assert "street leadership and community staff" in message
    assert "“”" not in message  # the empty scope it used to name
