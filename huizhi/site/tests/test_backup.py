"""`huizhi backup` and `huizhi restore` round-trip the database on the backend the suite runs on
(SQLite by default, PostgreSQL in the PostgreSQL run): rows made through the services, an
encrypted resident among them, dumped, restored into a new empty database, and read back with the
same keys; every table's count matches. The dump holds no key and no plain ID number; a restore
under other keys says so; a restore never writes over a database that has tables.

The rows must be committed for pg_dump (another process) to see them: these tests are transactional.
"""

import copy
import os
import stat
import subprocess
import uuid
from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import override_settings

from huizhi.cases.models import Case
from huizhi.registry.models import Resident
from huizhi.registry.services import household_for_unit, resident_create
from huizhi.registry.tests.sheets import id_number, mobile
from huizhi.site.backup import table_counts
from tests.factories import CaseFactory, small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db(transaction=True)]

RESTORED = "restored"


@pytest.fixture
def fresh_database(tmp_path):
    """A new, empty database of the suite's own backend, as the alias `restored`; dropped after."""
    made = []

    def make(suffix: str = "") -> str:
        alias = RESTORED + suffix
        default = connections["default"]
        conf = copy.deepcopy(default.settings_dict)
        if default.vendor == "sqlite":
            conf["NAME"] = str(tmp_path / f"{alias}.sqlite3")
        else:
            conf["NAME"] = f"{default.settings_dict['NAME']}_{alias}_{uuid.uuid4().hex[:6]}"
            with default.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{conf["NAME"]}"')
        # Made as Django's test case allows an extra connection: created, then its alias taken out
        # of the settings (a "dynamically created connection"), so it is no test database to flush.
        connections.settings[alias] = conf
        connections[alias]
        del connections.settings[alias]
        made.append((alias, conf["NAME"]))
        return alias

    yield make
    for alias, name in made:
        connections[alias].close()
        del connections[alias]
        if connections["default"].vendor == "postgresql":
            with connections["default"].cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def rows():
    """A small street, two cases on it and a registered resident whose ID number and mobile are
    stored encrypted."""
    world = small_street()
    CaseFactory(place=world.building, actor=world.resident, category=world.category)
    CaseFactory(place=world.building, actor=world.gridworker, category=world.category)
    household = household_for_unit(building=world.building, room="2单元301")
    plain_id, plain_mobile = id_number(7, date(1961, 4, 9)), mobile(7)
    resident = resident_create(household=household, name="备份测试", id_number=plain_id, mobile=plain_mobile)
    return resident, plain_id, plain_mobile


def dump_text(path) -> bytes:
    """What the dump holds, readable: SQLite's file as it is; PostgreSQL's as the SQL pg_restore writes
    (the custom format is compressed, so searching its bytes would prove nothing)."""
    if connections["default"].vendor == "sqlite":
        return path.read_bytes()
    return subprocess.run(["pg_restore", "--file=-", str(path)], capture_output=True, check=True).stdout


def test_a_backup_restores_into_an_empty_database_with_every_row_and_the_same_keys_read_it(
    tmp_path, rows, fresh_database
):
    resident, plain_id, plain_mobile = rows
    dump = tmp_path / "huizhi.dump"
    call_command("backup", str(dump), verbosity=0)
    assert stat.S_IMODE(os.stat(dump).st_mode) == 0o600  # it holds names: its owner's only
    assert not list(tmp_path.glob("*.partial"))

    held = dump_text(dump)
    assert resident.pk and b"2\xe5\x8d\x95\xe5\x85\x83301" in held  # the rows are in it ("2单元301")
    for secret in (*settings.HUIZHI_DATA_KEYS, settings.HUIZHI_LOOKUP_KEY, plain_id, plain_mobile):
        assert secret.encode() not in held  # no key, and personal data only as ciphertext

    alias = fresh_database()
    call_command("restore", str(dump), database=alias, verbosity=0)

    before, after = table_counts("default"), table_counts(alias)
    assert after == before
    assert after[Resident._meta.db_table] >= 1 and after[Case._meta.db_table] >= 2
    back = Resident.objects.using(alias).get(pk=resident.pk)
    assert (back.id_number, back.mobile, back.name) == (plain_id, plain_mobile, "备份测试")
    assert Resident.objects.using(alias).get(id_hash=resident.id_hash).pk == resident.pk  # lookups too


def test_a_restore_under_other_keys_says_the_keys_cannot_read_it(tmp_path, rows, fresh_database):
    dump = tmp_path / "huizhi.dump"
    call_command("backup", str(dump), verbosity=0)
    alias = fresh_database()
    with (
        override_settings(HUIZHI_DATA_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(CommandError, match="HUIZHI_DATA_KEYS cannot read"),
    ):
        call_command("restore", str(dump), database=alias, verbosity=0)


def test_a_restore_never_writes_over_a_database_with_tables_and_a_backup_never_over_a_file(
    tmp_path, rows, fresh_database
):
    dump = tmp_path / "huizhi.dump"
    call_command("backup", str(dump), verbosity=0)
    before = table_counts("default")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(dump), verbosity=0)
    assert table_counts("default") == before

    written = dump.read_bytes()
    with pytest.raises(CommandError, match="never overwrites"):
        call_command("backup", str(dump), verbosity=0)
    assert dump.read_bytes() == written

    alias = fresh_database()
    with pytest.raises(CommandError, match="No dump"):
        call_command("restore", str(tmp_path / "missing.dump"), database=alias, verbosity=0)
