"""The map shows grid names as text: a name holding markup is printed, never rendered.

A grid named with HTML must not render in the tooltip (the CSP stops a script, not markup). Leaflet
inserts a string tooltip or popup as HTML, so map.js hands it DOM nodes.
"""

from playwright.sync_api import expect

from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from tests.browser.helpers import login

GRID = "341102001003005"  # 花园街第5网格
NAME = '第5网格<b id="injected">粗体</b><img id="injected-img" src="/static/nothing.png">'


def test_a_grid_name_with_markup_shows_as_text_in_the_tooltip_and_popup(page, shot):
    Place.objects.filter(kind=PlaceKind.GRID, code=GRID).update(name=NAME)
    login(page, "huayuan_staff")
    page.goto("/console/grids/")
    expect(page.locator("#map[data-drawn='13']")).to_be_attached()

    polygon = page.locator("#map path.leaflet-interactive").nth(4)
    polygon.hover()
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_have_text(NAME)
    shot(page, "tooltip")
    polygon.click()
    expect(page.locator(".leaflet-popup-content a")).to_have_text(f"{NAME} ({GRID})")
    shot(page, "popup")

    assert page.locator("#injected, #injected-img").count() == 0
