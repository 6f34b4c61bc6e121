"""Two pages the other journeys do not reach: the API's Swagger docs (served by the app, under the
same CSP as every page) and the admin, where moderators keep the wall's spam patterns."""

from playwright.sync_api import expect

from huizhi.wall.models import SpamPattern
from tests.browser.helpers import login


def test_the_api_docs_render_every_operation_without_a_csp_error(page, shot):
    response = page.goto("/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    operations = page.locator(".swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 8  # categories, places, cases list/detail/create, transitions …
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/cases/")
    # The page's own rules arrive from the static file: the body has no margin.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    shot(page, "api-docs")
    # The fixture fails the test on any CSP violation logged by the page.


def test_a_moderator_keeps_spam_patterns_in_the_admin(page, shot):
    login(page, "admin")
    page.goto("/admin/")
    expect(page.locator("#content")).to_contain_text("问题墙")
    shot(page, "admin-index-in-chinese")

    page.goto("/admin/wall/spampattern/add/")
    page.locator("input[name=pattern]").fill("")
    page.locator("input[name=_save]").click()
    expect(page.locator(".errorlist")).to_be_visible()  # an empty pattern is refused
    shot(page, "empty-pattern-refused")

    before = SpamPattern.objects.count()
    page.locator("input[name=pattern]").fill("刷单")
    page.locator("input[name=note]").fill("刷单兼职广告")
    page.locator("input[name=_save]").click()
    expect(page.locator("#result_list")).to_contain_text("刷单")
    assert SpamPattern.objects.count() == before + 1
    shot(page, "pattern-saved")

    # Posts are written by the services only: the admin shows them read-only.
    page.goto("/admin/wall/post/")
    expect(page.locator("#result_list")).to_be_visible()
    expect(page.locator(".object-tools a.addlink")).to_have_count(0)  # no "add" on posts
    shot(page, "posts-read-only")
