"""A small street for field work: two grids of one community (each with its grid worker), another
community, the staff who read the logs, and households of the first grid with tags."""

import io
import itertools
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from huizhi.accounts.roles import Role
from huizhi.registry.idnumber import make_id_number
from huizhi.registry.models import Resident
from huizhi.registry.services import household_for_unit, resident_create
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    CompoundFactory,
    GridFactory,
    UserFactory,
    small_street,
)

_numbers = itertools.count(1)


def registered(building, room: str, *, age: int, **tags) -> Resident:
    """A resident of `age` years registered in `room` of `building`."""
    n = next(_numbers)
    born = date.today().replace(month=1, day=1) - timedelta(days=365 * age + 30)
    household = household_for_unit(building=building, room=room)
    return resident_create(
        household=household,
        name=f"张{n}丰",
        id_number=make_id_number("110101", born, n, "M"),
        **tags,
    )


def jpeg(name: str = "photo.jpg", colour=(120, 100, 60)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    w = small_street()
    w.other_grid = GridFactory(parent=w.community)
    w.other_building = BuildingFactory(parent=CompoundFactory(parent=w.other_grid))
    w.other_worker = UserFactory(role=Role.GRID_WORKER, over=w.other_grid)
    w.commissioner = UserFactory(role=Role.DISCIPLINE_COMMISSIONER, over=w.community)
    w.other_community = CommunityFactory(parent=w.street)
    w.other_staff = UserFactory(role=Role.COMMUNITY_STAFF, over=w.other_community)
    w.elder = registered(w.building, "101室", age=84, lives_alone=True)
    w.elder_household = w.elder.household
    w.family = registered(w.building, "102室", age=40)
    w.family_household = w.family.household
    w.far_away = registered(w.other_building, "201室", age=85, lives_alone=True)
    return w


@pytest.fixture(autouse=True)
def pages_in_english(client):
    """These tests read the pages' English wording; the product's default language is Chinese, and a
    request's language comes from the request (LocaleMiddleware), not from translation.override."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
