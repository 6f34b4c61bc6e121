"""Signing in and out: staff by username, residents by mobile; lockout; Argon2; the mobile at rest."""

import re

import pytest
from django.conf import settings as live_settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from huizhi.accounts.models import User
from huizhi.accounts.services import MOBILE_HASH_PURPOSE, user_create, user_find_by_mobile
from huizhi.core import crypto
from huizhi.site.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
INVALID_LOGIN = "The username or mobile number and password do not match an account."


@pytest.fixture(autouse=True)
def _demo_passwords_in_md5():
    # The demo street is loaded (session-wide) before the root conftest switches each test to MD5,
    # so the demo passwords are stored as Argon2 hashes, which MD5 alone cannot check. Re-hash them
    # cheaply for this test (rolled back after it); Argon2 itself is tested below.
    User.objects.update(password=make_password(DEMO_PASSWORD, hasher="md5"))


def sign_in(client, login: str, password: str = DEMO_PASSWORD, **extra):
    return client.post(
        LOGIN_URL, {"username": login, "password": password}, HTTP_ACCEPT_LANGUAGE="en", **extra
    )


def signed_in_as(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_login_page_renders(client):
    response = client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_staff_sign_in_with_their_username(client):
    response = sign_in(client, "street")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_as(client).username == "street"
    assert client.get("/console/").status_code == 200


def test_sign_in_returns_to_the_page_asked_for(client):
    response = client.post(
        f"{LOGIN_URL}?next=/console/grids/", {"username": "huayuan_staff", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/grids/"


@pytest.mark.parametrize("login", ["13900000002", "+86 139 0000 0002", "139-0000-0002", "+8613900000002"])
def test_resident_signs_in_with_their_mobile_in_any_common_format(client, login):
    response = sign_in(client, login)
    assert response.status_code == 302
    assert signed_in_as(client).username == "resident"


def test_mobile_sign_in_finds_the_user_by_mobile_not_by_username(client):
    # The liaison's username is "liaison"; their mobile is 13900000001.
    assert sign_in(client, "139 0000 0001").status_code == 302
    assert signed_in_as(client).username == "liaison"


def test_signed_in_user_visiting_the_login_page_is_sent_on(client):
    client.force_login(User.objects.get(username="street"))
    assert client.get(LOGIN_URL).status_code == 302


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("nobody", DEMO_PASSWORD),  # no such username
        ("13900000099", DEMO_PASSWORD),  # a valid mobile without an account
        ("+1 650 253 0000", DEMO_PASSWORD),  # not a mainland mobile
        ("street", "wrong-password"),
        ("13900000002", "wrong-password"),
    ],
)
def test_a_failed_sign_in_gets_the_clear_message_and_no_session(client, login, password):
    response = sign_in(client, login, password)
    assert response.status_code == 200
    [error] = response.context["form"].errors.as_data()["__all__"]
    assert error.code == "invalid_login"
    assert INVALID_LOGIN in response.content.decode()
    assert signed_in_as(client) is None


def test_an_inactive_account_cannot_sign_in(client):
    User.objects.filter(username="street").update(is_active=False)
    response = sign_in(client, "street")
    assert response.status_code == 200
    assert signed_in_as(client) is None


# --- lockout (django-axes) -----------------------------------------------------------------------


def test_failure_limit_comes_from_the_environment_default():
    assert live_settings.AXES_FAILURE_LIMIT == 5


def test_lockout_after_the_failure_limit_refuses_even_the_right_password(client):
    limit = live_settings.AXES_FAILURE_LIMIT
    for _attempt in range(limit - 1):
        assert sign_in(client, "street", "wrong-password").status_code == 200
    locked = sign_in(client, "street", "wrong-password")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()

    response = sign_in(client, "street")
    assert response.status_code == 429
    assert signed_in_as(client) is None
    # Other accounts are not locked by one account's failures.
    assert sign_in(client, "huayuan_staff").status_code == 302


def test_failures_below_the_limit_do_not_lock_and_success_resets_them(client):
    limit = live_settings.AXES_FAILURE_LIMIT
    for _attempt in range(limit - 1):
        sign_in(client, "street", "wrong-password")
    assert sign_in(client, "street").status_code == 302
    client.post("/accounts/logout/")
    for _attempt in range(limit - 1):
        assert sign_in(client, "street", "wrong-password").status_code == 200
    assert sign_in(client, "street").status_code == 302


@pytest.mark.parametrize("reformatted", ["139 0000 0002", "+86 139-0000-0002", "+8613900000002"])
def test_lockout_of_a_mobile_holds_whatever_its_format(client, reformatted):
    # Failures in one format count against the number itself, so reformatting does not reset them.
    for attempt in range(live_settings.AXES_FAILURE_LIMIT):
        sign_in(client, "13900000002" if attempt % 2 else reformatted, "wrong-password")
    assert sign_in(client, "13900000002").status_code == 429
    response = sign_in(client, reformatted)
    assert response.status_code == 429
    assert signed_in_as(client) is None


# --- password hashing ----------------------------------------------------------------------------


def test_production_settings_hash_with_argon2():
    import config.settings as production

    assert production.PASSWORD_HASHERS[0] == ARGON2


def test_argon2_hashes_and_checks():
    with override_settings(PASSWORD_HASHERS=[ARGON2]):
        encoded = make_password("correct horse battery staple")
        assert encoded.startswith("argon2$argon2id$")
        assert check_password("correct horse battery staple", encoded)


# --- the mobile at rest ------------------------------------------------------------------------


def _raw_row(username: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE username = %s", [username])
        columns = [column[0] for column in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def test_mobile_is_stored_encrypted_and_found_by_its_keyed_hash():
    row = _raw_row("liaison")
    assert not any("13900000001" in str(value) for value in row.values())
    assert not re.search(r"1\d{10}", row["mobile"])
    assert crypto.decrypt(row["mobile"]) == "13900000001"
    assert row["mobile_hash"] == crypto.lookup_hash(MOBILE_HASH_PURPOSE, "13900000001")
    liaison = User.objects.get(username="liaison")
    assert liaison.mobile == "13900000001"
    assert user_find_by_mobile("+86 139-0000-0001") == liaison
    assert user_find_by_mobile("13900000098") is None


def test_a_new_users_mobile_is_normalised_before_it_is_stored():
    created = user_create(username="new-resident", password=None, mobile="+86 139 0000 0003")
    assert User.objects.get(pk=created.pk).mobile == "13900000003"
    assert user_find_by_mobile("13900000003") == created
    assert "13900000003" not in _raw_row("new-resident")["mobile"]
    assert not created.has_usable_password()


def test_an_invalid_mobile_is_refused_and_nothing_is_created():
    with pytest.raises(ValidationError):
        user_create(username="landline", password=None, mobile="0550-3012345")
    assert not User.objects.filter(username="landline").exists()


def test_a_mobile_already_held_by_another_user_is_refused():
    with pytest.raises(ValidationError):
        user_create(username="copycat", password=None, mobile="139 0000 0002")
    assert not User.objects.filter(username="copycat").exists()


# --- signing out ---------------------------------------------------------------------------------


def test_sign_out_by_post_ends_the_session(client):
    client.force_login(User.objects.get(username="street"))
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_as(client) is None
    assert client.get("/console/").status_code == 302


def test_sign_out_by_get_is_refused_and_keeps_the_session(client):
    client.force_login(User.objects.get(username="street"))
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in_as(client).username == "street"
