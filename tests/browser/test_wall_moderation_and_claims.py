"""The problem wall beyond triage (DESIGN §5): moderation, claims by representatives, wording.

(a) A resident's post with a link is held for a moderator; community staff reject it, first
    without a reason (refused), then with one, and the resident reads that reason.
(b) A representative (两代表一委员) claims a 凤凰社区 item, answers it (an empty answer is refused)
    and the echo wall shows the answer under the representative's own name.
(c) Community staff keep their own response wording: HTML is refused, plain text is saved and
    is what the triage form starts from.

Steps are found by ids, names and data attributes; messages are asserted in the Chinese of
huizhi/locale/zh_Hans/LC_MESSAGES/django.po, as a person reads them.
"""

import re

from playwright.sync_api import Page, expect

from huizhi.accounts.models import User
from huizhi.core.sms import MemorySmsBackend
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall import services
from huizhi.wall.models import Post, ResponseTemplate, Stage
from tests.browser.helpers import login, pick_place

MOBILE = "13933330021"
LINK_TITLE = "扬天小区门口贴满小广告"
LINK_DESCRIPTION = "大门两侧贴满了印着 www.tongxia-kaisuo.com 的开锁小广告，清理了又贴。"
REJECT_REASON = "内容含有广告网址，请删去网址后重新反映。"


def _texted_code(mobile: str) -> str:
    texts = [text for to, text in MemorySmsBackend.outbox if mobile in to]
    assert texts, f"no text message went to {mobile}: {MemorySmsBackend.outbox}"
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", texts[-1])
    assert match, f"no six-digit code in {texts[-1]!r}"
    return match.group(1)


def _sign_in_by_code(page: Page, mobile: str, shot) -> None:
    """On /wall/login/ (already open): the mobile, the texted code, and on to `next`."""
    page.locator("input[name=mobile]").fill(mobile)
    with page.expect_navigation():
        page.locator("#send-code").click()
    expect(page.locator("ul.messages li.success")).to_be_visible()
    page.locator("input[name=code]").fill(_texted_code(mobile))
    shot(page, "resident-enters-texted-code")
    with page.expect_navigation():
        page.locator("#verify-code").click()


def test_post_with_a_link_is_held_then_rejected_with_a_reason(phone_page, page, shot, settings, monkeypatch):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    monkeypatch.setattr(MemorySmsBackend, "outbox", [])

    # 1. The resident signs in with a texted code and posts text carrying a web address.
    resident = phone_page
    resident.goto("/wall/post/")
    expect(resident).to_have_url(re.compile(r"/wall/login/\?next=/wall/post/$"))
    _sign_in_by_code(resident, MOBILE, shot)
    expect(resident).to_have_url("/wall/post/")
    form = resident.locator("#report-form")
    ads = form.locator("select[name=category] option", has_text=re.compile(r"^\s*0201"))
    expect(ads).to_have_count(1)
    form.locator("select[name=category]").select_option(ads.get_attribute("value"))
    form.locator("input[name=title]").fill(LINK_TITLE)
    form.locator("textarea[name=description]").fill(LINK_DESCRIPTION)
    pick_place(form, "place", "扬天小区", "扬天小区")
    shot(resident, "resident-writes-a-post-with-a-link")
    with resident.expect_navigation():
        form.locator("button[type=submit]").click()

    # 2. Told it waits for a moderator, and why.
    match = re.search(r"/wall/mine/(\d+)/$", resident.url)
    assert match, f"posting did not land on the resident's post page: {resident.url}"
    post = Post.objects.get(pk=int(match.group(1)))
    assert (post.stage, post.held_because) == (Stage.HELD, ["link"])
    expect(resident.locator("ul.messages li.warning")).to_have_text("谢谢。您的诉求经审核后显示。")
    expect(resident.locator("main")).to_contain_text("等待审核，原因：")
    expect(resident.locator("main")).to_contain_text("含有链接")
    # Not public while held: no link to it on the wall.
    expect(resident.locator(f"a[href='/wall/item/{post.pk}/']")).to_have_count(0)
    shot(resident, "resident-told-it-waits-for-a-moderator")

    # 3. Community staff find it among the held posts, with the reason it was held.
    login(page, "huayuan_staff")
    page.goto("/console/wall/?stage=held")
    row = page.locator(f"tr[data-post='{post.pk}']")
    expect(row).to_contain_text(LINK_TITLE)
    expect(row.locator(".tag.warn")).to_have_text("含有链接")
    expect(page.locator("nav.filters a[aria-current=page]")).to_have_attribute(
        "href", "/console/wall/?stage=held"
    )
    shot(page, "staff-held-queue")
    with page.expect_navigation():
        row.get_by_role("link").click()
    expect(page).to_have_url(f"/console/wall/{post.pk}/")
    moderation = page.locator("#moderation-form")
    expect(moderation).to_be_visible()
    expect(page.locator("#triage-form")).to_have_count(0)

    # 4. Rejecting without a reason is refused: the author must be told why.
    moderation.locator("input[name=decision][value=reject]").check()
    shot(page, "staff-rejects-without-a-reason")
    with page.expect_navigation() as navigation:
        moderation.locator("button").click()
    assert navigation.value.status == 400
    error = page.locator("#moderation-form .error[role=alert]")
    expect(error).to_have_text("原因不能为空。")
    post.refresh_from_db()
    assert post.stage == Stage.HELD
    shot(page, "staff-told-a-reason-is-needed")

    # 5. With a reason, the post is rejected and leaves the held queue.
    moderation = page.locator("#moderation-form")
    moderation.locator("input[name=decision][value=reject]").check()
    moderation.locator("input[name=reason]").fill(REJECT_REASON)
    shot(page, "staff-rejects-with-a-reason")
    with page.expect_navigation():
        moderation.locator("button").click()
    expect(page).to_have_url("/console/wall/?stage=held")
    expect(page.locator("ul.messages li.success")).to_have_text(f"已完成：{post.reference}。")
    expect(page.locator(f"tr[data-post='{post.pk}']")).to_have_count(0)
    shot(page, "staff-held-queue-after-rejecting")
    post.refresh_from_db()
    assert (post.stage, post.rejection_reason) == (Stage.REJECTED, REJECT_REASON)

    # 6. The resident reads the reason on their post.
    resident.goto(f"/wall/mine/{post.pk}/")
    refusal = resident.locator("main .error[role=alert]")
    expect(refusal).to_contain_text("未予发布：")
    expect(refusal).to_contain_text(REJECT_REASON)
    expect(resident.locator("h1")).to_have_text(LINK_TITLE)
    shot(resident, "resident-sees-the-reason")


def test_representative_claims_and_answers_a_wall_item(page, new_page, shot):
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name="凤凰社区")
    # An open item no one has claimed yet, under the representative's place.
    post = (
        Post.objects.filter(community=community, stage=Stage.AGENDA, claims__isnull=True)
        .order_by("pk")
        .first()
    )
    answer = "已联系物业和楼上住户，本周六上门查看漏水点并协调维修。"

    # 1. The representative opens the community's wall and the item on it.
    login(page, "representative")
    page.goto(f"/wall/{community.code}/")
    card = page.locator(f"li.wall-card[data-post='{post.pk}']")
    expect(card).to_contain_text(post.title)
    shot(page, "representative-opens-the-wall")
    with page.expect_navigation():
        card.locator("h2 a").click()
    expect(page).to_have_url(f"/wall/item/{post.pk}/")
    claim = page.locator(f"form[action='/wall/item/{post.pk}/claim/'] button")
    expect(claim).to_have_text("认领此诉求")
    expect(page.locator(f"form[action='/wall/item/{post.pk}/respond/']")).to_have_count(0)
    shot(page, "representative-opens-the-item")

    # 2. They claim it: the claim shows under their name and the answer form opens.
    with page.expect_navigation():
        claim.click()
    expect(page).to_have_url(f"/wall/item/{post.pk}/")
    expect(page.locator("ul.messages li.success")).to_have_text(
        "已认领。您的答复将以您的名义显示在回音壁上。"
    )
    expect(page.locator("article.wall-card .tag", has_text="周明德已认领")).to_be_visible()
    expect(page.locator(f"form[action='/wall/item/{post.pk}/claim/']")).to_have_count(0)
    respond = page.locator(f"form[action='/wall/item/{post.pk}/respond/']")
    expect(respond.locator("textarea[name=text]")).to_be_visible()
    shot(page, "representative-has-claimed-it")

    # 3. An empty answer (only spaces) is refused and nothing is published.
    respond.locator("textarea[name=text]").fill("   ")
    with page.expect_navigation() as navigation:
        respond.locator("button").click()
    assert navigation.value.status == 400
    respond = page.locator(f"form[action='/wall/item/{post.pk}/respond/']")
    expect(respond.locator(".error[role=alert]")).to_contain_text("必填")
    assert post.responses.count() == 0
    shot(page, "representative-empty-answer-refused")

    # 4. The real answer is published.
    respond.locator("textarea[name=text]").fill(answer)
    shot(page, "representative-writes-the-answer")
    with page.expect_navigation():
        respond.locator("button").click()
    expect(page).to_have_url(f"/wall/item/{post.pk}/")
    expect(page.locator("ul.messages li.success")).to_have_text("您的答复已发布到回音壁。")
    expect(page.locator("article.wall-card .answer", has_text=answer)).to_contain_text("周明德")
    shot(page, "representative-answer-published")

    # 5. Anyone sees it on the community's echo wall under the representative's name.
    public = new_page()
    response = public.goto(f"/wall/{community.code}/echo/")
    assert response.status == 200
    card = public.locator(f"li.wall-card[data-post='{post.pk}']")
    expect(card).to_contain_text(post.title)
    answered = card.locator(".answer", has_text=answer)
    expect(answered.locator("strong")).to_have_text("周明德")
    card.scroll_into_view_if_needed()
    shot(public, "echo-wall-shows-the-answer")


def test_staff_keep_their_own_response_wording(page, shot):
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name="花园街社区")
    wording = "感谢您的反映，花园街社区已记录此事，会在三个工作日内答复您。"
    changed = "感谢您的反映，花园街社区已安排专人跟进，三个工作日内答复您。"
    # An open 花园街社区 post to triage afterwards.
    post = Post.objects.filter(community=community, stage=Stage.OPEN).order_by("pk").first()
    assert post is not None, "the demo has an open post in 花园街社区"

    login(page, "huayuan_staff")
    page.goto("/console/wall/templates/")
    form = page.locator("#template-form")
    community_options = form.locator("select[name=community] option[value]:not([value=''])")
    expect(community_options).to_have_count(1)  # their own community only
    expect(community_options).to_have_text("花园街社区")
    shot(page, "staff-wording-page")

    # 1. HTML in the wording is refused, and nothing is saved.
    form.locator("select[name=community]").select_option(label="花园街社区")
    form.locator("select[name=outcome]").select_option("answer")
    form.locator("textarea[name=text]").fill("<b>x</b>")
    shot(page, "staff-writes-html")
    with page.expect_navigation() as navigation:
        form.locator("button").click()
    assert navigation.value.status == 400
    expect(page.locator("#template-form .error[role=alert]")).to_have_text(
        "措辞不能包含HTML或脚本，请填写纯文本。"
    )
    assert not ResponseTemplate.objects.filter(community=community).exists()
    shot(page, "staff-html-refused")

    # 2. Plain text is saved and listed.
    form = page.locator("#template-form")
    form.locator("select[name=community]").select_option(label="花园街社区")
    form.locator("select[name=outcome]").select_option("answer")
    form.locator("textarea[name=text]").fill(wording)
    with page.expect_navigation():
        form.locator("button").click()
    expect(page).to_have_url("/console/wall/templates/")
    expect(page.locator("ul.messages li.success")).to_have_text("措辞已保存。")
    template = ResponseTemplate.objects.get(community=community)
    link = page.locator(f"a[href='/console/wall/templates/{template.pk}/']")
    expect(link).to_have_text(wording)
    expect(link.locator("xpath=ancestor::tr")).to_contain_text("花园街社区")
    shot(page, "staff-wording-saved")

    # 3. They change it: HTML again refused, then new plain wording saved.
    with page.expect_navigation():
        link.click()
    expect(page).to_have_url(f"/console/wall/templates/{template.pk}/")
    form = page.locator("#template-form")
    expect(form.locator("textarea[name=text]")).to_have_value(wording)
    form.locator("textarea[name=text]").fill(f"{changed}<script>alert(1)</script>")
    with page.expect_navigation() as navigation:
        form.locator("button").click()
    assert navigation.value.status == 400
    expect(page.locator("#template-form .error[role=alert]")).to_contain_text("不能包含HTML")
    shot(page, "staff-edit-html-refused")
    form = page.locator("#template-form")
    form.locator("textarea[name=text]").fill(changed)
    with page.expect_navigation():
        form.locator("button").click()
    expect(page.locator("ul.messages li.success")).to_have_text("措辞已保存。")
    expect(page.locator(f"a[href='/console/wall/templates/{template.pk}/']")).to_have_text(changed)
    template.refresh_from_db()
    assert template.text == changed
    shot(page, "staff-wording-changed")

    # 4. Triaging a 花园街社区 post as a direct answer now starts from their wording.
    page.goto(f"/console/wall/{post.pk}/")
    triage = page.locator("#triage-form")
    triage.locator("input[name=outcome][value=answer]").check()
    expect(triage.locator("textarea[name=text]")).to_have_value(changed)
    shot(page, "triage-starts-from-the-wording")


def test_rejected_post_no_longer_says_it_waits_for_a_moderator(phone_page, shot, settings, monkeypatch):
    """Once rejected, the author's page gives the reason and no longer says it waits for review."""
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    monkeypatch.setattr(MemorySmsBackend, "outbox", [])
    post = Post.objects.select_related("author").get(stage=Stage.HELD)
    assert post.held_because == ["link"]
    services.post_moderate(
        actor=User.objects.get(username="huayuan_staff"), post_id=post.pk, publish=False, reason=REJECT_REASON
    )

    page = phone_page
    page.goto(f"/wall/mine/{post.pk}/")
    _sign_in_by_code(page, post.author.mobile, shot)
    expect(page).to_have_url(f"/wall/mine/{post.pk}/")
    expect(page.locator("main .error[role=alert]")).to_contain_text(REJECT_REASON)
    shot(page, "rejected-post")
    expect(page.locator("main")).not_to_contain_text("等待审核")
