"""Queueing work that must happen if, and only if, the caller's transaction commits; and the
tasks a worker may run many calls of at once (the worker: huizhi.core's `db_worker` command)."""

import inspect
from collections.abc import Callable

from django.db import transaction
from django_tasks_db import DatabaseBackend


def enqueue_with_transaction(task, *args) -> None:
    """Queue `task(*args)` as part of the caller's transaction.

    A queue kept in the same database (HUIZHI_TASKS_BACKEND=database) takes the task's row inside
    the transaction: committed together with what it announces, or not at all — a process killed
    right after the commit still leaves the task for a worker. An in-process queue cannot wait for
    a worker, so there the task runs once the transaction has committed."""
    if runs_in_a_worker(task):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), robust=True)


def runs_in_a_worker(task) -> bool:
    """Whether `task` is queued for a task worker (the database queue), not run in this process."""
    return isinstance(task.get_backend(), DatabaseBackend)


# What a worker may hand many queued calls of one task at once (the task's path → its handler).
_batch_handlers: dict[str, Callable[[list[dict]], list]] = {}


def runs_in_batches(task, handler: Callable[[list[dict]], list]) -> None:
    """Let a worker that took many queued calls of `task` make them in one go: `handler(calls)`
    gets each call's arguments by name and returns each call's result, in order.

    The worker runs the handler in one transaction: it must write all or nothing, and on an error
    the worker makes each call on its own, so a bad call fails alone and the others still run."""
    _batch_handlers[task.module_path] = handler


def batch_handler(task_path: str) -> Callable[[list[dict]], list] | None:
    return _batch_handlers.get(task_path)


def batched_task_paths() -> list[str]:
    return sorted(_batch_handlers)


def call_arguments(task, args: list, kwargs: dict) -> dict:
    """A queued call's arguments by name, however it was queued (by position or by name)."""
    bound = inspect.signature(task.func).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)
