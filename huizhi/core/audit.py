"""One writer of the audit trail (huizhi.core.models.AuditEntry), called by the services that
change the street's configuration and by the admin pages that edit it (AuditedAdmin)."""

from django.db import models

from huizhi.core.models import AuditEntry

COMMAND_LINE = "command line"
# Values never written into the trail, whatever the form called them.
_SECRET_WORDS = ("password", "secret", "key_hash", "token")


def _shown(name: str, value) -> str:
    if any(word in name for word in _SECRET_WORDS):
        return "********"
    if isinstance(value, models.Model):
        return f"{value._meta.label}:{value.pk} {value}"
    return str(value)[:200]


def audit_record(*, actor, action: str, target: models.Model, changes: dict | None = None) -> AuditEntry:
    """Record that `actor` (a user, or None for the command line) did `action` to `target`, with the
    new values of what changed."""
    is_user = getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=(str(actor) if is_user else COMMAND_LINE)[:150],
        action=action[:60],
        target=f"{target._meta.label}:{target.pk} {target}"[:200],
        changes={name: _shown(name, value) for name, value in (changes or {}).items()},
    )


def model_action(obj: models.Model, verb: str) -> str:
    return f"{obj._meta.label_lower}.{verb}"
