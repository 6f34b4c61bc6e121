"""The span of dates the product works with, one rule for every input that takes a date.

Python and PostgreSQL both reach the years 1 and 9999, but arithmetic near them does not: a
window added to 9999-12-31 or a zone offset taken from 0001-01-01 overflows, and that was a 500
on Open311 and REST. Nothing a street records happened before 1900 or is due after 2200, so a
date outside that span is refused as input, before any arithmetic; so is a time in a zone no
place has.
"""

from datetime import date, datetime, timedelta

EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
# Zones on Earth lie between UTC−12 and UTC+14; ISO 8601 (and Python) write up to ±23:59, which
# PostgreSQL refuses ("time zone displacement out of range") — a 500 found from outside.
FARTHEST_OFFSET = timedelta(hours=14)


def in_supported_range(moment: date | datetime) -> bool:
    """Within the years the product works with, and (for a time) in a zone that exists."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        return False
    offset = moment.utcoffset() if isinstance(moment, datetime) else None
    return offset is None or abs(offset) <= FARTHEST_OFFSET
