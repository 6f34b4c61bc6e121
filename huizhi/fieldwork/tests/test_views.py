"""The pages: who reaches each (both ways), the patrol and visit flows through the forms, refusals
answered with their status, and query counts that do not grow with the rows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from huizhi.cases.models import Case
from huizhi.cases.states import Status
from huizhi.fieldwork.models import CheckIn, Patrol, SpotFix, Visit, VisitCadence
from huizhi.fieldwork.services import (
    cadence_set,
    patrol_check_in,
    patrol_start,
    patrol_stop,
    spot_fix_file,
    visit_log,
)
from huizhi.fieldwork.tests.conftest import jpeg, registered
from huizhi.meetings.models import AgendaItem
from huizhi.registry.tags import Tag

pytestmark = pytest.mark.no_demo

PHONE_PAGES = ["fieldwork:patrol", "fieldwork:fix", "fieldwork:visits"]
LOG_PAGES = ["fieldwork:console_patrols", "fieldwork:spot_checks"]


def _as(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", PHONE_PAGES)
def test_phone_pages_are_the_grid_workers(client, world, name):
    assert _as(client, world.gridworker).get(reverse(name)).status_code == 200
    for outsider in (world.staff, world.commissioner, world.resident, world.crew_member):
        assert _as(client, outsider).get(reverse(name)).status_code == 403, outsider
    client.logout()
    assert client.get(reverse(name)).status_code == 302


@pytest.mark.parametrize("name", LOG_PAGES)
def test_the_patrol_log_and_spot_checks_are_the_staffs(client, world, name):
    for reader in (world.staff, world.street_admin, world.commissioner):
        assert _as(client, reader).get(reverse(name)).status_code == 200, reader
    for outsider in (world.gridworker, world.resident, world.crew_member):
        assert _as(client, outsider).get(reverse(name)).status_code == 403, outsider


def test_the_cadence_page_is_the_community_staffs(client, world):
    url = reverse("fieldwork:cadences")
    assert _as(client, world.staff).get(url).status_code == 200
    for outsider in (world.gridworker, world.commissioner, world.resident):
        assert _as(client, outsider).get(url).status_code == 403
    response = _as(client, world.staff).post(
        url, {"community": world.community.pk, "tag": Tag.LIVES_ALONE, "every_days": "7"}
    )
    assert response.status_code == 302
    assert VisitCadence.objects.get(community=world.community).every_days == 7
    cadences = VisitCadence.objects.count()  # the demo street has its own
    response = _as(client, world.staff).post(
        url, {"community": world.community.pk, "tag": Tag.LIVES_ALONE, "every_days": "400"}
    )
    assert response.status_code == 400
    # Another community's staff are not offered this community, and cannot post it.
    response = _as(client, world.other_staff).post(
        url, {"community": world.community.pk, "tag": Tag.AGE_80, "every_days": "7"}
    )
    assert response.status_code == 400 and VisitCadence.objects.count() == cadences
    assert not VisitCadence.objects.filter(community=world.community, tag=Tag.AGE_80).exists()
    assert VisitCadence.objects.get(community=world.community, tag=Tag.LIVES_ALONE).every_days == 7


def test_a_patrol_through_the_pages(client, world):
    client = _as(client, world.gridworker)
    assert client.post(reverse("fieldwork:start"), {"grid": world.grid.pk}).status_code == 302
    patrol = Patrol.objects.get(worker=world.gridworker, ended_at__isnull=True)
    response = client.post(
        reverse("fieldwork:check_in"),
        {"place": world.building.pk, "lon": world.building.lon, "lat": world.building.lat},
    )
    assert response.status_code == 302
    # The other grid's building is not a choice of the form.
    response = client.post(reverse("fieldwork:check_in"), {"place": world.other_building.pk})
    assert response.status_code == 400
    with translation.override("en"):
        page = client.get(reverse("fieldwork:patrol")).content.decode()
    assert "Route so far: 1 check-in" in page and world.building.name in page
    assert client.post(reverse("fieldwork:stop")).status_code == 302
    assert CheckIn.objects.filter(patrol=patrol).count() == 1
    # Stopping twice: nothing to stop, said plainly.
    with translation.override("en"):
        response = client.post(reverse("fieldwork:stop"), follow=True)
    assert "You are not on a patrol." in response.content.decode()
    assert Patrol.objects.get(pk=patrol.pk).ended_at is not None
    detail = client.get(reverse("fieldwork:patrol_detail", args=[patrol.pk]))
    assert detail.status_code == 200 and 'id="route-config"' in detail.content.decode()


def test_a_far_check_in_is_announced_as_far(client, world):
    patrol_start(actor=world.gridworker)
    client = _as(client, world.gridworker)
    with translation.override("en"):
        response = client.post(
            reverse("fieldwork:check_in"),
            {"place": world.building.pk, "lon": world.building.lon, "lat": world.building.lat + 0.01},
            follow=True,
        )
    assert "marked as far" in response.content.decode()


def test_a_bad_point_is_answered_400_and_saves_nothing(client, world):
    patrol = patrol_start(actor=world.gridworker)
    response = _as(client, world.gridworker).post(
        reverse("fieldwork:check_in"), {"place": world.building.pk, "lon": "118.3", "lat": "95"}
    )
    assert response.status_code == 400 and not CheckIn.objects.filter(patrol=patrol).exists()


def test_the_patrol_page_is_seen_by_its_worker_and_the_staff_over_it_only(client, world):
    patrol = patrol_start(actor=world.gridworker)
    url = reverse("fieldwork:patrol_detail", args=[patrol.pk])
    for reader in (world.gridworker, world.staff, world.street_admin, world.commissioner):
        assert _as(client, reader).get(url).status_code == 200, reader
    for outsider in (world.other_worker, world.other_staff, world.resident, world.crew_member):
        assert _as(client, outsider).get(url).status_code == 404, outsider


def test_a_fix_through_the_page(client, world):
    response = _as(client, world.gridworker).post(
        reverse("fieldwork:fix"),
        {
            "category": world.category.pk,
            "title": "路灯不亮",
            "place": world.building.pk,
            "description": "楼前路灯不亮。",
            "done": "更换灯泡，已亮。",
            "photos_before": [jpeg("b.jpg")],
            "photos_after": [jpeg("a.jpg")],
        },
    )
    assert response.status_code == 302
    fix = SpotFix.objects.get(worker=world.gridworker)
    assert fix.case.status == Status.CLOSED
    # Without the after photo: refused with 400, nothing saved.
    cases = Case.objects.count()
    response = _as(client, world.gridworker).post(
        reverse("fieldwork:fix"),
        {
            "category": world.category.pk,
            "title": "路灯不亮",
            "place": world.building.pk,
            "description": "楼前路灯不亮。",
            "done": "更换灯泡，已亮。",
            "photos_before": [jpeg("b.jpg")],
        },
    )
    assert response.status_code == 400 and Case.objects.count() == cases


def test_spot_checks_through_the_page(client, world):
    fix = spot_fix_file(
        actor=world.gridworker,
        category=world.category,
        title="井盖松动",
        description="井盖松动。",
        done="已固定。",
        place=world.building,
        photos_before=[jpeg()],
        photos_after=[jpeg()],
    )
    url = reverse("fieldwork:spot_check", args=[fix.pk])
    # Another community's staff: no such fix for them.
    assert _as(client, world.other_staff).post(url, {"result": "ok"}).status_code == 404
    # The commissioner and street leadership read the list but do not check (DESIGN §2).
    for reader in (world.commissioner, world.street_admin):
        _as(client, reader).post(url, {"result": "ok"})
        fix.refresh_from_db()
        assert fix.check_result == "" and fix.checked_by is None, reader
    assert _as(client, world.staff).post(url, {"result": "ok"}).status_code == 302
    fix.refresh_from_db()
    assert fix.check_result == "ok" and fix.checked_by == world.staff


def test_a_visit_through_the_page_shows_the_people_masked(client, world):
    client = _as(client, world.gridworker)
    url = reverse("fieldwork:visit", args=[world.elder_household.pk])
    page = client.get(url).content.decode()
    assert world.elder.name not in page and world.elder.name[0] + "**" in page
    response = client.post(
        url,
        {
            "visited_on": timezone.localdate().isoformat(),
            "met": world.elder.pk,
            "needs": "需要助浴服务",
            "need_becomes": "case",
            "category": world.category.pk,
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get(worker=world.gridworker)
    assert visit.met == world.elder and visit.case is not None
    # A resident of another household is no choice; a date in the future is refused.
    assert (
        client.post(url, {"visited_on": timezone.localdate().isoformat(), "met": world.family.pk}).status_code
        == 400
    )
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert client.post(url, {"visited_on": future}).status_code == 400
    assert Visit.objects.filter(worker=world.gridworker).count() == 1


def test_a_need_becomes_a_topic_through_the_page_and_the_history_says_so(client, world):
    client = _as(client, world.gridworker)
    url = reverse("fieldwork:visit", args=[world.elder_household.pk])
    form = {"visited_on": timezone.localdate().isoformat(), "needs": "楼道没有扶手", "need_becomes": "agenda"}
    missing = client.post(url, form)
    assert (
        missing.status_code == 400
        and "Write the topic as the meeting will read it." in missing.content.decode()
    )
    assert not Visit.objects.filter(worker=world.gridworker).exists()
    response = client.post(url, form | {"topic": "11栋楼道加装扶手"}, follow=True)
    page = response.content.decode()
    assert "the topic waits on the community" in page
    page = client.get(url).content.decode()
    assert "11栋楼道加装扶手" in page and "waiting for a meeting" in page
    # The community's staff find it on their list of topics.
    assert AgendaItem.objects.get(title="11栋楼道加装扶手").community == world.community


def test_households_outside_the_workers_grids_are_not_found(client, world):
    url = reverse("fieldwork:visit", args=[world.far_away.household_id])
    assert _as(client, world.gridworker).get(url).status_code == 404
    assert _as(client, world.other_worker).get(url).status_code == 200


def _a_day_of_work(world, patrols: int):
    for _n in range(patrols):
        patrol = patrol_start(actor=world.gridworker)
        patrol_check_in(actor=world.gridworker, patrol_id=patrol.pk, place=world.building)
        patrol_check_in(actor=world.gridworker, patrol_id=patrol.pk, place=world.compound)
        patrol_stop(actor=world.gridworker, patrol_id=patrol.pk)


def test_the_patrol_log_costs_the_same_for_one_patrol_or_many(client, world, django_assert_max_num_queries):
    client = _as(client, world.staff)
    url = reverse("fieldwork:console_patrols") + "?period=week"
    _a_day_of_work(world, 1)
    client.get(url)  # warm the session and the user's scopes
    with django_assert_max_num_queries(12) as one:
        client.get(url)
    _a_day_of_work(world, 6)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    with translation.override("en"):
        page = _as(client, world.staff).get(url).content.decode()
    assert response.status_code == 200
    # One row per worker and grid, summing the seven patrols and their fourteen check-ins.
    assert page.count("data-log-row=") == 1 and page.count("data-patrol=") == 7
    assert f'data-log-row="{world.gridworker.pk}-{world.grid.code}"' in page


def test_the_visit_list_costs_the_same_for_few_households_or_many(
    client, world, django_assert_max_num_queries
):
    cadence_set(actor=world.staff, community=world.community, tag=Tag.LIVES_ALONE, every_days=7)
    client = _as(client, world.gridworker)
    url = reverse("fieldwork:visits")
    client.get(url)
    with django_assert_max_num_queries(16) as few:
        client.get(url)
    for room in range(10):
        resident = registered(world.building, f"3{room:02d}室", age=82, lives_alone=True)
        visit_log(actor=world.gridworker, household=resident.household, visited_on=timezone.localdate())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("data-household=") == 11
