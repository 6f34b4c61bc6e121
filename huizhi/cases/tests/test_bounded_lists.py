"""Lists whose length grows with the data are cut in the database: the recurring problems page
lists the most reported pairs, however many pairs the window holds."""

import pytest
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.cases import selectors
from huizhi.cases.models import Case
from huizhi.cases.tests.bulk import bulk_cases
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db


def test_recurring_problems_are_the_most_reported_pairs_cut_in_the_database(settings):
    settings.HUIZHI_RECURRING_COUNT = 2
    like = Case.objects.filter(place_code__regex=r"^\d{18}").order_by("pk").first()
    street = like.place_code[:9]
    compounds = Place.objects.filter(kind=PlaceKind.COMPOUND, code__startswith=street).order_by("code")[:6]
    for n, compound in enumerate(compounds):
        bulk_cases(2 + 3 * n, like=like, place_code=compound.code, start=timezone.now())
    staff = User.objects.get(username="street")
    everything = selectors.recurring_problems(staff, limit=10_000)
    assert len(everything) > 4
    top = selectors.recurring_problems(staff, limit=4)
    assert len(top) == 4
    assert [(p.compound.code, p.category.pk, p.count) for p in top] == [
        (p.compound.code, p.category.pk, p.count) for p in everything[:4]
    ]
    assert top[0].count >= top[-1].count >= everything[4].count
