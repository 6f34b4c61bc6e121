"""The empty-nest watch (邻里守望·情暖空巢): the list, its watchers, contacts and the two-misses alert."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import is_within, scopes_of, subtree_q
from huizhi.care.kinds import (
    CADENCE_DAYS,
    ELDERLY_AGE,
    MISSES_FOR_ALERT,
    AlertKind,
    ContactMethod,
    ContactOutcome,
    Risk,
    WatcherKind,
)
from huizhi.care.models import CareAlert, WatchContact, WatchedResident, Watcher
from huizhi.care.permissions import can_log_contact, can_manage_watch, keeps_watch_over
from huizhi.care.services.common import CareError, clean_text, holders, notify, require
from huizhi.registry.models import Resident
from huizhi.registry.tags import Tag, age, tag_q

# Case subclass for "needs help" (社区事务 › 居家养老服务).
NEEDS_HELP_CATEGORY = "1101"


def risk_of(resident: Resident, today) -> str | None:
    """The watch risk of an elder, or None when the registry gives no reason to watch them."""
    years = age(resident.birth_date, today)
    if years < ELDERLY_AGE:
        return None
    if years >= 80 and resident.lives_alone:
        return Risk.HIGH
    if years >= 80 or resident.lives_alone:
        return Risk.ELEVATED
    if resident.empty_nest:
        return Risk.NORMAL
    return None


def _new_watched(resident: Resident, risk: str, actor, now) -> WatchedResident:
    # First contact is due at once: a new entry has never been reached by the watch.
    return WatchedResident(
        resident=resident,
        place_code=resident.place_code,
        risk=risk,
        cadence_days=CADENCE_DAYS[risk],
        due_at=now,
        added_by=actor,
        added_at=now,
    )


def watch_add(*, actor, resident: Resident) -> WatchedResident:
    """An elder (60+, and 80+, living alone or empty-nest) put on the watch of their community."""
    require(
        can_manage_watch(actor, resident.place_code),
        _("Only the community's staff can change its watch list."),
        "not_allowed",
    )
    now = timezone.now()
    risk = risk_of(resident, timezone.localdate(now))
    require(
        risk is not None,
        _("%(name)s is not 80+, living alone or empty-nest at 60+, so is not watched.")
        % {"name": resident.name},
        "wrong_age",
    )
    require(
        resident.is_active,
        _("%(name)s is no longer active in the registry.") % {"name": resident.name},
        "bad_input",
    )
    try:
        with transaction.atomic():
            watched = _new_watched(resident, risk, actor, now)
            watched.save()
            return watched
    except IntegrityError as exc:
        raise CareError(
            _("%(name)s is already on the watch list.") % {"name": resident.name}, code="duplicate"
        ) from exc


@transaction.atomic
def watch_list_build(*, actor, community_code: str) -> int:
    """Everyone of the community the registry tags 80+, living alone or empty-nest (aged 60+) and
    not yet watched, added with the cadence of their risk. Returns how many were added."""
    require(
        can_manage_watch(actor, community_code),
        _("Only the community's staff can change its watch list."),
        "not_allowed",
    )
    now = timezone.now()
    today = timezone.localdate(now)
    candidates = (
        Resident.objects.filter(subtree_q(community_code, "place_code"), is_active=True)
        .filter(tag_q(Tag.AGE_60, today))
        .filter(tag_q(Tag.AGE_80, today) | tag_q(Tag.LIVES_ALONE, today) | tag_q(Tag.EMPTY_NEST, today))
        .exclude(watch_entries__isnull=False)
    )
    rows = []
    for resident in candidates:
        risk = risk_of(resident, today)
        if risk is not None:
            rows.append(_new_watched(resident, risk, actor, now))
    WatchedResident.objects.bulk_create(rows)
    return len(rows)


def _may_watch_as(user, watched: WatchedResident, kind: str) -> bool:
    if kind == WatcherKind.GRID_WORKER:
        # The grid worker of the elder's grid, by the role itself: a superuser is no grid worker.
        return scopes_of(user).covers(watched.place_code, Role.GRID_WORKER, roles_only=True)
    resident = Resident.objects.filter(account=user, is_active=True).first()
    if resident is None or not is_within(resident.place_code, watched.community_code):
        return False
    if kind == WatcherKind.PARTY_MEMBER:
        return resident.party_member
    return resident.volunteer or hasattr(resident, "volunteer_record")


def watcher_assign(*, actor, watched_id: int, user, kind: str) -> Watcher:
    """A watcher for an elder: the grid worker of their grid, or a party member or volunteer of
    their community who has a resident account."""
    watched = WatchedResident.objects.select_related("resident").get(pk=watched_id)
    require(
        can_manage_watch(actor, watched.place_code),
        _("Only the community's staff can assign watchers."),
        "not_allowed",
    )
    require(
        watched.is_active,
        _("%(name)s is off the watch list; watchers cannot be assigned.") % {"name": watched.resident.name},
        "wrong_state",
    )
    require(kind in WatcherKind.values, _("Choose how this person watches."), "bad_input")
    require(
        _may_watch_as(user, watched, kind),
        _(
            "%(user)s cannot watch as %(kind)s: a grid worker of the elder's grid, or a party member or volunteer of their community, is needed."
        )
        % {"user": user, "kind": WatcherKind(kind).label},
        "bad_input",
    )
    try:
        with transaction.atomic():
            return Watcher.objects.create(watched=watched, user=user, kind=kind)
    except IntegrityError as exc:
        raise CareError(
            _("%(user)s already watches %(name)s.") % {"user": user, "name": watched.resident.name},
            code="duplicate",
        ) from exc


def _raise_alert(watched: WatchedResident, actor, now) -> CareAlert:
    name = watched.resident.name
    alert = CareAlert.objects.create(
        kind=AlertKind.NOT_REACHED,
        place_code=watched.place_code,
        watched=watched,
        text=_("%(name)s was not reached %(count)d times in a row.")
        % {"name": name, "count": watched.misses},
        raised_at=now,
        raised_by=actor,
    )
    recipients = holders(Role.GRID_WORKER, place_code=watched.grid_code)
    recipients += holders(Role.COMMUNITY_STAFF, place_code=watched.community_code)
    notify(recipients, alert.text)
    return alert


# Refusals of a visit log name no one: the resident comes from a pk the browser sends.
NOT_WATCHED = gettext_lazy("That person is not on the watch list; a visit cannot be logged for them.")
NOT_A_WATCHER = gettext_lazy("You are not a watcher of that person; a visit cannot be logged for them.")


def _require_may_log(actor, resident: Resident, watched: WatchedResident | None) -> None:
    """The actor's right first: only those who keep the watch of the resident's place learn
    whether the resident is watched; anyone else gets the same refusal either way."""
    if watched is not None and can_log_contact(actor, watched):
        return
    if keeps_watch_over(actor, resident.place_code):
        raise CareError(str(NOT_WATCHED), code="not_watched")
    raise CareError(str(NOT_A_WATCHER), code="not_allowed")


def watch_contact_log(
    *,
    actor,
    resident: Resident,
    outcome: str,
    method: str = ContactMethod.VISIT,
    note: str = "",
) -> WatchContact:
    """One visit or call to a watched elder, and what follows from it:

    reached (well, needs help, in hospital) → next contact due after the cadence, misses reset,
    any active alert cleared; needs help → a case (source: welfare visit) opened in the same step;
    not reached → misses + 1, and at the second in a row an urgent alert to the grid worker and
    the community staff — unless it comes sooner than HUIZHI_WATCH_MISS_GAP_HOURS after the last
    counted miss: then it is the same attempt, kept with `within_gap` set and not counted.
    Nothing is saved when any part is refused.
    """
    with transaction.atomic():
        watched = _locked_watch(resident)
        _require_may_log(actor, resident, watched)
        require(outcome in ContactOutcome.values, _("Choose what you found."), "bad_input")
        require(method in ContactMethod.values, _("Choose a visit or a call."), "bad_input")
        note = clean_text(note, label=_("Note"), required=outcome == ContactOutcome.NEEDS_HELP)
        now = timezone.now()
        case = (
            _needs_help_case(actor, resident, watched, note) if outcome == ContactOutcome.NEEDS_HELP else None
        )
        within_gap = outcome == ContactOutcome.NOT_REACHED and is_within_miss_gap(watched, now)
        contact = WatchContact.objects.create(
            watched=watched,
            by=actor,
            method=method,
            outcome=outcome,
            note=note,
            contacted_at=now,
            case=case,
            within_gap=within_gap,
        )
        if outcome != ContactOutcome.NOT_REACHED:
            _count_reached(watched, actor, now)
        elif not within_gap:
            _count_miss(watched, actor, now)
    return contact


def miss_gap() -> timedelta:
    """How far apart two "not reached" must be to count as two scheduled contacts missed."""
    return timedelta(hours=settings.HUIZHI_WATCH_MISS_GAP_HOURS)


def is_within_miss_gap(watched: WatchedResident, now) -> bool:
    """Whether a "not reached" now repeats the last counted miss (sooner than the gap after it)."""
    last = watched.last_miss_at
    return watched.misses > 0 and last is not None and now - last < miss_gap()


def _locked_watch(resident: Resident) -> WatchedResident | None:
    """The resident's active watch entry, locked (its resident's building read with it)."""
    return (
        WatchedResident.objects.select_for_update(of=("self",))
        .select_related("resident__household__unit__parent")
        .filter(resident=resident, is_active=True)
        .first()
    )


def _needs_help_case(actor, resident: Resident, watched: WatchedResident, note: str):
    """A case (source: welfare visit) at the elder's building, filed by the visitor."""
    from huizhi.cases.models import Category
    from huizhi.cases.services import CaseActionError, case_report
    from huizhi.cases.states import Source

    category = Category.objects.filter(code=NEEDS_HELP_CATEGORY, is_active=True).first()
    require(category is not None, _("The welfare-visit case category is not configured."), "bad_input")
    try:
        return case_report(
            actor=actor,
            category=category,
            title=(_("%(name)s needs help") % {"name": resident.name})[:120],
            description=note,
            source=Source.VISIT,
            place=watched.resident.household.unit.parent,
        )
    except CaseActionError as exc:
        raise CareError(" ".join(exc.messages), code="bad_input") from exc


def _count_miss(watched: WatchedResident, actor, now) -> None:
    """One more miss; at the second in a row, an urgent alert (unless one is active)."""
    watched.misses += 1
    watched.last_miss_at = now
    watched.save(update_fields=["misses", "last_miss_at"])
    if watched.misses >= MISSES_FOR_ALERT and not watched.alerts.active().exists():
        _raise_alert(watched, actor, now)


def _count_reached(watched: WatchedResident, actor, now) -> None:
    """Misses reset, the next contact due after the cadence, any active alert cleared."""
    watched.misses = 0
    watched.last_miss_at = None
    watched.last_contact_at = now
    watched.due_at = now + timedelta(days=watched.cadence_days)
    watched.save(update_fields=["misses", "last_miss_at", "last_contact_at", "due_at"])
    watched.alerts.active().update(cleared_at=now, cleared_by=actor)


def watch_remove(*, actor, watched_id: int, reason: str) -> WatchedResident:
    """An elder taken off the watch with the reason: the entry, its contacts and watchers are kept
    as history, its open alert is closed, and it leaves every overdue queue and phone list."""
    reason = clean_text(reason, label=_("Reason"), max_length=300)
    with transaction.atomic():
        watched = (
            WatchedResident.objects.select_for_update(of=("self",))
            .select_related("resident")
            .get(pk=watched_id)
        )
        require(
            can_manage_watch(actor, watched.place_code),
            _("Only the community's staff can change its watch list."),
            "not_allowed",
        )
        require(
            watched.is_active,
            _("%(name)s is already off the watch list.") % {"name": watched.resident.name},
            "wrong_state",
        )
        now = timezone.now()
        watched.is_active = False
        watched.ended_at, watched.ended_by, watched.end_reason = now, actor, reason
        watched.save(update_fields=["is_active", "ended_at", "ended_by", "end_reason"])
        watched.alerts.active().update(
            cleared_at=now,
            cleared_by=actor,
            cleared_note=(_("Taken off the watch: %(reason)s") % {"reason": reason})[:300],
        )
    return watched


def watcher_unassign(*, actor, watcher_id: int) -> None:
    """A watcher taken off an elder; the contacts they logged stay."""
    with transaction.atomic():
        watcher = Watcher.objects.select_for_update(of=("self",)).select_related("watched").get(pk=watcher_id)
        require(
            can_manage_watch(actor, watcher.watched.place_code),
            _("Only the community's staff can assign watchers."),
            "not_allowed",
        )
        watcher.delete()
