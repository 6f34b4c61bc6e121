"""Exactly-once filing for clients that retry (REST `Idempotency-Key`, Open311 the same header or a
`client_request_id` field).

The first answer is stored in the same transaction as the case it filed, so either both exist or
neither does: a retry after a lost response finds the stored answer and files nothing; a retry
after a failure (nothing committed) files as if it were the first. The same key with a different
request is refused (422), as it would otherwise hide the second request. Keys are kept for
`WINDOW`, per client (an API key or a user).
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from huizhi.api.clients import SystemClient
from huizhi.api.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEY_MAX = 255
WINDOW = timedelta(hours=24)
# Fields that say who asks or how to retry, not what is asked: a retry may move them (the key from
# the form to the X-Api-Key header) and is still the same request.
NOT_THE_REQUEST = ("api_key", "client_request_id")


class KeyReused(Exception):
    """The key names a different request already answered."""


class BadKey(ValueError):
    pass


def client_of(user) -> str:
    return f"key:{user.key.prefix}" if isinstance(user, SystemClient) else f"user:{user.pk}"


def fingerprint(request) -> str:
    """What the request asked, whatever its encoding: method, path, and the parsed fields (files by
    name and size)."""
    fields = []
    data = request.data  # a multipart body's files are among its fields
    items = data.lists() if hasattr(data, "lists") else data.items()
    for name, value in sorted(items, key=lambda item: str(item[0])):
        if name in NOT_THE_REQUEST:
            continue
        fields.append([str(name), json.dumps(value, ensure_ascii=False, sort_keys=True, default=_described)])
    canonical = json.dumps([request.method, request.path, fields], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _described(value) -> str:
    """A file by its name and size; anything else by its text."""
    if hasattr(value, "size") and hasattr(value, "name"):
        return f"{value.name}:{value.size}"
    return str(value)


def idempotency_key(request, *, field: str | None = None) -> str | None:
    """The key the client sent (header, or a form field where the protocol has no header), or None
    (an empty one is none)."""
    key = str(request.headers.get(HEADER) or (request.data.get(field) if field else None) or "").strip()
    if not key:
        return None
    if len(key) > KEY_MAX or not key.isprintable():
        raise BadKey(
            _("%(header)s is 1 to %(most)d printable characters.") % {"header": HEADER, "most": KEY_MAX}
        )
    return key


class _AnsweredMeanwhile(Exception):
    """A concurrent request with the same key committed first: ours is undone."""


def _as_bytes(response) -> tuple[bytes, str]:
    if isinstance(response, Response):
        return JSONRenderer().render(response.data), "application/json"
    return response.content, response["Content-Type"]


def answer_once(request, key: str, run: Callable[[], HttpResponse]) -> HttpResponse:
    """`run()`'s answer, stored with what it wrote when it succeeded (2xx); a retry gets it back."""
    client, asked = client_of(request.user), fingerprint(request)
    try:
        with transaction.atomic():
            stored = IdempotentRequest.objects.filter(client=client, key=key).first()
            if stored is not None and stored.created_at < timezone.now() - WINDOW:
                stored.delete()  # a key older than the window names nothing: this is a first request
                stored = None
            if stored is None:
                response = run()
                if not 200 <= response.status_code < 300:
                    return response  # nothing was filed: a retry runs again
                body, content_type = _as_bytes(response)
                # No savepoint of its own: a clash leaves the whole block, which undoes what we filed.
                try:
                    IdempotentRequest.objects.create(
                        client=client,
                        key=key,
                        fingerprint=asked,
                        status=response.status_code,
                        content_type=content_type,
                        body=body,
                    )
                except IntegrityError as exc:
                    raise _AnsweredMeanwhile from exc
                return response
    except _AnsweredMeanwhile:
        stored = IdempotentRequest.objects.get(client=client, key=key)
    if stored.fingerprint != asked:
        raise KeyReused
    replay = HttpResponse(bytes(stored.body), status=stored.status, content_type=stored.content_type)
    replay["Idempotent-Replayed"] = "true"
    return replay


def forget_expired() -> int:
    """Delete the stored answers older than the window (a daily job: `huizhi forget_idempotency_keys`);
    returns how many. A retry comes within minutes; a day's answers are kept so a client that was
    down overnight still gets its first answer."""
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=timezone.now() - WINDOW).delete()
    return deleted
