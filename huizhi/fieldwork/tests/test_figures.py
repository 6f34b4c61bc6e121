"""The field-work figures the statistics show (stats.fieldwork.fieldwork_figures), worked out on a
hand-made grid: every one of the six numbers, the period's bounds on each table, and the scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from huizhi.fieldwork.models import SpotFix
from huizhi.fieldwork.services import patrol_check_in, patrol_start, patrol_stop, visit_log
from huizhi.fieldwork.tests.conftest import jpeg
from huizhi.fieldwork.tests.test_fixes import _fix
from huizhi.stats.fieldwork import fieldwork_figures
from huizhi.stats.metrics import Scope
from huizhi.stats.periods import parse_period

pytestmark = pytest.mark.no_demo


def test_each_figure_counts_what_its_period_and_scope_hold(world):
    today = timezone.localdate()
    # In the period: one patrol with a check-in at the building and one some 5 km away (far).
    patrol = patrol_start(actor=world.gridworker)
    patrol_check_in(actor=world.gridworker, patrol_id=patrol.pk, place=world.building)
    patrol_check_in(
        actor=world.gridworker,
        patrol_id=patrol.pk,
        place=world.building,
        lon=world.building.lon + 0.05,
        lat=world.building.lat,
    )
    patrol_stop(actor=world.gridworker, patrol_id=patrol.pk)
    _fix(world, photos_before=[jpeg("b.jpg")], photos_after=[jpeg("a.jpg")])
    # Two visits to one household today, one to another long before the period.
    for household in (world.elder_household, world.elder_household):
        visit_log(actor=world.gridworker, household=household, visited_on=today)
    visit_log(actor=world.gridworker, household=world.family_household, visited_on=today - timedelta(days=60))
    # A fix filed before the period: moved back, as if filed then.
    old = _fix(world, title="旧的闭门器")
    SpotFix.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))

    week = parse_period(
        {"period": "custom", "from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}
    )
    figures = fieldwork_figures(Scope(place=world.community), week)
    assert (figures.patrols, figures.check_ins, figures.far_check_ins) == (1, 2, 1)
    assert figures.fixes_on_spot == 1  # the one of 60 days ago is outside the week
    assert (figures.visits, figures.households_visited) == (2, 1)
    # Another community counts none of it; a handling unit's scope has no field work.
    assert fieldwork_figures(Scope(place=world.other_community), week).patrols == 0
    assert fieldwork_figures(Scope(place=world.community, unit=world.crew), week) is None
