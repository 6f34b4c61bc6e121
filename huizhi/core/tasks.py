"""Queueing work that must happen if, and only if, the caller's transaction commits."""

from django.db import transaction
from django_tasks_db import DatabaseBackend


def enqueue_with_transaction(task, *args) -> None:
    """Queue `task(*args)` as part of the caller's transaction.

    A queue kept in the same database (HUIZHI_TASKS_BACKEND=database) takes the task's row inside
    the transaction: committed together with what it announces, or not at all — a process killed
    right after the commit still leaves the task for a worker. An in-process queue cannot wait for
    a worker, so there the task runs once the transaction has committed."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), robust=True)
