"""A period that includes today (this month, this year, the last 365 days) reads its days before
today from sums kept in the shared cache for HUIZHI_STATS_ENDED_CACHE_SECONDS, and counts today
from the cases' facts at every request; the figures' "as of" says how old the kept days are.
Today's part reads only the facts that add to a day of the period."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huizhi.cases.services import case_transition
from huizhi.stats import rollups
from huizhi.stats.models import CaseFact
from huizhi.stats.tests.helpers import at, shanghai, street_with_three_reports
from tests.factories import CaseFactory

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

DASHBOARD = reverse("stats:dashboard")
THIS_MONTH = {"period": "month", "month": "2025-03"}
MORNING = shanghai(2025, 3, 20, 9, 0)


@pytest.fixture
def street(settings):
    return street_with_three_reports(settings)


def view(client, world, moment):
    """(the page, the board's figures) of this month for the street, read at `moment`, and the
    queries it ran."""
    with at(moment), CaptureQueriesContext(connection) as queries:
        response = client.get(
            DASHBOARD, {**THIS_MONTH, "scope": world.street.code}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    return response.content.decode(), response.context["board"].figures, queries


def summed(queries) -> bool:
    """Whether the roll-ups' sums were read (the filter's list of units reads the monthly table too)."""
    return any("SUM(" in q["sql"] and "figures" in q["sql"] for q in queries.captured_queries)


def in_state(figures, status: str) -> int:
    return next((n for state, _label, n in figures.by_state if state == status), 0)


def read(queries, table: str) -> bool:
    return any(f'"{table}"' in q["sql"] for q in queries.captured_queries)


def kept_up_to(html: str) -> str:
    return re.search(r"which hold every case event up to (\S+ \S+)\)?", html).group(1)


def test_the_days_before_today_are_read_once_and_today_at_every_request(client, street):
    client.force_login(street.street_admin)
    _html, figures, queries = view(client, street, MORNING)
    assert figures.cases.reported == 3 and summed(queries)

    with at(MORNING + timedelta(minutes=1)):
        CaseFactory(place=street.building, category=street.category, actor=street.gridworker, title="井盖")
    html, figures, queries = view(client, street, MORNING + timedelta(minutes=2))
    assert figures.cases.reported == 4, "today's case is counted at once"
    assert not summed(queries)
    assert read(queries, "stats_casefact")  # today, from the facts
    # The kept days hold what the roll-ups held when they were read: the reports of the 12th.
    assert kept_up_to(html) == "2025-03-12 10:00:00"


def test_a_late_event_on_an_earlier_day_shows_once_the_minutes_have_passed(client, street):
    client.force_login(street.street_admin)
    _html, figures, _queries = view(client, street, MORNING)
    assert in_state(figures, "reported") == 3
    with at(MORNING + timedelta(minutes=1)):
        case_transition(actor=street.staff, case_id=street.cases[0].pk, action="accept")

    _html, figures, queries = view(client, street, MORNING + timedelta(minutes=4))
    assert in_state(figures, "reported") == 3, "the 12th's sums are the kept copy's"
    assert not summed(queries)

    html, figures, queries = view(client, street, MORNING + timedelta(minutes=6))
    assert in_state(figures, "reported") == 2 and in_state(figures, "accepted") == 1
    assert summed(queries)
    assert kept_up_to(html) == "2025-03-20 09:01:00"  # the acceptance, the newest event read


def test_without_keeping_every_request_reads_the_roll_ups(client, street, settings):
    settings.HUIZHI_STATS_ENDED_CACHE_SECONDS = 0
    client.force_login(street.street_admin)
    view(client, street, MORNING)
    with at(MORNING + timedelta(minutes=1)):
        case_transition(actor=street.staff, case_id=street.cases[0].pk, action="accept")
    _html, figures, queries = view(client, street, MORNING + timedelta(minutes=2))
    assert in_state(figures, "accepted") == 1 and summed(queries)


def test_another_scope_reads_its_own_sums(client, street):
    client.force_login(street.street_admin)
    view(client, street, MORNING)
    with at(MORNING), CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD, {**THIS_MONTH, "scope": street.community.code})
    assert response.status_code == 200
    assert summed(queries)


def test_today_reads_no_fact_whose_only_count_falls_after_the_period(street):
    """An accepted case whose acceptance deadline is after the period's last day adds to that
    later day alone: it is not read (a street's thousand such cases were, at a million cases)."""
    early, late = street.cases[0], street.cases[1]
    with at(shanghai(2025, 3, 12, 10, 30)):
        for case in (early, late):
            case_transition(actor=street.staff, case_id=case.pk, action="accept")
    CaseFact.objects.filter(pk=late.pk).update(accept_due_at=shanghai(2025, 3, 21, 10, 0))
    CaseFact.objects.filter(pk=early.pk).update(accept_due_at=shanghai(2025, 3, 20, 8, 0))
    today = date(2025, 3, 20)
    with at(MORNING):
        found = rollups._live_facts(street.street.code, None, today, today, MORNING)
        tomorrow = rollups._live_facts(street.street.code, None, today, today + timedelta(days=1), MORNING)
    assert [f.accept_due_at for f in found] == [shanghai(2025, 3, 20, 8, 0)]
    assert len(tomorrow) == 2
