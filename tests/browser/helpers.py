"""What browser journeys share: the screens they use, signing in through the real form, the page's language."""

from functools import cache
from pathlib import Path

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


# axe-core, vendored from the npm registry (tests/browser/vendor/README.md). The app's
# Content-Security-Policy refuses inline scripts, so `page.add_script_tag` would be blocked (and
# its console error would fail the test); Playwright's evaluate runs through the DevTools protocol,
# which the policy does not govern. It is injected once per document and runs there.
AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_FAILING_IMPACTS = ("serious", "critical")
# Faults inside third-party widgets that no stylesheet can mend, by rule and target: Swagger UI
# (the API docs) draws each operation's summary as a button holding its copy and lock buttons.
AXE_THIRD_PARTY = {("nested-interactive", ".opblock-summary-control")}
# `preload: false`: axe would copy the style sheets into inline <style> elements to read their
# rules (only css-orientation-lock needs them), which the CSP refuses with a console error.
# The page at rest: a finite animation or transition (a Leaflet popup fading in) is waited for,
# at most a second, so colours are judged as a reader sees them.
_AXE_RUN = """async () => {
  const finite = document.getAnimations().filter(a => a.effect && a.effect.getTiming().iterations !== Infinity);
  await Promise.race([Promise.all(finite.map(a => a.finished.catch(() => null))), new Promise(r => setTimeout(r, 1000))]);
  const results = await axe.run(document, {resultTypes: ["violations"], preload: false});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(" ")),
    summaries: v.nodes.map(n => n.failureSummary || ""),
  }));
}"""


@cache
def _axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """Every axe-core violation on the page as it stands (all impacts), injecting axe once per document."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = []
    for v in page.evaluate(_AXE_RUN):
        kept = [
            (target, summary)
            for target, summary in zip(v["targets"], v["summaries"], strict=True)
            if not any(v["id"] == rule and part in target for rule, part in AXE_THIRD_PARTY)
        ]
        if kept:
            violations.append({**v, "targets": [t for t, _ in kept], "summaries": [s for _, s in kept]})
    return violations


def describe_violations(violations: list[dict], where: str) -> str:
    lines = []
    for v in violations:
        lines.append(f"{where}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for target, summary in zip(v["targets"][:5], v["summaries"][:5], strict=True):
            lines.append(f"    {target}  — {summary.splitlines()[-1].strip() if summary else ''}")
        if len(v["targets"]) > 5:
            lines.append(f"    … and {len(v['targets']) - 5} more")
    return "\n".join(lines)


def failing_violations(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS]


def assert_accessible(page: Page, name: str) -> list[dict]:
    """Fail on any serious or critical axe-core violation, naming rule, impact, targets and help.

    Returns every violation found (moderate and minor too), for a caller that records them.
    """
    violations = axe_violations(page)
    failing = failing_violations(violations)
    assert not failing, "axe-core found serious or critical violations:\n" + describe_violations(
        failing, name
    )
    return violations


def pick_place(scope, field: str, typed: str, label: str) -> None:
    """Choose a compound or building in a place picker as a person does: type a few words, wait
    for the places found, tap the one meant (huizhi/places/forms.py). `scope` is a page or form."""
    from playwright.sync_api import expect

    box = scope.locator(f"input[name={field}_text]")
    box.fill("")
    box.press_sequentially(typed, delay=30)
    option = scope.locator(".place-picker-options button", has_text=label).first
    expect(option).to_be_visible()
    option.click()
    expect(scope.locator(f"input[name={field}]")).not_to_have_value("")
    expect(box).to_have_value(label)


def cases_this_month(*, closed: int, open_: int, waiting: int = 0) -> None:
    """Cases at 扬天小区 11栋 this month, through the real services: `closed` closed, `open_`
    dispatched and open, `waiting` still to be accepted (the statistics' journeys read them)."""
    from huizhi.accounts.models import User
    from huizhi.cases.models import Category
    from huizhi.cases.services import case_report, case_transition
    from huizhi.cases.states import Source
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Organisation, Place

    people = {
        u.username: u
        for u in User.objects.filter(username__in=["gridworker", "huayuan_staff", "repair_crew"])
    }
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")
    crew = Organisation.objects.get(name="花园街社区红色汇治维修队")
    for n in range(closed + open_ + waiting):
        case = case_report(
            actor=people["gridworker"],
            category=Category.objects.get(code="0101"),
            source=Source.PATROL,
            title=f"扬天小区11栋门口垃圾堆放（{n + 1}）",
            description="门口垃圾堆放无人清运。",
            place=building,
        )
        if n >= closed + open_:
            continue
        case_transition(actor=people["huayuan_staff"], case_id=case.pk, action="accept")
        case_transition(actor=people["huayuan_staff"], case_id=case.pk, action="dispatch", unit=crew)
        if n < closed:
            case_transition(actor=people["repair_crew"], case_id=case.pk, action="start")
            case_transition(
                actor=people["repair_crew"], case_id=case.pk, action="report_result", note="已清运。"
            )
            case_transition(actor=people["gridworker"], case_id=case.pk, action="verify")


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def open_details(page: Page, selector: str):
    """The <details> block `selector` names, opened if it is closed (a case page's action, a
    meeting's section); the one element, so a selector that matches two fails loudly."""
    details = page.locator(selector)
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    return details
