"""Projects: from a need matched to a resource, from a meeting decision, or proposed by staff or a
studio; their milestones, progress (on the echo wall, through the wall's own service, as meeting
decisions are) and completion. Each checks everything before it writes, so a refusal saves nothing."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.core.text import mask_typed_personal_numbers
from huizhi.meetings.models import Decision
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.places.selectors import serves
from huizhi.projects.models import TRANSITIONS, Milestone, Need, Project, ProjectEvent, Resource
from huizhi.projects.permissions import (
    can_manage_project,
    may_match,
    may_project_from_decision,
    may_propose,
    needs_visible_to,
    resources_visible_to,
)
from huizhi.projects.services.common import (
    ProjectError,
    check_amount,
    check_project_dates,
    clean_text,
    record_event,
)
from huizhi.wall.services import WallError, echo_note_publish, post_meeting_outcome


def _details(*, title, starts_on, ends_on, funding_source, funding_amount, public_summary) -> dict:
    """The checked fields every new project has."""
    title = clean_text(title, label=_("Title"), field="title", max_length=120)
    check_project_dates(starts_on, ends_on)
    return {
        "title": title,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "funding_source": clean_text(
            funding_source, label=_("Funding source"), field="funding_source", max_length=200, required=False
        ),
        "funding_amount": check_amount(funding_amount, label=_("Funding"), field="funding_amount") or 0,
        "public_summary": clean_text(
            public_summary, label=_("Public summary"), field="public_summary", max_length=2000, required=False
        ),
    }


def _usable_resource(actor, resource_id: int) -> Resource:
    """The resource locked, if the actor sees it and it is still on offer."""
    resource = (
        resources_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("organisation__place")
        .filter(pk=resource_id)
        .first()
    )
    if resource is None:
        raise ProjectError(_("No such resource."), code="not_found", field="resource")
    if resource.status != Resource.Status.AVAILABLE:
        raise ProjectError(_("That resource is no longer on offer."), code="wrong_state", field="resource")
    if resource.available_until is not None and resource.available_until < timezone.localdate():
        raise ProjectError(
            _("That resource was on offer only until %(d)s.") % {"d": resource.available_until},
            code="wrong_state",
            field="resource",
        )
    return resource


def _take(resource: Resource, actor, project: Project) -> None:
    resource.status, resource.updated_at = Resource.Status.MATCHED, timezone.now()
    resource.save(update_fields=["status", "updated_at"])
    record_event(actor=actor, action="matched", resource=resource, note=project.title)


def _funding_from(resource: Resource | None, funding_source: str, funding_amount):
    """A funds resource funds the project unless the caller says otherwise."""
    if resource is None or resource.kind != Resource.Kind.FUNDS:
        return funding_source, funding_amount
    return funding_source or resource.organisation.name, funding_amount if funding_amount not in (
        None,
        "",
    ) else resource.amount


def _create(*, actor, community: Place, source: str, details: dict, **links) -> Project:
    project = Project.objects.create(
        community=community, place_code=community.code, proposer=actor, source=source, **details, **links
    )
    record_event(actor=actor, action="created", project=project, note=project.get_source_display())
    return project


@transaction.atomic
def need_match(
    *,
    actor,
    need_id: int,
    resource_id: int,
    starts_on: date,
    ends_on: date,
    title: str = "",
    funding_source: str = "",
    funding_amount=None,
    public_summary: str = "",
) -> Project:
    """A need met by a resource becomes a project (source: matched need) proposed by the resource's
    organisation; the need is marked matched and the resource taken. Only an open need of a
    community the resource's organisation serves, matched by someone who keeps that community or
    acts for the organisation."""
    need = (
        needs_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("community")
        .filter(pk=need_id)
        .first()
    )
    if need is None:
        raise ProjectError(_("No such need."), code="not_found", field="need")
    if need.status != Need.Status.OPEN:
        raise ProjectError(
            _("This need is %(s)s; only an open need can be matched.") % {"s": need.get_status_display()},
            code="wrong_state",
            field="need",
        )
    resource = _usable_resource(actor, resource_id)
    if not may_match(actor, need, resource):
        raise ProjectError(
            _("%(org)s does not serve %(c)s, or you act for neither.")
            % {"org": resource.organisation.name, "c": need.community.name},
            code="not_allowed",
        )
    funding_source, funding_amount = _funding_from(resource, funding_source, funding_amount)
    details = _details(
        title=title or need.title,
        starts_on=starts_on,
        ends_on=ends_on,
        funding_source=funding_source,
        funding_amount=funding_amount,
        public_summary=public_summary,
    )
    project = _create(
        actor=actor,
        community=need.community,
        source=Project.Source.NEED,
        details=details,
        need=need,
        resource=resource,
        proposing_organisation=resource.organisation,
        wall_post_id=need.source_post_id,
    )
    need.status = Need.Status.MATCHED
    need.save(update_fields=["status"])
    record_event(actor=actor, action="matched", need=need, note=resource.title)
    _take(resource, actor, project)
    return project


@transaction.atomic
def project_from_decision(
    *,
    actor,
    decision_id: int,
    starts_on: date,
    ends_on: date,
    title: str = "",
    funding_source: str = "",
    funding_amount=None,
    resource_id: int | None = None,
    public_summary: str = "",
) -> Project:
    """A project carrying out a meeting decision still in progress (one per decision), by the staff
    over the meeting's place or the decision's owner, optionally funded by a resource of an
    organisation serving the community. The decision's page finds it through
    `selectors.projects_of_decision`."""
    decision = (
        Decision.objects.select_related("meeting__community", "agenda_item", "owner_organisation")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None or not may_project_from_decision(actor, decision):
        raise ProjectError(_("You cannot make a project of this decision."), code="not_allowed")
    if decision.status != Decision.Status.OPEN:
        raise ProjectError(_("This decision has been carried out."), code="wrong_state")
    if Project.objects.filter(decision=decision).exists():
        raise ProjectError(_("This decision already has a project."), code="already")
    community = decision.meeting.community
    resource = None
    if resource_id is not None:
        resource = _usable_resource(actor, resource_id)
        if not serves(resource.organisation, community.code):
            raise ProjectError(
                _("%(org)s does not serve %(c)s.") % {"org": resource.organisation.name, "c": community.name},
                code="not_allowed",
                field="resource",
            )
    funding_source, funding_amount = _funding_from(resource, funding_source, funding_amount)
    details = _details(
        title=title or decision.text[:120],
        starts_on=starts_on,
        ends_on=ends_on,
        funding_source=funding_source,
        funding_amount=funding_amount,
        public_summary=public_summary,
    )
    # The unit that carries the decision out proposes its project; else the unit that funds it.
    owner = decision.owner_organisation
    proposing = owner if owner is not None and owner.kind == OrganisationKind.MEMBER_UNIT else None
    project = _create(
        actor=actor,
        community=community,
        source=Project.Source.DECISION,
        details=details,
        decision=decision,
        resource=resource,
        proposing_organisation=proposing or (resource.organisation if resource else None),
        wall_post_id=decision.agenda_item.source_post_id if decision.agenda_item else None,
    )
    if resource is not None:
        _take(resource, actor, project)
    return project


@transaction.atomic
def project_create(
    *,
    actor,
    community: Place,
    title: str,
    starts_on: date,
    ends_on: date,
    proposing_organisation: Organisation | None = None,
    funding_source: str = "",
    funding_amount=None,
    public_summary: str = "",
    need_id: int | None = None,
) -> Project:
    """A project proposed directly: by staff or street (source free, or studio when a studio
    proposes it), or by a representative or member unit for a community their studio or unit serves.
    It may meet an open need of the community (a studio's visits found it), which is then matched."""
    if community is None or community.kind != PlaceKind.COMMUNITY:
        raise ProjectError(_("Choose the community the project is for."), field="community")
    if not may_propose(actor, community, proposing_organisation):
        raise ProjectError(
            _("You cannot propose projects for %(c)s.") % {"c": community.name}, code="not_allowed"
        )
    details = _details(
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        funding_source=funding_source,
        funding_amount=funding_amount,
        public_summary=public_summary,
    )
    need = _open_need(actor, need_id, community) if need_id is not None else None
    studio = proposing_organisation is not None and (
        proposing_organisation.kind == OrganisationKind.REPRESENTATIVE_STUDIO
    )
    project = _create(
        actor=actor,
        community=community,
        source=Project.Source.STUDIO if studio else Project.Source.FREE,
        details=details,
        proposing_organisation=proposing_organisation,
        need=need,
        wall_post_id=need.source_post_id if need else None,
    )
    if need is not None:
        need.status = Need.Status.MATCHED
        need.save(update_fields=["status"])
        record_event(actor=actor, action="matched", need=need, note=project.title)
    return project


def _open_need(actor, need_id: int, community: Place) -> Need:
    need = needs_visible_to(actor).select_for_update(of=("self",)).filter(pk=need_id).first()
    if need is None or need.community_id != community.pk:
        raise ProjectError(
            _("No such need in %(c)s.") % {"c": community.name}, code="not_found", field="need"
        )
    if need.status != Need.Status.OPEN:
        raise ProjectError(
            _("Only an open need can be met by a new project."), code="wrong_state", field="need"
        )
    return need


def _managed_project(actor, project_id: int) -> Project:
    """The project locked, if the actor manages it and it is still planned or under way."""
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("community", "decision__meeting", "wall_post", "need")
        .filter(pk=project_id)
        .first()
    )
    if project is None or not can_manage_project(actor, project):
        raise ProjectError(_("You cannot change this project."), code="not_allowed")
    if not project.is_open:
        raise ProjectError(
            _("This project is %(s)s.") % {"s": project.get_status_display()}, code="wrong_state"
        )
    return project


def _move(project: Project, status: str) -> None:
    if status not in TRANSITIONS[project.status]:
        raise ProjectError(
            _("A %(s)s project cannot be moved there.") % {"s": project.get_status_display()},
            code="wrong_state",
        )
    project.status = status
    fields = ["status"]
    if status == Project.Status.COMPLETE:
        project.completed_at = timezone.now()
        fields.append("completed_at")
    project.save(update_fields=fields)


def _under_way(project: Project) -> None:
    """Work reported on a planned project means it has begun."""
    if project.status == Project.Status.PLANNED:
        _move(project, Project.Status.UNDER_WAY)


@transaction.atomic
def milestone_add(*, actor, project_id: int, title: str, due_on: date) -> Milestone:
    """A milestone due within the project's dates."""
    project = _managed_project(actor, project_id)
    title = clean_text(title, label=_("Milestone"), field="title", max_length=120)
    if not isinstance(due_on, date):
        raise ProjectError(_("Give the date the milestone is due."), field="due_on")
    if due_on > project.ends_on:
        raise ProjectError(
            _("The milestone is due after the project ends (%(d)s).") % {"d": project.ends_on}, field="due_on"
        )
    if due_on < project.starts_on:
        raise ProjectError(
            _("The milestone is due before the project starts (%(d)s).") % {"d": project.starts_on},
            field="due_on",
        )
    milestone = Milestone.objects.create(project=project, title=title, due_on=due_on)
    record_event(actor=actor, action="milestone_added", project=project, note=f"{title} ({due_on:%Y-%m-%d})")
    return milestone


@transaction.atomic
def milestone_done(*, actor, milestone_id: int) -> Milestone:
    milestone = Milestone.objects.select_for_update().filter(pk=milestone_id).first()
    if milestone is None:
        raise ProjectError(_("No such milestone."), code="not_found")
    project = _managed_project(actor, milestone.project_id)
    if milestone.is_done:
        raise ProjectError(_("This milestone is already done."), code="already")
    milestone.done_at, milestone.done_by = timezone.now(), actor
    milestone.save(update_fields=["done_at", "done_by"])
    _under_way(project)
    record_event(actor=actor, action="milestone_done", project=project, note=milestone.title)
    return milestone


def echo_wall_item(project: Project):
    """The public wall item whose echo-wall answers carry this project's progress, or None: the item
    residents raised it on, while it waits on a meeting's agenda (the wall's rule for an outcome),
    and, for a decision's project, once the meeting's minutes are published (a decision is public
    only with them)."""
    from huizhi.wall.models import Stage

    post = project.wall_post
    if post is None or post.stage != Stage.AGENDA:
        return None
    if project.decision_id is not None and not project.decision.meeting.minutes_published:
        return None
    return post


def _publish(project: Project, actor, text: str) -> None:
    """On the echo wall: under the wall item residents raised it on, else as the community's note.
    A decision's project waits for the meeting's published minutes (a decision is public only then)."""
    if project.decision_id is not None and not project.decision.meeting.minutes_published:
        raise ProjectError(
            _("The meeting's minutes are not published yet; record the progress unpublished."),
            code="wrong_state",
            field="publish",
        )
    name = _("Project: %(title)s") % {"title": project.title}
    post = echo_wall_item(project)
    try:
        if post is None:
            echo_note_publish(actor=actor, community=project.community, name=name[:120], text=text)
        else:
            post_meeting_outcome(
                actor=actor, post_id=post.pk, name=name[:120], text=mask_typed_personal_numbers(text)
            )
    except WallError as exc:
        raise ProjectError(exc.message, code=exc.code) from exc


@transaction.atomic
def project_progress(*, actor, project_id: int, note: str, publish: bool = True) -> ProjectEvent:
    """A progress note on the project's timeline; with `publish`, also on the community's echo wall
    (mobiles and ID numbers typed into it masked there). A planned project is then under way."""
    project = _managed_project(actor, project_id)
    note = clean_text(note, label=_("Progress"), field="note")
    _under_way(project)
    if publish:
        _publish(project, actor, _("Progress: %(note)s") % {"note": note})
    return record_event(actor=actor, action="progress", project=project, note=note, published=publish)


@transaction.atomic
def project_complete(*, actor, project_id: int, note: str, publish: bool = True) -> Project:
    """Complete once every milestone is done; the need it met is closed; with `publish`, on the echo wall."""
    project = _managed_project(actor, project_id)
    note = clean_text(note, label=_("What was done"), field="note")
    open_milestones = list(project.milestones.filter(done_at__isnull=True).values_list("title", flat=True))
    if open_milestones:
        raise ProjectError(
            _("Mark these milestones done first: %(m)s.") % {"m": "、".join(open_milestones)},
            code="wrong_state",
        )
    _move(project, Project.Status.COMPLETE)
    if project.need_id is not None:
        Need.objects.filter(pk=project.need_id).update(status=Need.Status.CLOSED)
        record_event(actor=actor, action="need_closed", need=project.need, note=project.title)
    if publish:
        _publish(project, actor, _("Complete: %(note)s") % {"note": note})
    record_event(actor=actor, action="completed", project=project, note=note, published=publish)
    return project


@transaction.atomic
def project_cancel(*, actor, project_id: int, reason: str) -> Project:
    """Cancelled with a reason: the need is open again and the resource back on offer."""
    project = _managed_project(actor, project_id)
    reason = clean_text(reason, label=_("Reason"), field="reason")
    _move(project, Project.Status.CANCELLED)
    if project.need_id is not None:
        Need.objects.filter(pk=project.need_id, status=Need.Status.MATCHED).update(status=Need.Status.OPEN)
        record_event(actor=actor, action="cancelled", need=project.need, note=reason)
    if project.resource_id is not None:
        Resource.objects.filter(pk=project.resource_id, status=Resource.Status.MATCHED).update(
            status=Resource.Status.AVAILABLE, updated_at=timezone.now()
        )
        record_event(actor=actor, action="cancelled", resource=project.resource, note=reason)
    record_event(actor=actor, action="cancelled", project=project, note=reason)
    return project
