"""The project services at their boundaries: who may write, what input is refused (with the field
named and nothing half-saved), and what each write leaves behind: the other rows it marks, the
timeline, the echo wall."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from huizhi.projects import services
from huizhi.projects.models import Milestone, Need, Project, ProjectEvent, Resource
from huizhi.projects.services import ProjectError
from huizhi.projects.tests.helpers import dates, decision_from_wall, fresh, need_in, resource_of
from huizhi.wall.models import Post, Response

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


def _refused(code: str, call, **kwargs) -> ProjectError:
    with override("en"), pytest.raises(ProjectError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# --- needs ----------------------------------------------------------------------------------------


def test_staff_record_a_need_of_their_community_with_a_timeline_line(world):
    need = need_in(world)
    assert (need.status, need.place_code) == (Need.Status.OPEN, world.community.code)
    assert list(need.events.values_list("action", "actor")) == [("need_recorded", world.staff.pk)]


@pytest.mark.parametrize("who", ["other_staff", "commissioner", "unit_account", "resident"])
def test_a_need_is_refused_to_those_who_do_not_keep_the_community(world, who):
    _refused(
        "not_allowed",
        services.need_record,
        actor=getattr(world, who),
        community=world.community,
        title="t",
        description="d",
        source="visit",
    )
    assert not Need.objects.filter(community=world.community).exists()


def test_a_representative_records_a_need_after_a_visit(world):
    need = services.need_record(
        actor=world.representative,
        community=world.community,
        title="日间照料",
        description="走访所得",
        source="visit",
    )
    assert need.created_by == world.representative


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("title", "a\x00b", "NUL"),
        ("description", "x" * 4001, "at most 4000"),
        ("description", "", "cannot be empty"),
        ("title", "<script>x</script>", "HTML"),
        ("source", "rumour", "where the need came from"),
    ],
)
def test_bad_need_input_is_refused_naming_the_field(world, field, value, words):
    args = {"title": "助餐", "description": "需要助餐点", "source": "visit"} | {field: value}
    error = _refused("bad_input", services.need_record, actor=world.staff, community=world.community, **args)
    assert error.field == field and words in error.message
    assert not Need.objects.filter(community=world.community).exists()


def test_a_need_names_a_community(world):
    error = _refused(
        "bad_input",
        services.need_record,
        actor=world.staff,
        community=world.street.grid,
        title="t",
        description="d",
        source="visit",
    )
    assert error.field == "community"


# --- resources ------------------------------------------------------------------------------------


def test_a_member_unit_offers_its_own_resource_and_staff_one_of_a_unit_serving_them(world):
    own = resource_of(world)
    assert (own.organisation, own.place_code, own.status) == (
        world.unit,
        world.street.street.code,
        "available",
    )
    by_staff = services.resource_record(
        actor=world.staff, organisation=world.unit, kind="venue", title="会议室"
    )
    assert by_staff.created_by == world.staff
    assert ProjectEvent.objects.filter(resource__in=[own, by_staff], action="resource_recorded").count() == 2


@pytest.mark.parametrize(
    ("who", "organisation"),
    [
        ("unit_account", "far_unit"),  # not its unit
        ("staff", "far_unit"),  # a unit that does not serve the staff's community
        ("crew_member", "unit"),  # a handling unit, not the member unit
        ("resident", "unit"),
        ("staff", "crew"),  # a repair crew offers no resources
    ],
)
def test_a_resource_is_refused_to_those_who_may_not_offer_for_the_organisation(world, who, organisation):
    org = world.street.crew if organisation == "crew" else getattr(world, organisation)
    _refused(
        "not_allowed",
        services.resource_record,
        actor=getattr(world, who),
        organisation=org,
        kind="goods",
        title="t",
    )
    assert not Resource.objects.filter(organisation=org).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", Decimal("-1")),
        ("amount", Decimal("100000000.01")),
        ("amount", Decimal("NaN")),
        ("amount", Decimal("1.001")),
        ("capacity", 0),
        ("available_until", date(2000, 1, 1)),
        ("available_until", date(9999, 12, 31)),
        ("kind", "gold"),
        ("title", "x\x00"),
    ],
)
def test_bad_resource_input_is_refused_naming_the_field(world, field, value):
    args = {"kind": "funds", "title": "资金", "amount": Decimal("10")} | {field: value}
    error = _refused(
        "bad_input", services.resource_record, actor=world.unit_account, organisation=world.unit, **args
    )
    assert error.field == field
    assert not Resource.objects.filter(organisation=world.unit).exists()


def test_a_resource_is_edited_and_withdrawn_by_its_unit_only_while_available(world):
    resource = resource_of(world)
    _refused(
        "not_found",
        services.resource_update,
        actor=world.far_unit_account,
        resource_id=resource.pk,
        kind="funds",
        title="改",
    )
    services.resource_update(
        actor=world.unit_account,
        resource_id=resource.pk,
        kind="funds",
        title="助老资金（二期）",
        amount=Decimal("60000"),
    )
    resource.refresh_from_db()
    assert (resource.title, resource.amount) == ("助老资金（二期）", Decimal("60000.00"))
    services.resource_update(
        actor=world.unit_account, resource_id=resource.pk, kind="funds", title="x", withdraw=True
    )
    _refused(
        "wrong_state",
        services.resource_update,
        actor=world.unit_account,
        resource_id=resource.pk,
        kind="funds",
        title="y",
    )
    assert resource.events.filter(action="resource_updated").count() == 2


# --- matching -------------------------------------------------------------------------------------


def test_a_member_unit_matches_a_need_it_serves_into_a_planned_project(world):
    need, resource = need_in(world), resource_of(world)
    project = services.need_match(
        actor=fresh(world.unit_account), need_id=need.pk, resource_id=resource.pk, **dates()
    )
    need.refresh_from_db()
    resource.refresh_from_db()
    assert (need.status, resource.status) == (Need.Status.MATCHED, Resource.Status.MATCHED)
    assert (project.source, project.status, project.community) == ("need", "planned", world.community)
    assert (project.proposing_organisation, project.title) == (world.unit, need.title)
    # A funds resource funds the project.
    assert (project.funding_source, project.funding_amount) == (world.unit.name, Decimal("50000.00"))
    assert project.events.filter(action="created").count() == 1
    assert need.events.filter(action="matched").exists() and resource.events.filter(action="matched").exists()


def test_matching_a_need_that_is_not_open_is_refused(world):
    need, resource = need_in(world), resource_of(world)
    services.need_close(actor=world.staff, need_id=need.pk, reason="已由街道解决")
    _refused(
        "wrong_state",
        services.need_match,
        actor=world.staff,
        need_id=need.pk,
        resource_id=resource.pk,
        **dates(),
    )
    assert not Project.objects.filter(need=need).exists()
    assert Resource.objects.get(pk=resource.pk).status == "available"


def test_a_unit_that_does_not_serve_the_community_cannot_take_up_its_need(world):
    need, far = need_in(world), resource_of(world, world.far_unit)
    # The far unit does not see the need; staff see the need but not the far unit's resource.
    _refused(
        "not_found",
        services.need_match,
        actor=world.far_unit_account,
        need_id=need.pk,
        resource_id=far.pk,
        **dates(),
    )
    _refused(
        "not_found", services.need_match, actor=world.staff, need_id=need.pk, resource_id=far.pk, **dates()
    )
    assert Need.objects.get(pk=need.pk).status == "open"


def test_staff_cannot_match_another_communitys_need(world):
    need = need_in(world, world.other_community)
    resource = resource_of(world)
    _refused(
        "not_found",
        services.need_match,
        actor=world.staff,
        need_id=need.pk,
        resource_id=resource.pk,
        **dates(),
    )


def _days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field"),
    [
        (_days(10), _days(1), "ends_on"),  # ends before it starts
        (_days(0), date(9999, 12, 31), "ends_on"),
        (date(1, 1, 1), _days(5), "starts_on"),
        (_days(-10), _days(-1), "ends_on"),  # over already
        (None, _days(5), "starts_on"),
    ],
)
def test_bad_dates_refuse_the_match_and_leave_need_and_resource_as_they_were(
    world, starts_on, ends_on, field
):
    need, resource = need_in(world), resource_of(world)
    error = _refused(
        "bad_input",
        services.need_match,
        actor=world.staff,
        need_id=need.pk,
        resource_id=resource.pk,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    assert error.field == field
    assert (
        Need.objects.get(pk=need.pk).status == "open"
        and Resource.objects.get(pk=resource.pk).status == "available"
    )
    assert not Project.objects.filter(need=need).exists()
    assert not ProjectEvent.objects.filter(need=need, action="matched").exists()


@pytest.mark.parametrize("amount", [Decimal("-5"), Decimal("1e12"), Decimal("Infinity")])
def test_negative_or_huge_funding_is_refused(world, amount):
    need, resource = need_in(world), resource_of(world, kind="venue", amount=None)
    error = _refused(
        "bad_input",
        services.need_match,
        actor=world.staff,
        need_id=need.pk,
        resource_id=resource.pk,
        funding_amount=amount,
        **dates(),
    )
    assert error.field == "funding_amount"


# --- milestones, progress, completion -------------------------------------------------------------


@pytest.fixture
def project(world):
    return services.need_match(
        actor=world.staff, need_id=need_in(world).pk, resource_id=resource_of(world).pk, **dates(days=30)
    )


def test_a_milestone_after_the_project_ends_is_refused(world, project):
    error = _refused(
        "bad_input",
        services.milestone_add,
        actor=world.staff,
        project_id=project.pk,
        title="验收",
        due_on=project.ends_on + timedelta(days=1),
    )
    assert error.field == "due_on" and "after the project ends" in error.message
    _refused(
        "bad_input",
        services.milestone_add,
        actor=world.staff,
        project_id=project.pk,
        title="验收",
        due_on=date(9999, 12, 31),
    )
    assert not Milestone.objects.filter(project=project).exists()


def test_a_milestone_done_puts_a_planned_project_under_way(world, project):
    milestone = services.milestone_add(
        actor=world.staff, project_id=project.pk, title="选址", due_on=project.ends_on
    )
    services.milestone_done(actor=world.unit_account, milestone_id=milestone.pk)  # its proposing unit
    project.refresh_from_db()
    assert project.status == Project.Status.UNDER_WAY
    _refused("already", services.milestone_done, actor=world.staff, milestone_id=milestone.pk)
    assert [e.action for e in project.events.all()] == ["created", "milestone_added", "milestone_done"]


@pytest.mark.parametrize(
    "who", ["other_staff", "commissioner", "representative", "far_unit_account", "resident"]
)
def test_only_those_who_run_the_project_change_it(world, project, who):
    _refused(
        "not_allowed",
        services.milestone_add,
        actor=getattr(world, who),
        project_id=project.pk,
        title="t",
        due_on=project.ends_on,
    )
    _refused(
        "not_allowed",
        services.project_progress,
        actor=getattr(world, who),
        project_id=project.pk,
        note="n",
        publish=False,
    )
    assert project.events.count() == 1


def test_progress_without_a_public_wall_item_goes_on_the_echo_wall_as_the_communitys_note(world, project):
    from huizhi.wall.models import EchoNote

    services.project_progress(actor=world.staff, project_id=project.pk, note="场地已落实", publish=True)
    note = EchoNote.objects.get(community=project.community)
    assert project.title in note.name and "场地已落实" in note.text
    services.project_progress(actor=world.staff, project_id=project.pk, note="内部进展", publish=False)
    assert EchoNote.objects.filter(community=project.community).count() == 1


def test_completion_waits_for_every_milestone_and_closes_the_need(world, project):
    milestone = services.milestone_add(
        actor=world.staff, project_id=project.pk, title="开业", due_on=project.ends_on
    )
    error = _refused(
        "wrong_state",
        services.project_complete,
        actor=world.staff,
        project_id=project.pk,
        note="完成",
        publish=False,
    )
    assert "开业" in error.message
    services.milestone_done(actor=world.staff, milestone_id=milestone.pk)
    services.project_complete(actor=world.staff, project_id=project.pk, note="助餐点开业", publish=False)
    project.refresh_from_db()
    assert project.status == "complete" and project.completed_at is not None
    assert Need.objects.get(pk=project.need_id).status == "closed"
    _refused(
        "wrong_state",
        services.project_progress,
        actor=world.staff,
        project_id=project.pk,
        note="n",
        publish=False,
    )


def test_a_cancelled_project_gives_back_its_need_and_resource(world, project):
    services.project_cancel(actor=world.staff, project_id=project.pk, reason="资金未到位")
    assert Need.objects.get(pk=project.need_id).status == "open"
    assert Resource.objects.get(pk=project.resource_id).status == "available"


# --- decisions and the echo wall ------------------------------------------------------------------


def test_a_decisions_project_publishes_its_progress_on_the_echo_wall_of_the_item_that_raised_it(world):
    decision, post = decision_from_wall(world)
    resource = resource_of(world)
    project = services.project_from_decision(
        actor=fresh(world.unit_account),
        decision_id=decision.pk,
        resource_id=resource.pk,
        title="4栋屋顶防水维修",
        **dates(days=20),
    )
    assert (project.source, project.wall_post, project.proposing_organisation) == (
        "decision",
        post,
        world.unit,
    )
    assert project.funding_amount == Decimal("50000.00")
    services.project_progress(
        actor=world.staff, project_id=project.pk, note="材料进场，联系人 13912345678", publish=True
    )
    answer = Response.objects.filter(post=post).order_by("-id").first()
    assert answer.name == "Project: 4栋屋顶防水维修" or "4栋屋顶防水维修" in answer.name
    assert "13912345678" not in answer.text and "139****5678" in answer.text
    assert Post.objects.on_echo_wall().filter(pk=post.pk, community=world.community).exists()
    assert project.events.get(action="progress").published
    # One project per decision.
    _refused("already", services.project_from_decision, actor=world.staff, decision_id=decision.pk, **dates())


def test_a_decision_with_unpublished_minutes_keeps_its_projects_progress_off_the_wall(world):
    decision, post = decision_from_wall(world, publish_minutes=False)
    project = services.project_from_decision(actor=world.staff, decision_id=decision.pk, **dates())
    _refused("wrong_state", services.project_progress, actor=world.staff, project_id=project.pk, note="n")
    assert not Response.objects.filter(post=post, name__contains=project.title[:20]).exists()


def test_a_decisions_project_is_refused_to_those_neither_running_the_meeting_nor_owning_it(world):
    decision, _post = decision_from_wall(world)
    for who in ("other_staff", "far_unit_account", "representative", "resident"):
        _refused(
            "not_allowed",
            services.project_from_decision,
            actor=getattr(world, who),
            decision_id=decision.pk,
            **dates(),
        )
    assert not Project.objects.filter(decision=decision).exists()


def test_a_representative_proposes_a_project_for_their_studio_only_where_it_serves(world):
    project = services.project_create(
        actor=fresh(world.representative),
        community=world.community,
        proposing_organisation=world.studio,
        title="养老服务示范站",
        funding_source="区民政局专项资金",
        funding_amount=Decimal("300000"),
        **dates(),
    )
    assert (project.source, project.proposer) == ("studio", world.representative)
    _refused(
        "not_allowed",
        services.project_create,
        actor=world.representative,
        community=world.other_community,
        proposing_organisation=world.studio,
        title="t",
        **dates(),
    )
    _refused(
        "not_allowed",
        services.project_create,
        actor=world.representative,
        community=world.community,
        title="t",
        **dates(),
    )
