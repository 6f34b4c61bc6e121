"""A hot topic offered to the consultation agenda: it waits on its community's list as a recurring
problem (once, however often offered), only community staff may offer it, and the hot topics page
offers it to them alone."""

import pytest
from django.urls import reverse

from huizhi.meetings.models import AgendaItem
from huizhi.meetings.services import MeetingError
from huizhi.meetings.services.topics import agenda_item_from_topic
from tests.factories import CaseFactory, small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

NOISE = ["广场舞音响太吵", "晚上广场舞音响太吵", "广场舞音响声音太大太吵"]


@pytest.fixture
def street():
    return small_street()


def _reports(world, titles=NOISE):
    return [
        CaseFactory(place=world.building, category=world.category, actor=world.gridworker, title=t)
        for t in titles
    ]


def test_a_topic_waits_on_its_communitys_list_once(street):
    cases = _reports(street)
    item, created = agenda_item_from_topic(
        actor=street.staff, case_ids=[c.pk for c in cases], title="广场舞音响太吵"
    )
    assert created
    assert (item.community, item.status, item.source, item.source_case) == (
        street.community,
        AgendaItem.Status.PENDING,
        AgendaItem.Source.RECURRING,
        cases[0],
    )
    assert all(c.reference in item.summary for c in cases) and "3" in item.summary.splitlines()[0]
    again, created = agenda_item_from_topic(
        actor=street.staff, case_ids=[c.pk for c in cases], title="广场舞音响太吵"
    )
    assert (again.pk, created) == (item.pk, False)
    assert AgendaItem.objects.filter(source_case__in=cases).count() == 1


def test_refused_to_whoever_does_not_organise_the_communitys_meetings(street):
    ids = [c.pk for c in _reports(street)]
    with pytest.raises(MeetingError) as refused:
        agenda_item_from_topic(actor=street.gridworker, case_ids=ids, title="广场舞音响太吵")
    assert refused.value.code == "not_allowed"  # sees the reports, holds no meetings
    with pytest.raises(MeetingError) as refused:
        agenda_item_from_topic(actor=street.resident, case_ids=ids, title="广场舞音响太吵")
    assert refused.value.code == "not_found"  # never learns the reports exist
    other = small_street()
    with pytest.raises(MeetingError) as refused:
        agenda_item_from_topic(actor=other.staff, case_ids=ids, title="广场舞音响太吵")
    assert refused.value.code == "not_found"
    assert not AgendaItem.objects.filter(source_case_id__in=ids).exists()


def test_the_hot_page_offers_the_topic_to_staff_and_the_offer_lands_on_the_list(street, client):
    cases = _reports(street)
    client.force_login(street.staff)
    page = client.get(reverse("intake:hot")).content.decode()
    action = reverse("meetings:topic_to_agenda")
    assert action in page and all(f'name="case" value="{c.pk}"' in page for c in cases)
    response = client.post(
        action, {"case": [c.pk for c in cases], "title": "广场舞音响太吵", "days": "7"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("intake:hot") + "?days=7"
    assert street.community.name in response.content.decode()
    assert AgendaItem.objects.get(source_case=cases[0]).title == "广场舞音响太吵"


def test_the_hot_page_does_not_offer_it_to_those_who_hold_no_meetings(street, client):
    _reports(street)
    client.force_login(street.street_admin)
    page = client.get(reverse("intake:hot"))
    assert page.status_code == 200 and "广场舞音响" in page.content.decode()
    assert reverse("meetings:topic_to_agenda") not in page.content.decode()
    client.force_login(street.gridworker)
    refused = client.post(reverse("meetings:topic_to_agenda"), {"case": [1], "title": "x"})
    assert refused.status_code == 403
