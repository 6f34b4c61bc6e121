"""Outside review: what a decision puts on the public echo wall names a person who carries it out
the way the public pages name people (the surname only), never by their full name."""

import pytest
from django.utils import timezone

from huizhi.core.text import mask_person_name
from huizhi.meetings.services import agenda_add, decision_progress, decision_record, meeting_minutes_save
from huizhi.meetings.tests.helpers import during, party_committee, person, schedule
from huizhi.meetings.tests.test_services import _decide, _held
from huizhi.wall.models import EchoNote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_to_memory(settings, tmp_path):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_free_topics_decision_owned_by_a_resident_is_published_with_the_name_masked():
    liaison = person("liaison")
    meeting = schedule(organiser=party_committee())
    entry = agenda_add(
        actor=person("sanliting_staff"), meeting_id=meeting.pk, title="楼道堆物清理", summary=""
    )
    with during(meeting):
        decision = decision_record(
            actor=person("sanliting_staff"),
            meeting_id=meeting.pk,
            agenda_item_id=entry.agenda_item.pk,
            text="中心党员户动员住户三日内清理楼道堆物。",
            method="consensus",
            votes={},
            owner_user=liaison,
            due_date=timezone.localtime(meeting.starts_at).date(),
        )
        meeting_minutes_save(
            actor=person("sanliting_staff"), meeting_id=meeting.pk, minutes="纪要", publish=True
        )
    decision_progress(actor=liaison, decision_id=decision.pk, note="已清理。", done=True)
    texts = [n.name + n.text for n in EchoNote.objects.filter(community=meeting.community)]
    assert any("清理楼道堆物" in t for t in texts)
    assert not any(liaison.full_name in t for t in texts)
    assert any(mask_person_name(liaison.full_name) in t for t in texts)
    # The owner's own inbox and the meeting's timeline still name them in full.
    assert decision.owner_name == liaison.full_name


def test_a_wall_items_decision_owned_by_a_resident_answers_the_item_with_the_name_masked():
    liaison = person("liaison")
    meeting, item, post = _held()
    with during(meeting):
        _decide(meeting, item, method="consensus", votes={}, owner_organisation=None, owner_user=liaison)
        meeting_minutes_save(
            actor=person("sanliting_staff"), meeting_id=meeting.pk, minutes="纪要", publish=True
        )
    answers = [r.text for r in post.responses.all()]
    assert answers and not any(liaison.full_name in a for a in answers)
