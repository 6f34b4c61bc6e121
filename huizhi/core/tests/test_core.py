"""The health check, personal-data crypto and mainland mobile numbers."""

import random
from unittest import mock

import phonenumbers
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import translation

from huizhi.core import crypto
from huizhi.core.mobile import mask_mobile, normalize_mainland_mobile

# --- /healthz --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_liveness_and_only_reports_a_database_that_does_not_answer(client):
    # Readiness (/readyz, test_readiness.py) is what fails on a database outage.
    with mock.patch("django.db.connection.cursor", side_effect=DatabaseError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_healthz_answers_get_only(client):
    assert client.post("/healthz").status_code == 405


# --- crypto ----------------------------------------------------------------------------------------


def test_encrypt_decrypt_round_trip():
    plain = "张三 340102199001011234"
    token = crypto.encrypt(plain)
    assert plain not in token and "340102199001011234" not in token
    assert crypto.decrypt(token) == plain


def test_each_encryption_differs():
    # A fresh IV per value: equal values do not show as equal ciphertexts.
    assert crypto.encrypt("13800138000") != crypto.encrypt("13800138000")


def test_a_token_under_an_unknown_key_is_refused(settings):
    token = crypto.encrypt("13800138000")
    settings.HUIZHI_DATA_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_a_tampered_token_is_refused():
    token = crypto.encrypt("13800138000")
    tampered = token[:-6] + ("AAAAAA" if token[-6:] != "AAAAAA" else "BBBBBB")
    with pytest.raises(ValueError):
        crypto.decrypt(tampered)


def test_key_rotation(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.HUIZHI_DATA_KEYS = [old]
    under_old = crypto.encrypt("340102199001011234")

    settings.HUIZHI_DATA_KEYS = [new, old]
    assert crypto.decrypt(under_old) == "340102199001011234"
    under_new = crypto.rotate(under_old)
    assert under_new != under_old
    fresh = crypto.encrypt("13800138000")

    settings.HUIZHI_DATA_KEYS = [new]
    assert crypto.decrypt(under_new) == "340102199001011234"
    assert crypto.decrypt(fresh) == "13800138000"  # new values are written under the newest key
    with pytest.raises(ValueError):
        crypto.decrypt(under_old)


def test_lookup_hash_is_stable_and_keyed():
    first = crypto.lookup_hash("user-mobile", "13800138000")
    assert first == crypto.lookup_hash("user-mobile", "13800138000")
    assert len(first) == 64 and int(first, 16) >= 0
    assert "13800138000" not in first
    assert first != crypto.lookup_hash("user-mobile", "13800138001")


def test_lookup_hash_keeps_purposes_apart():
    assert crypto.lookup_hash("user-mobile", "13800138000") != crypto.lookup_hash("id-number", "13800138000")


def test_lookup_hash_depends_on_the_lookup_key(settings):
    before = crypto.lookup_hash("user-mobile", "13800138000")
    settings.HUIZHI_LOOKUP_KEY = "another-lookup-key"
    assert crypto.lookup_hash("user-mobile", "13800138000") != before


# --- mainland mobile numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        " 13800138000 ",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "+86-138-0013-8000",
        "008613800138000",
    ],
)
def test_valid_mainland_mobiles_are_normalised(raw):
    assert normalize_mainland_mobile(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "19912345678",  # a newer 199 prefix
        "17612345678",
        "15555215554",
    ],
)
def test_other_mainland_mobile_prefixes_are_accepted(raw):
    assert normalize_mainland_mobile(raw) == raw


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0550-3012345", "is not a mainland China mobile number"),  # a 滁州 landline
        ("010 6552 9988", "is not a mainland China mobile number"),  # a Beijing landline
        ("+1 650 253 0000", "is not a mainland China mobile number"),
        ("+852 9123 4567", "is not a mainland China mobile number"),  # Hong Kong mobile
        ("1380013800", "is not a mainland China mobile number"),  # one digit short
        ("12345", "is not a mainland China mobile number"),
        ("138001380001", "is not a mainland China mobile number"),  # one digit long
        ("", "is not a phone number"),
        ("abc", "is not a phone number"),
    ],
)
def test_other_numbers_are_refused_with_a_clear_message(raw, message):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        normalize_mainland_mobile(raw)
    assert refused.value.code == "mobile"
    with translation.override("en"):
        assert message in refused.value.messages[0]


def _full_parse(text: str) -> str | None:
    """What libphonenumber's whole parse says, for comparing the fast path with it."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if (
        number.country_code == 86
        and phonenumbers.is_valid_number(number)
        and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    ):
        return str(number.national_number)
    return None


def test_the_fast_path_agrees_with_libphonenumber_for_every_prefix_it_can_take():
    # Every five-digit prefix of an 11-digit number beginning with 1 (all the fast path can take;
    # so that a new narrow range in a later libphonenumber shows here), two random tails each;
    # every three-digit prefix, landlines and service numbers of the same length included; and
    # 12,000 fully random numbers: the answer is libphonenumber's whole parse, whichever path gave it.
    rng = random.Random(7)
    numbers = [f"{prefix}{rng.randrange(10**6):06d}" for prefix in range(10_000, 20_000) for _ in range(2)]
    numbers += [f"{prefix:03d}{rng.randrange(10**8):08d}" for prefix in range(1000) for _ in range(4)]
    numbers += [f"{rng.randrange(10**11):011d}" for _ in range(12_000)]
    numbers += ["16101234567", "17405123456", "17406123456", "14512345678", "14612345678"]  # edges
    accepted = 0
    for text in numbers:
        expected = _full_parse(text)
        try:
            got = normalize_mainland_mobile(text)
        except ValidationError:
            got = None
        assert got == expected, text
        accepted += got is not None
    assert 1_000 < accepted < len(numbers) - 1_000  # both answers were exercised


def test_a_plain_eleven_digit_mobile_is_accepted_without_the_full_parse():
    with mock.patch.object(phonenumbers, "parse", side_effect=AssertionError("parsed")):
        assert normalize_mainland_mobile("13800138000") == "13800138000"
        with pytest.raises(AssertionError):
            normalize_mainland_mobile("138 0013 8000")  # other shapes still take the full parse


def test_none_is_refused():
    with pytest.raises(ValidationError):
        normalize_mainland_mobile(None)


def test_mask_mobile_shows_only_the_first_three_and_last_four_digits():
    assert mask_mobile("13800138000") == "138****8000"
    assert "0013" not in mask_mobile("13800138000")


@pytest.mark.parametrize("raw", ["", "12345", "+8613800138000"])
def test_mask_mobile_hides_anything_not_in_11_digit_form(raw):
    assert mask_mobile(raw) == "****"
