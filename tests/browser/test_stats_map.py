"""The leader's map (/console/stats/map/) through the browser, on a desktop and on a 390 px phone.

The street leader (李志强) opens the figures, follows the link to the map: the 78 grids are drawn
as polygons with Leaflet served by the app (no tile server, no request leaving the server, no CSP
error), the open cases as pins; clicking 花园街第1网格 shows its figures beside the map; the
table beneath lists every grid. On the phone the page fits the screen and a tap shows the figures.
"""

import re

from playwright.sync_api import expect

from tests.browser.helpers import cases_this_month, fits_the_screen, login

GRID = "341102001003001"  # 花园街第1网格: 扬天小区
GRIDS = 78


def _grid_polygon(page, code: str):
    return page.locator(f"#stats-map path.grid-{code}")


def test_the_leader_opens_the_map_and_reads_a_grids_figures(page, shot):
    cases_this_month(closed=2, open_=2, waiting=1)
    login(page, "street")
    page.goto("/console/stats/")
    with page.expect_navigation():
        page.locator("#stats-map-link").click()
    assert "/console/stats/map/" in page.url

    the_map = page.locator("#stats-map")
    expect(the_map).to_have_attribute("data-drawn", "true")
    expect(the_map).to_have_attribute("data-grids", str(GRIDS))
    # Every grid is an SVG path of its own; the pins are paths too, in their own pane.
    expect(page.locator("#stats-map .leaflet-overlay-pane path.grid")).to_have_count(GRIDS)
    assert int(the_map.get_attribute("data-pins")) >= 3
    expect(page.locator("#stats-map .leaflet-pins-pane path.case-pin")).to_have_count(
        int(the_map.get_attribute("data-pins"))
    )
    # No tile server is configured: the plain background, no tile requested.
    expect(page.locator("#stats-map .leaflet-tile")).to_have_count(0)
    expect(page.locator("[data-table=map-grids] tbody tr")).to_have_count(GRIDS)
    shot(page, "street-map")

    # A click on 花园街第1网格 shows its figures beside the map (and in a popup on it).
    _grid_polygon(page, GRID).click()
    expect(the_map).to_have_attribute("data-selected", GRID)
    card = page.locator("#grid-figures-body .grid-card")
    expect(card.locator("h3")).to_contain_text("花园街第1网格")
    expect(card.locator("dd")).to_have_count(4)
    reported = page.locator(f"[data-table=map-grids] tr[data-grid='{GRID}'] td").nth(1).inner_text()
    expect(card.locator("dd").first).to_have_text(reported)
    assert int(reported) >= 5
    expect(page.locator(".leaflet-popup-content .grid-card-title")).to_contain_text("花园街第1网格")
    page.wait_for_timeout(300)  # the popup fades in
    shot(page, "grid-figures")

    # Zoomed in, the compounds are named on the map; at the street's zoom they are not.
    expect(page.locator(".compound-label")).to_have_count(0)
    page.locator(".leaflet-popup-close-button").click()
    for _ in range(3):
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(400)
    expect(page.locator(".compound-label").first).to_be_visible()
    shot(page, "zoomed-in-names")

    # A pin tells the case's reference, title, category and time left.
    page.locator("#stats-map path.case-pin").first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content .pin-card")
    expect(popup.locator("strong").first).to_have_text(re.compile(r"^HZ\d{7}$"))
    expect(popup.locator(".pin-left")).not_to_be_empty()
    page.wait_for_timeout(300)
    shot(page, "pin")


def test_the_map_reads_on_a_phone(phone_page, shot):
    cases_this_month(closed=1, open_=1, waiting=1)
    login(phone_page, "street")
    phone_page.goto("/console/stats/map/")
    the_map = phone_page.locator("#stats-map")
    expect(the_map).to_have_attribute("data-grids", str(GRIDS))
    assert fits_the_screen(phone_page), "the page scrolls sideways on a 390 px phone"
    box = the_map.bounding_box()
    assert box and box["width"] <= 390
    shot(phone_page, "phone-map")

    # At the street's zoom a grid is a thumb wide: tap its upper right, clear of the pins at 扬天小区.
    the_map.scroll_into_view_if_needed()
    polygon = _grid_polygon(phone_page, GRID).bounding_box()
    phone_page.touchscreen.tap(polygon["x"] + polygon["width"] * 0.8, polygon["y"] + polygon["height"] * 0.2)
    expect(the_map).to_have_attribute("data-selected", GRID)
    expect(phone_page.locator("#grid-figures-body .grid-card h3")).to_contain_text("花园街第1网格")
    assert fits_the_screen(phone_page)
    shot(phone_page, "phone-grid-figures")
    phone_page.locator("[data-table=map-grids]").scroll_into_view_if_needed()
    shot(phone_page, "phone-grid-table")
