"""Rows written before sign-in stopped storing typed mobiles: the lockout tables named the number
a failed sign-in was made with, and a pending text-code sign-in kept the number in the session.
Both now hold what the code writes today (huizhi.accounts.backends.login_identifier, the wall's
sign-in view): the account's username or the number's keyed hash."""

import re

from django.core.exceptions import ValidationError
from django.db import migrations

from huizhi.core.crypto import lookup_hash
from huizhi.core.mobile import normalize_mainland_mobile

_LOOKS_LIKE_PHONE = re.compile(r"^\+?[\d\s-]{11,16}$")
PENDING_SIGN_IN = "wall_login_mobile_hash"  # huizhi.wall.views


def _mobile_hash(value: str) -> str | None:
    if not value or not _LOOKS_LIKE_PHONE.match(value.strip()):
        return None
    try:
        # An account's mobile hash as it was computed when this migration was written (purpose
        # "user-mobile", huizhi.accounts.services.account_mobile_hash), frozen here so that renaming
        # or changing the service never changes what this step did.
        return lookup_hash("user-mobile", normalize_mainland_mobile(value))
    except ValidationError:
        return None


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for label in ("axes.AccessAttempt", "axes.AccessFailureLog"):
        model = apps.get_model(label)
        for row in model.objects.exclude(username=None).only("pk", "username").iterator():
            mobile_hash = _mobile_hash(row.username)
            if mobile_hash is None:
                continue
            account = User.objects.filter(mobile_hash=mobile_hash).values_list("username", flat=True).first()
            model.objects.filter(pk=row.pk).update(username=account or mobile_hash)

    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.iterator():
        data = store.decode(session.session_data)
        if "wall_login_mobile" not in data:
            continue
        mobile_hash = _mobile_hash(data.pop("wall_login_mobile"))
        if mobile_hash:
            data[PENDING_SIGN_IN] = mobile_hash
        Session.objects.filter(pk=session.pk).update(session_data=store.encode(data))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_logincode_pending_mobile"),
        ("axes", "0010_accessattemptexpiration"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
