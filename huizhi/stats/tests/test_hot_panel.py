"""The leader's view shows the period's hot topics (intake's grouping) over the cases the viewer may
see in the scope; a leader of another street never sees them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CaseFactory, small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

DASHBOARD = reverse("stats:dashboard")
BLOCKED = [
    ("下水道堵塞污水外溢", "3栋门口下水道堵塞，污水外溢到路面。"),
    ("下水道堵了污水外溢", "下水道堵塞好几天，污水外溢，味道很大。"),
    ("门口下水道堵塞", "单元门口下水道堵塞，污水外溢。"),
]


def panel(html: str) -> str:
    start = html.index('id="hot-topics"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def streets():
    here, there = small_street(), small_street()
    for title, text in BLOCKED:
        CaseFactory(
            place=here.building, category=here.category, actor=here.gridworker, title=title, description=text
        )
    CaseFactory(
        place=here.building,
        category=here.category,
        actor=here.gridworker,
        title="路灯不亮",
        description="小区路灯坏了。",
    )
    return here, there


def test_the_street_leader_sees_the_written_group_as_one_topic(client, streets):
    here, _there = streets
    client.force_login(here.street_admin)
    response = client.get(DASHBOARD, {"scope": here.street.code}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    hot = panel(response.content.decode())
    assert hot.count("data-hot-topic") == 1  # the three drains; the street light stands alone
    row = hot[hot.index("data-hot-topic") :]
    assert "下水道" in row and "路灯" not in hot
    assert '<td class="num">3</td>' in row  # three reports
    assert here.building.name in row or here.compound.name in row or here.community.name in row
    assert reverse("intake:hot") in hot
    assert "the last 30 days of the period at most" in hot  # the cap is said


def test_a_leader_of_another_street_does_not_see_it(client, streets):
    here, there = streets
    client.force_login(there.street_admin)
    own = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "data-hot-topic" not in panel(own) and "下水道" not in own
    refused = client.get(DASHBOARD, {"scope": here.street.code})
    assert refused.status_code == 403 and "下水道" not in refused.content.decode()


def test_the_panel_reads_only_the_periods_last_days(client, streets):
    here, _there = streets
    client.force_login(here.street_admin)
    html = client.get(
        DASHBOARD, {"scope": here.street.code, "period": "month", "month": "2020-01"}
    ).content.decode()
    assert "data-hot-topic" not in panel(html)  # this month's drains are not January 2020's


def test_the_panel_takes_the_same_number_of_queries_however_many_reports(client, streets):
    here, _there = streets
    client.force_login(here.street_admin)
    client.get(DASHBOARD)  # sessions and the like, once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert "data-hot-topic" in client.get(DASHBOARD).content.decode()
        return len(captured.captured_queries)

    before = queries()
    for title, text in BLOCKED * 3:
        CaseFactory(
            place=here.building, category=here.category, actor=here.gridworker, title=title, description=text
        )
    assert queries() == before
