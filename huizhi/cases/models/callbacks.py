from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.cases.states import Rating


class CallBack(models.Model):
    """A call-back (回访) after a case closed: staff rang the person concerned, reached them or
    not, and heard how satisfied they are. Written by huizhi.cases.services.callbacks only, with a
    `callback` line on the case's timeline; a reached one counts in the satisfaction rate."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="callbacks"
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("called by"), on_delete=models.PROTECT, related_name="+"
    )
    # Who was rung, as a label ("the reporter", "the residents of 扬天小区 11栋"): no number is kept here.
    callee = models.CharField(_("person called"), max_length=120, blank=True)
    reached = models.BooleanField(_("reached"))
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Rating.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    called_at = models.DateTimeField(_("called at"), default=timezone.now)

    class Meta:
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        ordering = ["-called_at", "-id"]
        indexes = [models.Index(fields=["called_at"]), models.Index(fields=["case", "called_at"])]
        constraints = [
            # Reached: a satisfaction heard; not reached: none.
            models.CheckConstraint(
                condition=(Q(reached=True) & ~Q(satisfaction="")) | (Q(reached=False) & Q(satisfaction="")),
                name="callback_satisfaction_iff_reached",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(reached=True), name="callback_one_reached_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.called_at:%Y-%m-%d}"
