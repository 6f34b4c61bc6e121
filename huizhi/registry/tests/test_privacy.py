"""Personal data at rest, key rotation, reveals and exports (DESIGN §6, 个人信息保护法).

At rest: the database is searched byte for byte for every resident's plain ID number and mobile —
every row of every table read with a cursor, and on SQLite also the whole in-memory test database
via `sqlite3.Connection.serialize()` (the pages as the test's connection sees them, its uncommitted
rows and the free pages of deleted rows included). After a day's sequence (import, sign-ins that
fail and succeed with a mobile, a text code asked for and abandoned, a reveal, a wall post) the
session store (decoded), the cache and every log line at DEBUG are searched too. Each search has a
positive control (the ciphertext, a plain name, a hash that must be found), so a dump that missed
the rows would fail rather than pass.
"""

import io
import logging
import pickle
import re
from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.accounts.services import account_mobile_hash
from huizhi.cases.models import Category
from huizhi.core.mobile import mask_mobile
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import AccessLog, ImportJob, Resident
from huizhi.registry.services import (
    PrivacyError,
    personal_data_reencrypt,
    registry_import,
    resident_reveal,
    residents_export,
)
from huizhi.registry.services.households import id_lookup_hash
from huizhi.registry.services.importing import rejected_rows_file
from huizhi.registry.services.privacy import encrypted_fields
from huizhi.registry.tests.conftest import HUAYUAN, YANGTIAN_11, add_resident, in_scope, user
from huizhi.registry.tests.sheets import all_cells, person_row, read_xlsx, xlsx
from huizhi.site.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


# --- at rest -----------------------------------------------------------------------------------------


def _database_text() -> str:
    """Every byte the database holds, decoded leniently (Chinese text stays searchable): every
    column of every table, and on SQLite the raw pages too (deleted rows linger there)."""
    chunks = []
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        chunks.append(connection.connection.serialize().decode("utf-8", "replace"))
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("utf-8", "replace"))
                    else:
                        chunks.append(str(value))
    return "\n".join(chunks)


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def written_every_way(db):
    """Residents written by every path that stores personal data: the create service, an import
    (bulk insert) and a re-import that changes a mobile (bulk update)."""
    made = add_resident(YANGTIAN_11, "501", 1, name="隐私甲")
    actor = user("huayuan_staff")
    rows = [person_row(2, room="502", name="隐私乙"), person_row(3, room="502", name="隐私丙")]
    registry_import(actor=actor, data=xlsx(rows), file_name="a.xlsx")
    rows[1]["手机号码"] = "13900019999"
    rows.append(person_row(4, birth=date(2030, 1, 1), room="503"))  # rejected: kept in the job's file
    job = registry_import(actor=actor, data=xlsx(rows), file_name="b.xlsx")
    assert (job.updated, job.rejected) == (1, 1)
    return [made, *Resident.objects.filter(name__in=["隐私乙", "隐私丙"])]


def test_the_database_holds_no_plain_id_number_or_mobile(written_every_way):
    text = _database_text()
    # Controls: the rows just written are in the dump, as ciphertext beside a plain name.
    for resident in written_every_way:
        assert resident.name in text
        assert _raw("registry_resident", "id_number", resident.pk) in text
        assert _raw("registry_resident", "mobile", resident.pk) in text
    residents = list(Resident.objects.all())
    assert len(residents) > 240 and all(r.mobile for r in written_every_way)
    for resident in residents:
        assert resident.id_number not in text, resident.name
        assert resident.id_number[:17] not in text, resident.name
        if resident.mobile:
            assert resident.mobile not in text, resident.name
    assert "13900019999" not in text


def test_a_users_mobile_is_stored_only_encrypted():
    liaison = user("liaison")
    assert liaison.mobile == "13900000001"
    text = _database_text()
    assert _raw("accounts_user", "mobile", liaison.pk) in text
    assert liaison.mobile not in text


def test_no_user_mobile_is_stored_in_plain_text():
    text = _database_text()
    for account in User.objects.exclude(mobile=""):
        assert account.mobile not in text, account.username


def _session_text() -> str:
    """Every session's data, decoded (the stored form is signed and encoded: a raw search of it
    would find nothing even if a number were there)."""
    return "\n".join(repr(session.get_decoded()) for session in Session.objects.all())


def _cache_text() -> str:
    """Every key and value of every configured cache (sessions, throttles, anything kept there)."""
    chunks = []
    for alias in django_settings.CACHES:
        backend = caches[alias]
        store = getattr(backend, "_cache", None)
        if isinstance(store, dict):  # local memory: pickled values
            entries = [(key, value) for key, value in list(store.items())]
            loads = pickle.loads
        else:  # Redis: the whole database the cache uses
            client = store.get_client()
            entries = [(key.decode(), client.get(key)) for key in client.scan_iter()]
            loads = store._serializer.loads
        for key, value in entries:
            chunks.append(key)
            try:
                chunks.append(repr(loads(value)))
            except Exception:  # noqa: BLE001 - a value this test cannot unpickle is searched raw
                chunks.append(bytes(value).decode("utf-8", "replace"))
    return "\n".join(chunks)


@pytest.fixture
def every_log_line(caplog):
    """Every log record the product writes with HUIZHI_LOG_LEVEL=DEBUG, and the loggers it
    quietens for noise (axes, django_tasks, ours) turned up to DEBUG as an operator might.
    Django's own loggers keep Django's level (INFO): at DEBUG its template engine prints whole
    template contexts, revealed values included, and must not be switched on in production."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name == "django" or name.startswith("django."):
            continue
        if isinstance(logger, logging.Logger) and logger.level > logging.DEBUG:
            caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _texted_code(caplog, mobile: str) -> str:
    """The code the default SMS backend (the log) sent to `mobile`, which it names masked."""
    sent = [
        r.getMessage()
        for r in caplog.records
        if r.name == "huizhi.sms" and mask_mobile(mobile) in r.getMessage()
    ]
    assert sent, f"no text message to {mask_mobile(mobile)} in the log"
    return re.search(r"(?<!\d)\d{6}(?!\d)", sent[-1]).group()


def test_a_days_sign_ins_reveal_and_post_leave_no_plain_number_in_tables_sessions_cache_or_log(
    written_every_way, every_log_line, settings
):
    caplog = every_log_line
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.ConsoleSmsBackend"  # the default: texts go to the log
    resident_account = User.objects.get(username="resident")
    User.objects.filter(pk=resident_account.pk).update(password=make_password(DEMO_PASSWORD))
    typed = {
        "abandoned": "13955550102",  # asks for a code, never uses it
        "poster": "13955550103",  # signs in by code, posts on the wall
        "unknown": "13955550101",  # a password sign-in for a number with no account
    }
    # Password sign-ins with a mobile: two wrong (two formats), one for a number without an
    # account, then the right one.
    browser = Client()
    for login in ("+86 139 0000 0002", "139-0000-0002"):
        assert browser.post("/accounts/login/", {"username": login, "password": "wrong"}).status_code == 200
    unknown = {"username": "139 5555 0101", "password": "wrong"}
    assert browser.post("/accounts/login/", unknown).status_code == 200
    right = {"username": resident_account.mobile, "password": DEMO_PASSWORD}
    assert browser.post("/accounts/login/", right).status_code == 302
    # A text code asked for and abandoned.
    abandoned = Client()
    abandoned.post(reverse("wall:login"), {"step": "send", "mobile": "+86 139 5555 0102"})
    # A resident signs in by code and posts on the wall.
    poster = Client()
    poster.post(reverse("wall:login"), {"step": "send", "mobile": typed["poster"]})
    code = _texted_code(caplog, typed["poster"])
    assert poster.post(reverse("wall:login"), {"step": "verify", "code": code}).status_code == 302
    posted = poster.post(
        reverse("wall:new_post"),
        {
            "category": Category.objects.get(code="0801").pk,
            "title": "楼道灯坏了",
            "description": "三单元楼道的灯坏了一周，晚上上楼看不见。",
            "place": Place.objects.get(kind=PlaceKind.COMPOUND, name="扬天小区").pk,
        },
    )
    assert posted.status_code == 302
    # Staff reveal an imported resident's ID number and mobile.
    revealed = written_every_way[1]
    staff = Client()
    staff.force_login(user("huayuan_staff"))
    url = reverse("registry:resident", args=[revealed.pk])
    for field in ("id_number", "mobile"):
        response = staff.post(url, {"field": field, "reason": "核实高龄津贴申请"})
        assert getattr(revealed, field) in response.content.decode()

    database, sessions, cache_text, log = _database_text(), _session_text(), _cache_text(), caplog.text
    # Controls: each dump holds what it should.
    assert _raw("registry_resident", "mobile", revealed.pk) in database and revealed.name in database
    assert account_mobile_hash(typed["abandoned"]) in sessions and "_auth_user_id" in sessions
    assert mask_mobile(typed["abandoned"]) in log and "AXES" in log
    caches["default"].set("privacy-control", "对照值")
    assert "对照值" in _cache_text()

    plain = {*typed.values(), *(u.mobile for u in User.objects.exclude(mobile=""))}
    for resident in Resident.objects.all():
        plain |= {resident.id_number, resident.id_number[:17], resident.mobile}
    plain.discard("")
    assert len(plain) > 480
    formats = {"+86 139 0000 0002", "139-0000-0002", "139 5555 0101", "+86 139 5555 0102"}
    for where, text in (("database", database), ("sessions", sessions), ("cache", cache_text), ("log", log)):
        leaked = sorted(value for value in plain | formats if value in text)
        assert not leaked, f"plain numbers in the {where}: {leaked[:5]}"


def test_lookups_use_the_keyed_hash_never_the_plain_value():
    resident = in_scope(HUAYUAN).first()
    assert Resident.objects.get(id_hash=id_lookup_hash(resident.id_number)) == resident
    assert Resident.objects.get(id_hash=id_lookup_hash(f" {resident.id_number.lower()} ")) == resident
    # The stored value is randomised ciphertext: asking for the plain value is an error that says
    # what to use instead (it used to find nothing, silently).
    with pytest.raises(FieldError, match="lookup hash"):
        Resident.objects.filter(id_number=resident.id_number).exists()
    for lookup in ("contains", "startswith", "in", "iexact"):
        with pytest.raises(FieldError, match="encrypted"):
            Resident.objects.filter(**{f"mobile__{lookup}": "139"}).exists()
    # Emptiness is the one question ciphertext answers.
    assert Resident.objects.exclude(mobile="").filter(mobile__isnull=False).exists()
    assert resident.id_number not in resident.id_hash


def test_every_encrypted_field_is_found_for_rotation():
    found = dict(encrypted_fields())
    assert found["registry.Resident"] == ("id_number", "mobile")
    assert found["accounts.User"] == ("mobile",)
    assert found["api.WebhookSubscription"] == ("secret",)


def test_the_lookup_hash_depends_on_the_lookup_key(settings):
    resident = in_scope(HUAYUAN).first()
    settings.HUIZHI_LOOKUP_KEY = "another-key"
    assert id_lookup_hash(resident.id_number) != resident.id_hash


# --- key rotation ------------------------------------------------------------------------------------


def _readable() -> dict:
    """Every encrypted value of every model, read through its field (so decrypted)."""
    from django.apps import apps

    return {
        label: {
            row["pk"]: tuple(row[f] for f in fields)
            for row in apps.get_model(label).objects.values("pk", *fields)
        }
        for label, fields in encrypted_fields()
    }


def _reencrypt_by_service() -> int:
    return personal_data_reencrypt()


def _reencrypt_by_command() -> int:
    out = io.StringIO()
    call_command("reencrypt", stdout=out)
    return int(out.getvalue().split()[0])


@pytest.mark.parametrize(
    "reencrypt", [_reencrypt_by_service, _reencrypt_by_command], ids=["service", "command"]
)
def test_rotating_the_key_keeps_every_value_readable(settings, reencrypt):
    add_resident(YANGTIAN_11, "501", 5)
    before = _readable()
    stored = sum(bool(value) for rows in before.values() for values in rows.values() for value in values)
    old_keys = list(django_settings.HUIZHI_DATA_KEYS)
    new_key = Fernet.generate_key().decode()

    settings.HUIZHI_DATA_KEYS = [new_key]
    with pytest.raises(ValueError):  # control: nothing is readable under the new key yet
        Resident.objects.first()

    settings.HUIZHI_DATA_KEYS = [new_key, *old_keys]
    assert reencrypt() == stored

    settings.HUIZHI_DATA_KEYS = [new_key]
    assert _readable() == before
    settings.HUIZHI_DATA_KEYS = old_keys
    with pytest.raises(ValueError):  # every value was rewritten: the old key opens none of them
        Resident.objects.first()


def test_rotating_the_key_keeps_the_rejected_rows_readable(settings):
    bad = person_row(6, room="504", **{"公民身份号码": "341102195003021234"})
    job = registry_import(actor=user("huayuan_staff"), data=xlsx([bad]), file_name="bad.xlsx")
    new_key = Fernet.generate_key().decode()
    settings.HUIZHI_DATA_KEYS = [new_key, *django_settings.HUIZHI_DATA_KEYS]
    personal_data_reencrypt()
    settings.HUIZHI_DATA_KEYS = [new_key]
    _headers, rows = read_xlsx(rejected_rows_file(ImportJob.objects.get(pk=job.pk)))
    assert rows[0]["公民身份号码"] == "341102195003021234"


# --- reveal ------------------------------------------------------------------------------------------


@pytest.fixture
def yangtian_resident(db) -> Resident:
    return add_resident(YANGTIAN_11, "501", 7, name="揭示对象")


@pytest.mark.parametrize("field", ["id_number", "mobile"])
@pytest.mark.parametrize("username", ["huayuan_staff", "street"])
def test_a_reveal_returns_the_value_and_logs_who_what_why_where(yangtian_resident, username, field):
    actor = user(username)
    value = resident_reveal(
        actor=actor,
        resident_id=yangtian_resident.pk,
        field=field,
        reason="核实高龄津贴申请",
        ip_address="10.1.2.3",
        user_agent="pytest",
    )
    assert value == getattr(yangtian_resident, field) and len(value) in (11, 18)
    entry = AccessLog.objects.get()
    assert (entry.user, entry.action, entry.resident, entry.field) == (
        actor,
        AccessLog.Action.REVEAL,
        yangtian_resident,
        field,
    )
    assert (entry.reason, entry.ip_address, entry.place_code) == (
        "核实高龄津贴申请",
        "10.1.2.3",
        yangtian_resident.place_code,
    )


@pytest.mark.parametrize(
    "username, reason",
    [
        ("huayuan_staff", ""),
        ("huayuan_staff", "   "),
        ("huayuan_staff", "看看"),  # shorter than the minimum
        ("gridworker", "入户走访核实"),  # sees the resident, may not reveal
        ("fenghuang_staff", "入户走访核实"),  # another community
        ("liaison", "入户走访核实"),
        ("commissioner", "入户走访核实"),
    ],
)
def test_a_reveal_is_refused_and_not_logged(yangtian_resident, username, reason):
    with pytest.raises(PrivacyError):
        resident_reveal(
            actor=user(username), resident_id=yangtian_resident.pk, field="id_number", reason=reason
        )
    assert not AccessLog.objects.exists()


def test_only_the_id_number_and_mobile_can_be_revealed(yangtian_resident):
    with pytest.raises(PrivacyError):
        resident_reveal(
            actor=user("huayuan_staff"),
            resident_id=yangtian_resident.pk,
            field="id_hash",
            reason="核实身份信息",
        )
    assert not AccessLog.objects.exists()


# --- export ------------------------------------------------------------------------------------------


def test_an_export_is_masked_by_default_and_logged(mingguang):
    actor = user("huayuan_staff")
    data = residents_export(actor=actor, residents=Resident.objects.all())
    text = all_cells(data)
    residents = list(in_scope(HUAYUAN))
    assert mingguang in residents
    for resident in residents:
        assert resident.id_number not in text and resident.masked_id_number in text
        if resident.mobile:
            assert resident.mobile not in text and resident.masked_mobile in text
    _headers, rows = read_xlsx(data)
    assert len(rows) == len(residents)
    entry = AccessLog.objects.get()
    assert (entry.user, entry.action, entry.count, entry.field) == (
        actor,
        AccessLog.Action.EXPORT_MASKED,
        len(residents),
        "",
    )


def test_an_export_with_reveal_and_a_reason_has_full_values_and_logs_the_count(mingguang):
    actor = user("huayuan_staff")
    data = residents_export(
        actor=actor, residents=Resident.objects.all(), reveal=True, reason="报送民政局高龄补贴"
    )
    _headers, rows = read_xlsx(data)
    residents = list(in_scope(HUAYUAN))
    assert sorted(r["公民身份号码"] for r in rows) == sorted(r.id_number for r in residents)
    assert sorted(r["手机号码"] or "" for r in rows) == sorted(r.mobile for r in residents)
    entry = AccessLog.objects.get()
    assert (entry.action, entry.count, entry.reason, entry.place_code) == (
        AccessLog.Action.EXPORT,
        len(residents),
        "报送民政局高龄补贴",
        HUAYUAN,
    )


@pytest.mark.parametrize(
    "username, reason",
    [("huayuan_staff", ""), ("huayuan_staff", "导出"), ("gridworker", "报送民政局高龄补贴")],
)
def test_an_export_with_reveal_is_refused_without_a_reason_or_the_permission(username, reason):
    with pytest.raises(PrivacyError):
        residents_export(actor=user(username), residents=Resident.objects.all(), reveal=True, reason=reason)
    assert not AccessLog.objects.exists()


def test_a_grid_workers_export_holds_only_their_grids_residents(mingguang):
    data = residents_export(actor=user("gridworker"), residents=Resident.objects.all())
    _headers, rows = read_xlsx(data)
    expected = list(in_scope("341102001003001"))
    assert len(rows) == len(expected) > 0
    assert {r["小区"] for r in rows} == {"扬天小区"}
    assert mingguang.name not in {r["姓名"] for r in rows}
    assert AccessLog.objects.get().count == len(expected)
