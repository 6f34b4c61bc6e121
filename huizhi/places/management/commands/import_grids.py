from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huizhi.places.geojson import GeoJSONError
from huizhi.places.services import grids_import_file


class Command(BaseCommand):
    help = (
        "Create or update red grids from a GeoJSON FeatureCollection of Polygons, each with properties "
        "`code` (15 digits: community code + 3) and `name`. A bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        try:
            created, updated = grids_import_file(raw)
        except GeoJSONError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.problems)) from exc
        except ValidationError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"{created} grids created, {updated} updated."))
