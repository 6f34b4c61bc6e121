"""Who sees and keeps the lists and projects: a role × scope matrix asserting both what each role is
allowed and what it is refused (DESIGN §2, §8)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from huizhi.projects import services
from huizhi.projects.permissions import (
    can_keep_lists,
    can_manage_project,
    can_propose_projects,
    can_use_unit_lists,
    can_view_projects,
    get_project_for_user,
    may_match,
    may_offer_for,
    needs_visible_to,
    projects_visible_to,
    resources_visible_to,
)
from huizhi.projects.tests.helpers import dates, fresh, need_in, resource_of

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@pytest.fixture
def rows(world):
    project = services.need_match(
        actor=world.staff, need_id=need_in(world).pk, resource_id=resource_of(world).pk, **dates()
    )
    return {
        "project": project,
        "need": need_in(world, title="另一需求"),
        "resource": resource_of(world, title="场地"),
    }


def who(world, name: str):
    return AnonymousUser() if name == "anonymous" else fresh(getattr(world, name))


# (user, sees the project, runs it, sees the community's need, may match it to the unit's resource,
#  sees the unit's resource, may offer for the unit)
MATRIX = [
    ("staff", True, True, True, True, True, True),
    ("street_admin", True, False, True, False, True, False),  # reads the street's, writes nothing
    ("commissioner", True, False, True, False, True, False),
    ("representative", True, False, True, False, True, False),
    ("unit_account", True, True, True, True, True, True),
    ("other_staff", False, False, False, False, True, True),  # the unit serves their community too
    ("far_unit_account", False, False, False, False, False, False),
    ("crew_member", False, False, False, False, False, False),
    ("resident", False, False, False, False, False, False),
    ("anonymous", False, False, False, False, False, False),
]


@pytest.mark.parametrize(("name", "sees", "runs", "sees_need", "matches", "sees_resource", "offers"), MATRIX)
def test_each_role_sees_and_keeps_only_what_it_should(
    world, rows, name, sees, runs, sees_need, matches, sees_resource, offers
):
    user = who(world, name)
    project, need, resource = rows["project"], rows["need"], rows["resource"]
    assert projects_visible_to(user).filter(pk=project.pk).exists() is sees
    if not sees:
        with pytest.raises(Http404):
            get_project_for_user(user, project.pk)
    assert bool(can_manage_project(user, project)) is runs
    assert needs_visible_to(user).filter(pk=need.pk).exists() is sees_need
    assert may_match(user, need, resource) is matches
    assert resources_visible_to(user).filter(pk=resource.pk).exists() is sees_resource
    assert may_offer_for(user, world.unit) is offers


# (user, console projects, keeps lists, proposes, member unit's own lists)
PAGES = [
    ("staff", True, True, True, False),
    ("street_admin", True, False, False, False),
    ("commissioner", True, False, False, False),
    ("representative", True, False, True, False),  # their community has a studio
    ("unit_account", False, False, False, True),
    ("crew_member", False, False, False, False),
    ("resident", False, False, False, False),
    ("anonymous", False, False, False, False),
]


@pytest.mark.parametrize(("name", "views", "keeps", "proposes", "unit_lists"), PAGES)
def test_each_role_is_offered_only_its_pages(world, name, views, keeps, proposes, unit_lists):
    user = who(world, name)
    assert bool(can_view_projects(user)) is views
    assert bool(can_keep_lists(user)) is keeps
    assert bool(can_propose_projects(user)) is proposes
    assert bool(can_use_unit_lists(user)) is unit_lists


def test_a_unit_placed_in_a_community_serves_only_that_community(world):
    from huizhi.places.kinds import OrganisationKind
    from tests.factories import OrganisationFactory

    local = OrganisationFactory(kind=OrganisationKind.MEMBER_UNIT, place=world.street.compound)
    here, there = need_in(world), need_in(world, world.other_community)
    resource = services.resource_record(actor=world.staff, organisation=local, kind="goods", title="物资")
    assert may_match(world.staff, here, resource)
    assert not may_match(fresh(world.other_staff), there, resource)
    assert not may_offer_for(fresh(world.other_staff), local)
