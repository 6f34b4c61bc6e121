"""Resident tags (DESIGN §6). Age tags are derived from the birth date; the rest are recorded."""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Tag(models.TextChoices):
    AGE_60 = "60+", _("60+")
    AGE_80 = "80+", _("80+")
    CHILD_0_3 = "child_0_3", _("child 0–3")
    SCHOOL_AGE = "school_age", _("school-age")
    LIVES_ALONE = "lives_alone", _("living alone")
    EMPTY_NEST = "empty_nest", _("empty-nest")
    DISABLED = "disabled", _("disabled")
    LOW_INCOME = "low_income", _("low-income")
    PARTY_MEMBER = "party_member", _("party member")
    VETERAN = "veteran", _("veteran")
    VOLUNTEER = "volunteer", _("volunteer")


# Recorded tags are boolean fields of Resident with the same name.
RECORDED_TAGS = (
    Tag.LIVES_ALONE,
    Tag.EMPTY_NEST,
    Tag.DISABLED,
    Tag.LOW_INCOME,
    Tag.PARTY_MEMBER,
    Tag.VETERAN,
    Tag.VOLUNTEER,
)
# The tags that put a household first on the grid worker's list.
VULNERABLE_TAGS = (Tag.AGE_80, Tag.LIVES_ALONE, Tag.DISABLED)


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


# Derived tags: (born on or before, born after) relative to today, in years. School age is 6–17.
AGE_RANGES = {
    Tag.AGE_60: (60, None),
    Tag.AGE_80: (80, None),
    Tag.CHILD_0_3: (0, 3),
    Tag.SCHOOL_AGE: (6, 18),
}


def tag_q(tag: str, today: date, prefix: str = "") -> Q:
    """A filter for residents carrying `tag` today."""
    if tag in AGE_RANGES:
        at_least, under = AGE_RANGES[tag]
        q = Q(**{f"{prefix}birth_date__lte": _years_ago(today, at_least)})
        if under is not None:
            q &= Q(**{f"{prefix}birth_date__gt": _years_ago(today, under)})
        return q
    if tag in RECORDED_TAGS:
        return Q(**{f"{prefix}{tag}": True})
    raise ValueError(tag)


def age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def tags_of(resident, today: date) -> list[str]:
    years = age(resident.birth_date, today)
    found = [
        tag
        for tag, (at_least, under) in AGE_RANGES.items()
        if years >= at_least and (under is None or years < under)
    ]
    found += [tag for tag in RECORDED_TAGS if getattr(resident, tag)]
    return found
