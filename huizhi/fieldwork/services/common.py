"""Pieces the field-work services share: the refusal, text, dates and points."""

import math
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.core.dates import EARLIEST_YEAR, in_supported_range
from huizhi.core.errors import Refusal
from huizhi.core.text import clean_plain_text


class FieldworkError(Refusal):
    """A refused field-work action: not_allowed, wrong_state, already, bad_input, outside."""


def require(condition: bool, message: str, code: str = "bad_input", field: str | None = None) -> None:
    if not condition:
        raise FieldworkError(message, code=code, field=field)


def clean_text(value: str, *, label: str, field: str, max_length: int = 2000, required: bool = False) -> str:
    try:
        return clean_plain_text(value, label=label, max_length=max_length, required=required)
    except ValidationError as exc:
        raise FieldworkError(" ".join(exc.messages), field=field) from exc


def clean_point(lon, lat) -> tuple[float | None, float | None]:
    """Both coordinates or neither, each a finite number in its range (WGS84 degrees)."""
    if lon is None and lat is None:
        return None, None
    require(
        lon is not None and lat is not None,
        _("Send both longitude and latitude, or neither."),
        field="lat" if lat is None else "lon",
    )
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError, OverflowError):
        lon = lat = math.nan
    require(
        math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90,
        _("The location is not a valid longitude and latitude."),
        field="lat",
    )
    return lon, lat


def clean_past_date(value, *, label: str, field: str) -> date:
    """A date that has happened: today or before, and not before the year 1900."""
    require(isinstance(value, date), _("%(label)s: give a date.") % {"label": label}, field=field)
    # The future first: a date in year 2999 is wrong for that reason, not for being before 1900.
    require(
        value <= timezone.localdate(),
        _("%(label)s cannot be in the future.") % {"label": label},
        field=field,
    )
    require(
        in_supported_range(value) and value.year >= EARLIEST_YEAR,
        _("%(label)s must be after the year %(first)d.") % {"label": label, "first": EARLIEST_YEAR},
        field=field,
    )
    return value
