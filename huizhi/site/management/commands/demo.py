from django.core.management.base import BaseCommand
from django.db import connection

from huizhi.site.demo import DEMO_PASSWORD, demo_is_loaded, demo_logins, load_demo


class Command(BaseCommand):
    help = "Load the demo street (琅琊街道) into an empty database, then print the demo logins."

    def handle(self, *args, **options):
        if demo_is_loaded():
            self.stdout.write("The database already has places; the demo was not loaded again.")
        else:
            self.stdout.write("Loading the demo street 琅琊街道 …")
            load_demo()
            if connection.vendor == "sqlite":
                # Give SQLite's planner table statistics, so queues use their composite indexes.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            self.stdout.write(self.style.SUCCESS("Demo loaded."))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, scope in demo_logins():
            self.stdout.write(f"  {username:<22} {role:<20} {scope}")
