"""Who sees and runs which care service: a role × scope matrix over the demo logins.

Each row says what a person sees *and* what they do not, so a rule that widens fails as surely as
one that narrows. `fenghuang_gridworker` works 凤凰第1网格; `gridworker` works in 花园街社区;
`care_party` is a party member (a resident) who watches some of 凤凰社区's elders.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from huizhi.care import permissions as p
from huizhi.care.models import CareStation, ChildcareCentre, SummerTerm, WatchedResident
from huizhi.care.tests.conftest import FENGHUANG, FENGHUANG_GRID_1, HUAYUAN, person

pytestmark = pytest.mark.django_db

EVERYONE = [
    "care_operator",
    "fenghuang_staff",
    "huayuan_staff",
    "street",
    "gridworker",
    "fenghuang_gridworker",
    "repair_crew",
    "care_party",
    "resident",
    "anonymous",
]


def who(username):
    return AnonymousUser() if username == "anonymous" else person(username)


def _sees(visible, expected: set[str]):
    return {u for u in EVERYONE if visible(who(u))} == expected


def test_the_station_is_seen_by_its_operator_its_community_and_the_street_only():
    station = CareStation.objects.get(community_code=FENGHUANG)
    assert _sees(
        lambda u: p.stations_visible_to(u).filter(pk=station.pk).exists(),
        {"care_operator", "fenghuang_staff", "street"},
    )


def test_only_the_operator_runs_the_station():
    station = CareStation.objects.get(community_code=FENGHUANG)
    assert _sees(lambda u: p.can_run_station(u, station), {"care_operator"})
    assert _sees(lambda u: p.can_request_home_service(u, station), {"care_operator", "fenghuang_staff"})


def test_the_operator_sees_only_its_station():
    operator = person("care_operator")
    assert not p.watched_visible_to(operator).exists()
    assert not p.centres_visible_to(operator).exists()  # the childcare centre has another operator
    assert not p.terms_visible_to(operator).exists()
    assert not p.volunteers_visible_to(operator).exists()
    assert not p.can_run_childcare(operator, ChildcareCentre.objects.get(community_code=FENGHUANG))


def test_watch_entries_by_role_and_grid():
    fenghuang = WatchedResident.objects.filter(place_code__startswith=FENGHUANG)
    in_grid_1 = fenghuang.filter(place_code__startswith=FENGHUANG_GRID_1)
    other_grids = fenghuang.exclude(place_code__startswith=FENGHUANG_GRID_1)
    assert in_grid_1.exists() and other_grids.exists()
    total = fenghuang.count()
    counts = {
        u: p.watched_visible_to(who(u)).filter(place_code__startswith=FENGHUANG).count() for u in EVERYONE
    }
    assert counts["fenghuang_staff"] == counts["street"] == total
    assert (
        counts["fenghuang_gridworker"]
        == in_grid_1.count() + other_grids.filter(watchers__user__username="fenghuang_gridworker").count()
    )
    assert 0 < counts["care_party"] < total  # only whom they watch
    assert set(p.watched_visible_to(who("care_party")).values_list("pk", flat=True)) == set(
        fenghuang.filter(watchers__user__username="care_party").values_list("pk", flat=True)
    )
    for outsider in ("care_operator", "huayuan_staff", "gridworker", "repair_crew", "resident", "anonymous"):
        assert counts[outsider] == 0, outsider


def test_who_manages_the_watch_and_logs_contacts():
    assert _sees(lambda u: p.can_manage_watch(u, FENGHUANG), {"fenghuang_staff"})
    assert _sees(lambda u: p.can_manage_watch(u, HUAYUAN), {"huayuan_staff"})
    entry = WatchedResident.objects.filter(
        place_code__startswith=FENGHUANG_GRID_1, watchers__user__username="care_party"
    ).first()
    assert _sees(
        lambda u: p.can_log_contact(u, entry), {"fenghuang_staff", "fenghuang_gridworker", "care_party"}
    )


def test_alerts_reach_the_grid_and_the_community_only():
    from huizhi.care.models import CareAlert

    alert = CareAlert.objects.active().get(kind="not_reached", place_code__startswith=FENGHUANG)
    seen = {u for u in EVERYONE if p.alerts_visible_to(who(u)).filter(pk=alert.pk).exists()}
    assert {"fenghuang_staff", "fenghuang_gridworker", "street"} <= seen
    assert not seen & {"care_operator", "huayuan_staff", "gridworker", "repair_crew", "resident", "anonymous"}


def test_childcare_summer_and_volunteers_are_run_by_the_community_s_staff():
    centre = ChildcareCentre.objects.get(community_code=FENGHUANG)
    terms = list(SummerTerm.objects.filter(community_code=FENGHUANG))
    assert len(terms) == 2  # the latest summer that has begun and the coming one
    assert _sees(lambda u: p.can_run_childcare(u, centre), {"fenghuang_staff"})
    for term in terms:
        assert _sees(lambda u, term=term: p.can_run_summer(u, term), {"fenghuang_staff"})
    assert _sees(lambda u: p.can_manage_volunteers(u, FENGHUANG), {"fenghuang_staff"})
    # The street reads them all and runs none.
    assert _sees(
        lambda u: p.centres_visible_to(u).filter(pk=centre.pk).exists(), {"fenghuang_staff", "street"}
    )
    for term in terms:
        assert _sees(
            lambda u, term=term: p.terms_visible_to(u).filter(pk=term.pk).exists(),
            {"fenghuang_staff", "street"},
        )
    assert _sees(
        lambda u: p.volunteers_visible_to(u).filter(place_code__startswith=FENGHUANG).exists(),
        {"fenghuang_staff", "street"},
    )


# Pages: (url, who gets 200). Everyone else signed in gets 403; the anonymous go to sign in.
PAGES = [
    ("/console/care/station/", {"care_operator", "fenghuang_staff", "huayuan_staff", "street"}),
    (
        "/console/care/watch/",
        {"fenghuang_staff", "huayuan_staff", "street", "gridworker", "fenghuang_gridworker"},
    ),
    ("/m/care/watch/", {"gridworker", "fenghuang_gridworker", "care_party"}),
    ("/console/care/childcare/", {"care_operator", "fenghuang_staff", "huayuan_staff", "street"}),
    ("/console/care/summer/", {"fenghuang_staff", "huayuan_staff", "street"}),
    ("/console/care/volunteers/", {"fenghuang_staff", "huayuan_staff", "street"}),
    ("/care/", {"care_elder", "care_parent", "care_party"}),
]


@pytest.mark.parametrize(("url", "allowed"), PAGES)
def test_page_access_matrix(client, url, allowed):
    for username in [*EVERYONE, "care_elder", "care_parent"]:
        client.logout()
        if username != "anonymous":
            client.force_login(person(username))
        status = client.get(url).status_code
        if username == "anonymous":
            assert status == 302, url
        elif username in allowed:
            assert status in (200, 302), (url, username, status)
        else:
            assert status == 403, (url, username, status)


def test_another_community_s_staff_get_404_for_the_station_and_its_sessions(client):
    station = CareStation.objects.get(community_code=FENGHUANG)
    client.force_login(person("huayuan_staff"))
    assert client.get(f"/console/care/station/{station.pk}/").status_code == 404
    assert client.get(f"/console/care/sessions/{station.sessions.first().pk}/").status_code == 404
    client.force_login(person("fenghuang_staff"))
    assert client.get(f"/console/care/station/{station.pk}/").status_code == 200


def test_the_street_reads_but_cannot_write(client):
    station = CareStation.objects.get(community_code=FENGHUANG)
    client.force_login(person("street"))
    response = client.post(f"/console/care/station/{station.pk}/", {"venue": "x"})
    assert response.status_code == 403
    response = client.post("/console/care/watch/build/", {"community": FENGHUANG})
    assert response.status_code == 403


def test_a_superuser_reads_and_manages_the_watch_but_has_no_grid_worker_phone():
    admin = person("admin")
    assert (
        p.can_view_watch(admin)
        and p.can_manage_watch(admin, FENGHUANG)
        and p.keeps_watch_over(admin, HUAYUAN)
    )
    assert not p.can_use_watch_phone(admin)
