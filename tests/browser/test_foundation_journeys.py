"""The first journeys through the demo street: signing in, scope, the map, the phone page, language.

UI labels may be Chinese or English while translation goes on, so the journeys assert on codes,
counts, data attributes, URLs and HTTP statuses; place names are data and are asserted as such.
"""

from playwright.sync_api import expect

from tests.browser.helpers import LOGIN_PATH, PHONE, html_lang, is_signed_in, login

STREET = "341102001"
FENGHUANG = "341102001001"
HUAYUAN = "341102001003"
COMMUNITY_CODES = [f"{STREET}{n:03d}" for n in range(1, 7)]


def test_community_staff_sees_only_their_community(page, shot):
    login(page, "huayuan_staff")
    assert is_signed_in(page)
    shot(page, "signed-in")

    response = page.goto("/console/overview/")
    assert response.status == 200
    rows = page.locator("tr[data-community]")
    expect(rows).to_have_count(1)
    row = rows.first
    assert row.get_attribute("data-community") == HUAYUAN
    expect(row.locator("td").first).to_have_text("花园街社区")
    expect(row.locator("td.num").first).to_have_text("13")
    expect(page.locator("dd[data-figure=grids]")).to_have_text("13")
    shot(page, "overview")

    page.goto("/console/grids/")
    expect(page.locator("#map[data-drawn='13']")).to_be_attached()
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(13)
    codes = page.locator("#grid-table tbody td.code").all_inner_texts()
    assert codes == [f"{HUAYUAN}{n:03d}" for n in range(1, 14)]
    shot(page, "grids-map")

    # Clicking a polygon opens its popup, whose link leads to that grid's page.
    page.locator("#map path.leaflet-interactive").nth(4).click()
    popup_link = page.locator(".leaflet-popup-content a")
    expect(popup_link).to_have_attribute("href", f"/console/grids/{HUAYUAN}005/")
    expect(popup_link).to_contain_text("花园街第5网格")
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    shot(page, "grid-popup")

    page.locator("#grid-table").get_by_role("link", name="花园街第1网格").click()
    expect(page).to_have_url(f"/console/grids/{HUAYUAN}001/")
    expect(page.locator("main h1 .code")).to_have_text(f"{HUAYUAN}001")
    expect(page.locator("#map[data-drawn='1']")).to_be_attached()
    expect(page.locator("main table")).to_contain_text("扬天小区")
    shot(page, "own-grid")

    response = page.goto(f"/console/grids/{FENGHUANG}001/")
    assert response.status == 404
    # The 404 does not tell whether the grid exists: neither its code nor its name shows.
    main = page.locator("main").inner_text()
    assert f"{FENGHUANG}001" not in main
    assert "凤凰" not in main
    expect(page.locator("#map")).to_have_count(0)
    shot(page, "other-community-grid-404")


def test_street_leadership_sees_the_street_totals(page, shot):
    login(page, "street")
    shot(page, "signed-in")

    response = page.goto("/console/overview/")
    assert response.status == 200
    expect(page.locator(f"section[data-street='{STREET}']")).to_have_count(1)
    expect(page.locator("dd[data-figure=grids]")).to_have_text("78")
    expect(page.locator("dd[data-figure=branches]")).to_have_text("45")
    expect(page.locator("dd[data-figure=without-property]")).to_have_text("119")
    expect(page.locator("dd[data-figure=with-property]")).to_have_text("41")
    communities = [row.get_attribute("data-community") for row in page.locator("tr[data-community]").all()]
    assert communities == COMMUNITY_CODES
    grids_per_community = page.locator("tr[data-community] td.num:nth-child(2)").all_inner_texts()
    assert grids_per_community == ["13"] * 6
    shot(page, "overview")


def test_resident_cannot_open_the_console(page, shot):
    login(page, "13900000002")
    assert is_signed_in(page)
    assert LOGIN_PATH not in page.url
    # The top bar offers a resident no way into the console.
    expect(page.locator(".topnav a[href^='/console/']")).to_have_count(0)
    shot(page, "signed-in")

    for step, path in [("console", "/console/"), ("overview", "/console/overview/")]:
        response = page.goto(path)
        assert response.status == 403, path
        expect(page).to_have_url(path)
        expect(page.locator("dd[data-figure]")).to_have_count(0)
        expect(page.locator("tr[data-community]")).to_have_count(0)
        shot(page, f"{step}-403")


def test_wrong_password_is_refused_and_five_failures_lock_the_account(page, shot):
    response = login(page, "huayuan_staff", "not-the-password")
    assert response.status == 200
    expect(page).to_have_url(LOGIN_PATH)
    alert = page.locator("main form [role=alert]")
    expect(alert).to_be_visible()
    expect(alert).not_to_be_empty()
    # The username stays filled in, the password does not.
    expect(page.locator("input[name=username]")).to_have_value("huayuan_staff")
    expect(page.locator("input[name=password]")).to_have_value("")
    assert not is_signed_in(page)
    shot(page, "wrong-password")

    statuses = [response.status]
    for _attempt in range(4):
        statuses.append(login(page, "huayuan_staff", "still-not-it").status)
    assert statuses[:4] == [200] * 4
    assert statuses[4] == 429, statuses
    shot(page, "locked-after-five-failures")

    response = login(page, "huayuan_staff")
    assert response.status == 429
    expect(page.locator("main [role=alert]")).to_be_visible()
    assert not is_signed_in(page)
    shot(page, "right-password-refused")

    page.goto("/console/")
    expect(page).to_have_url(f"{LOGIN_PATH}?next=/console/")
    assert not is_signed_in(page)
    shot(page, "still-signed-out")


def test_grid_worker_phone_page_fits_the_screen(phone_page, shot):
    page = phone_page
    login(page, "gridworker")
    assert is_signed_in(page)
    shot(page, "signed-in")

    response = page.goto("/m/grids/")
    assert response.status == 200
    cards = page.locator("main section.card")
    expect(cards).to_have_count(1)
    expect(cards.locator("h2")).to_have_text("花园街第1网格")
    expect(cards.locator("li").first).to_contain_text("扬天小区")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == 390
    assert scroll_width <= inner_width, f"the page scrolls sideways: {scroll_width}px in {inner_width}px"
    # The grid is on the first screen: the top bar does not push it out of sight.
    card_top = cards.bounding_box()["y"]
    assert card_top < 844, f"the grid starts {card_top:.0f}px down, below the first screen"
    shot(page, "my-grids")


def test_language_switch_changes_the_page_language(page, shot):
    login(page, "street")
    page.goto("/console/overview/")
    assert html_lang(page) == "zh-Hans"
    expect(page.locator("button[name=language][value=zh-hans]")).to_have_attribute("aria-pressed", "true")
    shot(page, "chinese")

    with page.expect_navigation():
        page.locator("button[name=language][value=en]").click()
    assert html_lang(page) == "en"
    expect(page).to_have_url("/console/overview/")  # the switch keeps you on the page you were on
    expect(page.locator("button[name=language][value=en]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("dd[data-figure=grids]")).to_have_text("78")
    shot(page, "english")

    page.goto("/console/grids/")  # the choice sticks on the next page
    assert html_lang(page) == "en"
    shot(page, "english-next-page")

    with page.expect_navigation():
        page.locator("button[name=language][value=zh-hans]").click()
    assert html_lang(page) == "zh-Hans"
    expect(page).to_have_url("/console/grids/")
    shot(page, "chinese-again")


def test_every_page_is_served_by_the_app_alone(new_page, page_watch, live_server, shot):
    page = new_page()
    login(page, "admin")
    assert is_signed_in(page)
    shot(page, "signed-in")
    # Every page the top bar offers the administrator (it sees them all), then a few more.
    menu = page.locator(".topnav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert {"/console/", "/console/overview/", "/console/grids/", "/admin/"} <= set(menu)
    for path in [*menu, "/", f"/console/grids/{HUAYUAN}001/"]:
        response = page.goto(path)
        assert response.status == 200, path
        if path.startswith("/console/grids/"):
            expect(page.locator("#map[data-drawn]")).to_be_attached()  # Leaflet came from the app
        shot(page, path.strip("/") or "home")
    response = page.goto("/console/grids/000000000000000/")
    assert response.status == 404
    shot(page, "not-found")

    phone = new_page(**PHONE)
    login(phone, "gridworker")
    assert phone.goto("/m/grids/").status == 200
    shot(phone, "phone-my-grids")

    anonymous = new_page()
    anonymous.goto("/")
    shot(anonymous, "anonymous-home")
    anonymous.goto(LOGIN_PATH)
    shot(anonymous, "anonymous-login")

    assert any(url.endswith("/static/vendor/leaflet-1.9.4/leaflet.js") for url in page_watch.requests)
    assert any(url.endswith("/static/huizhi/css/app.css") for url in page_watch.requests)
    assert all(url.startswith(live_server.url + "/") for url in page_watch.requests), (
        page_watch.foreign_requests()
    )
