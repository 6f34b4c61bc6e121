"""The problem wall's whole loop through the browser (issue 4, DESIGN §5): 居民上墙—社区分拣—立案处置—回音壁公示—居民评价.

A resident signs in on a phone with a texted code and posts a broken street light; the wall offers
a neighbour's open street-light item nearby, and the resident posts their own anyway. Community
staff triage it into a case and drive it through the real case pages with the repair crew. The
public echo wall then shows the fix (the crew's note, the before and after photos, how long it
took) without the resident's number, and the resident rates it from "My posts".

The wall's own wording is not translated yet, so steps are found by ids, names and data
attributes; statuses that come from cases are asserted in Chinese, as a person reads them.
"""

import re
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import Locator, Page, expect

from huizhi.accounts.models import User
from huizhi.cases.models import Case, Category
from huizhi.core.sms import MemorySmsBackend
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.wall import services
from huizhi.wall.models import Post, Stage
from tests.browser.helpers import PHONE, login, pick_place

MOBILE = "13933330001"
COMMUNITY = "花园街社区"
COMPOUND = "扬天小区"
CREW = "花园街社区红色汇治维修队"
TITLE = "扬天小区3栋旁路灯坏了"
DESCRIPTION = "3栋和4栋之间的路灯灯罩掉了，灯泡也不亮，晚上那段路一片漆黑。"
NEIGHBOUR_TITLE = "扬天小区北门路灯闪烁"
RESPONSE = "已转为案件，社区已安排维修队检修这盏路灯，请留意进展。"
RESULT = "更换了灯罩和灯泡，3栋旁路灯已恢复照明。"


def _photo(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    """A small JPEG standing in for what the phone's camera took."""
    image = Image.new("RGB", (320, 240), colour)
    ImageDraw.Draw(image).ellipse((120, 40, 200, 120), fill=(250, 240, 180))
    path = folder / f"{name}.jpg"
    image.save(path, format="JPEG")
    return path


def _neighbours_open_light() -> Post:
    """An open street-light item in the same compound (the demo's own was fixed and closed)."""
    neighbour = User.objects.get(username="demo-resident-3")
    draft = services.post_draft(
        actor=neighbour,
        category=Category.objects.get(code="0602"),
        title=NEIGHBOUR_TITLE,
        description="北门那盏路灯一闪一闪的，晚上看着很晃眼。",
        place=Place.objects.get(kind=PlaceKind.COMPOUND, name=COMPOUND),
    )
    post = services.post_submit(actor=neighbour, post_id=draft.pk)
    assert post.stage == Stage.OPEN
    return post


def _texted_code() -> str:
    texts = [text for mobile, text in MemorySmsBackend.outbox if MOBILE in mobile]
    assert texts, f"no text message went to {MOBILE}: {MemorySmsBackend.outbox}"
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", texts[-1])
    assert match, f"no six-digit code in {texts[-1]!r}"
    return match.group(1)


def _success(page: Page) -> Locator:
    return page.locator("ul.messages li.success")


def _expect_status(page: Page, status: str, label: str) -> None:
    expect(page.locator(f".case-head[data-status={status}]")).to_be_visible()
    expect(page.locator("#case-status")).to_have_text(label)


def _action(page: Page, action: str) -> Locator:
    """The case action form `action`, unfolded (only the first one on the page starts open)."""
    details = page.locator(f"details.action[data-action={action}]")
    expect(details).to_have_count(1)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def _submit(page: Page, scope: Locator) -> None:
    with page.expect_navigation():
        scope.locator("button").last.click()


def _expect_loaded(page: Page, images: Locator, count: int) -> None:
    """`count` images that really arrived (lazy ones are scrolled to first)."""
    expect(images).to_have_count(count)
    for image in images.all():
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())


def test_resident_post_becomes_a_fixed_case_on_the_echo_wall(
    phone_page, page, new_page, shot, tmp_path, settings, monkeypatch
):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    monkeypatch.setattr(MemorySmsBackend, "outbox", [])
    neighbours = _neighbours_open_light()
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name=COMMUNITY)

    # 1. The resident wants to post; the wall asks them to sign in with their mobile first.
    resident = phone_page
    resident.goto("/wall/post/")
    expect(resident).to_have_url(re.compile(r"/wall/login/\?next=/wall/post/$"))
    resident.locator("input[name=mobile]").fill(MOBILE)
    shot(resident, "resident-enters-mobile")
    with resident.expect_navigation():
        resident.locator("#send-code").click()
    expect(_success(resident)).to_be_visible()
    code_input = resident.locator("input[name=code]")
    expect(code_input).to_be_visible()
    code_input.fill(_texted_code())
    shot(resident, "resident-enters-texted-code")
    with resident.expect_navigation():
        resident.locator("#verify-code").click()
    expect(resident).to_have_url("/wall/post/")
    shot(resident, "resident-signed-in-post-form")

    # 2. They post the broken light with a photo.
    form = resident.locator("#report-form")
    light = form.locator("select[name=category] option", has_text=re.compile(r"^\s*0602"))
    expect(light).to_have_count(1)
    expect(light).to_contain_text("路灯")
    form.locator("select[name=category]").select_option(light.get_attribute("value"))
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=description]").fill(DESCRIPTION)
    pick_place(form, "place", COMPOUND, COMPOUND)
    form.locator("input[name=photos]").set_input_files(_photo(tmp_path, "before", (40, 40, 70)))
    shot(resident, "resident-fills-the-post")
    with resident.expect_navigation():
        form.locator("button[type=submit]").click()

    # 3. "Is it one of these?": the neighbour's open light nearby; they post their own anyway.
    expect(resident).to_have_url(re.compile(r"/wall/post/\d+/nearby/$"))
    offered = resident.locator("ul.nearby li[data-post]")
    expect(offered).to_have_count(1)
    expect(offered).to_have_attribute("data-post", str(neighbours.pk))
    expect(offered).to_contain_text(NEIGHBOUR_TITLE)
    expect(resident.locator("#post-anyway")).to_be_visible()
    expect(resident.locator("main")).to_contain_text(TITLE)
    shot(resident, "resident-offered-the-nearby-item")
    with resident.expect_navigation():
        resident.locator("button#post-anyway").click()
    match = re.search(r"/wall/mine/(\d+)/$", resident.url)
    assert match, f"posting did not land on the resident's post page: {resident.url}"
    post = Post.objects.select_related("author").get(pk=int(match.group(1)))
    assert (post.title, post.stage, post.author.mobile) == (TITLE, Stage.OPEN, MOBILE)
    assert (post.place.name, post.category.code, post.photos.count()) == (COMPOUND, "0602", 1)
    neighbours.refresh_from_db()
    assert neighbours.supports_count == 0  # declining the offer supports nothing
    expect(_success(resident)).to_contain_text(post.reference)
    expect(resident.locator("h1")).to_have_text(TITLE)
    _expect_loaded(resident, resident.locator("main .photos img"), 1)
    shot(resident, "resident-sees-their-post")

    # 4. Community staff find it in the triage queue and make it a case.
    login(page, "huayuan_staff")
    page.goto("/console/wall/")
    row = page.locator(f"tr[data-post='{post.pk}']")
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text(COMPOUND)
    expect(page.locator(f"tr[data-post='{neighbours.pk}']")).to_be_visible()
    shot(page, "staff-triage-queue")
    with page.expect_navigation():
        row.get_by_role("link").click()
    expect(page).to_have_url(f"/console/wall/{post.pk}/")
    expect(page.locator("h1")).to_contain_text(TITLE)
    _expect_loaded(page, page.locator("main .photos img"), 1)
    expect(page.locator(f"a[href='/console/wall/{neighbours.pk}/']")).to_contain_text(NEIGHBOUR_TITLE)
    triage = page.locator("#triage-form")
    triage.locator("input[name=outcome][value=case]").check()
    # The street's wording for street lights is filled in; staff write their own.
    expect(triage.locator("textarea[name=text]")).to_have_value(re.compile("^路灯报修已立案"))
    triage.locator("textarea[name=text]").fill(RESPONSE)
    expect(triage.locator("input[name=show_photos]")).to_be_checked()
    shot(page, "staff-makes-it-a-case")
    with page.expect_navigation():
        triage.locator("button").last.click()
    expect(page).to_have_url("/console/wall/")
    expect(_success(page)).to_contain_text(post.reference)
    expect(page.locator(f"tr[data-post='{post.pk}']")).to_have_count(0)
    shot(page, "staff-queue-after-triage")
    post.refresh_from_db()
    assert post.stage == Stage.CASE and post.case_id
    case = Case.objects.get(pk=post.case_id)
    assert case.reporter_id == post.author_id

    # 5. Staff open the case from the triaged post and dispatch it to the community's crew.
    page.goto(f"/console/wall/{post.pk}/")
    expect(page.locator("#triage-form")).to_have_count(0)
    with page.expect_navigation():
        page.locator(f"a[href='/console/cases/{case.pk}/']").click()
    _expect_status(page, "accepted", "已受理")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("li[data-event=accept]")).to_contain_text(RESPONSE)
    shot(page, "staff-opens-the-case")
    dispatch = _action(page, "dispatch")
    dispatch.locator("select[name=unit]").select_option(label=CREW)
    shot(page, "staff-dispatches-to-the-crew")
    _submit(page, dispatch)
    _expect_status(page, "dispatched", "已派遣")
    expect(page.locator("#handling-unit")).to_have_text(CREW)
    shot(page, "staff-case-dispatched")

    # 6. The repair crew, on a phone, starts and reports the fix with an "after" photo.
    crew = new_page(**PHONE)
    login(crew, "repair_crew")
    crew.goto(f"/console/cases/{case.pk}/")
    _expect_status(crew, "dispatched", "已派遣")
    _submit(crew, _action(crew, "start"))
    _expect_status(crew, "handling", "处置中")
    shot(crew, "crew-starts-handling")
    result = _action(crew, "report_result")
    result.locator("textarea[name=note]").fill(RESULT)
    result.locator("input[name=photos]").set_input_files(_photo(tmp_path, "after", (250, 220, 90)))
    shot(crew, "crew-reports-the-fix")
    _submit(crew, result)
    _expect_status(crew, "handled", "已处置")
    expect(crew.locator("li[data-event=report_result]")).to_contain_text(RESULT)
    shot(crew, "crew-case-handled")

    # 7. Staff check it and close it.
    page.goto(f"/console/cases/{case.pk}/")
    _expect_status(page, "handled", "已处置")
    _submit(page, _action(page, "verify"))
    _expect_status(page, "closed", "已结案")
    shot(page, "staff-verifies-and-closes")

    # 8. Anyone sees the fix on the echo wall: the note, before and after, how long it took.
    public = new_page()
    response = public.goto(f"/wall/{community.code}/echo/")
    assert response.status == 200
    card = public.locator(f"li.wall-card[data-post='{post.pk}']")
    expect(card).to_contain_text(TITLE)
    expect(card).to_contain_text(COMPOUND)
    expect(card).to_contain_text("已结案")
    expect(card.locator(".answer")).to_contain_text(CREW)
    expect(card.locator(".answer")).to_contain_text(RESULT)
    expect(card).to_contain_text("办结")  # "Fixed in …" in Chinese
    _expect_loaded(public, card.locator(".photos.before img"), 1)
    _expect_loaded(public, card.locator(".photos.after img"), 1)
    html = public.content()
    assert MOBILE not in html and MOBILE[-8:] not in html, "the echo wall shows the resident's number"
    assert post.author.username not in html
    card.scroll_into_view_if_needed()
    shot(public, "echo-wall-shows-the-fix")

    # 9. The resident (still signed in on the phone) finds it closed in "My posts" and rates it.
    resident.goto("/wall/mine/")
    mine = resident.locator(f"a.card[data-post='{post.pk}']")
    expect(mine).to_contain_text(TITLE)
    expect(mine.locator(".status")).to_have_text("已结案")
    shot(resident, "resident-my-posts")
    with resident.expect_navigation():
        mine.click()
    expect(resident).to_have_url(f"/wall/mine/{post.pk}/")
    expect(resident.locator("#post-status")).to_have_text("已结案")
    expect(resident.locator("main")).to_contain_text(RESPONSE)
    # What was done and by whom: the crew's result in its own words, with the after photo.
    result_step = resident.locator("#progress li[data-event=report_result]")
    expect(result_step).to_contain_text(CREW)
    expect(result_step).to_contain_text(RESULT)
    _expect_loaded(resident, result_step.locator(".photos.after img"), 1)
    expect(resident.locator("#progress")).not_to_contain_text("张师傅")  # the crew member's own name
    result_step.scroll_into_view_if_needed()
    shot(resident, "resident-sees-the-result-and-after-photo")
    rating = resident.locator("form#rate-form")
    rating.locator("input[name=rating][value=satisfied]").check()
    rating.locator("textarea[name=comment]").fill("修得很及时，晚上终于亮了。")
    shot(resident, "resident-rates-it")
    with resident.expect_navigation():
        rating.locator("button").last.click()
    expect(resident).to_have_url(f"/wall/mine/{post.pk}/")
    expect(_success(resident)).to_be_visible()
    expect(resident.locator("#my-rating")).to_have_text("满意")
    expect(resident.locator("form#rate-form")).to_have_count(0)
    shot(resident, "resident-sees-their-rating")

    # 10. The echo wall now says how the resident rated it.
    public.reload()
    card = public.locator(f"li.wall-card[data-post='{post.pk}']")
    expect(card).to_contain_text("满意")
    card.scroll_into_view_if_needed()
    shot(public, "echo-wall-shows-the-rating")

    case.refresh_from_db()
    assert (case.status, case.rating, case.handling_unit_id) == (
        "closed",
        "satisfied",
        Organisation.objects.get(name=CREW).pk,
    )


def test_a_resident_places_the_problem_on_the_map(phone_page, shot, settings, monkeypatch):
    """Tapping the post form's map fills the hidden point; a tap outside the street is refused with
    a reason and nothing is posted."""
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    monkeypatch.setattr(MemorySmsBackend, "outbox", [])
    resident = phone_page
    resident.goto("/wall/login/?next=/wall/post/")
    resident.locator("input[name=mobile]").fill(MOBILE)
    with resident.expect_navigation():
        resident.locator("#send-code").click()
    resident.locator("input[name=code]").fill(_texted_code())
    with resident.expect_navigation():
        resident.locator("#verify-code").click()
    expect(resident.locator("#map path.leaflet-interactive").first).to_be_attached()

    form = resident.locator("#report-form")
    bin_option = form.locator("select[name=category] option", has_text=re.compile(r"^\s*0801"))
    form.locator("select[name=category]").select_option(bin_option.get_attribute("value"))
    form.locator("input[name=title]").fill("垃圾箱破了")
    form.locator("textarea[name=description]").fill("箱盖掉了，垃圾散落一地。")
    resident.locator("#map").scroll_into_view_if_needed()
    box = resident.locator("#map").bounding_box()
    resident.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(resident.locator("#map[data-picked]")).to_be_attached()
    lon, lat = (float(v) for v in resident.locator("#map").get_attribute("data-picked").split(","))
    assert 118.2 < lon < 118.5 and 32.2 < lat < 32.4
    assert form.locator("input[name=lon]").input_value() == f"{lon:.6f}"
    shot(resident, "point-placed-on-the-map")

    # A point outside the street (typed over the hidden fields) is refused with the reason.
    before = Post.objects.count()
    resident.evaluate(
        "() => { const f = document.getElementById('report-form'); f.lon.value = '0'; f.lat.value = '0'; }"
    )
    with resident.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(resident.locator("#report-form .error[role=alert]")).to_be_visible()
    assert Post.objects.count() == before
    shot(resident, "point-outside-the-street-refused")
