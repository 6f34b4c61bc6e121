"""What the problem wall and the echo wall list: items while open (days counted while on the
wall), the newest fix first on the echo wall, a compound filter that keeps to its compound, and
after photos shown only as staff decided and only while the case stays closed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.cases.models import CasePhoto
from huizhi.cases.services import case_rate
from huizhi.cases.states import Rating, Status
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall import selectors, services
from huizhi.wall.models import Post, TriageDecision
from huizhi.wall.tests.helpers import (
    after_photo_ids,
    category,
    closed_case_post,
    compound,
    on_echo,
    on_wall,
    publish,
    resident,
    staff,
)

pytestmark = pytest.mark.django_db


def test_after_photos_follow_the_staff_decision_to_keep_photos_private(client):
    post = closed_case_post(resident("13988880003"), show_photos=False)
    assert not post.photos_public
    assert client.get(reverse("wall:photo", args=[post.photos.get().pk])).status_code == 404
    assert after_photo_ids(post) == []  # the echo wall lists none
    [after] = CasePhoto.objects.filter(event__case=post.case, event__action="report_result").values_list(
        "pk", flat=True
    )
    assert client.get(reverse("wall:after_photo", args=[after])).status_code == 404


def test_after_photos_of_a_closed_case_are_public_and_a_reopened_cases_are_not(client):
    post = closed_case_post(resident("13988880004"))
    [after] = after_photo_ids(post)
    response = client.get(reverse("wall:after_photo", args=[after]))
    assert response.status_code == 200
    # Read to the end: the test client then closes the file without the request_finished signal,
    # which would close the database connection inside the test's transaction (PostgreSQL).
    assert b"".join(response.streaming_content)
    assert on_echo(post) and not on_wall(post)
    # 不满意 within the window reopens the case: back on the wall, off the echo wall.
    case_rate(actor=post.author, case_id=post.case_id, rating=Rating.UNSATISFIED, comment="还是松的")
    post.case.refresh_from_db()
    assert post.case.status == Status.DISPATCHED
    assert on_wall(post) and not on_echo(post)
    assert client.get(reverse("wall:after_photo", args=[after])).status_code == 404
    later = post.published_at + timedelta(days=5)
    assert post.days_open(later) == 5  # counting again while it is open


def test_days_open_keeps_counting_while_the_item_is_on_the_open_wall():
    fenghuang = Place.objects.filter(kind=PlaceKind.COMPOUND, parent__parent__name="凤凰社区").first()
    post = publish(resident("13988880007"), title="人行道砖松动", place=fenghuang)
    rep = User.objects.get(username="representative")
    services.post_claim(actor=rep, post_id=post.pk)
    services.post_respond(actor=rep, post_id=post.pk, text="我会跟进此事。")
    ten_days_ago = timezone.now() - timedelta(days=10)
    Post.objects.filter(pk=post.pk).update(
        published_at=ten_days_ago, answered_at=ten_days_ago + timedelta(days=1)
    )
    post.refresh_from_db()
    assert on_wall(post)
    assert post.days_open() >= 10


def test_the_echo_wall_shows_the_newest_fix_first():
    old = publish(resident("13988880008"), title="何时停水", category=category("1104"))
    services.post_triage(actor=staff(), post_id=old.pk, outcome=TriageDecision.ANSWER, text="周五停水。")
    Post.objects.filter(pk=old.pk).update(answered_at=timezone.now() - timedelta(days=60))
    fixed = closed_case_post(resident("13988880009"))
    order = list(selectors.echo_posts(fixed.community, selectors.WallFilter()).values_list("pk", flat=True))
    assert order.index(fixed.pk) < order.index(old.pk)


def test_the_compound_filter_keeps_to_the_compound():
    a = compound()
    siblings = Place.objects.filter(kind=PlaceKind.COMPOUND, parent__parent=a.parent.parent).exclude(pk=a.pk)
    b = siblings.order_by("code").first()
    in_a = publish(resident("13988880013"), title="甲小区问题", place=a)
    in_b = publish(resident("13988880014"), title="乙小区问题", place=b, category=category("0602"))
    shown = selectors.wall_posts(a.parent.parent, selectors.WallFilter(compound=a.code))
    assert shown.filter(pk=in_a.pk).exists() and not shown.filter(pk=in_b.pk).exists()
