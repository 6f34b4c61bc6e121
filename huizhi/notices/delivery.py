"""Telling people: a notice's recipients and the followers of a place, in tasks run after commit.

Every inbox line and text goes through `huizhi.cases.notifications.notify`. A notice to a whole
community is thousands of lines, so the task tells them a chunk at a time."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from huizhi.accounts.models import User
from huizhi.cases.notifications import notify
from huizhi.notices.models import Follow, Notice, NoticePreference
from huizhi.places.codes import CODE_RULES, subtree_q
from huizhi.places.kinds import PlaceKind
from huizhi.registry.models import Resident

CHUNK = 500
FOLLOWED_LENGTHS = (CODE_RULES[PlaceKind.COMPOUND][1], CODE_RULES[PlaceKind.BUILDING][1])


def followed_ancestors(code: str) -> list[str]:
    """The compound and building codes at or above `code` (the places a follower of it follows)."""
    return [code[:length] for length in FOLLOWED_LENGTHS if len(code) >= length]


def notice_recipients(notice: Notice) -> list[int]:
    """Account ids of the residents whose homes lie under the notice's place, and of those who
    follow a compound or building there (or the compound around a building's notice); sorted."""
    homes = Resident.objects.filter(
        subtree_q(notice.place_code, "place_code"),
        is_active=True,
        account__isnull=False,
        account__is_active=True,
    ).values_list("account_id", flat=True)
    follows = Follow.objects.filter(
        subtree_q(notice.place_code, "place_code") | Q(place_code__in=followed_ancestors(notice.place_code)),
        user__is_active=True,
    ).values_list("user_id", flat=True)
    return sorted(set(homes) | set(follows))


def notice_line(notice: Notice) -> str:
    """The inbox line (and text message) of a notice: where, what, when, and the text."""
    span = f"{timezone.localtime(notice.valid_from):%m-%d %H:%M}–{timezone.localtime(notice.valid_until):%m-%d %H:%M}"
    return _("Notice for %(place)s: %(title)s (%(span)s). %(body)s") % {
        "place": notice.place.label,
        "title": notice.title,
        "span": span,
        "body": notice.body,
    }


@task()
def deliver_notice(notice_id: int) -> int:
    """Tell the notice's recipients (a text too to those who asked for one, when the notice is sent
    by text); returns how many were told. A notice withdrawn before its turn tells no one."""
    notice = Notice.objects.select_related("place__parent").filter(pk=notice_id).first()
    if notice is None or notice.withdrawn_at is not None or notice.delivered_at is not None:
        return 0
    text = notice_line(notice)
    recipients = notice_recipients(notice)
    told = texted = 0
    for start in range(0, len(recipients), CHUNK):
        chunk = recipients[start : start + CHUNK]
        texted_users = []
        if notice.by_sms:
            wanting = NoticePreference.objects.filter(user_id__in=chunk, texts=True).values("user_id")
            texted_users = [user for user in User.objects.filter(pk__in=wanting) if user.mobile]
        told += notify(chunk, text, texted=texted_users)
        texted += len(texted_users)
    Notice.objects.filter(pk=notice.pk).update(
        delivered_at=timezone.now(), told_count=told, texted_count=texted
    )
    return told


def followers_of(place_code: str, *, exclude=()) -> list[int]:
    """Who follows the compound or building `place_code` lies in."""
    ids = Follow.objects.filter(
        place_code__in=followed_ancestors(place_code), user__is_active=True
    ).values_list("user_id", flat=True)
    return sorted(set(ids) - set(exclude))


@task()
def tell_followers(place_code: str, text: str, exclude: list[int]) -> int:
    """An inbox line to each follower of the place `place_code` lies in, but those in `exclude`."""
    return notify(followers_of(place_code, exclude=exclude), text)
