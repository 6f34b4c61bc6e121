from pathlib import Path

from huizhi.site.backup import DumpCommand, backup


class Command(DumpCommand):
    help = (
        "Dump the database to FILE (PostgreSQL: pg_dump's custom format; SQLite: a copy). The dump "
        "holds no keys: keep HUIZHI_DATA_KEYS and HUIZHI_LOOKUP_KEY apart from it."
    )

    def dump_step(self, file: Path, database: str) -> dict[str, int]:
        return backup(file, database)

    def success(self, file: Path, counts: dict[str, int]) -> str:
        return f"Backed up {sum(counts.values())} rows in {len(counts)} tables to {file}."
