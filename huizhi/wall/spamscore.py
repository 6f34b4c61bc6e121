"""A learnt spam score for wall posts, trained on the moderators' own decisions.

The hard rules (links, contacts, the lexicon, title lists, patterns) hold what they can name. Spam
that names none of them — "在家兼职刷单日结三百" with the contact left for a later reply — still reads
like what moderators rejected before. Every held post a moderator published or rejected is a labelled
example; the text learner of smart intake (huizhi.intake.textmodel) learns "spam" against "ham" from
them, and a new post it scores at HOLD_AT or above is held for a person with its own reason.

The score only ever adds a hold: it never rejects, never publishes what a rule held, and with no
model (or one that cannot be read) the rules decide alone, as before."""

import logging
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

from huizhi.core.errors import Refusal
from huizhi.intake import store, textmodel
from huizhi.intake.models import TrainedModel
from huizhi.intake.trainingdata import Examples
from huizhi.wall.models import PUBLIC_STAGES, Post, Stage

logger = logging.getLogger(__name__)

PURPOSE = TrainedModel.Purpose.WALL_SPAM
SPAM, HAM = "spam", "ham"
# The model's probability of "spam" at or above which a post waits for a moderator. High on
# purpose: a hold delays an honest neighbour, and the rules already hold the plain cases.
HOLD_AT = 0.8
# Fewer rejections than this teach the learner a few words, not spam: the rules stay alone.
MIN_EACH = 10
# Newest decisions only: spam changes its wording, and training time stays bounded.
MAX_EACH = 20_000


@dataclass
class FitResult:
    row: TrainedModel
    spam: int
    ham: int
    seconds: float


def moderation_examples(limit: int = MAX_EACH) -> Examples:
    """The moderators' decisions as labelled text, newest first.

    spam: posts held and then rejected. ham: posts held and then published, and posts published
    without a hold (the wall's ordinary traffic, which no one took down). A post rejected in triage
    after it was published is left out: that rejection says "not for the wall", not "spam"."""
    held = Post.objects.exclude(held_because=[]).order_by("-id")
    spam = list(held.filter(stage=Stage.REJECTED).values_list("title", "description")[:limit])
    # Held-then-published first: the honest posts that look most like spam teach the most.
    ham = list(
        held.filter(stage__in=PUBLIC_STAGES, published_at__isnull=False).values_list("title", "description")[
            :limit
        ]
    )
    plain = Post.objects.filter(held_because=[], stage__in=PUBLIC_STAGES).order_by("-id")
    ham += list(plain.values_list("title", "description")[: max(0, limit - len(ham))])
    out = Examples([], [], [])
    for label, rows in ((SPAM, spam), (HAM, ham)):
        for title, description in rows:
            out.titles.append(title)
            out.texts.append(description)
            out.labels.append(label)
    return out


def spam_model_fit(*, limit: int = MAX_EACH) -> FitResult:
    """Train the spam score on the moderators' decisions and put it in use; refused (and the model
    in use kept) with fewer than MIN_EACH examples of either label."""
    examples = moderation_examples(limit)
    spam, ham = examples.labels.count(SPAM), examples.labels.count(HAM)
    if spam < MIN_EACH or ham < MIN_EACH:
        raise Refusal(
            _(
                "Only %(spam)d rejected and %(ham)d published posts to learn from (%(min)d of each "
                "needed); the rules alone keep deciding."
            )
            % {"spam": spam, "ham": ham, "min": MIN_EACH},
            code="too_few_examples",
        )
    started = time.perf_counter()
    model = textmodel.fit(examples.titles, examples.texts, examples.labels, meta={"source": "moderation"})
    row = store.save(PURPOSE, model, source="moderation")
    seconds = time.perf_counter() - started
    logger.info("Wall spam model %s trained on %d spam and %d ham in %.1f s", row.pk, spam, ham, seconds)
    return FitResult(row=row, spam=spam, ham=ham, seconds=seconds)


def spam_probability(title: str, description: str) -> float | None:
    """The model's probability that the text is spam, or None when there is no usable model."""
    _model_id, model = store.current(PURPOSE)
    if model is None or SPAM not in model.labels:
        return None
    try:
        probs = model.predict([title], [description])[0]
    except Exception:  # a model that loads but cannot score must not stop residents posting
        logger.exception("Wall spam model cannot score; the rules decide alone")
        return None
    return float(probs[model.labels.index(SPAM)])


def reads_like_spam(title: str, description: str) -> bool:
    score = spam_probability(title, description)
    return score is not None and score >= HOLD_AT
