"""The monthly report as a PDF, read back: its text (the same figures as the .xlsx, in Chinese
where the data and the translations are Chinese), page 1 drawn as an image, pages that keep the
tables inside the margins, and who may have it."""

import io
import urllib.request
from pathlib import Path

import pypdfium2
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from PIL import ImageOps
from pypdf import PdfReader

from huizhi.cases.tests.factories import FENGHUANG, HUAYUAN, STREET, user
from huizhi.places.models import Place
from huizhi.stats import pdf, tables
from huizhi.stats.periods import parse_period
from huizhi.stats.tables import COUNT, TEXT, Column, Table
from huizhi.stats.tests.helpers import scope

pytestmark = pytest.mark.django_db

REPORT = reverse("stats:report")
MARCH = {"month": "2025-03", "format": "pdf"}
OUTPUT = Path(__file__).resolve().parents[3] / "test-output" / "reports"
MM = 72 / 25.4  # PDF points in a millimetre: pypdfium2 at scale 1 draws a point as a pixel


def signed_in(client, username: str, language: str = "en"):
    client.force_login(user(username))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def pdf_of(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return response.content


def text_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squashed(text: str) -> str:
    """Without white space: a cell's words wrap onto lines of their own in the extracted text."""
    return "".join(text.split())


def fonts_of(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_the_street_report_has_the_same_figures_as_the_xlsx(client, month):
    client = signed_in(client, "street")
    data = pdf_of(client.get(REPORT, MARCH))
    book = load_workbook(io.BytesIO(client.get(REPORT, {**MARCH, "format": "xlsx"}).content))
    text = "\n".join(text_of(data))
    street = Place.objects.get(code=STREET).name
    assert f"{street} · Monthly report · 2025-03" in text
    # Every sheet of the workbook is a table of the PDF, under the same title and header row.
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] in text, rows[0][0]
    assert "Rank Community Reported Due to close" in text.replace("\n", " ")
    # The headline figures, row by row as the xlsx has them: 结案率 80% of 5 due, and the rest.
    headline = list(book.worksheets[0].iter_rows(values_only=True))[3:]
    for label, value, numerator, denominator, *_rest in headline:
        shown = value if value == "—" else f"{value:.2f}%"  # the xlsx writes no figure as a dash
        assert squashed(f"{label} {shown} {numerator} {denominator}") in squashed(text), label
    assert "Closure rate (结案率) 80.00% 4 5" in text
    # The community ranking's first row, as the xlsx has it: 7 reported, 5 due, 4 closed, 3 on time.
    ranking = next(s for s in book.worksheets if s["A1"].value == "Ranking: Communities")
    first = list(ranking.iter_rows(values_only=True))[3]
    assert first[1:6] == ("花园街社区", 7, 5, 4, 3)
    assert "1 花园街社区 7 5 4 3 80.00% 60.00% 3 66.67%" in text
    assert "Definitions" in text and "Figures as of" in text


def test_the_report_reads_in_chinese_in_a_chinese_font(client, month):
    data = pdf_of(signed_in(client, "street", "zh-hans").get(REPORT, {**MARCH, "scope": HUAYUAN}))
    text = "\n".join(text_of(data))
    with translation.override("zh-hans"):
        headers = [_("Closure rate (%)"), _("Grid"), _("Definitions")]
    assert "花园街社区" in text and "2025-03" in text
    for header in headers:
        assert header in text and any("\u4e00" <= ch <= "\u9fff" for ch in header), header
    assert "花园街第1网格 7 5 4 3 80.00% 60.00% 3 66.67%" in text  # the grid ranking's row
    # The glyphs come from the CJK font the machine has (fonts-noto-cjk), not a fallback's boxes.
    fonts = {name.replace("-", "").replace(" ", "") for name in fonts_of(data)}
    assert any("NotoSansCJKSC" in name for name in fonts), fonts


def test_page_one_draws_as_a_readable_image(client, month):
    data = pdf_of(signed_in(client, "street", "zh-hans").get(REPORT, MARCH))
    page = pypdfium2.PdfDocument(data)[0]
    width, height = page.get_size()
    assert (round(width / MM), round(height / MM)) == (210, 297)  # A4
    image = page.render(scale=2).to_pil().convert("RGB")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    image.save(OUTPUT / f"report-{STREET}-2025-03-p1.png")
    grey = ImageOps.grayscale(image)
    histogram = grey.histogram()
    dark = sum(histogram[:128])  # text and figures
    assert dark > 0.005 * image.width * image.height
    assert sum(histogram[250:]) > 0.6 * image.width * image.height  # on a white page, not a smear
    assert grey.crop((0, 0, image.width, image.height // 3)).getextrema()[0] < 64  # the title


def every_page(data: bytes):
    document = pypdfium2.PdfDocument(data)
    for index in range(len(document)):
        yield ImageOps.grayscale(document[index].render(scale=1).to_pil())


def test_no_table_runs_past_the_right_margin(client, month):
    """The widest tables (ten columns of a ranking) stay inside A4's 13 mm side margins."""
    data = pdf_of(signed_in(client, "street").get(REPORT, MARCH))
    for number, image in enumerate(every_page(data), start=1):
        # The strip of the right margin between the running header and footer: white.
        margin = image.crop(
            (image.width - int(11 * MM), int(15 * MM), image.width, image.height - int(15 * MM))
        )
        assert margin.getextrema() == (255, 255), f"page {number}"


def test_a_long_table_goes_on_across_pages_under_its_header_row(month):
    board = tables.build(scope(STREET), parse_period({"period": "month", "month": "2025-03"}))
    long = Table(
        "long",
        "A long table",
        [Column("Long header", TEXT), Column("Reported", COUNT)],
        [[f"row-{n:03d}", n] for n in range(150)],
    )
    pages = text_of(pdf.report_pdf(board, [long]))
    holding = [text for text in pages if "row-" in text]
    assert len(holding) >= 3
    assert all("Long header Reported" in text for text in holding)
    assert all(f"row-{n:03d}" in "".join(pages) for n in range(150))


def test_drawing_fetches_nothing_from_anywhere(monkeypatch):
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    opened = []

    def refuse(self, request, *args, **kwargs):
        opened.append(getattr(request, "full_url", request))
        raise OSError("no network in tests")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    page = (
        '<link rel="stylesheet" href="https://example.com/a.css">'
        '<img src="http://example.com/a.png"><img src="file:///etc/hostname"><p>街道</p>'
    )
    HTML(string=page, url_fetcher=URLFetcher()).write_pdf()
    assert opened, "the stock fetcher would have fetched: the check below can fail"
    opened.clear()
    HTML(string=page, url_fetcher=pdf._fetcher()).write_pdf()
    assert opened == []


def test_the_reports_html_names_no_url(month):
    board = tables.build(scope(STREET), parse_period({"period": "month", "month": "2025-03"}))
    html = pdf.report_html(board, board.tables)
    assert "://" not in html and "src=" not in html and "href=" not in html


@pytest.mark.parametrize(
    "username, params, code",
    [
        ("street", {}, STREET),
        ("street", {"scope": HUAYUAN}, HUAYUAN),
        ("huayuan_staff", {}, HUAYUAN),  # their own community, asked for or not
    ],
)
def test_the_street_leader_and_the_communitys_staff_download_it(client, month, username, params, code):
    response = signed_in(client, username).get(REPORT, {**MARCH, **params})
    data = pdf_of(response)
    assert response["Content-Disposition"] == f'attachment; filename="report-{code}-2025-03.pdf"'
    assert Place.objects.get(code=code).name in text_of(data)[0]


@pytest.mark.parametrize(
    "username, params, status",
    [
        ("huayuan_staff", {"scope": FENGHUANG}, 403),  # another community
        ("huayuan_staff", {"scope": STREET}, 403),  # the street above
        ("street", {"scope": "341102009"}, 403),  # outside the street
        ("street", {"month": "2100-01"}, 400),  # has not begun
        ("street", {"month": "2999-01"}, 400),
        ("street", {"month": "2025-3x"}, 400),
        ("street", {"month": ""}, 400),
        ("street", {"format": "docx"}, 400),
    ],
)
def test_the_pdf_is_refused_as_the_xlsx_is(client, username, params, status):
    response = signed_in(client, username).get(REPORT, {**MARCH, **params})
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert "data-refusal" in response.content.decode()


def test_the_dashboard_offers_the_pdf(client, month):
    html = signed_in(client, "street").get(
        reverse("stats:dashboard"), {"period": "month", "month": "2025-03"}
    )
    link = f"{REPORT}?scope={STREET}&amp;month=2025-03&amp;format=pdf"
    assert 'id="monthly-report-pdf"' in html.content.decode() and link in html.content.decode()
