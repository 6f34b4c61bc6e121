"""Deadlines set by hand offer presets in working time (1 working hour, 4 working hours, 1 and 3
working days), counted when the form is sent, unless a date is typed; accepting a case with a unit chosen dispatches it in
the same step; a form sent with a mistake comes back with the reason beside the field."""

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.cases.models import Case, SupervisionNotice
from huizhi.cases.states import Status
from huizhi.cases.tests.test_views import act, crew, dispatched, html, login, report
from huizhi.cases.workcalendar import add, preset_deadline, working_day_seconds

pytestmark = pytest.mark.django_db


def test_a_preset_is_counted_in_working_time():
    tz = timezone.get_current_timezone()
    friday_evening = datetime(
        2026, 12, 4, 17, 30, tzinfo=tz
    )  # a Friday, half an hour before the office closes
    # One working hour: 30 minutes on Friday, 30 on Monday morning; never Saturday.
    one_hour = preset_deadline("1h", friday_evening)
    assert timezone.localtime(one_hour).weekday() == 0
    assert one_hour == add(friday_evening, 3600, working=True)
    assert preset_deadline("1d", friday_evening) == add(friday_evening, working_day_seconds(), working=True)
    assert preset_deadline("3d", friday_evening) > preset_deadline("1d", friday_evening)


def test_dispatch_with_a_preset_sets_the_deadline_in_working_time(client):
    case = report()
    login(client, "huayuan_staff")
    assert act(client, case, "accept").status_code == 302
    before = timezone.now()
    response = act(client, case, "dispatch", unit=crew().pk, due_preset="4h")
    after = timezone.now()
    assert response.status_code == 302
    due = Case.objects.get(pk=case.pk).handle_due_at
    assert add(before, 4 * 3600, working=True) <= due <= add(after, 4 * 3600, working=True)


def test_a_date_typed_wins_over_the_preset_and_a_bad_one_is_named_beside_its_field(client):
    case = report()
    login(client, "huayuan_staff")
    act(client, case, "accept")
    response = act(client, case, "dispatch", unit=crew().pk, due_preset="1h", due_at="2026-02-30T10:00")
    assert response.status_code == 400
    page = html(response)
    assert 'class="error field-error" id="id_due_at_error"' in page and 'aria-invalid="true"' in page
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    typed = (timezone.localtime() + timedelta(days=5)).replace(second=0, microsecond=0)
    response = act(
        client, case, "dispatch", unit=crew().pk, due_preset="1h", due_at=typed.strftime("%Y-%m-%dT%H:%M")
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).handle_due_at == typed


def test_accepting_with_a_unit_chosen_dispatches_in_one_step(client):
    case = report()
    login(client, "huayuan_staff")
    response = act(client, case, "accept", note="属实", unit=crew().pk, due_preset="1d")
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.DISPATCHED and case.handling_unit == crew()
    assert list(case.events.order_by("id").values_list("action", flat=True))[-2:] == ["accept", "dispatch"]
    # Without a unit, accepting only accepts; the rule's suggestion is listed first, not chosen.
    other = report(title="扬天小区11栋楼道灯不亮")
    page = html(client.get(reverse("cases:detail", args=[other.pk])))
    accept_block = page.split('data-action="accept"')[1].split("</details>")[0]
    units = accept_block.split('name="unit"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d*)"[^>]*selected', units) == [""]
    assert act(client, other, "accept").status_code == 302
    assert Case.objects.get(pk=other.pk).status == Status.ACCEPTED


def test_accept_and_dispatch_is_refused_whole_when_the_dispatch_is(client):
    case = report()
    login(client, "huayuan_staff")
    # A deadline already past: the dispatch refuses it, and the accept is not kept either.
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = act(client, case, "accept", unit=crew().pk, due_at=past)
    assert response.status_code in (400, 409)
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_a_supervision_notice_takes_a_preset(client):
    case = dispatched(report())
    login(client, "commissioner")
    before = timezone.now()
    response = client.post(
        reverse("cases:supervise", args=[case.pk]), {"requirement": "请立即清运。", "reply_preset": "1d"}
    )
    assert response.status_code == 302
    notice = SupervisionNotice.objects.get(case=case)
    assert notice.reply_due_at >= add(before, working_day_seconds(), working=True)
    # The form offers the presets, one working day chosen to begin with.
    other = dispatched(report(title="扬天小区11栋楼道灯不亮"))
    page = html(client.get(reverse("cases:detail", args=[other.pk])))
    assert re.findall(r'<input type="radio" name="reply_preset" value="(\w+)"[^>]*checked', page) == ["1d"]


def test_a_deadline_without_a_unit_is_refused_not_dropped(client):
    # Found from outside: accepting with a preset but no unit said "done" and kept no deadline.
    case = report()
    login(client, "huayuan_staff")
    response = act(client, case, "accept", due_preset="1h")
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED
