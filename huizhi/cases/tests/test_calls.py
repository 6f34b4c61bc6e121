"""One tap to call a case's reporter or unit (issue 18): only for those whose work is face to face
with the case, the number revealed only after the access log has the line, never in the page."""

import pytest
from django.urls import reverse

from huizhi.accounts.roles import Role
from huizhi.cases.services import CaseActionError, case_call_number
from huizhi.core import reveals
from huizhi.registry.models import AccessLog
from tests.factories import CaseFactory, UserFactory, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]
REPORTER_MOBILE, CREW_MOBILE = "13912345678", "13887654321"


@pytest.fixture
def world_and_case():
    world = small_street()
    resident = UserFactory(mobile=REPORTER_MOBILE)
    UserFactory(mobile=CREW_MOBILE, role=Role.HANDLING_UNIT, over=world.crew)
    case = CaseFactory(place=world.building, category=world.category, actor=resident)
    from tests.factories import advance

    advance(case, "accept", world)
    case = advance(case, "dispatch", world)
    return world, case


def _log_lines(user):
    return list(AccessLog.objects.filter(user=user).values_list("field", "place_code", "reason"))


def test_the_grid_worker_calls_the_reporter_and_the_reveal_is_logged_first(world_and_case):
    world, case = world_and_case
    number = case_call_number(actor=world.gridworker, case_id=case.pk, who="reporter", ip_address="10.0.0.9")
    assert number == REPORTER_MOBILE
    [(field, place_code, reason)] = _log_lines(world.gridworker)
    assert (field, place_code) == ("mobile", case.place_code) and case.reference in reason


def test_staff_call_the_unit_on_its_duty_account(world_and_case):
    world, case = world_and_case
    assert case_call_number(actor=world.staff, case_id=case.pk, who="unit") == CREW_MOBILE
    assert len(_log_lines(world.staff)) == 1


@pytest.mark.parametrize("who", ["reporter", "unit"])
def test_the_unit_the_resident_and_other_places_staff_may_not_and_nothing_is_logged(world_and_case, who):
    world, case = world_and_case
    for refused in (world.crew_member, world.resident, small_street().staff):
        with pytest.raises(CaseActionError) as error:
            case_call_number(actor=refused, case_id=case.pk, who=who)
        assert error.value.code in ("not_allowed", "not_found")
        assert _log_lines(refused) == []


def test_a_reporter_without_a_number_or_an_unknown_party_is_refused(world_and_case):
    world, _ = world_and_case
    silent = CaseFactory(place=world.building, category=world.category, actor=UserFactory())
    with pytest.raises(CaseActionError):
        case_call_number(actor=world.gridworker, case_id=silent.pk, who="reporter")
    with pytest.raises(CaseActionError):
        case_call_number(actor=world.gridworker, case_id=silent.pk, who="neighbour")
    assert _log_lines(world.gridworker) == []


def test_with_no_access_log_listening_the_number_stays_hidden(world_and_case, monkeypatch):
    world, case = world_and_case
    monkeypatch.setattr(reveals, "reveal_loggers", reveals.Subscribers())
    with pytest.raises(reveals.RevealNotLogged):
        case_call_number(actor=world.gridworker, case_id=case.pk, who="reporter")


def test_the_case_page_offers_the_calls_without_the_numbers(client, world_and_case):
    world, case = world_and_case
    client.force_login(world.gridworker)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:call_reporter", args=[case.pk]) in page
    assert REPORTER_MOBILE not in page and CREW_MOBILE not in page
    client.force_login(world.crew_member)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:call_reporter", args=[case.pk]) not in page


def test_the_call_answers_json_for_the_script_and_a_tel_link_without_it(client, world_and_case):
    world, case = world_and_case
    client.force_login(world.gridworker)
    url = reverse("cases:call_reporter", args=[case.pk])
    assert client.post(url, headers={"Accept": "application/json"}).json() == {"tel": REPORTER_MOBILE}
    page = client.post(url)
    assert page.status_code == 200 and f'href="tel:{REPORTER_MOBILE}"' in page.content.decode()
    assert client.get(url).status_code == 405
    assert len(_log_lines(world.gridworker)) == 2


def test_the_call_is_refused_both_ways_on_the_page(client, world_and_case):
    world, case = world_and_case
    url = reverse("cases:call_unit", args=[case.pk])
    assert client.post(url).status_code == 302  # signed out: to the sign-in page
    client.force_login(world.resident)
    assert client.post(url).status_code in (403, 404)
    assert client.post(url, headers={"Accept": "application/json"}).status_code in (403, 404)
    client.force_login(world.staff)
    assert client.post(url, headers={"Accept": "application/json"}).json() == {"tel": CREW_MOBILE}
