from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TrainedModel(models.Model):
    """A learner's trained arrays (huizhi.intake.textmodel), newest per purpose in use.

    Kept in the database rather than a file: every app server and task worker already reaches the
    database, so the nightly retraining on one worker is in use on every server without a shared
    disk. The bytes are numpy arrays read with pickling off: nothing stored here can run code."""

    class Purpose(models.TextChoices):
        ROUTING = "routing", _("category suggestions")
        WALL_SPAM = "wall_spam", _("wall spam score")

    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    created_at = models.DateTimeField(_("trained at"), default=timezone.now)
    source = models.CharField(_("trained from"), max_length=200)  # "database", a file's name
    examples = models.PositiveIntegerField(_("examples"))
    labels = models.JSONField(_("labels"), default=list)
    data = models.BinaryField(_("model"))
    checksum = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("trained model")
        verbose_name_plural = _("trained models")
        ordering = ["-id"]
        indexes = [models.Index(fields=["purpose", "-id"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk} ({self.examples})"


class CategoryKeywords(models.Model):
    """Words that point to a subclass, for a street with no history to learn from (cold start).

    Kept in the admin; defaults for the demo's categories come from huizhi.intake.defaults."""

    category = models.OneToOneField(
        "cases.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="intake_keywords",
    )
    keywords = models.TextField(
        _("keywords"),
        help_text=_("Words or phrases that point to this subclass, separated by spaces or commas."),
    )

    class Meta:
        verbose_name = _("category keywords")
        verbose_name_plural = _("category keywords")

    def __str__(self) -> str:
        return str(self.category)

    def words(self) -> list[str]:
        import re

        return [w for w in re.split(r"[\s,，、;；]+", self.keywords.lower()) if w]


class SuggestionQuerySet(models.QuerySet):
    def judged(self) -> "SuggestionQuerySet":
        """The rows where a person chose the category: the only ones that say how good the
        suggestions are (a case filed under the first suggestion, with no person choosing, is a
        top-1 "hit" by construction)."""
        return self.filter(chosen_by=Suggestion.ChosenBy.PERSON)

    def accuracy(self) -> "Accuracy":
        """Top-1 and top-3 accuracy on live traffic, over the judged rows among these."""
        counts = self.judged().aggregate(
            n=models.Count("id"),
            top1=models.Count("id", filter=models.Q(top1=True)),
            top3=models.Count("id", filter=models.Q(top3=True)),
        )
        return Accuracy(counts["n"], counts["top1"], counts["top3"])


@dataclass(frozen=True)
class Accuracy:
    judged: int  # reports whose category a person chose
    top1: int  # … and it was the first suggestion
    top3: int  # … and it was among the suggestions

    @property
    def top1_rate(self) -> float | None:
        return self.top1 / self.judged if self.judged else None

    @property
    def top3_rate(self) -> float | None:
        return self.top3 / self.judged if self.judged else None


class Suggestion(models.Model):
    """What intake suggested for a filed case next to what the case was filed as: accuracy on live
    traffic (top-1 and top-3) is a query over these rows (`Suggestion.objects.accuracy()`), the
    rows where intake itself chose the category (`chosen_by`) left out."""

    class ChosenBy(models.TextChoices):
        PERSON = "person", _("a person")
        # REST and Open311 filings that name no category (huizhi.api.suggesting)
        SUGGESTION = "suggestion", _("the first suggestion, no person choosing")

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="intake_suggestion"
    )
    suggested = models.JSONField(_("suggested"), default=list)  # [[category code, confidence], …]
    chosen = models.ForeignKey(
        "cases.Category", verbose_name=_("chosen"), on_delete=models.PROTECT, related_name="+"
    )

    class Method(models.TextChoices):
        MODEL = "model", _("trained model")
        KEYWORDS = "keywords", _("keywords")
        NONE = "none", _("no suggestion")

    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    model = models.ForeignKey(
        TrainedModel,
        verbose_name=_("model"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    chosen_by = models.CharField(
        _("chosen by"), max_length=16, choices=ChosenBy.choices, default=ChosenBy.PERSON
    )
    # None where no person chose (chosen_by = suggestion): neither a hit nor a miss.
    top1 = models.BooleanField(_("first suggestion chosen"), null=True, default=False)
    top3 = models.BooleanField(_("chosen among the suggestions"), null=True, default=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("category suggestion")
        verbose_name_plural = _("category suggestions")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.suggested[:1]} → {self.chosen_id}"


class CaseSupport(models.Model):
    """A person who found their problem already reported and supported that case instead of filing
    it again (the report page's "support this one instead"). Counted on the case with the cases
    merged into it."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="intake_supports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supporter"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("case support")
        verbose_name_plural = _("case supports")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="intake_support_once")]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.user_id}"


class CaseSignature(models.Model):
    """What the duplicate lookup needs of an open case, kept when the case is reported and dropped
    when it closes (intake's outbound subscriber): its community and compound, its point, when it
    was reported, and its text's character-bigram counts (huizhi.intake.duplicates.pack). A lookup
    reads one community's recent rows through the index and compares them in memory, never
    re-reading nor re-cutting the cases' texts. A copy, never the truth: the cases offered are
    read again from the case table (open, recent, visible to the asker)."""

    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    community_code = models.CharField(_("community code"), max_length=32)
    compound_code = models.CharField(_("compound code"), max_length=32, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"))
    signature = models.BinaryField(_("signature"))

    class Meta:
        verbose_name = _("case signature")
        verbose_name_plural = _("case signatures")
        indexes = [models.Index(fields=["community_code", "-created_at"], name="intake_sig_community")]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.community_code}"
