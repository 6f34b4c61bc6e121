import functools

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _


class ChoiceLabels:
    """A model's get_FOO_display() read from a table made once per field. Django's builds the
    table on every call, making each choice hashable: fifty rows of a list page called it a
    hundred times, a tenth of the page's time. The labels stay lazy, so each call still speaks
    the request's language."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(_choice_labels(field).get(make_hashable(value), value), strings_only=True)


@functools.cache
def _choice_labels(field) -> dict:
    return dict(make_hashable(field.flatchoices))


class AuditEntry(models.Model):
    """Who changed the street's configuration, what and when: role grants, categories and their
    time limits, routing rules, API keys and webhook subscriptions (huizhi.core.audit writes them,
    from the services and the admin alike). Never edited or deleted."""

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("who (as named then)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)  # e.g. "accounts.roleassignment.add"
    target = models.CharField(_("what"), max_length=200)  # "<model label>:<id> <its name>"
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"
