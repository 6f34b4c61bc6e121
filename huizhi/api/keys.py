"""API keys: made, checked and revoked here only."""

import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.api.models import ApiKey
from huizhi.core.audit import audit_record
from huizhi.core.crypto import lookup_hash
from huizhi.core.kept import KeptCopy
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

# The purpose of an API key's keyed hash. Stored hashes depend on it: changing it locks out every key.
API_KEY_HASH_PURPOSE = "api-key"
# A key names its record by this many hex digits (ApiKey.prefix), then its secret: hz_<prefix>_<secret>.
PREFIX_LENGTH = 8


def _hash(raw: str) -> str:
    return lookup_hash(API_KEY_HASH_PURPOSE, raw)


def api_key_create(*, name: str, place: Place, actor=None) -> tuple[ApiKey, str]:
    """A new key for a system over a street or community; returns the record and the key (shown once)."""
    if place.kind not in (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.DISTRICT):
        raise ValidationError(_("An API key is scoped to a district, street or community."))
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    raw = f"hz_{prefix}_{secrets.token_urlsafe(24)}"
    key = ApiKey.objects.create(name=name.strip()[:80], prefix=prefix, key_hash=_hash(raw), place=place)
    audit_record(actor=actor, action="api.apikey.create", target=key, changes={"place": place})
    return key, raw


LAST_USED_RESOLUTION = timedelta(minutes=1)


def _active_keys() -> dict[str, ApiKey]:
    return {key.prefix: key for key in ApiKey.objects.select_related("place").filter(revoked_at__isnull=True)}


# Every API request checks its key: the active keys are kept per process (a read of the key on each
# request was a sixth of a filing's CPU), following every write of a key (huizhi.api.apps). A key
# revoked stops at once in the process that revoked it and within a second in the others; while
# Redis is down (no version to check) within ten seconds: a copy is read again once `max_age` old,
# and one checked just before that is used for up to `check_every` more.
active_keys = KeptCopy("api:keys-version", _active_keys, check_every=1.0, max_age=9.0)


def _is_prefix(text: str) -> bool:
    """Whether `text` could be a key's prefix (api_key_create: eight lowercase hex digits): any
    other is refused before the database is asked (NUL bytes, a megabyte, another alphabet)."""
    return len(text) == PREFIX_LENGTH and all(c in "0123456789abcdef" for c in text)


def _read_active(prefix: str) -> ApiKey | None:
    """A key this process's copy does not hold: one made in another process since the copy was
    read (usable at once, not a second later), or none (a wrong key costs the read every request
    made before the keys were kept)."""
    return ApiKey.objects.select_related("place").filter(prefix=prefix, revoked_at__isnull=True).first()


def api_key_check(raw: str) -> ApiKey | None:
    """The active key `raw` names, or None (wrong, unknown or revoked)."""
    parts = (raw or "").split("_")
    if len(parts) < 3 or parts[0] != "hz" or not _is_prefix(parts[1]):
        return None
    key = active_keys.get().get(parts[1]) or _read_active(parts[1])
    if key is None or not hmac.compare_digest(key.key_hash, _hash(raw)):
        return None
    now = timezone.now()
    # Minute resolution is enough to see which keys are alive; writing on every request would make
    # each API read a write, serialised on the key's row under load. The kept key remembers the
    # write (an update() sends no signal, so the other processes keep their copies).
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_key_revoke(*, prefix: str, actor=None) -> ApiKey:
    key = ApiKey.objects.get(prefix=prefix)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api.apikey.revoke", target=key)
    return key
