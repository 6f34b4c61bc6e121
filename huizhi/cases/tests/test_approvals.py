"""One rule for who approves a suspension: the approvers the page and the API offer are exactly the
ones the suspend transition takes. Before the rule was one, the list named only the street's own
leadership while the transition also took the district's, so a valid approver was never offered."""

import pytest
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.api.tests.clients import token_client
from huizhi.cases.models import Case
from huizhi.cases.selectors import approvers_for
from huizhi.cases.services import CaseActionError, case_transition
from huizhi.cases.states import Status
from huizhi.cases.tests import factories as f
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.services import place_create

pytestmark = pytest.mark.django_db


def _other_streets_leader() -> User:
    """Street leadership of the district's other street: over a street, but not this case's."""
    district = Place.objects.get(kind=PlaceKind.DISTRICT)
    other = place_create(kind=PlaceKind.STREET, code=district.code + "002", name="凤凰街道", parent=district)
    leader = user_create(username="other_street", password=None, full_name="周建国")
    role_grant(user=leader, role=Role.STREET_ADMIN, place=other)
    return User.objects.get(pk=leader.pk)


def _accepted(case: Case, actor: User, approver: User) -> bool:
    try:
        case_transition(actor=actor, case_id=case.pk, action="suspend", reason="等待材料", approver=approver)
    except CaseActionError as error:
        assert error.code == "bad_input"
        return False
    return True


@pytest.mark.parametrize(
    ("approver", "expected"),
    [
        ("street", True),  # the street's leadership
        ("district_leader", True),  # the district's, above the street
        ("other_street", False),  # another street's
        ("huayuan_staff", False),  # community staff
        ("commissioner", False),
    ],
)
def test_the_approvers_offered_are_the_approvers_taken(approver, expected):
    people = {"district_leader": f.district_leader(), "other_street": _other_streets_leader()}
    person = people.get(approver) or f.user(approver)
    case = f.case_in(Status.DISPATCHED)
    actor = f.user("huayuan_staff")
    offered = approvers_for(case, actor).filter(pk=person.pk).exists()
    assert offered is expected
    assert _accepted(case, actor, person) is expected
    assert Case.objects.get(pk=case.pk).status == (Status.SUSPENDED if expected else Status.DISPATCHED)


def test_nobody_is_offered_to_approve_their_own_suspension():
    case = f.case_in(Status.DISPATCHED, street_level=True)
    street = f.user("street")
    assert not approvers_for(case, street).filter(pk=street.pk).exists()
    assert not _accepted(case, street, street)
    assert approvers_for(case, f.user("huayuan_staff")).filter(pk=street.pk).exists()


def test_the_page_offers_and_the_api_takes_the_district_leader(client):
    leader = f.district_leader()
    case = f.case_in(Status.DISPATCHED)
    staff = f.user("huayuan_staff")
    client.force_login(staff)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'<option value="{leader.pk}">' in page
    response = token_client(staff).post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"action": "suspend", "reason": "等待材料", "approver": leader.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.SUSPENDED


def test_the_api_refuses_an_approver_of_another_street():
    outsider = _other_streets_leader()
    case = f.case_in(Status.DISPATCHED)
    response = token_client(f.user("huayuan_staff")).post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"action": "suspend", "reason": "等待材料", "approver": outsider.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "approver" in response.json()["fields"]
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED
