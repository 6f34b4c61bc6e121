"""The meeting pages: who gets in, what a refused action says on the page (and keeps), the phone
sign-in, and the commissioner's overdue list linked from supervision."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.meetings.models import Decision, Meeting
from huizhi.meetings.services import decision_record
from huizhi.meetings.tests.helpers import (
    commissioner_of,
    during,
    group,
    party_committee,
    person,
    repair_crew,
    schedule,
)

pytestmark = pytest.mark.django_db


def _login(client, username_or_user):
    user = person(username_or_user) if isinstance(username_or_user, str) else username_or_user
    client.force_login(user)
    return user


def test_staff_schedule_a_meeting_from_the_page(client):
    _login(client, "sanliting_staff")
    page = client.get(reverse("meetings:new"))
    assert page.status_code == 200 and f"group:{group(1).pk}" in page.content.decode()
    starts = timezone.localtime() + timedelta(days=3)
    response = client.post(
        reverse("meetings:new"),
        {
            "kind": "consultation",
            "title": "4栋屋面漏水议事",
            "organiser": f"group:{group(1).pk}",
            "venue": "4栋协商议事亭",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "invite_roles": ["resident_rep", "staff"],
        },
    )
    meeting = Meeting.objects.get(title="4栋屋面漏水议事")
    assert response.status_code == 302 and response["Location"] == reverse(
        "meetings:detail", args=[meeting.pk]
    )
    assert meeting.invitations.count() == 2


def test_a_past_meeting_is_refused_on_the_page_with_the_reason_and_the_input_kept(client):
    _login(client, "sanliting_staff")
    before = Meeting.objects.count()
    starts = timezone.localtime() - timedelta(days=1)
    response = client.post(
        reverse("meetings:new"),
        {
            "kind": "dialogue",
            "title": "补开的恳谈会",
            "organiser": f"group:{group(1).pk}",
            "venue": "会议室",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and "补开的恳谈会" in body and 'role="alert"' in body
    assert Meeting.objects.count() == before


def test_a_meeting_without_organiser_is_refused_by_the_service_not_silently(client):
    _login(client, "sanliting_staff")
    starts = timezone.localtime() + timedelta(days=1)
    response = client.post(
        reverse("meetings:new"),
        {
            "kind": "forum",
            "title": "无主办座谈会",
            "organiser": "",
            "venue": "会议室",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not Meeting.objects.filter(title="无主办座谈会").exists()


def test_pages_by_role(client):
    meeting = schedule(organiser=party_committee())
    detail = reverse("meetings:detail", args=[meeting.pk])
    _login(client, "sanliting_staff")
    assert client.get(reverse("meetings:index")).status_code == 200
    assert client.get(detail).status_code == 200
    _login(client, "liaison")  # invited
    page = client.get(detail)
    assert page.status_code == 200 and 'id="minutes-hidden"' in page.content.decode()
    assert 'id="decision-form"' not in page.content.decode()
    assert client.post(reverse("meetings:minutes", args=[meeting.pk]), {"minutes": "x"}).status_code == 403
    _login(client, "huayuan_staff")
    assert client.get(detail).status_code == 404
    _login(client, "resident")  # not invited: nothing listed, the meeting not found
    assert f'data-meeting="{meeting.pk}"' not in client.get(reverse("meetings:index")).content.decode()
    assert client.get(detail).status_code == 404
    assert client.get(reverse("meetings:new")).status_code == 403


def test_the_invitee_signs_in_on_the_phone_page_through_the_qr_link(client):
    meeting = schedule()
    _login(client, "liaison")
    url = reverse("meetings:sign_in", args=[meeting.pk])
    qr_link = f"{url}?t={meeting.sign_in_token}"
    assert 'id="sign-in-closed"' in client.get(qr_link).content.decode()
    assert client.post(url, {"t": meeting.sign_in_token}).status_code == 409
    with during(meeting):
        # Without the code, the page says where to find it; with a wrong one, that it is wrong.
        assert 'id="scan-to-sign-in"' in client.get(url).content.decode()
        assert 'id="sign-in-form"' not in client.get(url).content.decode()
        assert 'id="bad-token"' in client.get(f"{url}?t=guess").content.decode()
        assert client.post(url, {"t": "guess"}).status_code == 400
        assert client.post(url).status_code == 400
        page = client.get(qr_link).content.decode()
        assert 'id="sign-in-form"' in page and meeting.sign_in_token in page
        assert client.post(url, {"t": meeting.sign_in_token}).status_code == 302
        assert 'id="signed-in"' in client.get(qr_link).content.decode()
        again = client.post(url, {"t": meeting.sign_in_token})
        assert again.status_code == 409 and 'id="signed-in"' in again.content.decode()
    assert meeting.invitations.get(user=person("liaison")).signed_in_by == "self"


def test_the_qr_code_shows_to_organisers_only_and_holds_the_token(client):
    meeting = schedule(organiser=party_committee())
    detail = reverse("meetings:detail", args=[meeting.pk])
    _login(client, "sanliting_staff")
    page = client.get(detail).content.decode()
    assert 'id="qr-sign-in"' in page and "<svg" in page
    assert f"/m/meetings/{meeting.pk}/sign-in/?t={meeting.sign_in_token}" in page
    for name in ("liaison",):  # invited, not organising
        _login(client, name)
        page = client.get(detail).content.decode()
        assert meeting.sign_in_token not in page and 'id="qr-sign-in"' not in page
    _login(client, commissioner_of("三里亭社区"))  # oversight reads, never holds the code
    assert meeting.sign_in_token not in client.get(detail).content.decode()


def test_the_meeting_page_shows_attendance_and_quorum(client):
    meeting = schedule()
    _login(client, "sanliting_staff")
    assert 'data-quorum="no"' in client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    with during(meeting):
        client.post(reverse("meetings:attendance", args=[meeting.pk]), {"user": person("liaison").pk})
        page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert 'data-quorum="yes"' in page and 'data-attended="1"' in page


def test_a_decision_refused_on_the_page_keeps_the_text_and_says_why(client):
    meeting = schedule()
    _login(client, "sanliting_staff")
    with during(meeting):
        response = client.post(
            reverse("meetings:decide", args=[meeting.pk]),
            {"text": "更换防水层", "method": "consensus", "owner": "", "due_date": ""},
        )
    body = response.content.decode()
    assert response.status_code == 400 and "更换防水层" in body and 'role="alert"' in body
    assert not Decision.objects.filter(meeting=meeting).exists()


def test_overdue_decisions_page_for_the_commissioner_linked_from_supervision(client):
    meeting = schedule()
    with during(meeting):
        decision = decision_record(
            actor=person("sanliting_staff"),
            meeting_id=meeting.pk,
            text="修补4栋屋面",
            method="consensus",
            owner_organisation=repair_crew(),
            due_date=timezone.localtime(meeting.starts_at).date() + timedelta(days=1),
        )
    Decision.objects.filter(pk=decision.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    _login(client, commissioner_of("三里亭社区"))
    assert reverse("meetings:overdue") in client.get(reverse("cases:supervision")).content.decode()
    page = client.get(reverse("meetings:overdue"))
    assert f'data-decision="{decision.pk}"' in page.content.decode()
    _login(client, "commissioner")  # 花园街社区's
    assert f'data-decision="{decision.pk}"' not in client.get(reverse("meetings:overdue")).content.decode()
    _login(client, "sanliting_staff")
    assert client.get(reverse("meetings:overdue")).status_code == 403


def test_the_meeting_list_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for days in (2, 3, 4):
        schedule(in_days=days)
    _login(client, "sanliting_staff")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("meetings:index")).status_code == 200


def test_the_wall_item_shows_the_meetings_outcome_and_the_item_comes_back_at_a_later_meeting(client):
    """The loop as a resident sees it: sent to consultation (提交协商议事), decided at one meeting,
    taken up again at the next, and the item's own public page shows what was decided and how far
    it has got."""
    from huizhi.cases.models import Category
    from huizhi.meetings.models import AgendaItem
    from huizhi.meetings.services import agenda_add, decision_progress, meeting_minutes_save, meeting_sign_in
    from huizhi.wall import services as wall
    from huizhi.wall.models import TriageDecision
    from huizhi.wall.tests.helpers import resident

    author = resident("13911990001")
    draft = wall.post_draft(
        actor=author,
        category=Category.objects.get(code="1104"),
        title="4栋屋顶漏水",
        description="4栋屋顶漏水，楼道墙面发霉。",
        place=group(1).place,
    )
    post = wall.post_submit(actor=author, post_id=draft.pk)
    wall.post_triage(
        actor=person("sanliting_staff"), post_id=post.pk, outcome=TriageDecision.AGENDA, text="提交协商议事。"
    )
    item = AgendaItem.objects.get(source_post=post)
    first, second = schedule(), schedule(in_days=9)
    staff = person("sanliting_staff")
    agenda_add(actor=staff, meeting_id=first.pk, agenda_item_id=item.pk)
    with during(first):
        meeting_sign_in(actor=person("liaison"), meeting_id=first.pk, token=first.sign_in_token)
        decision = decision_record(
            actor=staff,
            meeting_id=first.pk,
            agenda_item_id=item.pk,
            text="修复4栋屋顶漏水",
            method="vote",
            votes={person("liaison").pk: "for"},
            owner_organisation=repair_crew(),
            due_date=timezone.localdate() + timedelta(days=10),
        )
        meeting_minutes_save(actor=staff, meeting_id=first.pk, minutes="议定修复。", publish=True)
        decision_progress(actor=staff, decision_id=decision.pk, note="已进场施工。")
    # A later meeting takes the decided item up again (to hear how the repair went).
    agenda_add(actor=staff, meeting_id=second.pk, agenda_item_id=item.pk)
    assert item.meeting_items.count() == 2
    page = client.get(reverse("wall:item", args=[post.pk])).content.decode()
    assert "修复4栋屋顶漏水" in page and "已进场施工" in page and "第1自治小组" in page
