"""The case services on the demo street (DESIGN §4): reporting, clocks, suspension, rework,
rating and reopening, escalation, merging, routing, recurring problems, supervision and
notifications. Deadlines are checked with frozen time on real dates.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image

from huizhi.cases import selectors, workcalendar
from huizhi.cases.models import Case, CaseEvent, CasePhoto, Notification, SupervisionNotice
from huizhi.cases.routing import default_unit
from huizhi.cases.services import (
    CaseActionError,
    case_rate,
    case_report,
    case_transition,
    supervision_notice_answer,
    supervision_notice_issue,
)
from huizhi.cases.states import ClockColour, Level, Outcome, Rating, Source, Status
from huizhi.cases.tests import factories as f
from huizhi.cases.tests.factories import shanghai
from huizhi.cases.transitions import TRANSITIONS
from huizhi.core.sms import MemorySmsBackend
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place

pytestmark = pytest.mark.django_db

HOUR = 3600
TUESDAY_9 = shanghai(2026, 9, 29, 9, 0)  # an ordinary working morning


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count()


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Report ---------------------------------------------------------------------------------------


def test_a_point_on_the_map_is_placed_in_the_grid_that_contains_it():
    yangtian = f.place(f.YANGTIAN)
    case = case_report(
        actor=f.user("gridworker"),
        category=f.category(f.GARBAGE),
        title="路边垃圾",
        description="扬天小区门口路边有垃圾。",
        source=Source.PATROL,
        lon=yangtian.lon,
        lat=yangtian.lat,
    )
    case.refresh_from_db()
    assert case.grid.code == f.GRIDWORKER_GRID
    assert case.place == case.grid
    assert case.place_code == f.GRIDWORKER_GRID
    assert case.community.code == f.HUAYUAN
    assert (case.lon, case.lat) == (yangtian.lon, yangtian.lat)
    assert case.status == Status.REPORTED
    assert list(case.events.values_list("action", "to_status")) == [("report", Status.REPORTED)]


def test_a_point_in_another_community_lands_in_that_community():
    grid = Place.objects.filter(kind=PlaceKind.GRID, code__startswith=f.FENGHUANG).order_by("code")[4]
    lon, lat = (c + 0.001 for c in grid.boundary["coordinates"][0][0])
    case = case_report(
        actor=f.user("gridworker"),
        category=f.category(f.GARBAGE),
        title="路边垃圾",
        description="路边有垃圾。",
        source=Source.PATROL,
        lon=lon,
        lat=lat,
    )
    assert case.grid == grid
    assert case.community.code == f.FENGHUANG


def test_a_case_reported_at_a_building_gets_its_grid_and_community():
    case = f.reported_case(where=f.building_11())
    case.refresh_from_db()
    assert case.place == f.building_11()
    assert case.grid.code == f.GRIDWORKER_GRID
    assert case.community.code == f.HUAYUAN
    assert case.place_code.startswith(f.YANGTIAN)


def test_a_point_outside_every_grid_is_refused_with_a_clear_error():
    before = _counts()
    with translation.override("en"), pytest.raises(CaseActionError) as refused:
        case_report(
            actor=f.user("gridworker"),
            category=f.category(f.GARBAGE),
            title="路边垃圾",
            description="路边有垃圾。",
            source=Source.PATROL,
            lon=118.0,
            lat=31.5,
        )
    assert refused.value.code == "outside"
    assert "outside every grid" in str(refused.value.message)
    assert _counts() == before


@pytest.mark.parametrize(("lon", "lat"), [(200.0, 32.3), (118.3, 95.0)])
def test_coordinates_that_are_not_on_earth_are_refused(lon, lat):
    before = _counts()
    with pytest.raises(CaseActionError) as refused:
        case_report(
            actor=f.user("gridworker"),
            category=f.category(f.GARBAGE),
            title="路边垃圾",
            description="路边有垃圾。",
            source=Source.PATROL,
            lon=lon,
            lat=lat,
        )
    assert refused.value.code == "bad_input"
    assert _counts() == before


def test_a_case_cannot_be_reported_at_the_street_or_under_a_class():
    before = _counts()
    with pytest.raises(CaseActionError):
        f.reported_case(where=f.place(f.STREET))
    with pytest.raises(CaseActionError):
        f.reported_case(category_code="01")
    assert _counts() == before


BAD_TEXT = {
    "empty": "",
    "blank": "   \n ",
    "4001 characters": "堵" * 4001,
    "a tag": "<b>下水道</b>堵了",
    "a script": "<script>alert(1)</script>",
    "an entity": "下水道&nbsp;堵了",
    "a javascript link": "javascript:alert(1)",
}


@pytest.mark.parametrize("field", ["title", "description"])
@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_bad_text_is_refused_and_nothing_is_saved(field, bad):
    before = _counts()
    with translation.override("en"), pytest.raises(CaseActionError) as refused:
        f.reported_case(**{field: bad})
    assert field.capitalize() in " ".join(refused.value.messages)  # the message names the field
    assert _counts() == before


def test_refused_text_carries_the_bad_input_code():
    with pytest.raises(CaseActionError) as refused:
        f.reported_case(title="<b>下水道</b>堵了")
    assert refused.value.code == "bad_input"


def test_the_longest_allowed_title_and_description_are_kept_whole():
    case = f.reported_case(title="题" * 120, description="述" * 4000)
    case.refresh_from_db()
    assert (len(case.title), len(case.description)) == (120, 4000)
    with pytest.raises(ValidationError):
        f.reported_case(title="题" * 121)


def test_text_with_a_less_than_sign_that_is_not_markup_is_kept():
    case = f.reported_case(description="积水深度 < 5 厘米，但 3<4 层都有异味")
    assert case.description == "积水深度 < 5 厘米，但 3<4 层都有异味"


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(media):
    before = _counts()
    fake = SimpleUploadedFile("drain.jpg", b"%PDF-1.4 not a photo at all", content_type="image/jpeg")
    with pytest.raises(CaseActionError) as refused:
        f.reported_case(photos=[f.jpeg("ok.jpg"), fake])
    assert "drain.jpg" in " ".join(refused.value.messages)  # the message names the file
    assert _counts() == before
    assert _stored_files(media) == []


def test_a_refused_photo_carries_the_bad_photo_code():
    fake = SimpleUploadedFile("drain.jpg", b"GIF89a but not really", content_type="image/gif")
    with pytest.raises(CaseActionError) as refused:
        f.reported_case(photos=[fake])
    assert refused.value.code == "bad_photo"


def test_a_phone_photo_is_stored_without_its_exif_gps_position(media):
    upload = f.jpeg("IMG_0001.jpg", gps=True, size=(320, 240))
    with Image.open(upload) as original:  # the upload really carries a position
        gps = original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    upload.seek(0)

    case = f.reported_case(photos=[upload])

    photo = CasePhoto.objects.get(event__case=case, event__action="report")
    assert (photo.width, photo.height) == (320, 240)
    stored = _stored_files(media)
    assert len(stored) == 1
    with Image.open(stored[0]) as saved:
        assert saved.format == "JPEG"
        assert "exif" not in saved.info
        assert len(saved.getexif()) == 0
        assert saved.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"Exif" not in stored[0].read_bytes()
    assert "IMG_0001" not in photo.image.name  # the file name of the phone is not kept either


# --- Clocks ---------------------------------------------------------------------------------------


def test_the_accept_clock_is_set_at_report_and_the_handle_clock_at_dispatch():
    with time_machine.travel(TUESDAY_9, tick=False) as traveller:
        case = f.reported_case(category_code=f.GARBAGE)  # accept: 1 working hour
        assert case.accept_due_at == shanghai(2026, 9, 29, 10, 0)
        assert case.accept_warn_at == shanghai(2026, 9, 29, 9, 48)
        assert case.handle_due_at is None
        traveller.move_to(shanghai(2026, 9, 29, 9, 30))
        case = f.advance(case, "accept")
        assert case.handle_due_at is None  # the handling clock starts at dispatch (GB/T 30428)
        traveller.move_to(shanghai(2026, 9, 29, 10, 0))
        case = f.advance(case, "dispatch")
    case.refresh_from_db()
    # 1 working day = 7 office hours: 10:00–12:00, 14:00–17:30, then 08:30–10:00 next morning.
    assert case.handle_due_at == shanghai(2026, 9, 30, 10, 0)
    assert case.handle_limit_seconds == 7 * HOUR
    assert case.accept_due_at == shanghai(2026, 9, 29, 10, 0)  # kept, for the accepted-in-time rate


def test_natural_hour_clocks_of_the_drain_category():
    with time_machine.travel(TUESDAY_9, tick=False):
        case = f.case_in(Status.DISPATCHED, category_code=f.DRAIN)
    assert case.accept_due_at == TUESDAY_9 + timedelta(minutes=30)
    assert case.handle_due_at == TUESDAY_9 + timedelta(hours=4)
    assert case.handle_warn_at == TUESDAY_9 + timedelta(hours=3, minutes=12)  # 20% of 4 h left


def _colour_and_filters(case: Case, now) -> tuple[str, bool, bool]:
    case = Case.objects.get(pk=case.pk)
    same = Case.objects.filter(pk=case.pk)
    return case.clock_colour(now), same.near_due(now).exists(), same.overdue(now).exists()


@pytest.mark.parametrize(
    ("after", "colour"),
    [
        (timedelta(hours=1), ClockColour.GREEN),
        (timedelta(hours=3, minutes=11), ClockColour.GREEN),
        (timedelta(hours=3, minutes=12), ClockColour.YELLOW),  # 20% (48 min) left
        (timedelta(hours=3, minutes=50), ClockColour.YELLOW),
        (timedelta(hours=4), ClockColour.YELLOW),  # due, not yet past due
        (timedelta(hours=4, seconds=1), ClockColour.RED),
        (timedelta(days=2), ClockColour.RED),
    ],
)
def test_handle_clock_colours_and_the_queryset_filters_agree(after, colour):
    with time_machine.travel(TUESDAY_9, tick=False) as traveller:
        case = f.case_in(Status.DISPATCHED, category_code=f.DRAIN)
        traveller.move_to(TUESDAY_9 + after)
        got_colour, near_due, overdue = _colour_and_filters(case, None)
        assert got_colour == colour
        # The filters with the default `now` (frozen time) and with an explicit one say the same.
        assert Case.objects.filter(pk=case.pk).near_due().exists() == near_due
        assert Case.objects.filter(pk=case.pk).overdue().exists() == overdue
    assert near_due == (colour == ClockColour.YELLOW)
    assert overdue == (colour == ClockColour.RED)
    assert _colour_and_filters(case, TUESDAY_9 + after) == (got_colour, near_due, overdue)


@pytest.mark.parametrize(
    ("minutes", "colour"), [(10, ClockColour.GREEN), (50, ClockColour.YELLOW), (61, ClockColour.RED)]
)
def test_accept_clock_colours_and_the_queryset_filters_agree(minutes, colour):
    with time_machine.travel(TUESDAY_9, tick=False):
        case = f.reported_case(category_code=f.GARBAGE)  # accept within 1 working hour
    now = TUESDAY_9 + timedelta(minutes=minutes)
    assert _colour_and_filters(case, now) == (colour, colour == ClockColour.YELLOW, colour == ClockColour.RED)


def test_no_clock_runs_while_accepted_handled_or_closed():
    late = TUESDAY_9 + timedelta(days=30)
    with time_machine.travel(TUESDAY_9, tick=False):
        cases = [f.case_in(state) for state in (Status.ACCEPTED, Status.HANDLED, Status.CLOSED)]
    for case in cases:
        assert _colour_and_filters(case, late) == (ClockColour.NONE, False, False)


def test_the_open_and_overdue_filters_combine():
    with time_machine.travel(TUESDAY_9, tick=False):
        late = f.case_in(Status.DISPATCHED, category_code=f.DRAIN)
        on_time = f.case_in(Status.DISPATCHED, category_code=f.GARBAGE)
    now = TUESDAY_9 + timedelta(hours=5)
    overdue = set(Case.objects.open().overdue(now).values_list("pk", flat=True))
    assert late.pk in overdue
    assert on_time.pk not in overdue


def test_a_deadline_chosen_at_dispatch_is_kept_as_chosen():
    chosen = shanghai(2026, 10, 3, 12, 0)  # staff give the unit until noon on 3 October
    with time_machine.travel(shanghai(2026, 9, 30, 15, 0), tick=False):
        case = f.case_in(Status.ACCEPTED, category_code=f.GARBAGE)  # a working-day category
        case = f.advance(case, "dispatch", due_at=chosen)
    case.refresh_from_db()
    assert case.handle_due_at == chosen  # it is 30 September 17:30
    assert case.clock_colour(shanghai(2026, 10, 1, 9, 0)) != ClockColour.RED


def test_a_deadline_chosen_at_dispatch_inside_office_hours_is_kept():
    chosen = shanghai(2026, 10, 8, 11, 0)
    with time_machine.travel(shanghai(2026, 9, 30, 15, 0), tick=False):
        case = f.case_in(Status.ACCEPTED, category_code=f.GARBAGE)
        case = f.advance(case, "dispatch", due_at=chosen)
    assert case.handle_due_at == chosen
    assert case.handle_limit_seconds == 5 * HOUR  # 2.5 h on 30 September, 2.5 h on 8 October


# --- Suspend and resume ---------------------------------------------------------------------------


def test_suspend_stops_the_natural_clock_and_resume_gives_back_the_time_left():
    with time_machine.travel(TUESDAY_9, tick=False) as traveller:
        case = f.case_in(Status.DISPATCHED, category_code=f.DRAIN)  # due 13:00
        traveller.move_to(TUESDAY_9 + timedelta(hours=2))  # 2 h left
        f.advance(case, "suspend")
        case.refresh_from_db()
        assert case.status == Status.SUSPENDED
        assert case.suspended_remaining_seconds == 2 * HOUR
        assert case.clock_colour() == ClockColour.PAUSED

        traveller.shift(timedelta(days=3))  # long past the old deadline
        assert not Case.objects.filter(pk=case.pk).overdue().exists()
        assert case.pk not in selectors.supervision_queue(f.user("commissioner")).values_list("pk", flat=True)
        resumed_at = TUESDAY_9 + timedelta(days=3, hours=2)
        f.advance(case, "resume")
        case.refresh_from_db()
        assert case.clock_colour() == ClockColour.GREEN
    assert case.status == Status.DISPATCHED
    assert case.handle_due_at == resumed_at + timedelta(hours=2)
    assert case.handle_warn_at == resumed_at + timedelta(hours=1, minutes=12)  # 20% of 4 h before due
    assert case.suspended_remaining_seconds is None


def test_suspend_stops_the_working_clock_and_resume_gives_back_the_working_time_left():
    with time_machine.travel(TUESDAY_9, tick=False) as traveller:
        case = f.case_in(Status.DISPATCHED, category_code=f.GARBAGE)  # due Wednesday 09:00
        assert case.handle_due_at == shanghai(2026, 9, 30, 9, 0)
        traveller.move_to(shanghai(2026, 9, 29, 16, 0))  # 1.5 h today + 0.5 h tomorrow left
        f.advance(case, "suspend")
        case.refresh_from_db()
        assert case.suspended_remaining_seconds == 2 * HOUR
        traveller.shift(timedelta(days=3))  # Friday 2 October, National Day holiday
        f.advance(case, "resume")
    case.refresh_from_db()
    resumed_at = shanghai(2026, 10, 2, 16, 0)
    assert workcalendar.between(resumed_at, case.handle_due_at, True) == 2 * HOUR
    assert case.handle_due_at == shanghai(2026, 10, 8, 10, 30)


def test_a_case_suspended_before_dispatch_resumes_without_a_clock():
    case = f.case_in(Status.ACCEPTED)
    f.advance(case, "suspend")
    f.advance(case, "resume")
    case.refresh_from_db()
    assert (case.status, case.handle_due_at) == (Status.ACCEPTED, None)


# --- Rework ---------------------------------------------------------------------------------------


def test_verify_failed_counts_a_rework_and_restarts_the_clock():
    with time_machine.travel(TUESDAY_9, tick=False) as traveller:
        case = f.case_in(Status.HANDLING, category_code=f.DRAIN)
        traveller.move_to(TUESDAY_9 + timedelta(hours=3, minutes=30))
        f.advance(case, "report_result")
        traveller.move_to(TUESDAY_9 + timedelta(hours=5))  # past the first deadline
        f.advance(case, "verify_failed", reason="仍有积水")
        case.refresh_from_db()
        assert case.clock_colour() == ClockColour.GREEN
    assert case.status == Status.DISPATCHED
    assert case.rework_count == 1
    assert case.handle_due_at == TUESDAY_9 + timedelta(hours=9)
    assert case.handling_unit == f.repair_crew()  # back to the same unit
    assert case.events.get(action="verify_failed").data["rework_count"] == 1
    assert case.pk in selectors.supervision_queue(f.user("commissioner")).values_list("pk", flat=True)

    f.advance(case, "start")
    f.advance(case, "report_result")
    f.advance(case, "verify_failed", reason="还是堵")
    case.refresh_from_db()
    assert case.rework_count == 2


def test_the_unit_that_did_the_work_cannot_verify_it():
    case = f.case_in(Status.HANDLED)
    with pytest.raises(CaseActionError) as refused:
        f.advance(case, "verify", actor=f.user("repair_crew"))
    assert refused.value.code == "not_allowed"


# --- Rating and reopening -------------------------------------------------------------------------


def _closed_by_resident(category_code=f.GARBAGE) -> Case:
    return f.case_in(Status.CLOSED, reporter=f.user(f.RESIDENT), category_code=category_code)


@pytest.mark.parametrize("who", ["gridworker", "huayuan_staff", "street", "commissioner", "13900000009"])
def test_only_the_reporter_may_rate(who):
    case = _closed_by_resident()
    actor = f.resident() if who == "13900000009" else f.user(who)
    with pytest.raises(CaseActionError) as refused:
        case_rate(actor=actor, case_id=case.pk, rating=Rating.SATISFIED)
    assert refused.value.code == "not_allowed"
    case.refresh_from_db()
    assert case.rating == ""


def test_the_reporter_rates_once():
    case = _closed_by_resident()
    resident = f.user(f.RESIDENT)
    case_rate(actor=resident, case_id=case.pk, rating=Rating.BASICALLY_SATISFIED, comment="还行")
    case.refresh_from_db()
    assert (case.rating, case.status) == (Rating.BASICALLY_SATISFIED, Status.CLOSED)
    assert case.rated_at is not None
    rate = case.events.get(action="rate")
    assert (rate.data["rating"], rate.note, rate.actor) == (Rating.BASICALLY_SATISFIED, "还行", resident)
    with pytest.raises(CaseActionError) as refused:
        case_rate(actor=resident, case_id=case.pk, rating=Rating.UNSATISFIED)
    assert refused.value.code == "wrong_state"
    case.refresh_from_db()
    assert (case.rating, case.status, case.reopen_count) == (Rating.BASICALLY_SATISFIED, Status.CLOSED, 0)


@pytest.mark.parametrize("state", [Status.REPORTED, Status.DISPATCHED, Status.HANDLED, Status.REJECTED])
def test_only_a_closed_case_can_be_rated(state):
    case = f.case_in(state, reporter=f.user(f.RESIDENT))
    with pytest.raises(CaseActionError) as refused:
        case_rate(actor=f.user(f.RESIDENT), case_id=case.pk, rating=Rating.SATISFIED)
    assert refused.value.code == "wrong_state"
    case.refresh_from_db()
    assert case.rating == ""


def test_a_rating_must_be_one_of_the_three():
    case = _closed_by_resident()
    with pytest.raises(CaseActionError) as refused:
        case_rate(actor=f.user(f.RESIDENT), case_id=case.pk, rating="excellent")
    assert refused.value.code == "bad_input"


@pytest.mark.parametrize(("window", "days_later"), [(7, 6), (7, 7), (10, 9)])
def test_unsatisfied_within_the_window_reopens_the_case(settings, window, days_later):
    settings.HUIZHI_REOPEN_WINDOW_DAYS = window
    with time_machine.travel(TUESDAY_9, tick=False) as traveller:
        case = _closed_by_resident(category_code=f.DRAIN)
        traveller.shift(timedelta(days=days_later))
        rated_at = TUESDAY_9 + timedelta(days=days_later)
        case_rate(actor=f.user(f.RESIDENT), case_id=case.pk, rating=Rating.UNSATISFIED, comment="又堵了")
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert case.reopen_count == 1
    assert case.closed_at is None
    assert case.handling_unit == f.repair_crew()
    assert case.handle_due_at == rated_at + timedelta(hours=4)  # a fresh handling clock
    rate, reopen = case.events.order_by("-id")[:2][::-1]
    assert (rate.action, reopen.action) == ("rate", "reopen")
    assert (reopen.from_status, reopen.to_status, reopen.actor) == (
        Status.CLOSED,
        Status.DISPATCHED,
        f.user(f.RESIDENT),
    )
    assert reopen.note == "又堵了"
    assert case.pk in selectors.supervision_queue(f.user("commissioner")).values_list("pk", flat=True)


@pytest.mark.parametrize(("window", "days_later"), [(7, 8), (3, 4)])
def test_unsatisfied_after_the_window_is_recorded_but_does_not_reopen(settings, window, days_later):
    settings.HUIZHI_REOPEN_WINDOW_DAYS = window
    with time_machine.travel(TUESDAY_9, tick=False) as traveller:
        case = _closed_by_resident()
        traveller.shift(timedelta(days=days_later))
        case_rate(actor=f.user(f.RESIDENT), case_id=case.pk, rating=Rating.UNSATISFIED)
        case.refresh_from_db()
        assert (case.status, case.reopen_count, case.rating) == (Status.CLOSED, 0, Rating.UNSATISFIED)
        assert not case.events.filter(action="reopen").exists()
        # …and staff cannot reopen it by hand either.
        with pytest.raises(CaseActionError) as refused:
            f.advance(case, "reopen")
    assert refused.value.code == "wrong_state"


@pytest.mark.parametrize("rating", [Rating.SATISFIED, Rating.BASICALLY_SATISFIED])
def test_a_satisfied_rating_does_not_reopen(rating):
    case = _closed_by_resident()
    case_rate(actor=f.user(f.RESIDENT), case_id=case.pk, rating=rating)
    case.refresh_from_db()
    assert (case.status, case.reopen_count) == (Status.CLOSED, 0)


def test_the_reporter_reopens_only_by_rating_unsatisfied():
    case = _closed_by_resident()
    resident = f.user(f.RESIDENT)
    case_rate(actor=resident, case_id=case.pk, rating=Rating.SATISFIED)
    with pytest.raises(CaseActionError) as refused:
        f.advance(case, "reopen", actor=resident)
    assert refused.value.code == "not_allowed"
    case.refresh_from_db()
    assert (case.status, case.rating, case.reopen_count) == (Status.CLOSED, Rating.SATISFIED, 0)


def test_a_reopened_case_closed_again_can_be_rated_again():
    case = _closed_by_resident()
    resident = f.user(f.RESIDENT)
    case_rate(actor=resident, case_id=case.pk, rating=Rating.UNSATISFIED)
    for action in ("start", "report_result", "verify"):
        f.advance(case, action)
    case_rate(actor=resident, case_id=case.pk, rating=Rating.SATISFIED)
    case.refresh_from_db()
    assert (case.status, case.rating, case.reopen_count) == (Status.CLOSED, Rating.SATISFIED, 1)


# --- Escalation and merging -----------------------------------------------------------------------


def test_escalation_moves_the_case_to_the_street_which_can_then_act():
    case = f.case_in(Status.ACCEPTED)
    street = f.user("street")
    with pytest.raises(CaseActionError) as refused:
        f.advance(case, "dispatch", actor=street)
    assert refused.value.code == "not_allowed"

    f.advance(case, "escalate")
    case.refresh_from_db()
    assert (case.status, case.level) == (Status.ACCEPTED, Level.STREET)
    escalate = case.events.get(action="escalate")
    assert (escalate.from_status, escalate.to_status) == (Status.ACCEPTED, Status.ACCEPTED)

    f.advance(case, "dispatch", actor=street, unit=f.city_bureau())
    case.refresh_from_db()
    assert (case.status, case.handling_unit) == (Status.DISPATCHED, f.city_bureau())


def test_merging_a_duplicate_closes_it_into_the_open_case():
    original = f.reported_case(title="11栋下水道堵塞")
    duplicate = f.reported_case(title="11栋污水外溢")
    f.advance(duplicate, "merge", merged_into=original)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED
    assert duplicate.merged_into == original
    assert duplicate.outcome == Outcome.DUPLICATE
    assert not duplicate.is_open
    assert duplicate.events.get(action="merge").data["merged_into"] == original.pk
    open_ids = set(Case.objects.open().values_list("pk", flat=True))
    assert original.pk in open_ids and duplicate.pk not in open_ids
    original.refresh_from_db()
    assert original.status == Status.REPORTED


# --- Routing --------------------------------------------------------------------------------------


def _community_of(place: Place) -> Place:
    return Place.objects.get(code=place.ancestor_code(PlaceKind.COMMUNITY))


def test_a_drain_in_a_compound_without_a_property_company_goes_to_the_community_repair_crew():
    building = f.building_11()
    assert building.parent.has_property_company is False
    assert default_unit(f.category(f.DRAIN), building, _community_of(building)) == f.repair_crew()


def test_community_affairs_in_a_compound_with_a_property_company_go_to_that_company():
    compound = f.compound_with_property()
    building = compound.children.order_by("code").first()
    for where in (compound, building):
        unit = default_unit(f.category(f.DRAIN), where, _community_of(where))
        assert unit == compound.property_company


def test_a_facility_goes_to_the_city_management_bureau_wherever_it_is():
    manhole = f.category("0601")  # 污水井盖, class 06 公共设施
    for where in (f.building_11(), f.compound_with_property(), f.place(f.GRIDWORKER_GRID)):
        assert default_unit(manhole, where, _community_of(where)) == f.city_bureau()


def test_other_categories_fall_back_to_the_community_repair_crew_of_the_place():
    compound = f.compound_with_property()
    community = _community_of(compound)
    crew = Organisation.objects.get(name=f"{community.name}红色汇治维修队")
    assert default_unit(f.category(f.GARBAGE), compound, community) == crew


def test_home_care_requests_go_to_the_care_operator():
    unit = default_unit(f.category("1101"), f.building_11(), _community_of(f.building_11()))
    assert unit.name.startswith("颐康养老")


# --- Recurring problems ---------------------------------------------------------------------------


def _report_at(moment, building_no: int) -> Case:
    building = Place.objects.get(parent__code=f.YANGTIAN, name=f"{building_no}栋")
    with time_machine.travel(moment, tick=False):
        return f.reported_case(category_code=f.GARBAGE, where=building)


def _recurring_at(moment) -> list[tuple[str, str, int]]:
    with time_machine.travel(moment, tick=False):
        problems = selectors.recurring_problems(f.user("huayuan_staff"))
    return [(p.compound.code, p.category.code, p.count) for p in problems]


T0 = shanghai(2026, 3, 2, 10, 0)


def test_three_cases_of_one_subclass_in_one_compound_within_90_days_recur():
    first = _report_at(T0, 3)
    second = _report_at(T0 + timedelta(days=30), 5)
    third = _report_at(T0 + timedelta(days=85), 3)
    assert selectors.is_recurring(third)
    assert not selectors.is_recurring(first)
    assert not selectors.is_recurring(second)
    assert (f.YANGTIAN, f.GARBAGE, 3) in _recurring_at(T0 + timedelta(days=85))
    # Not listed for a community that is not the viewer's.
    with time_machine.travel(T0 + timedelta(days=85), tick=False):
        assert selectors.recurring_problems(f.user("fenghuang_staff")) == []


def test_two_cases_do_not_recur():
    _report_at(T0, 3)
    second = _report_at(T0 + timedelta(days=10), 4)
    assert not selectors.is_recurring(second)
    assert all(code != f.GARBAGE for _compound, code, _n in _recurring_at(T0 + timedelta(days=10)))


def test_a_case_100_days_after_three_others_does_not_recur_on_its_own():
    for days in (0, 5, 10):
        _report_at(T0 + timedelta(days=days), 3)
    late = _report_at(T0 + timedelta(days=110), 3)
    assert not selectors.is_recurring(late)
    assert all(code != f.GARBAGE for _compound, code, _n in _recurring_at(T0 + timedelta(days=110)))


def test_another_subclass_or_another_compound_does_not_add_up():
    _report_at(T0, 3)
    _report_at(T0 + timedelta(days=1), 3)
    other_compound = Place.objects.filter(kind=PlaceKind.BUILDING, code__startswith=f.HUAYUAN).exclude(
        code__startswith=f.YANGTIAN
    )[0]
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        elsewhere = f.reported_case(category_code=f.GARBAGE, where=other_compound)
        other_subclass = f.reported_case(category_code="0103", where=f.building_11())
    assert not selectors.is_recurring(elsewhere)
    assert not selectors.is_recurring(other_subclass)


def test_a_merged_duplicate_does_not_count_towards_recurrence():
    first = _report_at(T0, 3)
    duplicate = _report_at(T0 + timedelta(days=1), 3)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        f.advance(duplicate, "merge", merged_into=first)
    third = _report_at(T0 + timedelta(days=2), 3)
    assert not selectors.is_recurring(third)


# --- Supervision (督办) ---------------------------------------------------------------------------


def _notice(case: Case, **kwargs) -> SupervisionNotice:
    from django.utils import timezone

    return supervision_notice_issue(
        actor=kwargs.pop("actor", f.user("commissioner")),
        case_id=case.pk,
        requirement=kwargs.pop("requirement", "请立即组织疏通，处置后反馈。"),
        reply_due_at=kwargs.pop("reply_due_at", timezone.now() + timedelta(hours=1)),
    )


@pytest.mark.parametrize("state", [Status.DISPATCHED, Status.HANDLING, Status.HANDLED])
def test_the_commissioner_issues_a_notice_to_the_unit_without_touching_the_case(state):
    case = f.case_in(state)
    before = Case.objects.values("status", "version", "level", "handling_unit").get(pk=case.pk)
    commissioner = f.user("commissioner")

    notice = _notice(case)

    assert notice.unit == f.repair_crew()
    assert notice.issued_by == commissioner
    assert Case.objects.values("status", "version", "level", "handling_unit").get(pk=case.pk) == before
    event = case.events.latest("id")
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "supervise",
        commissioner,
        state,
        state,
    )
    assert event.note == "请立即组织疏通，处置后反馈。"
    assert event.data["notice"] == notice.pk


def test_the_unit_answers_a_notice_once():
    case = f.case_in(Status.DISPATCHED)
    notice = _notice(case)
    version = Case.objects.get(pk=case.pk).version
    crew = f.user("repair_crew")
    with pytest.raises(CaseActionError) as refused:
        supervision_notice_answer(actor=f.user("care_operator"), notice_id=notice.pk, reply="不是我们")
    assert refused.value.code == "not_allowed"

    answered = supervision_notice_answer(actor=crew, notice_id=notice.pk, reply="维修人员已赶赴现场。")
    assert answered.is_answered
    assert (answered.reply, answered.replied_by) == ("维修人员已赶赴现场。", crew)
    event = case.events.latest("id")
    assert (event.action, event.actor, event.data["notice"]) == ("supervision_reply", crew, notice.pk)

    with pytest.raises(CaseActionError) as again:
        supervision_notice_answer(actor=crew, notice_id=notice.pk, reply="再答一次")
    assert again.value.code == "not_allowed"
    notice.refresh_from_db()
    assert notice.reply == "维修人员已赶赴现场。"
    assert Case.objects.get(pk=case.pk).version == version


@pytest.mark.parametrize("who", ["huayuan_staff", "street", "gridworker", "repair_crew", f.RESIDENT])
def test_only_the_commissioner_issues_notices(who):
    case = f.case_in(Status.DISPATCHED)
    with pytest.raises(CaseActionError) as refused:
        _notice(case, actor=f.user(who))
    assert refused.value.code == "not_allowed"
    assert not SupervisionNotice.objects.filter(case=case).exists()


@pytest.mark.parametrize("state", [Status.ACCEPTED, Status.CLOSED, Status.REJECTED])
def test_a_notice_needs_an_open_case_with_a_handling_unit(state):
    case = f.case_in(state)
    with pytest.raises(CaseActionError) as refused:
        _notice(case)
    assert refused.value.code == "not_allowed"


def test_a_notice_needs_a_reply_deadline_in_the_future_and_a_plain_requirement():
    from django.utils import timezone

    case = f.case_in(Status.DISPATCHED)
    with pytest.raises(CaseActionError) as refused:
        _notice(case, reply_due_at=timezone.now() - timedelta(minutes=1))
    assert refused.value.code == "bad_input"
    with pytest.raises(ValidationError):
        _notice(case, requirement="<a href='http://spam'>点击</a>")
    assert not SupervisionNotice.objects.filter(case=case).exists()


def _supervision_ids(ids) -> list[int]:
    return [
        pk
        for pk in selectors.supervision_queue(f.user("commissioner")).values_list("pk", flat=True)
        if pk in ids
    ]


def test_the_supervision_queue_lists_late_near_due_and_troubled_cases_only():
    with time_machine.travel(TUESDAY_9, tick=False) as traveller:
        late = f.case_in(Status.DISPATCHED, category_code=f.DRAIN)  # due 13:00
        near = f.case_in(Status.HANDLING, category_code=f.GARBAGE)  # due Wednesday 09:00
        closed = f.case_in(Status.CLOSED, category_code=f.DRAIN)
        traveller.move_to(shanghai(2026, 9, 29, 12, 0))
        in_time = f.case_in(Status.DISPATCHED, category_code=f.GARBAGE)  # due Wednesday 12:00
        reworked = f.case_in(Status.HANDLED, category_code=f.GARBAGE)
        f.advance(reworked, "verify_failed")  # a fresh clock, but reworked
        ids = {late.pk, near.pk, in_time.pk, closed.pk, reworked.pk}
        traveller.move_to(shanghai(2026, 9, 29, 12, 30))  # 30 min before `late` is due
        assert set(_supervision_ids(ids)) == {late.pk, reworked.pk}
        traveller.move_to(shanghai(2026, 9, 30, 8, 0))  # 30 min (of 7 h) left for `near`
        assert set(_supervision_ids(ids)) == {late.pk, near.pk, reworked.pk}


def test_the_supervision_queue_lists_the_most_urgent_deadline_first():
    with time_machine.travel(TUESDAY_9, tick=False) as traveller:
        handle_1300 = f.case_in(Status.DISPATCHED, category_code=f.DRAIN)  # 4 h: due 13:00
        traveller.move_to(shanghai(2026, 9, 29, 9, 40))
        handle_1340 = f.case_in(Status.DISPATCHED, category_code=f.DRAIN)  # due 13:40
        traveller.move_to(shanghai(2026, 9, 29, 13, 0))
        accept_1330 = f.reported_case(category_code=f.DRAIN)  # 30 min to accept: due 13:30
        traveller.move_to(shanghai(2026, 9, 29, 13, 20))
        accept_1350 = f.reported_case(category_code=f.DRAIN)  # due 13:50
        traveller.move_to(shanghai(2026, 9, 29, 14, 0))  # every one of them overdue
        expected = [handle_1300.pk, accept_1330.pk, handle_1340.pk, accept_1350.pk]
        assert _supervision_ids(set(expected)) == expected


# The commissioner can never take any transition: in a state each action starts from, refused.
START_STATE = {
    "accept": Status.REPORTED,
    "reject": Status.REPORTED,
    "merge": Status.REPORTED,
    "dispatch": Status.ACCEPTED,
    "start": Status.DISPATCHED,
    "return": Status.DISPATCHED,
    "report_result": Status.HANDLING,
    "verify": Status.HANDLED,
    "verify_failed": Status.HANDLED,
    "escalate": Status.DISPATCHED,
    "suspend": Status.HANDLING,
    "resume": Status.SUSPENDED,
    "reopen": Status.CLOSED,
}


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_the_commissioner_can_never_take_a_transition(action):
    case = f.case_in(START_STATE[action])
    commissioner = f.user("commissioner")
    inputs = f.inputs_for(action, case, commissioner)
    before = Case.objects.values("status", "version", "level").get(pk=case.pk)
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(CaseActionError) as refused:
        case_transition(actor=commissioner, case_id=case.pk, action=action, **inputs)
    assert refused.value.code == "not_allowed"
    assert Case.objects.values("status", "version", "level").get(pk=case.pk) == before
    assert CaseEvent.objects.filter(case=case).count() == events


def test_the_commissioner_sees_the_case_and_its_timeline():
    from huizhi.cases.permissions import cases_visible_to, get_case_for_user

    case = f.case_in(Status.DISPATCHED)
    commissioner = f.user("commissioner")
    assert get_case_for_user(commissioner, case.pk) == case
    assert cases_visible_to(f.user("fenghuang_staff")).filter(pk=case.pk).exists() is False


# --- Notifications --------------------------------------------------------------------------------


def _inbox(user) -> int:
    return Notification.objects.filter(user=user).count()


def test_the_reporter_is_told_of_every_state_change_and_the_actor_is_not(django_capture_on_commit_callbacks):
    resident = f.user(f.RESIDENT)
    people = {name: f.user(name) for name in ("huayuan_staff", "repair_crew", "gridworker")}
    before = _inbox(resident)  # the demo resident already has news of their wall posts
    with django_capture_on_commit_callbacks(execute=True):
        case = f.reported_case(reporter=resident)
    assert _inbox(resident) == before  # they reported it themselves
    assert Notification.objects.filter(user=people["huayuan_staff"], case=case).count() == 1

    steps = [
        ("accept", "huayuan_staff"),
        ("dispatch", "huayuan_staff"),
        ("start", "repair_crew"),
        ("report_result", "repair_crew"),
        ("verify", "gridworker"),
    ]
    for action, actor in steps:
        resident_before, actor_before = _inbox(resident), _inbox(people[actor])
        with django_capture_on_commit_callbacks(execute=True):
            f.advance(case, action, actor=people[actor])
        assert _inbox(resident) == resident_before + 1, action
        assert _inbox(people[actor]) == actor_before, action
    latest = Notification.objects.filter(user=resident).first()
    assert latest.case == case
    assert case.reference in latest.text


def test_the_audience_of_an_action_hears_of_it_but_not_the_actor(django_capture_on_commit_callbacks):
    case = f.case_in(Status.DISPATCHED, reporter=f.user(f.RESIDENT))
    crew, staff, gridworker = f.user("repair_crew"), f.user("huayuan_staff"), f.user("gridworker")
    f.advance(case, "start")
    before = {u.username: _inbox(u) for u in (crew, staff, gridworker)}
    with django_capture_on_commit_callbacks(execute=True):
        f.advance(case, "report_result", actor=crew)
    after = {u.username: _inbox(u) for u in (crew, staff, gridworker)}
    assert after == {
        "repair_crew": before["repair_crew"],
        "huayuan_staff": before["huayuan_staff"] + 1,
        "gridworker": before["gridworker"] + 1,
    }


def test_a_reporter_acting_themselves_is_not_told(django_capture_on_commit_callbacks):
    resident, staff = f.user(f.RESIDENT), f.user("huayuan_staff")
    case = _closed_by_resident()
    resident_before, staff_before = _inbox(resident), _inbox(staff)
    with django_capture_on_commit_callbacks(execute=True):
        case_rate(actor=resident, case_id=case.pk, rating=Rating.UNSATISFIED, comment="没修好")
    assert _inbox(resident) == resident_before
    assert _inbox(staff) == staff_before + 2  # the rating and the reopening


def test_nobody_is_told_of_a_refused_transition(django_capture_on_commit_callbacks):
    case = f.case_in(Status.REPORTED, reporter=f.user(f.RESIDENT))
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(CaseActionError):
        f.advance(case, "accept", actor=f.user("fenghuang_staff"))
    assert callbacks == []
    assert Notification.objects.count() == before


def test_the_reporter_gets_a_text_message_through_the_sms_backend(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    monkeypatch.setattr(MemorySmsBackend, "outbox", [])
    resident = f.user(f.RESIDENT)
    with django_capture_on_commit_callbacks(execute=True):
        case = f.reported_case(reporter=resident)
    assert MemorySmsBackend.outbox == []  # not told of their own report

    with django_capture_on_commit_callbacks(execute=True):
        f.advance(case, "accept")
    assert len(MemorySmsBackend.outbox) == 1
    mobile, text = MemorySmsBackend.outbox[0]
    assert mobile == "13900000002"
    assert case.reference in text
    assert text == Notification.objects.filter(user=resident).first().text

    with django_capture_on_commit_callbacks(execute=True):
        f.advance(case, "dispatch")
    assert [m for m, _t in MemorySmsBackend.outbox] == ["13900000002", "13900000002"]


def test_a_reporter_without_a_mobile_gets_no_text(settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    monkeypatch.setattr(MemorySmsBackend, "outbox", [])
    case = f.reported_case(reporter=f.user("gridworker"))
    with django_capture_on_commit_callbacks(execute=True):
        f.advance(case, "accept")
    assert MemorySmsBackend.outbox == []
    assert Notification.objects.filter(user=f.user("gridworker"), case=case).count() == 1
