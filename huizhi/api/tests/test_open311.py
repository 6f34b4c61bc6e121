"""Open311 GeoReport v2 (DESIGN §10, §13): every endpoint in XML and JSON checked against the shapes
of the specification (wiki.open311.org/GeoReport_v2, Service_Discovery, the Spark convention),
bad input refused with the spec's errors and nothing created, scope per API key, internal states
mapped to open/closed after real transitions, and a round trip over real HTTP against a live server.

XML is parsed here with defusedxml, never with the code under test.
"""

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import defusedxml.ElementTree as SafeET
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from huizhi.accounts.models import User
from huizhi.api import open311
from huizhi.api.keys import api_key_create, api_key_revoke
from huizhi.api.open311 import reading
from huizhi.cases.models import Case, Category
from huizhi.cases.services import case_report, case_transition
from huizhi.cases.states import Outcome, Source, Status
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
HUAYUAN, FENGHUANG = "341102001003", "341102001001"
CREW = "花园街社区红色汇治维修队"
FORMATS = ["xml", "json"]
REQUEST_ID = re.compile(r"\d+|WP\d{7,}")  # a case, or a public wall item not (yet) a case
W3_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

# Every field the spec defines for a request in GET requests; nothing else may appear.
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
REQUIRED_REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "service_name",
    "service_code",
    "requested_datetime",
    "updated_datetime",
    "address",
    "lat",
    "long",
}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}


# --- helpers and data ------------------------------------------------------------------------------


def user(username: str) -> User:
    return User.objects.get(username=username)


def community(code: str) -> Place:
    return Place.objects.get(kind=PlaceKind.COMMUNITY, code=code)


def building_11() -> Place:
    return Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")


def yangtian() -> Place:
    return Place.objects.get(kind=PlaceKind.COMPOUND, name="扬天小区")


def fenghuang_compound() -> Place:
    return Place.objects.filter(kind=PlaceKind.COMPOUND, code__startswith=FENGHUANG).order_by("code").first()


@pytest.fixture
def huayuan_key() -> str:
    _key, raw = api_key_create(name="滁州12345热线", place=community(HUAYUAN))
    return raw


@pytest.fixture
def fenghuang_key() -> str:
    _key, raw = api_key_create(name="凤凰社区小程序", place=community(FENGHUANG))
    return raw


def report(category: str = "0101", place: Place | None = None, **extra) -> Case:
    """A case filed on patrol by the grid worker, the way the pages file it."""
    return case_report(
        actor=user("gridworker"),
        category=Category.objects.get(code=category),
        source=Source.PATROL,
        title=extra.pop("title", "扬天小区11栋门口暴露垃圾"),
        description=extra.pop("description", "单元门口堆放生活垃圾，无人清运。"),
        place=place or building_11(),
        **extra,
    )


def move(case: Case, actor: str, action: str, **fields) -> Case:
    return case_transition(actor=user(actor), case_id=case.pk, action=action, **fields)


def file(client, key: str | None, fmt: str = "json", **fields):
    data = {"service_code": "0101", "description": "小区门口垃圾堆积三天无人清运。", **fields}
    if key is not None:
        data["api_key"] = key
    return client.post(f"{BASE}/requests.{fmt}", data)


def point_in(place: Place) -> dict:
    return {"lat": str(place.lat), "long": str(place.lon)}


def get(client, path: str, key: str | None = None, **params):
    if key is not None:
        params["api_key"] = key
    return client.get(f"{BASE}/{path}", params)


# --- reading the spec's shapes (independently of the code under test) ------------------------------


def xml_root(response, root: str):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    tree = SafeET.fromstring(response.content)
    assert tree.tag == root
    return tree


def xml_list(response, root: str, item: str) -> list[dict[str, str]]:
    """The repeated `item` elements under `root`, each as {child tag: text}; tags must not repeat."""
    rows = []
    for element in xml_root(response, root):
        assert element.tag == item
        row = {}
        for child in element:
            assert child.tag not in row
            assert len(child) == 0, f"{child.tag} is a leaf in the spec"
            row[child.tag] = child.text or ""
        rows.append(row)
    return rows


def json_body(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def spec_errors(response, fmt: str, status: int) -> list[str]:
    """The spec's error document: <errors><error><code/><description/></error></errors> or
    [{"code":…,"description":…}], with the HTTP status; returns the descriptions."""
    assert response.status_code == status, response.content.decode()
    if fmt == "xml":
        errors = xml_list(response, "errors", "error")
        assert errors and all(set(e) == {"code", "description"} for e in errors)
        assert all(e["code"] == str(status) for e in errors)
    else:
        errors = json_body(response)
        assert isinstance(errors, list) and errors
        assert all(set(e) == {"code", "description"} for e in errors)
        assert all(e["code"] == status for e in errors)
    assert all(e["description"] for e in errors)
    return [e["description"] for e in errors]


def check_request_json(item: dict) -> None:
    assert REQUIRED_REQUEST_FIELDS <= set(item) <= REQUEST_FIELDS
    assert isinstance(item["service_request_id"], str) and REQUEST_ID.fullmatch(item["service_request_id"])
    assert item["status"] in ("open", "closed")
    for name in ("status_notes", "service_name", "service_code", "address"):
        assert isinstance(item[name], str)
    # Without a key, a case's text is given only when the wall published it.
    for name in ("agency_responsible", "service_notice", "address_id", "description", "media_url"):
        assert item[name] is None or isinstance(item[name], str)
    for name in ("requested_datetime", "updated_datetime"):
        assert W3_WITH_ZONE.match(item[name]), item[name]
    assert item["expected_datetime"] is None or W3_WITH_ZONE.match(item["expected_datetime"])
    for name in ("lat", "long"):
        assert item[name] is None or isinstance(item[name], float)


def check_request_xml(item: dict) -> None:
    assert REQUIRED_REQUEST_FIELDS <= set(item) <= REQUEST_FIELDS
    assert REQUEST_ID.fullmatch(item["service_request_id"])
    assert item["status"] in ("open", "closed")
    for name in ("requested_datetime", "updated_datetime"):
        assert W3_WITH_ZONE.match(item[name]), item[name]
    assert item["expected_datetime"] == "" or W3_WITH_ZONE.match(item["expected_datetime"])
    for name in ("lat", "long"):
        assert item[name] == "" or float(item[name])


def requests_of(response, fmt: str) -> list[dict]:
    """The service requests of a GET answer, each checked against the spec's shape."""
    assert response.status_code == 200, response.content.decode()
    if fmt == "xml":
        items = xml_list(response, "service_requests", "request")
        for item in items:
            check_request_xml(item)
    else:
        items = json_body(response)
        assert isinstance(items, list)
        for item in items:
            check_request_json(item)
    return items


def ids_of(items: list[dict]) -> set[int]:
    """The case ids among the items (a public read also lists wall items, WP0000123)."""
    return {int(item["service_request_id"]) for item in items if item["service_request_id"].isdigit()}


# --- discovery and services --------------------------------------------------------------------------


def test_discovery_in_xml_has_every_field_the_spec_requires(client):
    tree = xml_root(client.get(f"{BASE}/discovery.xml"), "discovery")
    assert [child.tag for child in tree] == ["changeset", "contact", "key_service", "endpoints"]
    endpoints = tree.find("endpoints")
    assert [e.tag for e in endpoints] == ["endpoint"]
    endpoint = endpoints.find("endpoint")
    assert {c.tag for c in endpoint} == {"specification", "url", "changeset", "type", "formats"}
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert endpoint.findtext("type") in ("production", "test")
    assert [f.tag for f in endpoint.find("formats")] == ["format", "format"]
    assert {f.text for f in endpoint.find("formats")} == {"text/xml", "application/json"}
    assert all(tree.findtext(name) for name in ("changeset", "contact", "key_service"))


def test_discovery_in_json_is_the_spark_mapping_of_the_xml(client):
    document = json_body(client.get(f"{BASE}/discovery.json"))
    assert set(document) == {"changeset", "contact", "key_service", "endpoints"}
    assert all(isinstance(document[name], str) and document[name] for name in ("changeset", "contact"))
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    # The root of the endpoint serves discovery too, as the spec suggests.
    xml_root(client.get(f"{BASE}/"), "discovery")


def _services(client, fmt: str) -> dict[str, dict]:
    response = client.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    items = xml_list(response, "services", "service") if fmt == "xml" else json_body(response)
    for item in items:
        assert set(item) == SERVICE_FIELDS
        assert item["type"] in ("realtime", "batch", "blackbox")
        if fmt == "json":
            assert isinstance(item["metadata"], bool)
            assert all(isinstance(item[k], str) for k in SERVICE_FIELDS - {"metadata"})
        else:
            assert item["metadata"] in ("true", "false")
    return {item["service_code"]: item for item in items}


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list_every_active_subclass_grouped_by_class(client, fmt):
    services = _services(client, fmt)

    subclasses = Category.objects.filter(parent__isnull=False, is_active=True)
    assert set(services) == set(subclasses.values_list("code", flat=True))
    garbage, drain = services["0101"], services["1105"]
    assert (garbage["service_name"], garbage["group"], garbage["type"]) == (
        "暴露垃圾",
        "市容环境",
        "realtime",
    )
    assert garbage["description"] == "垃圾清运完毕，现场无残留"  # the closing condition
    assert "暴露垃圾" in garbage["keywords"] and "市容环境" in garbage["keywords"]
    assert (drain["service_name"], drain["group"]) == ("下水管道堵塞", "社区事务")
    assert garbage["metadata"] in (False, "false")  # no subclass asks for extra answers yet
    assert not any(len(code) == 2 for code in services)  # classes are groups, not services


def test_an_inactive_subclass_is_no_longer_offered(client):
    Category.objects.filter(code="0102").update(is_active=False)
    assert "0102" not in _services(client, "json")
    assert client.get(f"{BASE}/services/0102.json").status_code == 404


def test_service_definition_in_xml(client):
    tree = xml_root(client.get(f"{BASE}/services/0101.xml"), "service_definition")
    assert [child.tag for child in tree] == ["service_code", "attributes"]
    assert tree.findtext("service_code") == "0101"
    assert list(tree.find("attributes")) == []


def test_service_definition_in_json(client):
    assert json_body(client.get(f"{BASE}/services/0101.json")) == {"service_code": "0101", "attributes": []}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["9999", "01", "abc"])
def test_an_unknown_service_code_is_404(client, fmt, code):
    [description] = spec_errors(client.get(f"{BASE}/services/{code}.{fmt}"), fmt, 404)
    assert code in description


@pytest.mark.parametrize(
    ("path", "fmt"),
    [("nothing.json", "json"), ("requests.csv", "xml"), ("services/0101.html", "xml"), ("services", "xml")],
)
def test_anything_else_under_the_endpoint_is_a_spec_shaped_404(client, path, fmt):
    spec_errors(client.get(f"{BASE}/{path}"), fmt, 404)


# --- POST requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_filing_by_lat_long_goes_through_the_intake(client, huayuan_key, fmt):
    where = yangtian()
    before = Case.objects.count()

    response = file(client, huayuan_key, fmt, **point_in(where))

    assert response.status_code == 201, response.content.decode()
    if fmt == "xml":
        [answer] = xml_list(response, "service_requests", "request")
    else:
        [answer] = json_body(response)
        assert isinstance(answer["service_request_id"], str)
    # A realtime service answers with the id and, as the spec says, then not with a token.
    assert set(answer) <= {"service_request_id", "service_notice", "account_id"}
    assert Case.objects.count() == before + 1
    case = Case.objects.get(pk=int(answer["service_request_id"]))
    assert case.reference in answer["service_notice"]
    assert (case.source, case.status, case.category.code) == (Source.HOTLINE, Status.REPORTED, "0101")
    assert case.reporter is None and case.reporter_label == "滁州12345热线"
    assert case.grid == where.parent and case.community.code == HUAYUAN
    assert (case.lat, case.lon) == (where.lat, where.lon)
    assert case.accept_due_at is not None and case.accept_due_at > case.created_at
    assert case.title == "小区门口垃圾堆积三天无人清运。"
    assert list(case.events.values_list("action", flat=True)) == ["report"]


@pytest.mark.parametrize(
    "address", ["扬天小区11栋", "花园街社区 扬天小区 11 栋", "扬天小区11号楼", "琅琊街道扬天小区11幢"]
)
def test_filing_by_an_address_finds_the_building(client, huayuan_key, address):
    response = file(client, huayuan_key, address_string=address)

    assert response.status_code == 201, response.content.decode()
    case = Case.objects.get(pk=int(json_body(response)[0]["service_request_id"]))
    assert case.place == building_11()
    assert case.grid == yangtian().parent


def test_an_address_naming_building_1_is_not_read_as_building_11(client, huayuan_key):
    response = file(client, huayuan_key, address_string="扬天小区1栋")
    case = Case.objects.get(pk=int(json_body(response)[0]["service_request_id"]))
    assert case.place.name == "1栋" and case.place.parent == yangtian()


def test_filing_by_a_compound_name_or_an_address_id(client, huayuan_key):
    by_name = file(client, huayuan_key, address_string="扬天小区")
    by_id = file(client, huayuan_key, address_id=building_11().code)

    assert Case.objects.get(pk=int(json_body(by_name)[0]["service_request_id"])).place == yangtian()
    assert Case.objects.get(pk=int(json_body(by_id)[0]["service_request_id"])).place == building_11()


def test_a_point_with_an_address_keeps_the_point_and_the_building(client, huayuan_key):
    response = file(client, huayuan_key, address_string="扬天小区11栋", lat="32.30", long="118.30")
    assert response.status_code == 400  # the point decides; this one lies outside every grid

    response = file(client, huayuan_key, address_string="扬天小区11栋", **point_in(yangtian()))
    case = Case.objects.get(pk=int(json_body(response)[0]["service_request_id"]))
    assert case.place == building_11() and (case.lat, case.lon) == (yangtian().lat, yangtian().lon)


def test_a_description_of_4000_characters_is_accepted(client, huayuan_key):
    response = file(client, huayuan_key, description="垃" * 4000, address_string="扬天小区")
    assert response.status_code == 201
    case = Case.objects.get(pk=int(json_body(response)[0]["service_request_id"]))
    assert len(case.description) == 4000 and len(case.title) <= 120


def test_the_description_is_optional_in_the_spec(client, huayuan_key):
    response = file(client, huayuan_key, description="", address_string="扬天小区")
    assert response.status_code == 201
    assert Case.objects.get(pk=int(json_body(response)[0]["service_request_id"])).description == "暴露垃圾"


def test_the_key_may_come_in_the_header(client, huayuan_key):
    response = client.post(
        f"{BASE}/requests.json",
        {"service_code": "0101", "description": "垃圾", "address_string": "扬天小区"},
        HTTP_X_API_KEY=huayuan_key,
    )
    assert response.status_code == 201


def test_csrf_does_not_apply_to_a_client_holding_an_api_key(huayuan_key):
    # A browser session with no CSRF token: the key is what authenticates here.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user("huayuan_staff"))
    assert file(browser, huayuan_key, address_string="扬天小区").status_code == 201


BAD_FILINGS = [
    # (what, fields, status, words expected in the description)
    # Without a service, intake's suggestion is taken only when the text is clear (issue 17).
    ("no service_code, unclear text", {"service_code": "", "description": "请处理"}, 400, "service_code"),
    ("unknown service code", {"service_code": "9999"}, 404, "9999"),
    ("a class, not a service", {"service_code": "01"}, 404, "01"),
    ("no location", {}, 400, "location"),
    ("lat without long", {"lat": "32.31"}, 400, "long"),
    ("lat that is not a number", {"lat": "north", "long": "118.33"}, 400, "lat"),
    ("lat out of range", {"lat": "132.31", "long": "118.33"}, 400, "lat"),
    ("outside every grid", {"lat": "32.20", "long": "118.20"}, 400, "花园街社区"),
    ("an address nobody knows", {"address_string": "不存在小区3栋"}, 400, "不存在小区"),
    ("an address_id elsewhere", {"address_id": "341102001001001"}, 400, "341102001001001"),
    ("4,001 characters", {"description": "垃" * 4001, "address_string": "扬天小区"}, 400, "4001"),
    ("HTML", {"description": "<b>垃圾</b>", "address_string": "扬天小区"}, 400, "HTML"),
    ("a script", {"description": "<script>alert(1)</script>", "address_string": "扬天小区"}, 400, "HTML"),
    ("an entity", {"description": "垃圾&nbsp;堆积", "address_string": "扬天小区"}, 400, "HTML"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("what", "fields", "status", "words"), BAD_FILINGS, ids=[b[0] for b in BAD_FILINGS])
def test_bad_filings_are_refused_in_the_spec_shape_and_create_nothing(
    client, settings, huayuan_key, fmt, what, fields, status, words
):
    settings.LANGUAGE_CODE = "en"
    before = Case.objects.count()

    response = file(client, huayuan_key, fmt, **fields)

    descriptions = spec_errors(response, fmt, status)
    assert any(words in text for text in descriptions), descriptions
    assert Case.objects.count() == before


def test_a_point_in_another_communitys_grid_is_outside_this_keys_grids(client, huayuan_key):
    before = Case.objects.count()
    spec_errors(file(client, huayuan_key, **point_in(fenghuang_compound())), "json", 400)
    assert Case.objects.count() == before


def test_an_address_in_another_community_is_not_found(client, fenghuang_key):
    before = Case.objects.count()
    spec_errors(file(client, fenghuang_key, address_string="扬天小区11栋"), "json", 400)
    assert Case.objects.count() == before


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", ["missing", "wrong", "revoked", "malformed"])
def test_a_missing_wrong_or_revoked_key_is_403_and_creates_nothing(client, huayuan_key, fmt, which):
    if which == "revoked":
        api_key_revoke(prefix=huayuan_key.split("_")[1])
    key = {
        "missing": None,
        "wrong": huayuan_key[:-4] + "XXXX",
        "revoked": huayuan_key,
        "malformed": "letmein",
    }[which]
    before = Case.objects.count()

    response = file(client, key, fmt, address_string="扬天小区")

    spec_errors(response, fmt, 403)
    assert Case.objects.count() == before


def test_a_long_system_name_still_files(client):
    _key, raw = api_key_create(name="滁州市12345政务服务便民热线" * 6, place=community(HUAYUAN))
    response = file(client, raw, address_string="扬天小区")
    assert response.status_code == 201
    case = Case.objects.get(pk=int(json_body(response)[0]["service_request_id"]))
    assert case.reporter_label and "滁州市12345政务服务便民热线".startswith(case.reporter_label[:10])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_body_over_the_size_limit_is_a_spec_shaped_413(client, settings, huayuan_key, fmt):
    before = Case.objects.count()
    too_big = "垃" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3 + 10)  # 3 bytes a character, encoded
    spec_errors(file(client, huayuan_key, fmt, description=too_big, address_string="扬天小区"), fmt, 413)
    assert Case.objects.count() == before


def test_each_key_has_its_rate_limit_and_hears_it_in_the_spec_shape(
    client, huayuan_key, fenghuang_key, monkeypatch
):
    from huizhi.api.throttling import PerClientThrottle

    monkeypatch.setattr(PerClientThrottle, "THROTTLE_RATES", {"client": "2/minute"})
    assert [get(client, "requests.json", huayuan_key).status_code for _ in range(2)] == [200, 200]

    response = get(client, "requests.xml", huayuan_key)

    spec_errors(response, "xml", 429)
    assert int(response["Retry-After"]) > 0
    assert get(client, "requests.json", fenghuang_key).status_code == 200  # another key, its own budget


def test_other_methods_are_refused_in_the_spec_shape(client, huayuan_key):
    response = client.delete(f"{BASE}/requests.json?api_key={huayuan_key}")
    spec_errors(response, "json", 405)
    assert "POST" in response["Allow"]


def test_characters_xml_cannot_carry_are_left_out_of_the_xml(client, huayuan_key):
    response = file(client, huayuan_key, description="垃圾\x01堆积\n第二行", address_string="扬天小区")
    case_id = json_body(response)[0]["service_request_id"]
    [item] = requests_of(get(client, f"requests/{case_id}.xml", huayuan_key), "xml")
    assert item["description"] == "垃圾堆积\n第二行"


# --- GET requests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_reads_back_in_the_spec_shape(client, huayuan_key, fmt):
    case = report(description="单元门口堆放生活垃圾，无人清运。")

    [item] = requests_of(get(client, f"requests/{case.pk}.{fmt}", huayuan_key), fmt)

    assert item["service_request_id"] == str(case.pk)
    assert (item["status"], item["service_code"], item["service_name"]) == ("open", "0101", "暴露垃圾")
    assert item["status_notes"] == "已上报"
    assert item["description"] == "单元门口堆放生活垃圾，无人清运。"
    assert item["address"] == "扬天小区11栋"  # compound and building, nothing finer
    assert item["address_id"] == building_11().code
    assert item["agency_responsible"] == "花园街社区"  # not yet dispatched: the community's queue
    assert item["service_notice"] == "垃圾清运完毕，现场无残留"
    assert item["requested_datetime"] == timezone.localtime(case.created_at).isoformat(timespec="seconds")
    assert item["requested_datetime"].endswith("+08:00")
    assert item["expected_datetime"] in (None, "")  # no handling deadline before dispatch
    assert float(item["lat"]) == building_11().lat and float(item["long"]) == building_11().lon


def test_xml_and_json_say_the_same(client, huayuan_key):
    case = move(report(), "huayuan_staff", "accept")
    [as_xml] = requests_of(get(client, f"requests/{case.pk}.xml", huayuan_key), "xml")
    [as_json] = requests_of(get(client, f"requests/{case.pk}.json", huayuan_key), "json")
    assert set(as_xml) == set(as_json)
    for name, value in as_json.items():
        expected = "" if value is None else value
        assert as_xml[name] == (str(expected) if not isinstance(expected, float) else as_xml[name])
        if isinstance(value, float):
            assert float(as_xml[name]) == value


def test_the_reporter_is_never_shown(client, huayuan_key):
    household = Place.objects.filter(kind=PlaceKind.UNIT, code__startswith=building_11().code).first()
    case = report(place=household)
    reporter = user("gridworker")
    for fmt in FORMATS:
        for path in (f"requests/{case.pk}.{fmt}", f"requests.{fmt}"):
            body = get(client, path, huayuan_key).content.decode()
            assert reporter.username not in body and reporter.full_name not in body
            assert "reporter" not in body
            assert household.code not in body  # a household unit is never an address
    [item] = requests_of(get(client, f"requests/{case.pk}.json", huayuan_key), "json")
    building = household.parent
    assert item["address"] == building.parent.name + building.name
    assert item["address_id"] == building.code


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_list_filters_by_id_code_status_and_dates(client, huayuan_key, fmt):
    garbage, drain = report("0101"), report("1105")
    closed = report("0101")
    move(closed, "huayuan_staff", "reject", reason="不属于社区职责", outcome=Outcome.NOT_OUR_RESPONSIBILITY)
    old = report("0101")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=120))
    mine = {garbage.pk, drain.pk, closed.pk, old.pk}

    def listed(**params) -> set[int]:
        return ids_of(requests_of(get(client, f"requests.{fmt}", huayuan_key, **params), fmt)) & mine

    assert listed() == {garbage.pk, drain.pk, closed.pk}  # the last 90 days by default
    assert listed(service_code="1105") == {drain.pk}
    assert listed(service_code="1105,0101") == {garbage.pk, drain.pk, closed.pk}
    assert listed(status="open") == {garbage.pk, drain.pk}
    assert listed(status="closed") == {closed.pk}
    assert listed(status="open,closed") == {garbage.pk, drain.pk, closed.pk}
    long_ago = timezone.now() - timedelta(days=150)
    assert listed(start_date=long_ago.isoformat(), end_date=(long_ago + timedelta(days=60)).isoformat()) == {
        old.pk
    }
    assert listed(end_date=(timezone.now() - timedelta(days=100)).isoformat()) == {old.pk}
    assert listed(start_date=(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")) == {
        garbage.pk,
        drain.pk,
        closed.pk,
    }
    assert listed(start_date=timezone.localdate().isoformat()) >= {garbage.pk, drain.pk}
    # A list of ids overrides every other argument, the old case and the status filter included.
    assert listed(service_request_id=f"{old.pk},{drain.pk}", status="closed") == {old.pk, drain.pk}


def test_an_unencoded_plus_in_the_zone_still_reads(client, huayuan_key):
    case = report()
    start = timezone.localtime() - timedelta(hours=1)
    query = f"start_date={start.strftime('%Y-%m-%dT%H:%M:%S')}+08:00&api_key={huayuan_key}"
    response = client.get(f"{BASE}/requests.json?{query}")  # "+" arrives as a space
    assert case.pk in ids_of(requests_of(response, "json"))


def test_at_most_the_limit_is_returned_newest_first(client, huayuan_key, monkeypatch):
    monkeypatch.setattr(reading, "MAX_RESULTS", 2)
    cases = [report() for _ in range(3)]
    items = requests_of(get(client, "requests.json", huayuan_key), "json")
    assert [int(i["service_request_id"]) for i in items] == [cases[2].pk, cases[1].pk]


def _list_queries(client, key: str | None) -> tuple[int, int]:
    """(queries, items) of one list answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        items = requests_of(get(client, "requests.json", key), "json")
    return len(queries.captured_queries), len(items)


@pytest.mark.parametrize("with_key", [True, False], ids=["key", "public"])
def test_the_list_costs_the_same_few_queries_for_any_number_of_cases(client, huayuan_key, with_key):
    """No field an item shows is read row by row (reading.CASE_ITEM_FIELDS lists what is loaded)."""
    key = huayuan_key if with_key else None
    move(move(report(), "huayuan_staff", "accept"), "huayuan_staff", "dispatch", unit=crew())
    move(report(), "huayuan_staff", "merge", merged_into=report(), reason="同一处")  # names its target
    get(client, "requests.json", key)  # the key's first use is stamped once
    few, before = _list_queries(client, key)
    for _ in range(5):
        move(move(report(), "huayuan_staff", "accept"), "huayuan_staff", "dispatch", unit=crew())
    move(report(), "huayuan_staff", "merge", merged_into=report(), reason="同一处")
    many, after = _list_queries(client, key)
    assert after >= before + 7
    assert many == few
    assert few <= 14  # the key; the keys of the page; its rows, their names, places, photos


BAD_QUERIES = [
    ("not a date", {"start_date": "yesterday"}, "start_date"),
    ("no such month", {"end_date": "2026-13-01T00:00:00Z"}, "end_date"),
    ("no such day", {"start_date": "2026-02-30"}, "start_date"),
    ("no time zone", {"start_date": "2026-01-01T00:00:00"}, "start_date"),
    ("start after end", {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, "after"),
    ("over 90 days", {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
    ("unknown status", {"status": "pending"}, "status"),
    ("ids that are not ids", {"service_request_id": "12,abc"}, "service_request_id"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("what", "params", "words"), BAD_QUERIES, ids=[b[0] for b in BAD_QUERIES])
def test_bad_queries_are_400_in_the_spec_shape(client, settings, huayuan_key, fmt, what, params, words):
    settings.LANGUAGE_CODE = "en"
    descriptions = spec_errors(get(client, f"requests.{fmt}", huayuan_key, **params), fmt, 400)
    assert any(words in text for text in descriptions), descriptions


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["requests.{fmt}", "requests/{id}.{fmt}", "tokens/HZ{id:07d}.{fmt}"])
def test_without_a_key_a_case_of_a_private_subclass_is_not_read(client, fmt, path):
    case = report(category="1103")  # 邻里纠纷: never public
    response = client.get(f"{BASE}/{path.format(fmt=fmt, id=case.pk)}")
    if path.startswith("requests."):
        assert case.pk not in ids_of(requests_of(response, fmt))
    else:
        spec_errors(response, fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_key_is_refused_not_read_as_public(client, fmt):
    spec_errors(get(client, f"requests.{fmt}", "not-a-key"), fmt, 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_for_one_community_cannot_read_anothers_cases(client, huayuan_key, fenghuang_key, fmt):
    case = report()  # 花园街社区, 扬天小区11栋

    assert case.pk in ids_of(requests_of(get(client, f"requests.{fmt}", huayuan_key), fmt))
    assert case.pk not in ids_of(requests_of(get(client, f"requests.{fmt}", fenghuang_key), fmt))
    by_id = get(client, f"requests.{fmt}", fenghuang_key, service_request_id=str(case.pk))
    assert requests_of(by_id, fmt) == []
    spec_errors(get(client, f"requests/{case.pk}.{fmt}", fenghuang_key), fmt, 404)
    spec_errors(get(client, f"tokens/{case.reference}.{fmt}", fenghuang_key), fmt, 404)
    # The same answer as for a request that does not exist: scope does not leak existence.
    spec_errors(get(client, f"requests/99999999.{fmt}", fenghuang_key), fmt, 404)
    spec_errors(get(client, f"requests/abc.{fmt}", fenghuang_key), fmt, 404)
    # "²" is a digit to str.isdigit() but not to int(); a 30-digit id overflows the database's integer.
    spec_errors(get(client, f"requests/².{fmt}", fenghuang_key), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_ids_that_are_not_plain_digits_are_a_400_and_overlong_ones_match_nothing(
    client, fenghuang_key, fmt
):
    spec_errors(get(client, f"requests.{fmt}", fenghuang_key, service_request_id="1,²"), fmt, 400)
    response = get(client, f"requests.{fmt}", fenghuang_key, service_request_id="9" * 30)
    assert response.status_code == 200
    assert requests_of(response, fmt) == []


def test_a_street_key_reads_every_community_of_the_street(client, fenghuang_key):
    _key, street_key = api_key_create(name="市12345", place=Place.objects.get(kind=PlaceKind.STREET))
    case = report()
    assert case.pk in ids_of(requests_of(get(client, "requests.json", street_key), "json"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_resolves_to_the_request_id(client, huayuan_key, fmt):
    case = report()
    response = get(client, f"tokens/{case.reference}.{fmt}", huayuan_key)
    assert response.status_code == 200
    if fmt == "xml":
        [item] = xml_list(response, "service_requests", "request")
    else:
        [item] = json_body(response)
    assert item == {"service_request_id": str(case.pk), "token": case.reference}
    spec_errors(get(client, f"tokens/nonsense.{fmt}", huayuan_key), fmt, 404)


# --- status mapping after real transitions ---------------------------------------------------------


def crew() -> Organisation:
    return Organisation.objects.get(name=CREW)


def _read(client, key: str, case: Case) -> dict:
    [item] = requests_of(get(client, f"requests/{case.pk}.json", key), "json")
    [as_xml] = requests_of(get(client, f"requests/{case.pk}.xml", key), "xml")
    assert (as_xml["status"], as_xml["status_notes"]) == (item["status"], item["status_notes"])
    return item


def test_the_loop_maps_to_open_until_verified_then_closed(client, huayuan_key):
    case = report()
    steps = [
        ("huayuan_staff", "accept", {}, "open", "已受理"),
        ("huayuan_staff", "dispatch", {"unit": crew()}, "open", "已派遣"),
        ("repair_crew", "start", {}, "open", "处置中"),
        ("repair_crew", "report_result", {"note": "已清运完毕。"}, "open", "已处置"),
        ("gridworker", "verify", {}, "closed", "已结案 · 已解决"),
    ]
    for actor, action, fields, status, notes in steps:
        case = move(case, actor, action, **fields)
        item = _read(client, huayuan_key, case)
        assert (item["status"], item["status_notes"]) == (status, notes), action
        if action == "dispatch":
            assert item["agency_responsible"] == CREW
            assert item["expected_datetime"] == timezone.localtime(case.handle_due_at).isoformat(
                timespec="seconds"
            )
    assert item["updated_datetime"] == timezone.localtime(case.closed_at).isoformat(timespec="seconds")
    assert item["agency_responsible"] == CREW


def test_rejected_and_merged_are_closed_with_the_reason_in_the_notes(client, huayuan_key):
    rejected = move(
        report(), "huayuan_staff", "reject", reason="属于供水公司", outcome=Outcome.NOT_OUR_RESPONSIBILITY
    )
    original = report()
    merged = move(report(), "huayuan_staff", "merge", merged_into=original)

    item = _read(client, huayuan_key, rejected)
    assert (item["status"], item["status_notes"]) == ("closed", "不予受理 · 不属于职责范围")
    item = _read(client, huayuan_key, merged)
    assert item["status"] == "closed"
    assert item["status_notes"].startswith("已合并 · 重复上报") and str(original.pk) in item["status_notes"]
    assert _read(client, huayuan_key, original)["status"] == "open"


def test_a_reworked_case_is_open_again(client, huayuan_key):
    case = move(move(report(), "huayuan_staff", "accept"), "huayuan_staff", "dispatch", unit=crew())
    move(case, "repair_crew", "start")
    move(case, "repair_crew", "report_result", note="已清运。")
    case = move(case, "gridworker", "verify_failed", reason="仍有残留")
    item = _read(client, huayuan_key, case)
    assert (item["status"], item["status_notes"]) == ("open", "已派遣")


# --- match_address on its own ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("扬天小区11栋", ("扬天小区", "11栋")),
        ("扬天小区 2 号楼", ("扬天小区", "2栋")),
        ("扬天小区12栋3单元", ("扬天小区", "12栋")),
        ("扬天小区99栋", ("扬天小区", None)),  # no such building: the compound
        ("扬天小区", ("扬天小区", None)),
        ("", None),
        ("某某小区", None),
    ],
)
def test_match_address(address, expected):
    place = open311.match_address(community(HUAYUAN), address)
    if expected is None:
        assert place is None
    elif expected[1] is None:
        assert (place.kind, place.name) == (PlaceKind.COMPOUND, expected[0])
    else:
        assert (place.kind, place.parent.name, place.name) == (PlaceKind.BUILDING, *expected)


def test_match_address_stays_in_scope():
    assert open311.match_address(community(FENGHUANG), "扬天小区11栋") is None


# --- the round trip over real HTTP -----------------------------------------------------------------


def _http(method: str, url: str, *, form: dict | None = None, body: dict | None = None, token=None):
    headers = {}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 — the live server
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.usefixtures("live_demo")
def test_round_trip_file_by_open311_close_by_rest_see_closed_in_open311(live_server):
    key = api_key_create(name="滁州12345热线", place=community(HUAYUAN))[1]
    tokens = {name: Token.objects.create(user=user(name)).key for name in ("huayuan_staff", "repair_crew")}
    tokens["gridworker"] = Token.objects.create(user=user("gridworker")).key
    crew_id = crew().pk
    where = yangtian()

    # 1. A hotline files it by Open311 (form-encoded, as the spec says).
    status, headers, body = _http(
        "POST",
        f"{live_server.url}{BASE}/requests.json",
        form={
            "api_key": key,
            "service_code": "0101",
            "lat": where.lat,
            "long": where.lon,
            "address_string": "扬天小区",
            "description": "扬天小区东门垃圾堆积，市民来电反映。",
        },
    )
    assert status == 201, body.decode()
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    case_id = int(json.loads(body)[0]["service_request_id"])

    # 2. Staff follow it by REST with a user token.
    cases_url = f"{live_server.url}/api/v1/cases/{case_id}/"
    status, _h, body = _http("GET", cases_url, token=tokens["huayuan_staff"])
    assert status == 200, body.decode()
    detail = json.loads(body)
    assert (detail["status"], detail["source"], detail["category"]) == ("reported", "hotline", "0101")

    # 3. The right people drive it to closed through the REST transitions.
    for actor, payload, expected in [
        ("huayuan_staff", {"action": "accept"}, "accepted"),
        ("huayuan_staff", {"action": "dispatch", "unit": crew_id}, "dispatched"),
        ("repair_crew", {"action": "start"}, "handling"),
        ("repair_crew", {"action": "report_result", "note": "垃圾已清运，现场清扫干净。"}, "handled"),
        ("gridworker", {"action": "verify"}, "closed"),
    ]:
        status, _h, body = _http("POST", f"{cases_url}transitions/", body=payload, token=tokens[actor])
        assert status == 200, (payload, body.decode())
        assert json.loads(body)["status"] == expected

    # 4. The hotline sees it closed in Open311, in both formats.
    status, _h, body = _http("GET", f"{live_server.url}{BASE}/requests/{case_id}.json?api_key={key}")
    assert status == 200, body.decode()
    [item] = json.loads(body)
    check_request_json(item)
    assert (item["status"], item["status_notes"]) == ("closed", "已结案 · 已解决")
    assert item["agency_responsible"] == CREW
    status, _h, body = _http("GET", f"{live_server.url}{BASE}/requests/{case_id}.xml?api_key={key}")
    tree = SafeET.fromstring(body)
    assert tree.tag == "service_requests" and tree.find("request").findtext("status") == "closed"
