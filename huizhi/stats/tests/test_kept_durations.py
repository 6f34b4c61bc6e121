"""A period that includes today takes the median and p90 times of its days before today from the
facts' seconds kept in the shared cache (like its sums, test_kept_sums.py) and reads today's facts
at every request; the two are combined exactly, as if read together."""

import random
from datetime import timedelta

import pytest
from django.urls import reverse

from huizhi.cases.services import case_transition
from huizhi.stats import metrics
from huizhi.stats.tests.helpers import at, shanghai, street_with_three_reports
from tests.factories import CaseFactory

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

DASHBOARD = reverse("stats:dashboard")
THIS_MONTH = {"period": "month", "month": "2025-03"}
MORNING = shanghai(2025, 3, 20, 9, 0)


@pytest.mark.parametrize("seed", range(40))
def test_two_sorted_parts_give_the_figures_of_their_concatenation(seed):
    rng = random.Random(seed)
    # Ties, one part empty, the small part before, after and among the large one.
    pool = [
        rng.choice([3600.0, 7200.0, 5400.5]) if rng.random() < 0.3 else rng.uniform(0, 9e5) for _ in range(60)
    ]
    kept = sorted(rng.sample(pool, rng.randint(0, 50)))
    today = sorted(
        rng.choice(pool) + rng.choice([0, 1e6, -1e6]) * (seed % 3 == 0) for _ in range(rng.randint(0, 9))
    )
    assert metrics.durations_of_both(kept, today) == metrics._durations(kept + today)
    assert metrics.durations_of_both(today, kept) == metrics._durations(kept + today)


@pytest.fixture
def street(settings):
    world = street_with_three_reports(settings)
    with at(shanghai(2025, 3, 12, 11, 0)):
        case_transition(actor=world.staff, case_id=world.cases[0].pk, action="accept")
    return world


def time_to_accept(client, world, moment):
    with at(moment):
        response = client.get(DASHBOARD, {**THIS_MONTH, "scope": world.street.code})
    assert response.status_code == 200
    return response.context["board"].figures.time_to_accept


def test_today_counts_at_once_and_a_late_decision_on_an_earlier_day_after_the_minutes(client, street):
    client.force_login(street.street_admin)
    assert time_to_accept(client, street, MORNING).count == 1

    with at(MORNING + timedelta(minutes=1)):
        today = CaseFactory(
            place=street.building, category=street.category, actor=street.gridworker, title="井盖"
        )
        case_transition(actor=street.staff, case_id=today.pk, action="accept")
        # A case of the 12th decided today: its time falls on the 12th, a day kept.
        case_transition(actor=street.staff, case_id=street.cases[1].pk, action="accept")

    assert time_to_accept(client, street, MORNING + timedelta(minutes=2)).count == 2, "today's, at once"
    later = time_to_accept(client, street, MORNING + timedelta(minutes=6))
    assert later.count == 3, "the 12th's late decision, once the kept copy is older than the minutes"


def test_kept_and_read_at_once_give_the_same_figures(client, street, settings):
    client.force_login(street.street_admin)
    with at(MORNING - timedelta(hours=1)):
        for case in street.cases[1:]:
            case_transition(actor=street.staff, case_id=case.pk, action="accept")
    with at(MORNING - timedelta(minutes=30)):
        today = CaseFactory(
            place=street.building, category=street.category, actor=street.gridworker, title="井盖"
        )
        case_transition(actor=street.staff, case_id=today.pk, action="accept")
    kept = time_to_accept(client, street, MORNING)
    settings.HUIZHI_STATS_ENDED_CACHE_SECONDS = 0
    read_at_once = time_to_accept(client, street, MORNING)
    assert kept.count == read_at_once.count == 4
    assert kept == read_at_once


def test_without_keeping_a_late_decision_shows_at_once(client, street, settings):
    settings.HUIZHI_STATS_ENDED_CACHE_SECONDS = 0
    client.force_login(street.street_admin)
    assert time_to_accept(client, street, MORNING).count == 1
    with at(MORNING + timedelta(minutes=1)):
        case_transition(actor=street.staff, case_id=street.cases[1].pk, action="accept")
    assert time_to_accept(client, street, MORNING + timedelta(minutes=2)).count == 2


@pytest.mark.parametrize(
    ("first", "last", "status"),
    [
        ("2025-03-01", "2027-02-28", 200),  # running today and ending two years on: today's part to its end
        ("2023-03-21", "2025-03-20", 200),  # the longest range that ends today
        ("2025-03-01", "2200-12-31", 400),  # the last year the figures cover, but too long a range
        ("2025-03-01", "9999-12-31", 400),  # past the years covered: said, not a 500
        ("2025-03-20", "2025-03-20", 200),  # today alone: nothing kept, one read (the 12th not in it)
    ],
)
def test_a_running_custom_range_at_its_limits(client, street, first, last, status):
    client.force_login(street.street_admin)
    with at(MORNING):
        response = client.get(
            DASHBOARD, {"period": "custom", "from": first, "to": last, "scope": street.street.code}
        )
        again = client.get(
            DASHBOARD, {"period": "custom", "from": first, "to": last, "scope": street.street.code}
        )
    assert response.status_code == again.status_code == status
    if status == 200:
        kept, read = (r.context["board"].figures.time_to_accept for r in (response, again))
        assert kept == read and kept.count == (0 if first == last else 1)
