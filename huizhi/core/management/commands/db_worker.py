"""`db_worker`: django_tasks_db's worker (this command takes its name and its options), which takes
the queued calls of a task that runs in batches (huizhi.core.tasks.runs_in_batches) up to BATCH at a
time and makes them in one go; every other task is taken and run one at a time, as there.

Why: a notice task is queued for every case event. Taken one at a time, each cost the worker eight
round trips (taking it, its reads, marking it done) and ~6 ms of CPU, so one worker fell behind
intake at ~80 cases a second on two cores. A batch of them costs a handful of statements in all.

A batch's calls and their marking as done are one transaction: the work is saved with its record
or not at all. If the batch fails, each call is made again on its own (django_tasks_db's way: a
call that fails is marked failed with its traceback), so one bad call never fails the others.
"""

import random
import time
from datetime import timedelta

from django.db import close_old_connections, transaction
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as upstream
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from huizhi.core.tasks import batch_handler, batched_task_paths, call_arguments

BATCH = 100  # calls taken at once: a batch's inbox lines are one insert of a few hundred rows
BATCH_GATHER_SECONDS = 0.2  # at most this much later a notice is delivered
READY, RUNNING, SUCCESSFUL = "READY", "RUNNING", "SUCCESSFUL"
# A batch takes well under a second: one claimed this long ago whose worker is gone is abandoned.
ABANDONED_AFTER = timedelta(minutes=10)
REQUEUE_EVERY_SECONDS = 60.0
logger = upstream.logger


class BatchingWorker(upstream.Worker):
    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 — workers started together do not poll together
        requeued_at = 0.0
        while self.running:
            close_old_connections()  # a connection dropped while asleep is replaced here
            if time.monotonic() - requeued_at > REQUEUE_EVERY_SECONDS:
                requeue_abandoned_batches()
                requeued_at = time.monotonic()
            self._taken = []
            try:
                taken, asked = self._take(), True
                if len(taken) > 1:
                    self._run_batch(taken)
                elif taken:
                    self.run_task(taken[0])
            except OperationalError as error:
                if not is_locked_database_exception(error):  # SQLite busy: ask again later
                    raise
                taken, asked = [], False
            except BaseException:
                # Stopped by force (a second Ctrl-C or SIGTERM) between taking calls and finishing
                # them: those not finished go back to the queue for the next worker, not left
                # RUNNING (a batch's work is undone with its transaction).
                _put_back(self._taken)
                raise
            if len(taken) > 1 and len(taken) < BATCH:
                # Let the next batch gather: taken as they came, a few at a time, each batch
                # paid its dozen round trips for a handful of calls (3.3 ms a case at 100/s).
                time.sleep(min(self.interval, BATCH_GATHER_SECONDS))
            if self.batch and asked and not taken:
                logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Run maximum tasks (%d) on worker=%s - exiting gracefully.",
                    self._run_tasks,
                    self.worker_id,
                )
                return
            close_old_connections()
            if self.running and not taken:
                time.sleep(self.interval)

    def _ready(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def _take(self) -> list[DBTaskResult]:
        """The next ready task, claimed; and when its task runs in batches, up to BATCH - 1 more
        ready calls of it that no other worker holds, claimed with it (in the queue's order)."""
        tasks = self._ready()
        with exclusive_transaction(tasks.db):
            first = tasks.get_locked()
            if first is None:
                return []
            self._taken = [first]  # claimed once this commits: put back if the worker is stopped
            if batch_handler(first.task_path) is None:
                first.claim(self.worker_id)
                return [first]
            room = BATCH - 1
            if self.max_tasks is not None:
                room = min(room, self.max_tasks - self._run_tasks - 1)
            more = tasks.filter(task_path=first.task_path).exclude(pk=first.pk)
            taken = self._taken = [first, *more.select_for_update(skip_locked=True)[: max(room, 0)]]
            _update(
                taken,
                lambda row: {"worker_ids": [*row.worker_ids, self.worker_id]},
                status=RUNNING,
                started_at=timezone.now(),
            )
        return taken

    def _run_batch(self, taken: list[DBTaskResult]) -> None:
        path = taken[0].task_path
        self.running_task = True
        try:
            task = taken[0].task
            calls = [
                call_arguments(task, row.args_kwargs["args"], row.args_kwargs["kwargs"]) for row in taken
            ]
            with transaction.atomic():
                results = list(batch_handler(path)(calls))
                if len(results) != len(taken):
                    raise ValueError(f"{path}'s batch gave {len(results)} results for {len(taken)} calls")
                returned = dict(zip((row.pk for row in taken), results, strict=True))
                _update(
                    taken,
                    lambda row: {"return_value": returned[row.pk]},
                    status=SUCCESSFUL,
                    finished_at=timezone.now(),
                    exception_class_path="",
                    traceback="",
                )
        except Exception:
            logger.exception("A batch of %d calls of %s failed: each is made on its own", len(taken), path)
            self.running_task = False
            for row in taken:
                self.run_task(row)
            return
        self.running_task = False
        self._run_tasks += len(taken)
        logger.info("Ran %d calls of %s at once", len(taken), path)


def _put_back(rows: list[DBTaskResult]) -> None:
    """Those of `rows` still RUNNING back in the queue (READY): taken and never finished."""
    if rows:
        with transaction.atomic():
            DBTaskResult.objects.filter(pk__in=[row.pk for row in rows], status=RUNNING).update(
                status=READY, started_at=None
            )


def requeue_abandoned_batches(now=None) -> int:
    """Calls of tasks that run in batches, claimed more than ABANDONED_AFTER ago and still RUNNING,
    back in the queue: their worker was killed (SIGKILL, out of memory) while they ran. A batch's
    work and its marking as done are one transaction, so such a call did nothing and is made again;
    only a call a failed batch was making on its own may have written its rows (then twice)."""
    now = now or timezone.now()
    return DBTaskResult.objects.filter(
        status=RUNNING, task_path__in=batched_task_paths(), started_at__lt=now - ABANDONED_AFTER
    ).update(status=READY, started_at=None)


def _update(rows: list[DBTaskResult], varying, **same) -> None:
    """Set `same` on every row and `varying(row)`'s fields on each: one UPDATE for each distinct
    value of the varying fields (a batch's rows nearly all share one), not a CASE per row, which
    cost the worker more than the batch's own work."""
    groups: dict[str, tuple[dict, list]] = {}
    for row in rows:
        fields = varying(row)
        groups.setdefault(repr(sorted(fields.items())), (fields, []))[1].append(row.pk)
    for fields, pks in groups.values():
        DBTaskResult.objects.filter(pk__in=pks).update(**same, **fields)


class Command(upstream.Command):
    help = "Run a database background worker (calls of a task that runs in batches taken together)"

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning(
                "Warning: --reload and --batch cannot be specified together. Disabling autoreload."
            )
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise upstream.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = BatchingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if upstream.os.environ.get(upstream.DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child
            upstream.run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
