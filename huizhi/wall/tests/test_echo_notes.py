"""Echo-wall notes: lines that answer no single item (a free topic's decision, a project's progress)."""

import pytest
from django.urls import reverse

from huizhi.wall.models import EchoNote
from huizhi.wall.services import WallError, echo_note_publish
from tests.factories import small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


def test_a_note_is_plain_masked_and_shown_first_on_the_echo_wall(client):
    world = small_street()
    echo_note_publish(
        actor=world.staff,
        community=world.community,
        name="项目：楼道照明",
        text="已完成，联系110101199001011234",
    )
    page = client.get(reverse("wall:echo", args=[world.community.code])).content.decode()
    assert "项目：楼道照明" in page and "已完成" in page and "110101199001011234" not in page


@pytest.mark.parametrize(
    ("place", "text"),
    [("building", "文字"), ("community", ""), ("community", "<script>x</script>"), ("community", "a\x00b")],
)
def test_a_note_outside_a_community_or_with_bad_text_is_refused(place, text):
    world = small_street()
    with pytest.raises(WallError):
        echo_note_publish(actor=world.staff, community=getattr(world, place), name="项目", text=text)
    assert not EchoNote.objects.filter(community=world.community).exists()


def test_another_communitys_wall_does_not_show_it(client):
    world, other = small_street(), small_street()
    echo_note_publish(actor=world.staff, community=world.community, name="项目：甲", text="进展")
    page = client.get(reverse("wall:echo", args=[other.community.code])).content.decode()
    assert "项目：甲" not in page
