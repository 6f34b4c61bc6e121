"""What the sign-in lockout counts against and what it stores (django-axes, issue 11).

Failures count against the account (however it was named: username or a mobile in any format) and
the client's address as `client_ip()` reads it behind the README's proxy. A success clears them. The
lockout tables hold the account's username or a keyed hash, never a typed mobile; a pending
text-code sign-in keeps only the number's keyed hash in the session.
"""

import importlib
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings as live_settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse

from huizhi.accounts.models import LoginCode, User
from huizhi.accounts.otp import login_code_send, login_code_verify
from huizhi.accounts.services import account_mobile_hash
from huizhi.core import crypto
from huizhi.core.sms import MemorySmsBackend
from huizhi.site.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
RESIDENT_MOBILE = "13900000002"  # the demo account "resident"
PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _demo_passwords_in_md5():
    User.objects.update(password=make_password(DEMO_PASSWORD, hasher="md5"))


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    yield
    MemorySmsBackend.outbox.clear()


def sign_in(client, login: str, password: str = DEMO_PASSWORD, **extra) -> int:
    return client.post(LOGIN_URL, {"username": login, "password": password}, **extra).status_code


def wrong(client, login: str, times: int, **extra) -> None:
    for _ in range(times):
        assert sign_in(client, login, "wrong-password", **extra) == 200


def via_proxy(client_address: str, forged: str = "") -> dict:
    """A request as the README's proxy passes it on: the connection is the proxy's, the client's
    address is the last X-Forwarded-For entry (anything before it came from the client)."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


# --- a success clears the failures, whichever name was typed -------------------------------------


@pytest.mark.parametrize(
    "failing, succeeding",
    [
        (RESIDENT_MOBILE, RESIDENT_MOBILE),
        ("+86 139 0000 0002", "139-0000-0002"),
        ("resident", RESIDENT_MOBILE),
        (RESIDENT_MOBILE, "resident"),
    ],
)
def test_three_wrong_one_right_two_wrong_is_not_locked(client, failing, succeeding):
    assert live_settings.AXES_FAILURE_LIMIT == 5
    wrong(client, failing, 3)
    assert sign_in(client, succeeding) == 302
    client.post("/accounts/logout/")
    wrong(client, failing, 2)
    assert sign_in(client, failing) == 302


def test_failures_under_the_username_and_the_mobile_count_against_one_account(client):
    wrong(client, "resident", 2)
    wrong(client, "139 0000 0002", 2)
    assert sign_in(client, RESIDENT_MOBILE, "wrong-password") == 429
    assert sign_in(client, "resident") == 429
    assert sign_in(client, RESIDENT_MOBILE) == 429


# --- keyed on the account and the client behind the proxy ----------------------------------------


def test_behind_the_proxy_one_clients_failures_do_not_lock_another(client, settings):
    settings.HUIZHI_TRUSTED_PROXIES = 1
    wrong(client, "street", 4, **via_proxy("192.168.5.10"))
    assert sign_in(client, "street", "wrong-password", **via_proxy("192.168.5.10")) == 429
    assert sign_in(client, "street", **via_proxy("192.168.5.10")) == 429  # locked: even the right one
    # Another person behind the same proxy, same account: not locked.
    assert sign_in(client, "street", **via_proxy("192.168.5.11")) == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.168.5.10"}


def test_behind_the_proxy_a_client_cannot_escape_its_lockout_by_forging_addresses(client, settings):
    settings.HUIZHI_TRUSTED_PROXIES = 1
    for attempt in range(live_settings.AXES_FAILURE_LIMIT - 1):
        extra = via_proxy("192.168.5.20", forged=f"198.51.100.{attempt}")
        assert sign_in(client, "street", "wrong-password", **extra) == 200
    forged_again = via_proxy("192.168.5.20", forged="198.51.100.99")
    assert sign_in(client, "street", "wrong-password", **forged_again) == 429
    assert sign_in(client, "street", **via_proxy("192.168.5.20", forged="203.0.113.1")) == 429


def test_without_a_trusted_proxy_the_connecting_address_counts(client, settings):
    settings.HUIZHI_TRUSTED_PROXIES = 0
    wrong(client, "street", 4, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    extra = {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert sign_in(client, "street", "wrong-password", **extra) == 429
    assert sign_in(client, "street", REMOTE_ADDR="192.0.2.2") == 302


# --- what the lockout tables hold ------------------------------------------------------------------


def _lockout_rows_text() -> str:
    rows = [
        *AccessAttempt.objects.values_list("username", "get_data", "post_data", "ip_address"),
        *AccessFailureLog.objects.values_list("username", "ip_address"),
        *AccessLog.objects.values_list("username", "ip_address"),
    ]
    return repr(rows)


def test_the_lockout_tables_hold_no_typed_mobile(client, settings):
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the most axes can write
    wrong(client, "+86 139 0000 0002", 1)  # an account's number
    wrong(client, "139 5555 0077", 1)  # a number without an account
    wrong(client, "139.5555.0078", 1)  # not read as a number; still not kept as typed
    assert sign_in(client, RESIDENT_MOBILE) == 302
    text = _lockout_rows_text()
    assert AccessLog.objects.exists() and AccessFailureLog.objects.count() == 3
    for typed in ("13900000002", "139 0000 0002", "13955550077", "139 5555 0077", "139.5555.0078"):
        assert typed not in text, typed
    # Still counted per number: the number without an account is kept as its keyed hash.
    assert set(AccessFailureLog.objects.values_list("username", flat=True)) >= {
        "resident",
        account_mobile_hash("13955550077"),
    }


def _run_data_migration() -> None:
    module = importlib.import_module("huizhi.accounts.migrations.0005_no_plain_mobiles_in_side_tables")
    module.forwards(apps, None)


def test_the_data_migration_rewrites_mobiles_already_stored():
    common = {"user_agent": "x", "http_accept": "x", "path_info": LOGIN_URL}
    AccessAttempt.objects.create(
        username=RESIDENT_MOBILE,
        ip_address="192.0.2.9",
        failures_since_start=2,
        get_data="",
        post_data="",
        **common,
    )
    AccessFailureLog.objects.create(username="139 5555 0079", ip_address="192.0.2.9", **common)
    AccessFailureLog.objects.create(username="street", ip_address="192.0.2.9", **common)
    store = SessionStore()
    store["wall_login_mobile"] = "13955550080"
    store["kept"] = 1
    store.create()

    _run_data_migration()

    assert AccessAttempt.objects.get().username == "resident"
    assert set(AccessFailureLog.objects.values_list("username", flat=True)) == {
        account_mobile_hash("13955550079"),
        "street",
    }
    data = Session.objects.get(session_key=store.session_key).get_decoded()
    assert data == {"kept": 1, "wall_login_mobile_hash": account_mobile_hash("13955550080")}


# --- a pending text-code sign-in ------------------------------------------------------------------


def _session_data(client) -> dict:
    return Session.objects.get(session_key=client.session.session_key).get_decoded()


def test_an_abandoned_code_sign_in_leaves_only_the_numbers_hash_in_the_session(client):
    response = client.post(reverse("wall:login"), {"step": "send", "mobile": "+86 139 5555 0081"})
    assert response.status_code == 200 and 'name="code"' in response.content.decode()
    data = _session_data(client)
    assert data.get("wall_login_mobile_hash") == account_mobile_hash("13955550081")
    assert "13955550081" not in repr(data) and "139 5555 0081" not in repr(data)
    # The code step is still offered on the next visit.
    assert 'name="code"' in client.get(reverse("wall:login")).content.decode()


def test_a_first_sign_in_by_code_opens_the_account_with_the_number_the_code_went_to(client):
    client.post(reverse("wall:login"), {"step": "send", "mobile": "139-5555-0082"})
    code = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group()
    response = client.post(reverse("wall:login"), {"step": "verify", "code": code})
    assert response.status_code == 302
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert user.mobile == "13955550082"
    assert "wall_login_mobile_hash" not in _session_data(client)
    assert LoginCode.objects.get().pending_mobile == ""  # used: the number is no longer kept


def test_the_pending_number_is_kept_encrypted_and_only_for_the_live_code():
    first = login_code_send(mobile="13955550083", ip=None)
    row = LoginCode.objects.get()
    assert first == row.mobile_hash == account_mobile_hash("13955550083")
    assert "13955550083" not in row.pending_mobile
    assert crypto.decrypt(row.pending_mobile) == "13955550083"
    LoginCode.objects.update(created_at=row.created_at.replace(year=2000))  # past the resend wait
    login_code_send(mobile="13955550083", ip=None)
    older, newer = LoginCode.objects.order_by("created_at")
    assert older.pending_mobile == "" and newer.pending_mobile != ""


def test_a_code_verified_by_hash_whose_number_cannot_be_read_asks_for_a_new_code():
    from huizhi.accounts.otp import LoginCodeError

    mobile_hash = login_code_send(mobile="13955550084", ip=None)
    code = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group()
    LoginCode.objects.update(pending_mobile="sealed-under-a-retired-key")
    with pytest.raises(LoginCodeError) as error:
        login_code_verify(mobile_hash=mobile_hash, code=code)
    assert error.value.code == "expired"
    assert not User.objects.filter(mobile_hash=mobile_hash).exists()
