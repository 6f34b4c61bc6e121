"""Writes of the notices app: publishing and withdrawing notices (official acts, audited), following
a place and the text-message preference (a resident's own choices)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.core.audit import audit_record, model_action
from huizhi.core.dates import EARLIEST_YEAR, LATEST_YEAR, in_supported_range
from huizhi.core.errors import Refusal
from huizhi.core.tasks import enqueue_with_transaction
from huizhi.core.text import clean_plain_text
from huizhi.notices.delivery import deliver_notice
from huizhi.notices.models import Follow, Notice, NoticePreference
from huizhi.notices.permissions import can_follow_place, can_publish_notice_at, can_withdraw_notice
from huizhi.places.models import Place

TITLE_MAX = 80
BODY_MAX = 2000


class NoticeError(Refusal):
    """A refused notice action: not_allowed, wrong_state, already, bad_input."""


def _text(value: str, label: str, max_length: int) -> str:
    try:
        return clean_plain_text(value, label=label, max_length=max_length, required=True)
    except ValidationError as exc:
        raise NoticeError(
            " ".join(exc.messages), field="title" if max_length == TITLE_MAX else "body"
        ) from exc


@transaction.atomic
def notice_publish(
    *, actor, place: Place, title: str, body: str, valid_from, valid_until, by_sms: bool = False
) -> Notice:
    """A notice to the residents of `place`, which the actor publishes for; the residents are told
    through the task queue once it is committed (a large community is many inbox lines)."""
    if not can_publish_notice_at(actor, place):
        raise NoticeError(_("You cannot publish a notice to this place."), code="not_allowed", field="place")
    title, body = _text(title, _("Title"), TITLE_MAX), _text(body, _("Text"), BODY_MAX)
    for moment, label, field in (
        (valid_from, _("Valid from"), "valid_from"),
        (valid_until, _("Valid until"), "valid_until"),
    ):
        # Before any arithmetic: a zone's offset from the year 1 (or a day added to 9999) overflows.
        if moment is not None and not in_supported_range(moment):
            raise NoticeError(
                _("%(name)s must be between the years %(first)d and %(last)d.")
                % {"name": label, "first": EARLIEST_YEAR, "last": LATEST_YEAR},
                field=field,
            )
    if valid_from is None or valid_until is None or valid_until <= valid_from:
        raise NoticeError(_("A notice must end after it begins."), field="valid_until")
    if valid_until <= timezone.now():
        raise NoticeError(_("This notice would already have ended."), field="valid_until")
    notice = Notice.objects.create(
        place=place,
        place_code=place.code,
        title=title,
        body=body,
        valid_from=valid_from,
        valid_until=valid_until,
        by_sms=bool(by_sms),
        author=actor,
    )
    audit_record(
        actor=actor,
        action=model_action(notice, "publish"),
        target=notice,
        changes={
            "place": place,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "by_sms": notice.by_sms,
        },
    )
    enqueue_with_transaction(deliver_notice, notice.pk)
    return notice


@transaction.atomic
def notice_withdraw(*, actor, notice_id: int) -> Notice:
    """Take a notice down: it leaves the public list at once (inbox lines already sent stay)."""
    notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
    if not can_withdraw_notice(actor, notice):
        raise NoticeError(_("You cannot withdraw this notice."), code="not_allowed")
    if notice.withdrawn_at is not None:
        raise NoticeError(_("This notice has already been withdrawn."), code="already")
    notice.withdrawn_at, notice.withdrawn_by = timezone.now(), actor
    notice.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_record(actor=actor, action=model_action(notice, "withdraw"), target=notice)
    return notice


@transaction.atomic
def place_follow(*, actor, place: Place) -> Follow:
    """Follow the compound or building of one's own home."""
    if not can_follow_place(actor, place):
        raise NoticeError(_("You can follow the compound and building of your own home."), code="not_allowed")
    try:
        with transaction.atomic():
            return Follow.objects.create(user=actor, place=place, place_code=place.code)
    except IntegrityError as exc:
        raise NoticeError(_("You already follow this place."), code="already") from exc


@transaction.atomic
def place_unfollow(*, actor, place: Place) -> None:
    """Stop following `place`; following it no longer is not an error a resident need see."""
    Follow.objects.filter(user=actor, place=place).delete()


@transaction.atomic
def notice_texts_set(*, actor, texts: bool) -> NoticePreference:
    """Whether the resident wants area notices by text message too (needs a mobile on the account)."""
    if not getattr(actor, "is_authenticated", False):
        raise NoticeError(_("Sign in first."), code="not_allowed")
    if texts and not actor.mobile:
        raise NoticeError(_("Your account has no mobile number to text."), field="texts")
    preference, _created = NoticePreference.objects.update_or_create(
        user=actor, defaults={"texts": bool(texts)}
    )
    return preference
