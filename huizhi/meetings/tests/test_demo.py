"""The demo tells the article's consultation story as data (DESIGN §12)."""

import pytest
from django.utils import timezone

from huizhi.cases.states import Source, Status
from huizhi.meetings import selectors
from huizhi.meetings.models import Decision, Meeting, MeetingKind
from huizhi.meetings.tests.helpers import community, person
from huizhi.site.demo import demo_logins
from huizhi.wall import selectors as wall_selectors
from huizhi.wall.models import Post

pytestmark = pytest.mark.django_db


def test_the_leaking_roof_went_from_the_wall_to_a_group_meeting_a_closed_case_and_the_echo_wall():
    post = Post.objects.get(title="4栋顶楼漏水")
    meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION, organiser_name="三里亭人家4栋第1自治小组")
    assert meeting.starts_at < timezone.now() and meeting.minutes_published
    repair = Decision.objects.get(agenda_item__source_post=post)
    assert repair.status == "done" and repair.owner_name == "三里亭社区红色汇治维修队"
    case = repair.cases.get()
    assert (case.source, case.status) == (Source.MEETING, Status.CLOSED)
    echo = wall_selectors.echo_posts(community(), wall_selectors.WallFilter())
    assert post in echo
    assert any("不再漏水" in r.text for r in post.responses.all())


def test_a_dialogue_meeting_comes_up_and_a_past_due_decision_waits_for_the_commissioner():
    upcoming = Meeting.objects.get(kind=MeetingKind.DIALOGUE)
    assert upcoming.starts_at > timezone.now() and upcoming.organiser_name == "三里亭人家4栋争先自治大区"
    overdue = list(selectors.overdue_decisions(person("sanliting_commissioner")))
    assert [d.text[:7] for d in overdue] == ["中心党员户动员"]
    assert ("sanliting_commissioner", "三里亭社区") in [
        (login, scope) for login, _role, scope in demo_logins()
    ]
