"""The leader's view (/console/stats/) through the browser, on a desktop and on a 390 px phone.

The street leader (李志强) opens this month's figures: headline tiles with a definition behind each
ⓘ, the trend and category charts drawn by the app's own ECharts (no request leaves the server, no
CSP error), with a table behind each; narrows to 花园街社区; downloads a ranking as .xlsx; is
refused a future month with a message. Community staff are refused another community. On the
phone the page fits the screen's width.
"""

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from huizhi.stats.metrics import HEADLINE
from tests.browser.helpers import cases_this_month, fits_the_screen, login

HUAYUAN = "341102001003"
FENGHUANG = "341102001001"


def test_the_street_leader_reads_the_months_figures(page, shot, tmp_path):
    cases_this_month(closed=3, open_=1, waiting=0)
    login(page, "street")
    page.goto("/console/stats/")
    tiles = page.locator(".tile")
    expect(tiles).to_have_count(len(HEADLINE))  # a tile per headline rate
    closure = page.locator(".tile[data-metric=closure]")
    expect(closure.locator("[data-value]")).to_have_text("100.00%")  # every case due to close is closed
    expect(closure.locator("a.info")).to_have_attribute("href", "#def-closure")
    expect(page.locator("#def-closure")).to_contain_text("结案率")
    # The charts are drawn (a canvas each) and their figures are in the tables below them.
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    expect(page.locator("#chart-categories canvas")).to_have_count(1)
    expect(page.locator("[data-table=trend] tbody tr")).to_have_count(12)
    expect(page.locator("[data-table=categories] tbody tr").first).to_contain_text("01")
    expect(page.locator("[data-table=ranking-community] tbody tr").first).to_contain_text("花园街社区")
    # The hot topics are grouped by their own request after the figures are shown, then fill in.
    expect(page.locator("#hot-topics[data-hot-grouped] #hot-computed-at")).to_contain_text("归类")
    expect(page.locator("[data-hot-src]")).to_have_count(0)
    shot(page, "street-this-month")

    # Narrow to 花园街社区: its grids are ranked, not the street's communities.
    page.locator("select[name=scope]").select_option(HUAYUAN)
    with page.expect_navigation():
        page.locator(".stats-filters button").click()
    expect(page.locator("[data-scope]")).to_have_text("花园街社区")
    expect(page.locator("[data-table=ranking-community]")).to_have_count(0)
    expect(page.locator("[data-table=ranking-grid] tbody tr").first).to_contain_text("花园街")
    shot(page, "huayuan-community")

    # Every table downloads; the grid ranking opens as a workbook with its denominators.
    with page.expect_download() as download:
        page.locator("[data-download=ranking-grid]").click()
    path = tmp_path / "grids.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(io.BytesIO(path.read_bytes())).active.iter_rows(values_only=True))
    assert rows[3][1].startswith("花园街") and rows[3][3] >= 3  # due to close: at least the three closed

    # A month that has not begun is refused with a message.
    page.goto("/console/stats/?period=month&month=2100-01")
    expect(page.locator("[data-refusal]")).to_contain_text("2100-01")
    shot(page, "future-month-refused")


def test_community_staff_are_refused_another_community(page, shot):
    login(page, "huayuan_staff")
    response = page.goto(f"/console/stats/?scope={FENGHUANG}")
    assert response.status == 403
    expect(page.locator("[data-refusal]")).to_be_visible()
    shot(page, "another-community-refused")


def test_the_view_reads_on_a_phone(phone_page, shot):
    cases_this_month(closed=2, open_=2)
    login(phone_page, "street")
    phone_page.goto("/console/stats/")
    expect(phone_page.locator(".tile")).to_have_count(len(HEADLINE))
    expect(phone_page.locator("#chart-trend canvas")).to_have_count(1)
    assert fits_the_screen(phone_page), "the page scrolls sideways on a 390 px phone"
    box = phone_page.locator("#chart-trend").bounding_box()
    assert box and box["width"] <= 390
    shot(phone_page, "phone-tiles-and-charts")
    phone_page.locator("[data-table=ranking-community]").scroll_into_view_if_needed()
    shot(phone_page, "phone-rankings")
