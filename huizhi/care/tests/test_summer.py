"""Summer classes: who may enrol whom (a parent their own household's children, never a sibling as
parent), and sign-in at the class."""

import pytest
from django.urls import reverse

from huizhi.care import services
from huizhi.care.models import (
    SummerEnrolment,
    SummerSession,
)
from huizhi.care.tests.conftest import (
    make_resident,
    page,
    resident_user,
    years_ago,
)
from huizhi.care.tests.test_services import refused
from huizhi.registry.models import Resident

pytestmark = pytest.mark.django_db


def test_resident_enrol_summer_with_a_non_numeric_child_is_not_a_server_error(client, term):
    account = resident_user("test_parent_bad")
    make_resident(birth=years_ago(38), account=account)
    client.force_login(account)
    client.raise_request_exception = False
    response = client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": "abc"})
    assert response.status_code in (302, 400)


def test_summer_sign_in_with_a_non_numeric_enrolment_is_not_a_server_error(client, staff, running_term):
    session = SummerSession.objects.get(term=running_term)
    client.force_login(staff)
    client.raise_request_exception = False
    response = client.post(reverse("care:summer_sign_in", args=[session.pk]), {"enrolment": "1x"})
    assert response.status_code in (302, 400)


def test_a_child_cannot_enrol_a_sibling_as_their_parent(term):
    account = resident_user("test_teen")
    teen = make_resident(birth=years_ago(13), account=account)
    sibling = make_resident(birth=years_ago(7), household=teen.household)
    with refused("not_allowed"):
        services.summer_enrol(actor=account, term_id=term.pk, child=sibling, parent=teen)


def test_a_parent_cannot_enrol_another_household_s_child_from_the_page(client, term):
    """Verified: the resident page only enrols a child of the signed-in resident's household."""
    account = resident_user("test_parent")
    parent = make_resident(birth=years_ago(40), account=account)
    other_child = make_resident(birth=years_ago(9))
    client.force_login(account)
    client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": other_child.pk})
    assert not SummerEnrolment.objects.filter(child=other_child).exists()
    own = make_resident(birth=years_ago(9), household=parent.household)
    client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": own.pk})
    assert SummerEnrolment.objects.filter(child=own, parent=parent).exists()


def test_the_teen_s_care_page_offers_no_sibling_to_enrol_and_an_adult_of_the_household_enrols(client, term):
    teen_account = resident_user("test_teen_page")
    teen = make_resident(birth=years_ago(14), account=teen_account)
    sibling = make_resident(birth=years_ago(8), household=teen.household, name="托管弟弟")
    client.force_login(teen_account)
    assert "托管弟弟" not in page(client.get(reverse("care:mine")))
    client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": sibling.pk})
    assert not SummerEnrolment.objects.filter(child=sibling).exists()
    grandma_account = resident_user("test_grandma")
    make_resident(birth=years_ago(62), household=teen.household, account=grandma_account)
    client.force_login(grandma_account)
    client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": sibling.pk})
    assert SummerEnrolment.objects.filter(child=sibling).exists()


def test_an_adult_sibling_recorded_as_a_child_of_the_head_cannot_enrol_as_parent(term):

    account = resident_user("test_adult_sibling")
    head = make_resident(birth=years_ago(45), relationship=Resident.Relationship.HEAD)
    brother = make_resident(
        birth=years_ago(20),
        household=head.household,
        account=account,
        relationship=Resident.Relationship.CHILD,
    )
    child = make_resident(
        birth=years_ago(9), household=head.household, relationship=Resident.Relationship.CHILD
    )
    with refused("not_allowed"):
        services.summer_enrol(actor=account, term_id=term.pk, child=child, parent=brother)
