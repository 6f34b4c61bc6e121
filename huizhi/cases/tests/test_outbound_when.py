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


def test_an_events_subscribers_share_one_savepoint_and_one_not_wanting_it_is_not_called(subscribed):
    # A first report loads what the process keeps: counted from the second on.
    savepoints_of_a_report()
    before = savepoints_of_a_report()
    called = []
    subscribed(lambda event: called.append("unwanted"), when=lambda event: False)
    assert savepoints_of_a_report() == before
    subscribed(lambda event: called.append("first"))
    subscribed(lambda event: called.append("second"))
    # Each in its own savepoint, every subscriber cost two round trips on every event.
    assert savepoints_of_a_report() == before
    assert called == ["first", "second"]


def test_a_failing_subscriber_loses_its_rows_alone(subscribed, caplog):
    from huizhi.cases.models import CaseEvent, Notification

    def writer():
        return lambda event: Notification.objects.create(user=_someone(), text=f"kept {event.pk}")

    def fails(event):
        Notification.objects.create(user=_someone(), text=f"lost {event.pk}")
        raise RuntimeError("broken subscriber")

    subscribed(writer())
    subscribed(fails)
    subscribed(writer())
    case = reported_case()
    texts = list(Notification.objects.filter(text__contains=" ").values_list("text", flat=True))
    report = CaseEvent.objects.get(case=case, action="report").pk
    assert sorted(t for t in texts if t.endswith(f" {report}")) == [f"kept {report}"] * 2
    assert "broken subscriber" in caplog.text


def _someone():
    from huizhi.accounts.models import User

    return User.objects.order_by("pk").first()


def test_unsubscribing_forgets_what_it_wanted(subscribed):
    heard = []

    def listener(event):
        heard.append(event.action)

    subscribed(listener, when=lambda event: False)
    outbound.unsubscribe(listener)
    subscribed(listener)  # subscribed again without a condition: hears everything
    reported_case()
    assert heard == ["report"]


def _ignores_duplicates(event):
    from contextlib import suppress

    from django.db import IntegrityError

    from huizhi.accounts.models import User

    with suppress(IntegrityError):  # "create it, and if it is there already, never mind"
        User.objects.create(username=_someone().username)


def _undoes_itself(event):
    from django.db import transaction

    from huizhi.cases.models import Notification

    Notification.objects.create(user=_someone(), text=f"dry run {event.pk}")
    transaction.set_rollback(True)  # undone without raising


@pytest.mark.parametrize("quiet", [_ignores_duplicates, _undoes_itself])
def test_a_subscriber_undoing_itself_without_raising_keeps_the_others_rows(subscribed, quiet):
    """Found from outside: a subscriber that caught its own database error (or asked for the
    rollback) left the shared savepoint marked, and the others' rows went with it, unlogged."""
    from huizhi.cases.models import CaseEvent, Notification
    from huizhi.intake.models import CaseSignature, Suggestion

    def writer(event):
        Notification.objects.create(user=_someone(), text=f"kept {event.pk}")

    subscribed(writer)
    subscribed(quiet)
    case = reported_case()
    report = CaseEvent.objects.get(case=case, action="report").pk
    assert Notification.objects.filter(text=f"kept {report}").count() == 1
    assert not Notification.objects.filter(text=f"dry run {report}").exists()
    # Intake's own subscribers kept theirs too.
    assert CaseSignature.objects.filter(case=case).exists() and Suggestion.objects.filter(case=case).exists()
