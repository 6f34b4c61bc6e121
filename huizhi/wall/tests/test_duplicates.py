"""Open wall items offered as duplicates on intake: found beside open cases, only in the report's
own community, never when held or rejected, and supported through the wall's own support."""

import pytest
from django.urls import reverse

from huizhi.intake.duplicates import find_duplicates
from huizhi.wall import services
from huizhi.wall.models import Post, Stage, Support, TriageDecision
from tests.factories import UserFactory, small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

TITLE = "11栋下水道堵塞污水外溢"


@pytest.fixture
def street():
    return small_street()


def _post(world, title=TITLE, description="", author=None) -> Post:
    author = author or UserFactory()
    draft = services.post_draft(
        actor=author,
        category=world.category,
        title=title,
        description=description or f"{title}，已经好几天了，请社区帮忙看看。",
        place=world.compound,
    )
    return services.post_submit(actor=author, post_id=draft.pk)


def _wall_items(found):
    return [d.pk for d in found if d.kind == "wall"]


def test_an_open_wall_item_is_offered_with_the_walls_support(street):
    post = _post(street)
    _post(street, title="广场舞音响太吵")  # the same compound, another problem
    assert post.stage == Stage.OPEN
    found = find_duplicates("11栋下水道堵了，污水外溢", "楼下污水冒出来", place=street.building)
    assert _wall_items(found) == [post.pk]
    offered = found[0].as_json()
    assert offered["kind"] == "wall" and offered["reference"] == post.reference
    assert offered["support_url"] == reverse("wall:support", args=[post.pk])
    assert offered["url"] == reverse("wall:item", args=[post.pk])


def test_refused_across_communities(street):
    _post(street)
    other = small_street()
    assert find_duplicates(TITLE, "", place=other.building) == []


def test_not_offered_when_held_or_rejected(street):
    held = _post(street, description="11栋下水道堵塞，疏通请上 tongdao88.com 看看")
    assert held.stage == Stage.HELD
    rejected = _post(street)
    services.post_triage(
        actor=street.staff, post_id=rejected.pk, outcome=TriageDecision.REJECT, text="不属实"
    )
    assert _wall_items(find_duplicates(TITLE, "", place=street.building)) == []


def test_an_item_made_a_case_is_offered_once_as_the_case_to_staff(street):
    post = _post(street)
    post = services.post_triage(
        actor=street.staff, post_id=post.pk, outcome=TriageDecision.CASE, text="已立案"
    )
    found = find_duplicates(TITLE, "", place=street.building)
    assert [(d.kind, d.pk) for d in found] == [("case", post.case_id)]
    # Whoever cannot read the case (a resident) is offered the public wall item instead.
    from huizhi.cases.permissions import cases_visible_to

    found = find_duplicates(TITLE, "", place=street.building, cases=cases_visible_to(street.resident))
    assert [(d.kind, d.pk) for d in found] == [("wall", post.pk)]


def test_supporting_the_offered_item_goes_through_the_walls_support(street, client):
    post = _post(street)
    client.force_login(street.staff)
    data = client.get(
        reverse("intake:duplicates"), {"title": "11栋下水道堵了污水外溢", "place": street.building.pk}
    ).json()
    [offered] = [d for d in data["duplicates"] if d["kind"] == "wall"]
    response = client.post(offered["support_url"])
    assert response.status_code == 302 and response.url == reverse("wall:item", args=[post.pk])
    client.post(offered["support_url"])  # twice counts once, as the wall's support always has
    post.refresh_from_db()
    assert post.supports_count == 1 and Support.objects.filter(post=post, user=street.staff).exists()
    assert find_duplicates(TITLE, "", place=street.building)[0].supports == 1
