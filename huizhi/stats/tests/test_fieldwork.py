"""The field work on the leader's page (issue 18: patrols, check-ins, fixes on the spot, visits
counted by the statistics), for the scope and period chosen, with a worked example."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from huizhi.fieldwork.models import CheckIn, Patrol, SpotFix, Visit
from huizhi.stats.fieldwork import fieldwork_figures
from huizhi.stats.metrics import Scope
from huizhi.stats.periods import parse_period

pytestmark = pytest.mark.django_db


def _street():
    from huizhi.places.models import Place

    return Place.objects.get(kind="street")


def test_the_figures_count_the_demo_weeks_field_work_by_place_and_period():
    street = _street()
    today = timezone.localdate()
    week = parse_period(
        {"period": "custom", "from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}
    )
    figures = fieldwork_figures(Scope(place=street), week)
    within = {"place_code__startswith": street.code}
    assert (
        figures.patrols
        == Patrol.objects.filter(started_at__gte=week.start, started_at__lt=week.end, **within).count()
        > 0
    )
    assert (
        figures.check_ins == CheckIn.objects.filter(at__gte=week.start, at__lt=week.end, **within).count() > 0
    )
    assert figures.fixes_on_spot == SpotFix.objects.filter(**within).count() == 2
    assert figures.visits == Visit.objects.filter(visited_on__gte=week.first, **within).count()
    # Another community's scope counts none of 花园街's patrols; a period with none counts none.
    from huizhi.places.models import Place

    elsewhere = Place.objects.get(kind="community", name="醉翁社区")
    assert fieldwork_figures(Scope(place=elsewhere), week).patrols == 0
    long_ago = parse_period({"period": "month", "month": "2020-01"})
    assert fieldwork_figures(Scope(place=street), long_ago).patrols == 0


def test_the_leaders_page_shows_them(client):
    from huizhi.accounts.models import User

    client.force_login(User.objects.get(username="street"))
    today = timezone.localdate()
    week = {"period": "custom", "from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}
    page = client.get(reverse("stats:dashboard"), week, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="table-work"' in html
    assert re.search(r"<td>Problems fixed on the spot</td>\s*<td class=\"num\">2</td>", html)
    # The same table is a sheet of the month's report.
    month = timezone.localdate().strftime("%Y-%m")
    report = client.get(reverse("stats:report"), {"month": month, "format": "xlsx"})
    sheets = openpyxl.load_workbook(io.BytesIO(report.content)).sheetnames
    with translation.override("zh-hans"):
        title = str(_("Field work and care"))
    assert report.status_code == 200 and any(name.startswith(title[:20]) for name in sheets), sheets
