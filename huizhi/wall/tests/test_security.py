"""The wall's security as residents and staff meet it: no one's name, number, home or exact spot
on the public pages; photos without EXIF; typed scripts refused or shown inert; a strict
Content-Security-Policy; spam held for a moderator; bad input refused with nothing saved."""

import io
import json
import math
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import ExifTags, Image

from huizhi.accounts.models import User
from huizhi.accounts.services import user_create
from huizhi.cases.states import Status
from huizhi.core.mobile import mask_mobile
from huizhi.core.sms import MemorySmsBackend
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_for_point
from huizhi.wall import services
from huizhi.wall.models import Post, PostPhoto, Response, ResponseTemplate, SpamPattern, Stage, TriageDecision
from huizhi.wall.tests.helpers import (
    body,
    category,
    closed_case_post,
    community,
    compound,
    fenghuang_compound,
    jpeg,
    publish,
    resident,
    sign_in_by_code,
    staff,
    to_metres,
)

pytestmark = pytest.mark.django_db


# Helpers


_JSON_BLOCK = re.compile(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', re.S)
_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def without_json_blocks(html: str) -> str:
    """The page with its JSON data blocks removed (each checked to be valid JSON first)."""
    for block in _JSON_BLOCK.findall(html):
        json.loads(block)
    return _JSON_BLOCK.sub("", html)


def inline_scripts(html: str) -> list[str]:
    """<script> tags that run inline code: no src and not a JSON data block."""
    return [
        attrs
        for attrs in _SCRIPT_TAG.findall(html)
        if "src=" not in attrs and 'type="application/json"' not in attrs
    ]


def post_through_page(client, data: dict):
    """Post from /wall/post/; when the nearby-items step comes, post anyway."""
    response = client.post(reverse("wall:new_post"), data)
    if response.status_code == 302 and "/nearby/" in response.url:
        response = client.post(response.url, {"submit": "1"})
    return response


def counts() -> tuple[int, int]:
    return Post.objects.count(), PostPhoto.objects.count()


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# (a) Privacy


def grid_point() -> tuple[float, float]:
    """A point inside a demo grid, a little off the compound's own (public) coordinates."""
    yangtian = compound()
    lon, lat = round(yangtian.lon + 0.000137, 6), round(yangtian.lat + 0.000061, 6)
    assert grid_for_point(lon, lat) is not None
    return lon, lat


def room() -> Place:
    return Place.objects.get(kind=PlaceKind.UNIT, name="1单元101", parent__parent__name="三里亭人家")


def test_public_pages_show_no_name_number_home_or_exact_spot(client):
    author = resident("13966660001", full_name="欧阳秀梅", username="ouyang_xiumei")
    lon, lat = grid_point()
    as_case = publish(author, title="井盖松动有响声", lon=lon, lat=lat)
    services.post_triage(actor=staff(), post_id=as_case.pk, outcome=TriageDecision.CASE, text="已立案处理。")
    answered = publish(author, title="健身器材坏了", lon=lon + 0.00002, lat=lat, category=category("0602"))
    services.post_triage(actor=staff(), post_id=answered.pk, outcome=TriageDecision.ANSWER, text="本周修好。")
    at_home = publish(author, title="楼上噪音扰民", place=room(), category=category("0602"))
    assert at_home.stage == Stage.OPEN and at_home.place.kind == PlaceKind.BUILDING

    secrets = [
        author.full_name,
        author.username,
        author.mobile,
        mask_mobile(author.mobile),
        str(lon),
        str(lat),
        f"{lon:.5f}",
        f"{lat:.5f}",
        str(lon + 0.00002),
        room().name,
    ]
    huayuan, sanliting = community("花园街社区"), community("三里亭社区")
    pages = {
        reverse("wall:wall", args=[huayuan.code]): "井盖松动有响声",
        reverse("wall:echo", args=[huayuan.code]): "健身器材坏了",
        reverse("wall:wall", args=[sanliting.code]): "楼上噪音扰民",
        reverse("wall:item", args=[as_case.pk]): "井盖松动有响声",
        reverse("wall:item", args=[answered.pk]): "健身器材坏了",
        reverse("wall:item", args=[at_home.pk]): "楼上噪音扰民",
    }
    neighbour = client_class_login(resident("13966660002", full_name="邻居甲"))
    for viewer in (client, neighbour):
        for url, title in pages.items():
            response = viewer.get(url)
            html = body(response)
            assert response.status_code == 200 and title in html, url
            for secret in secrets:
                assert secret not in html, (url, secret)


def client_class_login(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


def test_photos_are_served_reencoded_without_exif(client):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HuizhiSpyCam"
    exif[ExifTags.Base.Model] = "GPS-9000"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (32.0, 18.0, 27.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (118.0, 18.0, 19.0)
    upload = jpeg("home.jpg", exif=exif)
    original = Image.open(io.BytesIO(upload.read()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry a position
    upload.seek(0)

    post = publish(resident("13966660003"), photos=[upload])
    photo = post.photos.get()
    url = reverse("wall:photo", args=[photo.pk])
    assert client.get(url).status_code == 404  # not public before staff have seen it
    services.post_triage(
        actor=staff(), post_id=post.pk, outcome=TriageDecision.ANSWER, text="已处理。", show_photos=True
    )
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    data = b"".join(response.streaming_content)  # read to the end, the test client closes it
    served = Image.open(io.BytesIO(data))
    assert served.format == "JPEG"
    assert len(served.getexif()) == 0 and "exif" not in served.info
    assert b"Exif" not in data and b"HuizhiSpyCam" not in data and b"GPS-9000" not in data
    stored = photo.image.open("rb").read()
    photo.image.close()
    assert b"HuizhiSpyCam" not in stored and b"Exif" not in stored


def test_photos_of_a_post_staff_kept_private_are_not_served(client):
    post = publish(resident("13966660004"), photos=[jpeg()])
    services.post_triage(
        actor=staff(), post_id=post.pk, outcome=TriageDecision.ANSWER, text="已处理。", show_photos=False
    )
    assert client.get(reverse("wall:photo", args=[post.photos.get().pk])).status_code == 404


# (b) Injection

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',
    "< script >alert(1)</ script >",
    "<!--<script>alert(1)</script>-->",
    "{{7*7}}",
    "{% debug %}",
    "${7*7}",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "';alert(1);//",
    '" onmouseover="alert(1)',
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e",
    "＜script＞alert(1)＜／script＞",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "<\x00script>alert(1)</script>",
    "温度<5度，>3天",
]


def wrapped(payload: str) -> str:
    """The payload between two markers: '标记49标记' on a page would mean a template evaluated it."""
    return f"标记{payload}标记"


def assert_inert(html: str, value: str) -> None:
    """`value` is on the page, escaped; nothing of it runs."""
    visible = without_json_blocks(html)
    assert escape(value) in visible
    if escape(value) != value:
        assert value not in visible
    assert "标记49标记" not in html and "标记${49}" not in html
    assert not inline_scripts(html)


def _flags_error(html: str) -> bool:
    return 'class="error"' in html or 'class="error field-error"' in html  # the form's or a field's


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", ["title", "description"])
def test_injection_in_a_residents_post(client, field, payload):
    author = resident("13966660010")
    client.force_login(author)
    value = wrapped(payload)
    data = {
        "category": category().pk,
        "title": "注入测试",
        "description": "小区东门垃圾桶坏了，麻烦处理。",
        "place": compound().pk,
    }
    data[field] = value
    before = counts()
    response = post_through_page(client, data)
    if response.status_code == 400:
        assert counts() == before and _flags_error(body(response))
        return
    assert response.status_code == 302, body(response)[:500]
    post = Post.objects.get(author=author)
    assert post.stage == Stage.OPEN and getattr(post, field) == value
    anonymous = client_class_login(resident("13966660011"))
    huayuan = community("花园街社区")
    for url in (reverse("wall:wall", args=[huayuan.code]), reverse("wall:item", args=[post.pk])):
        assert_inert(body(anonymous.get(url)), value if field == "title" or "item" in url else post.title)
    services.post_triage(actor=staff(), post_id=post.pk, outcome=TriageDecision.ANSWER, text="已处理。")
    assert_inert(body(anonymous.get(reverse("wall:echo", args=[huayuan.code]))), post.title)
    assert_inert(body(client.get(reverse("wall:my_post", args=[post.pk]))), value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_in_a_triage_response(client, payload):
    post = publish(resident("13966660012"))
    client.force_login(staff())
    value = wrapped(payload)
    response = client.post(reverse("wall:triage", args=[post.pk]), {"outcome": "answer", "text": value})
    post.refresh_from_db()
    if response.status_code == 400:
        assert post.stage == Stage.OPEN and not Response.objects.filter(post=post).exists()
        assert _flags_error(body(response))
        return
    assert response.status_code == 302
    assert post.stage == Stage.ANSWERED and Response.objects.get(post=post).text == value
    huayuan = community("花园街社区")
    client.logout()
    for url in (reverse("wall:echo", args=[huayuan.code]), reverse("wall:item", args=[post.pk])):
        assert_inert(body(client.get(url)), value)


@pytest.mark.parametrize(
    "payload",
    PAYLOADS,
)
def test_injection_in_a_moderation_reason(client, payload):
    author = resident("13966660013")
    post = publish(author, title="推广", description="便宜疏通下水道，详见 www.tongdao-kuai.com 欢迎咨询")
    assert post.stage == Stage.HELD
    client.force_login(staff())
    value = wrapped(payload)[:400]
    response = client.post(reverse("wall:triage", args=[post.pk]), {"decision": "reject", "reason": value})
    post.refresh_from_db()
    if response.status_code == 400:
        assert post.stage == Stage.HELD and post.rejection_reason == "" and _flags_error(body(response))
        return
    assert response.status_code == 302
    assert post.stage == Stage.REJECTED and post.rejection_reason == value
    client.force_login(author)
    assert_inert(body(client.get(reverse("wall:my_post", args=[post.pk]))), value)


def test_a_moderation_reason_over_400_characters_is_refused_with_a_message(client):
    post = publish(resident("13966660017"), title="推广", description="详见 www.tongdao-kuai.com 欢迎咨询")
    client.force_login(staff())
    response = client.post(
        reverse("wall:triage", args=[post.pk]), {"decision": "reject", "reason": "因" * 401}
    )
    post.refresh_from_db()
    assert response.status_code == 400 and post.stage == Stage.HELD
    assert _flags_error(body(response))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_in_a_claimants_response(client, payload):
    post = publish(resident("13966660014"), place=fenghuang_compound())
    representative = User.objects.get(username="representative")
    services.post_claim(actor=representative, post_id=post.pk)
    client.force_login(representative)
    value = wrapped(payload)
    response = client.post(reverse("wall:respond", args=[post.pk]), {"text": value})
    saved = Response.objects.filter(post=post)
    if not saved.exists():
        # Refused: the claimant is told why (the page redirects back with the message).
        assert response.status_code in (302, 400)
        page = client.get(reverse("wall:item", args=[post.pk])) if response.status_code == 302 else response
        assert 'class="error"' in body(page)
        return
    assert response.status_code == 302 and saved.get().text == value
    client.logout()
    # (The echo wall does not list it: see test_a_claimants_response_reaches_the_echo_wall.)
    assert_inert(body(client.get(reverse("wall:item", args=[post.pk]))), value)


def test_a_claimants_response_reaches_the_echo_wall(client):
    post = publish(resident("13966660018"), title="路口积水严重", place=fenghuang_compound())
    representative = User.objects.get(username="representative")
    services.post_claim(actor=representative, post_id=post.pk)
    services.post_respond(actor=representative, post_id=post.pk, text="已协调市政下周疏通排水口。")
    echo = body(client.get(reverse("wall:echo", args=[community("凤凰社区").code])))
    assert "路口积水严重" in echo and "已协调市政下周疏通排水口。" in echo


def test_a_refused_claimants_response_keeps_the_text_with_status_400(client):
    post = publish(resident("13966660015"), place=fenghuang_compound())
    representative = User.objects.get(username="representative")
    services.post_claim(actor=representative, post_id=post.pk)
    client.force_login(representative)
    text = "我已联系物业<script>alert(1)</script>，下周处理。"
    response = client.post(reverse("wall:respond", args=[post.pk]), {"text": text})
    assert response.status_code == 400 and escape(text) in body(response)
    assert not Response.objects.filter(post=post).exists()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_in_response_template_wording(client, payload):
    huayuan = community("花园街社区")
    client.force_login(staff())
    value = wrapped(payload)
    before = ResponseTemplate.objects.count()
    response = client.post(
        reverse("wall:templates"),
        {"community": huayuan.pk, "category": "", "outcome": TriageDecision.ANSWER, "text": value},
    )
    if response.status_code == 400:
        assert ResponseTemplate.objects.count() == before and _flags_error(body(response))
        return
    assert response.status_code == 302
    assert ResponseTemplate.objects.filter(community=huayuan, text=value).exists()
    listing = body(client.get(reverse("wall:templates")))
    assert_inert(listing, value)
    post = publish(resident("13966660016"))
    page = body(client.get(reverse("wall:triage", args=[post.pk])))
    assert_inert(page, post.title)
    blocks = [json.loads(b) for b in _JSON_BLOCK.findall(page)]
    assert {"answer": value}.items() <= next(b for b in blocks if "answer" in b).items()
    assert value not in page or "<" not in value  # '<' inside the data block is \u003C


# (c) Content-Security-Policy and no inline scripts


def _check_csp_and_scripts(response, url):
    assert response.status_code == 200, url
    policy = response.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in policy.split(";") if d.strip()}
    script_src = directives.get("script-src") or directives.get("default-src", "")
    assert "'self'" in script_src, (url, policy)
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, (url, policy)
    html = body(response)
    assert not inline_scripts(html), (url, inline_scripts(html))
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), url  # no inline event handlers
    without_json_blocks(html)


def test_public_wall_pages_send_a_strict_csp_and_no_inline_script(client):
    huayuan = community("花园街社区")
    open_post = Post.objects.get(title="垃圾箱破损")
    answered = Post.objects.filter(answered_at__isnull=False, stage=Stage.ANSWERED).first()
    for url in (
        reverse("wall:index"),
        reverse("wall:wall", args=[huayuan.code]),
        reverse("wall:echo", args=[huayuan.code]),
        reverse("wall:wall", args=[huayuan.code]) + "?category=08&compound=x",
        reverse("wall:item", args=[open_post.pk]),
        reverse("wall:item", args=[answered.pk]),
        reverse("wall:login"),
    ):
        _check_csp_and_scripts(client.get(url), url)


def test_resident_and_staff_wall_pages_send_a_strict_csp_and_no_inline_script(client):
    author = resident("13966660020")
    post = publish(author)
    draft = services.post_draft(
        actor=author,
        category=post.category,
        title="又一个",
        description="同一处的另一个问题。",
        place=compound(),
    )
    client.force_login(author)
    for url in (
        reverse("wall:new_post"),
        reverse("wall:mine"),
        reverse("wall:my_post", args=[post.pk]),
        reverse("wall:draft", args=[draft.pk]),
        reverse("wall:item", args=[post.pk]),
    ):
        _check_csp_and_scripts(client.get(url), url)
    client.force_login(staff())
    for url in (
        reverse("wall:queue"),
        reverse("wall:queue") + "?stage=held",
        reverse("wall:triage", args=[post.pk]),
        reverse("wall:templates"),
    ):
        _check_csp_and_scripts(client.get(url), url)


# (d) Spam


def post_form(title: str, description: str, place=None) -> dict:
    return {
        "category": category().pk,
        "title": title,
        "description": description,
        "place": (place or compound()).pk,
    }


SPAM = [
    ("link", "疏通下水道请访问 www.tongdao-kuai.com 便宜"),
    ("link", "详情见 https://example.org/a?b=c 了解"),
    ("contact", "专业开锁换锁，电话 139 1234 5678 随叫随到"),
    ("contact", "办理各种业务请加 QQ：12345678 咨询"),
    ("contact", "专业疏通管道 加微信 abc12345 上门服务"),
    ("contact", "搬家公司 VX: banjia888 价格实惠"),
    ("contact", "维修热线 0550-1234567 全天"),
    ("pattern", "刷单返利，日结工资，在家可做"),
]


@pytest.mark.parametrize("reason,text", SPAM)
def test_spam_is_held_and_not_on_the_wall(client, reason, text):
    SpamPattern.objects.create(pattern="刷单返利", note="兼职刷单")
    author = resident("13966660030")
    client.force_login(author)
    response = post_through_page(client, post_form("有事请联系", text))
    post = Post.objects.get(author=author)
    assert response.status_code == 302 and response.url == reverse("wall:my_post", args=[post.pk])
    assert post.stage == Stage.HELD and reason in post.held_because
    assert client.get(reverse("wall:my_post", args=[post.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("wall:item", args=[post.pk])).status_code == 404
    wall = body(client.get(reverse("wall:wall", args=[post.community.code])))
    assert text not in wall and f'data-post="{post.pk}"' not in wall


def test_a_regex_spam_pattern_holds_and_an_inactive_one_does_not():
    SpamPattern.objects.create(pattern=r"兼职.{0,4}(日结|返现)", is_regex=True)
    SpamPattern.objects.create(pattern="今晚停电", is_active=False)
    assert "pattern" in publish(resident("13966660031"), description="招兼职 每天日结 轻松").held_because
    assert publish(resident("13966660032"), description="通知说今晚停电到几点？").stage == Stage.OPEN


def test_a_broken_regex_pattern_does_not_stop_residents_posting():
    SpamPattern.objects.create(pattern="(未闭合", is_regex=True)
    assert publish(resident("13966660033")).stage == Stage.OPEN


def test_repeated_text_across_posts_is_held(client):
    text = "小区东门的垃圾桶满了没有人清理，气味很大，请尽快处理一下。"
    first = publish(resident("13966660034"), description=text)
    assert first.stage == Stage.OPEN
    author = resident("13966660035")
    client.force_login(author)
    # Spacing and punctuation changed: still the same text.
    post_through_page(client, post_form("垃圾桶", text.replace("，", " ").replace("。", "!!")))
    second = Post.objects.get(author=author)
    assert second.stage == Stage.HELD and "repeated" in second.held_because


@pytest.mark.parametrize(
    "text",
    [
        "疏通下水道请访问tongdao-kuai.com便宜",
        "开锁换锁电话139.1234.5678随叫随到",
        "家电维修请加QQ号码12345678",
    ],
)
def test_common_spam_spellings_are_held(text):
    assert publish(resident("13966660036"), title="服务", description=text).stage == Stage.HELD


def test_a_moderator_publishes_one_held_post_and_rejects_another_with_a_reason(client):
    author = resident("13966660037")
    keep = publish(author, title="电话坏了", description="物业值班电话 0550-1234567 一直没人接，怎么办？")
    spam = publish(author, title="开锁", description="专业开锁 加微信 kaisuo888 随叫随到")
    assert keep.stage == spam.stage == Stage.HELD
    client.force_login(staff())
    queue = body(client.get(reverse("wall:queue") + "?stage=held"))
    assert "电话坏了" in queue and "开锁" in queue
    assert client.post(reverse("wall:triage", args=[keep.pk]), {"decision": "publish"}).status_code == 302
    # A rejection needs a reason the author can read.
    refused = client.post(reverse("wall:triage", args=[spam.pk]), {"decision": "reject", "reason": ""})
    assert refused.status_code == 400
    spam.refresh_from_db()
    assert spam.stage == Stage.HELD
    reason = "含有商业广告，不予发布"
    response = client.post(reverse("wall:triage", args=[spam.pk]), {"decision": "reject", "reason": reason})
    assert response.status_code == 302
    client.logout()
    wall = body(client.get(reverse("wall:wall", args=[keep.community.code])))
    assert "电话坏了" in wall and "开锁" not in wall
    assert client.get(reverse("wall:item", args=[keep.pk])).status_code == 200
    assert client.get(reverse("wall:item", args=[spam.pk])).status_code == 404
    client.force_login(author)
    mine = body(client.get(reverse("wall:my_post", args=[spam.pk])))
    assert reason in mine
    assert author.notifications.filter(text__contains=reason).exists()


def test_new_accounts_may_post_three_items_a_day(client):
    newcomer = resident("13966660038", days_old=1)
    client.force_login(newcomer)
    for n in range(services.NEW_ACCOUNT_POSTS_PER_DAY):
        response = post_through_page(client, post_form(f"问题{n}", f"第{n}个问题：东门第{n}盏灯不亮。"))
        assert response.status_code == 302
    before = counts()
    response = post_through_page(client, post_form("再一个", "又一个问题：西门的路面塌陷了。"))
    assert response.status_code == 429 and _flags_error(body(response))
    assert counts() == before
    # Older accounts are not held to the newcomers' limit.
    client.force_login(resident("13966660039", days_old=30))
    for n in range(services.NEW_ACCOUNT_POSTS_PER_DAY + 1):
        response = post_through_page(
            client, post_form(f"老用户{n}", f"老用户的第{n}个问题：北门第{n}处破损。")
        )
        assert response.status_code == 302


# (e) Bad input


def _refused_with_nothing_saved(client, settings, data, files=None):
    before, files_before = counts(), stored_files(settings)
    response = client.post(reverse("wall:new_post"), {**data, **(files or {})})
    assert response.status_code == 400
    assert _flags_error(body(response))
    assert counts() == before and stored_files(settings) == files_before
    return response


@pytest.fixture
def signed_in(client):
    client.force_login(resident("13966660040"))
    return client


def test_an_empty_title_is_refused(signed_in, settings):
    _refused_with_nothing_saved(signed_in, settings, post_form("", "东门的灯不亮了。"))
    _refused_with_nothing_saved(signed_in, settings, post_form("   ", "东门的灯不亮了。"))


def test_an_empty_description_is_refused(signed_in, settings):
    _refused_with_nothing_saved(signed_in, settings, post_form("灯不亮", ""))


def test_a_description_of_4001_characters_is_refused_4000_accepted(signed_in, settings):
    _refused_with_nothing_saved(signed_in, settings, post_form("很长", "长" * 4001), {"photos": jpeg()})
    before = counts()[0]
    response = post_through_page(signed_in, post_form("很长", "长" * 4000))
    assert response.status_code == 302 and counts()[0] == before + 1


def test_a_title_over_120_characters_is_refused(signed_in, settings):
    _refused_with_nothing_saved(signed_in, settings, post_form("题" * 121, "东门的灯不亮了。"))


@pytest.mark.parametrize("lon,lat", [(0, 0), (116.397, 39.909), (181, 10), (118.33, 95)])
def test_a_location_outside_the_street_is_refused(signed_in, settings, lon, lat):
    data = post_form("灯不亮", "东门的灯不亮了。")
    data.update(place="", lon=lon, lat=lat)
    _refused_with_nothing_saved(signed_in, settings, data, {"photos": jpeg()})


def test_a_file_that_is_not_an_image_is_refused(signed_in, settings):
    fake = SimpleUploadedFile("photo.jpg", b"#!/bin/sh\necho not a photo\n", content_type="image/jpeg")
    response = _refused_with_nothing_saved(
        signed_in, settings, post_form("灯不亮", "东门的灯不亮了。"), {"photos": [jpeg("ok.jpg"), fake]}
    )
    assert "photo.jpg" in body(response)  # the message names the file


def test_a_truncated_jpeg_is_refused(signed_in, settings):
    whole = jpeg().read()
    broken = SimpleUploadedFile("broken.jpg", whole[: len(whole) // 3], content_type="image/jpeg")
    _refused_with_nothing_saved(
        signed_in, settings, post_form("灯不亮", "东门的灯不亮了。"), {"photos": broken}
    )


def test_more_than_six_photos_are_refused(signed_in, settings):
    photos = [jpeg(f"p{n}.jpg") for n in range(services.MAX_PHOTOS + 1)]
    _refused_with_nothing_saved(
        signed_in, settings, post_form("灯不亮", "东门的灯不亮了。"), {"photos": photos}
    )


def test_an_incomplete_map_point_is_refused(signed_in, settings):
    data = post_form("灯不亮", "东门的灯不亮了。")
    data.update(place="", lon=compound().lon)
    _refused_with_nothing_saved(signed_in, settings, data)


def test_three_drafts_cannot_pin_the_exact_spot_of_someone_elses_post(client):
    yangtian = compound()
    secret_lon, secret_lat = round(yangtian.lon + 0.000437, 6), round(yangtian.lat + 0.000261, 6)
    assert grid_for_point(secret_lon, secret_lat) is not None
    victim = publish(resident("13988880001"), title="门口污水外溢", lon=secret_lon, lat=secret_lat)
    assert victim.stage == Stage.OPEN

    snoop = resident("13988880002")
    client.force_login(snoop)
    probes = [(0.0, 0.0), (0.0012, 0.0), (0.0, 0.0010)]
    measured = []
    for dlon, dlat in probes:
        lon, lat = round(yangtian.lon + dlon, 6), round(yangtian.lat + dlat, 6)
        draft = services.post_draft(
            actor=snoop, category=victim.category, title="看看", description="看看附近", lon=lon, lat=lat
        )
        html = client.get(reverse("wall:draft", args=[draft.pk])).content.decode()
        card = re.search(rf'data-post="{victim.pk}".*?</li>', html, re.S)
        assert card, "the victim's post is offered as nearby"
        shown = re.search(r"(?:约|about )\s*(\d+)\s*(?:米|m)", card.group())
        metres = int(shown.group(1)) if shown else 0  # "same place": no number at all
        measured.append((*to_metres(lon, lat, yangtian.lon, yangtian.lat), metres))
    # Two circle differences give two linear equations in (x, y).
    (x1, y1, r1), (x2, y2, r2), (x3, y3, r3) = measured
    a1, b1, c1 = 2 * (x2 - x1), 2 * (y2 - y1), r1**2 - r2**2 - x1**2 + x2**2 - y1**2 + y2**2
    a2, b2, c2 = 2 * (x3 - x1), 2 * (y3 - y1), r1**2 - r3**2 - x1**2 + x3**2 - y1**2 + y3**2
    det = a1 * b2 - a2 * b1
    x, y = (c1 * b2 - c2 * b1) / det, (a1 * c2 - a2 * c1) / det
    tx, ty = to_metres(secret_lon, secret_lat, yangtian.lon, yangtian.lat)
    error = math.hypot(x - tx, y - ty)
    assert error > 25, f"the private spot was recovered to within {error:.1f} m"


def test_staff_cannot_open_a_residents_unsent_draft(client):
    draft = services.post_draft(
        actor=resident("13988880012"),
        category=category(),
        title="还在想要不要发",
        description="草稿内容，还没发出。",
        place=compound(),
        photos=[jpeg()],
    )
    client.force_login(staff())
    assert client.get(reverse("wall:triage", args=[draft.pk])).status_code == 404
    assert client.get(reverse("wall:photo", args=[draft.photos.get().pk])).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=99999999999999999999",
        "?page=-1",
        "?compound=abc&category=xyz",
        "?compound=1%27%22%3E%3Cscript%3E&category=08",
        "?compound=" + "9" * 40,
        "?category=0&compound=",
        "?page=2&page=3&compound=1&compound=2",
    ],
)
def test_odd_wall_queries_never_500(client, query):
    code = Place.objects.get(kind=PlaceKind.COMMUNITY, name="花园街社区").code
    for name in ("wall:wall", "wall:echo"):
        response = client.get(reverse(name, args=[code]) + query)
        assert response.status_code == 200, (name, query)
        assert "<script>" not in response.content.decode().split("</h1>", 1)[1].replace("<script src=", "")


def test_unknown_or_non_community_codes_are_404(client):
    grid = Place.objects.filter(kind=PlaceKind.GRID).first()
    for code in ("000000000000", grid.code, "abc"):
        assert client.get(reverse("wall:wall", args=[code])).status_code == 404
        assert client.get(reverse("wall:echo", args=[code])).status_code == 404


def test_another_residents_post_timeline_and_rating_are_404(client):
    post = closed_case_post(resident("13988880015"))
    client.force_login(resident("13988880016"))
    assert client.get(reverse("wall:my_post", args=[post.pk])).status_code == 404
    assert (
        client.post(reverse("cases:rate", args=[post.case_id]), {"rating": "unsatisfied"}).status_code == 404
    )
    post.case.refresh_from_db()
    assert post.case.status == Status.CLOSED and not post.case.rating


def test_support_is_post_only():
    from django.test import Client

    post = publish(resident("13988880019"), title="路面坑洼", category=category("0602"))
    other = Client()
    other.force_login(resident("13988880020"))
    assert other.get(reverse("wall:support", args=[post.pk])).status_code == 405
    post.refresh_from_db()
    assert post.supports_count == 0


def test_a_second_triage_of_the_same_post_is_refused():
    post = publish(resident("13988880021"), title="楼道堆物", category=category("0602"))
    services.post_triage(actor=staff(), post_id=post.pk, outcome=TriageDecision.ANSWER, text="已清理。")
    with pytest.raises(services.WallError) as again:
        services.post_triage(actor=staff(), post_id=post.pk, outcome=TriageDecision.CASE, text="立案")
    assert again.value.code == "wrong_state"
    post.refresh_from_db()
    assert post.stage == Stage.ANSWERED and post.case_id is None


def test_staff_cannot_take_a_texted_code_even_with_the_number_spelled_differently(client):
    from huizhi.accounts.otp import LoginCodeError, login_code_send, login_code_verify
    from huizhi.accounts.roles import Role
    from huizhi.accounts.services import role_grant

    worker = user_create(username="staff-by-phone", password="x-long-password-1", mobile="13988880022")
    role_grant(user=worker, role=Role.COMMUNITY_STAFF, place=compound().parent.parent)
    login_code_send(mobile="+86 139 8888 0022", ip="10.0.0.9")
    code = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group()
    with pytest.raises(LoginCodeError) as refused:
        login_code_verify(mobile="139-8888-0022", code=code)
    assert refused.value.code == "staff"
    # The same number in another spelling shares the per-number limit.
    with pytest.raises(LoginCodeError) as again:
        login_code_send(mobile="13988880022", ip="10.0.0.10")
    assert again.value.code == "too_soon"


def test_a_code_session_does_not_open_the_console_after_a_role_is_granted(client):
    from huizhi.accounts.roles import Role
    from huizhi.accounts.services import role_grant

    signed = sign_in_by_code(client, "13988880023", "")
    assert signed.status_code == 302 and "_auth_user_id" in client.session
    user = User.objects.get(pk=client.session["_auth_user_id"])
    role_grant(user=user, role=Role.COMMUNITY_STAFF, place=compound().parent.parent)
    assert client.get(reverse("wall:queue")).status_code in (302, 403)
