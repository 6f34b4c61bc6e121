"""What browser journeys share: the screens they use, signing in through the real form, the page's language."""

from playwright.sync_api import Page, Response

from huizhi.site.demo import DEMO_PASSWORD

LOGIN_PATH = "/accounts/login/"

# Browser context options.
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# A common phone (iPhone 12-15 class): what a grid worker carries on patrol.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def login(page: Page, username: str, password: str = DEMO_PASSWORD) -> Response | None:
    """Sign in through the form at /accounts/login/, as a person would; assert nothing.

    Returns the response of the page the form lands on (after any redirect), so a journey can
    check both a good sign-in (it leaves the form) and a refused one (the form again, or 429).
    """
    page.goto(LOGIN_PATH)
    form = page.locator("main form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    return navigation.value


def is_signed_in(page: Page) -> bool:
    """True when the top bar offers to sign out (it only does for a signed-in user)."""
    return page.locator(".topbar form[action='/accounts/logout/'] button").count() == 1


def html_lang(page: Page) -> str:
    return page.locator("html").get_attribute("lang") or ""
