"""A report sent twice files one case (issue 18's offline queue, issue 20's "never file a case
twice"): the page's one-time key is stored with the case in the case's transaction."""

import pytest
from django.urls import reverse

from huizhi.cases.models import Case, ReportSubmission
from huizhi.cases.services import CaseActionError, case_report, case_report_once
from huizhi.cases.states import Source
from tests.factories import small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]
KEY = "0123456789abcdef0123456789abcdef"


def _report(world, title="楼道灯不亮"):
    return lambda: case_report(
        actor=world.gridworker,
        category=world.category,
        title=title,
        description="二单元楼道灯坏了。",
        source=Source.PATROL,
        place=world.building,
    )


def test_the_same_key_files_once_and_answers_with_the_first_case():
    world = small_street()
    first, filed = case_report_once(actor=world.gridworker, key=KEY, report=_report(world))
    again, filed_again = case_report_once(actor=world.gridworker, key=KEY, report=_report(world, "别的标题"))
    assert (filed, filed_again) == (True, False)
    assert again == first
    assert Case.objects.filter(reporter=world.gridworker).count() == 1


def test_another_key_or_another_person_files_another_case():
    world = small_street()
    case_report_once(actor=world.gridworker, key=KEY, report=_report(world))
    other, filed = case_report_once(actor=world.gridworker, key=KEY[::-1], report=_report(world))
    assert filed
    staff_report = lambda: case_report(  # noqa: E731 — the same report by another person
        actor=world.staff,
        category=world.category,
        title="楼道灯不亮",
        description="坏了。",
        source=Source.PATROL,
        place=world.building,
    )
    by_staff, filed_by_staff = case_report_once(actor=world.staff, key=KEY, report=staff_report)
    assert filed_by_staff and by_staff != other
    assert ReportSubmission.objects.filter(key=KEY).count() == 2


@pytest.mark.parametrize("key", ["", "short", "x" * 65, "0123456789abcdef\x00", "0123456789abcdef<script>"])
def test_a_key_of_the_wrong_shape_is_refused_and_files_nothing(key):
    world = small_street()
    with pytest.raises(CaseActionError):
        case_report_once(actor=world.gridworker, key=key, report=_report(world))
    assert not Case.objects.filter(reporter=world.gridworker).exists()


def test_a_refused_report_leaves_no_key_behind_so_the_mended_one_files():
    world = small_street()
    with pytest.raises(CaseActionError):
        case_report_once(actor=world.gridworker, key=KEY, report=_report(world, title="<script>x</script>"))
    assert not ReportSubmission.objects.filter(key=KEY).exists()
    case, filed = case_report_once(actor=world.gridworker, key=KEY, report=_report(world))
    assert filed and case.title == "楼道灯不亮"


def test_the_report_page_posted_twice_with_its_key_opens_one_case(client):
    world = small_street()
    client.force_login(world.gridworker)
    form = {
        "category": world.category.pk,
        "title": "井盖松动",
        "description": "东门井盖踩上去晃。",
        "place": world.building.pk,
        "submission": KEY,
    }
    first = client.post(reverse("cases:report_phone"), form)
    second = client.post(reverse("cases:report_phone"), form)
    case = Case.objects.get(reporter=world.gridworker)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("cases:detail", args=[case.pk])


def test_without_a_key_the_page_files_as_before(client):
    world = small_street()
    client.force_login(world.gridworker)
    form = {
        "category": world.category.pk,
        "title": "井盖松动",
        "description": "晃。",
        "place": world.building.pk,
    }
    client.post(reverse("cases:report_phone"), form)
    client.post(reverse("cases:report_phone"), form)
    assert Case.objects.filter(reporter=world.gridworker).count() == 2
    assert not ReportSubmission.objects.filter(user=world.gridworker).exists()


def test_a_damaged_key_on_the_page_is_a_400_that_says_so(client):
    world = small_street()
    client.force_login(world.gridworker)
    form = {"category": world.category.pk, "title": "井盖", "description": "晃。", "place": world.building.pk}
    response = client.post(reverse("cases:report_phone"), {**form, "submission": "bad key!"})
    assert response.status_code == 400
    assert not Case.objects.filter(reporter=world.gridworker).exists()


def test_the_service_worker_and_manifest_are_served_by_the_app(client):
    worker = client.get(reverse("site:service_worker"))
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert worker["Cache-Control"] == "no-cache"
    assert reverse("cases:report_phone").encode() in worker.content
    manifest = client.get(reverse("site:manifest")).json()
    assert manifest["start_url"] == reverse("cases:report_phone") and manifest["display"] == "standalone"
