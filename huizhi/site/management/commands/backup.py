from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from huizhi.site.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Dump the database to FILE (PostgreSQL: pg_dump's custom format; SQLite: a copy). The dump "
        "holds no keys: keep HUIZHI_DATA_KEYS and HUIZHI_LOOKUP_KEY apart from it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, file: Path, database: str, **options):
        try:
            counts = backup(file, database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for table, rows in counts.items():
            if options["verbosity"] > 1:
                self.stdout.write(f"  {table:<40} {rows:>10}")
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {sum(counts.values())} rows in {len(counts)} tables to {file}.")
        )
