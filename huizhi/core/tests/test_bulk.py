"""insert_all stores rows as bulk_create would (COPY on PostgreSQL): encrypted fields encrypted,
auto_now fields set, defaults and constraints as for an INSERT; on SQLite and PostgreSQL."""

from datetime import date

import pytest
from django.db import IntegrityError, connection

from huizhi.core.bulk import insert_all
from huizhi.registry.models import Household, Resident
from huizhi.registry.services.households import id_lookup_hash, resident_mobile_hash

pytestmark = pytest.mark.django_db


def _person(household: Household, n: int, **fields) -> Resident:
    number = f"34110219500302{n:03d}X"
    values = {
        "household": household,
        "place_code": household.place_code,
        "name": f"批量{n}",
        "gender": "M",
        "birth_date": date(1950, 3, 2),
        "id_number": number,
        "id_hash": id_lookup_hash(number),
        "mobile": f"1390002{n:04d}",
        "mobile_hash": resident_mobile_hash(f"1390002{n:04d}"),
        "lives_alone": n % 2 == 0,
    }
    return Resident(**{**values, **fields})


def test_rows_inserted_read_back_as_they_were_given_with_secrets_encrypted():
    household = Household.objects.order_by("pk").first()
    insert_all([_person(household, n) for n in range(1, 6)], batch_size=2)

    rows = Resident.objects.filter(name__startswith="批量").order_by("name")
    assert [(r.name, r.id_number, r.mobile, r.lives_alone, r.is_active) for r in rows] == [
        (f"批量{n}", f"34110219500302{n:03d}X", f"1390002{n:04d}", n % 2 == 0, True) for n in range(1, 6)
    ]
    assert all(r.updated_at is not None and r.household_id == household.pk for r in rows)
    with connection.cursor() as cursor:  # stored encrypted: the number is not in the column
        cursor.execute("SELECT id_number, mobile FROM registry_resident WHERE name = %s", ["批量1"])
        stored = cursor.fetchone()
    assert "34110219500302001X" not in str(stored[0]) and "13900020001" not in str(stored[1])
    assert Resident.objects.get(id_hash=id_lookup_hash("34110219500302003X")).name == "批量3"


def test_a_row_breaking_a_constraint_stops_the_insert():
    household = Household.objects.order_by("pk").first()
    with pytest.raises(IntegrityError):
        insert_all([_person(household, 7), _person(household, 8, gender="X")])


def test_nothing_to_insert_asks_nothing():
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        insert_all([])
    assert len(queries) == 0


def test_a_nul_byte_stops_the_insert_with_djangos_error_on_postgresql():
    """The callers check their text (the import refuses a NUL in any cell); should one slip through,
    COPY must fail as Django's DataError — which the import's handler turns into a failed job —
    and leave nothing of the batch behind."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores a NUL; PostgreSQL's text cannot hold one")
    from django.db import DataError, transaction

    household = Household.objects.order_by("pk").first()
    with pytest.raises(DataError), transaction.atomic():
        insert_all([_person(household, 9), _person(household, 10, place_code="341102\x00")])
    assert not Resident.objects.filter(id_hash=id_lookup_hash("34110219500302009X")).exists()
