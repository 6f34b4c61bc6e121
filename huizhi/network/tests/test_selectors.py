"""What the network reads: a group's open cases (at its units or its building, not elsewhere, not
closed), its building's open wall items, its households with masked names, its meetings; what a
partner can take on and took on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from huizhi.cases.states import Status
from huizhi.meetings.models import InviteeRole, MeetingKind
from huizhi.meetings.services import meeting_schedule
from huizhi.network import selectors
from huizhi.network.tests.conftest import RESIDENT_NAMES, open_post, other_building, unit_of
from huizhi.wall import services as wall
from tests.factories import CaseFactory, case_in

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]


def _row(tree, group):
    return next(row for branch in tree.regions for row in branch.groups if row.group.pk == group.pk)


def test_the_tree_counts_each_groups_households_liaisons_and_open_items(net):
    world = net.street
    case_in(Status.DISPATCHED, world, place=unit_of(net.households[0]))  # at a unit of 第1组
    case_in(Status.CLOSED, world, place=unit_of(net.households[1]))  # closed: not open
    case_in(Status.REPORTED, world)  # at the building: every group of it
    case_in(Status.REPORTED, world, place=unit_of(net.households[2]))  # at 第2组's unit
    CaseFactory(place=other_building(net), category=world.category, actor=world.gridworker)  # elsewhere
    open_post(net)

    (tree,) = selectors.network_trees([world.community])
    assert [branch.region for branch in tree.regions] == [net.region]
    first, second = _row(tree, net.group), _row(tree, net.other_group)
    assert (first.households, first.open_cases, first.open_wall_items) == (2, 2, 1)
    assert (second.households, second.open_cases, second.open_wall_items) == (1, 2, 1)
    assert first.liaisons == [net.liaison] and second.liaisons == [net.other_liaison]


def test_a_group_without_a_region_is_listed_apart(net):
    from huizhi.places.services import group_create

    loose = group_create(
        name="测试无大区小组", place=net.building, region=None, central_household=None, households=[]
    )
    (tree,) = selectors.network_trees([net.street.community])
    assert tree.regions[-1].region is None and [r.group for r in tree.regions[-1].groups] == [loose]


def test_households_show_addresses_and_masked_names_central_first(net):
    rows = selectors.group_households(net.group)
    assert [row.unit.name for row in rows] == ["101", "102"] and rows[0].is_central
    names = [name for row in rows for name in row.masked_names]
    assert names == ["欧***", "上***", "司***"]
    assert not any(full in name for full in RESIDENT_NAMES for name in names)
    assert rows[0].address.endswith(f"{net.building.name} 101")


def test_a_groups_open_cases_mask_numbers_typed_in_their_titles(net):
    world = net.street
    case_in(Status.ACCEPTED, world, place=unit_of(net.households[0]), title="住户13912345678反映漏水")
    (line,) = selectors.group_open_cases(net.group)
    assert "13912345678" not in line.title and "139****5678" in line.title


def test_a_groups_meetings_are_its_own_and_its_regions(net):
    starts = timezone.now() + timedelta(days=2)
    common = {
        "actor": net.street.staff,
        "venue": "测试议事亭",
        "invite_roles": [InviteeRole.RESIDENT_REPRESENTATIVE],
    }
    own = meeting_schedule(
        kind=MeetingKind.CONSULTATION,
        title="小组议事",
        organiser=net.group,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        **common,
    )
    regional = meeting_schedule(
        kind=MeetingKind.DIALOGUE,
        title="大区恳谈",
        organiser=net.region,
        starts_at=starts + timedelta(days=1),
        ends_at=starts + timedelta(days=1, hours=1),
        **common,
    )
    meeting_schedule(
        kind=MeetingKind.CONSULTATION,
        title="别组议事",
        organiser=net.other_group,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        **common,
    )
    page = selectors.group_page(net.group)
    assert [m.pk for m in page["upcoming"]] == [own.pk, regional.pk] and page["past"] == []
    meeting, invitation = selectors.liaison_next_meeting(net.liaison, net.group)
    assert meeting == own and invitation is not None and invitation.user == net.liaison


def test_a_partner_can_take_on_open_items_in_scope_not_yet_taken(net):
    post = open_post(net)
    assert [p.pk for p in selectors.takeable_posts(net.representative, [])] == [post.pk]
    units = [net.member_unit]
    assert [p.pk for p in selectors.takeable_posts(net.unit_account, units)] == [post.pk]
    wall.post_claim(actor=net.representative, post_id=post.pk)
    assert selectors.takeable_posts(net.representative, []) == []
    (claim,) = selectors.my_claims(net.representative)
    assert claim.post_id == post.pk and claim.post.mine == []
    wall.post_respond(actor=net.representative, post_id=post.pk, text="已联系物业，本周内更换灯泡。")
    (claim,) = selectors.my_claims(net.representative)
    assert [answer.text for answer in claim.post.mine] == ["已联系物业，本周内更换灯泡。"]
    # The member unit has not taken it on: still there for it.
    assert [p.pk for p in selectors.takeable_posts(net.unit_account, units)] == [post.pk]


def test_nothing_outside_the_partners_scope_is_offered(net, django_user_model):
    from tests.factories import BuildingFactory

    elsewhere = BuildingFactory()  # another street altogether
    post = open_post(net, place=elsewhere)
    assert post.pk not in [p.pk for p in selectors.takeable_posts(net.representative, [])]
    assert post.pk not in [p.pk for p in selectors.takeable_posts(net.unit_account, [net.member_unit])]


def test_a_partners_meetings_split_into_coming_and_held(net):
    starts = timezone.now() + timedelta(days=2)
    meeting = meeting_schedule(
        actor=net.street.staff,
        kind=MeetingKind.FORUM,
        title="代表座谈会",
        organiser=net.group,
        venue="测试议事亭",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        invite_roles=[InviteeRole.REPRESENTATIVE, InviteeRole.MEMBER_UNIT],
    )
    upcoming, past = selectors.my_meetings(net.representative)
    assert [i.meeting_id for i in upcoming] == [meeting.pk] and past == []
    upcoming, past = selectors.my_meetings(net.unit_account, now=starts + timedelta(days=1))
    assert upcoming == [] and [i.meeting_id for i in past] == [meeting.pk] and past[0].attended_at is None
