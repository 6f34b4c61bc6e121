"""Browser journeys: Playwright drives Debian's chromium (never a downloaded browser).

One chromium per test session; a fresh context (cookies, storage) and page per test. Every page
the fixtures hand out records its requests, and a test fails when any of them leaves the live
server: the app has to work on an intranet with no internet. Screenshots go to
test-output/screenshots/<test name>/<NN>-<step>.png.
"""

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.helpers import DESKTOP, PHONE, axe_violations, describe_violations, failing_violations

# The Playwright sync API keeps an asyncio loop running in the main thread; Django's ORM
# refuses to run under a running loop unless told that this is a test harness, not a server.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",  # the browser's own controls (file and date pickers) in Chinese, as at the street office
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
BROWSER_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    # This hook sees the whole session's items; mark only the ones under tests/browser.
    for item in items:
        if BROWSER_TESTS in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (browsers are never downloaded)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright(_chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright, _chromium, live_server):
    # No internet, as on a government intranet: every host but the live server's fails to resolve.
    offline = f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {urlsplit(live_server.url).hostname}"
    browser = playwright.chromium.launch(
        executable_path=str(_chromium), headless=True, args=[*CHROMIUM_ARGS, offline]
    )
    yield browser
    browser.close()


class PageWatch:
    """What the pages of one test asked for, and what went wrong in them."""

    def __init__(self, origin: str):
        self.origin = origin
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.in_flight: set = set()

    def attach(self, page) -> None:
        page.on("request", lambda request: (self.requests.append(request.url), self.in_flight.add(request)))
        page.on("requestfinished", lambda request: self.in_flight.discard(request))
        page.on("requestfailed", lambda request: self.in_flight.discard(request))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        # A Content-Security-Policy violation only shows in the console, yet breaks the page.
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )

    def settle(self, pages, seconds: float = 5) -> None:
        """Wait until the pages' requests have been answered: a fetch the page's script sent last
        (a suggestion, a duplicate check) is otherwise still being served when the test's database
        is emptied, and SQLite refuses that ("database table is locked")."""
        deadline = time.monotonic() + seconds
        while self.in_flight and time.monotonic() < deadline:
            pages[0].wait_for_timeout(50)  # lets Playwright deliver the finished events

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.origin + "/")]


@pytest.fixture
def page_watch(live_server) -> PageWatch:
    return PageWatch(live_server.url)


@pytest.fixture
def new_page(browser, live_server, live_demo, page_watch) -> Iterator[Callable]:
    """Open pages in fresh contexts (desktop unless told otherwise) on the live demo street.

    Chinese is what the browser asks for, as a browser in the street office would. A request to
    any other host fails to resolve (see `browser`) and fails the test.
    """
    contexts = []

    def open_page(**context_args):
        options = {**DESKTOP, "locale": "zh-CN", "base_url": live_server.url, **context_args}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page_watch.attach(page)
        return page

    yield open_page
    pages = [page for context in contexts for page in context.pages if not page.is_closed()]
    if pages:
        page_watch.settle(pages)
    for context in contexts:
        context.close()
    foreign = page_watch.foreign_requests()
    if foreign:
        pytest.fail(f"pages asked for hosts other than the live server {live_server.url}: {foreign}")
    if page_watch.errors:
        pytest.fail(f"errors in the page: {page_watch.errors}")


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone_page(new_page):
    return new_page(**PHONE)


def _safe(name: str) -> str:
    """A file name: letters (CJK too), digits, dots and dashes; anything else becomes a dash."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-")


@pytest.fixture
def shot(request) -> Iterator[Callable]:
    """shot(page, "step") saves a full-page PNG as <NN>-<step>.png, numbered in the order taken.

    Every page shot is also checked by axe-core: its violations (all impacts) are written beside
    the screenshots in axe.json, and the test fails when it ends if any step had a serious or
    critical one (the journey runs on, so one run names every faulty page).
    """
    folder = SCREENSHOTS / _safe(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken = 0
    found: dict[str, dict] = {}
    failing: list[str] = []

    def take(page, step: str) -> Path:
        nonlocal taken
        taken += 1
        path = folder / f"{taken:02d}-{_safe(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        violations = axe_violations(page)
        where = f"{path.stem} {urlsplit(page.url).path}"
        found[where] = violations
        if bad := failing_violations(violations):
            failing.append(describe_violations(bad, where))
        return path

    yield take
    (folder / "axe.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    if failing:
        pytest.fail("axe-core found serious or critical violations:\n" + "\n".join(failing), pytrace=False)
