"""Admin forms answer bad input with the form's errors, never a 500."""

import pytest
from django.urls import reverse

from huizhi.places.models import Organisation
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True))
    return client


def test_a_place_added_with_an_empty_form_shows_the_forms_errors(admin_client):
    response = admin_client.post(reverse("admin:places_place_add"), {})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


@pytest.mark.parametrize(
    "url, field",
    [
        ("admin:places_organisation_add", "place"),
        ("admin:accounts_roleassignment_add", "user"),
        ("admin:cases_routingrule_add", "organisation"),
    ],
)
def test_an_autocomplete_given_something_that_is_no_id_shows_the_forms_errors(admin_client, url, field):
    before = Organisation.objects.count()
    response = admin_client.post(reverse(url), {field: "' OR 1=1 --", "name": "x"})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert Organisation.objects.count() == before
