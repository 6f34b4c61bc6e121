"""The urgent "not reached" alert stands at the top of every page of the grid worker and community
staff it is raised to, until someone records contact; nobody else sees it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant
from huizhi.care import services
from huizhi.care.kinds import AgeBand, ContactOutcome
from huizhi.care.models import (
    CareAlert,
)
from huizhi.care.services import watch_contact_log
from huizhi.care.tests.conftest import (
    FENGHUANG_GRID_2,
    make_class,
    make_resident,
    months_ago,
    resident_user,
)
from huizhi.care.tests.test_services import refused
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db


def banner(client, username: str, url: str) -> str | None:
    client.force_login(User.objects.get(username=username))
    html = client.get(url).content.decode()
    start = html.find('class="urgent-banner"')
    return html[start : html.find("</p>", start)] if start >= 0 else None


def test_the_demo_alert_shows_on_every_page_of_the_community_staff():
    from django.test import Client

    alert = CareAlert.objects.active().get()  # the demo's one "not reached" alert in 凤凰社区
    for url in (reverse("cases:queue"), reverse("places:overview"), reverse("care:watch")):
        shown = banner(Client(), "fenghuang_staff", url)
        assert shown is not None and 'data-urgent-alerts="1"' in shown, url
        assert reverse("care:watch") in shown
    assert alert.place_code.startswith(User.objects.get(username="fenghuang_staff").roles.get().place.code)


# "admin": a superuser is not paged for the whole street; the banner follows the roles themselves.
@pytest.mark.parametrize(
    "username", ["huayuan_staff", "gridworker", "street", "resident", "care_operator", "admin"]
)
def test_people_the_alert_is_not_raised_to_do_not_see_it(client, username):
    assert banner(client, username, "/") is None


def test_the_grid_worker_of_the_elder_sees_it_linked_to_their_phone_list(client):
    shown = banner(client, "fenghuang_gridworker", reverse("cases:my_tasks"))
    assert shown is not None and reverse("care:watch_phone") in shown


def test_recording_contact_clears_the_banner(client):
    alert = CareAlert.objects.active().select_related("watched__resident").get()
    watcher = alert.watched.watchers.select_related("user").first().user
    watch_contact_log(
        actor=watcher, resident=alert.watched.resident, outcome=ContactOutcome.WELL, note="已联系上，身体无恙"
    )
    assert banner(client, "fenghuang_staff", reverse("cases:queue")) is None


def test_the_grid_worker_s_banner_matches_the_alerts_on_the_page_it_links_to(client, staff, centre):
    worker = resident_user("test_banner_worker")
    role_grant(user=worker, role=Role.GRID_WORKER, place=Place.objects.get(code=FENGHUANG_GRID_2))
    CareAlert.objects.filter(place_code__startswith=FENGHUANG_GRID_2).update(cleared_at=timezone.now())
    klass = make_class(centre, AgeBand.TODDLER, 1)
    enrolment = services.childcare_enrol(
        actor=staff,
        klass_id=klass.pk,
        child=make_resident(birth=months_ago(18), grid_code=FENGHUANG_GRID_2),
        starts_on=timezone.localdate(),
        adults=[("妈妈", "母亲")],
    )
    services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)
    with refused("unauthorised"):
        services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by="陌生人")
    client.force_login(worker)
    response = client.get(reverse("care:watch_phone"))
    banner = response.context.get("urgent_alert")
    shown = list(response.context["alerts"])
    assert (banner["count"] if banner else 0) == len(shown)
