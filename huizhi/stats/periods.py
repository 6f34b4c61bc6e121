"""Periods the statistics are counted over: a day, week, month, quarter, year or a custom range of days.

A period is a half-open span of local days [first, last + 1 day) in the project's zone, so a case
reported at 23:59 on the last day of a month counts in that month and one at 00:00 in the next.
Parsing refuses what cannot be read and what lies in the future, with a message for the person.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huizhi.core.dates import EARLIEST_YEAR, LATEST_YEAR

KINDS = {
    "day": gettext_lazy("day"),
    "week": gettext_lazy("week"),
    "month": gettext_lazy("month"),
    "quarter": gettext_lazy("quarter"),
    "year": gettext_lazy("year"),
    "custom": gettext_lazy("custom range"),
}
CUSTOM_MOST_DAYS = 366 * 2  # a custom range longer than two years is a mistake, not a question


class PeriodError(ValueError):
    """The period asked for cannot be counted; the message says why, for the person who asked."""


@dataclass(frozen=True)
class Period:
    kind: str
    first: date  # the first local day
    last: date  # the last local day (inclusive)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        """The first moment after the period (exclusive)."""
        return datetime.combine(
            self.last + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
        )

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first.year}Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.first.year)
        return f"{self.first.isoformat()} – {self.last.isoformat()}"

    def previous(self) -> "Period":
        """The period of the same kind just before this one (for a custom range: as many days)."""
        if self.kind == "month":
            return month_period(_shift_month(self.first, -1))
        if self.kind == "quarter":
            return quarter_period(_shift_month(self.first, -3))
        if self.kind == "year":
            return year_period(self.first.year - 1)
        last = self.first - timedelta(days=1)
        return Period(self.kind, last - timedelta(days=self.days - 1), last)

    def query(self) -> dict[str, str]:
        """The query-string parameters that name this period (the inverse of `parse_period`)."""
        if self.kind == "custom":
            return {"period": "custom", "from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.kind == "month":
            return {"period": "month", "month": f"{self.first:%Y-%m}"}
        return {"period": self.kind, "date": self.first.isoformat()}


def _shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_period(day: date) -> Period:
    first = day.replace(day=1)
    return Period("month", first, _shift_month(first, 1) - timedelta(days=1))


def quarter_period(day: date) -> Period:
    first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period("quarter", first, _shift_month(first, 3) - timedelta(days=1))


def year_period(year: int) -> Period:
    return Period("year", date(year, 1, 1), date(year, 12, 31))


def week_period(day: date) -> Period:
    first = day - timedelta(days=day.weekday())  # weeks start on Monday, as in China
    return Period("week", first, first + timedelta(days=6))


def period_of(kind: str, day: date) -> Period:
    """The period of `kind` that contains `day`."""
    if kind == "day":
        return Period("day", day, day)
    if kind == "week":
        return week_period(day)
    if kind == "month":
        return month_period(day)
    if kind == "quarter":
        return quarter_period(day)
    if kind == "year":
        return year_period(day.year)
    raise PeriodError(_("Unknown period “%(kind)s”.") % {"kind": kind})


def _parse_date(text: str, label: str) -> date:
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise PeriodError(
            _("%(label)s is not a date like 2024-05-01: “%(value)s”.") % {"label": label, "value": text[:20]}
        ) from None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise PeriodError(_("%(label)s is outside the years the figures cover.") % {"label": label})
    return day


def parse_month(text: str) -> date:
    """'2024-05' → 2024-05-01, or PeriodError saying what is wrong."""
    parts = (text or "").split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise PeriodError(_("The month must be written like 2024-05: “%(value)s”.") % {"value": text[:20]})
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise PeriodError(_("There is no month %(month)d.") % {"month": month})
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise PeriodError(_("%(label)s is outside the years the figures cover.") % {"label": _("The month")})
    return date(year, month, 1)


def parse_period(params, *, today: date | None = None) -> Period:
    """The period named by query parameters (period=day|week|month|quarter|year|custom, with
    month=YYYY-MM, date=YYYY-MM-DD or from/to), defaulting to this month. A period that starts
    after today is refused: there is nothing to count yet."""
    today = today or timezone.localdate()
    kind = (params.get("period") or "month").strip()
    if kind not in KINDS:
        raise PeriodError(_("Unknown period “%(kind)s”.") % {"kind": kind[:20]})
    if kind == "custom":
        first = _parse_date(params.get("from") or "", _("The first day"))
        last = _parse_date(params.get("to") or "", _("The last day"))
        if last < first:
            raise PeriodError(_("The last day comes before the first."))
        if (last - first).days + 1 > CUSTOM_MOST_DAYS:
            raise PeriodError(_("A custom range is at most %(days)d days.") % {"days": CUSTOM_MOST_DAYS})
        period = Period("custom", first, last)
    elif kind == "month" and params.get("month"):
        period = month_period(parse_month(params["month"]))
    elif params.get("date"):
        period = period_of(kind, _parse_date(params["date"], _("The date")))
    else:
        period = period_of(kind, today)
    if period.first > today:
        raise PeriodError(_("%(period)s has not begun yet.") % {"period": period.label})
    return period
