"""Residents sign in with a one-time code sent to their mainland mobile (DESIGN §2, §5).

Only the code's keyed hash is stored, and the number only encrypted while its code is pending
(a first sign-in creates the account with it); the caller keeps the number's keyed hash between
the two steps, never the number. Sending is limited per number and per IP address; wrong codes
count against the number, and too many lock it for a while even with the right code.
"""

import hmac
import secrets
import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.accounts.models import LoginCode, User
from huizhi.accounts.scopes import has_console_role
from huizhi.accounts.services import account_mobile_hash, user_create, user_find_by_mobile_hash
from huizhi.core import crypto
from huizhi.core.errors import Refusal
from huizhi.core.mobile import normalize_mainland_mobile
from huizhi.core.sms import sms_backend

CODE_LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
PER_NUMBER_PER_HOUR = 5
PER_IP_PER_HOUR = 20
WRONG_CODES_ALLOWED = 5  # within LOCKOUT_WINDOW, for one number
LOCKOUT_WINDOW = timedelta(minutes=15)


class LoginCodeError(Refusal):
    """A refused code: bad_mobile, locked, too_soon, number_limit, ip_limit, expired, wrong, inactive, staff."""

    @property
    def status(self) -> int:
        """429 when a limit says wait (so a client backs off), 400 for a wrong or stale code."""
        return 429 if self.code in ("too_soon", "number_limit", "ip_limit", "locked") else 400


def _code_hash(mobile_hash: str, code: str) -> str:
    return crypto.lookup_hash("login-code", f"{mobile_hash}:{code}")


def _normalized(mobile: str) -> str:
    try:
        return normalize_mainland_mobile(mobile)
    except ValidationError as exc:
        raise LoginCodeError(" ".join(exc.messages), "bad_mobile") from exc


def _locked(mobile_hash: str, now) -> bool:
    return LoginCode.objects.filter(mobile_hash=mobile_hash, locked_until__gt=now).exists()


def _count_wrong_attempt(code: LoginCode, now) -> None:
    """One more wrong attempt; the one that reaches the limit locks the number for the window
    from now (not from when the code was sent)."""
    LoginCode.objects.filter(pk=code.pk).update(attempts=F("attempts") + 1)
    wrong = LoginCode.objects.filter(
        mobile_hash=code.mobile_hash, created_at__gte=now - LOCKOUT_WINDOW, locked_until__isnull=True
    ).aggregate(n=Sum("attempts"))["n"]
    if (wrong or 0) >= WRONG_CODES_ALLOWED:
        LoginCode.objects.filter(mobile_hash=code.mobile_hash, created_at__gte=now - LOCKOUT_WINDOW).update(
            locked_until=now + LOCKOUT_WINDOW
        )


def login_code_send(*, mobile: str, ip: str | None) -> str:
    """Text a new six-digit code to `mobile`, unless a limit says wait; the code lives 5 minutes.

    Returns the number's keyed hash: what a caller keeps until the code comes back."""
    mobile = _normalized(mobile)
    mobile_hash = account_mobile_hash(mobile)
    now = timezone.now()
    if _locked(mobile_hash, now):
        raise LoginCodeError(_("Too many wrong codes for this number. Try again in 15 minutes."), "locked")
    recent = LoginCode.objects.filter(mobile_hash=mobile_hash, created_at__gte=now - timedelta(hours=1))
    if recent.filter(created_at__gte=now - RESEND_AFTER).exists():
        raise LoginCodeError(
            _("A code was sent less than a minute ago. Wait a moment before asking again."), "too_soon"
        )
    if recent.count() >= PER_NUMBER_PER_HOUR:
        raise LoginCodeError(
            _("Too many codes were sent to this number. Try again in an hour."), "number_limit"
        )
    if (
        ip
        and LoginCode.objects.filter(ip=ip, created_at__gte=now - timedelta(hours=1)).count()
        >= PER_IP_PER_HOUR
    ):
        raise LoginCodeError(
            _("Too many codes were requested from this network. Try again later."), "ip_limit"
        )
    code = f"{secrets.randbelow(10**6):06d}"
    # Only the newest live code of a number keeps the number; expired codes keep none.
    LoginCode.objects.filter(Q(mobile_hash=mobile_hash) | Q(expires_at__lte=now)).exclude(
        pending_mobile=""
    ).update(pending_mobile="")
    LoginCode.objects.create(
        mobile_hash=mobile_hash,
        pending_mobile=crypto.encrypt(mobile),
        code_hash=_code_hash(mobile_hash, code),
        ip=ip,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    sms_backend().send(
        mobile,
        _("Your huizhi sign-in code is %(code)s. It expires in 5 minutes; tell no one.") % {"code": code},
    )
    return mobile_hash


def _pending_mobile(code: LoginCode) -> str:
    try:
        return crypto.decrypt(code.pending_mobile) if code.pending_mobile else ""
    except ValueError:  # sealed under a key since retired
        return ""


def login_code_verify(*, code: str, mobile: str = "", mobile_hash: str = "") -> User:
    """The resident's account (created on first sign-in) when `code` is the live code for the
    number, given as typed (`mobile`) or as the hash `login_code_send` returned (`mobile_hash`)."""
    typed = _normalized(mobile) if mobile or not mobile_hash else ""
    if typed:
        mobile_hash = account_mobile_hash(typed)
    now = timezone.now()
    code = (code or "").strip()
    if _locked(mobile_hash, now):
        raise LoginCodeError(_("Too many wrong codes for this number. Try again in 15 minutes."), "locked")
    with transaction.atomic():
        live = (
            LoginCode.objects.select_for_update()
            .filter(mobile_hash=mobile_hash, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if live is not None and _locked(mobile_hash, now):
            # Checked again under the row lock: guesses sent at once all passed the check above.
            raise LoginCodeError(
                _("Too many wrong codes for this number. Try again in 15 minutes."), "locked"
            )
        right = live is not None and hmac.compare_digest(live.code_hash, _code_hash(mobile_hash, code))
        if live is not None and not right:
            # Counted before the error below, which is raised outside this transaction.
            _count_wrong_attempt(live, now)
        elif right:
            pending = typed or _pending_mobile(live)
            live.used_at, live.pending_mobile = now, ""
            live.save(update_fields=["used_at", "pending_mobile"])
            user = user_find_by_mobile_hash(mobile_hash)
            if user is None and not pending:
                live = None  # the number cannot be read back: ask for a new code
            elif user is None:
                # The username says nothing about the person; they sign in by number.
                user = user_create(username=f"r-{uuid.uuid4().hex[:12]}", password=None, mobile=pending)
    if live is None:
        raise LoginCodeError(_("This code has expired or was never sent. Ask for a new one."), "expired")
    if not right:
        raise LoginCodeError(_("That code is not right. Check the text message and try again."), "wrong")
    if not user.is_active:
        raise LoginCodeError(_("This account is disabled."), "inactive")
    if user.is_staff or has_console_role(user):
        # A texted code is enough for a resident, not for the console's personal data.
        raise LoginCodeError(_("Staff accounts sign in with their password."), "staff")
    return user
