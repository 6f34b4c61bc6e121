"""The leader's view, its downloads, the monthly report and the API, on the worked month (conftest)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from huizhi.cases.tests.factories import FENGHUANG, HUAYUAN, STREET, repair_crew, user
from huizhi.core.tests.test_sheets_formula import FORMULAS, formulas_in
from huizhi.places.models import Organisation
from huizhi.stats.tests.helpers import MON, close, march, report_at, step

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("stats:dashboard")
REPORT = reverse("stats:report")
MARCH = {"period": "month", "month": "2025-03"}


def signed_in(client, username: str):
    client.force_login(user(username))
    return client


def tile(html: str, key: str) -> str:
    start = html.index(f'data-metric="{key}"')
    return html[start : html.index("</li>", start)]


def test_the_street_leader_sees_the_headline_rates_with_their_counts(client, month):
    response = signed_in(client, "street").get(DASHBOARD, {**MARCH, "scope": STREET})
    html = response.content.decode()
    assert response.status_code == 200
    # 应结案 5 (A B C D F), closed 4, on time 3 — H in 凤凰社区 was never dispatched.
    assert "80.00%" in tile(html, "closure") and "4 / 5" in tile(html, "closure")
    assert "60.00%" in tile(html, "closed_in_time") and "3 / 5" in tile(html, "closed_in_time")
    assert "6 / 8" in tile(html, "accept_in_time")
    # February had nothing: no comparison, not a change from 0%.
    assert "▲" not in tile(html, "closure") and "▼" not in tile(html, "closure")
    # Each tile's ⓘ leads to its written definition.
    assert 'href="#def-closure"' in tile(html, "closure") and 'id="def-closure"' in html
    for table in (
        "headline",
        "sources",
        "categories",
        "ranking-community",
        "ranking-grid",
        "ranking-unit",
        "trend",
    ):
        assert f'data-table="{table}"' in html, table
    assert 'id="stats-charts"' in html and "echarts.min.js" in html


def test_a_period_with_no_cases_shows_a_dash_never_zero_percent(client, month):
    html = (
        signed_in(client, "street").get(DASHBOARD, {"period": "month", "month": "2024-03"}).content.decode()
    )
    for key in ("closure", "closed_in_time", "satisfied"):
        assert "—" in tile(html, key) and "0.00%" not in tile(html, key)


def test_community_staff_read_their_community_and_are_refused_another(client, month):
    client = signed_in(client, "huayuan_staff")
    own = client.get(DASHBOARD, MARCH)
    assert own.status_code == 200 and f'data-scope="{HUAYUAN}"' in own.content.decode()
    for outside in (FENGHUANG, STREET, "99"):
        refused = client.get(DASHBOARD, {**MARCH, "scope": outside})
        assert refused.status_code == 403
        assert "data-refusal" in refused.content.decode()


@pytest.mark.parametrize(
    "params, says",
    [
        ({"month": "2025-13"}, "There is no month 13."),
        ({"month": "March"}, "The month must be written like 2024-05"),
        ({"month": "2100-01"}, "has not begun yet"),
        ({"month": "2999-01"}, "outside the years the figures cover"),
        ({"period": "custom", "from": "2025-03-10", "to": "2025-03-01"}, "comes before the first"),
        ({"period": "fortnight"}, "Unknown period"),
    ],
)
def test_a_malformed_or_future_period_is_refused_with_a_message(client, params, says):
    client.force_login(user("street"))
    client.cookies["django_language"] = "en"
    response = client.get(DASHBOARD, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert says in response.content.decode()


def test_roles_without_statistics_are_refused(client):
    for username in ("gridworker", "repair_crew", "commissioner"):
        assert signed_in(client, username).get(DASHBOARD).status_code == 403
    client.logout()
    assert client.get(DASHBOARD).status_code == 302  # to sign in


def test_a_handling_units_figures(client, month):
    crew = repair_crew()
    html = signed_in(client, "street").get(DASHBOARD, {**MARCH, "unit": crew.pk}).content.decode()
    assert crew.name in html and "3 / 5" in tile(html, "closed_in_time")


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def test_every_table_downloads_as_xlsx(client, month):
    client = signed_in(client, "street")
    book = workbook(client.get(reverse("stats:download", args=["ranking-community"]), MARCH))
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[2]
    assert header[1] in ("Community", "社区") and header[3] in ("Due to close (应结案)", "应结案数")
    first = rows[3]
    # 花园街社区 first: 7 reported, 5 due, 4 closed, 3 on time, 80% and 60%.
    assert first[1] == "花园街社区" and first[2:8] == (7, 5, 4, 3, 80.0, 60.0)
    # A community with nothing due: a dash, not 0.
    assert rows[4][6] == "—"
    assert client.get(reverse("stats:download", args=["nonesuch"]), MARCH).status_code == 404


def test_the_monthly_report_has_a_sheet_per_breakdown_for_the_street_and_for_a_community(client, month):
    client = signed_in(client, "street")
    street = workbook(client.get(REPORT, {"month": "2025-03", "format": "xlsx"}))
    community = workbook(client.get(REPORT, {"month": "2025-03", "format": "xlsx", "scope": HUAYUAN}))
    # headline, other, field work and care, sources, states, categories, 3 rankings, trend, definitions
    assert len(street.sheetnames) == 11
    assert len(community.sheetnames) == 10  # no ranking of communities inside a community
    headline = [row for row in street.worksheets[0].iter_rows(values_only=True)]
    by_figure = {row[0]: row for row in headline[3:]}
    closure = next(row for label, row in by_figure.items() if "结案率" in label and "按期" not in label)
    assert closure[1:4] == (80.0, 4, 5)
    definitions = street.worksheets[-1]
    assert any("应结案数" in str(row[2]) for row in definitions.iter_rows(values_only=True))


@pytest.mark.parametrize(
    "params, status",
    [
        ({"month": "2025-3x", "format": "xlsx"}, 400),
        ({"month": "2999-01", "format": "xlsx"}, 400),
        ({"format": "xlsx"}, 400),
        ({"month": "2025-03", "format": "docx"}, 400),
        ({"month": "2025-03", "format": "xlsx", "scope": "341102009"}, 403),
    ],
)
def test_the_monthly_report_refuses_bad_input(client, params, status):
    response = signed_in(client, "street").get(REPORT, params)
    assert response.status_code == status and "data-refusal" in response.content.decode()


def test_a_formula_typed_as_a_name_stays_text_in_the_downloads(client, month):
    Organisation.objects.filter(pk=repair_crew().pk).update(name=FORMULAS[0])
    response = signed_in(client, "street").get(reverse("stats:download", args=["ranking-unit"]), MARCH)
    assert formulas_in(response.content) == []
    assert FORMULAS[0] in [row[1] for row in workbook(response).active.iter_rows(values_only=True)]


@pytest.mark.parametrize("cases", [1, 5])
def test_the_page_takes_the_same_number_of_queries_however_many_cases(
    client, cases, django_assert_max_num_queries
):
    for _n in range(cases):
        case = report_at(march(MON, 9))
        case = step(march(MON, 9, 30), case, "accept")
        case = step(march(MON, 9, 40), case, "dispatch")
        close(case, started=march(MON, 14), resulted=march(MON, 15), verified=march(MON, 16))
    client = signed_in(client, "street")
    client.get(DASHBOARD, MARCH)  # sessions and the like, once
    # 46: each count of cases (the figures, the previous period's, every breakdown) has one more
    # for the call-backs' ratings (huizhi.stats.metrics._callback_counts); one asks whether the
    # roll-ups are built (huizhi.stats.rollups.state, once a page); the supervision notices are
    # counted in a query of their own (metrics._supervision_row); four count the field work
    # (patrols, check-ins, fixes on the spot, visits: huizhi.stats.fieldwork), five the care
    # (watch coverage, contacts, sessions, their enrolments, home requests: huizhi.stats.care).
    with django_assert_max_num_queries(46):
        response = client.get(DASHBOARD, MARCH)
    assert "0 / 0" not in tile(response.content.decode(), "closure")


# --- the API --------------------------------------------------------------------------------------


def api(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user(username))
    return client


def test_the_api_reads_the_same_metrics(month):
    response = api("street").get("/api/v1/stats/", {"scope": HUAYUAN, **MARCH})
    assert response.status_code == 200
    body = response.json()
    assert body["scope"]["code"] == HUAYUAN and body["period"]["label"] == "2025-03"
    assert body["rates"]["closure"] | {"label": "", "definition": ""} == {
        "percent": 80.0,
        "numerator": 4,
        "denominator": 5,
        "label": "",
        "definition": "",
    }
    assert body["rates"]["accept_in_time"]["percent"] == pytest.approx(71.43)
    assert body["counts"]["due"] == 5 and body["by_source"]["hotline"] == 1
    assert body["time_to_fix"]["median_hours"] == pytest.approx(6.5)
    assert body["supervision"]["issued"] == 2 and body["wall"]["published"] == 0
    empty = api("street").get("/api/v1/stats/", {"period": "month", "month": "2024-03"}).json()
    assert empty["rates"]["closure"]["percent"] is None


def test_the_api_refuses_a_scope_outside_and_a_bad_month():
    client = api("huayuan_staff")
    assert client.get("/api/v1/stats/", {"scope": FENGHUANG}).status_code == 403
    assert client.get("/api/v1/stats/", {"month": "2025-13"}).status_code == 400
    assert client.get("/api/v1/stats/", {"month": "2999-01"}).status_code == 400
    assert client.get("/api/v1/stats/", {"scope": "abc"}).status_code == 400
    assert (
        client.get("/api/v1/stats/", {"period": "custom", "from": "2025-03-01", "to": ""}).status_code == 400
    )
    assert api("gridworker").get("/api/v1/stats/").status_code == 403
    assert APIClient().get("/api/v1/stats/").status_code == 401


@pytest.mark.parametrize("unit", ["²", "9" * 30, "-1", "abc"])
def test_a_unit_that_is_not_an_id_is_refused_not_a_server_error(client, unit):
    response = signed_in(client, "street").get(DASHBOARD, {"unit": unit})
    assert response.status_code == 403 and "data-refusal" in response.content.decode()
