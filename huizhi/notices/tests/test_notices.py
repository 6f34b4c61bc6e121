"""Area notices: who may publish where, who is told (inbox and text), the public list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.roles import Role
from huizhi.cases.models import Notification
from huizhi.core.models import AuditEntry
from huizhi.core.sms import MemorySmsBackend
from huizhi.notices.delivery import notice_recipients
from huizhi.notices.models import Notice
from huizhi.notices.services import NoticeError, notice_publish, notice_texts_set, notice_withdraw
from huizhi.notices.tests.conftest import home
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.no_demo


def publish(actor, place, *, by_sms=False, **fields):
    now = timezone.now()
    values = {
        "title": "停水通知",
        "body": "因管道维修，明日8:00-17:00停水，请提前储水。",
        "valid_from": now - timedelta(hours=1),
        "valid_until": now + timedelta(days=1),
        **fields,
    }
    return notice_publish(actor=actor, place=place, by_sms=by_sms, **values)


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


@pytest.mark.parametrize("who", ["staff", "street_admin"])
@pytest.mark.parametrize("where", ["community", "grid", "compound", "building"])
def test_staff_and_street_publish_inside_their_scope(
    db, world, who, where, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(getattr(world, who), getattr(world, where))
    assert notice.place_code == getattr(world, where).code
    assert AuditEntry.objects.filter(
        action="notices.notice.publish", target__startswith=f"notices.Notice:{notice.pk} "
    ).exists()


@pytest.mark.parametrize("who", ["gridworker", "crew_member", "resident"])
def test_other_roles_may_not_publish(db, world, who):
    before = Notice.objects.count()  # the demo's own notice too, in a mixed run
    with pytest.raises(NoticeError) as refused:
        publish(getattr(world, who), world.compound)
    assert refused.value.code == "not_allowed"
    assert Notice.objects.count() == before


def test_staff_may_not_publish_to_another_community_nor_to_a_room(db, world):
    other = CommunityFactory(parent=world.street)
    with pytest.raises(NoticeError):
        publish(UserFactory(role=Role.COMMUNITY_STAFF, over=other), world.compound)
    room = home(world.building, "101", account=False).household.unit
    with pytest.raises(NoticeError):
        publish(world.staff, room)
    with pytest.raises(NoticeError):
        publish(world.street_admin, world.street)  # the whole street is not one notice's place


def test_a_notice_must_end_after_it_begins(db, world):
    now = timezone.now()
    with pytest.raises(NoticeError):
        publish(world.staff, world.compound, valid_from=now, valid_until=now - timedelta(hours=1))


def test_recipients_are_exactly_the_residents_with_homes_under_the_place(
    db, world, django_capture_on_commit_callbacks
):
    inside = [home(world.building, "101"), home(world.building, "202")]
    next_door = home(world.other_building, "101")
    home(world.building, "301", account=False)  # registered, no account: no one to tell
    elsewhere = home(world.other_building.parent and _other_compound_building(world), "101")
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(world.staff, world.building)
    assert notice_recipients(notice) == sorted(u.pk for u in inside)
    for user in inside:
        assert any("停水通知" in line for line in inbox(user))
    assert inbox(next_door) == [] and inbox(elsewhere) == []
    notice.refresh_from_db()
    assert notice.told_count == 2 and notice.delivered_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        compound_notice = publish(world.staff, world.compound, title="疫苗接种")
    assert notice_recipients(compound_notice) == sorted(u.pk for u in [*inside, next_door])


def _other_compound_building(world):
    from tests.factories import BuildingFactory, CompoundFactory

    return BuildingFactory(parent=CompoundFactory(parent=world.grid))


def test_text_messages_only_to_residents_who_opted_in(
    db, world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    monkeypatch.setattr(MemorySmsBackend, "outbox", [])
    wants, silent = home(world.building, "101", mobile=True), home(world.building, "102", mobile=True)
    notice_texts_set(actor=wants, texts=True)
    with django_capture_on_commit_callbacks(execute=True):
        publish(world.staff, world.building, by_sms=True)
    assert [to for to, _text in MemorySmsBackend.outbox] == [wants.mobile]
    assert inbox(silent)  # still told in the inbox

    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(world.staff, world.building, by_sms=False)
    assert MemorySmsBackend.outbox == []  # a notice not sent by text texts no one


def test_texts_need_a_mobile(db, world):
    with pytest.raises(NoticeError):
        notice_texts_set(actor=home(world.building, "101"), texts=True)


def test_withdrawn_notices_vanish_from_the_public_list(db, world, client):
    notice = publish(world.staff, world.compound)
    url = reverse("notices:public", args=[world.community.code])
    assert "停水通知" in client.get(url).content.decode()
    with pytest.raises(NoticeError):
        notice_withdraw(
            actor=UserFactory(role=Role.COMMUNITY_STAFF, over=CommunityFactory()), notice_id=notice.pk
        )
    notice_withdraw(actor=world.staff, notice_id=notice.pk)
    assert "停水通知" not in client.get(url).content.decode()
    with pytest.raises(NoticeError) as again:
        notice_withdraw(actor=world.staff, notice_id=notice.pk)
    assert again.value.code == "already"


def test_public_list_shows_current_notices_and_no_personal_data(
    db, world, client, django_assert_max_num_queries
):
    resident = home(world.building, "7301", mobile=True)
    registered = resident.resident
    publish(world.staff, world.building)
    publish(
        world.staff,
        world.compound,
        title="未开始",
        valid_from=timezone.now() + timedelta(days=1),
        valid_until=timezone.now() + timedelta(days=2),
    )
    with django_assert_max_num_queries(6):
        page = client.get(reverse("notices:public", args=[world.community.code]))
    text = page.content.decode()
    assert page.status_code == 200 and "停水通知" in text and "未开始" not in text
    assert world.staff.full_name not in text  # who published it
    assert resident.full_name not in text and resident.mobile not in text  # who was told
    assert registered.name not in text and "7301" not in text  # the registry: names, rooms
    assert client.get(reverse("notices:public", args=[world.grid.code])).status_code == 404


def test_console_pages_refuse_and_allow(db, world, client):
    notice = publish(world.staff, world.compound)
    client.force_login(world.gridworker)
    assert client.get(reverse("notices:console")).status_code == 403
    assert client.post(reverse("notices:withdraw", args=[notice.pk])).status_code == 403
    outsider = UserFactory(role=Role.COMMUNITY_STAFF, over=CommunityFactory())
    client.force_login(outsider)
    assert "停水通知" not in client.get(reverse("notices:console")).content.decode()
    assert client.post(reverse("notices:withdraw", args=[notice.pk])).status_code == 404

    client.force_login(world.staff)
    listing = client.get(reverse("notices:console")).content.decode()
    assert "停水通知" in listing and f'data-notice="{notice.pk}"' in listing
    form = client.get(reverse("notices:new"))
    assert form.status_code == 200 and world.compound.name in form.content.decode()
    response = client.post(
        reverse("notices:new"),
        {
            "place": world.compound.pk,
            "building": world.building.name,
            "title": "电梯检修",
            "body": "周六电梯检修。",
            "valid_from": "2030-01-01T08:00",
            "valid_until": "2030-01-02T08:00",
        },
    )
    assert response.status_code == 302
    assert Notice.objects.get(title="电梯检修").place == world.building
    assert client.post(reverse("notices:withdraw", args=[notice.pk])).status_code == 302
    notice.refresh_from_db()
    assert notice.withdrawn_at is not None


def test_a_title_that_would_display_reversed_is_refused(db, world):
    """An outside probe published "\u202e" in a title: the notice would read otherwise than stored."""
    before = Notice.objects.count()
    with pytest.raises(NoticeError) as refused:
        publish(world.staff, world.compound, title="停水通知\u202egnp.exe")
    assert "reorders" in str(refused.value) or "顺序" in str(refused.value)
    assert Notice.objects.count() == before
