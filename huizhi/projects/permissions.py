"""Who sees and keeps the three lists and the projects (DESIGN §2, §8).

- Community staff keep their community's lists and projects; street leadership the street's.
- The discipline commissioner and representatives read what lies in their place scope.
- A member unit (its handling-unit account) keeps its own resources, takes up the needs of the
  communities it serves (those under the unit's place; a unit placed below a community serves that
  community) and keeps the projects it proposed or funds.
- A representative proposes projects for the studio in their place scope (朱家和工作室).
- Residents and the public read only the progress lines a project puts on the echo wall.
"""

import rules
from django.db.models import Q, QuerySet
from django.http import Http404

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.meetings.models import Decision
from huizhi.meetings.permissions import acts_for_owner
from huizhi.places.codes import CODE_RULES, codes_q, is_within
from huizhi.places.kinds import OrganisationKind
from huizhi.places.models import Organisation
from huizhi.places.selectors import served_root, serves
from huizhi.projects.models import Need, Project, Resource
from huizhi.wall.permissions import member_units_of

# Roles that keep the lists and run the projects of the places they hold: the community's staff.
# Street leadership reads everything in its scope and writes nothing (DESIGN §2).
MANAGING_ROLES = (Role.COMMUNITY_STAFF,)
# Roles that read the lists and projects of the places they hold.
READING_ROLES = (*MANAGING_ROLES, Role.STREET_ADMIN, Role.DISCIPLINE_COMMISSIONER, Role.REPRESENTATIVE)
# Organisations that offer resources and propose projects.
OFFERING_KINDS = (OrganisationKind.MEMBER_UNIT, OrganisationKind.REPRESENTATIVE_STUDIO)


def _authenticated(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def _ancestors_and_self(code: str) -> list[str]:
    lengths = sorted({length for _added, length, _parent in CODE_RULES.values()})
    return [code[:n] for n in lengths if n <= len(code)]


def _serving_q(roots, field: str = "place_code") -> Q:
    """Resources of organisations that serve some place under `roots`: placed above a root (a
    street-wide member unit serves each of its communities) or within it."""
    q = codes_q(roots, field)
    above = sorted({code for root in roots for code in _ancestors_and_self(root)})
    return q | Q(**{f"{field}__in": above}) if above else q


def studios_of(user) -> list[Organisation]:
    """The representatives' studios in the places the user holds a representative role over."""
    if not _authenticated(user):
        return []
    scopes = scopes_of(user)
    if not scopes.holds(Role.REPRESENTATIVE, roles_only=True):
        return []
    studios = Organisation.objects.filter(kind=OrganisationKind.REPRESENTATIVE_STUDIO).select_related("place")
    return list(studios.filter(scopes.q("place__code", Role.REPRESENTATIVE, roles_only=True)))


def offering_organisations_of(user) -> list[Organisation]:
    """The organisations the user offers resources and proposes projects for: the member units
    they hold a handling-unit role over, and their studios. Read once per request (kept on the
    user, as their scopes are)."""
    if not _authenticated(user):
        return []
    cached = getattr(user, "_huizhi_offering", None)
    if cached is not None:
        return cached
    user._huizhi_offering = member_units_of(user) + studios_of(user)
    return user._huizhi_offering


def _unit_ids(user) -> list[int]:
    return [o.pk for o in offering_organisations_of(user)]


def _served_roots(user) -> list[str]:
    return [served_root(o) for o in offering_organisations_of(user)]


def needs_visible_to(user) -> QuerySet[Need]:
    """Needs in the places the user reads, and those of the communities their units serve."""
    if not _authenticated(user):
        return Need.objects.none()
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return Need.objects.all()
    return Need.objects.filter(
        scopes.q("place_code", *READING_ROLES) | codes_q(_served_roots(user), "place_code")
    )


def resources_visible_to(user) -> QuerySet[Resource]:
    """The user's units' own resources, and those of the organisations serving the places they read."""
    if not _authenticated(user):
        return Resource.objects.none()
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return Resource.objects.all()
    roots = scopes.codes_for(*READING_ROLES)
    q = Q(organisation_id__in=_unit_ids(user))
    if roots:
        q |= _serving_q(roots)
    return Resource.objects.filter(q)


def projects_visible_to(user) -> QuerySet[Project]:
    """Projects in the places the user reads, those they proposed, and their units' (proposed or funded)."""
    if not _authenticated(user):
        return Project.objects.none()
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return Project.objects.all()
    units = _unit_ids(user)
    q = scopes.q("place_code", *READING_ROLES) | Q(proposer_id=user.pk)
    if units:
        q |= Q(proposing_organisation_id__in=units) | Q(resource__organisation_id__in=units)
    return Project.objects.filter(q)


def get_project_for_user(user, pk: int) -> Project:
    """The project, or 404 both when there is none and when the user may not see it."""
    project = (
        projects_visible_to(user)
        .select_related("community", "proposer", "proposing_organisation", "need", "resource__organisation")
        .select_related("decision__meeting", "wall_post")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    return project


def manages_place(user, code: str) -> bool:
    return _authenticated(user) and scopes_of(user).covers(code, *MANAGING_ROLES)


def may_record_need(user, community) -> bool:
    """Staff and street for their places; a representative for the places they represent (after a visit)."""
    if not _authenticated(user):
        return False
    scopes = scopes_of(user)
    return scopes.covers(community.code, *MANAGING_ROLES) or scopes.covers(
        community.code, Role.REPRESENTATIVE, roles_only=True
    )


def may_offer_for(user, organisation: Organisation) -> bool:
    """A unit's own account (or the studio's representative); staff and street for an offering
    organisation serving a place they hold."""
    if not _authenticated(user) or organisation.kind not in OFFERING_KINDS:
        return False
    if organisation.pk in _unit_ids(user):
        return True
    root = served_root(organisation)
    return (
        any(
            is_within(code, root) or is_within(root, code)
            for code in scopes_of(user).codes_for(*MANAGING_ROLES)
        )
        or scopes_of(user).sees_everything
    )


def may_match(user, need: Need, resource: Resource) -> bool:
    """Whoever keeps the need's community, or acts for the resource's organisation, when that
    organisation serves the need's community."""
    if not _authenticated(user) or not serves(resource.organisation, need.place_code):
        return False
    return manages_place(user, need.place_code) or resource.organisation_id in _unit_ids(user)


def may_project_from_decision(user, decision: Decision) -> bool:
    """Staff over the meeting's place, or whoever carries the decision out."""
    return manages_place(user, decision.place_code) or acts_for_owner(user, decision)


def may_propose(user, community, organisation: Organisation | None) -> bool:
    """Staff and street in their places; a unit or studio for a community it serves."""
    if manages_place(user, community.code):
        return organisation is None or organisation.kind in OFFERING_KINDS
    return (
        organisation is not None
        and organisation.pk in _unit_ids(user)
        and serves(organisation, community.code)
    )


@rules.predicate
def can_manage_project(user, project: Project) -> bool:
    """Staff and street over the project's place, its proposer, and its proposing unit or studio."""
    if not _authenticated(user):
        return False
    if manages_place(user, project.place_code) or project.proposer_id == user.pk:
        return True
    return project.proposing_organisation_id is not None and project.proposing_organisation_id in _unit_ids(
        user
    )


@rules.predicate
def can_view_projects(user) -> bool:
    """Whom the navigation offers the console's projects: the reading roles (read off the roles)."""
    return _authenticated(user) and scopes_of(user).holds(*READING_ROLES)


@rules.predicate
def can_keep_lists(user) -> bool:
    """Staff and street record needs and resources on the console's lists."""
    return _authenticated(user) and scopes_of(user).holds(*MANAGING_ROLES)


@rules.predicate
def can_propose_projects(user) -> bool:
    scopes = scopes_of(user)
    return _authenticated(user) and (scopes.holds(*MANAGING_ROLES) or bool(studios_of(user)))


@rules.predicate
def can_use_unit_lists(user) -> bool:
    """A member unit's account: its own lists at /me/lists/ (one query; offered on that page only)."""
    return any(o.kind == OrganisationKind.MEMBER_UNIT for o in offering_organisations_of(user))


rules.add_perm("projects.view_projects", can_view_projects)
rules.add_perm("projects.keep_lists", can_keep_lists)
rules.add_perm("projects.propose", can_propose_projects)
rules.add_perm("projects.use_unit_lists", can_use_unit_lists)
rules.add_perm("projects.manage_project", can_manage_project)
