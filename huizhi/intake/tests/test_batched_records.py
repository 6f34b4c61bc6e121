"""Where a task worker takes the queued notices (the database queue, as deployed), intake's
records of each event — what it suggested for a report, the duplicate lookup's signature of an
open case — are kept by the worker after the event's commit, many events at once
(huizhi.cases.outbound.subscribe_in_batches): a filing pays nothing for them. They are the rows
the in-process path writes in the event's own transaction."""

import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huizhi.cases import outbound
from huizhi.cases.models import CaseEvent, Notification
from huizhi.cases.services import case_report
from huizhi.cases.states import Source, Status
from huizhi.intake.duplicates import find_duplicates, pack, shingles
from huizhi.intake.models import CaseSignature, Suggestion
from huizhi.intake.services.suggestions import suggest
from tests.factories import CaseFactory, advance, small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

DRAINS = [
    "11栋下水道堵塞污水外溢",
    "3栋门口井盖破损",
    "小区路灯不亮",
    "楼道堆放杂物影响通行",
    "广场舞音响太吵",
]


def run_worker() -> None:
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def intake_rows(case) -> tuple:
    signature = CaseSignature.objects.filter(case=case).values_list("community_code", "signature").first()
    suggestion = Suggestion.objects.filter(case=case).values_list("chosen_by", "suggested", "top1").first()
    return signature, suggestion


def test_a_filing_leaves_intakes_records_to_the_worker(database_queue):
    world = small_street()
    with CaptureQueriesContext(connection) as filing:
        case = CaseFactory(
            place=world.building, category=world.category, actor=world.gridworker, title=DRAINS[0]
        )
    sql = "\n".join(q["sql"] for q in filing.captured_queries)
    assert "intake_suggestion" not in sql and "intake_casesignature" not in sql
    assert intake_rows(case) == (None, None)

    run_worker()
    signature, suggestion = intake_rows(case)
    assert signature == (world.community.code, pack(shingles(case.title, case.description)))
    found = suggest(case.title, case.description)
    assert suggestion[0] == Suggestion.ChosenBy.PERSON
    assert suggestion[1] == [[c.code, round(conf, 4)] for c, conf in found.categories]
    assert [d.pk for d in find_duplicates("11栋下水道堵了污水外溢", "", place=world.building)] == [case.pk]


def test_the_worker_keeps_the_rows_the_events_own_transaction_keeps(settings, database_queue):
    """The same filings and steps, kept in the event's transaction (an in-process queue) and by
    the worker: the same signatures and suggestions."""

    def play(world) -> tuple:
        cases = [
            CaseFactory(place=world.building, category=world.category, actor=world.gridworker, title=title)
            for title in DRAINS
        ]
        for action in ("accept", "dispatch", "start", "report_result", "verify"):
            cases[0] = advance(cases[0], action, world)  # closed: its signature goes
        cases[1] = advance(cases[1], "accept", world)  # open: its signature is written afresh
        assert cases[0].status == Status.CLOSED
        return cases

    def rows(cases) -> list:
        return [
            (
                CaseSignature.objects.filter(case=case).values_list("signature", flat=True).first(),
                Suggestion.objects.filter(case=case)
                .values_list("chosen_by", "suggested", "top1", "top3")
                .first(),
            )
            for case in cases
        ]

    to_the_worker = settings.TASKS  # the database queue (the fixture's)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    inline = rows(play(small_street()))
    settings.TASKS = to_the_worker
    cases = play(small_street())
    assert CaseSignature.objects.filter(case__in=cases).count() == 0
    with CaptureQueriesContext(connection) as worker:
        run_worker()
    assert rows(cases) == inline
    assert inline[0][0] is None and all(signature for signature, _ in inline[1:])
    assert all(suggestion for _, suggestion in inline)
    intake_writes = [q for q in worker.captured_queries if 'INSERT INTO "intake_' in q["sql"]]
    assert len(intake_writes) <= 2, "one insert of the suggestions, one upsert of the signatures"


def test_a_hotline_filing_under_intakes_own_suggestion_is_recorded_as_chosen_by_intake(database_queue):
    world = small_street()
    case = case_report(
        actor=None,
        category=world.category,  # as if intake had suggested it (huizhi.api.suggesting)
        title=DRAINS[0],
        description=DRAINS[0],
        source=Source.HOTLINE,
        place=world.building,
        category_suggested=True,
    )
    assert CaseEvent.objects.get(case=case, action="report").data["category_suggested"] is True
    run_worker()
    recorded = Suggestion.objects.get(case=case)
    assert recorded.chosen_by == Suggestion.ChosenBy.SUGGESTION
    assert recorded.top1 is None and recorded.top3 is None  # left out of the accuracy


def test_a_failing_batch_subscriber_loses_only_the_event_it_fails_on(database_queue, caplog):
    world = small_street()
    cases = [
        CaseFactory(place=world.building, category=world.category, actor=world.gridworker, title=title)
        for title in DRAINS
    ]
    bad = cases[2].pk
    kept = []

    def fussy(events):
        if any(event.case_id == bad for event in events):
            raise ValueError("cannot keep this one")
        kept.extend(event.case_id for event in events)

    outbound.subscribe_in_batches(fussy)
    try:
        with caplog.at_level(logging.WARNING, logger="huizhi.cases.outbound"):
            run_worker()
    finally:
        outbound.unsubscribe_in_batches(fussy)
    assert sorted(kept) == sorted(case.pk for case in cases if case.pk != bad)
    assert f"{CaseEvent.objects.get(case_id=bad, action='report').pk} (report)" in caplog.text
    # The others heard of every event; the notices of all were delivered.
    assert CaseSignature.objects.filter(case__in=cases).count() == len(cases)
    assert Notification.objects.filter(case__in=cases).exists()


def test_the_worker_keeps_a_batch_from_the_cases_as_they_are_now_locked_to_its_commit(database_queue):
    """Two workers may keep events of one case at once: the one that writes last must write the
    case's latest state, so a batch reads its cases locked until it commits (found from outside:
    read unlocked, a rejected case kept its signature and a reopened one lost it)."""
    world = small_street()
    case = CaseFactory(place=world.building, category=world.category, actor=world.gridworker, title=DRAINS[0])
    advance(case, "reject", world)  # queued after the report: the worker keeps both at once
    with CaptureQueriesContext(connection) as worker:
        run_worker()
    assert not CaseSignature.objects.filter(case=case).exists()
    assert Suggestion.objects.filter(case=case).exists()
    case_reads = [
        q["sql"] for q in worker.captured_queries if q["sql"].startswith('SELECT "cases_case"."id"')
    ]
    assert len(case_reads) == 1, case_reads
    if connection.vendor == "postgresql":
        assert case_reads[0].endswith('FOR NO KEY UPDATE OF "cases_case"')
