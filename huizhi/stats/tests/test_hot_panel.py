"""The leader's view shows the period's hot topics (intake's grouping) over the cases the viewer may
see in the scope; a leader of another street never sees them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huizhi.accounts.roles import Role
from huizhi.stats.tests.helpers import at, shanghai
from tests.factories import CaseFactory, UserFactory, small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

DASHBOARD = reverse("stats:dashboard")
HOT = reverse("stats:hot")  # the panel as the page's script asks for it (?part=1), or as a page
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
    response = client.get(HOT, {"scope": here.street.code}, HTTP_ACCEPT_LANGUAGE="en")
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
    for path in (DASHBOARD, HOT):
        own = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "data-hot-topic" not in panel(own) and "下水道" not in own
        refused = client.get(path, {"scope": here.street.code, "part": "1"})
        assert refused.status_code == 403 and "下水道" not in refused.content.decode()


def test_the_panel_is_refused_to_those_without_the_figures_and_to_strangers(client, streets):
    here, _there = streets
    client.force_login(here.gridworker)  # a grid worker reads no statistics
    assert client.get(HOT, {"part": "1"}).status_code == 403
    client.logout()
    assert client.get(HOT, {"part": "1"}).status_code == 302  # to the sign-in page
    client.force_login(here.street_admin)
    assert client.get(HOT, {"part": "1", "period": "month", "month": "2999-01"}).status_code == 400


def test_the_page_never_groups_the_panel_itself_but_shows_a_kept_one(client, streets, monkeypatch):
    """Grouping costs a street ~400 ms at a million cases: the page asks for it separately (its
    script fetches stats:hot) unless a panel is kept for this hour."""
    from huizhi.stats import hot

    here, _there = streets
    client.force_login(here.street_admin)
    grouped = hot._hot_panel
    monkeypatch.setattr(hot, "_hot_panel", lambda *a, **k: pytest.fail("the page grouped the panel"))
    page = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    waiting = panel(page)
    assert "data-hot-topic" not in waiting and 'aria-busy="true"' in waiting
    src = waiting.split('data-hot-src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert src.startswith(HOT) and "part=1" in src and f"scope={here.street.code}" in src
    assert f'href="{HOT}?' in waiting  # without scripts, a link to the panel's own page
    monkeypatch.setattr(hot, "_hot_panel", grouped)
    part = client.get(src, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert part.lstrip().startswith('<section class="stats-table" id="hot-topics"')  # the section alone
    assert part.count("data-hot-topic") == 1 and "<html" not in part
    whole = client.get(src.replace("&part=1", ""), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>" in whole and whole.count("data-hot-topic") == 1
    monkeypatch.setattr(hot, "_hot_panel", lambda *a, **k: pytest.fail("the page grouped the panel"))
    kept = panel(client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert kept.count("data-hot-topic") == 1 and "data-hot-src" not in kept


def test_the_panel_reads_only_the_periods_last_days(client, streets):
    here, _there = streets
    client.force_login(here.street_admin)
    html = client.get(
        DASHBOARD, {"scope": here.street.code, "period": "month", "month": "2020-01"}
    ).content.decode()
    assert "data-hot-topic" not in panel(html)  # this month's drains are not January 2020's


def test_the_panel_takes_the_same_number_of_queries_however_many_reports(client, streets, settings):
    settings.HUIZHI_STATS_HOT_CACHE_SECONDS = 0  # grouped with every page
    here, _there = streets
    client.force_login(here.street_admin)
    client.get(HOT)  # sessions and the like, once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert "data-hot-topic" in client.get(HOT).content.decode()
        return len(captured.captured_queries)

    before = queries()
    for title, text in BLOCKED * 3:
        CaseFactory(
            place=here.building, category=here.category, actor=here.gridworker, title=title, description=text
        )
    assert queries() == before


def add_drains(here, times: int = 1) -> None:
    for title, text in BLOCKED * times:
        CaseFactory(
            place=here.building, category=here.category, actor=here.gridworker, title=title, description=text
        )


# When the fixture's reports are filed for the test below: mid-month, so that the page's default
# period (this month) holds every hour the test moves through, whenever it is run.
FILED = shanghai(2025, 3, 12, 9, 0)


@pytest.fixture
def streets_filed_mid_month(time_machine, request):
    """`streets`, its reports filed at FILED; the clock stays there until the test moves it."""
    time_machine.move_to(FILED, tick=False)
    return request.getfixturevalue("streets")


def test_the_panel_is_kept_for_the_hour_it_was_grouped_in_and_says_so(client, streets_filed_mid_month):
    here, _there = streets_filed_mid_month
    client.force_login(here.street_admin)
    hour = FILED + timedelta(hours=1, minutes=10)  # ten past the next hour: 10:10
    with at(hour):
        first = panel(client.get(HOT, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert '<td class="num">3</td>' in first
    grouped = "Grouped at 2025-03-12 10:10 and kept until 11:00"
    assert grouped in first
    with at(hour + timedelta(minutes=20)):
        add_drains(here)  # three more reports of the drains, at 10:30
    with at(hour + timedelta(minutes=40)):  # 10:50, the same hour: the kept panel, as it said
        kept = panel(client.get(HOT, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert '<td class="num">3</td>' in kept and grouped in kept
    with at(hour + timedelta(minutes=55)):  # 11:05, the next hour: grouped afresh
        fresh = panel(client.get(HOT, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert '<td class="num">6</td>' in fresh
    assert "Grouped at 2025-03-12 11:05 and kept until 12:00" in fresh


def test_a_kept_panel_is_the_viewers_own(client, streets):
    """The panel shows only the cases its viewer may see, so it is kept per viewer: another
    leader of the same street groups their own."""
    here, _there = streets
    other_leader = UserFactory(role=Role.STREET_ADMIN, over=here.street)
    client.force_login(here.street_admin)
    assert '<td class="num">3</td>' in panel(client.get(HOT).content.decode())
    add_drains(here)
    client.force_login(other_leader)
    assert '<td class="num">6</td>' in panel(client.get(HOT).content.decode())
    client.force_login(here.street_admin)
    assert '<td class="num">3</td>' in panel(client.get(HOT).content.decode())  # still its own


def test_without_keeping_every_page_groups_afresh(client, streets, settings):
    settings.HUIZHI_STATS_HOT_CACHE_SECONDS = 0
    here, _there = streets
    client.force_login(here.street_admin)
    assert '<td class="num">3</td>' in panel(client.get(HOT, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    add_drains(here)
    again = panel(client.get(HOT, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert '<td class="num">6</td>' in again and "kept until" not in again
