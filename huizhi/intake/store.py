"""Trained models in and out of the database, loaded once per process.

A process keeps the newest model of each purpose in memory and asks the database for a newer one
at most every RELOAD_CHECK_SECONDS (one indexed query on the id): the nightly retraining reaches
every app server within seconds, and a suggestion almost never waits on the database for it.
A model that fails to load is logged once and skipped: callers then fall back (keywords for
routing, the hard rules alone for the wall)."""

import logging
import threading
import time
from dataclasses import dataclass

from django.db import transaction

from huizhi.intake import textmodel
from huizhi.intake.models import TrainedModel

logger = logging.getLogger(__name__)

RELOAD_CHECK_SECONDS = 15.0
KEEP = 5  # older models of a purpose are deleted past this many


@dataclass
class _Slot:
    model_id: int | None = None  # the row in use (or the one that failed to load)
    model: textmodel.TextModel | None = None
    checked_at: float = float("-inf")


_slots: dict[str, _Slot] = {}
_lock = threading.Lock()


def save(purpose: str, model: textmodel.TextModel, *, source: str) -> TrainedModel:
    """Store a newly trained model; from now on it is the one in use (in this process at once, in
    the others within RELOAD_CHECK_SECONDS)."""
    data = model.dumps()
    with transaction.atomic():
        row = TrainedModel.objects.create(
            purpose=purpose,
            source=source[:200],
            examples=int(model.meta.get("examples", 0)),
            labels=model.labels,
            data=data,
            checksum=textmodel.checksum(data),
        )
        stale = TrainedModel.objects.filter(purpose=purpose).values_list("id", flat=True)[KEEP:]
        TrainedModel.objects.filter(id__in=list(stale)).delete()
    with _lock:
        _slots[purpose] = _Slot(model_id=row.pk, model=model, checked_at=time.monotonic())
    return row


def current(purpose: str) -> tuple[int | None, textmodel.TextModel | None]:
    """(row id, model) of the newest loadable model of `purpose`, or (id, None) when there is none
    or the newest one cannot be read (logged once per row)."""
    now = time.monotonic()
    slot = _slots.get(purpose)
    if slot is not None and now - slot.checked_at < RELOAD_CHECK_SECONDS:
        return slot.model_id, slot.model
    newest = TrainedModel.objects.filter(purpose=purpose).values_list("id", flat=True).first()
    with _lock:
        slot = _slots.setdefault(purpose, _Slot())
        slot.checked_at = now
        if newest == slot.model_id:
            return slot.model_id, slot.model
        slot.model_id, slot.model = newest, _load(newest) if newest is not None else None
        return slot.model_id, slot.model


def _load(row_id: int) -> textmodel.TextModel | None:
    row = TrainedModel.objects.filter(pk=row_id).only("data", "checksum").first()
    if row is None:
        return None
    data = bytes(row.data)
    try:
        if textmodel.checksum(data) != row.checksum:
            raise ValueError("checksum does not match: the stored bytes changed")
        return textmodel.TextModel.loads(data)
    except ValueError as error:
        logger.error("Trained model %s cannot be loaded (%s); falling back", row_id, error)
        return None


def forget() -> None:
    """Drop what this process holds (tests; a fresh start)."""
    with _lock:
        _slots.clear()
