"""The admin is no back door around the place copies that scope filters read.

Found in review: the admin could change a place's code and parent and move households and
residents without updating the copied `place_code` (a moved resident stayed visible to the old
community), and a grid's boundary edited there left every process's point-to-grid index stale.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.places import gridindex
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import Household, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.get(username="admin"))
    return client


def change_page(client, model: str, pk) -> str:
    response = client.get(reverse(f"admin:{model}_change", args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_places_code_parent_and_kind_cannot_be_edited_once_it_exists(admin_client):
    grid = Place.objects.filter(kind=PlaceKind.GRID).first()
    page = change_page(admin_client, "places_place", grid.pk)
    for field in ("code", "parent", "kind"):
        assert f'name="{field}"' not in page
    assert 'name="name"' in page  # its name is still the admin's to correct
    add = admin_client.get(reverse("admin:places_place_add")).content.decode()
    assert 'name="code"' in add and 'name="parent"' in add


def test_a_residents_household_cannot_be_changed_in_the_admin(admin_client):
    resident = Resident.objects.select_related("household").first()
    other = Household.objects.exclude(place_code__startswith=resident.place_code[:12]).first()
    page = change_page(admin_client, "registry_resident", resident.pk)
    assert 'name="household"' not in page
    # A crafted POST naming another household is ignored: the field is not the form's.
    form = (
        admin_client.get(reverse("admin:registry_resident_change", args=[resident.pk]))
        .context["adminform"]
        .form
    )
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data["household"] = other.pk
    data["name"] = resident.name
    response = admin_client.post(reverse("admin:registry_resident_change", args=[resident.pk]), data)
    assert response.status_code in (200, 302)
    resident.refresh_from_db()
    assert resident.household_id != other.pk


def test_a_households_unit_cannot_be_changed_in_the_admin(admin_client):
    household = Household.objects.first()
    assert 'name="unit"' not in change_page(admin_client, "registry_household", household.pk)
    add = admin_client.get(reverse("admin:registry_household_add")).content.decode()
    assert 'name="unit"' in add


def test_saving_a_grid_in_the_admin_makes_every_process_rebuild_its_index(
    admin_client, django_capture_on_commit_callbacks
):
    grid = Place.objects.filter(kind=PlaceKind.GRID).first()
    gridindex.current_index()  # built, with the version it was built at
    before = cache.get(gridindex._kept.version_key)
    form = admin_client.get(reverse("admin:places_place_change", args=[grid.pk])).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data["name"] = grid.name + "（改）"
    if "boundary" in data and not isinstance(data["boundary"], str):
        import json

        data["boundary"] = json.dumps(data["boundary"])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:places_place_change", args=[grid.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert cache.get(gridindex._kept.version_key) != before
