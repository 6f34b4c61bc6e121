from django.core.management.base import BaseCommand

from huizhi.api.idempotency import WINDOW, forget_expired


class Command(BaseCommand):
    help = "Delete the stored first answers of filings older than the idempotency window. Run it daily."

    def handle(self, *args, **options):
        self.stdout.write(f"{forget_expired()} answers older than {WINDOW} forgotten.")
