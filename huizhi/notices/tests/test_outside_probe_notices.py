"""Outside probes of the notices pages: dates outside the product's span (core.dates) are refused
as input, and a place id no page sends is no place; neither is a 500."""

import pytest
from django.urls import reverse

from huizhi.notices.models import Follow, Notice
from huizhi.notices.tests.conftest import home

pytestmark = pytest.mark.no_demo


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [
        ("0001-01-01T00:00", "2030-01-02T08:00"),  # its zone's offset overflows the year 1
        ("2030-01-01T08:00", "9999-12-31T23:59"),  # a notice up for eight thousand years
        ("1899-12-31T08:00", "2030-01-02T08:00"),
        ("2030-01-01T08:00", "2201-01-01T08:00"),
    ],
)
def test_a_notice_outside_the_supported_years_is_refused(db, world, client, valid_from, valid_until):
    client.force_login(world.staff)
    response = client.post(
        reverse("notices:new"),
        {
            "place": world.compound.pk,
            "title": "电梯检修",
            "body": "周六电梯检修。",
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    assert response.status_code == 400
    assert not Notice.objects.filter(title="电梯检修").exists()  # a mixed run holds the demo's notices


@pytest.mark.parametrize("action", ["follow", "unfollow"])
@pytest.mark.parametrize("place", ["9" * 5000, "99999999999999999999", "²"])
def test_following_a_place_id_no_page_sends_is_refused(db, world, client, action, place):
    resident = home(world.building, "101")
    client.force_login(resident)
    response = client.post(reverse("notices:my_areas"), {"action": action, "place": place})
    assert response.status_code in (302, 403)
    assert not Follow.objects.filter(user=resident).exists()
