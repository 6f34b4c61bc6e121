"""Resident ID numbers (GB 11643-1999): check character, birth date, gender, masking.

The check character is recomputed here from the standard's own definition (weights 2^(17-i) mod 11,
ISO 7064 MOD 11-2), not from the module's table, so a wrong table would be caught.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from huizhi.core.mobile import mask_id_number, mask_mobile
from huizhi.registry.idnumber import make_id_number, parse_id_number

TODAY = date(2026, 11, 27)

# Published examples: the standard's own (born 1880 and 1949, the latter with an X check character),
# and numbers built here for both genders.
KNOWN_GOOD = {
    "11010519491231002X": (date(1949, 12, 31), "F"),
    "440524188001010014": (date(1880, 1, 1), "M"),
    "341102195003021238": (date(1950, 3, 2), "M"),
}


def iso7064_check(first17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def test_independent_check_agrees_with_the_known_numbers():
    # Guards the oracle itself: every known-good number ends in the character it computes.
    for number in KNOWN_GOOD:
        assert iso7064_check(number[:17]) == number[17]


@pytest.mark.parametrize("number", sorted(KNOWN_GOOD))
def test_known_good_numbers_parse_with_birth_date_and_gender(number):
    parsed = parse_id_number(number, today=TODAY)
    assert (parsed.value, parsed.birth_date, parsed.gender) == (number, *KNOWN_GOOD[number])


def test_a_lower_case_x_and_surrounding_spaces_are_normalised():
    assert parse_id_number("  11010519491231002x ", today=TODAY).value == "11010519491231002X"


@pytest.mark.parametrize("number", sorted(KNOWN_GOOD))
def test_every_single_character_typo_is_refused(number):
    typos = 0
    for position in range(18):
        alphabet = "0123456789X" if position == 17 else "0123456789"
        for character in alphabet:
            if character == number[position]:
                continue
            typo = number[:position] + character + number[position + 1 :]
            with pytest.raises(ValidationError) as refused:
                parse_id_number(typo, today=TODAY)
            typos += 1
            if not 6 <= position < 14:  # outside the birth date the check digit is what catches it
                assert refused.value.code == "id_check", typo
    assert typos == 17 * 9 + 10


def test_a_wrong_check_digit_says_so():
    with pytest.raises(ValidationError) as refused:
        parse_id_number("341102195003021234", today=TODAY)  # the template's example: should end in 8
    assert refused.value.code == "id_check"


def test_a_birth_date_in_the_future_is_refused_but_today_is_fine():
    tomorrow = make_id_number("341102", date(2026, 11, 28), 1, "F")
    with pytest.raises(ValidationError) as refused:
        parse_id_number(tomorrow, today=TODAY)
    assert refused.value.code == "id_birth"
    assert parse_id_number(tomorrow, today=date(2026, 11, 28)).birth_date == date(2026, 11, 28)


@pytest.mark.parametrize("birth", ["19990230", "20230229", "19501301", "19500100", "18791231"])
def test_an_impossible_or_implausible_birth_date_is_refused(birth):
    first17 = f"341102{birth}123"
    number = first17 + iso7064_check(first17)  # a correct check digit: only the date is wrong
    with pytest.raises(ValidationError) as refused:
        parse_id_number(number, today=TODAY)
    assert refused.value.code == "id_birth"


def test_29_february_of_a_leap_year_is_a_real_birth_date():
    first17 = "34110220240229123"
    assert parse_id_number(first17 + iso7064_check(first17), today=TODAY).birth_date == date(2024, 2, 29)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "34110219500302123",  # 17 characters
        "3411021950030212381",  # 19
        "3411021950030212X8",  # X before the end
        "３４１１０２１９５００３０２１２３８",  # full-width digits
        "341102 19500302 1238",
        "000000195003021230",
    ],
)
def test_malformed_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        parse_id_number(raw, today=TODAY)


@pytest.mark.parametrize("sequence_digit, gender", [(str(d), "M" if d % 2 else "F") for d in range(10)])
def test_gender_comes_from_the_17th_digit(sequence_digit, gender):
    first17 = f"34110219800101{'12'}{sequence_digit}"
    assert parse_id_number(first17 + iso7064_check(first17), today=TODAY).gender == gender


@pytest.mark.parametrize("gender", ["M", "F"])
def test_made_numbers_are_valid_and_carry_the_gender(gender):
    for sequence in (0, 1, 250, 499):
        number = make_id_number("341102", date(1990, 7, 15), sequence, gender)
        assert iso7064_check(number[:17]) == number[17]
        assert parse_id_number(number, today=TODAY).gender == gender


def test_masking_keeps_only_the_first_and_last_four():
    assert mask_id_number("11010519491231002X") == "1101" + "*" * 10 + "002X"
    assert mask_id_number("341102195003021238") == "3411**********1238"


def test_a_mobile_is_masked_three_and_four():
    assert mask_mobile("13900010001") == "139****0001"
