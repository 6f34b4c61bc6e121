"""A period that has ended (last month, last year) is built once and kept for every viewer of the
same scope for HUIZHI_STATS_ENDED_CACHE_SECONDS; a period that includes today for
HUIZHI_STATS_RUNNING_CACHE_SECONDS."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from huizhi.stats import tables
from huizhi.stats.tests.helpers import at, shanghai
from tests.factories import CaseFactory, small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

DASHBOARD = reverse("stats:dashboard")
MARCH = {"period": "month", "month": "2025-03"}
APRIL_MORNING = shanghai(2025, 4, 2, 9, 0)


@pytest.fixture
def street(settings):
    settings.HUIZHI_STATS_ENDED_CACHE_SECONDS = 300
    world = small_street()
    with at(shanghai(2025, 3, 12, 10, 0)):
        for n in range(3):
            CaseFactory(
                place=world.building, category=world.category, actor=world.gridworker, title=f"路灯{n}"
            )
    return world


@pytest.fixture(autouse=True)
def builds(monkeypatch):
    """The boards built (not kept) during the test, as (scope code, period label)."""
    made = []
    build = tables.build

    def counted(scope, period, **kwargs):
        made.append((scope.code, period.label))
        return build(scope, period, **kwargs)

    monkeypatch.setattr(tables, "build", counted)
    return made


def as_of(html: str) -> str:
    return re.search(r'id="figures-as-of">Figures as of (\S+ \d\d:\d\d)', html).group(1)


def page(client, query, moment, builds):
    """(html, the board's reported count, whether the board was built for this view)."""
    before = len(builds)
    with at(moment):
        response = client.get(DASHBOARD, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode(), response.context["board"].figures.cases.reported, len(builds) > before


def test_an_ended_month_is_made_once_for_every_viewer_and_afresh_after_the_minutes_set(
    client, street, builds
):
    march = {**MARCH, "scope": street.street.code}
    client.force_login(street.street_admin)
    first, count, built = page(client, march, APRIL_MORNING, builds)
    assert built and as_of(first) == "2025-04-02 09:00" and count == 3

    kept, count, built = page(client, march, APRIL_MORNING + timedelta(minutes=4), builds)
    assert not built and as_of(kept) == "2025-04-02 09:00" and count == 3

    fresh, count, built = page(client, march, APRIL_MORNING + timedelta(minutes=6), builds)
    assert built and as_of(fresh) == "2025-04-02 09:06" and count == 3


def test_a_scope_is_kept_apart_from_another(client, street, builds):
    client.force_login(street.street_admin)
    page(client, {**MARCH, "scope": street.street.code}, APRIL_MORNING, builds)
    _html, _count, built = page(client, {**MARCH, "scope": street.community.code}, APRIL_MORNING, builds)
    assert built, "the community's board is its own, not the street's"
    assert builds == [(street.street.code, "2025-03"), (street.community.code, "2025-03")]


def test_a_running_period_is_kept_for_seconds_then_made_afresh(client, street, settings, builds):
    """Today's events change a running period by the minute: its board is kept for
    HUIZHI_STATS_RUNNING_CACHE_SECONDS (eight leaders opening a street's running year at once each
    waited for their own build, ~1 s at a million cases), then made again with what happened."""
    settings.HUIZHI_STATS_RUNNING_CACHE_SECONDS = 30
    client.force_login(street.street_admin)
    this_month = {**MARCH, "scope": street.street.code}
    moment = shanghai(2025, 3, 20, 9, 0)
    _html, before, built = page(client, this_month, moment, builds)
    assert built
    with at(moment + timedelta(seconds=10)):
        CaseFactory(place=street.building, category=street.category, actor=street.gridworker, title="井盖")
    kept, count, built = page(client, this_month, moment + timedelta(seconds=20), builds)
    assert not built and as_of(kept) == "2025-03-20 09:00" and count == before == 3
    again, after, built = page(client, this_month, moment + timedelta(minutes=1), builds)
    assert built and as_of(again) == "2025-03-20 09:01" and after == before + 1 == 4


def test_without_keeping_a_running_period_is_made_for_each_request(client, street, settings, builds):
    settings.HUIZHI_STATS_RUNNING_CACHE_SECONDS = 0
    client.force_login(street.street_admin)
    this_month = {**MARCH, "scope": street.street.code}
    moment = shanghai(2025, 3, 20, 9, 0)
    page(client, this_month, moment, builds)
    _html, _count, built = page(client, this_month, moment + timedelta(seconds=1), builds)
    assert built


def test_without_keeping_an_ended_month_is_made_for_each_request(client, street, settings, builds):
    settings.HUIZHI_STATS_ENDED_CACHE_SECONDS = 0
    client.force_login(street.street_admin)
    march = {**MARCH, "scope": street.street.code}
    page(client, march, APRIL_MORNING, builds)
    again, _count, built = page(client, march, APRIL_MORNING + timedelta(minutes=1), builds)
    assert built and as_of(again) == "2025-04-02 09:01"


def _lazy_strings(value, seen=None) -> int:
    """The lazy translations held anywhere in `value` (a board and what it refers to)."""
    from django.db.models import Model
    from django.utils.functional import Promise

    seen = set() if seen is None else seen
    if id(value) in seen or isinstance(value, type | Model):
        return 0
    seen.add(id(value))
    if isinstance(value, Promise):
        return 1
    if isinstance(value, dict):
        return sum(_lazy_strings(v, seen) for item in value.items() for v in item)
    if isinstance(value, list | tuple | set):
        return sum(_lazy_strings(v, seen) for v in value)
    if hasattr(value, "__dict__"):
        return sum(_lazy_strings(v, seen) for v in vars(value).values())
    return 0


def test_a_kept_board_holds_its_words_as_text_in_its_language(client, street, builds):
    """Each view unpickles the kept board: a lazy translation in it is rebuilt at every view."""
    client.force_login(street.street_admin)
    with at(APRIL_MORNING):
        response = client.get(DASHBOARD, {**MARCH, "scope": street.street.code}, HTTP_ACCEPT_LANGUAGE="en")
    board = response.context["board"]
    assert _lazy_strings(board) == 0
    assert board.tiles[0].label == "Accepted within limit (受理及时率)"
    assert dict((key, label) for key, label, _n in board.figures.by_state)["closed"] == "closed"
