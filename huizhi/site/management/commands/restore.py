from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from huizhi.site.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a dump made by `huizhi backup` into an empty database, and check that the data keys "
        "configured now read its personal data. Then run `huizhi migrate`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, file: Path, database: str, **options):
        try:
            counts = restore(file, database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for table, rows in counts.items():
            if options["verbosity"] > 1:
                self.stdout.write(f"  {table:<40} {rows:>10}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(counts.values())} rows in {len(counts)} tables; the data keys read them. "
                "Run `huizhi migrate` next (a newer release may add migrations)."
            )
        )
