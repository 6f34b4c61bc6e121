"""Reads of the lists and projects shared by the pages, the demo and (through the decision) the
meetings' pages."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from huizhi.accounts.scopes import scopes_of
from huizhi.core.pagination import SEARCH_MAX
from huizhi.places.codes import codes_q
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.places.selectors import served_root
from huizhi.projects.models import Need, Project, Resource
from huizhi.projects.permissions import (
    MANAGING_ROLES,
    READING_ROLES,
    needs_visible_to,
    offering_organisations_of,
    projects_visible_to,
    resources_visible_to,
)

# A list page shows this many rows of each list; filters narrow it.
LIST_LIMIT = 100


def with_progress(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Projects with what a list shows: community, proposer's organisation, milestones done of all."""
    return projects.select_related("community", "proposing_organisation").annotate(
        milestones_total=Count("milestones", distinct=True),
        milestones_done=Count("milestones", filter=Q(milestones__done_at__isnull=False), distinct=True),
    )


@dataclass(frozen=True)
class ProjectFilter:
    status: str = ""
    community: str = ""  # a community's code
    query: str = ""  # words of the title (stripped, at most SEARCH_MAX characters)

    @classmethod
    def from_query(cls, query) -> "ProjectFilter":
        status = query.get("status", "")
        community = query.get("community", "")
        return cls(
            status=status if status in Project.Status.values else "",
            community=community
            if community.isascii() and community.isdigit() and len(community) <= 32
            else "",
            query=query.get("q", "").strip()[:SEARCH_MAX],
        )

    def apply(self, projects: QuerySet[Project]) -> QuerySet[Project]:
        if self.status:
            projects = projects.filter(status=self.status)
        if self.community:
            projects = projects.filter(place_code=self.community)
        if self.query:
            projects = projects.filter(title__icontains=self.query)
        return projects


def project_list(user, project_filter: ProjectFilter) -> QuerySet[Project]:
    return with_progress(project_filter.apply(projects_visible_to(user))).order_by("-created_at", "-id")


def communities_of(user) -> QuerySet[Place]:
    """The communities whose lists and projects the user reads (for the filters and forms)."""
    communities = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code")
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return communities
    roots = list(scopes.codes_for(*READING_ROLES)) + [served_root(o) for o in offering_organisations_of(user)]
    # A community lies under a root, or the root lies in it (a grid worker's grid is not a reading role).
    above = [r[:12] for r in roots if len(r) > 12]
    return communities.filter(codes_q(roots, "code") | Q(code__in=above))


def managed_communities(user) -> QuerySet[Place]:
    """The communities whose lists the user keeps (staff, street)."""
    communities = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code")
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return communities
    return communities.filter(codes_q(scopes.codes_for(*MANAGING_ROLES), "code"))


def project_page(project: Project) -> dict:
    """What the project's page shows: its milestones and its timeline (with actors)."""
    return {
        "milestones": list(project.milestones.select_related("done_by")),
        "events": list(project.events.select_related("actor")),
    }


def projects_of_decision(decision) -> QuerySet[Project]:
    """The project carrying out a meeting decision (the decision's page shows it)."""
    return Project.objects.filter(decision=decision)


def projects_of_decisions(decision_ids) -> dict[int, Project]:
    """decision id → its project, for a page listing several decisions (one query)."""
    return {p.decision_id: p for p in Project.objects.filter(decision_id__in=list(decision_ids))}


def needs_list(user, community: str = "", status: str = "", query: str = "") -> QuerySet[Need]:
    needs = needs_visible_to(user).select_related("community", "place", "source_post")
    if community:
        needs = needs.filter(codes_q([community], "place_code"))
    if query:
        needs = needs.filter(title__icontains=query)
    if status in Need.Status.values:
        needs = needs.filter(status=status)
    return needs.order_by("status", "-created_at", "-id")


def resources_list(user, status: str = "", query: str = "") -> QuerySet[Resource]:
    resources = resources_visible_to(user).select_related("organisation")
    if query:
        resources = resources.filter(title__icontains=query)
    if status in Resource.Status.values:
        resources = resources.filter(status=status)
    return resources.order_by("status", "-updated_at", "-id")


def match_choices(user) -> tuple[list[Need], list[Resource]]:
    """The open needs and the resources on offer the user may pair (the service checks the pair)."""
    needs = list(needs_list(user, status=Need.Status.OPEN)[:LIST_LIMIT])
    resources = list(resources_list(user, status=Resource.Status.AVAILABLE)[:LIST_LIMIT])
    return needs, resources


@dataclass
class UnitLists:
    units: list[Organisation]
    resources: list[Resource]
    needs: list[Need]  # open needs of the communities the units serve
    projects: list[Project]


def unit_lists(user) -> UnitLists:
    """A member unit's page: its resources, the open needs it may take up, its projects."""
    units = [o for o in offering_organisations_of(user)]
    unit_ids = [u.pk for u in units]
    resources = list(
        Resource.objects.filter(organisation_id__in=unit_ids)
        .select_related("organisation")
        .order_by("status", "-updated_at", "-id")[:LIST_LIMIT]
    )
    roots = [served_root(u) for u in units]
    needs = list(
        Need.objects.filter(codes_q(roots, "place_code"), status=Need.Status.OPEN)
        .select_related("community", "place")
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    projects = list(
        with_progress(
            Project.objects.filter(
                Q(proposing_organisation_id__in=unit_ids) | Q(resource__organisation_id__in=unit_ids)
            )
        ).order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    return UnitLists(units=units, resources=resources, needs=needs, projects=projects)
