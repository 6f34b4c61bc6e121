"""The project pages: who gets in (both ways), what a refused action says on the page with its
status (and keeps nothing), the member unit's own lists, and bounded queries on every list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from huizhi.projects import services
from huizhi.projects.models import Milestone, Need, Project, Resource
from huizhi.projects.tests.helpers import dates, decision_from_wall, need_in, resource_of
from huizhi.wall.models import Response

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@pytest.fixture
def project(world):
    return services.need_match(
        actor=world.staff, need_id=need_in(world).pk, resource_id=resource_of(world).pk, **dates(days=30)
    )


def _as(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("name", "index", "lists", "unit_lists", "detail"),
    [
        ("staff", 200, 200, 403, 200),
        ("street_admin", 200, 200, 403, 200),
        ("commissioner", 200, 200, 403, 200),
        ("representative", 200, 200, 403, 200),
        ("unit_account", 403, 403, 200, 200),
        ("other_staff", 200, 200, 403, 404),
        ("far_unit_account", 403, 403, 200, 404),
        ("resident", 403, 403, 403, 404),
    ],
)
def test_each_role_opens_only_its_pages(client, world, project, name, index, lists, unit_lists, detail):
    _as(client, getattr(world, name))
    assert client.get(reverse("projects:index")).status_code == index
    assert client.get(reverse("projects:lists")).status_code == lists
    assert client.get(reverse("projects:unit_lists")).status_code == unit_lists
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == detail


def test_anonymous_visitors_are_sent_to_sign_in(client, project):
    for url in (
        reverse("projects:index"),
        reverse("projects:unit_lists"),
        reverse("projects:detail", args=[project.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_list_filters_by_status_and_community_in_bounded_queries(
    client, world, project, django_assert_max_num_queries
):
    other = services.need_match(
        actor=world.other_staff,
        need_id=need_in(world, world.other_community, title="别处").pk,
        resource_id=resource_of(world, title="别处资金").pk,
        **dates(),
    )
    _as(client, world.street_admin)
    for _ in range(5):
        services.milestone_add(actor=world.staff, project_id=project.pk, title="步骤", due_on=project.ends_on)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("projects:index"))
    assert {p.pk for p in page.context["projects"]} >= {project.pk, other.pk}
    page = client.get(reverse("projects:index"), {"community": world.community.code, "status": "planned"})
    assert [p.pk for p in page.context["projects"]] == [project.pk]
    assert client.get(reverse("projects:index"), {"status": "complete"}).context["projects"].count() == 0
    # Junk in the filters is ignored, not an error.
    assert (
        client.get(reverse("projects:index"), {"status": "x" * 500, "community": "1e309"}).status_code == 200
    )


def test_the_lists_and_the_project_page_stay_within_a_query_budget(
    client, world, project, django_assert_max_num_queries
):
    for n in range(6):
        need_in(world, title=f"需求{n}")
        resource_of(world, title=f"资源{n}")
        services.milestone_add(
            actor=world.staff, project_id=project.pk, title=f"步骤{n}", due_on=project.ends_on
        )
    _as(client, world.staff)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("projects:lists")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 200
    _as(client, world.unit_account)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("projects:unit_lists")).status_code == 200


def test_a_member_unit_offers_a_resource_and_matches_it_to_a_need_from_its_page(client, world):
    need = need_in(world, title="社区助餐点")
    _as(client, world.unit_account)
    page = client.get(reverse("projects:unit_lists"))
    assert f'data-match-need="{need.pk}"' in page.content.decode()
    response = client.post(
        reverse("projects:unit_lists"),
        {"organisation": world.unit.pk, "kind": "venue", "title": "所里食堂", "capacity": "40"},
    )
    assert response.status_code == 302
    resource = Resource.objects.get(organisation=world.unit, title="所里食堂")
    today = timezone.localdate()
    response = client.post(
        reverse("projects:match"),
        {
            "need": need.pk,
            "resource": resource.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
        },
    )
    project = Project.objects.get(need=need)
    assert response.status_code == 302 and response["Location"] == reverse(
        "projects:detail", args=[project.pk]
    )
    assert Need.objects.get(pk=need.pk).status == "matched"


def test_a_unit_cannot_offer_for_another_unit_through_the_form(client, world):
    _as(client, world.unit_account)
    response = client.post(
        reverse("projects:unit_lists"), {"organisation": world.far_unit.pk, "kind": "venue", "title": "别家"}
    )
    assert response.status_code == 400 and not Resource.objects.filter(title="别家").exists()


def test_a_refused_milestone_is_shown_beside_its_field_with_nothing_saved(client, world, project):
    _as(client, world.staff)
    with override("en"):
        response = client.post(
            reverse("projects:milestone_add", args=[project.pk]),
            {"title": "验收", "due_on": (project.ends_on + timedelta(days=1)).isoformat()},
        )
    assert response.status_code == 400
    assert 'data-field-error="due_on"' in response.content.decode()
    assert "after the project ends" in response.content.decode()
    assert not Milestone.objects.filter(project=project).exists()


@pytest.mark.parametrize("due_on", ["9999-12-31", "0001-01-01", "2026-13-45"])
def test_extreme_dates_are_refused_with_400(client, world, project, due_on):
    _as(client, world.staff)
    response = client.post(
        reverse("projects:milestone_add", args=[project.pk]), {"title": "x", "due_on": due_on}
    )
    assert response.status_code == 400 and not Milestone.objects.filter(project=project).exists()


def test_those_who_only_read_cannot_act_on_a_project(client, world, project):
    milestone = services.milestone_add(
        actor=world.staff, project_id=project.pk, title="选址", due_on=project.ends_on
    )
    for name in ("commissioner", "representative"):
        _as(client, getattr(world, name))
        page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
        assert 'id="progress-form"' not in page and 'id="milestone-form"' not in page
        assert client.post(reverse("projects:progress", args=[project.pk]), {"note": "n"}).status_code == 403
        assert client.post(reverse("projects:milestone_done", args=[milestone.pk])).status_code == 403
    _as(client, world.other_staff)
    assert client.post(reverse("projects:progress", args=[project.pk]), {"note": "n"}).status_code == 404
    assert project.events.filter(action="progress").count() == 0


def test_progress_without_a_wall_item_is_the_communitys_echo_wall_note(client, world, project):
    _as(client, world.staff)
    response = client.post(
        reverse("projects:progress", args=[project.pk]),
        {"note": "场地落实，联系人13912345678", "publish": "on"},
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).status == "under_way"
    client.logout()
    echo = client.get(reverse("wall:echo", args=[world.community.code])).content.decode()
    assert project.title in echo and "场地落实" in echo
    assert "13912345678" not in echo  # a number typed into the note is masked on the public page


def test_staff_publish_a_decisions_progress_which_the_public_echo_wall_shows(client, world):
    decision, post = decision_from_wall(world)
    _as(client, world.staff)
    page = client.get(reverse("projects:from_decision", args=[decision.pk]))
    assert page.status_code == 200
    today = timezone.localdate()
    response = client.post(
        reverse("projects:from_decision", args=[decision.pk]),
        {
            "title": "屋面维修",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=20)).isoformat(),
        },
    )
    project = Project.objects.get(decision=decision)
    assert response.status_code == 302
    response = client.post(
        reverse("projects:progress", args=[project.pk]), {"note": "防水层施工完成一半", "publish": "on"}
    )
    assert response.status_code == 302
    client.logout()
    echo = client.get(reverse("wall:echo", args=[world.community.code])).content.decode()
    assert (
        "防水层施工完成一半" in echo and Response.objects.filter(post=post, text__contains="防水层").exists()
    )
    # A second visit to the decision's project page goes to the project it already has.
    _as(client, world.staff)
    again = client.get(reverse("projects:from_decision", args=[decision.pk]))
    assert again.status_code == 302 and again["Location"] == reverse("projects:detail", args=[project.pk])


def test_a_decisions_project_page_is_not_found_for_others(client, world):
    decision, _post = decision_from_wall(world)
    for name in ("other_staff", "resident", "far_unit_account"):
        _as(client, getattr(world, name))
        assert client.get(reverse("projects:from_decision", args=[decision.pk])).status_code == 404


def test_staff_record_a_need_and_a_resource_from_the_lists(client, world):
    _as(client, world.staff)
    response = client.post(
        reverse("projects:need_new"),
        {
            "community": world.community.pk,
            "title": "加装扶手",
            "description": "老人上下楼难",
            "source": "resident",
        },
    )
    assert response.status_code == 302 and Need.objects.filter(title="加装扶手").exists()
    response = client.post(
        reverse("projects:need_new"),
        {"community": world.other_community.pk, "title": "别处", "description": "d", "source": "resident"},
    )
    assert response.status_code == 400 and not Need.objects.filter(title="别处").exists()
    response = client.post(
        reverse("projects:resource_new"),
        {"organisation": world.unit.pk, "kind": "funds", "title": "资金", "amount": "-3"},
    )
    assert response.status_code == 400 and not Resource.objects.filter(title="资金").exists()
    _as(client, world.commissioner)
    assert client.post(reverse("projects:need_new"), {}).status_code == 403


def test_a_member_units_page_masks_numbers_typed_into_a_need(client, world):
    services.need_record(
        actor=world.staff,
        community=world.community,
        title="助餐",
        description="联系家属 13912345678",
        source="visit",
    )
    _as(client, world.unit_account)
    page = client.get(reverse("projects:unit_lists")).content.decode()
    assert "13912345678" not in page and "139****5678" in page


def test_a_unit_edits_its_own_resource_and_no_one_elses(client, world):
    resource = resource_of(world, kind="venue", title="会议室", amount=None)
    _as(client, world.far_unit_account)
    assert client.get(reverse("projects:resource_edit", args=[resource.pk])).status_code == 404
    _as(client, world.commissioner)  # sees the resource, may not change it
    assert client.get(reverse("projects:resource_edit", args=[resource.pk])).status_code == 403
    _as(client, world.unit_account)
    response = client.post(
        reverse("projects:resource_edit", args=[resource.pk]),
        {"kind": "venue", "title": "三楼会议室", "capacity": "30"},
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("projects:unit_lists"))
    resource.refresh_from_db()
    assert (resource.title, resource.capacity) == ("三楼会议室", 30)


def test_residents_get_no_matching_page(client, world):
    _as(client, world.resident)
    assert client.get(reverse("projects:match")).status_code == 403
    assert client.get(reverse("projects:new")).status_code == 403


def test_a_representative_proposes_their_studios_project_from_the_page(client, world):
    _as(client, world.representative)
    page = client.get(reverse("projects:new"))
    assert page.status_code == 200
    choices = dict(page.context["form"].fields["proposing_organisation"].choices)
    assert list(choices) == [world.studio.pk]  # their studio only, and it must be named
    today = timezone.localdate()
    response = client.post(
        reverse("projects:new"),
        {
            "community": world.community.pk,
            "proposing_organisation": world.studio.pk,
            "title": "养老服务示范站",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=90)).isoformat(),
            "funding_source": "区民政局专项资金",
            "funding_amount": "300000",
        },
    )
    project = Project.objects.get(title="养老服务示范站")
    assert response.status_code == 302 and (project.source, project.proposer) == (
        "studio",
        world.representative,
    )
    response = client.post(
        reverse("projects:new"),
        {"community": world.other_community.pk, "proposing_organisation": world.studio.pk, "title": "别处"},
    )
    assert response.status_code == 400 and not Project.objects.filter(title="别处").exists()
