"""The vocabulary of care (DESIGN §7): service kinds, childcare age bands, watch outcomes and risk.

Rules that are data live here as tables, not in code paths: the childcare bands with their national
size limits and carer ratios, and the watch cadence by risk.
"""

import calendar
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceKind(models.TextChoices):
    """The article's five kinds of service at the elderly care station."""

    RECREATION = "recreation", _("culture and recreation (文体娱乐)")
    COMFORT = "comfort", _("emotional comfort (精神慰藉)")
    NURSING = "nursing", _("rehabilitation and nursing (康复护理)")
    DAILY_LIVING = "daily_living", _("daily living care (生活照料)")
    REPAIR = "repair", _("home repairs (物业维修)")


class AgeBand(models.TextChoices):
    INFANT = "infant", _("infant class (乳儿班, 6–12 months)")
    TODDLER = "toddler", _("toddler class (托小班, 12–24 months)")
    OLDER = "older", _("older toddler class (托大班, 24–36 months)")


@dataclass(frozen=True)
class BandRule:
    min_months: int  # inclusive
    max_months: int  # exclusive
    max_children: int
    children_per_carer: int


def months_old(birth: date, on: date) -> int:
    """Whole months from `birth` to `on` (a child born on 10 May is 6 months old on 10 November)."""
    return (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)


def born_by(on: date, months: int) -> date:
    """The latest birth date of a child at least `months` old on `on` (see `months_old`)."""
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    month += 1
    return date(year, month, min(on.day, calendar.monthrange(year, month)[1]))


class ApplicationStatus(models.TextChoices):
    """A parent's application for a childcare place."""

    PENDING = "pending", _("waiting for the centre")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")


# The national limits for childcare classes (托育机构设置标准): size and carer ratio per band.
BANDS: dict[str, BandRule] = {
    AgeBand.INFANT: BandRule(6, 12, 10, 3),
    AgeBand.TODDLER: BandRule(12, 24, 15, 5),
    AgeBand.OLDER: BandRule(24, 36, 20, 7),
}


class ContactOutcome(models.TextChoices):
    """What a watcher found when they visited or called a watched elder (WatchContact.outcome)."""

    WELL = "well", _("well")
    NEEDS_HELP = "needs_help", _("needs help")
    NOT_REACHED = "not_reached", _("not reached")
    IN_HOSPITAL = "in_hospital", _("in hospital")


class ContactMethod(models.TextChoices):
    VISIT = "visit", _("visit")
    CALL = "call", _("phone call")


class Risk(models.TextChoices):
    HIGH = "high", _("high: 80+ and living alone")
    ELEVATED = "elevated", _("elevated: 80+ or living alone")
    NORMAL = "normal", _("normal: empty-nest")


CADENCE_DAYS: dict[str, int] = {
    Risk.HIGH: 2,
    Risk.ELEVATED: 4,
    Risk.NORMAL: 7,
}
"""How often a watched resident must be contacted, in days, by risk (邻里守望·情暖空巢).

80+ and living alone: every 2 days; 80+ or living alone: every 4 days; other empty-nest elders:
weekly. A contact that reaches the person (well, needs help, in hospital) sets the next one due
this many days later; "not reached" leaves the due time where it was.
"""

# Consecutive "not reached" contacts that raise an urgent alert.
MISSES_FOR_ALERT = 2


class WatcherKind(models.TextChoices):
    PARTY_MEMBER = "party_member", _("party member")
    VOLUNTEER = "volunteer", _("volunteer")
    GRID_WORKER = "grid_worker", _("grid worker")


class SummerSessionKind(models.TextChoices):
    SCIENCE = "science", _("science talk (科普讲座)")
    FOOD_SAFETY = "food_safety", _("food safety education (食品安全教育)")
    INTERESTS = "interests", _("interest discovery (兴趣启蒙)")
    VISIT = "visit", _("visit (参观)")


class AlertKind(models.TextChoices):
    NOT_REACHED = "not_reached", _("not reached twice in a row")
    UNAUTHORISED_PICKUP = "unauthorised_pickup", _("pick-up by an unauthorised adult")


ELDERLY_AGE = 60
# Confirmed volunteer hours earn this many points each (the 表彰会 ranking).
POINTS_PER_HOUR = 10
