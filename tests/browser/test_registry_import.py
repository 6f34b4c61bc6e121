"""The registry through the browser (DESIGN §6): import a residents sheet, fix the rows it refused,
import again; masked pages, a logged reveal, the street's access log; the grid worker's phone list.

Community staff of 花园街社区 download the template, fill it in (6 good people for 扬天小区 11栋 and
3 bad rows: a wrong check digit, an unknown building, a birth date that is not the ID's), upload it
(the progress bar shows while the upload runs; the import is queued and, with the in-process
task backend of the test server, done when its page opens), read the result, download the refused rows with
their reasons, fix them in that file and upload it again; re-uploading the first sheet changes
nothing. Figures are asserted through `data-figure` attributes; reasons are asserted on their
data (row numbers, building names, dates), since the labels may be Chinese or English.
"""

import re
from datetime import date
from pathlib import Path

from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from huizhi.registry.idnumber import make_id_number
from huizhi.registry.models import AccessLog, Resident
from tests.browser.helpers import login

IMPORT_PATH = "/console/registry/import/"
RESULT_URL = re.compile(r"/console/registry/import/\d+/$")
HEADERS = [
    "小区",
    "楼栋",
    "房号",
    "姓名",
    "性别",
    "出生日期",
    "公民身份号码",
    "手机号码",
    "与户主关系",
    "居住情况",
    "标签",
]
REASON_HEADER = "未导入原因"
REGION = "341102"
COMPOUND, BUILDING = "扬天小区", "11栋"

# name, gender, birth date, room, relationship, tags — fictional people, new to the demo
GOOD = [
    ("柏青松", "男", date(1941, 5, 12), "5单元101", "户主", "独居,党员"),
    ("柏玉霞", "女", date(1968, 9, 3), "5单元102", "户主", ""),
    ("骆文涛", "男", date(1966, 1, 20), "5单元102", "配偶", "退役军人"),
    ("骆晓雯", "女", date(2024, 11, 8), "5单元102", "女儿", ""),
    ("滕海峰", "男", date(1985, 7, 30), "5单元201", "户主", "志愿者"),
    ("滕丽萍", "女", date(1987, 2, 14), "5单元201", "妻子", "低保"),
]
BAD = [
    ("check_digit", "蒲国良", "男", date(1958, 4, 6), "5单元301", "户主", "空巢"),
    ("building", "蒲淑贞", "女", date(1960, 10, 22), "5单元302", "户主", ""),
    ("birth_date", "阮志远", "男", date(1979, 12, 1), "5单元401", "户主", ""),
]


def _gender_code(label: str) -> str:
    return "M" if label == "男" else "F"


def _wrong_check(id_number: str) -> str:
    """The same number with another check character (a mistyped last digit)."""
    return id_number[:17] + ("0" if id_number[17] != "0" else "1")


def _people() -> tuple[list[dict], list[dict]]:
    """The sheet's good and bad rows as dicts keyed by header, with what each bad row needs fixed."""
    good, bad = [], []
    for sequence, (name, gender, birth, room, relationship, tags) in enumerate(GOOD, start=460):
        good.append(
            {
                "小区": COMPOUND,
                "楼栋": BUILDING,
                "房号": room,
                "姓名": name,
                "性别": gender,
                "出生日期": birth.isoformat(),
                "公民身份号码": make_id_number(REGION, birth, sequence, _gender_code(gender)),
                "手机号码": f"13900009{sequence:03d}",
                "与户主关系": relationship,
                "居住情况": "户籍人口，在本地居住",
                "标签": tags,
            }
        )
    for sequence, (problem, name, gender, birth, room, relationship, tags) in enumerate(BAD, start=470):
        row = {
            "小区": COMPOUND,
            "楼栋": BUILDING,
            "房号": room,
            "姓名": name,
            "性别": gender,
            "出生日期": birth.isoformat(),
            "公民身份号码": make_id_number(REGION, birth, sequence, _gender_code(gender)),
            "手机号码": f"13900009{sequence:03d}",
            "与户主关系": relationship,
            "居住情况": "户籍人口，在本地居住",
            "标签": tags,
        }
        fixed = dict(row)
        if problem == "check_digit":
            row["公民身份号码"] = _wrong_check(row["公民身份号码"])
        elif problem == "building":
            row["楼栋"] = "99栋"
        else:
            row["出生日期"] = birth.replace(day=birth.day + 1).isoformat()
        bad.append({"problem": problem, "row": row, "fixed": fixed})
    return good, bad


def _write_sheet(path: Path, headers: list[str], rows: list[dict]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "居民"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])  # strings: IDs keep every digit
    workbook.save(path)
    return path


def _read_sheet(path: Path) -> tuple[list[str], list[list]]:
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [str(h) for h in rows[0]], rows[1:]


def _download(page: Page, selector: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.locator(selector).click()
    download = info.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def _figures(page: Page) -> dict[str, int]:
    return {
        dd.get_attribute("data-figure"): int(dd.inner_text())
        for dd in page.locator("#import-figures dd[data-figure]").all()
    }


def _upload(page: Page, path: Path, shot, step: str) -> dict[str, int]:
    """Upload on the import page; see the progress bar while the upload runs; land on the result.

    The upload is held in the browser until the progress bar has been seen (a 9-row sheet is
    imported faster than a person, or a test, could look), then let through.
    """
    page.goto(IMPORT_PATH)
    progress = page.locator("#upload-progress")
    expect(progress.locator("span")).to_have_text("")  # nothing under way yet
    page.locator("#import-form input[type=file]").set_input_files(path)
    held = []
    is_upload = re.compile(rf"{re.escape(IMPORT_PATH)}$")

    def hold(route):
        if route.request.method == "POST":
            held.append(route)
        else:
            route.fallback()

    page.route(is_upload, hold)
    page.locator("#import-form button[type=submit]").click()
    expect(progress).to_be_visible()
    expect(progress.locator("span")).not_to_have_text("")  # "Uploading…", with the bytes sent
    assert len(held) == 1
    shot(page, f"{step}-uploading")
    held[0].continue_()
    page.unroute(is_upload)
    expect(page).to_have_url(RESULT_URL)
    expect(page.locator("#import-figures")).to_be_visible()
    shot(page, f"{step}-result")
    return _figures(page)


def test_staff_import_fix_and_reimport(new_page, shot, tmp_path):
    page = new_page(accept_downloads=True)
    login(page, "huayuan_staff")
    response = page.goto(IMPORT_PATH)
    assert response.status == 200
    expect(page.locator("#import-form")).to_be_visible()
    shot(page, "import-page")

    # The template: the sheet's columns, in order, on the first worksheet.
    template = _download(page, "#template-link", tmp_path)
    assert template.suffix == ".xlsx"
    headers, example_rows = _read_sheet(template)
    assert headers == HEADERS
    assert example_rows == []  # the example is on the notes sheet: the template imports no one
    shot(page, "template-downloaded")

    good, bad = _people()
    first_file = _write_sheet(tmp_path / "扬天小区11栋.xlsx", headers, good + [b["row"] for b in bad])
    before = Resident.objects.count()

    figures = _upload(page, first_file, shot, "first-upload")
    assert figures == {"total": 9, "created": 6, "updated": 0, "unchanged": 0, "rejected": 3}
    assert Resident.objects.count() == before + 6

    # The refused rows, in the template's columns and the reason added as the last column.
    rejected = _download(page, "#rejected-link", tmp_path)
    shot(page, "rejected-downloaded")
    rejected_headers, rejected_rows = _read_sheet(rejected)
    assert rejected_headers == HEADERS + [REASON_HEADER]
    assert len(rejected_rows) == 3
    by_name = {r[HEADERS.index("姓名")]: dict(zip(rejected_headers, r, strict=True)) for r in rejected_rows}
    assert set(by_name) == {b["row"]["姓名"] for b in bad}
    for sheet_row, b in enumerate(bad, start=len(good) + 2):
        returned = by_name[b["row"]["姓名"]]
        as_written = {h: "" if returned[h] is None else returned[h] for h in HEADERS}
        assert as_written == b["row"], "the row comes back as it was written"
        reason = returned[REASON_HEADER]
        assert reason and str(sheet_row) in reason, reason
        if b["problem"] == "building":
            assert "99栋" in reason, reason
        if b["problem"] == "birth_date":
            assert b["fixed"]["出生日期"] in reason, reason  # the birth date the ID number holds

    # Fix the three rows in the file that came back; its reason column stays (the app ignores it).
    workbook = load_workbook(rejected)
    sheet = workbook.worksheets[0]
    column = {cell.value: cell.column for cell in sheet[1]}
    fixes = {b["row"]["姓名"]: b["fixed"] for b in bad}
    for cells in sheet.iter_rows(min_row=2):
        fixed = fixes[cells[column["姓名"] - 1].value]
        for header in ("楼栋", "出生日期", "公民身份号码"):
            cells[column[header] - 1].value = fixed[header]
    fixed_file = tmp_path / "fixed.xlsx"
    workbook.save(fixed_file)

    figures = _upload(page, fixed_file, shot, "fixed-upload")
    assert figures == {"total": 3, "created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    expect(page.locator("#rejected-link")).to_have_count(0)
    assert Resident.objects.count() == before + 9

    # The first sheet again: nobody twice, nothing changed, the same three refused.
    figures = _upload(page, first_file, shot, "first-file-again")
    assert figures == {"total": 9, "created": 0, "updated": 0, "unchanged": 6, "rejected": 3}
    assert Resident.objects.count() == before + 9

    # The residents list: the new people, their ID numbers and mobiles masked.
    everyone = good + [b["fixed"] for b in bad]
    response = page.goto("/console/registry/residents/")
    assert response.status == 200
    table = page.locator("#resident-table")
    for person in everyone:
        row = table.locator("tbody tr", has=page.get_by_role("link", name=person["姓名"], exact=True))
        expect(row).to_have_count(1)
        id_number, mobile = person["公民身份号码"], person["手机号码"]
        expect(row.locator("td.code").nth(0)).to_have_text(f"{id_number[:4]}{'*' * 10}{id_number[-4:]}")
        expect(row.locator("td.code").nth(1)).to_have_text(f"{mobile[:3]}****{mobile[-4:]}")
        expect(row).to_contain_text(f"{COMPOUND} {BUILDING} {person['房号']}")
    html = page.content()
    for person in everyone:
        assert person["公民身份号码"] not in html
        assert person["手机号码"] not in html
    shot(page, "residents-masked")

    # One of them: masked until revealed with a reason, which is logged.
    person = good[0]
    page.locator("#resident-table").get_by_role("link", name=person["姓名"], exact=True).click()
    expect(page.locator("main h1")).to_have_text(person["姓名"])
    expect(page.locator("#mobile")).to_have_text(f"{person['手机号码'][:3]}****{person['手机号码'][-4:]}")
    assert person["公民身份号码"] not in page.content()
    assert person["手机号码"] not in page.content()
    shot(page, "resident-masked")
    reason = "独居老人走访，需电话联系确认上门时间"
    reveal = page.locator("form.reveal[data-field=mobile]")
    reveal.locator("input[name=reason]").fill(reason)
    with page.expect_navigation() as navigation:
        reveal.locator("button").click()
    assert navigation.value.status == 200
    expect(page.locator("#mobile strong")).to_have_text(person["手机号码"])
    expect(page.locator("#id-number")).to_have_text(
        f"{person['公民身份号码'][:4]}{'*' * 10}{person['公民身份号码'][-4:]}"
    )
    shot(page, "mobile-revealed")
    assert AccessLog.objects.filter(action="reveal", field="mobile", reason=reason).count() == 1

    # The street reviews it: who, what, whose, why, from where.
    street = new_page()
    login(street, "street")
    response = street.goto("/console/registry/access-log/")
    assert response.status == 200
    entry = street.locator("#access-log tr[data-action=reveal]", has_text=reason)
    expect(entry).to_have_count(1)
    cells = entry.locator("td")
    expect(cells.nth(1)).to_have_text("陈静")  # huayuan_staff
    expect(cells.nth(2)).to_contain_text("手机号码")
    expect(cells.nth(3)).to_have_text(person["姓名"])
    expect(cells.nth(4)).to_have_text(reason)
    expect(cells.nth(5)).to_have_text("127.0.0.1")
    assert person["手机号码"] not in street.content()
    shot(street, "access-log")


def test_progress_bar_is_hidden_until_an_upload_starts(page, shot):
    """An empty progress bar on an idle page reads as something stuck. The box carries `hidden`
    until the page's script starts an upload; the stylesheet must not show it anyway."""
    login(page, "huayuan_staff")
    page.goto(IMPORT_PATH)
    progress = page.locator("#upload-progress")
    expect(progress).to_have_attribute("hidden", "")
    shot(page, "import-page-idle")
    expect(progress).to_be_hidden()


def test_grid_worker_phone_households_vulnerable_first(phone_page, shot):
    page = phone_page
    login(page, "gridworker")
    response = page.goto("/m/households/")
    assert response.status == 200
    cards = page.locator("main section.card")
    expect(cards.first).to_be_visible()
    classes = [(c.get_attribute("class") or "").split() for c in cards.all()]
    assert len(classes) > 1
    vulnerable = ["vulnerable" in c for c in classes]
    assert vulnerable[0], "the first card is a vulnerable household"
    assert not all(vulnerable), "the grid also has households that are not vulnerable"
    assert vulnerable == sorted(vulnerable, reverse=True), "every vulnerable household comes first"
    expect(cards.first.locator(".tag.warn").first).to_be_visible()
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == 390
    assert scroll_width <= inner_width, f"the page scrolls sideways: {scroll_width}px in {inner_width}px"
    assert cards.first.bounding_box()["y"] < 844, "the first household is on the first screen"
    shot(page, "my-households")
