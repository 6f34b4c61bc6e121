"""A list's rows (cases_tags.case_rows), built in Python for speed: every value escaped, every cell
labelled for the phone layout, and the queue showing them as the template did."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.cases.models import Case
from huizhi.cases.templatetags.cases_tags import case_rows

from .test_views import building_11, crew, html, login, move, report

pytestmark = pytest.mark.django_db


def test_every_value_of_a_row_is_escaped():
    case = report(title="下水道堵塞")
    Case.objects.filter(pk=case.pk).update(title='<img src=x onerror="alert(1)">&', rework_count=2)
    case = Case.objects.select_related("category", "place", "community", "handling_unit").get(pk=case.pk)
    case.place.name = "<b>11栋</b>"
    row = str(case_rows([case], timezone.now()))
    assert "<img" not in row and "<b>" not in row
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in row and "&lt;b&gt;11栋&lt;/b&gt;" in row
    assert f'data-case="{case.pk}"' in row and f'href="{reverse("cases:detail", args=[case.pk])}"' in row
    assert "×2" in row


def test_the_queue_shows_each_row_with_its_labels_status_unit_and_clock(client):
    waiting = report(place=building_11())
    dispatched = move(
        move(report(place=building_11()), "huayuan_staff", "accept"), "huayuan_staff", "dispatch", unit=crew()
    )
    login(client, "huayuan_staff")
    page = html(client.get(reverse("cases:queue")))
    rows = dict(re.findall(r'<tr data-case="(\d+)" data-status="\w+">(.*?)</tr>', page, re.S))
    assert {str(waiting.pk), str(dispatched.pk)} <= rows.keys()
    for row in rows.values():
        labels = re.findall(r'data-label="([^"]*)"', row)
        assert labels == ["分类", "地点", "状态", "处置单位", "时间"], labels
        assert re.search(r'<span class="clock clock-\w+" data-clock="\w+">', row)
    assert "—" in rows[str(waiting.pk)]  # no unit yet
    assert dispatched.handling_unit.name in rows[str(dispatched.pk)]
