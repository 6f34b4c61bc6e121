"""The urgent "not reached" alert stands at the top of every page of the grid worker and community
staff it is raised to, until someone records contact; nobody else sees it."""

import pytest
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.care.kinds import ContactOutcome
from huizhi.care.models import CareAlert
from huizhi.care.services import watch_contact_log

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
