"""What the statistics tests share: moments in a quiet month, acting at a moment, scopes."""

from contextlib import contextmanager

import time_machine

from huizhi.cases.services import case_rate
from huizhi.cases.tests.factories import advance, reported_case, shanghai, user
from huizhi.places.models import Place
from huizhi.stats import rollups
from huizhi.stats.metrics import Scope
from tests.factories import CaseFactory, small_street

# March 2025: before the demo's own cases (filed when the demo loads), so only the tests' cases count.
# Monday 3 March is a working day; office hours 08:30–12:00 and 14:00–17:30.
MON, TUE, WED, THU = 3, 4, 5, 6
# The moment the figures are read: after every deadline below.
READ_AT = shanghai(2025, 3, 31, 12, 0)


def march(day: int, hour: int, minute: int = 0):
    return shanghai(2025, 3, day, hour, minute)


@contextmanager
def at(moment):
    """Everything inside happens at `moment` (frozen): services stamp events with it."""
    with time_machine.travel(moment, tick=False):
        yield


def step(moment, case, action, **kwargs):
    """`advance` (the real case_transition, as the demo person who takes the step) at `moment`."""
    with at(moment):
        return advance(case, action, **kwargs)


def scope(code: str) -> Scope:
    return Scope(Place.objects.get(code=code))


def report_at(moment, **kwargs):
    with at(moment):
        return reported_case(**kwargs)


def close(case, *, started, resulted, verified):
    case = step(started, case, "start")
    case = step(resulted, case, "report_result")
    return step(verified, case, "verify")


def rate_at(case, moment, rating):
    with at(moment):
        return case_rate(actor=user("gridworker"), case_id=case.pk, rating=rating)


def street_with_three_reports(settings):
    """A small street whose roll-ups were built on 1 February, with three cases reported on
    12 March at 10:00 (`world.cases`), and the days before today kept for five minutes: the world
    of the tests of a running period's kept figures."""
    settings.HUIZHI_STATS_ENDED_CACHE_SECONDS = 300
    # Each view builds its board (keeping the board is test_kept_board's): these tests read what the
    # kept sums and times give a new board.
    settings.HUIZHI_STATS_RUNNING_CACHE_SECONDS = 0
    with at(shanghai(2025, 2, 1, 9, 0)):
        rollups.rebuild()  # built: from here on the case events keep the sums
    world = small_street()
    with at(shanghai(2025, 3, 12, 10, 0)):
        world.cases = [
            CaseFactory(
                place=world.building, category=world.category, actor=world.gridworker, title=f"路灯{n}"
            )
            for n in range(3)
        ]
    return world
