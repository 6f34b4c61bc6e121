from django.core.management.base import BaseCommand

from huizhi.cases.services import deadlines_sweep


class Command(BaseCommand):
    help = "Mark and notify cases that turned near due or overdue. Idempotent: run it every minute from cron."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be notified; change nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        result = deadlines_sweep(dry_run=dry_run)
        verb = "would notify" if dry_run else "notified"
        self.stdout.write(f"{verb}: {len(result.near_due)} near due, {len(result.overdue)} overdue")
        for label, ids in (("near due", result.near_due), ("overdue", result.overdue)):
            if ids:
                self.stdout.write(f"  {label}: " + ", ".join(f"HZ{pk:07d}" for pk in ids))
