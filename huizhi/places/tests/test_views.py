"""The console and phone pages of the place tree: who gets in, what they see, what it costs."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place

pytestmark = pytest.mark.django_db

STREET = "341102001"
FENGHUANG = "341102001001"
SANLITING = "341102001002"
HUAYUAN = "341102001003"
GRIDWORKER_GRID = "341102001003001"  # 花园街第1网格, with 扬天小区
NEIGHBOUR_GRID = "341102001003002"
FENGHUANG_GRID = "341102001001001"
NO_SUCH_GRID = "341102001003099"

CONSOLE_PAGES = [
    "/console/",
    "/console/overview/",
    "/console/grids/",
    f"/console/grids/{GRIDWORKER_GRID}/",
]
PHONE_PAGES = ["/m/grids/"]
SCOPED_PAGES = CONSOLE_PAGES + PHONE_PAGES
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


def login(client, username: str) -> User:
    user = User.objects.get(username=username)
    client.force_login(user)
    return user


def html(response) -> str:
    return response.content.decode()


def map_config(response) -> dict:
    match = re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html(response), re.S)
    assert match, "the map data is embedded with json_script"
    return json.loads(match.group(1))


# --- who gets in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", SCOPED_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("url", ["/", "/healthz"])
def test_public_pages_need_no_sign_in(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", SCOPED_PAGES)
def test_a_resident_is_refused_every_staff_page(client, url):
    login(client, "resident")
    response = client.get(url)
    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]


@pytest.mark.parametrize(
    ("username", "url", "status"),
    [
        ("street", "/console/", 200),
        ("street", "/console/overview/", 200),
        ("street", "/console/grids/", 200),
        ("street", f"/console/grids/{GRIDWORKER_GRID}/", 200),
        ("street", "/m/grids/", 403),
        ("huayuan_staff", "/console/", 200),
        ("huayuan_staff", f"/console/grids/{GRIDWORKER_GRID}/", 200),
        ("huayuan_staff", "/m/grids/", 403),
        ("gridworker", "/console/grids/", 200),
        ("gridworker", f"/console/grids/{GRIDWORKER_GRID}/", 200),
        ("gridworker", "/m/grids/", 200),
        ("commissioner", f"/console/grids/{GRIDWORKER_GRID}/", 200),
        ("repair_crew", "/console/", 200),
        ("repair_crew", "/m/grids/", 403),
        ("liaison", "/console/", 403),
        ("liaison", "/console/grids/", 403),
        ("liaison", "/m/grids/", 200),
        ("admin", "/console/overview/", 200),
        ("admin", f"/console/grids/{FENGHUANG_GRID}/", 200),
        ("admin", "/m/grids/", 200),
    ],
)
def test_roles_reach_their_pages_and_no_others(client, username, url, status):
    login(client, username)
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("huayuan_staff", FENGHUANG_GRID),  # another community's grid
        ("fenghuang_staff", GRIDWORKER_GRID),
        ("gridworker", NEIGHBOUR_GRID),  # the next grid of the same community
        ("repair_crew", GRIDWORKER_GRID),  # no place scope at all
        ("huayuan_staff", HUAYUAN),  # a community's code is not a grid
    ],
)
def test_a_grid_out_of_scope_is_not_found(client, username, code):
    login(client, username)
    assert client.get(f"/console/grids/{code}/").status_code == 404


def test_out_of_scope_and_nonexistent_grids_answer_alike(client):
    login(client, "huayuan_staff")
    out_of_scope = client.get(f"/console/grids/{FENGHUANG_GRID}/")
    missing = client.get(f"/console/grids/{NO_SUCH_GRID}/")
    assert out_of_scope.status_code == missing.status_code == 404
    # The pages differ only in the per-render CSRF token and the echoed path (the language form).
    assert CSRF_TOKEN.sub("", html(out_of_scope)).replace(FENGHUANG_GRID, "<code>") == CSRF_TOKEN.sub(
        "", html(missing)
    ).replace(NO_SUCH_GRID, "<code>")
    assert "凤凰" not in html(out_of_scope)


# --- what they see -------------------------------------------------------------------------------


def test_street_overview_figures_for_street_leadership(client):
    login(client, "street")
    response = client.get("/console/overview/")
    assert response.status_code == 200
    [overview] = response.context["overviews"]
    assert overview.street.code == STREET
    assert len(overview.communities) == 6
    assert overview.grids == 78
    assert overview.branches == 45
    assert overview.compounds_without_property == 119
    assert overview.compounds_with_property == 41
    page = html(response)
    for figure, value in [("grids", 78), ("branches", 45), ("without-property", 119), ("with-property", 41)]:
        assert f'data-figure="{figure}">{value}<' in page
    assert "凤凰社区" in page and "三里亭社区" in page


def test_street_overview_for_community_staff_counts_their_community_only(client):
    login(client, "fenghuang_staff")
    response = client.get("/console/overview/")
    [overview] = response.context["overviews"]
    [row] = overview.communities
    compounds = Place.objects.filter(kind=PlaceKind.COMPOUND, code__startswith=FENGHUANG)
    branches = Organisation.objects.filter(
        kind=OrganisationKind.GRID_PARTY_BRANCH, place__code__startswith=FENGHUANG
    )
    assert row.community.code == FENGHUANG
    assert overview.grids == row.grids == 13
    assert overview.branches == branches.count() > 0
    assert overview.compounds_with_property == compounds.filter(has_property_company=True).count()
    assert overview.compounds_without_property == compounds.filter(has_property_company=False).count()
    assert overview.compounds_with_property + overview.compounds_without_property == compounds.count()
    page = html(response)
    assert 'data-figure="grids">13<' in page
    assert f'data-community="{FENGHUANG}"' in page
    assert "三里亭社区" not in page and f'data-community="{SANLITING}"' not in page


def test_street_overview_for_a_grid_worker_counts_their_grid_only(client):
    login(client, "gridworker")
    [overview] = client.get("/console/overview/").context["overviews"]
    [row] = overview.communities
    assert row.community.code == HUAYUAN
    assert row.grids == 1
    assert (
        row.compounds == Place.objects.filter(kind=PlaceKind.COMPOUND, parent__code=GRIDWORKER_GRID).count()
    )


def test_street_overview_for_an_administrator_counts_the_whole_tree(client):
    # An administrator holds no place, so no community holds one of their scope roots: the
    # communities must come from the unlimited scope itself.
    login(client, "admin")
    [overview] = client.get("/console/overview/").context["overviews"]
    assert overview.street.code == STREET
    assert len(overview.communities) == 6
    assert overview.grids == 78


def test_street_overview_for_a_handling_unit_is_empty(client):
    login(client, "repair_crew")
    response = client.get("/console/overview/")
    assert response.status_code == 200
    assert response.context["overviews"] == []
    assert "data-figure" not in html(response)


@pytest.mark.parametrize(
    ("username", "count", "community"),
    [("street", 78, None), ("huayuan_staff", 13, "花园街社区"), ("fenghuang_staff", 13, "凤凰社区")],
)
def test_grids_list_shows_the_grids_in_scope(client, username, count, community):
    login(client, username)
    response = client.get("/console/grids/")
    grids = response.context["grids"]
    assert len(grids) == count
    if community:
        assert {g.parent.name for g in grids} == {community}
    features = map_config(response)["features"]
    assert {f["properties"]["code"] for f in features} == {g.code for g in grids}
    assert all(f["geometry"]["type"] == "Polygon" for f in features)


def test_grids_list_for_community_staff_leaves_out_other_communities(client):
    login(client, "huayuan_staff")
    page = html(client.get("/console/grids/"))
    assert GRIDWORKER_GRID in page
    assert FENGHUANG_GRID not in page and "凤凰第1网格" not in page


def test_grids_list_for_a_handling_unit_is_empty(client):
    login(client, "repair_crew")
    response = client.get("/console/grids/")
    assert response.context["grids"] == []
    assert map_config(response)["features"] == []


def test_grid_detail_shows_compounds_branch_and_workers(client):
    login(client, "huayuan_staff")
    response = client.get(f"/console/grids/{GRIDWORKER_GRID}/")
    assert response.context["grid"].code == GRIDWORKER_GRID
    page = html(response)
    assert "扬天小区" in page
    assert "花园街第1网格党支部" in page
    assert "王建军" in page  # the demo grid worker
    [feature] = map_config(response)["features"]
    assert feature["properties"]["code"] == GRIDWORKER_GRID


def test_my_grids_lists_the_grid_workers_grid_and_its_compounds(client):
    login(client, "gridworker")
    response = client.get("/m/grids/")
    [(grid, compounds)] = response.context["rows"]
    assert grid.code == GRIDWORKER_GRID
    assert [c.code for c in compounds] == list(
        Place.objects.filter(parent__code=GRIDWORKER_GRID).order_by("code").values_list("code", flat=True)
    )
    assert "扬天小区" in html(response)
    assert "花园街第2网格" not in html(response)


def test_my_grids_for_a_liaison_without_grids(client):
    login(client, "liaison")
    response = client.get("/m/grids/")
    assert response.status_code == 200
    assert response.context["rows"] == []


# --- what it costs: the number of queries does not grow with the number of grids ----------------


def _queries(client, username: str, url: str) -> int:
    login(client, username)
    client.get(url)  # warm per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/console/overview/", "/console/grids/"])
def test_list_pages_cost_the_same_for_78_grids_as_for_13(client, url):
    # The commissioner holds one community (13 grids); community staff would pay one more query,
    # for the urgent care alerts raised to them, which has nothing to do with the grids.
    assert _queries(client, "street", url) == _queries(client, "commissioner", url)


def test_overview_query_count(client, django_assert_num_queries):
    login(client, "street")
    # Session, user, roles; communities, grids, compounds, branches; the inbox's unread count (no
    # model-permission lookup behind the navigation's refused items: the account is not staff).
    with django_assert_num_queries(8):
        assert client.get("/console/overview/").status_code == 200


def test_grids_list_query_count(client, django_assert_num_queries):
    login(client, "street")
    # Session, user, roles; the grids with their communities; the inbox's unread count.
    with django_assert_num_queries(5):
        assert client.get("/console/grids/").status_code == 200


def test_grid_detail_query_count(client, django_assert_max_num_queries):
    login(client, "huayuan_staff")
    with django_assert_max_num_queries(11):  # with the urgent-care-alert count raised to staff
        assert client.get(f"/console/grids/{GRIDWORKER_GRID}/").status_code == 200


def test_my_grids_query_count(client, django_assert_num_queries):
    login(client, "gridworker")
    # Session, user, roles; the grids; their compounds; the inbox's unread count; the urgent care
    # alerts of their grids.
    with django_assert_num_queries(7):
        assert client.get("/m/grids/").status_code == 200


# --- no inline scripts ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/console/", "/console/grids/", f"/console/grids/{GRIDWORKER_GRID}/"])
def test_content_security_policy_forbids_inline_scripts(client, url):
    login(client, "street")
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("url", ["/console/grids/", f"/console/grids/{GRIDWORKER_GRID}/"])
def test_map_pages_carry_data_not_inline_code(client, url):
    login(client, "street")
    page = html(client.get(url))
    scripts = SCRIPT_TAG.findall(page)
    assert scripts
    for attributes, body in scripts:
        if body.strip():
            assert 'type="application/json"' in attributes, f"inline executable script: {body[:80]}"
        else:
            assert "src=" in attributes
    assert any('id="map-config"' in attributes for attributes, _body in scripts)
    assert '<script src="/static/huizhi/js/map.js"></script>' in page


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.json()["status"] == "ok"
    assert "Content-Security-Policy" in response
