"""Formula injection: a cell someone typed as =… reaches every workbook the app writes as text.

The value is kept exactly (people fix a rejected row and import it again), written as a string
cell (type "s"), never as a formula (type "f", or an <f> element in the sheet's XML). A sweep
over the source makes sure every module that writes a workbook is one of those checked here.
"""

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from huizhi.accounts.models import User
from huizhi.core.sheets import sheet_cell
from huizhi.registry import sheet
from huizhi.registry.models import ImportJob, Resident
from huizhi.registry.services import residents_export
from huizhi.registry.tests.sheets import person_row

pytestmark = pytest.mark.django_db

# What people have typed into cells to run something on the reader's machine.
FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x.example","点我")',
    "=1+1",
    '=WEBSERVICE("http://x.example")',
]
# Each module that writes a workbook, and the test below that checks what it writes.
WORKBOOK_WRITERS = {
    "huizhi/registry/sheet.py": "rejected rows and the template",
    "huizhi/registry/services/privacy.py": "the residents export",
    "huizhi/care/views/volunteers.py": "the volunteers export",
    "huizhi/stats/sheets.py": "the statistics tables and the monthly report",
    "huizhi/cases/exports.py": "the staff case list export",
}
ROOT = Path(__file__).resolve().parents[3]


def formulas_in(data: bytes) -> list[str]:
    """The formula elements in every sheet of an .xlsx, read from its XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            formula
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
            for formula in re.findall(rb"<f[ >].*?</f>", archive.read(name))
        ]


def typed_xlsx(rows: list[dict]) -> bytes:
    """A residents sheet as a person types it: every value a text cell, "=…" included (openpyxl
    alone would store those as formulas, which a spreadsheet computes and calamine reads empty)."""
    workbook = Workbook()
    worksheet = workbook.active
    headers = [c.header for c in sheet.COLUMNS]
    worksheet.append(headers)
    for number, row in enumerate(rows, start=2):
        for column, header in enumerate(headers, start=1):
            cell = worksheet.cell(row=number, column=column, value=row.get(header))
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cells(data: bytes) -> list:
    workbook = load_workbook(io.BytesIO(data))
    return [cell for worksheet in workbook.worksheets for row in worksheet.iter_rows() for cell in row]


@pytest.mark.parametrize("write_only", [False, True], ids=["workbook", "write-only"])
def test_sheet_cell_writes_a_formula_shaped_string_as_the_same_text(write_only):
    workbook = Workbook(write_only=write_only)
    worksheet = workbook.create_sheet("x") if write_only else workbook.active
    values = [*FORMULAS, "+8613900000000", "-5", "@SUM(A1)", "普通文字", 42, date(2024, 5, 1), None]
    worksheet.append([sheet_cell(worksheet, value) for value in values])
    out = io.BytesIO()
    workbook.save(out)

    assert formulas_in(out.getvalue()) == []
    row = [cell for cell in cells(out.getvalue()) if cell.value is not None]
    assert [cell.value for cell in row[: len(FORMULAS) + 4]] == values[: len(FORMULAS) + 4]
    assert {cell.data_type for cell in row[: len(FORMULAS) + 4]} == {"s"}
    assert all(cell.quotePrefix for cell in row[: len(FORMULAS)])  # editing it in Excel keeps it text
    assert row[len(FORMULAS) + 4].value == 42


def test_control_characters_xml_cannot_hold_are_dropped_not_a_failed_workbook():
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet("x")
    worksheet.append([sheet_cell(worksheet, "张\x01三\x1b"), sheet_cell(worksheet, "=A1\x00")])
    out = io.BytesIO()
    workbook.save(out)
    assert [cell.value for cell in cells(out.getvalue())] == ["张三", "=A1"]


def test_the_rejected_rows_workbook_keeps_typed_formulas_as_text_and_they_import_again(
    client, django_capture_on_commit_callbacks
):
    """=cmd|… and =HYPERLINK(…) typed into a row come back in the rejected-rows workbook as text."""
    client.force_login(User.objects.get(username="huayuan_staff"))
    rows = [
        person_row(
            60 + n,
            room=f"9单元{101 + n}",
            name=formula,
            **{"手机号码": "0550-3012345"},  # the landline rejects the row
        )
        for n, formula in enumerate(FORMULAS)
    ]
    upload = SimpleUploadedFile("formulas.xlsx", typed_xlsx(rows))
    with django_capture_on_commit_callbacks(execute=True):  # the queued import runs at the commit
        response = client.post(reverse("registry:import"), {"file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.rejected == len(FORMULAS)

    download = client.get(reverse("registry:import_rejected", args=[job.pk])).content

    assert formulas_in(download) == []
    typed = [cell for cell in cells(download) if cell.value in FORMULAS]
    assert sorted(cell.value for cell in typed) == sorted(FORMULAS)
    assert {cell.data_type for cell in typed} == {"s"}
    # Fixed (a real mobile) and imported again, the names arrive exactly as typed.
    _header, records = sheet.read_rows(download)
    fixed = [{**record, "mobile": f"1390001{n:04d}"} for n, (_number, record) in enumerate(records, 60)]
    again = typed_xlsx([{c.header: r.get(c.key) for c in sheet.COLUMNS} for r in fixed])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import"), {"file": SimpleUploadedFile("fixed.xlsx", again)})
    assert sorted(Resident.objects.filter(name__startswith="=").values_list("name", flat=True)) == sorted(
        FORMULAS
    )


def test_the_residents_export_keeps_a_typed_formula_as_the_same_text():
    person = Resident.objects.filter(place_code__startswith="341102001003", is_active=True).first()
    Resident.objects.filter(pk=person.pk).update(name=FORMULAS[0])
    data = residents_export(
        actor=User.objects.get(username="huayuan_staff"),
        residents=Resident.objects.filter(pk=person.pk),
        reveal=False,
        reason="",
    )
    assert formulas_in(data) == []
    (name,) = [cell for cell in cells(data) if cell.value == FORMULAS[0]]
    assert name.data_type == "s"


def test_the_case_list_export_keeps_a_typed_formula_as_the_same_text():
    from huizhi.cases.exports import queue_workbook
    from huizhi.cases.models import Case

    case = Case.objects.order_by("pk").first()
    Case.objects.filter(pk=case.pk).update(title=FORMULAS[0])
    data = queue_workbook(Case.objects.filter(pk=case.pk))
    assert formulas_in(data) == []
    (title,) = [cell for cell in cells(data) if cell.value == FORMULAS[0]]
    assert title.data_type == "s"


def test_the_template_has_no_formula():
    assert formulas_in(sheet.template_bytes()) == []


def test_every_module_that_writes_a_workbook_is_checked_here():
    """A new export must be added above (and use sheet_cell), or this fails."""
    writers = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "huizhi").rglob("*.py")
        if "tests" not in path.parts
        and re.search(r"^\s*from openpyxl import .*Workbook\b", path.read_text(), re.M)
    }
    assert writers == set(WORKBOOK_WRITERS)
    for module in writers - {"huizhi/registry/sheet.py"}:  # the template holds only fixed text
        assert "sheet_cell(" in (ROOT / module).read_text(), module
