"""Open311 as the clients nobody here wrote use it: reads without a key (the spec's "Requires API
Key: No"), photos by media_url, requests found by their own printed time, FixMyStreet's
servicerequestupdates with its statuses, and service definitions with attributes — every JSON
answer validated against the GeoReport v2 schemas kept beside this file (written from the spec),
every XML answer parsed with the spec's element names, and the stock `georeport` client reading
a live server.

XML is parsed here with defusedxml, never with the code under test.
"""

import json
from datetime import timedelta
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
import requests
from django.utils import timezone
from georeport import GeoReport
from jsonschema import Draft202012Validator

from huizhi.api.keys import api_key_create
from huizhi.cases.models import Case
from huizhi.cases.services import case_transition
from huizhi.cases.tests import factories as f
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall.models import Post

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
SCHEMAS = Path(__file__).parent / "open311_schemas"
MOBILE = "13912345678"


def schema(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        json.loads((SCHEMAS / f"{name}.json").read_text()), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def valid(name: str, response) -> list | dict:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    errors = sorted(schema(name).iter_errors(body), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return body


def xml_items(response, root: str, item: str) -> list[dict]:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    tree = SafeET.fromstring(response.content)
    assert tree.tag == root
    return [{child.tag: child.text or "" for child in element} for element in tree.findall(item)]


@pytest.fixture
def huayuan_key() -> str:
    return api_key_create(name="滁州12345热线", place=f.place(f.HUAYUAN))[1]


def file_request(client, key: str, **fields):
    data = {"api_key": key, "service_code": f.GARBAGE, "description": "扬天小区东门垃圾堆积。", **fields}
    data.setdefault("address_id", f.YANGTIAN)
    return client.post(f"{BASE}/requests.json", data)


# --- reading without a key -------------------------------------------------------------------------


def test_a_public_case_filed_with_a_key_is_read_back_open_without_one(client, huayuan_key):
    filed = valid("post_response", file_request(client, huayuan_key, description=f"垃圾堆积，联系{MOBILE}"))
    case_id = filed[0]["service_request_id"]
    [item] = valid("requests", client.get(f"{BASE}/requests/{case_id}.json"))
    assert (item["status"], item["service_code"]) == ("open", f.GARBAGE)
    # The hotline's text is not published anywhere: a reader without a key does not get it.
    assert item["description"] is None
    yangtian = f.place(f.YANGTIAN)
    assert (item["lat"], item["long"]) == (yangtian.lat, yangtian.lon)
    listed = valid("requests", client.get(f"{BASE}/requests.json"))
    assert case_id in {i["service_request_id"] for i in listed}
    assert MOBILE not in json.dumps(listed, ensure_ascii=False)


def test_without_a_key_private_subclasses_are_never_read(client):
    private = f.reported_case(category_code="1103", title="邻里纠纷", description="楼上楼下因漏水争吵。")
    listed = valid("requests", client.get(f"{BASE}/requests.json"))
    assert str(private.pk) not in {i["service_request_id"] for i in listed}
    assert client.get(f"{BASE}/requests/{private.pk}.json").status_code == 404
    valid("errors", client.get(f"{BASE}/requests/{private.pk}.json"))


def test_without_a_key_published_wall_items_are_read_as_the_wall_shows_them(client):
    posts = list(
        Post.objects.filter(stage__in=("open", "answered"), case__isnull=True).select_related("place")
    )
    assert posts, "the demo has public wall items"
    listed = {i["service_request_id"]: i for i in valid("requests", client.get(f"{BASE}/requests.json"))}
    for post in posts:
        item = listed[post.reference]
        assert item["description"] == post.description or "****" in item["description"]
        assert (item["lat"], item["long"]) == (post.place.lat, post.place.lon)
        assert item["status"] == ("closed" if post.stage == "answered" else "open")
    [one] = valid("requests", client.get(f"{BASE}/requests/{posts[0].reference}.json"))
    assert one["service_request_id"] == posts[0].reference


def test_held_and_draft_wall_items_are_not_read(client):
    hidden = Post.objects.exclude(stage__in=("open", "case", "agenda", "answered"))
    listed = {i["service_request_id"] for i in valid("requests", client.get(f"{BASE}/requests.json"))}
    assert not {post.reference for post in hidden} & listed


def test_with_a_key_the_keys_place_sees_its_private_cases_too(client, huayuan_key):
    private = f.reported_case(category_code="1103", title="邻里纠纷", description="楼上楼下因漏水争吵。")
    listed = valid("requests", client.get(f"{BASE}/requests.json", {"api_key": huayuan_key}))
    assert str(private.pk) in {i["service_request_id"] for i in listed}


def test_xml_reads_use_the_specs_element_names(client):
    items = xml_items(client.get(f"{BASE}/requests.xml"), "service_requests", "request")
    assert items and all({"service_request_id", "status", "requested_datetime"} <= set(i) for i in items)


# --- times -----------------------------------------------------------------------------------------


def test_a_request_is_found_by_its_own_printed_requested_datetime(client, huayuan_key):
    case_id = valid("post_response", file_request(client, huayuan_key))[0]["service_request_id"]
    [item] = valid("requests", client.get(f"{BASE}/requests/{case_id}.json"))
    printed = item["requested_datetime"]
    for params in (
        {"start_date": printed, "end_date": printed},
        {"end_date": printed},
        {"start_date": printed},
    ):
        found = valid("requests", client.get(f"{BASE}/requests.json", params))
        assert case_id in {i["service_request_id"] for i in found}, params


# --- photos ----------------------------------------------------------------------------------------


def test_media_url_given_on_post_is_returned_on_get(client, huayuan_key):
    url = "https://hotline.example.gov.cn/photos/2026/12/05/abc.jpg"
    case_id = valid("post_response", file_request(client, huayuan_key, media_url=url))[0][
        "service_request_id"
    ]
    assert Case.objects.get(pk=case_id).media_url == url
    [keyless] = valid("requests", client.get(f"{BASE}/requests/{case_id}.json"))
    [keyed] = valid("requests", client.get(f"{BASE}/requests/{case_id}.json", {"api_key": huayuan_key}))
    assert keyless["media_url"] == keyed["media_url"] == url


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://x.example/a.jpg", "not a url", "https://" + "a" * 600]
)
def test_a_bad_media_url_is_a_400_and_nothing_is_filed(client, huayuan_key, url):
    before = Case.objects.count()
    response = file_request(client, huayuan_key, media_url=url)
    assert response.status_code == 400
    assert "media_url" in valid("errors", response)[0]["description"]
    assert Case.objects.count() == before


def test_a_public_wall_items_photo_is_its_media_url_without_exif(client):
    post = (
        Post.objects.filter(photos_public=True, stage__in=("open", "answered", "case"), photos__isnull=False)
        .order_by("-id")
        .first()
    )
    if post is None:
        pytest.skip("the demo has no public wall photo")
    listed = valid("requests", client.get(f"{BASE}/requests.json"))
    item = next(i for i in listed if i["service_request_id"] in (post.reference, str(post.case_id)))
    assert item["media_url"].startswith("http://testserver/wall/photos/")
    photo = client.get(item["media_url"].removeprefix("http://testserver"))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    body = b"".join(photo.streaming_content)
    assert b"Exif" not in body[:2000]


# --- service definitions ---------------------------------------------------------------------------


def test_services_with_questions_say_metadata_and_their_definitions_validate(client):
    services = valid("services", client.get(f"{BASE}/services.json"))
    with_metadata = [s["service_code"] for s in services if s["metadata"]]
    assert "1105" in with_metadata
    for code in with_metadata:
        definition = valid("service_definition", client.get(f"{BASE}/services/{code}.json"))
        assert definition["attributes"]
    overflow = valid("service_definition", client.get(f"{BASE}/services/1105.json"))["attributes"][0]
    assert overflow["code"] == "overflow" and overflow["required"] is True
    assert {v["key"] for v in overflow["values"]} == {"yes", "no"}
    xml = SafeET.fromstring(client.get(f"{BASE}/services/1105.xml").content)
    assert xml.tag == "service_definition"
    assert [v.findtext("key") for v in xml.find("attributes").find("attribute").find("values")] == [
        "yes",
        "no",
    ]


def drain_request(client, key, **attributes):
    data = {"service_code": "1105", "description": "下水道堵了，污水往外冒。", **attributes}
    return file_request(client, key, **data)


def test_a_required_attribute_must_be_answered(client, huayuan_key):
    before = Case.objects.count()
    response = drain_request(client, huayuan_key)
    assert response.status_code == 400
    assert "attribute[overflow]" in valid("errors", response)[0]["description"]
    assert drain_request(client, huayuan_key, **{"attribute[overflow]": "maybe"}).status_code == 400
    assert (
        drain_request(
            client, huayuan_key, **{"attribute[nosuch]": "x", "attribute[overflow]": "yes"}
        ).status_code
        == 400
    )
    assert Case.objects.count() == before


def test_answers_are_kept_on_the_report_and_shown_to_staff(client, huayuan_key):
    response = drain_request(
        client, huayuan_key, **{"attribute[overflow]": "yes", "attribute[since]": "昨晚"}
    )
    case = Case.objects.get(pk=valid("post_response", response)[0]["service_request_id"])
    answers = case.events.get(action="report").data["answers"]
    assert [(a["code"], a["answer"]) for a in answers] == [("overflow", "是，已漫到路面"), ("since", "昨晚")]
    client.force_login(f.user("huayuan_staff"))
    assert "是，已漫到路面" in client.get(f"/console/cases/{case.pk}/").content.decode()


# --- updates ---------------------------------------------------------------------------------------


def move(case, who: str, action: str, **fields):
    return case_transition(actor=f.user(who), case_id=case.pk, action=action, **fields)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_follow_a_case_to_fixed(client, huayuan_key, fmt):
    since = (timezone.localtime() - timedelta(minutes=1)).isoformat(timespec="seconds")
    case = f.reported_case()
    for action in ("accept", "dispatch", "start", "report_result", "verify"):
        case = f.advance(case, action)
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}", {"start_date": since})
    if fmt == "json":
        updates = [u for u in valid("updates", response) if u["service_request_id"] == str(case.pk)]
    else:
        updates = [
            u
            for u in xml_items(response, "service_request_updates", "request_update")
            if u["service_request_id"] == str(case.pk)
        ]
    assert [u["status"] for u in updates] == [
        "OPEN",
        "INVESTIGATING",
        "ACTION_SCHEDULED",
        "IN_PROGRESS",
        "IN_PROGRESS",
        "FIXED",
    ]
    assert all(u["description"] for u in updates)


def test_a_duplicate_links_the_case_it_duplicates(client):
    since = (timezone.localtime() - timedelta(minutes=1)).isoformat(timespec="seconds")
    first, second = f.reported_case(), f.reported_case()
    f.advance(first, "accept")
    move(second, "huayuan_staff", "merge", merged_into=first, reason="同一处垃圾")
    updates = valid("updates", client.get(f"{BASE}/servicerequestupdates.json", {"start_date": since}))
    [merged] = [
        u for u in updates if u["service_request_id"] == str(second.pk) and u["status"] == "DUPLICATE"
    ]
    assert merged["duplicate_of"] == str(first.pk)


def test_updates_of_private_cases_need_a_key_and_notes_stay_with_keys(client, huayuan_key):
    since = (timezone.localtime() - timedelta(minutes=1)).isoformat(timespec="seconds")
    private = f.reported_case(category_code="1103", title="邻里纠纷", description="楼上楼下争吵。")
    move(private, "huayuan_staff", "accept", note=f"已联系当事人{MOBILE}")
    public = valid("updates", client.get(f"{BASE}/servicerequestupdates.json", {"start_date": since}))
    assert str(private.pk) not in {u["service_request_id"] for u in public}
    keyed = valid(
        "updates",
        client.get(f"{BASE}/servicerequestupdates.json", {"start_date": since, "api_key": huayuan_key}),
    )
    notes = [u["description"] for u in keyed if u["service_request_id"] == str(private.pk)]
    assert any("139****5678" in n for n in notes) and not any(MOBILE in n for n in notes)


def test_updates_refuse_dates_at_the_ends_of_the_calendar(client):
    response = client.get(f"{BASE}/servicerequestupdates.json", {"start_date": "9999-12-31"})
    assert response.status_code == 400
    valid("errors", response)


# --- a stock client over real HTTP -----------------------------------------------------------------


@pytest.mark.usefixtures("live_demo")
def test_the_georeport_client_reads_without_a_key_and_a_keyed_client_reads_more(live_server):
    key = api_key_create(name="滁州12345热线", place=f.place(f.HUAYUAN))[1]
    root = f"{live_server.url}{BASE}"
    where = Place.objects.get(kind=PlaceKind.COMPOUND, code=f.YANGTIAN)
    filed = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": f.GARBAGE,
            "address_id": where.code,
            "description": "东门垃圾堆积。",
        },
        timeout=30,
    )
    assert filed.status_code == 201, filed.text
    case_id = filed.json()[0]["service_request_id"]
    private = requests.post(
        f"{root}/requests.json",
        data={"api_key": key, "service_code": "1103", "address_id": where.code, "description": "邻里纠纷。"},
        timeout=30,
    ).json()[0]["service_request_id"]

    for fmt in ("json", "xml"):
        stock = GeoReport(root, output_format=fmt)  # sends no key on reads, as real clients do
        services = stock.get_service_list()
        assert any(s["service_code"] == f.GARBAGE for s in services)
        listed = stock.get_service_requests()
        listed = listed if isinstance(listed, list) else [listed]
        ids = {item["service_request_id"] for item in listed}
        assert case_id in ids and private not in ids
        one = stock.get_service_request(case_id)
        assert (one["service_request_id"], one["status"]) == (case_id, "open")

    keyed = requests.get(f"{root}/requests.json", params={"api_key": key}, timeout=30).json()
    assert {case_id, private} <= {item["service_request_id"] for item in keyed}
