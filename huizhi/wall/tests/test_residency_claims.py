"""A resident claiming their home: the room found however it is typed, and nothing of the
registry shown back to the resident."""

import pytest
from django.urls import reverse

from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.services.residency import ResidencyError, residency_claim
from huizhi.wall.tests.helpers import (
    resident,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["1单元101室", "１单元１０１", "1单元 101"])
def test_a_room_typed_as_residents_write_it_is_found(typed):
    unit = Place.objects.filter(kind=PlaceKind.UNIT, name="1单元101").select_related("parent").first()
    claim = residency_claim(actor=resident("13988880010"), building=unit.parent, room=typed, name="张三")
    assert claim.unit_id == unit.pk


def test_a_residency_claim_shows_the_resident_nothing_of_the_registry(client):
    unit = Place.objects.filter(kind=PlaceKind.UNIT, name="1单元101").select_related("parent").first()
    from huizhi.registry.models import Resident

    registered = list(Resident.objects.filter(household__unit=unit, is_active=True))
    assert registered, "the demo registers someone in this room"
    user = resident("13988880011")
    residency_claim(actor=user, building=unit.parent, room="1单元101", name="不存在的人")
    client.force_login(user)
    html = client.get(reverse("registry:my_home")).content.decode()
    for person in registered:
        assert person.name not in html
    with pytest.raises(ResidencyError):
        residency_claim(actor=user, building=unit.parent, room="1单元101", name="再来一次")
