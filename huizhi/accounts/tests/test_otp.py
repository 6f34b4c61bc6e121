"""Signing in by text code (huizhi.accounts.otp and the page /wall/login/): one code works once and
for 5 minutes; wrong codes lock the number; sending is limited per number and per network; only the
code's hash is kept; the first sign-in opens an account that does not name the person."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts import otp
from huizhi.accounts.models import LoginCode, User
from huizhi.accounts.otp import LoginCodeError, login_code_send, login_code_verify
from huizhi.accounts.services import user_create
from huizhi.core.sms import MemorySmsBackend
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

MOBILE = "13955550001"
IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def _media_and_sms(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    yield
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def clock():
    """Time stands still unless the test moves it (shift)."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def last_code(mobile: str = MOBILE) -> str:
    sent = [text for to, text in MemorySmsBackend.outbox if to == mobile]
    assert sent, f"no text message went to {mobile}"
    return re.search(r"\d{6}", sent[-1]).group()


def send(mobile: str = MOBILE, ip: str | None = IP) -> str:
    login_code_send(mobile=mobile, ip=ip)
    return last_code(mobile)


def refused(reason: str, call, **kwargs) -> LoginCodeError:
    with pytest.raises(LoginCodeError) as error:
        call(**kwargs)
    assert error.value.code == reason, error.value.code
    assert error.value.message.strip()  # a sentence the person can read
    return error.value


def a_wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 10**6:06d}"


# The service


def test_a_code_is_texted_to_the_number_and_signs_in_once(clock):
    code = send()
    assert len(MemorySmsBackend.outbox) == 1 and MemorySmsBackend.outbox[0][0] == MOBILE
    user = login_code_verify(mobile=MOBILE, code=code)
    assert user.mobile == MOBILE
    # Used: the same code does not work a second time.
    refused("expired", login_code_verify, mobile=MOBILE, code=code)


def test_the_number_may_be_written_with_spaces_or_country_code(clock):
    login_code_send(mobile="+86 139 5555 0001", ip=IP)
    code = last_code(MOBILE)  # texted to the normalised number
    assert login_code_verify(mobile="139-5555-0001", code=code).mobile == MOBILE


def test_a_code_lives_five_minutes(clock):
    code = send()
    clock.shift(otp.CODE_LIFETIME - timedelta(seconds=1))
    assert login_code_verify(mobile=MOBILE, code=code).mobile == MOBILE

    code = send("13955550002")
    clock.shift(timedelta(minutes=5))
    refused("expired", login_code_verify, mobile="13955550002", code=code)
    assert not User.objects.filter(mobile_hash=otp.account_mobile_hash("13955550002")).exists()


def test_only_the_newest_code_works(clock):
    first = send()
    clock.shift(timedelta(seconds=61))
    second = send()
    if first != second:
        refused("wrong", login_code_verify, mobile=MOBILE, code=first)
    assert login_code_verify(mobile=MOBILE, code=second).mobile == MOBILE


def test_wrong_codes_are_counted(clock):
    code = send()
    for n in range(1, 4):
        refused("wrong", login_code_verify, mobile=MOBILE, code=a_wrong_code(code))
        assert LoginCode.objects.get().attempts == n
    # Fewer than five wrong codes: the right one still works.
    assert login_code_verify(mobile=MOBILE, code=code).mobile == MOBILE


def test_five_wrong_codes_lock_the_number_for_15_minutes_even_with_the_right_code(clock):
    code = send()
    for _ in range(otp.WRONG_CODES_ALLOWED):
        refused("wrong", login_code_verify, mobile=MOBILE, code=a_wrong_code(code))
    refused("locked", login_code_verify, mobile=MOBILE, code=code)
    clock.shift(timedelta(minutes=4))  # the code itself is still alive
    refused("locked", login_code_verify, mobile=MOBILE, code=code)
    refused("locked", login_code_send, mobile=MOBILE, ip=IP)
    clock.shift(timedelta(minutes=10, seconds=59))  # 14:59 after the lock
    refused("locked", login_code_send, mobile=MOBILE, ip=IP)
    clock.shift(timedelta(seconds=2))  # 15 minutes have passed
    fresh = send()
    assert login_code_verify(mobile=MOBILE, code=fresh).mobile == MOBILE


def test_wrong_codes_add_up_across_codes_of_one_number(clock):
    code = send()
    for _ in range(3):
        refused("wrong", login_code_verify, mobile=MOBILE, code=a_wrong_code(code))
    clock.shift(timedelta(seconds=61))
    code = send()
    for _ in range(2):
        refused("wrong", login_code_verify, mobile=MOBILE, code=a_wrong_code(code))
    refused("locked", login_code_verify, mobile=MOBILE, code=code)


def test_a_lock_on_one_number_leaves_other_numbers_alone(clock):
    code = send()
    for _ in range(otp.WRONG_CODES_ALLOWED):
        refused("wrong", login_code_verify, mobile=MOBILE, code=a_wrong_code(code))
    other = send("13955550003")
    assert login_code_verify(mobile="13955550003", code=other).mobile == "13955550003"


def test_the_lock_lasts_15_minutes_from_the_fifth_wrong_code(clock):
    code = send()
    clock.shift(timedelta(minutes=4))
    for _ in range(otp.WRONG_CODES_ALLOWED):
        refused("wrong", login_code_verify, mobile=MOBILE, code=a_wrong_code(code))
    clock.shift(timedelta(minutes=12))  # 12 minutes into a 15-minute lock
    refused("locked", login_code_send, mobile=MOBILE, ip=IP)


def test_a_second_code_within_60_seconds_is_refused(clock):
    send()
    clock.shift(timedelta(seconds=59))
    refused("too_soon", login_code_send, mobile=MOBILE, ip=IP)
    assert len(MemorySmsBackend.outbox) == 1 and LoginCode.objects.count() == 1
    clock.shift(timedelta(seconds=2))
    send()
    assert len(MemorySmsBackend.outbox) == 2


def test_at_most_five_codes_an_hour_per_number(clock):
    for _ in range(otp.PER_NUMBER_PER_HOUR):
        send(ip=None)
        clock.shift(timedelta(seconds=61))
    refused("number_limit", login_code_send, mobile=MOBILE, ip=None)
    assert len(MemorySmsBackend.outbox) == otp.PER_NUMBER_PER_HOUR
    # Another number from the same place is not affected.
    send("13955550004", ip=None)
    # An hour after the first code, one more may go.
    clock.shift(timedelta(hours=1) - otp.PER_NUMBER_PER_HOUR * timedelta(seconds=61) + timedelta(seconds=1))
    send(ip=None)


def test_at_most_twenty_codes_an_hour_per_network(clock):
    for n in range(otp.PER_IP_PER_HOUR):
        send(f"1395556{n:04d}")
    refused("ip_limit", login_code_send, mobile="13955569999", ip=IP)
    assert len(MemorySmsBackend.outbox) == otp.PER_IP_PER_HOUR
    send("13955569999", ip="203.0.113.8")  # another network
    clock.shift(timedelta(hours=1, seconds=1))
    send("13955569998")


@pytest.mark.parametrize(
    "mobile",
    [
        "",
        "12345",
        "1395555000",
        "139555500011",
        "02112345678",
        "+1 415 555 0100",
        "abcdefghijk",
        "1395555000x",
    ],
)
def test_a_bad_mobile_number_is_refused_with_a_clear_message(clock, mobile):
    error = refused("bad_mobile", login_code_send, mobile=mobile, ip=IP)
    assert len(error.message) > 5
    refused("bad_mobile", login_code_verify, mobile=mobile, code="123456")
    assert not MemorySmsBackend.outbox and not LoginCode.objects.exists()


def test_first_sign_in_creates_an_account_that_does_not_name_the_number(clock):
    before = User.objects.count()
    user = login_code_verify(mobile=MOBILE, code=send())
    assert User.objects.count() == before + 1
    assert MOBILE not in user.username and "55550001" not in user.username
    assert not user.has_usable_password() and user.is_active
    # Next time the same account.
    clock.shift(timedelta(seconds=61))
    assert login_code_verify(mobile=MOBILE, code=send()) == user
    assert User.objects.count() == before + 1


def test_a_known_resident_signs_into_their_own_account(clock):
    resident = UserFactory(mobile="13900000092")
    assert login_code_verify(mobile="13900000092", code=send("13900000092")) == resident


def test_a_disabled_account_cannot_sign_in(clock):
    user = user_create(username="gone", password=None, mobile=MOBILE)
    User.objects.filter(pk=user.pk).update(is_active=False)
    refused("inactive", login_code_verify, mobile=MOBILE, code=send())


def test_only_the_code_hash_is_stored(clock):
    code = send()
    row = LoginCode.objects.values().get()
    for field, value in row.items():
        assert code not in str(value), field
        assert MOBILE not in str(value), field
    assert len(row["code_hash"]) >= 32


# The page


def page_send(client, mobile=MOBILE, **extra):
    return client.post(reverse("wall:login"), {"step": "send", "mobile": mobile}, **extra)


def page_verify(client, code, **extra):
    return client.post(reverse("wall:login"), {"step": "verify", "code": code}, **extra)


def shows_error(response) -> bool:
    return 'class="error"' in response.content.decode() and 'role="alert"' in response.content.decode()


def test_the_page_signs_in_with_the_right_code(client, clock):
    assert client.get(reverse("wall:login")).status_code == 200
    response = page_send(client)
    assert response.status_code == 200 and MemorySmsBackend.outbox
    response = page_verify(client, last_code())
    assert response.status_code == 302 and response.url == reverse("wall:mine")
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert user.mobile == MOBILE
    assert client.get(reverse("wall:mine")).status_code == 200


def test_the_page_goes_back_where_the_resident_came_from_but_not_off_site(client, clock):
    page_send(client)
    response = client.post(
        reverse("wall:login"), {"step": "verify", "code": last_code(), "next": reverse("wall:new_post")}
    )
    assert response.status_code == 302 and response.url == reverse("wall:new_post")
    client.logout()
    clock.shift(timedelta(seconds=61))
    page_send(client)
    response = client.post(
        reverse("wall:login"), {"step": "verify", "code": last_code(), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == reverse("wall:mine")


@pytest.mark.parametrize("mobile", ["12345", "abc", ""])
def test_the_page_refuses_a_bad_number(client, clock, mobile):
    response = page_send(client, mobile)
    assert response.status_code == 400 and shows_error(response)
    assert not MemorySmsBackend.outbox and "_auth_user_id" not in client.session


def test_the_page_says_when_the_code_is_wrong(client, clock):
    page_send(client)
    response = page_verify(client, a_wrong_code(last_code()))
    assert response.status_code == 400 and shows_error(response)
    assert "_auth_user_id" not in client.session
    response = page_verify(client, "12")  # not six digits
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_the_page_asks_for_a_code_before_checking_one(client, clock):
    response = page_verify(client, "123456")
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_the_page_says_when_the_code_has_expired(client, clock):
    page_send(client)
    code = last_code()
    clock.shift(timedelta(minutes=5, seconds=1))
    response = page_verify(client, code)
    assert response.status_code == 400 and shows_error(response)
    assert "_auth_user_id" not in client.session


def test_the_page_refuses_a_resend_within_a_minute_with_429(client, clock):
    page_send(client)
    response = page_send(client)
    assert response.status_code == 429 and shows_error(response)
    assert len(MemorySmsBackend.outbox) == 1


def test_the_page_answers_429_when_the_number_is_locked(client, clock):
    page_send(client)
    code = last_code()
    for _ in range(otp.WRONG_CODES_ALLOWED):
        assert page_verify(client, a_wrong_code(code)).status_code == 400
    response = page_verify(client, code)
    assert response.status_code == 429 and shows_error(response)
    assert "_auth_user_id" not in client.session
    clock.shift(timedelta(minutes=15, seconds=1))
    assert page_send(client).status_code == 200
    assert page_verify(client, last_code()).status_code == 302
    assert "_auth_user_id" in client.session


def test_the_page_answers_429_for_too_many_codes_from_one_network(client, clock):
    for n in range(otp.PER_IP_PER_HOUR):
        assert page_send(client, f"1395557{n:04d}").status_code == 200
    response = page_send(client, "13955579999")
    assert response.status_code == 429 and shows_error(response)


def test_the_page_answers_429_for_too_many_codes_to_one_number(client, clock):
    for _ in range(otp.PER_NUMBER_PER_HOUR):
        assert page_send(client, REMOTE_ADDR="198.51.100.1").status_code == 200
        clock.shift(timedelta(seconds=61))
    response = page_send(client, REMOTE_ADDR="198.51.100.2")
    assert response.status_code == 429 and shows_error(response)
