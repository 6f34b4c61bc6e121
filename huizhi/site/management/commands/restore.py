from pathlib import Path

from huizhi.site.backup import DumpCommand, restore


class Command(DumpCommand):
    help = (
        "Restore a dump made by `huizhi backup` into an empty database, and check that the data keys "
        "configured now read its personal data. Then run `huizhi migrate`."
    )

    def dump_step(self, file: Path, database: str) -> dict[str, int]:
        return restore(file, database)

    def success(self, file: Path, counts: dict[str, int]) -> str:
        return (
            f"Restored {sum(counts.values())} rows in {len(counts)} tables; the data keys read them. "
            "Run `huizhi migrate` next (a newer release may add migrations)."
        )
