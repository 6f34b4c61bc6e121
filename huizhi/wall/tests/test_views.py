"""The wall's pages as people use them: public reading without login, signing in by text code,
posting (with the nearby-duplicates step), staff triage, and what the list pages cost in queries."""

import re

import pytest
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.accounts.services import user_create
from huizhi.cases.models import Category
from huizhi.core.sms import MemorySmsBackend
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall import services
from huizhi.wall.models import Post, Stage, Support
from huizhi.wall.tests.helpers import (
    category,
    compound,
    publish,
    resident,
    sign_in_by_code,
)

pytestmark = pytest.mark.django_db


def huayuan() -> Place:
    return Place.objects.get(kind=PlaceKind.COMMUNITY, name="花园街社区")


def sign_in(client, mobile="13922220001"):
    client.post(reverse("wall:login"), {"step": "send", "mobile": mobile})
    code = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group()
    response = client.post(reverse("wall:login"), {"step": "verify", "code": code})
    assert response.status_code == 302
    return User.objects.get(pk=client.session["_auth_user_id"])


def test_public_wall_and_echo_wall_read_without_login(client):
    wall = client.get(reverse("wall:wall", args=[huayuan().code]))
    echo = client.get(reverse("wall:echo", args=[huayuan().code]))
    assert wall.status_code == echo.status_code == 200
    assert "消防通道被电动车堵住" in wall.content.decode()
    body = echo.content.decode()
    assert "扬天小区东门路灯不亮" in body and "更换了损坏的灯头" in body and "本周五上午9点" in body
    assert "专业疏通" not in wall.content.decode()  # held spam never shows


def test_public_pages_never_show_the_reporter(client):
    author = User.objects.get(username="resident")
    for name in ("wall:wall", "wall:echo"):
        body = client.get(reverse(name, args=[huayuan().code])).content.decode()
        assert author.full_name not in body and author.mobile not in body and author.username not in body


def test_sign_in_by_code_and_post(client):
    user = sign_in(client)
    assert user.mobile == "13922220001"
    category = Category.objects.get(code="0801")
    compound = Place.objects.get(kind=PlaceKind.COMPOUND, name="扬天小区")
    response = client.post(
        reverse("wall:new_post"),
        {
            "category": category.pk,
            "title": "垃圾箱满了",
            "description": "东门垃圾箱满了两天了",
            "place": compound.pk,
        },
    )
    # The demo has an open 垃圾箱 item nearby in the same compound's community? If so, the draft step.
    post = Post.objects.get(author=user)
    assert response.status_code == 302
    if post.stage == Stage.DRAFT:
        assert response.url == reverse("wall:draft", args=[post.pk])
        response = client.post(response.url, {"submit": "1"})
        post.refresh_from_db()
    assert post.stage == Stage.OPEN


def test_bad_input_on_the_post_form_says_what_is_wrong(client):
    sign_in(client, "13922220002")
    category = Category.objects.get(code="0801")
    response = client.post(
        reverse("wall:new_post"),
        {
            "category": category.pk,
            "title": "<script>alert(1)</script>",
            "description": "x",
            "lon": "1",
            "lat": "1",
        },
    )
    assert response.status_code == 400
    assert not Post.objects.filter(title__contains="script").exists()


@pytest.mark.parametrize("page", ["wall:wall", "wall:echo"])
def test_list_pages_cost_a_fixed_number_of_queries(client, django_assert_max_num_queries, page):
    with django_assert_max_num_queries(12):
        assert client.get(reverse(page, args=[huayuan().code])).status_code == 200


def test_staff_triage_queue_and_page(client):
    client.force_login(User.objects.get(username="huayuan_staff"))
    queue = client.get(reverse("wall:queue"))
    assert queue.status_code == 200 and "垃圾箱破损" in queue.content.decode()
    held = client.get(reverse("wall:queue") + "?stage=held")
    assert "专业疏通" in held.content.decode()
    post = Post.objects.get(title="垃圾箱破损")
    page = client.get(reverse("wall:triage", args=[post.pk]))
    assert page.status_code == 200
    response = client.post(reverse("wall:triage", args=[post.pk]), {"outcome": "answer", "text": "已更换"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.stage == Stage.ANSWERED


def test_staff_of_another_community_get_404_for_the_post(client):
    client.force_login(User.objects.get(username="fenghuang_staff"))
    post = Post.objects.get(title="垃圾箱破损")
    assert client.get(reverse("wall:triage", args=[post.pk])).status_code == 404


def test_staff_accounts_cannot_sign_in_by_code(client):
    from huizhi.accounts.roles import Role
    from huizhi.accounts.services import role_grant

    staff = user_create(username="staff-with-mobile", password="x-long-password", mobile="13922220009")
    role_grant(user=staff, role=Role.COMMUNITY_STAFF, place=huayuan())
    client.post(reverse("wall:login"), {"step": "send", "mobile": "13922220009"})
    code = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group()
    response = client.post(reverse("wall:login"), {"step": "verify", "code": code})
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_a_photo_only_its_author_may_see_is_not_left_in_shared_caches(client):
    import io as _io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from huizhi.wall.tests.helpers import publish, resident

    out = _io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="JPEG")
    author = resident("13922220010")
    post = publish(author, photos=[SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")])
    url = reverse("wall:photo", args=[post.photos.get().pk])
    assert client.get(url).status_code == 404  # not yet seen by staff
    client.force_login(author)
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content)


def test_the_resident_rates_from_their_post_and_lands_back_on_it(client):
    from huizhi.cases.models import Case
    from huizhi.wall.models import Post

    post = Post.objects.get(title="扬天小区东门路灯不亮")  # the demo's fixed street light
    Case.objects.filter(pk=post.case_id).update(rating="", rated_at=None)
    client.force_login(post.author)
    mine = reverse("wall:my_post", args=[post.pk])
    page = client.get(mine).content.decode()
    assert f'action="{reverse("cases:rate", args=[post.case_id])}"' in page
    response = client.post(reverse("cases:rate", args=[post.case_id]), {"rating": "satisfied", "next": mine})
    assert response.status_code == 302 and response.url == mine
    assert Case.objects.get(pk=post.case_id).rating == "satisfied"


def test_next_never_leads_off_the_site(client):
    from huizhi.cases.models import Case
    from huizhi.wall.models import Post

    post = Post.objects.get(title="扬天小区东门路灯不亮")
    Case.objects.filter(pk=post.case_id).update(rating="", rated_at=None)
    client.force_login(post.author)
    response = client.post(
        reverse("cases:rate", args=[post.case_id]), {"rating": "satisfied", "next": "https://evil.example/"}
    )
    assert response.url == reverse("cases:detail", args=[post.case_id])


def test_community_staff_see_the_streets_wording_without_an_edit_link(client):
    from huizhi.wall.models import ResponseTemplate

    client.force_login(User.objects.get(username="huayuan_staff"))
    page = client.get(reverse("wall:templates")).content.decode()
    street_wide = ResponseTemplate.objects.filter(community__isnull=True).first()
    assert street_wide.text[:20] in page
    assert reverse("wall:template_edit", args=[street_wide.pk]) not in page
    assert client.get(reverse("wall:template_edit", args=[street_wide.pk])).status_code == 403


def test_a_resident_who_signs_in_to_support_gets_back_to_the_item(client):
    post = publish(resident("13988880005"), title="单元门禁坏了")
    asked = client.post(reverse("wall:support", args=[post.pk]))
    assert asked.status_code == 302 and "/wall/login/" in asked.url
    next_url = re.search(r"next=([^&]+)", asked.url).group(1)
    from urllib.parse import unquote

    signed = sign_in_by_code(client, "13988880006", unquote(next_url))
    assert signed.status_code == 302
    landing = client.get(signed.url)
    assert landing.status_code in (200, 302), landing.status_code


def test_support_from_the_draft_page_counts_once_and_drops_the_draft(client):
    post = publish(resident("13988880017"), title="健身器材坏了", category=category("0602"))
    neighbour = resident("13988880018")
    draft = services.post_draft(
        actor=neighbour, category=post.category, title="器材坏了", description="同一个", place=compound()
    )
    client.force_login(neighbour)
    first = client.post(reverse("wall:draft", args=[draft.pk]), {"support": str(post.pk)})
    assert first.status_code == 302
    again = client.post(reverse("wall:draft", args=[draft.pk]), {"support": str(post.pk)})
    assert again.status_code == 404  # the draft is gone
    post.refresh_from_db()
    assert post.supports_count == Support.objects.filter(post=post).count() == 1
    assert not Post.objects.filter(pk=draft.pk).exists()
