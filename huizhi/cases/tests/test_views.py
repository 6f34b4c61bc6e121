"""The case pages: who gets in, what each action does through /act/, what a refused or stale action
shows, what bad input on the report form says, and what the list pages cost in queries.

Cases are built through the real services (case_report, case_transition); the pages are driven
with the form fields a browser sends. Messages are checked in Chinese, the language people see.
"""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

import huizhi.accounts.permissions  # noqa: F401 — registers the console page permissions
from huizhi.accounts.models import User
from huizhi.cases.models import Case, CaseEvent, CasePhoto, Category, Notification, SupervisionNotice
from huizhi.cases.services import case_report, case_transition, supervision_notice_issue
from huizhi.cases.states import Rating, Source, Status
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
CREW = "花园街社区红色汇治维修队"
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
NOT_AN_IMAGE = b"just some text pretending to be a photo"
STALE = "已有他人先处理了该案件"  # "Someone else acted on this case first"


# --- helpers and data ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def user(username: str) -> User:
    return User.objects.get(username=username)


def login(client, username: str) -> User:
    person = user(username)
    client.force_login(person)
    return person


def html(response) -> str:
    return response.content.decode()


def jpeg(name: str = "photo.jpg", colour=(30, 120, 200)) -> SimpleUploadedFile:
    """A real JPEG, as a phone would send it."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def building_11() -> Place:
    return Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")


def crew() -> Organisation:
    return Organisation.objects.get(name=CREW)


def report(actor: str = "gridworker", *, category: str = "0101", place: Place | None = None, **extra) -> Case:
    return case_report(
        actor=user(actor),
        category=Category.objects.get(code=category),
        source=Source.PATROL,
        title=extra.pop("title", "扬天小区11栋门口暴露垃圾"),
        description=extra.pop("description", "单元门口堆放生活垃圾，无人清运。"),
        place=place or building_11(),
        **extra,
    )


def move(case: Case, actor: str, action: str, **fields) -> Case:
    return case_transition(actor=user(actor), case_id=case.pk, action=action, **fields)


def dispatched(case: Case) -> Case:
    move(case, "huayuan_staff", "accept")
    return move(case, "huayuan_staff", "dispatch", unit=crew())


def closed(case: Case) -> Case:
    dispatched(case)
    move(case, "repair_crew", "start")
    move(case, "repair_crew", "report_result", note="已清运完毕。")
    return move(case, "gridworker", "verify")


def snapshot(case: Case) -> tuple:
    """What a refused action must leave untouched."""
    fresh = Case.objects.get(pk=case.pk)
    return (fresh.status, fresh.version, fresh.handling_unit_id, fresh.level, fresh.events.count())


def act(client, case: Case, action: str, version: int | None = None, **fields):
    """POST what the action's form on the case page sends; the version is the current one unless given."""
    if version is None:
        version = Case.objects.get(pk=case.pk).version
    data = {"action": action, "version": version, **fields}
    return client.post(reverse("cases:act", args=[case.pk]), data)


@pytest.fixture
def case_with_photo() -> Case:
    return report(photos=[jpeg("before.jpg")])


def case_supervise(case: Case) -> SupervisionNotice:
    return supervision_notice_issue(
        actor=user("commissioner"),
        case_id=case.pk,
        requirement="请立即组织清运并反馈。",
        reply_due_at=timezone.now() + timedelta(hours=2),
    )


def photo_of(case: Case) -> CasePhoto:
    return CasePhoto.objects.get(event__case=case)


# --- who gets in -----------------------------------------------------------------------------------

# (url name, needs a case id, method)
PAGES = [
    ("cases:queue", None, "get"),
    ("cases:report", None, "get"),
    ("cases:report_phone", None, "get"),
    ("cases:detail", "case", "get"),
    ("cases:act", "case", "post"),
    ("cases:supervise", "case", "post"),
    ("cases:rate", "case", "post"),
    ("cases:call_reporter", "case", "post"),
    ("cases:call_unit", "case", "post"),
    ("cases:answer_notice", "notice", "post"),
    ("cases:photo", "photo", "get"),
    ("cases:supervision", None, "get"),
    ("cases:recurring", None, "get"),
    ("cases:categories", None, "get"),
    ("cases:category_edit", "category", "get"),
    ("cases:inbox", None, "get"),
    ("cases:my_tasks", None, "get"),
    ("cases:callbacks", None, "get"),
    ("cases:grid_dispatch", None, "get"),
]


def test_every_url_of_the_app_is_in_the_page_list():
    from huizhi.cases import urls

    assert {f"cases:{p.name}" for p in urls.urlpatterns} == {name for name, _, _ in PAGES}


def _url(name: str, needs: str | None, case: Case) -> str:
    if needs == "case":
        return reverse(name, args=[case.pk])
    if needs == "photo":
        return reverse(name, args=[photo_of(case).pk])
    if needs == "category":
        return reverse(name, args=["0101"])
    if needs == "notice":
        return reverse(name, args=[SupervisionNotice.objects.order_by("pk").first().pk])
    return reverse(name)


@pytest.mark.parametrize(("name", "needs", "method"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, case_with_photo, name, needs, method):
    url = _url(name, needs, case_with_photo)
    before = snapshot(case_with_photo)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={url}"
    assert snapshot(case_with_photo) == before


CONSOLE_PAGES = ["/console/cases/", "/console/supervision/", "/console/recurring/", "/console/categories/"]


@pytest.mark.parametrize("url", [*CONSOLE_PAGES, "/console/categories/0101/"])
def test_a_resident_is_refused_the_console_pages(client, url):
    login(client, "resident")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("name", "username"),
    [
        ("cases:queue", "huayuan_staff"),
        ("cases:report", "huayuan_staff"),
        ("cases:report", "resident"),  # residents report too (DESIGN §4)
        ("cases:report_phone", "gridworker"),
        ("cases:supervision", "commissioner"),
        ("cases:recurring", "huayuan_staff"),
        ("cases:categories", "street"),
        ("cases:grid_dispatch", "huayuan_staff"),
        ("cases:inbox", "resident"),
        ("cases:my_tasks", "repair_crew"),
        ("cases:my_tasks", "gridworker"),
    ],
)
def test_the_right_role_gets_the_page(client, name, username):
    login(client, username)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("username", ["huayuan_staff", "gridworker", "repair_crew", "street"])
def test_only_the_discipline_commissioner_gets_the_supervision_queue(client, username):
    login(client, username)
    assert client.get(reverse("cases:supervision")).status_code == 403


@pytest.mark.parametrize(
    "username", ["huayuan_staff", "gridworker", "commissioner", "street", "admin", "resident"]
)
def test_the_case_page_opens_for_those_in_scope_and_the_reporter(client, username):
    case = report("resident")
    login(client, username)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    assert case.title in html(response)


def _without_request_details(response, pk: int) -> str:
    text = CSRF_TOKEN.sub("", html(response))
    return text.replace(reverse("cases:detail", args=[pk]), "URL")


@pytest.mark.parametrize("username", ["fenghuang_staff", "resident", "repair_crew"])
def test_a_case_out_of_scope_is_the_same_404_as_no_case(client, username):
    case = report("gridworker")  # reported, not dispatched: the crew does not have it yet
    login(client, username)
    missing_pk = Case.objects.order_by("-pk").first().pk + 1000
    missing = client.get(reverse("cases:detail", args=[missing_pk]))
    hidden = client.get(reverse("cases:detail", args=[case.pk]))
    assert missing.status_code == hidden.status_code == 404
    assert case.title not in html(hidden)
    # Byte for byte the same page, but for the address and the sign-out form's token.
    assert _without_request_details(hidden, case.pk) == _without_request_details(missing, missing_pk)


def test_another_community_cannot_act_on_a_case_either(client):
    case = report()
    before = snapshot(case)
    login(client, "fenghuang_staff")
    assert act(client, case, "accept").status_code == 404
    assert snapshot(case) == before


def test_a_resident_cannot_act_on_their_own_case(client):
    case = report("resident")
    before = snapshot(case)
    login(client, "resident")
    response = act(client, case, "accept")
    assert response.status_code == 403
    assert "您的角色无权对该案件执行“受理”" in html(response)
    assert snapshot(case) == before


def test_act_answers_only_post(client):
    case = report()
    login(client, "huayuan_staff")
    assert client.get(reverse("cases:act", args=[case.pk])).status_code == 405


# --- the loop through /act/ --------------------------------------------------------------------------


def test_the_drain_case_walks_the_whole_loop_through_the_pages(client):
    case = report("gridworker", category="1105", title="扬天小区11栋下水堵塞", photos=[jpeg("before.jpg")])
    detail = reverse("cases:detail", args=[case.pk])

    login(client, "huayuan_staff")
    assert 'data-action="accept"' in html(client.get(detail))

    steps = [
        ("huayuan_staff", "accept", {}, Status.ACCEPTED),
        ("huayuan_staff", "dispatch", {"unit": crew().pk}, Status.DISPATCHED),
        ("repair_crew", "start", {}, Status.HANDLING),
        (
            "repair_crew",
            "report_result",
            {"note": "管道已疏通，排水正常。", "photos": jpeg("after.jpg")},
            Status.HANDLED,
        ),
        ("gridworker", "verify", {}, Status.CLOSED),
    ]
    for number, (username, action, fields, status) in enumerate(steps, start=1):
        login(client, username)
        response = act(client, case, action, **fields)
        assert response.status_code == 302, (action, html(response)[:2000])
        assert response["Location"] == detail
        case.refresh_from_db()
        assert (case.status, case.version) == (status, number)
        if action == "accept":  # the dispatch form suggests the crew (no property company here)
            assert f'<option value="{crew().pk}" selected>' in html(client.get(detail))

    assert case.handling_unit == crew()
    assert list(case.events.values_list("action", flat=True)) == [
        "report",
        "accept",
        "dispatch",
        "start",
        "report_result",
        "verify",
    ]
    result = case.events.get(action="report_result")
    assert result.note == "管道已疏通，排水正常。"
    assert result.photos.count() == 1
    page = client.get(detail)
    assert "管道已疏通，排水正常。" in html(page)
    assert reverse("cases:photo", args=[result.photos.get().pk]) in html(page)


def test_a_result_without_the_required_photo_is_refused_with_400(client):
    case = dispatched(report(category="1105"))
    move(case, "repair_crew", "start")
    before = snapshot(case)
    login(client, "repair_crew")

    response = act(client, case, "report_result", note="已疏通。")

    assert response.status_code == 400
    assert "该分类须上传处置结果照片" in html(response)
    assert 'id="action-error"' in html(response)
    assert snapshot(case) == before


def test_a_move_the_role_does_not_allow_is_403_and_changes_nothing(client):
    case = report()
    before = snapshot(case)
    login(client, "gridworker")  # may see the case, may not accept it

    response = act(client, case, "accept")

    assert response.status_code == 403
    assert 'id="action-error"' in html(response)
    assert "您的角色无权对该案件执行“受理”" in html(response)
    assert snapshot(case) == before


def test_a_move_the_state_does_not_allow_is_409_and_changes_nothing(client):
    case = report()
    before = snapshot(case)
    login(client, "huayuan_staff")

    response = act(client, case, "dispatch", unit=crew().pk)

    assert response.status_code == 409
    assert "无法执行“派遣”" in html(response)
    assert snapshot(case) == before


def test_a_dispatch_without_a_unit_is_400_and_changes_nothing(client):
    case = report()
    move(case, "huayuan_staff", "accept")
    before = snapshot(case)
    login(client, "huayuan_staff")

    response = act(client, case, "dispatch")

    assert response.status_code == 400
    assert "请选择处置单位" in html(response)
    assert snapshot(case) == before


def test_a_stale_version_is_409_with_someone_else_acted_first(client):
    case = report()
    page_version = case.version
    move(case, "huayuan_staff", "accept")  # a colleague acts while the page is open
    before = snapshot(case)
    login(client, "huayuan_staff")

    response = act(client, case, "reject", version=page_version, reason="重复上报", outcome="invalid")

    assert response.status_code == 409
    assert STALE in html(response)
    assert 'id="case-status"' in html(response)  # the page shows the case as it is now
    assert snapshot(case) == before


def test_an_unknown_action_is_400(client):
    case = report()
    before = snapshot(case)
    login(client, "huayuan_staff")
    assert act(client, case, "delete").status_code == 400
    assert snapshot(case) == before


def test_markup_in_a_note_is_400_with_the_message(client):
    case = report()
    before = snapshot(case)
    login(client, "huayuan_staff")
    response = act(client, case, "accept", note="<script>alert(1)</script>")
    assert response.status_code == 400
    assert "备注不能包含HTML或脚本" in html(response)
    assert snapshot(case) == before


def test_a_result_photo_that_is_not_an_image_is_400_with_the_message(client):
    case = dispatched(report(category="1105"))
    move(case, "repair_crew", "start")
    before = snapshot(case)
    login(client, "repair_crew")
    fake = SimpleUploadedFile("after.jpg", NOT_AN_IMAGE, content_type="image/jpeg")
    response = act(client, case, "report_result", note="已疏通。", photos=fake)
    assert response.status_code == 400
    assert "无法识别“after.jpg”为照片" in html(response)
    assert snapshot(case) == before


# --- the discipline commissioner ---------------------------------------------------------------------


def test_the_commissioner_issues_a_supervision_notice(client):
    case = dispatched(report())
    login(client, "commissioner")
    due = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        reverse("cases:supervise", args=[case.pk]),
        {"requirement": "请立即组织清运并反馈。", "reply_due_at": due},
    )

    assert response.status_code == 302
    notice = SupervisionNotice.objects.get(case=case)
    assert (notice.unit, notice.issued_by, notice.requirement) == (
        crew(),
        user("commissioner"),
        "请立即组织清运并反馈。",
    )
    assert case.events.filter(action="supervise").count() == 1
    page = client.get(response["Location"])
    assert "已向花园街社区红色汇治维修队发出督办单" in html(page)
    assert "请立即组织清运并反馈。" in html(page)


def test_a_notice_without_a_deadline_is_not_issued(client):
    case = dispatched(report())
    login(client, "commissioner")
    response = client.post(reverse("cases:supervise", args=[case.pk]), {"requirement": "请反馈。"})
    assert response.status_code == 400
    assert "请选择回复期限。" in html(response)  # beside the field, the form open again
    assert not SupervisionNotice.objects.filter(case=case).exists()


@pytest.mark.parametrize("page", ["supervise", "rate"])
def test_markup_in_a_notice_or_a_rating_comment_is_refused_with_a_message(client, page):
    case = closed(report("gridworker")) if page == "rate" else dispatched(report())
    before = snapshot(case)
    if page == "rate":
        login(client, "gridworker")
        data = {"rating": Rating.SATISFIED, "comment": "<script>alert(1)</script>"}
    else:
        login(client, "commissioner")
        due = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        data = {"requirement": "<script>alert(1)</script>", "reply_due_at": due}

    response = client.post(reverse(f"cases:{page}", args=[case.pk]), data)

    if page == "supervise":  # the notice's form again, with the reason
        assert response.status_code == 400 and "不能包含HTML或脚本" in html(response)
    else:
        assert response.status_code == 302
        assert "不能包含HTML或脚本" in html(client.get(response["Location"]))
    assert snapshot(case) == before
    assert Case.objects.get(pk=case.pk).rating == ""
    assert not SupervisionNotice.objects.filter(case=case).exists()


def test_the_unit_answers_a_notice_once_and_others_cannot(client):
    case = dispatched(report())
    notice = case_supervise(case)
    url = reverse("cases:answer_notice", args=[notice.pk])

    login(client, "huayuan_staff")
    client.post(url, {"reply": "我来答"})
    notice.refresh_from_db()
    assert not notice.is_answered

    login(client, "repair_crew")
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert url in html(page)  # the crew sees the reply form
    response = client.post(url, {"reply": "已安排人员前往。"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.reply, notice.replied_by) == ("已安排人员前往。", user("repair_crew"))
    client.post(url, {"reply": "再答一次"})
    notice.refresh_from_db()
    assert notice.reply == "已安排人员前往。"
    assert case.events.filter(action="supervision_reply").count() == 1


def test_staff_cannot_issue_a_supervision_notice(client):
    case = dispatched(report())
    login(client, "huayuan_staff")
    due = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("cases:supervise", args=[case.pk]), {"requirement": "请反馈。", "reply_due_at": due})
    assert not SupervisionNotice.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("state", "action", "fields"),
    [
        ("reported", "accept", {}),
        ("reported", "reject", {"reason": "无效", "outcome": "invalid"}),
        ("accepted", "dispatch", {"unit": "crew"}),
        ("dispatched", "start", {}),
        ("dispatched", "escalate", {}),
        ("handled", "verify", {}),
        ("closed", "reopen", {"reason": "又堵了"}),
    ],
)
def test_the_commissioner_can_never_move_a_case(client, state, action, fields):
    case = report()
    if state != "reported":
        move(case, "huayuan_staff", "accept")
    if state in ("dispatched", "handled", "closed"):
        move(case, "huayuan_staff", "dispatch", unit=crew())
    if state in ("handled", "closed"):
        move(case, "repair_crew", "start")
        move(case, "repair_crew", "report_result", note="已处理。")
    if state == "closed":
        move(case, "gridworker", "verify")
    fields = {k: (crew().pk if v == "crew" else v) for k, v in fields.items()}
    before = snapshot(case)
    login(client, "commissioner")

    page = client.get(reverse("cases:detail", args=[case.pk]))
    response = act(client, case, action, **fields)

    assert page.status_code == 200
    assert 'action="/console/cases/' + str(case.pk) + '/act/"' not in html(page)
    assert response.status_code == 403
    assert snapshot(case) == before


# --- photos --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["huayuan_staff", "gridworker", "commissioner", "street"])
def test_a_case_photo_is_served_to_those_who_see_the_case(client, case_with_photo, username):
    login(client, username)
    response = client.get(reverse("cases:photo", args=[photo_of(case_with_photo).pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("username", ["fenghuang_staff", "resident", "repair_crew"])
def test_a_case_photo_is_404_to_everyone_else(client, case_with_photo, username):
    login(client, username)
    photo_pk = photo_of(case_with_photo).pk
    assert client.get(reverse("cases:photo", args=[photo_pk])).status_code == 404
    assert client.get(reverse("cases:photo", args=[photo_pk + 1000])).status_code == 404


# --- the report form -----------------------------------------------------------------------------------


def _report_form(**changes) -> dict:
    data = {
        "category": Category.objects.get(code="0101").pk,
        "title": "扬天小区11栋门口暴露垃圾",
        "description": "单元门口堆放生活垃圾，无人清运。",
        "place": building_11().pk,
        "lon": "",
        "lat": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_good_report_creates_the_case_and_opens_it(client):
    login(client, "gridworker")
    response = client.post(reverse("cases:report_phone"), _report_form(photos=jpeg()))
    case = Case.objects.get(title="扬天小区11栋门口暴露垃圾", reporter=user("gridworker"))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert (case.status, case.place, case.grid.code) == (Status.REPORTED, building_11(), "341102001003001")
    assert case.events.get().photos.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "必填项"),
        ({"title": "   "}, "必填项"),
        ({"title": "<script>alert(1)</script>"}, "标题不能包含HTML或脚本"),
        ({"description": "水" * 4001}, "4001"),
        ({"photos": "not-an-image"}, "无法识别“notes.jpg”为照片"),
        ({"place": None}, "请说明问题所在位置"),
        ({"place": None, "lon": "118.3052"}, "无法获取定位"),
    ],
    ids=[
        "empty-title",
        "blank-title",
        "script-in-title",
        "long-description",
        "not-an-image",
        "no-location",
        "half-a-point",
    ],
)
def test_bad_input_on_the_report_form_is_400_with_the_message_and_creates_nothing(client, changes, message):
    if changes.get("photos") == "not-an-image":
        changes["photos"] = SimpleUploadedFile("notes.jpg", NOT_AN_IMAGE, content_type="image/jpeg")
    login(client, "gridworker")
    before = (Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count())

    response = client.post(reverse("cases:report"), _report_form(**changes))

    assert response.status_code == 400
    assert 'class="error' in html(response)
    assert message in html(response)
    assert (Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count()) == before


# --- inbox and rating ----------------------------------------------------------------------------------


def test_the_inbox_lists_what_happened_and_marks_it_read(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = report("resident")
    with django_capture_on_commit_callbacks(execute=True):
        move(case, "huayuan_staff", "accept")
    resident = user("resident")
    unread = Notification.objects.filter(user=resident, case=case, read_at__isnull=True)
    assert unread.count() == 1  # the reporter hears of the acceptance, not of their own report
    login(client, "resident")

    first = client.get(reverse("cases:inbox"))

    assert first.status_code == 200
    assert case.reference in html(first)
    assert 'class="unread"' in html(first)
    assert not unread.exists()
    second = client.get(reverse("cases:inbox"))
    assert case.reference in html(second)
    assert 'class="unread"' not in html(second)


def test_the_inbox_shows_only_ones_own_notifications(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = report("resident", title="别人的通知")
    login(client, "fenghuang_staff")
    assert "别人的通知" not in html(client.get(reverse("cases:inbox")))
    assert Notification.objects.filter(case=case, read_at__isnull=True).exists()


def test_the_reporter_rates_a_closed_case(client):
    case = closed(report("gridworker"))
    login(client, "gridworker")
    assert 'id="rating-form"' in html(client.get(reverse("cases:detail", args=[case.pk])))

    response = client.post(
        reverse("cases:rate", args=[case.pk]), {"rating": Rating.SATISFIED, "comment": "及时"}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.rating, case.status) == (Rating.SATISFIED, Status.CLOSED)
    assert case.events.filter(action="rate", note="及时").count() == 1
    assert "感谢您的评价" in html(client.get(response["Location"]))


def test_an_unsatisfied_rating_reopens_the_case_to_the_unit(client):
    case = closed(report("gridworker"))
    login(client, "gridworker")
    client.post(reverse("cases:rate", args=[case.pk]), {"rating": Rating.UNSATISFIED, "comment": "没清干净"})
    case.refresh_from_db()
    assert (case.rating, case.status, case.reopen_count, case.handling_unit) == (
        Rating.UNSATISFIED,
        Status.DISPATCHED,
        1,
        crew(),
    )


@pytest.mark.parametrize("username", ["huayuan_staff", "commissioner"])
def test_only_the_reporter_may_rate(client, username):
    case = closed(report("gridworker"))
    login(client, username)
    response = client.post(reverse("cases:rate", args=[case.pk]), {"rating": Rating.UNSATISFIED})
    assert response.status_code == 302
    assert "只有上报人可以评价" in html(client.get(response["Location"]))
    case.refresh_from_db()
    assert (case.rating, case.status) == ("", Status.CLOSED)


def test_an_open_case_cannot_be_rated(client):
    case = report("gridworker")
    login(client, "gridworker")
    client.post(reverse("cases:rate", args=[case.pk]), {"rating": Rating.SATISFIED})
    case.refresh_from_db()
    assert case.rating == ""


# --- query counts --------------------------------------------------------------------------------------


def _many(count: int, actor: str = "gridworker") -> list[Case]:
    return [report(actor, title=f"暴露垃圾 {i}") for i in range(count)]


def _queries_for(client, url, django_assert_max_num_queries, limit) -> int:
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# Session, user, roles, count, page ids, page rows, two for the navigation, unread count, and the
# urgent care alerts raised to community staff and grid workers.
QUEUE_QUERIES = 10
SUPERVISION_QUERIES = 9  # as the queue: the page is cut on ids, then its rows fetched
# My tasks: one more for each community in which the community may let its grid workers dispatch
# (the grid worker's one), read once per request however many cases the list holds.
MY_TASKS_QUERIES = 8


def test_the_case_queue_costs_the_same_for_5_or_35_cases(client, django_assert_max_num_queries):
    login(client, "huayuan_staff")
    url = reverse("cases:queue")
    already = html(client.get(url)).count("data-case=")  # the demo's open cases (the wall's among them)
    _many(5)
    few = _queries_for(client, url, django_assert_max_num_queries, QUEUE_QUERIES)
    _many(30)
    many = _queries_for(client, url, django_assert_max_num_queries, QUEUE_QUERIES)
    assert few == many
    assert html(client.get(url)).count("data-case=") == already + 35


def test_the_supervision_queue_costs_the_same_for_5_or_35_cases(
    client, django_assert_max_num_queries, time_machine
):
    url = reverse("cases:supervision")
    start = timezone.now()
    later = start + timedelta(days=30)  # every case made at `start` is overdue by then
    for case in _many(5):
        dispatched(case)
    time_machine.move_to(later)
    login(client, "commissioner")
    few = _queries_for(client, url, django_assert_max_num_queries, SUPERVISION_QUERIES)
    assert html(client.get(url)).count("data-case=") == 5
    time_machine.move_to(start)
    for case in _many(30)[:10]:
        dispatched(case)  # a mix of overdue acceptance and overdue handling
    time_machine.move_to(later)
    many = _queries_for(client, url, django_assert_max_num_queries, SUPERVISION_QUERIES)
    assert few == many
    assert html(client.get(url)).count("data-case=") == 35


def test_my_tasks_costs_the_same_for_5_or_35_cases(client, django_assert_max_num_queries):
    login(client, "repair_crew")
    url = reverse("cases:my_tasks")
    for case in _many(5):
        dispatched(case)
    few = _queries_for(client, url, django_assert_max_num_queries, MY_TASKS_QUERIES)
    for case in _many(30):
        dispatched(case)
    many = _queries_for(client, url, django_assert_max_num_queries, MY_TASKS_QUERIES)
    assert few == many
    assert html(client.get(url)).count("data-case=") == 35


def test_a_queue_community_that_is_not_a_code_lists_nothing_instead_of_a_500(client):
    # "²" passes str.isdigit() but not int(): it names no community.
    login(client, "huayuan_staff")
    response = client.get(reverse("cases:queue"), {"community": "²", "status": "all"})
    assert response.status_code == 200
    assert html(response).count("data-case=") == 0


# --- merging a duplicate: the case is named by its number, never picked from every open case --------


def test_a_duplicate_is_merged_into_the_case_whose_number_is_typed(client):
    original, duplicate = report(), report()
    login(client, "huayuan_staff")
    response = act(client, duplicate, "merge", merged_into=f" {original.reference.lower()} ")
    assert response.status_code == 302, html(response)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (Status.MERGED, original.pk)
    other = report()
    assert act(client, other, "merge", merged_into=str(original.pk)).status_code == 302  # the bare id too


@pytest.mark.parametrize("typed", ["HZ9999999", "not a number", "HZ-12", "9" * 40, "١٢"])
def test_a_number_that_names_no_open_case_of_the_community_is_refused_beside_the_field(client, typed):
    duplicate = report()
    login(client, "huayuan_staff")
    before = snapshot(duplicate)
    response = act(client, duplicate, "merge", merged_into=typed)
    assert response.status_code == 400
    page = html(response)
    assert 'id="id_merged_into_error"' in page  # the reason beside the field
    assert snapshot(duplicate) == before


def test_the_case_page_offers_a_few_likely_targets_not_every_open_case(client, django_assert_max_num_queries):
    from huizhi.cases.selectors import MERGE_SUGGESTIONS

    duplicate = report()
    for _ in range(MERGE_SUGGESTIONS + 5):
        report()
    login(client, "huayuan_staff")
    page = html(client.get(reverse("cases:detail", args=[duplicate.pk])))
    datalist = page[page.index('<datalist id="merge-targets">') :]
    datalist = datalist[: datalist.index("</datalist>")]
    assert datalist.count("<option") == MERGE_SUGGESTIONS
    assert f'value="{duplicate.reference}"' not in datalist  # never itself
    assert 'name="merged_into"' in page and 'list="merge-targets"' in page
    assert page.count("<option") < 200  # no select of the community's open cases
