from datetime import date

from django.core.management.base import BaseCommand, CommandError

from huizhi.stats import rollups


class Command(BaseCommand):
    help = (
        "Recompute the statistics' daily and monthly roll-ups from the cases (after a bulk load, a "
        "restore or a repair); the case events keep them from then on. Until it has run once, every "
        "figure is read from the cases directly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Recompute (required: says what it does).")
        parser.add_argument(
            "--since",
            type=date.fromisoformat,
            help="Only the sums from the first day of this date's month (YYYY-MM-DD) on.",
        )
        parser.add_argument(
            "--status", action="store_true", help="Say when they were rebuilt; change nothing."
        )

    def handle(self, *args, rebuild: bool, since: date | None, status: bool, **options):
        if status or not rebuild:
            state = rollups.state()
            if state is None:
                self.stdout.write("not built: figures are read from the cases (run with --rebuild)")
            else:
                self.stdout.write(
                    f"rebuilt {state.rebuilt_at:%Y-%m-%d %H:%M:%S} in {state.seconds} s"
                    f"{f' from {state.rebuilt_since}' if state.rebuilt_since else ''}; "
                    f"latest event kept {rollups.kept_as_of()}"
                )
            if not rebuild:
                return
        if since is not None and rollups.state() is None:
            raise CommandError("The roll-ups were never built whole: run --rebuild without --since first.")
        verbosity = options.get("verbosity", 1)

        def progress(done: int, total: int) -> None:
            if verbosity > 1 and (done == total or done % 50_000 < 2000):
                self.stderr.write(f"  {done:,} / {total:,} cases")

        state = rollups.rebuild(since, progress=progress)
        self.stdout.write(f"rebuilt in {state.seconds} s{f' from {state.rebuilt_since}' if since else ''}")
        if since is None and (tidied := rollups.compact_after_rebuild()):
            self.stdout.write(f"indexes rebuilt: {', '.join(tidied)}")
