"""Outside probes of intake's JSON endpoints: a place id they cannot read is no place, never a 500."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]


@pytest.mark.parametrize("endpoint", ["intake:suggest", "intake:duplicates"])
@pytest.mark.parametrize(
    "place",
    [
        "²",  # str.isdigit() says yes, int() says no
        "٣",  # Arabic-Indic three: int() reads it, but it is no id a page sends
        "9" * 5000,  # more digits than int() converts
        "99999999999999999999",  # beyond any id
    ],
)
def test_an_unreadable_place_id_is_ignored(client, endpoint, place):
    client.force_login(UserFactory())
    response = client.get(reverse(endpoint), {"title": "路灯不亮了", "text": "晚上很黑", "place": place})
    assert response.status_code == 200
