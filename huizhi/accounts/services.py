"""Writes to users and roles."""

from django.db import transaction

from huizhi.accounts.models import RoleAssignment, User
from huizhi.core import crypto
from huizhi.core.audit import audit_record
from huizhi.core.mobile import normalize_mainland_mobile

MOBILE_HASH_PURPOSE = "user-mobile"


def account_mobile_hash(mobile: str) -> str:
    """The keyed hash a user account is found by its mobile with, from a mobile as typed (normalised
    here; ValidationError when it is no mainland mobile). Not a resident's: the registry keeps its
    own purpose (registry.services.households.resident_mobile_hash), so the two never match."""
    return crypto.lookup_hash(MOBILE_HASH_PURPOSE, normalize_mainland_mobile(mobile))


def user_find_by_mobile(mobile: str) -> User | None:
    return user_find_by_mobile_hash(account_mobile_hash(mobile))


def user_find_by_mobile_hash(mobile_hash: str) -> User | None:
    return User.objects.filter(mobile_hash=mobile_hash).first()


@transaction.atomic
def user_create(
    *, username: str, password: str | None, full_name: str = "", mobile: str = "", is_superuser: bool = False
) -> User:
    """A user; the mobile (if any) is validated, stored encrypted and indexed by its keyed hash."""
    user = User(username=username, full_name=full_name, is_superuser=is_superuser, is_staff=is_superuser)
    if mobile:
        user.mobile = normalize_mainland_mobile(mobile)
        user.mobile_hash = account_mobile_hash(user.mobile)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def role_grant(
    *, user: User, role: str, place=None, organisation=None, group=None, actor=None
) -> RoleAssignment:
    """Give `user` a role over one scope; the scope must be of the kind the role is held over.
    Recorded in the audit trail as `actor`'s (None: the command line or the demo loader)."""
    assignment = RoleAssignment(user=user, role=role, place=place, organisation=organisation, group=group)
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=actor,
        action="accounts.roleassignment.add",
        target=assignment,
        changes={"user": user, "role": role, "scope": place or organisation or group},
    )
    user.__dict__.pop("_huizhi_scopes", None)
    return assignment
