from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DispatchDelegation(models.Model):
    """A community lets its grid workers accept and dispatch cases of one subclass themselves (the
    article's worker called the drain crew at once). Written by huizhi.cases.services.delegations."""

    community = models.ForeignKey(
        "places.Place",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "community"},
    )
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("dispatch by grid workers")
        verbose_name_plural = _("dispatch by grid workers")
        constraints = [
            models.UniqueConstraint(fields=["community", "category"], name="one_delegation_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.community_id}:{self.category_id}"
