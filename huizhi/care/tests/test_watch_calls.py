"""The watch card shows how to reach the elder and their family (the household's other adults with a
mobile: the registry has no family-contact field): numbers masked until a tap, each reveal written to
the access log, and only for those who may see the watch entry. The not-reached alert names who owns
it and what to do next."""

import json
import re

import pytest
from django.urls import reverse

from huizhi.care import services
from huizhi.care.kinds import WatcherKind
from huizhi.care.tests.conftest import make_resident, page, person, years_ago
from huizhi.registry.models import AccessLog
from huizhi.registry.services import household_for_unit

pytestmark = pytest.mark.django_db

ELDER_MOBILE, SON_MOBILE, GRANDCHILD_MOBILE = "13912340001", "13912340002", "13912340003"


@pytest.fixture
def family(staff, grid_worker):
    from huizhi.care.tests.conftest import FENGHUANG_GRID_1, building_in

    home = household_for_unit(building=building_in(FENGHUANG_GRID_1), room="T-call")
    elder = make_resident(
        birth=years_ago(84), household=home, name="通话老人", mobile=ELDER_MOBILE, empty_nest=True
    )
    son = make_resident(birth=years_ago(50), household=home, name="老人儿子", mobile=SON_MOBILE)
    grandchild = make_resident(birth=years_ago(12), household=home, name="老人孙子", mobile=GRANDCHILD_MOBILE)
    make_resident(birth=years_ago(48), household=home, name="无号家人")  # no mobile: nothing to call
    entry = services.watch_add(actor=staff, resident=elder)
    services.watcher_assign(actor=staff, watched_id=entry.pk, user=grid_worker, kind=WatcherKind.GRID_WORKER)
    return entry, elder, son, grandchild


def _call(client, entry, person_id, json_answer=True):
    headers = {"HTTP_ACCEPT": "application/json"} if json_answer else {}
    return client.post(reverse("care:watch_call", args=[entry.pk]), {"person": person_id}, **headers)


def test_the_card_offers_the_elder_and_the_family_masked(en_client, staff, grid_worker, family):
    entry, elder, son, grandchild = family
    for user, url in (
        (staff, reverse("care:watched", args=[entry.pk])),
        (grid_worker, reverse("care:watch_phone")),
    ):
        en_client.force_login(user)
        text = page(en_client.get(url))
        card = text[text.index(f'data-watched="{entry.pk}"') :] if user is grid_worker else text
        assert f'data-call="{elder.pk}"' in card and f'data-call="{son.pk}"' in card
        assert f'data-call="{grandchild.pk}"' not in card  # a child is no family contact
        assert "139****0001" in card and "139****0002" in card
        assert ELDER_MOBILE not in text and SON_MOBILE not in text
    assert not AccessLog.objects.filter(user__in=[staff, grid_worker]).exists()


def test_a_tap_reveals_the_number_and_logs_it(client, grid_worker, family):
    entry, elder, son, _grandchild = family
    client.force_login(grid_worker)
    response = _call(client, entry, son.pk)
    assert response.status_code == 200 and json.loads(response.content) == {"tel": SON_MOBILE}
    log = AccessLog.objects.get(user=grid_worker)
    assert log.action == AccessLog.Action.REVEAL and log.field == "mobile"
    assert log.place_code == son.place_code and str(entry.pk) in log.reason
    assert log.resident_id == son.pk  # whose number it was, when the household has several
    # Without the script: a page with the number to dial, logged too.
    response = _call(client, entry, elder.pk, json_answer=False)
    assert f'href="tel:{ELDER_MOBILE}"' in page(response)
    assert AccessLog.objects.filter(user=grid_worker).count() == 2
    assert AccessLog.objects.filter(user=grid_worker, resident=elder).count() == 1


@pytest.mark.parametrize("username", ["huayuan_staff", "gridworker", "resident", "care_operator"])
def test_those_who_may_not_see_the_entry_are_refused_and_nothing_is_logged(client, family, username):
    entry, elder, son, _grandchild = family
    user = person(username)
    client.force_login(user)
    for who in (elder.pk, son.pk):
        response = _call(client, entry, who)
        assert response.status_code == 404 and ELDER_MOBILE not in page(response)
        assert SON_MOBILE not in page(response)
    assert not AccessLog.objects.filter(user=user).exists()


def test_only_the_elder_and_their_family_can_be_called_from_the_entry(client, grid_worker, family):
    entry, _elder, _son, grandchild = family
    stranger = make_resident(birth=years_ago(40), name="陌生人", mobile="13912340009")
    client.force_login(grid_worker)
    for someone in (grandchild.pk, stranger.pk):
        assert _call(client, entry, someone).status_code == 404
    assert client.post(reverse("care:watch_call", args=[entry.pk]), {"person": "x"}).status_code == 404
    assert not AccessLog.objects.filter(user=grid_worker).exists()


def test_signed_out_is_sent_to_sign_in(client, family):
    entry, elder, _son, _grandchild = family
    response = _call(client, entry, elder.pk)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_alert_names_its_owners_and_the_next_step(en_client, staff, grid_worker, alerted):
    en_client.force_login(staff)
    for url in (reverse("care:watched", args=[alerted.pk]), reverse("care:watch")):
        text = page(en_client.get(url))
        alert = text[text.index(f'data-alert="{alerted.alerts.get().pk}"') :]
        owner = re.search(r"<p [^>]*data-owner>(.*?)</p>", alert, re.S).group(1)
        assert str(grid_worker) in owner and str(staff) in owner
        steps = re.search(r"<ol [^>]*data-next-steps[^>]*>(.*?)</ol>", alert, re.S).group(1)
        assert steps.count("<li>") == 3 and "Visit today" in steps and "family contact" in steps
    en_client.force_login(grid_worker)
    text = page(en_client.get(reverse("care:watch_phone")))
    assert "data-owner" in text and str(grid_worker) in text and "data-next-steps" in text
