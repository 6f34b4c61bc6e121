"""The registry pages as people use them: masked lists, a reveal on the resident's page, exports,
the import page with its result and rejected rows, and what the list pages cost in queries.

Messages on pages are checked in the language people see (simplified Chinese), by translating the
source string, so the check follows the catalogue rather than a copy of it.
"""

import io
import re
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import Image

from huizhi.registry import sheet
from huizhi.registry.idnumber import parse_id_number
from huizhi.registry.models import AccessLog, ImportJob, Resident
from huizhi.registry.services.households import id_lookup_hash
from huizhi.registry.tests.conftest import (
    HUAYUAN,
    REGISTRY_SCOPE,
    SANLITING,
    YANGTIAN_11,
    add_resident,
    in_scope,
    user,
)
from huizhi.registry.tests.sheets import all_cells, person_row, read_xlsx, xlsx

pytestmark = pytest.mark.django_db

RESIDENT_ROW = re.compile(r'data-resident="(\d+)"')
EIGHTEEN = re.compile(r"(?<![\dX])\d{17}[\dX](?![\dX])")


def valid_id_numbers(text: str) -> list[str]:
    """Every 18-character run in `text` that is a valid ID number (place codes are not: no birth date)."""
    found = []
    for candidate in EIGHTEEN.findall(text):
        try:
            found.append(parse_id_number(candidate).value)
        except ValidationError:
            continue
    return found


def zh_text(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def zh(message: str) -> str:
    """As the message appears in a page's HTML."""
    return escape(zh_text(message))


def login(client, username: str):
    client.force_login(user(username))


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def elder(db) -> Resident:
    return add_resident(YANGTIAN_11, "701", 80, birth=date(1943, 3, 9), gender="F", name="揭示老人")


# --- masked lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username", ["huayuan_staff", "sanliting_staff", "fenghuang_staff", "gridworker", "street"]
)
def test_the_resident_list_never_shows_a_full_id_number_or_mobile(client, username):
    login(client, username)
    residents = list(in_scope(REGISTRY_SCOPE[username]))
    pages, page = [], 1
    while True:
        pages.append(html(client.get(reverse("registry:residents"), {"page": page})))
        if f"page={page + 1}" not in pages[-1]:
            break
        page += 1
    text = "\n".join(pages)
    assert EIGHTEEN.search(text)  # control: place codes of 18 digits are there, and are not IDs
    assert valid_id_numbers(text) == []
    with_mobile = 0
    for resident in residents:
        assert resident.id_number not in text, resident.name
        assert resident.masked_id_number in text, resident.name  # control: the row is there, masked
        if resident.mobile:
            with_mobile += 1
            assert resident.mobile not in text and resident.masked_mobile in text, resident.name
    assert with_mobile > 0


def test_the_household_list_and_the_residents_page_show_no_full_values(client, elder):
    login(client, "huayuan_staff")
    text = html(client.get(reverse("registry:households"))) + html(
        client.get(reverse("registry:resident", args=[elder.pk]))
    )
    for resident in in_scope(HUAYUAN):
        assert resident.id_number not in text and (not resident.mobile or resident.mobile not in text)
    assert elder.masked_id_number in text and elder.masked_mobile in text


# --- reveal on the resident's page ----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["id_number", "mobile"])
def test_a_reveal_shows_the_full_value_in_that_response_only(client, elder, field):
    login(client, "huayuan_staff")
    url = reverse("registry:resident", args=[elder.pk])
    value = getattr(elder, field)
    before = html(client.get(url))
    assert value not in before and 'data-field="id_number"' in before

    response = client.post(url, {"field": field, "reason": "核实高龄津贴申请"}, HTTP_USER_AGENT="Firefox/140")
    assert response.status_code == 200
    assert f"<strong>{value}</strong>" in html(response)
    entry = AccessLog.objects.get()
    assert (entry.user.username, entry.action, entry.field, entry.resident, entry.reason) == (
        "huayuan_staff",
        AccessLog.Action.REVEAL,
        field,
        elder,
        "核实高龄津贴申请",
    )
    assert (entry.ip_address, entry.user_agent, entry.place_code) == (
        "127.0.0.1",
        "Firefox/140",
        elder.place_code,
    )

    assert value not in html(client.get(url))  # the next visit is masked again


@pytest.mark.parametrize("reason", [None, "", "看看"])
def test_a_reveal_without_a_reason_is_refused_with_403_and_not_logged(client, elder, reason):
    login(client, "huayuan_staff")
    data = {"field": "id_number"} if reason is None else {"field": "id_number", "reason": reason}
    response = client.post(reverse("registry:resident", args=[elder.pk]), data)
    assert response.status_code == 403
    assert elder.id_number not in html(response) and elder.masked_id_number in html(response)
    if reason == "看看":
        assert zh("Say why you need the full value (at least %(n)d characters); it is logged.") % {
            "n": 4
        } in html(response)
    assert not AccessLog.objects.exists()


def test_a_grid_worker_sees_no_reveal_form_and_a_reveal_is_refused(client, elder):
    login(client, "gridworker")
    url = reverse("registry:resident", args=[elder.pk])
    page = html(client.get(url))
    assert elder.name in page and 'data-field="id_number"' not in page
    response = client.post(url, {"field": "id_number", "reason": "入户走访核实"})
    assert response.status_code == 403
    assert elder.id_number not in html(response)
    assert zh("Your roles do not allow revealing this person's data.") in html(response)
    assert not AccessLog.objects.exists()


def test_a_reveal_out_of_scope_is_404(client, elder):
    login(client, "fenghuang_staff")
    response = client.post(
        reverse("registry:resident", args=[elder.pk]), {"field": "id_number", "reason": "入户走访核实"}
    )
    assert response.status_code == 404
    assert elder.id_number not in html(response)
    assert not AccessLog.objects.exists()


# --- export -----------------------------------------------------------------------------------------------


def test_the_export_from_the_page_is_masked_and_logged(client):
    login(client, "huayuan_staff")
    response = client.post(reverse("registry:export"))
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    text = all_cells(response.content)
    for resident in in_scope(HUAYUAN):
        assert resident.id_number not in text and (not resident.mobile or resident.mobile not in text)
        assert resident.masked_id_number in text
    assert AccessLog.objects.get().action == AccessLog.Action.EXPORT_MASKED


def test_the_export_with_reveal_and_a_reason_has_full_values_of_the_filtered_residents(client, elder):
    login(client, "huayuan_staff")
    url = reverse("registry:export") + f"?place={YANGTIAN_11[:18]}"
    response = client.post(url, {"reveal": "on", "reason": "报送民政局高龄补贴"})
    assert response.status_code == 200
    _headers, rows = read_xlsx(response.content)
    expected = in_scope(YANGTIAN_11[:18])
    assert sorted(r["公民身份号码"] for r in rows) == sorted(r.id_number for r in expected)
    assert elder.id_number in {r["公民身份号码"] for r in rows}
    entry = AccessLog.objects.get()
    assert (entry.action, entry.count, entry.reason) == (
        AccessLog.Action.EXPORT,
        expected.count(),
        "报送民政局高龄补贴",
    )


@pytest.mark.parametrize("username, reason", [("huayuan_staff", ""), ("gridworker", "报送民政局高龄补贴")])
def test_the_export_with_reveal_is_refused_back_on_the_list_with_the_reason(client, username, reason):
    login(client, username)
    response = client.post(reverse("registry:export"), {"reveal": "on", "reason": reason}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("registry:residents"))
    assert response["Content-Type"].startswith("text/html")
    message = (
        zh("Say why you need the full value (at least %(n)d characters); it is logged.") % {"n": 4}
        if username == "huayuan_staff"
        else zh("Your roles do not allow exporting full ID numbers and mobiles.")
    )
    assert message in html(response)
    assert not AccessLog.objects.exists()


def test_the_reveal_choice_is_offered_only_to_those_who_may(client):
    login(client, "huayuan_staff")
    assert 'name="reveal"' in html(client.get(reverse("registry:residents")))
    login(client, "gridworker")
    assert 'name="reveal"' not in html(client.get(reverse("registry:residents")))


# --- import page ------------------------------------------------------------------------------------------


def test_the_template_downloads_and_uploaded_as_is_imports_no_one(client, django_capture_on_commit_callbacks):
    login(client, "huayuan_staff")
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200 and "residents-template.xlsx" in response["Content-Disposition"]
    headers, rows = read_xlsx(response.content)
    assert headers == [c.header for c in sheet.COLUMNS] and rows == []

    before = Resident.objects.count()
    with django_capture_on_commit_callbacks(execute=True):  # the queued import runs at the commit
        upload = client.post(
            reverse("registry:import"), {"file": _file(response.content, "residents-template.xlsx")}
        )
    assert upload.status_code == 302
    page = html(client.get(upload["Location"]))
    assert dict(re.findall(r'data-figure="(\w+)">(\d+)<', page)) == {
        "total": "0",
        "created": "0",
        "updated": "0",
        "unchanged": "0",
        "rejected": "0",
    }
    assert Resident.objects.count() == before


@pytest.mark.parametrize("username", ["gridworker", "street", "liaison", "commissioner"])
def test_the_import_pages_are_for_community_staff(client, username):
    login(client, username)
    assert client.get(reverse("registry:import")).status_code == 403
    assert client.get(reverse("registry:import_template")).status_code == 403


def test_staff_import_with_bad_rows_download_them_fix_and_import_again(
    client, django_capture_on_commit_callbacks
):
    login(client, "huayuan_staff")
    good = person_row(81, room="7单元101")
    bad = person_row(82, room="7单元101", **{"手机号码": "0550-3012345"})
    upload = xlsx([good, bad])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import"), {"file": _file(upload, "花园街居民.xlsx")})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:import_result", args=[job.pk]
    )

    page = html(client.get(response["Location"]))
    figures = dict(re.findall(r'data-figure="(\w+)">(\d+)<', page))
    assert figures == {"total": "2", "created": "1", "updated": "0", "unchanged": "0", "rejected": "1"}
    assert 'id="rejected-link"' in page

    download = client.get(reverse("registry:import_rejected", args=[job.pk]))
    assert download.status_code == 200
    headers, rows = read_xlsx(download.content)
    assert headers[-1] == sheet.REASON_HEADER and [r["姓名"] for r in rows] == [bad["姓名"]]
    with translation.override("zh-hans"):
        assert (
            translation.gettext("“%(value)s” is not a mainland China mobile number.")
            % {"value": "0550-3012345"}
            in rows[0][sheet.REASON_HEADER]
        )

    rows[0]["手机号码"] = "13900010082"
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            reverse("registry:import"), {"file": _file(xlsx(rows, headers=headers), "fixed.xlsx")}
        )
    fixed = ImportJob.objects.exclude(pk=job.pk).get()
    assert again["Location"] == reverse("registry:import_result", args=[fixed.pk])
    assert (fixed.created, fixed.rejected) == (1, 0)
    assert 'id="rejected-link"' not in html(client.get(again["Location"]))
    assert Resident.objects.get(id_hash=id_lookup_hash(bad["公民身份号码"])).mobile == "13900010082"


def test_an_import_result_and_its_rejected_rows_belong_to_the_importer(
    client, django_capture_on_commit_callbacks
):
    bad = person_row(83, **{"手机号码": "0550-3012345"})
    login(client, "huayuan_staff")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import"), {"file": _file(xlsx([bad]), "a.xlsx")})
    job = ImportJob.objects.get()
    assert job.rejected == 1
    for username in ("sanliting_staff", "fenghuang_staff"):
        login(client, username)
        assert client.get(reverse("registry:import_result", args=[job.pk])).status_code == 404
        assert client.get(reverse("registry:import_rejected", args=[job.pk])).status_code == 404


def _file(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    return out.getvalue()


def _zip_without_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


NOT_A_WORKBOOK = "This file is not an Excel workbook (.xlsx). Download the template and fill it in."


@pytest.mark.parametrize(
    "data, message",
    [
        (_png, NOT_A_WORKBOOK),
        (lambda: "小区,楼栋,房号\n扬天小区,11栋,101\n".encode(), NOT_A_WORKBOOK),
        (_zip_without_a_workbook, NOT_A_WORKBOOK),
    ],
    ids=["png", "csv renamed", "zip of something else"],
)
def test_an_unusable_file_is_refused_on_the_page_and_changes_nothing(client, data, message):
    # Refused at once, from the file's first bytes and the zip's directory: no job is queued. A
    # workbook whose columns are wrong is found by the task (test_import_task.py).
    login(client, "huayuan_staff")
    before = (Resident.objects.count(), ImportJob.objects.count())
    response = client.post(reverse("registry:import"), {"file": _file(data(), "residents.xlsx")})
    assert response.status_code == 400
    error = re.search(r'id="file-error">(.*?)</div>', html(response), re.S).group(1)
    expected = zh(message) if isinstance(message, str) else zh(message[0]) % message[1]
    assert error.strip() == expected
    assert (Resident.objects.count(), ImportJob.objects.count()) == before


# --- queries ----------------------------------------------------------------------------------------------


def _queries(client, url: str, params: dict) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), len(RESIDENT_ROW.findall(html(response))) + html(response).count("data-household=")


# Session, user, roles, the two permission lookups, the unread-notifications count, the filter's
# places, the count and the page (residents) — plus the prefetched members (households).
MAX_QUERIES = {"residents": 10, "households": 10}  # residents: the page cut on ids, then rows


@pytest.mark.parametrize("page", sorted(MAX_QUERIES))
def test_the_list_pages_cost_the_same_queries_for_few_rows_and_many(
    client, django_assert_max_num_queries, page
):
    login(client, "street")
    url = reverse(f"registry:{page}")
    client.get(url)  # warm the per-process caches (content types, sessions) out of the count
    few, shown_few = _queries(client, url, {"place": YANGTIAN_11[:18]})
    many, shown_many = _queries(client, url, {"place": SANLITING})
    assert shown_few < 30 and shown_many >= 50  # 扬天小区11栋 has a score of residents, 三里亭 hundreds
    assert many == few
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        client.get(url, {"page": 2})


@pytest.mark.parametrize("page", ["registry:residents", "registry:households"])
def test_a_place_filter_that_is_not_a_code_is_ignored_not_a_500(client, page):
    # "²" passes str.isdigit() but not int(): it must not reach the code-range filter.
    login(client, "huayuan_staff")
    everyone = client.get(reverse(page))
    filtered = client.get(reverse(page), {"place": "²"})
    assert filtered.status_code == 200
    assert filtered.context["page"].paginator.count == everyone.context["page"].paginator.count
