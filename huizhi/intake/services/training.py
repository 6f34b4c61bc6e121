"""Training the routing learner: from the database's closed cases (nightly) or an operator's sheet."""

import logging
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

from huizhi.core.errors import Refusal
from huizhi.intake import store, textmodel, trainingdata
from huizhi.intake.models import TrainedModel

logger = logging.getLogger(__name__)

# Below this many closed cases the keywords serve better than a learner that has seen little.
MIN_DATABASE_EXAMPLES = 30
# The newest closed cases only: what a street files drifts, and training time stays bounded.
MAX_DATABASE_EXAMPLES = 200_000


@dataclass
class FitResult:
    row: TrainedModel
    seconds: float
    unmapped_labels: list[str]


def routing_fit(*, path: str | None = None) -> FitResult:
    """Train the routing model from the sheet at `path`, or from closed cases without one, and put
    it in use. Refused (and the model in use kept) when the examples cannot be learnt from."""
    if path:
        examples, source = trainingdata.read_file(path), str(path).rsplit("/", 1)[-1]
    else:
        examples, source = trainingdata.from_database(limit=MAX_DATABASE_EXAMPLES), "database"
        if len(examples) < MIN_DATABASE_EXAMPLES:
            raise Refusal(
                _("Only %(n)d closed cases to learn from (%(min)d needed); keywords stay in use.")
                % {"n": len(examples), "min": MIN_DATABASE_EXAMPLES},
                code="too_few_examples",
            )
        # Subclasses closed only once or twice are dropped rather than refusing the whole night.
        examples = _without_rare(examples)
        trainingdata.check(examples)
    started = time.perf_counter()
    model = textmodel.fit(examples.titles, examples.texts, examples.labels, meta={"source": source})
    row = store.save(TrainedModel.Purpose.ROUTING, model, source=source)
    seconds = time.perf_counter() - started
    from huizhi.intake.services.suggestions import _by_label, _subclasses

    known = _by_label(_subclasses())
    unmapped = [label for label in model.labels if label not in known]
    logger.info(
        "Routing model %s trained on %d examples from %s in %.1f s", row.pk, len(examples), source, seconds
    )
    return FitResult(row=row, seconds=seconds, unmapped_labels=unmapped)


def _without_rare(examples: trainingdata.Examples, least: int = 3) -> trainingdata.Examples:
    from collections import Counter

    counts = Counter(examples.labels)
    keep = [i for i, label in enumerate(examples.labels) if counts[label] >= least]
    return trainingdata.Examples(
        [examples.titles[i] for i in keep],
        [examples.texts[i] for i in keep],
        [examples.labels[i] for i in keep],
    )
