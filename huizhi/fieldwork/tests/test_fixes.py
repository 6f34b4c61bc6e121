"""Fixing on the spot: a closed case of the patrol source, through the case services, without
dispatch; refused input saves nothing; staff spot-check a sample."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huizhi.cases.models import Case, CaseEvent, CasePhoto, Notification
from huizhi.cases.services.onspot import case_fix_on_spot
from huizhi.cases.states import Action, Outcome, Source, Status
from huizhi.core.models import AuditEntry
from huizhi.fieldwork import selectors
from huizhi.fieldwork.models import SpotFix
from huizhi.fieldwork.services import FieldworkError, fixes, patrol_start, spot_check_record, spot_fix_file
from huizhi.fieldwork.tests.conftest import jpeg

pytestmark = pytest.mark.no_demo


def _fix(world, **given):
    arguments = {
        "actor": world.gridworker,
        "category": world.category,
        "title": "单元门闭门器脱落",
        "description": "3单元门闭门器脱落，门无法关闭。",
        "done": "现场重新固定闭门器，门已能正常关闭。",
        "place": world.building,
        "photos_before": [jpeg("before.jpg")],
        "photos_after": [jpeg("after.jpg", colour=(20, 160, 60))],
    }
    return spot_fix_file(**(arguments | given))


def _counts():
    return Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count(), SpotFix.objects.count()


def test_a_fix_on_the_spot_is_a_closed_patrol_case_without_dispatch(world):
    patrol = patrol_start(actor=world.gridworker)
    fix = _fix(world)
    case = Case.objects.get(pk=fix.case_id)
    assert case.source == Source.PATROL and case.status == Status.CLOSED and case.outcome == Outcome.FIXED
    assert case.closed_at is not None and case.handling_unit is None and case.reporter == world.gridworker
    events = list(case.events.order_by("id"))
    assert [e.action for e in events] == [Action.REPORT, Action.VERIFY]
    assert events[1].data["on_spot"] is True and events[1].note.startswith("现场重新固定")
    assert [e.photos.count() for e in events] == [1, 1]  # before on the report, after on the close
    assert fix.patrol == patrol and fix.place_code == world.building.code
    assert selectors.reports_during([patrol])[patrol.pk] == [case]


@pytest.mark.parametrize("who", ["other_worker", "staff", "street_admin", "resident", "crew_member"])
def test_only_the_grid_worker_of_the_place_fixes_on_the_spot(world, who):
    before = _counts()
    with pytest.raises(FieldworkError) as refused:
        _fix(world, actor=getattr(world, who))
    assert refused.value.code == "not_allowed"
    assert _counts() == before


@pytest.mark.parametrize(
    "given, field",
    [
        ({"photos_after": []}, "photos_after"),
        ({"photos_before": []}, "photos_before"),
        (
            {"photos_after": [SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")]},
            "photos",
        ),
        ({"photos_before": [SimpleUploadedFile("x.jpg", b"GIF89a" + b"\x00" * 10)]}, "photos"),
        ({"done": ""}, None),
        ({"title": "x" * 121}, None),
        ({"description": "<script>alert(1)</script>"}, None),
    ],
)
def test_refused_input_saves_nothing(world, given, field):
    before = _counts()
    with pytest.raises(FieldworkError) as refused:
        _fix(world, **given)
    if field:
        assert refused.value.field == field
    assert _counts() == before


def test_the_case_service_refuses_a_place_outside_the_workers_grids(world):
    from huizhi.cases.errors import CaseActionError

    before = _counts()
    with pytest.raises(CaseActionError):
        case_fix_on_spot(
            actor=world.gridworker,
            category=world.category,
            title="t",
            description="d",
            done="done",
            place=world.other_building,
            photos_before=[jpeg()],
            photos_after=[jpeg()],
        )
    assert _counts() == before


def test_a_sample_is_drawn_when_filed(world, monkeypatch):
    monkeypatch.setattr(fixes, "SAMPLE_PERCENT", 100)
    assert _fix(world).in_sample
    monkeypatch.setattr(fixes, "SAMPLE_PERCENT", 0)
    assert not _fix(world).in_sample


def _check_entries(fix):
    """The audit entries of checks of this fix (the demo street has its own)."""
    return AuditEntry.objects.filter(
        action="fieldwork.spotfix.check", target__startswith=f"{SpotFix._meta.label}:{fix.pk} "
    )


def test_staff_over_the_place_record_a_spot_check_once(world):
    fix = _fix(world)
    checked = spot_check_record(actor=world.staff, fix_id=fix.pk, result="ok")
    assert checked.check_result == "ok" and checked.checked_at is not None
    assert _check_entries(fix).filter(actor=world.staff).count() == 1
    with pytest.raises(FieldworkError) as refused:
        spot_check_record(actor=world.staff, fix_id=fix.pk, result="not_ok", note="again")
    assert refused.value.code == "already"
    assert _check_entries(fix).count() == 1


def test_street_leadership_reads_spot_checks_but_does_not_record_them(world):
    """DESIGN §2: street leadership is read-only; the community's staff check their own fixes."""
    fix = _fix(world)
    with pytest.raises(FieldworkError) as refused:
        spot_check_record(actor=world.street_admin, fix_id=fix.pk, result="ok")
    assert refused.value.code == "not_allowed"
    fix.refresh_from_db()
    assert fix.check_result == "" and fix.checked_at is None and fix.checked_by is None
    assert not _check_entries(fix).exists()
    # Still unchecked, so the community's staff can check it.
    assert spot_check_record(actor=world.staff, fix_id=fix.pk, result="ok").checked_by == world.staff


@pytest.mark.parametrize("who", ["gridworker", "other_worker", "commissioner", "other_staff", "resident"])
def test_others_cannot_record_a_spot_check(world, who):
    fix = _fix(world)
    with pytest.raises(FieldworkError) as refused:
        spot_check_record(actor=getattr(world, who), fix_id=fix.pk, result="ok")
    assert refused.value.code == "not_allowed"
    fix.refresh_from_db()
    assert fix.check_result == "" and fix.checked_at is None
    assert not _check_entries(fix).exists()


def test_not_fixed_needs_a_note_and_tells_the_worker(world):
    fix = _fix(world)
    with pytest.raises(FieldworkError) as refused:
        spot_check_record(actor=world.staff, fix_id=fix.pk, result="not_ok")
    assert refused.value.field == "note"
    with pytest.raises(FieldworkError):
        spot_check_record(actor=world.staff, fix_id=fix.pk, result="maybe")
    spot_check_record(actor=world.staff, fix_id=fix.pk, result="not_ok", note="闭门器仍松动")
    line = Notification.objects.get(user=world.gridworker, case_id=fix.case_id)
    assert "闭门器仍松动" in line.text
