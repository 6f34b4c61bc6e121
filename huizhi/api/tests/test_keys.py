"""API keys of integrating systems: made by the command or the service (the key is shown once and
only its hash is kept), revoked by the command or the admin, refused when wrong; scoped to their
street or community; allowed to file and read cases, never to move them.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation
from rest_framework.test import APIClient

from huizhi.accounts.models import User
from huizhi.api.keys import active_keys, api_key_check, api_key_create, api_key_revoke
from huizhi.api.models import ApiKey
from huizhi.cases.models import Case, CaseEvent, Category
from huizhi.cases.services import case_report
from huizhi.cases.states import Source, Status
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db

FENGHUANG = "341102001001"  # 凤凰社区
HUAYUAN = "341102001003"  # 花园街社区
STREET = "341102001"
CASES = "/api/v1/cases/"


# --- helpers -------------------------------------------------------------------------------------


def key_for(code: str, name: str = "12345热线") -> str:
    """A fresh key over the place `code`, made by the service; returns the key itself."""
    _, raw = api_key_create(name=name, place=Place.objects.get(code=code))
    return raw


def client_with(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def created_by_command(name: str, code: str) -> tuple[str, str]:
    """Run `api_key create`; returns (all it printed, the key it printed)."""
    out = io.StringIO()
    call_command("api_key", "create", name, code, stdout=out)
    printed = out.getvalue()
    return printed, printed.strip().splitlines()[-1].strip()


def building_11() -> Place:
    return Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")


def point_in_fenghuang() -> tuple[float, float]:
    """A point just inside a grid of 凤凰社区 (a corner of its polygon, nudged inwards)."""
    grid = Place.objects.filter(kind=PlaceKind.GRID, code__startswith=FENGHUANG).order_by("code")[4]
    lon, lat = (c + 0.001 for c in grid.boundary["coordinates"][0][0])
    return lon, lat


def huayuan_case() -> Case:
    return case_report(
        actor=User.objects.get(username="gridworker"),
        category=Category.objects.get(code="0101"),
        source=Source.PATROL,
        title="扬天小区11栋门口暴露垃圾",
        description="单元门口堆放生活垃圾，无人清运。",
        place=building_11(),
    )


def fenghuang_case() -> Case:
    lon, lat = point_in_fenghuang()
    return case_report(
        actor=User.objects.get(username="fenghuang_staff"),
        category=Category.objects.get(code="0101"),
        source=Source.HOTLINE,
        title="凤凰社区路边垃圾",
        description="路边堆放垃圾。",
        lon=lon,
        lat=lat,
    )


def assert_json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"]
    assert isinstance(body.get("message"), str) and body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


# --- making keys ---------------------------------------------------------------------------------


def test_the_command_prints_the_key_once_and_the_database_keeps_only_its_hash():
    printed, raw = created_by_command("12345热线", HUAYUAN)

    assert raw.startswith("hz_")
    assert "12345热线" in printed and "花园街社区" in printed
    key = ApiKey.objects.get(name="12345热线")
    assert key.place.code == HUAYUAN
    assert key.is_active
    secret = raw.split("_", 2)[2]
    # Nothing stored anywhere in the row, read as the database holds it, contains the key or its secret.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiKey._meta.db_table} WHERE id = %s", [key.pk])  # noqa: S608
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert raw not in stored
    assert secret not in stored
    assert key.key_hash != raw and len(key.key_hash) == 64

    # Listing shows the prefix and state, never the key again.
    out = io.StringIO()
    call_command("api_key", "list", stdout=out)
    listing = out.getvalue()
    assert key.prefix in listing and "active" in listing
    assert secret not in listing

    # And the printed key is the one that works.
    response = client_with(raw).get(CASES)
    assert response.status_code == 200


def test_a_key_made_by_the_service_works_and_is_recorded_as_used():
    key, raw = api_key_create(name="  花园街小程序  ", place=Place.objects.get(code=HUAYUAN))
    assert key.name == "花园街小程序"
    assert key.last_used_at is None

    assert client_with(raw).get(CASES).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert api_key_check(raw) == key


def test_two_keys_for_the_same_system_are_different_keys():
    first, second = key_for(HUAYUAN), key_for(HUAYUAN)
    assert first != second
    assert api_key_check(first) != api_key_check(second)


@pytest.mark.parametrize(
    ("code", "message"),
    [("000000000", "No place has code"), ("341102001003001", "scoped to a district, street or community")],
    ids=["unknown place", "a grid"],
)
def test_the_command_refuses_a_key_over_an_unknown_place_or_below_a_community(code, message):
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("api_key", "create", "12345热线", code, stdout=io.StringIO())
    assert not ApiKey.objects.exists()


def test_the_command_refuses_to_revoke_an_unknown_prefix():
    with pytest.raises(CommandError, match="No key has prefix"):
        call_command("api_key", "revoke", "ffffffff", stdout=io.StringIO())


# --- refusing keys --------------------------------------------------------------------------------


def test_a_key_revoked_by_the_command_is_refused_with_a_json_401():
    _, raw = created_by_command("12345热线", HUAYUAN)
    client = client_with(raw)
    assert client.get(CASES).status_code == 200
    prefix = raw.split("_")[1]

    out = io.StringIO()
    call_command("api_key", "revoke", prefix, stdout=out)

    assert "Revoked" in out.getvalue()
    assert ApiKey.objects.get(prefix=prefix).revoked_at is not None
    response = client.get(CASES)
    assert_json_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Api-Key"
    # Revoking twice keeps the first revocation time.
    revoked_at = ApiKey.objects.get(prefix=prefix).revoked_at
    call_command("api_key", "revoke", prefix, stdout=io.StringIO())
    assert ApiKey.objects.get(prefix=prefix).revoked_at == revoked_at


def test_a_key_revoked_in_the_admin_is_refused_with_a_json_401(client):
    key, raw = api_key_create(name="12345热线", place=Place.objects.get(code=HUAYUAN))
    other, other_raw = api_key_create(name="花园街小程序", place=Place.objects.get(code=HUAYUAN))
    client.force_login(User.objects.get(username="admin"))

    listing = client.get("/admin/api/apikey/")
    assert listing.status_code == 200
    assert key.prefix in listing.content.decode()
    assert other_raw.split("_", 2)[2] not in listing.content.decode()
    response = client.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )

    assert response.status_code == 200
    key.refresh_from_db()
    other.refresh_from_db()
    assert key.revoked_at is not None
    assert other.revoked_at is None
    assert_json_error(client_with(raw).post(CASES, {}, format="json"), 401, "authentication_failed")
    assert client_with(other_raw).get(CASES).status_code == 200


def test_the_admin_cannot_add_a_key_whose_secret_it_would_never_show(client):
    client.force_login(User.objects.get(username="admin"))
    assert client.get("/admin/api/apikey/add/").status_code == 403


@pytest.mark.parametrize(
    "wrong",
    [
        "nonsense",
        "hz_",
        "hz_deadbeef_notarealsecretnotarealsecret",
        "Token abc",
    ],
)
def test_a_wrong_key_is_refused_with_a_json_401(wrong):
    assert_json_error(client_with(wrong).get(CASES), 401, "authentication_failed")


def test_a_real_prefix_with_the_wrong_secret_is_refused():
    raw = key_for(HUAYUAN)
    prefix = raw.split("_")[1]
    response = client_with(f"hz_{prefix}_{'x' * 32}").get(CASES)
    assert_json_error(response, 401, "authentication_failed")
    assert ApiKey.objects.get(prefix=prefix).last_used_at is None


def test_no_credentials_at_all_is_a_json_401():
    response = APIClient().get(CASES)
    assert_json_error(response, 401, "not_authenticated")


def test_a_wrong_key_files_nothing():
    before = Case.objects.count(), CaseEvent.objects.count()
    response = client_with("hz_deadbeef_wrong").post(
        CASES,
        {"category": "0101", "title": "垃圾", "description": "路边垃圾", "place": building_11().code},
        format="json",
    )
    assert_json_error(response, 401, "authentication_failed")
    assert (Case.objects.count(), CaseEvent.objects.count()) == before


# --- scope ----------------------------------------------------------------------------------------


def test_a_key_for_one_community_cannot_list_or_read_another_communitys_case():
    theirs = huayuan_case()
    ours = fenghuang_case()
    client = client_with(key_for(FENGHUANG, "凤凰社区小程序"))

    listed = client.get(CASES, {"limit": 1000})

    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()["results"]}
    assert ours.pk in ids
    assert theirs.pk not in ids
    assert all(row["community"] == FENGHUANG for row in listed.json()["results"])
    assert listed.json()["count"] == Case.objects.filter(place_code__startswith=FENGHUANG).count()
    # Not yours and not there answer alike: scope never leaks existence.
    missing = Case.objects.order_by("-pk").first().pk + 1000
    not_yours = assert_json_error(client.get(f"{CASES}{theirs.pk}/"), 404, "not_found")
    not_there = assert_json_error(client.get(f"{CASES}{missing}/"), 404, "not_found")
    assert not_yours == not_there
    own = client.get(f"{CASES}{ours.pk}/")
    assert own.status_code == 200
    assert own.json()["reference"] == ours.reference


def test_a_key_for_the_street_sees_both_communities():
    theirs, ours = huayuan_case(), fenghuang_case()
    listed = client_with(key_for(STREET, "琅琊区12345热线")).get(CASES, {"limit": 1000})
    ids = {row["id"] for row in listed.json()["results"]}
    assert {theirs.pk, ours.pk} <= ids


def test_a_key_lists_only_the_places_of_its_scope():
    client = client_with(key_for(FENGHUANG, "凤凰社区小程序"))
    grids = client.get("/api/v1/places/", {"kind": "grid", "limit": 1000}).json()["results"]
    assert grids
    assert all(row["code"].startswith(FENGHUANG) for row in grids)
    assert client.get(f"/api/v1/places/{HUAYUAN}/").status_code == 404
    assert client.get(f"/api/v1/places/{FENGHUANG}/").json()["name"] == "凤凰社区"


# --- what a key may do ----------------------------------------------------------------------------


def test_a_key_files_a_case_as_a_hotline_report_placed_in_its_grid_with_its_clock_running():
    client = client_with(key_for(FENGHUANG, "凤凰社区12345热线"))
    lon, lat = point_in_fenghuang()

    response = client.post(
        CASES,
        {
            "category": "0101",
            "title": "路边暴露垃圾",
            "description": "市民来电：路边垃圾无人清运。",
            "lon": lon,
            "lat": lat,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert case.status == Status.REPORTED
    assert case.source == Source.HOTLINE
    assert case.reporter is None
    assert case.reporter_label == "凤凰社区12345热线"
    assert case.grid is not None and case.grid.kind == PlaceKind.GRID
    assert case.grid.code.startswith(FENGHUANG)
    assert case.community.code == FENGHUANG
    assert case.accept_due_at is not None and case.accept_due_at > case.created_at
    assert body["reference"] == case.reference
    assert body["status"] == "reported"
    assert body["community"] == FENGHUANG
    assert body["accept_due_at"] is not None
    assert [event["action"] for event in body["timeline"]] == ["report"]
    # The system follows its own case.
    assert client.get(f"{CASES}{case.pk}/").json()["title"] == "路边暴露垃圾"


def test_a_key_files_a_case_at_a_building_by_its_code():
    client = client_with(key_for(HUAYUAN))
    response = client.post(
        CASES,
        {
            "category": "1105",
            "title": "下水道堵塞",
            "description": "11栋下水道堵塞。",
            "place": building_11().code,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.place == building_11()
    assert case.grid.code == "341102001003001"
    assert case.reporter_label == "12345热线"


@pytest.mark.parametrize("action", ["accept", "reject", "dispatch", "verify"])
def test_a_key_cannot_move_a_case_even_in_its_scope(action):
    case = huayuan_case()
    client = client_with(key_for(HUAYUAN))

    response = client.post(
        f"{CASES}{case.pk}/transitions/",
        {"action": action, "expected_version": case.version, "reason": "测试", "outcome": "invalid"},
        format="json",
    )

    assert_json_error(response, 403, "permission_denied")
    case.refresh_from_db()
    assert case.status == Status.REPORTED
    assert list(case.events.values_list("action", flat=True)) == ["report"]


def test_a_long_system_name_still_files_a_case_with_its_name():
    name = "安徽省滁州市琅琊区人民政府12345政务服务便民热线市民诉求受理与分拨办理平台（琅琊区数据资源管理局承建）对接汇治系统的工单推送接口"
    assert 60 < len(name) <= 80
    client = client_with(key_for(HUAYUAN, name))
    response = client.post(
        CASES,
        {"category": "0101", "title": "垃圾", "description": "路边垃圾。", "place": building_11().code},
        format="json",
    )
    assert response.status_code == 201
    case = Case.objects.get(pk=response.json()["id"])
    # The whole name the key allows fits the case's label (a longer label would overflow the
    # column: a 500 on PostgreSQL).
    assert Case._meta.get_field("reporter_label").max_length >= ApiKey._meta.get_field("name").max_length
    assert case.reporter_label == name


def test_use_is_recorded_once_a_minute_not_on_every_request(django_assert_num_queries):
    import time_machine

    _key, raw = api_key_create(name="热线", place=Place.objects.get(code=HUAYUAN))
    with time_machine.travel("2026-11-27 09:00 +0800", tick=False):
        with django_assert_num_queries(2):  # the active keys read, and the first use written
            api_key_check(raw)
        with django_assert_num_queries(0):  # kept, and used a moment ago
            api_key_check(raw)
    with time_machine.travel("2026-11-27 09:01 +0800", tick=False), django_assert_num_queries(1):
        api_key_check(raw)  # the use written: a minute has passed
    assert ApiKey.objects.get(prefix=_key.prefix).last_used_at.minute == 1


def test_the_keys_are_read_once_per_process_not_on_every_request():
    from django.test.utils import CaptureQueriesContext

    _key, raw = api_key_create(name="热线", place=Place.objects.get(code=HUAYUAN))
    client = client_with(raw)
    assert client.get("/api/v1/cases/").status_code == 200
    with CaptureQueriesContext(connection) as context:
        assert client.get("/api/v1/cases/").status_code == 200
    assert not [q for q in context.captured_queries if "api_apikey" in q["sql"]]


def test_a_key_revoked_here_is_refused_at_once():
    key, raw = api_key_create(name="热线", place=Place.objects.get(code=HUAYUAN))
    assert api_key_check(raw) == key  # kept
    api_key_revoke(prefix=key.prefix)
    assert api_key_check(raw) is None


def test_a_key_revoked_by_another_process_is_refused_at_the_next_check(monkeypatch):
    # Every second in production, every call here: the other process's revocation gave the keys a
    # new version in the shared cache after its commit.
    monkeypatch.setattr(active_keys, "check_every", 0.0)
    key, raw = api_key_create(name="热线", place=Place.objects.get(code=HUAYUAN))
    assert api_key_check(raw) == key
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())  # no signal here
    assert api_key_check(raw) == key, "still this process's copy: nobody said it changed"
    active_keys.announce()  # what the revoking process's commit does
    assert api_key_check(raw) is None


def test_a_key_made_by_another_process_opens_at_once(monkeypatch):
    from huizhi.api import keys

    monkeypatch.setattr(active_keys, "check_every", 3600.0)  # this process's copy not read again
    _key, raw = api_key_create(name="热线", place=Place.objects.get(code=HUAYUAN))
    assert api_key_check(raw) is not None  # the copy is read
    # Made elsewhere: no signal reaches this process's copy.
    other_raw = "hz_0ddba11e_made-by-another-process"
    (other,) = ApiKey.objects.bulk_create(
        [
            ApiKey(
                name="新热线",
                prefix="0ddba11e",
                key_hash=keys._hash(other_raw),
                place=Place.objects.get(code=HUAYUAN),
            )
        ]
    )
    assert "0ddba11e" not in active_keys.get()
    assert api_key_check(other_raw) == other
    assert api_key_check(other_raw[:-1] + "x") is None


def test_a_key_revoked_while_the_shared_cache_is_down_is_refused_once_the_copy_is_old(monkeypatch):
    import time

    key, raw = api_key_create(name="热线", place=Place.objects.get(code=HUAYUAN))
    assert api_key_check(raw) == key
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())  # and no version set
    later = time.monotonic() + active_keys.max_age + 1
    monkeypatch.setattr("huizhi.core.kept.time.monotonic", lambda: later)
    assert api_key_check(raw) is None
    # A revoked key may live this long in a process while Redis is down (found from outside: 10.4 s
    # with a max_age of 10).
    assert active_keys.max_age + active_keys.check_every <= 10


def test_a_key_stored_before_the_shared_keyed_hash_still_opens(settings):
    """Keys in the field were stored as HMAC-SHA256("api-key:" + key) under HUIZHI_LOOKUP_KEY;
    the hash now comes from core.crypto.lookup_hash and must stay byte-for-byte the same."""
    import hashlib
    import hmac

    raw = "hz_0badcafe_an-existing-key-issued-last-year"
    stored = hmac.new(settings.HUIZHI_LOOKUP_KEY.encode(), f"api-key:{raw}".encode(), hashlib.sha256)
    key = ApiKey.objects.create(
        name="旧热线", prefix="0badcafe", key_hash=stored.hexdigest(), place=Place.objects.get(code=HUAYUAN)
    )
    assert api_key_check(raw) == key
    assert api_key_check(raw + "x") is None


@pytest.mark.parametrize(
    "raw",
    [
        "hz_\x00bad0bad_x",
        "hz_" + "a" * 1_000_000 + "_x",
        "hz_ABCDEF01_x",
        "hz_数据数据数据数据_x",
        "hz_0bad_x",
        "hz__x",
    ],
)
def test_a_key_whose_prefix_cannot_be_one_is_refused_without_a_query(raw, django_assert_num_queries):
    # NUL bytes, a megabyte, capitals, another alphabet, too short, empty: on PostgreSQL a NUL in a
    # query is an error, and none of them names a key.
    active_keys.get()  # the copy read
    with django_assert_num_queries(0):
        assert api_key_check(raw) is None
