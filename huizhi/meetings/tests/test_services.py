"""The meeting services at every boundary, walked through the real paths: a wall item sent to
consultation → a meeting of the group → invitees told → sign-in → agenda → decision (votes,
owner, due date) → a case through the case services → progress → the echo wall.

Every refusal is checked for its reason (code) *and* for leaving nothing behind."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from huizhi.cases.models import Case, CaseEvent, Category, Notification
from huizhi.cases.states import Source, Status
from huizhi.core.sms import MemorySmsBackend
from huizhi.meetings import selectors
from huizhi.meetings.models import AgendaItem, Decision, Invitation, InviteeRole, Meeting, MeetingEvent, Vote
from huizhi.meetings.services import (
    MeetingError,
    agenda_add,
    decision_progress,
    decision_record,
    decision_spawn_case,
    meeting_minutes_save,
    meeting_sign_in,
)
from huizhi.meetings.tests.helpers import (
    commissioner_of,
    crew_account,
    during,
    group,
    party_committee,
    person,
    repair_crew,
    schedule,
)
from huizhi.places.models import Place
from huizhi.wall import selectors as wall_selectors
from huizhi.wall import services as wall_services
from huizhi.wall.models import Stage, TriageDecision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_to_memory(settings, tmp_path):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    MemorySmsBackend.outbox.clear()


def _refused(code: str, call, *args, **kwargs) -> MeetingError:
    with pytest.raises(MeetingError) as refusal:
        call(*args, **kwargs)
    assert refusal.value.code == code, refusal.value.message
    return refusal.value


# --- scheduling and invitations ------------------------------------------------------------------


def test_a_group_meeting_invites_its_parties_by_role_and_tells_them(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule()
    invited = {i.user.username: i for i in meeting.invitations.select_related("user")}
    # The group's central party-member household speaks (and votes) for the residents; staff advise.
    assert set(invited) == {"liaison", "sanliting_staff"}
    assert invited["liaison"].role == InviteeRole.RESIDENT_REPRESENTATIVE and invited["liaison"].may_vote
    assert not invited["sanliting_staff"].may_vote
    assert meeting.organiser_name == "三里亭人家4栋第1自治小组"
    assert meeting.place == group(1).place and meeting.community.name == "三里亭社区"
    # The liaison is told in the inbox and by text, with the sign-in page; the scheduler is not told.
    path = f"/m/meetings/{meeting.pk}/sign-in/"
    assert Notification.objects.filter(user=person("liaison"), text__contains=path).count() == 1
    assert not Notification.objects.filter(user=person("sanliting_staff"), text__contains=path).exists()
    assert [mobile for mobile, _text in MemorySmsBackend.outbox] == ["13900000001"]
    assert list(meeting.events.values_list("action", flat=True)) == ["scheduled", "invited"]


def test_a_party_that_is_an_organisation_is_invited_through_its_accounts_and_only_its_own():
    from huizhi.accounts.roles import Role
    from huizhi.accounts.services import role_grant, user_create
    from huizhi.meetings.services import meeting_invite

    secretary = user_create(username="sanliting-committee", password=None, full_name="党委书记")
    role_grant(user=secretary, role=Role.HANDLING_UNIT, organisation=party_committee())
    crew = crew_account()
    meeting = schedule(organiser=party_committee(), roles=[InviteeRole.PARTY_COMMITTEE])
    invitation = meeting.invitations.get()
    assert (invitation.user, invitation.organisation) == (secretary, party_committee())
    assert not invitation.may_vote
    # Inviting the same party again tells no one twice; the repair crew is not the party committee.
    assert (
        meeting_invite(actor=person("sanliting_staff"), meeting_id=meeting.pk, roles=["party_committee"])
        == []
    )
    assert not meeting.invitations.filter(user=crew).exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"in_days": -1}, "past"),
        ({"organiser": "nobody"}, "missing_organiser"),
        ({"actor": "huayuan_staff"}, "not_allowed"),  # another community's staff
        ({"actor": "resident"}, "not_allowed"),
    ],
)
def test_a_meeting_in_the_past_without_organiser_or_by_an_outsider_is_refused_and_nothing_saved(change, code):
    before = (Meeting.objects.count(), Invitation.objects.count(), Notification.objects.count())
    kwargs = dict(change)
    if "actor" in kwargs:
        kwargs["actor"] = person(kwargs["actor"])
    if kwargs.get("organiser") == "nobody":
        kwargs["organiser"] = None
        from huizhi.meetings.services import meeting_schedule

        _refused(
            code,
            meeting_schedule,
            actor=person("sanliting_staff"),
            kind="consultation",
            title="无主办",
            organiser=None,
            venue="议事亭",
            starts_at=timezone.now() + timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=1, hours=1),
        )
    else:
        _refused(code, schedule, **kwargs)
    assert (Meeting.objects.count(), Invitation.objects.count(), Notification.objects.count()) == before


def test_the_groups_liaison_may_hold_its_meetings_but_not_another_groups():
    assert schedule(actor=person("liaison"), organiser=group(1)).organiser_group == group(1)
    _refused("not_allowed", schedule, actor=person("liaison"), organiser=group(2))


# --- the wall's item on the agenda ----------------------------------------------------------------


def _wall_item(title="4栋顶楼漏水", mobile="13911112222"):
    from huizhi.wall.tests.helpers import resident

    author = resident(mobile)
    building = Place.objects.get(name="4栋", parent__name="三里亭人家")
    draft = wall_services.post_draft(
        actor=author,
        category=Category.objects.get(code="1104"),
        title=title,
        description="顶楼天花板下雨就漏水，墙皮都泡掉了，需要大家商量维修。",
        place=building,
    )
    post = wall_services.post_submit(actor=author, post_id=draft.pk)
    return wall_services.post_triage(
        actor=person("sanliting_staff"),
        post_id=post.pk,
        outcome=TriageDecision.AGENDA,
        text="提交协商议事会。",
    )


def test_sent_to_consultation_the_wall_item_waits_on_its_communitys_list_and_joins_meetings():
    post = _wall_item()
    item = AgendaItem.objects.get(source_post=post)
    assert (item.source, item.status, item.community.name) == ("wall", "pending", "三里亭社区")
    first, second = schedule(), schedule(in_days=9)
    assert item in selectors.pending_agenda_items(first)
    agenda_add(actor=person("sanliting_staff"), meeting_id=first.pk, agenda_item_id=item.pk)
    item.refresh_from_db()
    assert item.status == "scheduled"
    assert item not in selectors.pending_agenda_items(first)
    # Discussed again at a later meeting; never twice on one agenda.
    agenda_add(actor=person("sanliting_staff"), meeting_id=second.pk, agenda_item_id=item.pk)
    _refused(
        "already", agenda_add, actor=person("sanliting_staff"), meeting_id=first.pk, agenda_item_id=item.pk
    )
    assert item.meeting_items.count() == 2


def test_a_free_topic_goes_on_the_agenda_and_an_invitee_cannot_set_the_agenda():
    meeting = schedule(organiser=party_committee())
    entry = agenda_add(
        actor=person("sanliting_staff"), meeting_id=meeting.pk, title="楼道堆物清理", summary=""
    )
    assert entry.agenda_item.source == "free"
    _refused("not_allowed", agenda_add, actor=person("liaison"), meeting_id=meeting.pk, title="私加议题")


def test_a_case_of_the_community_goes_on_the_agenda_once_and_another_communitys_is_refused():
    from huizhi.cases.services import case_report

    def report(place):
        return case_report(
            actor=person("sanliting_staff")
            if place.code.startswith(group(1).place.code[:12])
            else person("huayuan_staff"),
            category=Category.objects.get(code="1104"),
            title="楼道反复积水",
            description="三个月第三次积水。",
            source=Source.PATROL,
            place=place,
        )

    ours = report(group(1).place)
    theirs = report(Place.objects.get(kind="compound", name="扬天小区"))
    meeting = schedule()
    entry = agenda_add(actor=person("sanliting_staff"), meeting_id=meeting.pk, case_id=ours.pk)
    assert (entry.agenda_item.source, entry.agenda_item.source_case) == ("case", ours)
    later = schedule(in_days=8)
    again = agenda_add(actor=person("sanliting_staff"), meeting_id=later.pk, case_id=ours.pk)
    assert again.agenda_item == entry.agenda_item  # the same matter, discussed again
    _refused(
        "not_found", agenda_add, actor=person("sanliting_staff"), meeting_id=meeting.pk, case_id=theirs.pk
    )


# --- signing in --------------------------------------------------------------------------------------


def test_invitees_sign_in_on_the_phone_with_the_meetings_token_only_while_it_runs():
    meeting, other = schedule(), schedule(in_days=3)
    liaison, token = person("liaison"), meeting.sign_in_token
    _refused("wrong_state", meeting_sign_in, actor=liaison, meeting_id=meeting.pk, token=token)
    with during(meeting):
        # Without the QR code's token, or with another meeting's, no one signs in from afar.
        _refused("bad_token", meeting_sign_in, actor=liaison, meeting_id=meeting.pk)
        _refused("bad_token", meeting_sign_in, actor=liaison, meeting_id=meeting.pk, token=token[:-1] + "x")
        _refused(
            "bad_token", meeting_sign_in, actor=liaison, meeting_id=meeting.pk, token=other.sign_in_token
        )
        assert not meeting.invitations.filter(attended_at__isnull=False).exists()
        invitation = meeting_sign_in(actor=liaison, meeting_id=meeting.pk, token=token)
        assert invitation.signed_in_by == "self" and invitation.attended_at is not None
        _refused("already", meeting_sign_in, actor=liaison, meeting_id=meeting.pk, token=token)
        _refused("not_allowed", meeting_sign_in, actor=person("resident"), meeting_id=meeting.pk, token=token)
    with time_machine.travel(meeting.ends_at + timedelta(minutes=5)):
        _refused(
            "wrong_state",
            meeting_sign_in,
            actor=person("sanliting_staff"),
            meeting_id=meeting.pk,
            token=token,
        )
    assert meeting.events.filter(action="signed_in").count() == 1


def test_every_meeting_has_its_own_unguessable_token():
    first, second = schedule(), schedule(in_days=3)
    assert first.sign_in_token != second.sign_in_token and len(first.sign_in_token) >= 40


def test_the_organiser_marks_attendance_and_an_invitee_cannot_mark_others():
    meeting = schedule(organiser=party_committee())
    staff, liaison = person("sanliting_staff"), person("liaison")
    with during(meeting):
        _refused("not_allowed", meeting_sign_in, actor=liaison, meeting_id=meeting.pk, user_id=staff.pk)
        marked = meeting_sign_in(actor=staff, meeting_id=meeting.pk, user_id=liaison.pk)
        assert marked.signed_in_by == "organiser"
        _refused(
            "not_allowed", meeting_sign_in, actor=staff, meeting_id=meeting.pk, user_id=person("resident").pk
        )


# --- decisions ---------------------------------------------------------------------------------------


def _held(meeting=None):
    """A group meeting, begun, with the liaison signed in and the wall's item on the agenda."""
    post = _wall_item()
    meeting = meeting or schedule()
    item = AgendaItem.objects.get(source_post=post)
    agenda_add(actor=person("sanliting_staff"), meeting_id=meeting.pk, agenda_item_id=item.pk)
    return meeting, item, post


def _decide(meeting, item=None, **changes):
    fields = {
        "actor": person("sanliting_staff"),
        "meeting_id": meeting.pk,
        "text": "更换4栋顶楼防水层，费用由维修资金列支。",
        "method": "vote",
        "votes": {person("liaison").pk: "for"},
        "owner_organisation": repair_crew(),
        "due_date": timezone.localdate() + timedelta(days=14),
        "agenda_item_id": item.pk if item else None,
    }
    fields.update(changes)
    return decision_record(**fields)


def test_a_decision_by_vote_counts_the_votes_of_those_entitled_and_tells_its_owner():
    meeting, item, _post = _held()
    crew = crew_account()
    with during(meeting):
        meeting_sign_in(actor=person("liaison"), meeting_id=meeting.pk, token=meeting.sign_in_token)
        decision = _decide(meeting, item)
    assert (decision.votes_for, decision.votes_against, decision.votes_abstain) == (1, 0, 0)
    assert decision.owner_name == "三里亭社区红色汇治维修队" and decision.place_code == meeting.place_code
    item.refresh_from_db()
    assert item.status == "decided"
    assert Notification.objects.filter(user=crew, text__contains="更换4栋顶楼防水层").exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"votes": {"staff": "for"}}, "not_entitled"),  # invited, but without a vote
        ({"votes": {"resident": "for"}}, "not_entitled"),  # not invited at all
        ({"votes": {"liaison": "against"}}, "not_carried"),
        ({"votes": {}}, "bad_input"),
        ({"method": "consensus"}, "bad_input"),  # a consensus with votes
        ({"owner_organisation": None}, "missing_owner"),
        ({"owner_user": "liaison"}, "missing_owner"),  # two owners
        ({"due_date": None}, "missing_due_date"),
        ({"due_date": "before"}, "bad_input"),
        ({"text": "  "}, "bad_input"),
    ],
)
def test_a_bad_decision_is_refused_with_its_reason_and_nothing_saved(changes, code):
    meeting, item, post = _held()
    with during(meeting):
        meeting_sign_in(actor=person("liaison"), meeting_id=meeting.pk, token=meeting.sign_in_token)
        if "votes" in changes:
            changes["votes"] = {
                person(u).pk if u != "staff" else person("sanliting_staff").pk: c
                for u, c in changes["votes"].items()
            }
        if changes.get("owner_user"):
            changes["owner_user"] = person(changes["owner_user"])
        if changes.get("due_date") == "before":
            # The day before the meeting's own day (not "yesterday": near midnight the two differ).
            changes["due_date"] = timezone.localtime(meeting.starts_at).date() - timedelta(days=1)
        before = (Decision.objects.count(), Vote.objects.count(), MeetingEvent.objects.count())
        _refused(code, _decide, meeting, item, **changes)
    assert (Decision.objects.count(), Vote.objects.count(), MeetingEvent.objects.count()) == before
    item.refresh_from_db()
    assert item.status == "scheduled"


def _second_liaison():
    """Another resident representative of 第1自治小组, so its meetings have two voters."""
    from huizhi.accounts.roles import Role
    from huizhi.accounts.services import role_grant, user_create

    user = user_create(username="liaison-2", password=None, full_name="吴桂兰")
    role_grant(user=user, role=Role.BUILDING_LIAISON, group=group(1))
    return user


def test_a_vote_without_quorum_is_refused_and_nothing_saved():
    meeting, item, _post = _held()
    with during(meeting):
        refusal = _refused("no_quorum", _decide, meeting, item)
    assert "0" in refusal.message and not Decision.objects.filter(meeting=meeting).exists()


def test_a_vote_of_an_entitled_invitee_who_did_not_sign_in_is_refused():
    second = _second_liaison()
    meeting, item, _post = _held()
    with during(meeting):
        meeting_sign_in(actor=second, meeting_id=meeting.pk, token=meeting.sign_in_token)
        _refused("not_entitled", _decide, meeting, item)  # the first liaison votes, not signed in


@pytest.mark.parametrize(("share", "carried"), [(0.5, True), (1.0, False)])
def test_the_quorum_is_the_share_of_voters_the_setting_asks(settings, share, carried):
    settings.HUIZHI_MEETING_QUORUM = share
    second = _second_liaison()
    meeting, item, _post = _held()
    with during(meeting):
        meeting_sign_in(actor=second, meeting_id=meeting.pk, token=meeting.sign_in_token)
        quorum = selectors.quorum_of(list(meeting.invitations.all()))
        assert (quorum.voters, quorum.present, quorum.reached) == (2, 1, carried)
        if carried:
            assert _decide(meeting, item, votes={second.pk: "for"}).votes_for == 1
        else:
            _refused("no_quorum", _decide, meeting, item, votes={second.pk: "for"})


def test_decisions_wait_for_the_meeting_and_an_invitee_cannot_record_one():
    # Held by the party committee: the group's liaison comes as an invitee, not as an organiser.
    meeting, item, _post = _held(schedule(organiser=party_committee()))
    _refused("wrong_state", _decide, meeting, item, method="consensus", votes={})
    with during(meeting):
        _refused("not_allowed", _decide, meeting, item, actor=person("liaison"), method="consensus", votes={})
        assert _decide(meeting, item, method="consensus", votes={}).method == "consensus"


# --- from decision to case to echo wall --------------------------------------------------------------


def test_a_decision_spawns_a_case_through_the_case_services():
    meeting, item, _post = _held()
    with during(meeting):
        decision = _decide(meeting, item, method="consensus", votes={})
        case = decision_spawn_case(
            actor=person("sanliting_staff"),
            decision_id=decision.pk,
            category=Category.objects.get(code="1104"),
            title="4栋顶楼防水层更换",
        )
    assert (case.source, case.status) == (Source.MEETING, Status.ACCEPTED)
    assert case.place == meeting.place and list(decision.cases.all()) == [case]
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == ["report", "accept"]
    assert decision.events.filter(action="case_spawned", note=case.reference).exists()


def test_a_refused_case_leaves_no_case_and_no_link():
    meeting, item, _post = _held()
    with during(meeting):
        decision = _decide(meeting, item, method="consensus", votes={})
    before = Case.objects.count()
    inactive_class = Category.objects.filter(parent__isnull=True).first()  # a class, not a subclass
    with pytest.raises(MeetingError):
        decision_spawn_case(
            actor=person("sanliting_staff"), decision_id=decision.pk, category=inactive_class, title="x"
        )
    assert Case.objects.count() == before and not decision.cases.exists()
    # Only organisers open cases from a decision.
    _refused(
        "not_allowed",
        decision_spawn_case,
        actor=person("liaison"),
        decision_id=decision.pk,
        category=Category.objects.get(code="1104"),
        title="x",
    )


def test_published_decisions_and_their_progress_reach_the_echo_wall_and_the_author():
    meeting, item, post = _held()
    crew = crew_account()
    with during(meeting):
        meeting_sign_in(actor=person("liaison"), meeting_id=meeting.pk, token=meeting.sign_in_token)
        decision = _decide(meeting, item)
        # Unpublished: nothing public yet.
        assert not post.responses.exists()
        meeting_minutes_save(
            actor=person("sanliting_staff"),
            meeting_id=meeting.pk,
            minutes="到会5人，议定更换防水层。",
            publish=True,
        )
    post.refresh_from_db()
    assert post.stage == Stage.AGENDA and post.answered_at is not None
    assert post in wall_selectors.echo_posts(post.community, wall_selectors.WallFilter())
    assert post in wall_selectors.wall_posts(post.community, wall_selectors.WallFilter())
    first = post.responses.get()
    assert first.name.startswith("三里亭人家4栋第1自治小组") and "更换4栋顶楼防水层" in first.text
    decision_progress(actor=crew, decision_id=decision.pk, note="材料已进场，周六施工。")
    decision_progress(
        actor=crew, decision_id=decision.pk, note="防水层已更换，经雨天检验不再漏水。", done=True
    )
    decision.refresh_from_db()
    assert decision.status == "done" and decision.done_at is not None
    progress, done = [r.text for r in post.responses.order_by("id")][1:]
    assert progress.endswith("材料已进场，周六施工。") and done.endswith("防水层已更换，经雨天检验不再漏水。")
    # Labelled as progress and as done ("进展：…", "已落实：…" in the product's language).
    assert progress.removesuffix("材料已进场，周六施工。") != done.removesuffix(
        "防水层已更换，经雨天检验不再漏水。"
    )
    assert Notification.objects.filter(user=post.author, text__contains="防水层已更换").exists()
    _refused("wrong_state", decision_progress, actor=crew, decision_id=decision.pk, note="again")


def test_progress_only_from_the_owner_or_organisers_and_minutes_are_final_once_published():
    meeting, item, _post = _held(schedule(organiser=party_committee()))
    staff, liaison = person("sanliting_staff"), person("liaison")
    with during(meeting):
        decision = _decide(meeting, item, method="consensus", votes={})
        _refused("not_allowed", decision_progress, actor=liaison, decision_id=decision.pk, note="x")
        _refused(
            "not_allowed", decision_progress, actor=person("resident"), decision_id=decision.pk, note="x"
        )
        _refused("not_allowed", meeting_minutes_save, actor=liaison, meeting_id=meeting.pk, minutes="x")
        meeting_minutes_save(actor=staff, meeting_id=meeting.pk, minutes="纪要", publish=True)
        _refused("wrong_state", meeting_minutes_save, actor=staff, meeting_id=meeting.pk, minutes="改")
        _refused("wrong_state", _decide, meeting, item, method="consensus", votes={})


# --- supervision of overdue decisions ---------------------------------------------------------------


def test_open_decisions_past_due_reach_the_commissioner_of_their_community_only():
    meeting, item, _post = _held()
    with during(meeting):
        late = _decide(
            meeting, item, method="consensus", votes={}, due_date=timezone.localdate() + timedelta(days=3)
        )
        done = _decide(
            meeting,
            None,
            method="consensus",
            votes={},
            text="楼道灯更换",
            due_date=timezone.localdate() + timedelta(days=3),
        )
        decision_progress(actor=person("sanliting_staff"), decision_id=done.pk, note="已换", done=True)
        on_time = _decide(
            meeting,
            None,
            method="consensus",
            votes={},
            text="清理堆物",
            due_date=timezone.localdate() + timedelta(days=30),
        )
    later = timezone.localdate() + timedelta(days=10)
    ours = selectors.overdue_decisions(commissioner_of("三里亭社区"), today=later)
    assert late in ours and done not in ours and on_time not in ours
    assert late not in selectors.overdue_decisions(person("commissioner"), today=later)  # 花园街社区's
    assert late in selectors.overdue_decisions(person("street"), today=later)
    assert late not in selectors.overdue_decisions(commissioner_of("三里亭社区"), today=timezone.localdate())


def test_a_free_topics_decision_is_published_as_a_note_on_the_communitys_echo_wall():
    from huizhi.wall.models import EchoNote

    meeting = schedule(organiser=party_committee())
    entry = agenda_add(
        actor=person("sanliting_staff"), meeting_id=meeting.pk, title="楼道堆物清理", summary=""
    )
    before = EchoNote.objects.filter(community=meeting.community).count()
    with during(meeting):
        decision = _decide(
            meeting, entry.agenda_item, method="consensus", votes={}, text="每月第一个周六集中清理楼道堆物。"
        )
        assert EchoNote.objects.filter(community=meeting.community).count() == before  # minutes not out yet
        meeting_minutes_save(
            actor=person("sanliting_staff"), meeting_id=meeting.pk, minutes="议定集中清理。", publish=True
        )
    note = EchoNote.objects.filter(community=meeting.community).first()
    assert "每月第一个周六集中清理楼道堆物" in note.text and meeting.organiser_name in note.name
    decision_progress(
        actor=person("sanliting_staff"), decision_id=decision.pk, note="第一次清理已完成。", done=True
    )
    assert EchoNote.objects.filter(community=meeting.community).count() == before + 2
