"""Outside probes of the hot topics' "offer to the agenda" post: case ids it cannot read are no
reports (the service's refusal, a redirect with its message), never a 500."""

import pytest
from django.urls import reverse

from huizhi.meetings.models import AgendaItem
from tests.factories import small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]


@pytest.mark.parametrize("case_id", ["²", "9" * 5000, "99999999999999999999"])
def test_an_unreadable_case_id_is_no_report(client, case_id):
    street = small_street()
    client.force_login(street.staff)
    response = client.post(
        reverse("meetings:topic_to_agenda"), {"case": [case_id], "title": "广场舞音响太吵"}
    )
    assert response.status_code == 302
    assert not AgendaItem.objects.filter(title="广场舞音响太吵").exists()  # a mixed run holds the demo's
