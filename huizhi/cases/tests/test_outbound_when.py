"""A subscriber of the case loop's outbound seam that says which events it wants (`when`) hears only
those, and costs the others nothing: no call, no savepoint."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huizhi.cases import outbound
from huizhi.cases.tests.factories import advance, reported_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed():
    """subscribe() for the test only."""
    added = []

    def add(callback, **kwargs):
        added.append(callback)
        return outbound.subscribe(callback, **kwargs)

    yield add
    for callback in added:
        outbound.unsubscribe(callback)


def test_a_subscriber_hears_only_the_events_it_wants(subscribed):
    reports, everything = [], []
    subscribed(lambda event: reports.append(event.action), when=lambda event: event.action == "report")
    subscribed(lambda event: everything.append(event.action))
    advance(reported_case(), "accept")
    assert reports == ["report"]
    assert everything == ["report", "accept"]


def savepoints_of_a_report() -> int:
    with CaptureQueriesContext(connection) as queries:
        reported_case()
    return sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries)


def test_an_event_a_subscriber_does_not_want_opens_no_savepoint_for_it(subscribed):
    # A first report loads what the process keeps (a subscriber whose kept list is not yet current
    # opens its savepoint to load it there): counted from the second on.
    savepoints_of_a_report()
    before = savepoints_of_a_report()
    subscribed(lambda event: None, when=lambda event: False)
    assert savepoints_of_a_report() == before
    subscribed(lambda event: None)
    assert savepoints_of_a_report() == before + 1


def test_unsubscribing_forgets_what_it_wanted(subscribed):
    heard = []

    def listener(event):
        heard.append(event.action)

    subscribed(listener, when=lambda event: False)
    outbound.unsubscribe(listener)
    subscribed(listener)  # subscribed again without a condition: hears everything
    reported_case()
    assert heard == ["report"]
