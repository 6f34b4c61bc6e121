"""A community lets its grid workers accept and dispatch cases of chosen subclasses themselves
(issue 18: the article's worker called the drain crew at once), still through the transition table."""

import pytest
from django.urls import reverse
from django.utils import translation

from huizhi.accounts.roles import Role
from huizhi.cases.models import DispatchDelegation
from huizhi.cases.permissions import available_transitions
from huizhi.cases.services import CaseActionError, case_transition, dispatch_delegation_set
from huizhi.cases.states import Status
from huizhi.core.models import AuditEntry
from tests.factories import GridFactory, SubcategoryFactory, UserFactory, case_in, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


def _actions(user, case):
    return {t.action for t in available_transitions(user, case)}


def test_without_the_communitys_leave_the_grid_worker_neither_accepts_nor_dispatches():
    world = small_street()
    case = case_in(Status.REPORTED, world)
    assert "accept" not in _actions(world.gridworker, case)
    with pytest.raises(CaseActionError):
        case_transition(actor=world.gridworker, case_id=case.pk, action="accept")


def test_with_it_the_grid_worker_accepts_and_dispatches_and_the_timeline_says_who():
    world = small_street()
    dispatch_delegation_set(actor=world.staff, community=world.community, category_ids=[world.category.pk])
    case = case_in(Status.REPORTED, world)
    assert {"accept"} <= _actions(world.gridworker, case)
    case = case_transition(actor=world.gridworker, case_id=case.pk, action="accept")
    case = case_transition(actor=world.gridworker, case_id=case.pk, action="dispatch", unit=world.crew)
    assert (case.status, case.handling_unit) == (Status.DISPATCHED, world.crew)
    assert list(case.events.values_list("actor", flat=True))[-2:] == [world.gridworker.pk] * 2


def test_the_leave_is_for_the_chosen_subclass_and_the_workers_own_grid_only():
    world = small_street()
    dispatch_delegation_set(actor=world.staff, community=world.community, category_ids=[world.category.pk])
    other_subclass = case_in(Status.REPORTED, world, category=SubcategoryFactory())
    assert "accept" not in _actions(world.gridworker, other_subclass)
    neighbour = UserFactory(role=Role.GRID_WORKER, over=GridFactory(parent=world.community))
    mine = case_in(Status.REPORTED, world)
    assert "accept" not in _actions(neighbour, mine)


def test_the_worker_still_does_not_take_the_units_steps_or_reject():
    world = small_street()
    dispatch_delegation_set(actor=world.staff, community=world.community, category_ids=[world.category.pk])
    reported = case_in(Status.REPORTED, world)
    assert not {"reject", "merge"} & _actions(world.gridworker, reported)
    dispatched = case_in(Status.DISPATCHED, world)
    assert not {"start", "report_result", "return"} & _actions(world.gridworker, dispatched)


def test_only_the_communitys_staff_grant_it_and_each_change_is_audited():
    world = small_street()
    for outsider in (world.gridworker, world.resident, world.crew_member, small_street().staff):
        with pytest.raises(CaseActionError):
            dispatch_delegation_set(
                actor=outsider, community=world.community, category_ids=[world.category.pk]
            )
    dispatch_delegation_set(actor=world.staff, community=world.community, category_ids=[world.category.pk])
    dispatch_delegation_set(actor=world.staff, community=world.community, category_ids=[world.category.pk])
    dispatch_delegation_set(actor=world.staff, community=world.community, category_ids=[])
    assert not DispatchDelegation.objects.filter(community=world.community).exists()
    entries = AuditEntry.objects.filter(
        action="dispatch_delegation_set", target__contains=world.community.name
    )
    assert entries.count() == 2  # granted, withdrawn; saving the same choice again changes nothing


def test_a_class_or_an_unknown_id_is_refused_and_nothing_changes():
    world = small_street()
    dispatch_delegation_set(actor=world.staff, community=world.community, category_ids=[world.category.pk])
    for ids in ([world.category.parent_id], [world.category.pk, 10**9]):
        with pytest.raises(CaseActionError):
            dispatch_delegation_set(actor=world.staff, community=world.community, category_ids=ids)
    assert list(
        DispatchDelegation.objects.filter(community=world.community).values_list("category", flat=True)
    ) == [world.category.pk]


def test_the_page_is_community_staffs_both_ways(client):
    world = small_street()
    url = reverse("cases:grid_dispatch")
    for refused in (world.gridworker, world.resident, world.crew_member):
        client.force_login(refused)
        assert client.get(url).status_code == 403
    client.force_login(world.staff)
    assert client.get(url).status_code == 200
    response = client.post(url, {"category": [world.category.pk]})
    assert response.status_code == 302
    assert DispatchDelegation.objects.filter(community=world.community, category=world.category).exists()
    page = client.get(url).content.decode()
    assert f'value="{world.category.pk}" checked' in page


@pytest.mark.parametrize("value", ["x", "1\x00", "9" * 30])
def test_bad_ids_on_the_page_are_a_400_with_a_message(client, value):
    world = small_street()
    client.force_login(world.staff)
    with translation.override("en"):
        response = client.post(reverse("cases:grid_dispatch"), {"category": [value]})
    assert (
        response.status_code in (400, 403)
        and not DispatchDelegation.objects.filter(community=world.community).exists()
    )


def test_dispatch_offers_units_by_kind_with_the_rules_choice_first_and_the_unstaffed_marked():
    from huizhi.cases.forms import TransitionForm
    from huizhi.cases.transitions import TRANSITIONS
    from huizhi.places.kinds import OrganisationKind
    from tests.factories import OrganisationFactory

    world = small_street()
    nobody_home = OrganisationFactory(
        kind=OrganisationKind.PROPERTY_COMPANY, place=world.community, name="无人物业F"
    )
    case = case_in(Status.ACCEPTED, world)
    with translation.override("en"):
        form = TransitionForm(
            initial={"unit": world.crew}, case=case, actor=world.staff, transition=TRANSITIONS["dispatch"]
        )
        choices = [(str(label), options) for label, options in form.fields["unit"].choices]
        html = str(form["unit"])
        help_text = str(form.fields["unit"].help_text)
    assert choices[1] == ("Suggested by the routing rule", [(world.crew.pk, world.crew.name)])
    groups = dict(choices[2:])
    assert (nobody_home.pk, "无人物业F (no active account)") in groups["property company"]
    assert "<optgroup" in html and "has nobody to receive the task" in help_text
    # The grouped list still takes only the units the rules allow.
    form = TransitionForm(
        {"action": "dispatch", "version": case.version, "unit": small_street().crew.pk},
        case=case,
        actor=world.staff,
        transition=TRANSITIONS["dispatch"],
    )
    assert not form.is_valid() and "unit" in form.errors
