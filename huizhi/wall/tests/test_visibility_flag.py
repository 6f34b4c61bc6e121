"""The walls read a stored flag instead of joining each post to its case: the flag must say what
the rule (ON_WALL_RULE, ON_ECHO_RULE, read through the case) says after every change of the post
and of its case, and on PostgreSQL each wall's page must be read from its partial index."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.cases.models import Case
from huizhi.cases.services import case_rate, case_report, case_transition
from huizhi.cases.states import Rating, Source, Status
from huizhi.places.models import Organisation
from huizhi.wall import selectors, services
from huizhi.wall.models import ON_ECHO_RULE, ON_WALL_RULE, Post, Stage, TriageDecision
from huizhi.wall.tests.helpers import (
    category,
    closed_case_post,
    compound,
    fenghuang_compound,
    jpeg,
    publish,
    resident,
    staff,
)

pytestmark = pytest.mark.django_db


def stored(post: Post) -> tuple[bool, bool, object]:
    row = Post.objects.values_list("shown_on_wall", "shown_on_echo", "echoed_at").get(pk=post.pk)
    return row


def by_rule(post: Post) -> tuple[bool, bool, object]:
    """What the join to the case answers, as the walls read it before the flag was stored."""
    closed_at = Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("closed_at")[:1])
    one = Post.objects.filter(pk=post.pk)
    wall = one.filter(ON_WALL_RULE).exists()
    echo = one.filter(ON_ECHO_RULE).exists()
    echoed_at = one.annotate(at=Coalesce(F("answered_at"), closed_at)).values_list("at", flat=True).get()
    return wall, echo, echoed_at if echo else None


def assert_flags(post: Post, wall: bool, echo: bool) -> None:
    assert stored(post) == by_rule(post), post.stage
    assert stored(post)[:2] == (wall, echo), post.stage
    listed_wall = selectors.wall_posts(post.community, selectors.WallFilter()).filter(pk=post.pk).exists()
    listed_echo = selectors.echo_posts(post.community, selectors.WallFilter()).filter(pk=post.pk).exists()
    assert (listed_wall, listed_echo) == (wall, echo)


def test_a_draft_is_on_no_wall_and_publishing_puts_it_on_the_wall():
    author = resident("13977770001")
    draft = services.post_draft(
        actor=author, category=category(), title="路灯坏了", description="路灯坏了三天。", place=compound()
    )
    assert_flags(draft, wall=False, echo=False)
    post = services.post_submit(actor=author, post_id=draft.pk)
    assert post.stage == Stage.OPEN
    assert_flags(post, wall=True, echo=False)


def test_held_then_published_or_rejected_by_a_moderator():
    author = resident("13977770002")
    for publish_it in (True, False):
        post = publish(
            author, title=f"加微信 abc12345 领红包 {publish_it}", description="加V：abc12345 领红包"
        )
        assert post.stage == Stage.HELD
        assert_flags(post, wall=False, echo=False)
        moderated = services.post_moderate(
            actor=staff(), post_id=post.pk, publish=publish_it, reason="" if publish_it else "广告"
        )
        assert_flags(moderated, wall=publish_it, echo=False)


def test_triage_answer_agenda_and_reject():
    author = resident("13977770003")
    answered = services.post_triage(
        actor=staff(),
        post_id=publish(author, title="何时停水").pk,
        outcome=TriageDecision.ANSWER,
        text="周五停水。",
    )
    assert_flags(answered, wall=False, echo=True)
    assert stored(answered)[2] == answered.answered_at

    agenda = services.post_triage(
        actor=staff(), post_id=publish(author, title="停车难").pk, outcome=TriageDecision.AGENDA, text="议事"
    )
    assert_flags(agenda, wall=True, echo=False)

    rejected = services.post_triage(
        actor=staff(),
        post_id=publish(author, title="无关内容").pk,
        outcome=TriageDecision.REJECT,
        text="重复",
    )
    assert_flags(rejected, wall=False, echo=False)


def test_a_claimants_answer_puts_an_open_item_on_both_walls():
    post = publish(resident("13977770004"), title="人行道砖松动", place=fenghuang_compound())
    rep = User.objects.get(username="representative")
    services.post_claim(actor=rep, post_id=post.pk)
    services.post_respond(actor=rep, post_id=post.pk, text="我会跟进此事。")
    assert_flags(post, wall=True, echo=True)


def test_the_flag_follows_the_case_through_its_states():
    author = resident("13977770005")
    post = publish(author, title="井盖松动", photos=[jpeg()])
    post = services.post_triage(actor=staff(), post_id=post.pk, outcome=TriageDecision.CASE, text="已立案。")
    assert_flags(post, wall=True, echo=False)  # accepted

    crew = Organisation.objects.get(name="花园街社区红色汇治维修队")
    worker = User.objects.get(username="repair_crew")
    steps = [
        (staff(), "dispatch", {"unit": crew}),
        (worker, "start", {}),
        (worker, "report_result", {"note": "已加固", "photos": [jpeg("after.jpg")]}),
    ]
    for actor, action, inputs in steps:
        case_transition(actor=actor, case_id=post.case_id, action=action, **inputs)
        assert_flags(post, wall=True, echo=False)

    case_transition(actor=staff(), case_id=post.case_id, action="verify")
    assert_flags(post, wall=False, echo=True)
    case = Case.objects.get(pk=post.case_id)
    assert stored(post)[2] == case.closed_at

    # 不满意 within the window reopens it: back on the wall, off the echo wall.
    case_rate(actor=author, case_id=post.case_id, rating=Rating.UNSATISFIED, comment="还是松的")
    assert Case.objects.get(pk=post.case_id).status == Status.DISPATCHED
    assert_flags(post, wall=True, echo=False)


def test_a_staff_reopen_and_a_second_close():
    post = closed_case_post(resident("13977770006"))
    assert_flags(post, wall=False, echo=True)
    case_transition(actor=staff(), case_id=post.case_id, action="reopen", reason="又松了")
    assert_flags(post, wall=True, echo=False)


def test_a_case_merged_as_a_duplicate_takes_its_post_off_the_wall():
    """A post whose case leaves the loop other than closed (merged, rejected) is on neither wall."""
    author = resident("13977770007")
    post = publish(author, title="垃圾桶满了")
    target = case_report(
        actor=author,
        category=post.category,
        title="垃圾桶满",
        description="满了",
        source=Source.PATROL,
        place=post.place,
    )
    duplicate = case_report(
        actor=author,
        category=post.category,
        title=post.title,
        description=post.description,
        source=Source.WALL,
        place=post.place,
    )
    # Linked while still reported (triage accepts at once; this is the keeper's general case).
    Post.objects.filter(pk=post.pk).update(stage=Stage.CASE, case=duplicate)
    post.refresh_from_db()
    post.save(update_fields=post.set_visibility())
    assert_flags(post, wall=True, echo=False)
    case_transition(actor=staff(), case_id=duplicate.pk, action="merge", merged_into=target)
    assert_flags(post, wall=False, echo=False)


def test_a_failing_keeper_undoes_the_case_change():
    """The keepers run in the case's transaction, unshielded: a flag never lags its case."""
    from huizhi.cases import outbound

    post = closed_case_post(resident("13977770008"))

    def broken(event):
        raise RuntimeError("keeper down")

    outbound.keep(broken)
    try:
        with pytest.raises(RuntimeError):
            case_transition(actor=staff(), case_id=post.case_id, action="reopen", reason="又松了")
    finally:
        outbound.unkeep(broken)
    assert Case.objects.get(pk=post.case_id).status == Status.CLOSED
    assert_flags(post, wall=False, echo=True)


def test_events_of_cases_not_from_the_wall_cost_no_query(django_assert_num_queries):
    from huizhi.wall.services import keep_visibility

    case = Case.objects.exclude(source=Source.WALL).filter(status=Status.DISPATCHED).first()
    event = case.events.order_by("-id").first()
    with django_assert_num_queries(0):
        keep_visibility(event)


# --- the walls read their partial indexes (PostgreSQL) -------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN's plans are PostgreSQL's; SQLite has its own planner"
)


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@on_postgresql
def test_each_wall_is_read_from_its_partial_index():
    """Thousands of posts of the community off both walls (rejected, closed cases long ago): the
    page of either wall is read from its own index, with no join to the cases."""
    some = Post.objects.filter(stage=Stage.OPEN).order_by("pk").first()
    now = timezone.now()
    Post.objects.bulk_create(
        [
            Post(
                community_id=some.community_id,
                place_id=some.place_id,
                place_code=some.place_code,
                category_id=some.category_id,
                title=f"旧帖 {n}",
                description="旧帖",
                author_id=some.author_id,
                stage=Stage.REJECTED,
                fingerprint=f"old{n}",
                created_at=now - timedelta(days=n % 700),
                published_at=now - timedelta(days=n % 700),
            )
            for n in range(6000)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wall_post")
    for name, posts in (
        ("post_on_wall", selectors.wall_posts(some.community, selectors.WallFilter())),
        ("post_on_echo", selectors.echo_posts(some.community, selectors.WallFilter())),
    ):
        plan = explain(posts.values_list("pk", flat=True)[:21])
        assert name in plan, plan
        assert "cases_case" not in plan and "Seq Scan on wall_post" not in plan, plan
