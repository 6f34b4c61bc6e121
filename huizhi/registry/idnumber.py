"""Resident identity card numbers (居民身份证号码), GB 11643-1999: 6-digit region, 8-digit birth
date, 3-digit sequence (odd for men, even for women), and an ISO 7064 MOD 11-2 check character."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    gender: str  # "M" or "F"


def check_character(first17: str) -> str:
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """The number normalised (upper-case X), its birth date and gender; ValidationError saying why not."""
    value = (raw or "").strip().upper()
    if (
        len(value) != 18
        or not value[:17].isascii()
        or not value[:17].isdigit()
        or value[17] not in "0123456789X"
    ):
        raise ValidationError(
            _("An ID number has 17 digits and a check digit or X (18 characters)."), code="id_format"
        )
    if value[:6] == "000000":
        raise ValidationError(_("The ID number's region code is not valid."), code="id_region")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(_("The ID number's birth date is not a real date."), code="id_birth") from exc
    if birth > (today or date.today()) or birth.year < 1880:
        raise ValidationError(
            _("The ID number's birth date is in the future or implausible."), code="id_birth"
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The ID number's check digit is wrong; check for a mistyped digit."), code="id_check"
        )
    return IdNumber(value=value, birth_date=birth, gender="M" if int(value[16]) % 2 else "F")


def make_id_number(region: str, birth: date, sequence: int, gender: str) -> str:
    """A valid number for demo and test data (fictional people only)."""
    sequence = sequence * 2 + (1 if gender == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)
