"""A supervision notice keeps its case's place code (issue 15, "fast at scale": the statistics count
a street's notices from the notices' own index), written by the one service that issues notices
and, for the notices issued before the field existed, by the migration that added it."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from huizhi.cases.models import SupervisionNotice
from huizhi.cases.services import supervision_notice_issue
from huizhi.cases.states import Status
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

migration = importlib.import_module("huizhi.cases.migrations.0012_supervision_place_code")


def issue(case) -> SupervisionNotice:
    return supervision_notice_issue(
        actor=f.user("commissioner"),
        case_id=case.pk,
        requirement="请尽快处理并反馈。",
        reply_due_at=timezone.now() + timedelta(days=2),
    )


def test_a_notice_is_issued_with_its_cases_place_code():
    case = f.case_in(Status.DISPATCHED)
    notice = issue(case)
    assert case.place_code
    assert SupervisionNotice.objects.get(pk=notice.pk).place_code == case.place_code


def test_the_migration_copies_each_cases_place_code_to_its_notices():
    case = f.case_in(Status.DISPATCHED)
    first, second = issue(case), issue(case)
    SupervisionNotice.objects.update(place_code="")  # as the notices stood before the field

    migration.copy_place_codes(apps, SimpleNamespace(connection=connection))

    assert set(
        SupervisionNotice.objects.filter(pk__in=[first.pk, second.pk]).values_list("place_code", flat=True)
    ) == {case.place_code}
