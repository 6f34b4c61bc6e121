from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportSubmission(models.Model):
    """A report page's one-time key, kept with the case it filed: a phone that sends a queued
    report again after a lost answer (the network dropped after the save) gets that case back
    instead of filing a second one. Written by huizhi.cases.services.submissions only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("submission key"), max_length=64)
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        verbose_name = _("report submission")
        verbose_name_plural = _("report submissions")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_case_per_submission")]

    def __str__(self) -> str:
        return self.key
