"""Who may do what on the problem wall (DESIGN §2, §5)."""

import rules
from django.db.models import Q, QuerySet

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.places.selectors import serves
from huizhi.wall.models import PUBLIC_STAGES, Post, ResponseTemplate, Stage


def posts_to_triage_for(user) -> QuerySet[Post]:
    """Posts of the communities the user works for as community staff (superusers: all)."""
    if not getattr(user, "is_authenticated", False):
        return Post.objects.none()
    posts = Post.objects.exclude(stage=Stage.DRAFT)  # a draft is the author's alone until sent
    return posts.filter(scopes_of(user).q("place_code", Role.COMMUNITY_STAFF))


def member_units_of(user) -> list[Organisation]:
    """The 大党委 member units the user acts for (as their handling-unit account): no query without a
    unit role, else one per request (kept on the user object, as the scopes are; the navigation,
    the wall, the network and the projects all ask)."""
    ids = scopes_of(user).organisations_for(Role.HANDLING_UNIT)
    if not ids:
        return []
    cached = getattr(user, "_huizhi_member_units", None)
    if cached is None:
        cached = list(
            Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.MEMBER_UNIT).select_related("place")
        )
        user._huizhi_member_units = cached
    return cached


def can_view_post_photo(user, post: Post) -> bool:
    """A 'before' photo: anyone once the post is public and staff chose to show its photos; its
    author and the staff who triage it always."""
    if post.photos_are_public:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return post.author_id == user.pk or can_triage_post(user, post)


@rules.predicate
def can_post(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


@rules.predicate
def follows_own_posts(user) -> bool:
    """Whom the navigation offers "My posts": signed-in people who are not console staff (staff
    may post too, from the wall, but their work is in the console)."""
    from huizhi.accounts.scopes import has_console_role

    return getattr(user, "is_authenticated", False) and not has_console_role(user)


@rules.predicate
def can_triage(user) -> bool:
    return scopes_of(user).holds(Role.COMMUNITY_STAFF)


@rules.predicate
def can_triage_post(user, post: Post) -> bool:
    """Community staff of the post's community moderate and triage it (once its author sent it)."""
    if post.stage == Stage.DRAFT:
        return False
    return scopes_of(user).covers(post.place_code, Role.COMMUNITY_STAFF)


@rules.predicate
def can_claim(user) -> bool:
    # A claim is answered under the claimant's own name as a representative or member unit
    # (`roles_only`): a superuser without either claims nothing.
    return scopes_of(user).holds(Role.REPRESENTATIVE, roles_only=True) or bool(member_units_of(user))


@rules.predicate
def can_claim_post(user, post: Post) -> bool:
    """A representative over the post's place, or a 大党委 member unit serving the post's community
    (huizhi.places.selectors.serves), while the post is public."""
    if post.stage not in PUBLIC_STAGES:
        return False
    return represents_post_place(user, post) or any(
        serves(unit, post.place_code) for unit in member_units_of(user)
    )


def represents_post_place(user, post: Post) -> bool:
    """A representative (两代表一委员) whose place covers the post answers under their own name."""
    return scopes_of(user).covers(post.place_code, Role.REPRESENTATIVE, roles_only=True)


def can_word_for(user, community) -> bool:
    """Street leadership keeps the street-wide wording (community None); community staff, and the
    street, a community's own."""
    scopes = scopes_of(user)
    if community is None:
        return scopes.holds(Role.STREET_ADMIN)
    return scopes.covers(community.code, Role.COMMUNITY_STAFF, Role.STREET_ADMIN)


@rules.predicate
def can_respond_to_post(user, post: Post) -> bool:
    """Whoever claimed the post answers it under their name."""
    return getattr(user, "is_authenticated", False) and post.claims.filter(user=user).exists()


def wording_communities_of(user) -> QuerySet[Place]:
    """The communities whose own wording the user keeps: all for the street, theirs for staff."""
    scopes = scopes_of(user)
    communities = Place.objects.filter(kind=PlaceKind.COMMUNITY)
    if scopes.holds(Role.STREET_ADMIN):
        return communities
    return communities.filter(code__in=scopes.codes_for(Role.COMMUNITY_STAFF))


def templates_visible_to(user) -> QuerySet[ResponseTemplate]:
    """The street-wide wording and that of the user's communities (others' stays theirs)."""
    return ResponseTemplate.objects.filter(
        Q(community__in=wording_communities_of(user)) | Q(community__isnull=True)
    )


@rules.predicate
def can_edit_templates(user) -> bool:
    return scopes_of(user).holds(Role.COMMUNITY_STAFF, Role.STREET_ADMIN)


rules.add_perm("wall.post", can_post)
rules.add_perm("wall.follow_own_posts", follows_own_posts)
rules.add_perm("wall.triage", can_triage)
rules.add_perm("wall.triage_post", can_triage_post)
rules.add_perm("wall.claim", can_claim)
rules.add_perm("wall.claim_post", can_claim_post)
rules.add_perm("wall.respond_to_post", can_respond_to_post)
rules.add_perm("wall.edit_templates", can_edit_templates)
