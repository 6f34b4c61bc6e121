"""Following an area: who may follow what, and what followers are told (FixMyStreet's alerts)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.cases.models import Notification
from huizhi.notices.models import Follow
from huizhi.notices.services import NoticeError, notice_publish, place_follow, place_unfollow
from huizhi.notices.tests.conftest import home
from huizhi.wall.models import TriageDecision
from huizhi.wall.services import post_draft, post_submit, post_triage
from tests.factories import UserFactory

pytestmark = pytest.mark.no_demo


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


def wall_item(world, place, title: str):
    author = UserFactory()
    draft = post_draft(
        actor=author, category=world.category, title=title, description="楼道灯坏了好几天。", place=place
    )
    return post_submit(actor=author, post_id=draft.pk)


def test_a_follower_of_a_building_hears_of_items_there_and_not_next_door(
    db, world, django_capture_on_commit_callbacks
):
    follower = home(world.building, "101")
    place_follow(actor=follower, place=world.building)
    with django_capture_on_commit_callbacks(execute=True):
        mine = wall_item(world, world.building, "本楼楼道灯坏了")
        wall_item(world, world.other_building, "隔壁楼道灯坏了")
    lines = inbox(follower)
    assert len(lines) == 1 and mine.reference in lines[0] and "本楼楼道灯坏了" in lines[0]

    # What became of it: answered by the community.
    with django_capture_on_commit_callbacks(execute=True):
        post_triage(
            actor=world.staff, post_id=mine.pk, outcome=TriageDecision.ANSWER, text="已联系物业更换。"
        )
    assert len(inbox(follower)) == 2 and mine.reference in inbox(follower)[0]


def test_a_follower_of_the_compound_hears_of_every_building_in_it(
    db, world, django_capture_on_commit_callbacks
):
    follower = home(world.building, "101")
    place_follow(actor=follower, place=world.compound)
    with django_capture_on_commit_callbacks(execute=True):
        wall_item(world, world.other_building, "隔壁楼道灯坏了")
    assert len(inbox(follower)) == 1


def test_unfollowing_stops_the_news(db, world, django_capture_on_commit_callbacks):
    follower = home(world.building, "101")
    place_follow(actor=follower, place=world.building)
    place_unfollow(actor=follower, place=world.building)
    assert not Follow.objects.filter(user=follower).exists()
    with django_capture_on_commit_callbacks(execute=True):
        wall_item(world, world.building, "本楼楼道灯坏了")
    assert inbox(follower) == []


def test_a_follower_of_the_compound_hears_of_a_notice_to_one_of_its_buildings(
    db, world, django_capture_on_commit_callbacks
):
    follower = home(world.other_building, "101")
    place_follow(actor=follower, place=world.compound)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        notice_publish(
            actor=world.staff,
            place=world.building,
            title="电梯检修",
            body="周六电梯检修。",
            valid_from=now,
            valid_until=now + timedelta(days=1),
        )
    assert any("电梯检修" in line for line in inbox(follower))


def test_residents_follow_only_the_places_of_their_own_home(db, world):
    resident = home(world.building, "101")
    with pytest.raises(NoticeError) as refused:
        place_follow(actor=resident, place=world.other_building)
    assert refused.value.code == "not_allowed"
    for place in (world.grid, world.community):
        with pytest.raises(NoticeError):
            place_follow(actor=resident, place=place)
    with pytest.raises(NoticeError):
        place_follow(actor=UserFactory(), place=world.building)  # no home in the registry
    place_follow(actor=resident, place=world.building)
    place_follow(actor=resident, place=world.compound)
    with pytest.raises(NoticeError) as again:
        place_follow(actor=resident, place=world.building)
    assert again.value.code == "already"


def test_the_follow_page(db, world, client):
    resident = home(world.building, "101")
    url = reverse("notices:my_areas")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(resident)
    page = client.get(url).content.decode()
    assert f'data-place="{world.building.code}"' in page and f'data-place="{world.compound.code}"' in page
    assert f'data-place="{world.other_building.code}"' not in page
    assert client.post(url, {"place": world.building.pk, "action": "follow"}).status_code == 302
    assert Follow.objects.filter(user=resident, place=world.building).exists()
    assert client.post(url, {"place": world.other_building.pk, "action": "follow"}).status_code == 403
    assert client.post(url, {"place": world.building.pk, "action": "unfollow"}).status_code == 302
    assert not Follow.objects.filter(user=resident).exists()
