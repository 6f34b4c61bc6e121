"""The care pages: bad input on every form is refused with its reason and saves nothing; the list
pages cost a fixed number of queries; the watcher's phone flow and the pick-up refusal as a person
sees them. Pages are asked for in English (a cookie), so the reasons read the same once translated."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from huizhi.care import services
from huizhi.care.kinds import AgeBand, ContactOutcome
from huizhi.care.models import (
    CareAlert,
    CareSession,
    CareStation,
    ChildcareAttendance,
    ChildcareCarer,
    ChildcareCentre,
    ChildcareClass,
    ChildcareEnrolment,
    SummerSession,
    SummerTerm,
    VolunteerHours,
    WatchContact,
    WatchedResident,
)
from huizhi.care.tests.conftest import (
    FENGHUANG,
    FENGHUANG_GRID_1,
    HUAYUAN,
    make_resident,
    months_ago,
    page,
    person,
    years_ago,
)
from huizhi.cases.models import Case
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db


def signed_in(client, username):
    client.force_login(person(username))
    return client


# --- bad input on every form ---------------------------------------------------------------------


def test_session_form_refuses_a_past_start_and_saves_nothing(en_client):
    station = CareStation.objects.get(community_code=FENGHUANG)
    client = signed_in(en_client, "care_operator")
    before = CareSession.objects.count()
    past = timezone.localtime() - timedelta(days=1)
    response = client.post(
        f"/console/care/station/{station.pk}/",
        {
            "service": station.services.first().pk,
            "starts_at": past.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (past + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "venue": "活动室",
            "capacity": 10,
            "lead": "吴秀英",
        },
    )
    assert response.status_code == 200
    assert "A session must start in the future." in page(response)
    assert CareSession.objects.count() == before


def test_enrolling_in_a_full_session_shows_why(en_client):
    session = CareSession.objects.filter(
        starts_at__gt=timezone.now(), station__community_code=FENGHUANG
    ).first()
    CareSession.objects.filter(pk=session.pk).update(capacity=session.enrolled_count)
    elder = make_resident(birth=years_ago(70))
    response = signed_in(en_client, "care_operator").post(
        f"/console/care/sessions/{session.pk}/", {"resident": elder.pk}
    )
    assert "This session is full" in page(response)
    assert not session.enrolments.filter(resident=elder).exists()


def test_enrolling_someone_too_young_for_the_station_shows_why(en_client):
    session = CareSession.objects.filter(
        starts_at__gt=timezone.now(), station__community_code=FENGHUANG
    ).first()
    young = make_resident(birth=years_ago(45))
    response = signed_in(en_client, "care_operator").post(
        f"/console/care/sessions/{session.pk}/", {"resident": young.pk}
    )
    # Not in the list of elders offered: the form refuses the choice itself.
    assert response.status_code == 200 and 'class="error field-error"' in page(response)
    assert not session.enrolments.filter(resident=young).exists()


def test_childcare_enrol_form_refuses_the_wrong_age_and_a_full_class(en_client):
    client = signed_in(en_client, "fenghuang_staff")
    infant = ChildcareClass.objects.get(name="乳儿班", centre__community_code=FENGHUANG)
    too_old = make_resident(birth=months_ago(14))
    form = {
        "starts_on": timezone.localdate().isoformat(),
        "adult_1": "张丽",
        "relationship_1": "妈妈",
        "mobile_1": "13912340010",
    }
    # Not offered (the form lists the band's children only), so the choice itself is refused.
    response = client.post(
        f"/console/care/childcare/classes/{infant.pk}/enrol/", {**form, "child": too_old.pk}
    )
    assert response.status_code == 200 and 'class="error field-error"' in page(response)
    ok = make_resident(birth=months_ago(8))
    response = client.post(f"/console/care/childcare/classes/{infant.pk}/enrol/", {**form, "child": ok.pk})
    assert "at 1:3 another child needs another carer" in page(response)  # 9 children, 3 carers
    client.post(f"/console/care/childcare/classes/{infant.pk}/carers/", {"name": "新保育员"})
    response = client.post(f"/console/care/childcare/classes/{infant.pk}/enrol/", {**form, "child": ok.pk})
    assert response.status_code == 302  # the tenth child: the class is now at its limit of 10
    one_more = make_resident(birth=months_ago(9))
    response = client.post(
        f"/console/care/childcare/classes/{infant.pk}/enrol/", {**form, "child": one_more.pk}
    )
    assert "is full: 10 children" in page(response)
    assert not ChildcareEnrolment.objects.filter(child__in=[too_old, one_more]).exists()
    assert infant.enrolments.count() == 10


def test_taking_a_carer_off_a_full_ratio_is_refused_on_the_register(en_client):
    infant = ChildcareClass.objects.get(
        name="乳儿班", centre__community_code=FENGHUANG
    )  # 9 children, 3 carers
    carer = infant.carers.first()
    response = signed_in(en_client, "fenghuang_staff").post(
        f"/console/care/childcare/carers/{carer.pk}/remove/", follow=True
    )
    assert "cannot be taken off" in page(response)
    assert infant.carers.filter(pk=carer.pk).exists()


def test_pick_up_by_a_stranger_is_refused_and_the_staff_alerted(en_client):
    client = signed_in(en_client, "fenghuang_staff")
    day = ChildcareAttendance.objects.filter(
        enrolment__klass__centre__community_code=FENGHUANG, picked_up_at__isnull=True
    ).first()
    response = client.post(
        "/console/care/childcare/pick-up/",
        {"enrolment": day.enrolment_id, "collected_by": "陌生人"},
        follow=True,
    )
    text = page(response)
    assert "陌生人 is not authorised to collect" in text
    assert 'data-kind="unauthorised_pickup"' in text  # the alert at the top of the register
    day.refresh_from_db()
    assert day.picked_up_at is None
    adult = day.enrolment.adults.first()
    response = client.post(
        "/console/care/childcare/pick-up/",
        {"enrolment": day.enrolment_id, "collected_by": adult.name},
        follow=True,
    )
    day.refresh_from_db()
    assert day.collected_by == adult


def test_a_visit_for_someone_not_on_the_watch_list_is_refused_on_the_phone(en_client):
    stranger = make_resident(birth=years_ago(88), lives_alone=True)
    response = signed_in(en_client, "fenghuang_gridworker").post(
        "/m/care/watch/log/", {"resident": stranger.pk, "outcome": "well", "method": "visit"}, follow=True
    )
    assert "is not on the watch list" in page(response)
    assert not WatchContact.objects.filter(watched__resident=stranger).exists()


def test_needs_help_without_a_note_is_refused_on_the_phone(en_client):
    entry = WatchedResident.objects.filter(watchers__user__username="fenghuang_gridworker").first()
    cases = Case.objects.count()
    response = signed_in(en_client, "fenghuang_gridworker").post(
        "/m/care/watch/log/",
        {"resident": entry.resident_id, "outcome": "needs_help", "method": "visit"},
        follow=True,
    )
    assert "Note cannot be empty." in page(response)
    assert Case.objects.count() == cases


def test_hours_for_a_future_date_are_refused_on_the_volunteers_page(en_client):
    client = signed_in(en_client, "fenghuang_staff")
    hours = VolunteerHours.objects.filter(volunteer__place_code__startswith=FENGHUANG).first()
    volunteer, activity = hours.volunteer, hours.activity
    VolunteerHours.objects.filter(volunteer=volunteer, activity=activity).delete()
    response = client.post(
        "/console/care/volunteers/",
        {
            "volunteer": volunteer.pk,
            "activity": activity.pk,
            "served_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "hours": "2",
        },
    )
    assert "Hours cannot be logged for a future date" in page(response)
    assert not VolunteerHours.objects.filter(volunteer=volunteer, activity=activity).exists()


def test_summer_session_outside_the_term_is_refused(en_client):
    """The demo's latest summer that has begun: a session three days after it ends is refused."""
    term = SummerTerm.objects.get(community_code=FENGHUANG, starts_on__lte=timezone.localdate())
    lead = term.sessions.first().lead
    late = term.ends_on + timedelta(days=3)
    response = signed_in(en_client, "fenghuang_staff").post(
        f"/console/care/summer/{term.pk}/",
        {
            "kind": "science",
            "title": "迟到的讲座",
            "starts_at": f"{late.isoformat()}T09:00",
            "ends_at": f"{late.isoformat()}T10:00",
            "venue": "活动室",
            "lead": lead.pk,
        },
    )
    assert "The session must fall within the term" in page(response)
    assert not SummerSession.objects.filter(title="迟到的讲座").exists()


def test_home_service_form_refuses_an_empty_description(en_client):
    station = CareStation.objects.get(community_code=FENGHUANG)
    elder = make_resident(birth=years_ago(80))
    cases = Case.objects.count()
    response = signed_in(en_client, "fenghuang_staff").post(
        f"/console/care/station/{station.pk}/home-service/",
        {"resident": elder.pk, "kind": "repair", "description": "<script>x</script>"},
    )
    assert "cannot contain HTML" in page(response)
    assert Case.objects.count() == cases


# --- what people see -------------------------------------------------------------------------------


def test_the_watcher_logs_needs_help_and_a_case_opens(en_client):
    entry = WatchedResident.objects.filter(watchers__user__username="fenghuang_gridworker", misses=0).first()
    client = signed_in(en_client, "fenghuang_gridworker")
    response = client.post(
        "/m/care/watch/log/",
        {
            "resident": entry.resident_id,
            "outcome": "needs_help",
            "method": "visit",
            "note": "灯泡坏了，需要上门更换",
        },
        follow=True,
    )
    contact = WatchContact.objects.filter(watched=entry).latest("id")
    assert contact.case is not None
    assert f"case {contact.case.reference} opened" in page(response)


def test_the_dashboard_shows_the_alert_and_the_overdue_queue(en_client):
    response = signed_in(en_client, "fenghuang_staff").get("/console/care/watch/")
    text = page(response)
    alert = CareAlert.objects.active().get(kind="not_reached", place_code__startswith=FENGHUANG)
    assert f'data-alert="{alert.pk}"' in text
    overdue = WatchedResident.objects.overdue().filter(place_code__startswith=FENGHUANG)
    assert text.count("<tr data-watched=") == overdue.count() > 0
    assert f'data-grid="{FENGHUANG_GRID_1}"' in text


def test_the_commendation_list_exports_as_xlsx(client):
    response = signed_in(client, "fenghuang_staff").get("/console/care/volunteers/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) > 2
    hours = [row[4] for row in rows[1:]]
    assert hours == sorted(hours, reverse=True) and hours[0] > 0
    assert rows[1][5] == int(rows[1][4] * 10)


def test_a_parent_enrols_their_child_from_the_care_page(en_client):
    client = signed_in(en_client, "care_parent")
    text = page(client.get("/care/"))
    # The coming summer's term, announced and open for enrolment before it starts.
    term = SummerTerm.objects.get(community_code=FENGHUANG, starts_on__gt=timezone.localdate())
    assert term.name in text
    parent = person("care_parent").resident
    household = parent.household.residents.exclude(pk=parent.pk)
    waiting = [r for r in household if not term.enrolments.filter(child=r).exists()]
    assert len(waiting) == 1 and f'data-child="{waiting[0].pk}"' in text
    response = client.post(f"/care/summer/{term.pk}/enrol/", {"child": waiting[0].pk}, follow=True)
    assert "is enrolled in" in page(response)
    assert term.enrolments.filter(child=waiting[0], parent=parent).exists()


def test_an_elder_signs_up_for_a_session_from_the_care_page(en_client):
    client = signed_in(en_client, "care_elder")
    elder = person("care_elder").resident
    session = (
        CareSession.objects.filter(starts_at__gt=timezone.now(), station__community_code=FENGHUANG)
        .exclude(enrolments__resident=elder)
        .filter(enrolled_count__lt=10)
        .first()
    )
    assert f'data-session="{session.pk}"' in page(client.get("/care/"))
    response = client.post(f"/care/sessions/{session.pk}/enrol/", follow=True)
    assert "You are enrolled" in page(response)
    assert session.enrolments.filter(resident=elder).exists()


# --- query counts on the list pages ----------------------------------------------------------------

# (who, page, queries): session, user, roles; the page's own reads; the navigation's inbox
# unread count; for staff and grid workers, one more for the urgent-alert banner's count
# (huizhi.care.context_processors).
LIST_PAGES = [
    (
        "care_operator",
        lambda: f"/console/care/station/{CareStation.objects.get(community_code=FENGHUANG).pk}/",
        7,
    ),
    ("fenghuang_staff", lambda: "/console/care/watch/", 14),  # + the alerts' owners
    ("fenghuang_gridworker", lambda: "/m/care/watch/", 10),  # + owners, + family to call
    ("fenghuang_staff", lambda: "/console/care/childcare/", 12),
    ("fenghuang_staff", lambda: "/console/care/summer/", 9),
    ("fenghuang_staff", lambda: f"/console/care/summer/sessions/{SummerSession.objects.first().pk}/", 8),
    ("fenghuang_staff", lambda: "/console/care/volunteers/", 10),  # + the ranking's count (paged)
]


@pytest.mark.parametrize(
    ("username", "url", "queries"),
    LIST_PAGES,
    ids=["station", "watch", "watch-phone", "childcare", "summer", "summer-session", "volunteers"],
)
def test_list_pages_cost_a_fixed_number_of_queries(client, django_assert_num_queries, username, url, queries):
    client.force_login(person(username))
    address = url()
    with django_assert_num_queries(queries):
        assert client.get(address).status_code == 200


def test_more_overdue_contacts_and_children_cost_no_more_queries(client, django_assert_num_queries):
    staff = person("fenghuang_staff")
    client.force_login(staff)

    for age in (81, 82, 83):
        services.watch_add(actor=staff, resident=make_resident(birth=years_ago(age), lives_alone=True))
    older = ChildcareClass.objects.get(name="托大班", centre__community_code=FENGHUANG)
    services.childcare_enrol(
        actor=staff,
        klass_id=older.pk,
        child=make_resident(birth=months_ago(30)),
        starts_on=timezone.localdate(),
        adults=[("张丽", "妈妈")],
    )
    with django_assert_num_queries(14):
        client.get("/console/care/watch/")
    with django_assert_num_queries(12):
        client.get("/console/care/childcare/")


def test_the_administrator_opens_every_care_page_of_the_menu(client):
    """A superuser passes every permission without being a resident or a watcher."""
    client.force_login(person("admin"))
    for url in ("/care/", "/m/care/watch/", "/console/care/station/", "/console/care/watch/"):
        assert client.get(url, follow=True).status_code == 200, url


def test_every_centre_of_the_street_s_register_costs_no_more_queries(client):
    """The street reads every centre: another centre adds rows, not queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from huizhi.care.tests.conftest import HUAYUAN
    from huizhi.places.models import Place

    client.force_login(person("street"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/console/care/childcare/").status_code == 200
        return len(context.captured_queries)

    queries()  # warm up what a first request reads once
    before = queries()
    centre = ChildcareCentre.objects.create(
        name="花园街社区托育中心", community=Place.objects.get(code=HUAYUAN), community_code=HUAYUAN
    )
    klass = ChildcareClass.objects.create(centre=centre, band=AgeBand.OLDER, name="花园托大班")
    ChildcareCarer.objects.create(klass=klass, name="李老师")
    assert queries() == before
    assert "花园托大班" in page(client.get("/console/care/childcare/"))


def test_a_station_added_in_the_admin_takes_its_community_s_code(client):
    """The stored community code is what scope and catchment read; the admin form cannot edit it."""
    from huizhi.care.permissions import stations_visible_to

    client.force_login(person("admin"))
    operator = CareStation.objects.get(community_code=FENGHUANG).operator
    response = client.post(
        "/admin/care/carestation/add/",
        {
            "name": "花园街社区养老服务站",
            "community": Place.objects.get(code=HUAYUAN).pk,
            "operator": operator.pk,
        },
    )
    assert response.status_code == 302, page(response)
    station = CareStation.objects.get(name="花园街社区养老服务站")
    assert station.community_code == HUAYUAN
    assert stations_visible_to(person("huayuan_staff")).filter(pk=station.pk).exists()
    assert not stations_visible_to(person("fenghuang_staff")).filter(pk=station.pk).exists()


def test_huge_ids_in_post_fields_are_refused_cleanly(client):
    """Verified: out-of-range integers in hidden fields give a message/404, not a 500."""
    client.force_login(person("fenghuang_gridworker"))
    client.raise_request_exception = False
    response = client.post(
        reverse("care:watch_log"), {"resident": str(10**30), "outcome": ContactOutcome.WELL, "method": "call"}
    )
    assert response.status_code == 302
    client.force_login(person("fenghuang_staff"))
    response = client.post(
        reverse("care:childcare_pick_up"), {"enrolment": str(10**30), "collected_by": "某人"}
    )
    assert response.status_code in (302, 404)


def test_state_changing_care_views_refuse_get():
    """Verified: every POST-only action of care answers 405 to GET."""
    from django.test import Client

    client = Client()
    client.force_login(person("admin"))
    for name, args in [
        ("care:session_check_in", [1]),
        ("care:watch_build", []),
        ("care:watch_remove", [1]),
        ("care:watcher_remove", [1]),
        ("care:watch_log", []),
        ("care:carer_add", [1]),
        ("care:carer_remove", [1]),
        ("care:childcare_check_in", [1]),
        ("care:childcare_pick_up", []),
        ("care:carer_day_off", []),
        ("care:carer_day_on", []),
        ("care:alert_clear", [1]),
        ("care:summer_sign_in", [1]),
        ("care:summer_sign_out", [1]),
        ("care:hours_confirm", [1]),
        ("care:enrol_session", [1]),
        ("care:enrol_summer", [1]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 405, name
