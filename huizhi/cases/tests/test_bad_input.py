"""Input the fuzz sweep (huizhi/core/tests/test_fuzz.py) found giving a 500 on the case pages,
refused now with a message: deadlines beyond what the working calendar counts to, and a `next`
that is not a path.

Driven as a browser sends the forms, asking for English (the new messages are translated by the
lead; the reasons stay comparable).
"""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.cases.models import Case, SupervisionNotice
from huizhi.cases.services import CaseActionError, case_transition, supervision_notice_issue
from huizhi.cases.states import Status
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

TOO_FAR = "The deadline must be within ten years from now."
REPLY_TOO_FAR = "The reply deadline must be within ten years from now."


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def dispatch_on_the_page(client, case: Case, due_at: str):
    client.force_login(f.user("huayuan_staff"))
    return client.post(
        reverse("cases:act", args=[case.pk]),
        {"action": "dispatch", "version": case.version, "unit": f.repair_crew().pk, "due_at": due_at},
    )


@pytest.mark.parametrize(
    "due_at",
    [
        "9999-12-31T23:59",  # what the page's date-time field sends
        "9999-12-31T23:59:59-12:00",  # past the end of year 9999 once in Shanghai time
        "2200-01-01T09:00",  # within the years the product takes, but no calendar reaches it
    ],
)
def test_a_dispatch_deadline_beyond_ten_years_is_refused_with_the_reason(client, due_at):
    case = f.case_in(Status.ACCEPTED)

    response = dispatch_on_the_page(client, case, due_at)

    assert response.status_code == 400
    assert TOO_FAR in response.content.decode()
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.version, fresh.handling_unit_id) == (Status.ACCEPTED, case.version, None)


def test_a_dispatch_deadline_within_ten_years_is_kept(client):
    case = f.case_in(Status.ACCEPTED)
    due = timezone.localtime() + timedelta(days=365 * 9)

    response = dispatch_on_the_page(client, case, due.strftime("%Y-%m-%dT%H:%M"))

    assert response.status_code == 302
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.DISPATCHED
    assert timezone.localtime(fresh.handle_due_at).date() == due.date()


def test_the_service_refuses_the_far_deadline_whoever_calls_it():
    """The REST API calls the same service: the rule is there, not in the page."""
    case = f.case_in(Status.ACCEPTED)
    far = datetime.fromisoformat("9999-12-31T23:59:59-12:00")

    with pytest.raises(CaseActionError) as refused:
        case_transition(
            actor=f.user("huayuan_staff"),
            case_id=case.pk,
            action="dispatch",
            unit=f.repair_crew(),
            due_at=far,
        )
    assert refused.value.code == "bad_input"


@pytest.mark.parametrize("reply_due_at", ["9999-12-31T23:59", "9999-12-31T23:59:59-12:00"])
def test_a_supervision_reply_deadline_beyond_ten_years_is_refused(client, reply_due_at):
    case = f.case_in(Status.DISPATCHED)
    client.force_login(f.user("commissioner"))

    response = client.post(
        reverse("cases:supervise", args=[case.pk]),
        {"requirement": "请立即组织清运并反馈。", "reply_due_at": reply_due_at},
    )

    assert response.status_code == 400  # the form again, with the reason beside it
    assert REPLY_TOO_FAR in response.content.decode()
    assert not SupervisionNotice.objects.filter(case=case).exists()


def test_a_supervision_reply_deadline_within_ten_years_is_issued():
    case = f.case_in(Status.DISPATCHED)
    notice = supervision_notice_issue(
        actor=f.user("commissioner"),
        case_id=case.pk,
        requirement="请立即组织清运并反馈。",
        reply_due_at=timezone.now() + timedelta(days=365 * 9),
    )
    assert notice.pk


@pytest.mark.parametrize("given", ["测试", "' OR 1=1 --", "javascript:alert(1)", "//evil.example/"])
def test_rating_with_a_next_that_is_not_a_path_goes_back_to_the_case(client, given):
    case = f.case_in(Status.CLOSED)
    client.force_login(case.reporter)

    response = client.post(reverse("cases:rate", args=[case.pk]), {"rating": "satisfied", "next": given})

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])


def test_rating_with_a_path_of_the_site_goes_there(client):
    case = f.case_in(Status.CLOSED)
    client.force_login(case.reporter)

    response = client.post(
        reverse("cases:rate", args=[case.pk]), {"rating": "satisfied", "next": "/wall/mine/"}
    )

    assert response["Location"] == "/wall/mine/"
