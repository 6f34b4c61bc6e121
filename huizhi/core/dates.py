"""The span of dates the product works with, one rule for every input that takes a date.

Python and PostgreSQL both reach the years 1 and 9999, but arithmetic near them does not: a
window added to 9999-12-31 or a zone offset taken from 0001-01-01 overflows, and that was a 500
on Open311 and REST. Nothing a street records happened before 1900 or is due after 2200, so a
date outside that span is refused as input, before any arithmetic.
"""

from datetime import date, datetime

EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


def in_supported_range(moment: date | datetime) -> bool:
    return EARLIEST_YEAR <= moment.year <= LATEST_YEAR
