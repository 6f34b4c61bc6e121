"""notify(): the one way every app tells people something happened (inbox line, text message)."""

import pytest
from django.db import transaction

from huizhi.cases.models import Notification
from huizhi.cases.notifications import TEXT_MAX, notify
from huizhi.cases.tests import factories as f
from huizhi.core.sms import MemorySmsBackend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()


def test_one_line_each_and_a_text_only_to_those_texted_after_commit(django_capture_on_commit_callbacks):
    resident, staff = f.resident(), f.user("huayuan_staff")
    case = f.reported_case()
    with django_capture_on_commit_callbacks(execute=True):
        told = notify(
            [resident.pk, staff.pk, resident.pk, None], "x" * 400, case_id=case.pk, texted=[resident]
        )
        assert MemorySmsBackend.outbox == []  # not before the commit
    assert told == 2
    lines = Notification.objects.filter(text="x" * TEXT_MAX, case=case)
    assert sorted(lines.values_list("user_id", flat=True)) == sorted([resident.pk, staff.pk])
    assert MemorySmsBackend.outbox == [(resident.mobile, "x" * TEXT_MAX)]


def test_nothing_is_texted_when_the_change_is_rolled_back(django_capture_on_commit_callbacks):
    resident = f.resident()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify([resident.pk], "rolled back", texted=[resident])
                raise RuntimeError
        except RuntimeError:
            pass
    assert not Notification.objects.filter(text="rolled back").exists()
    assert MemorySmsBackend.outbox == []
