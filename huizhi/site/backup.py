"""Backups of the database, and their restore (`huizhi backup FILE`, `huizhi restore FILE`).

A dump holds the database and nothing else: the data keys (HUIZHI_DATA_KEYS, HUIZHI_LOOKUP_KEY)
live in the environment, never in a table, so a dump holds ID numbers and mobiles only as
ciphertext and keyed hashes. Keep the keys apart from the dumps (docs/operations.md); a restore
needs the same keys to read them, and `restore` checks that they do.

PostgreSQL: `pg_dump --format=custom` and `pg_restore`, given the connection through PG*
environment variables (a password on the command line would show in `ps`). SQLite: the sqlite3
online backup API, a consistent copy even while the app writes.
"""

import os
import re
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from huizhi.core import crypto
from huizhi.registry.services.privacy import encrypted_fields


class BackupError(Exception):
    """Said to the operator as it is: what went wrong and what to do."""


def _pg_env(settings_dict: dict) -> dict[str, str]:
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS", {})
    if options.get("sslmode"):
        env["PGSSLMODE"] = options["sslmode"]
    if options.get("connect_timeout"):
        env["PGCONNECT_TIMEOUT"] = str(options["connect_timeout"])
    # The web servers' statement_timeout (OPTIONS "options") is left out on purpose: a dump of a
    # large database runs for minutes and must not be cancelled half-way.
    env.pop("PGOPTIONS", None)
    return env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.returncode}")


def _check_pg_tools(connection: BaseDatabaseWrapper, tool: str) -> None:
    """pg_dump and pg_restore refuse a server newer than themselves; say so before starting."""
    try:
        version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BackupError(f"{tool} is needed for a PostgreSQL database; install postgresql-client.") from exc
    found = re.search(r"\)\s*(\d+)", version)  # "pg_dump (PostgreSQL) 15.20 (Debian …)"
    if found is None:
        raise BackupError(f"Cannot read the version of {tool}: {version.strip()!r}.")
    tool_major = int(found.group(1))
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    if tool_major < server_major:
        raise BackupError(
            f"{tool} {tool_major} is older than the server ({server_major}); install a newer client."
        )


def table_counts(alias: str = "default") -> dict[str, int]:
    """Rows in every table of the database, by table name: what a restore must give back."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 — names from the catalogue
            counts[table] = cursor.fetchone()[0]
    return counts


def backup(path: Path, alias: str = "default") -> dict[str, int]:
    """Dump the database to `path` (which must not exist), readable by its owner only; returns
    the table counts it holds. Written beside and renamed, so a dump that exists is complete."""
    if path.exists():
        raise BackupError(f"{path} exists; a backup never overwrites one.")
    connection = connections[alias]
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))  # private before any byte
    try:
        if connection.vendor == "postgresql":
            _check_pg_tools(connection, "pg_dump")
            command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
            _run(command, _pg_env(connection.settings_dict))
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            raise BackupError(f"No backup for a {connection.vendor} database.")
        counts = table_counts(alias)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def restore(path: Path, alias: str = "default") -> dict[str, int]:
    """Restore the dump at `path` into the database `alias`, which must be empty (no tables);
    returns the restored table counts. All or nothing on PostgreSQL (one transaction).

    Raises BackupError after restoring when the configured data keys cannot read the restored
    personal data: the dump was made under other keys, which must be found before going on."""
    if not path.is_file():
        raise BackupError(f"No dump at {path}.")
    connection = connections[alias]
    if connection.introspection.table_names():
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} is not empty; restore into a new, empty one."
        )
    if connection.vendor == "postgresql":
        _check_pg_tools(connection, "pg_restore")
        command = [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(path),
        ]
        _run(command, _pg_env(connection.settings_dict))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # a restored database has no planner statistics yet
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not an SQLite backup: {exc}") from exc
        finally:
            source.close()
    else:
        raise BackupError(f"No restore for a {connection.vendor} database.")
    counts = table_counts(alias)
    _check_keys_read(alias)
    return counts


def _check_keys_read(alias: str) -> None:
    """One stored value of each encrypted column, decrypted with the keys configured now."""
    from django.apps import apps

    connection = connections[alias]
    quote = connection.ops.quote_name
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for label, fields in encrypted_fields():
            model = apps.get_model(label)
            if model._meta.db_table not in tables:
                continue  # a dump from an older release; `migrate` adds the table
            for name in fields:
                column = quote(model._meta.get_field(name).column)
                cursor.execute(
                    f"SELECT {column} FROM {quote(model._meta.db_table)} "  # noqa: S608 — names from the models
                    f"WHERE {column} IS NOT NULL AND {column} <> '' LIMIT 1"
                )
                row = cursor.fetchone()
                if row is None:
                    continue
                try:
                    crypto.decrypt(row[0])
                except ValueError as exc:
                    raise BackupError(
                        f"Restored, but HUIZHI_DATA_KEYS cannot read {label}.{name}: the dump was made under "
                        "other keys. Start the app with the keys in use when it was made (newest first)."
                    ) from exc


class DumpCommand(BaseCommand):
    """`huizhi backup` and `huizhi restore`: FILE and --database in, a BackupError as the command's
    error, each table's rows at -v 2, then the subclass's line of success."""

    def dump_step(self, file: Path, database: str) -> dict[str, int]:
        raise NotImplementedError

    def success(self, file: Path, counts: dict[str, int]) -> str:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, file: Path, database: str, **options):
        try:
            counts = self.dump_step(file, database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for table, rows in counts.items():
            if options["verbosity"] > 1:
                self.stdout.write(f"  {table:<40} {rows:>10}")
        self.stdout.write(self.style.SUCCESS(self.success(file, counts)))
