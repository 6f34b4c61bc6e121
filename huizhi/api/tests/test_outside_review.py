"""What an outside tester found against a running server after the hardening, each pinned here:
numbers typed in shapes the masking missed, a household's room named to a system, a private
subclass shown without a key, 500s from zone offsets and from NUL or lone surrogates in JSON,
HTML errors under /open311/, and media URLs that carry credentials or markup."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from huizhi.api.keys import api_key_create
from huizhi.cases.models import Category
from huizhi.cases.services import case_report
from huizhi.cases.states import Source
from huizhi.cases.tests import factories as f
from huizhi.core.text import mask_typed_personal_numbers
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall import moderation

pytestmark = pytest.mark.django_db

OPEN311 = "/open311/v2"


@pytest.fixture
def raw_key() -> str:
    return api_key_create(name="12345热线", place=f.place(f.HUAYUAN))[1]


@pytest.fixture
def api(raw_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)
    return client


@pytest.mark.parametrize(
    "typed, masked",
    [
        ("有事找我 139 - 1234 - 5678", "有事找我 139****5678"),
        ("联系人１３９１２３４５６７８", "联系人139****5678"),
        ("139\u200b1234\u200b5678", "139****5678"),
        ("139_1234_5678", "139****5678"),
        ("139/1234/5678", "139****5678"),
        ("电话139，1234，5678", "电话139****5678"),
        ("身份证 340102-19900101-1234", "身份证 3401**********1234"),
    ],
)
def test_numbers_typed_in_every_shape_are_masked(typed, masked):
    assert mask_typed_personal_numbers(typed) == masked


@pytest.mark.parametrize(
    "ordinary", ["3栋2单元501室，2024-05-01 10:30", "物业费每平米1.2元，共13912元", "订单号2013912345678999"]
)
def test_other_numbers_are_left_alone(ordinary):
    assert mask_typed_personal_numbers(ordinary) == ordinary


def test_a_spaced_mobile_holds_a_wall_post():
    assert "contact" in moderation.hold_reasons(
        title="北门垃圾箱满了",
        description="没人清，有事找我 139 - 1234 - 5678",
        post_fingerprint="x",
        exclude_post_id=None,
    )


def test_a_key_is_never_told_a_households_room():
    unit = (
        Place.objects.filter(kind=PlaceKind.UNIT, code__startswith=f.HUAYUAN).select_related("parent").first()
    )
    case = case_report(
        actor=f.user("huayuan_staff"),
        category=f.category("1103"),
        title="邻里纠纷",
        description="楼上漏水。",
        source=Source.HOTLINE,
        place=unit,
    )
    token, _ = Token.objects.get_or_create(user=f.user("huayuan_staff"))
    staff = APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert staff.get(f"/api/v1/cases/{case.pk}/").json()["place"] == unit.code  # staff in scope: the room
    key_client = APIClient()
    key_client.credentials(HTTP_X_API_KEY=api_key_create(name="热线", place=f.place(f.HUAYUAN))[1])
    row = key_client.get(f"/api/v1/cases/{case.pk}/").json()
    assert (row["place"], row["place_name"]) == (unit.parent.code, unit.parent.name)


def test_a_wall_item_staff_recategorised_privately_keeps_the_walls_subclass_without_a_key(client):
    from huizhi.wall.models import Post

    post = Post.objects.filter(stage="open", case__isnull=True).select_related("category", "place").first()
    case = case_report(
        actor=post.author,
        category=Category.objects.get(code="1103"),  # 邻里纠纷: private
        title=post.title,
        description=post.description,
        source=Source.WALL,
        place=post.place,
    )
    Post.objects.filter(pk=post.pk).update(stage="case", case=case)
    [item] = client.get(f"{OPEN311}/requests/{case.pk}.json").json()
    assert item["service_code"] == post.category.code != "1103"
    listed = client.get(f"{OPEN311}/requests.json", {"service_code": "1103"}).json()
    assert str(case.pk) not in {i["service_request_id"] for i in listed}


@pytest.mark.parametrize(
    "path, params",
    [
        (f"{OPEN311}/requests.json", {"start_date": "2026-12-01T00:00:00+18:00"}),
        (f"{OPEN311}/servicerequestupdates.json", {"end_date": "2026-12-06T00:00:00-20:00"}),
    ],
)
def test_a_zone_no_place_has_is_a_400(client, path, params):
    assert client.get(path, params).status_code == 400


def test_a_zone_no_place_has_is_a_400_in_rest(api):
    response = api.get("/api/v1/cases/", {"updated_since": "2026-01-01T00:00:00+16:00"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        '{"category": "01\\u000001", "title": "t", "description": "d", "place": "341102001003001001"}',
        '{"category": "0101", "title": "t", "description": "d", "place": "3411\\u0000"}',
        '{"category": "0101", "title": "a\\ud800b", "description": "d", "place": "341102001003001001"}',
    ],
)
def test_unstorable_text_anywhere_in_json_is_a_400(api, body):
    response = api.post("/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_lone_surrogate_as_an_action_is_a_400():
    case = f.reported_case()
    token, _ = Token.objects.get_or_create(user=f.user("huayuan_staff"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        f"/api/v1/cases/{case.pk}/transitions/", '{"action": "\\ud800"}', content_type="application/json"
    )
    assert response.status_code == 400


def test_a_malformed_multipart_body_on_open311_answers_in_the_specs_shape(client, raw_key):
    response = client.post(
        f"{OPEN311}/requests.json?api_key={raw_key}", b"--x\r\n", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)[0]["code"] == 400


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@hotline.example.gov.cn/x.jpg",
        'https://e.example/a"><script>alert(1)</script>',
        "https://e.example/a b.jpg",
    ],
)
def test_a_media_url_with_credentials_or_markup_is_refused(client, raw_key, url):
    response = client.post(
        f"{OPEN311}/requests.json",
        {
            "api_key": raw_key,
            "service_code": f.GARBAGE,
            "description": "垃圾",
            "address_id": f.YANGTIAN,
            "media_url": url,
        },
    )
    assert response.status_code == 400


def test_an_idempotent_retry_may_move_its_key_to_the_header(raw_key):
    data = {
        "service_code": f.GARBAGE,
        "description": "东门垃圾。",
        "address_id": f.YANGTIAN,
        "client_request_id": "r1",
    }
    first = APIClient().post(f"{OPEN311}/requests.json", {**data, "api_key": raw_key})
    again = APIClient().post(f"{OPEN311}/requests.json", data, HTTP_X_API_KEY=raw_key)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content


@pytest.mark.parametrize("path", ["requests/WP٣.json", "tokens/HZ٣.json"])
def test_ids_are_ascii_digits_only(client, path):
    assert client.get(f"{OPEN311}/{path}").status_code == 404
