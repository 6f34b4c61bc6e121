"""Categories' limits are data the street edits (DESIGN §4), never constants."""

from decimal import Decimal

import pytest

from huizhi.accounts.models import User
from huizhi.cases.models import Category
from huizhi.cases.services import CaseActionError, case_report, category_update
from huizhi.cases.states import ClockUnit, Source
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db


def user(name):
    return User.objects.get(username=name)


def test_street_leadership_changes_a_limit_and_new_cases_use_it():
    category = Category.objects.get(code="1105")
    category_update(
        actor=user("street"),
        category_id=category.pk,
        handle_limit=Decimal("2"),
        handle_unit=ClockUnit.NATURAL_HOURS,
    )
    category.refresh_from_db()
    assert category.handle_limit == Decimal("2")
    building = Place.objects.get(kind="building", name="11栋", parent__name="扬天小区")
    case = case_report(
        actor=user("gridworker"),
        category=category,
        title="又堵了",
        description="下水堵塞",
        source=Source.PATROL,
        place=building,
    )
    from huizhi.cases.services import case_transition

    case_transition(actor=user("huayuan_staff"), case_id=case.pk, action="accept")
    crew = case.community.organisations.get(kind="repair_crew")
    case = case_transition(actor=user("huayuan_staff"), case_id=case.pk, action="dispatch", unit=crew)
    assert case.handle_limit_seconds == 2 * 3600


@pytest.mark.parametrize(
    "username", ["huayuan_staff", "commissioner", "gridworker", "repair_crew", "resident"]
)
def test_only_the_street_edits_categories(username):
    category = Category.objects.get(code="0101")
    with pytest.raises(CaseActionError) as refused:
        category_update(actor=user(username), category_id=category.pk, accept_limit=Decimal("5"))
    assert refused.value.code == "not_allowed"
    category.refresh_from_db()
    assert category.accept_limit == Decimal("1")


@pytest.mark.parametrize(
    "changes",
    [
        {"accept_limit": Decimal("0")},
        {"handle_limit": Decimal("-1")},
        {"handle_limit": Decimal("1000")},
        {"accept_unit": "fortnights"},
        {"closing_condition": "<script>alert(1)</script>"},
        {"code": "9999"},
    ],
)
def test_bad_limits_are_refused_and_nothing_changes(changes):
    category = Category.objects.get(code="0101")
    before = Category.objects.filter(pk=category.pk).values().get()
    with pytest.raises(CaseActionError):
        category_update(actor=user("street"), category_id=category.pk, **changes)
    assert Category.objects.filter(pk=category.pk).values().get() == before


def test_category_pages(client):
    client.force_login(user("street"))
    assert client.get("/console/categories/").status_code == 200
    response = client.post(
        "/console/categories/0101/",
        {
            "accept_limit": "3",
            "accept_unit": "working_hours",
            "handle_limit": "2",
            "handle_unit": "working_days",
            "closing_condition": "清运完毕",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Category.objects.get(code="0101").accept_limit == Decimal("3")
    bad = client.post(
        "/console/categories/0101/",
        {
            "accept_limit": "0",
            "accept_unit": "working_hours",
            "handle_limit": "2",
            "handle_unit": "working_days",
            "is_active": "on",
        },
    )
    assert bad.status_code == 400
    assert Category.objects.get(code="0101").accept_limit == Decimal("3")


@pytest.mark.parametrize("username,status", [("huayuan_staff", 403), ("resident", 403)])
def test_category_pages_refuse_others(client, username, status):
    client.force_login(user(username))
    assert client.get("/console/categories/").status_code == status
    assert client.post("/console/categories/0101/", {"accept_limit": "9"}).status_code == status
    assert Category.objects.get(code="0101").accept_limit == Decimal("1")
