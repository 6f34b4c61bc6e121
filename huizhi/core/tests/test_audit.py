"""The audit trail: who granted a role, changed a category's time limits, edited a routing rule,
made or revoked an API key or a webhook subscription — through the services and through the
admin alike, with the new values and no secret."""

import pytest
from django.urls import reverse

from huizhi.accounts.models import RoleAssignment, User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant
from huizhi.api.keys import api_key_create, api_key_revoke
from huizhi.cases.models import RoutingRule
from huizhi.cases.services import category_update
from huizhi.core.audit import COMMAND_LINE
from huizhi.core.models import AuditEntry
from tests.factories import UserFactory, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@pytest.fixture
def world():
    return small_street()


def latest(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("id")


def test_a_role_granted_by_a_service_names_who_granted_it(world):
    street = world.street_admin
    person = UserFactory()
    assignment = role_grant(user=person, role=Role.COMMUNITY_STAFF, place=world.community, actor=street)
    entry = latest("accounts.roleassignment.add")
    assert (entry.actor, entry.actor_label) == (street, str(street))
    assert entry.target.startswith(f"accounts.RoleAssignment:{assignment.pk}")
    assert entry.changes["role"] == Role.COMMUNITY_STAFF


def test_a_category_change_keeps_the_new_limits(world):
    category_update(actor=world.street_admin, category_id=world.category.pk, handle_limit=2)
    entry = latest("cases.category.change")
    assert entry.actor == world.street_admin and entry.changes == {"handle_limit": "2"}


def test_api_keys_made_and_revoked_on_the_command_line_are_recorded_without_the_key(world):
    key, raw = api_key_create(name="12345热线", place=world.community)
    api_key_revoke(prefix=key.prefix)
    made, revoked = latest("api.apikey.create"), latest("api.apikey.revoke")
    assert made.actor_label == revoked.actor_label == COMMAND_LINE
    assert raw not in str(made.changes) and key.key_hash not in str(made.changes)


@pytest.fixture
def admin() -> User:
    return UserFactory(is_superuser=True)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def test_a_role_added_and_deleted_in_the_admin_is_recorded(admin_client, admin, world):
    person = UserFactory()
    response = admin_client.post(
        reverse("admin:accounts_roleassignment_add"),
        {"user": person.pk, "role": Role.GRID_WORKER, "place": world.grid.pk},
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    assignment = RoleAssignment.objects.get(user=person)
    entry = latest("accounts.roleassignment.add")
    assert entry.actor == admin and entry.changes["role"] == Role.GRID_WORKER
    admin_client.post(reverse("admin:accounts_roleassignment_delete", args=[assignment.pk]), {"post": "yes"})
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert latest("accounts.roleassignment.delete").target.startswith(
        f"accounts.RoleAssignment:{assignment.pk}"
    )


def test_a_routing_rule_deleted_in_the_admin_is_recorded(admin_client, world):
    rule = RoutingRule.objects.create(
        category=world.category.parent,
        applies_to=RoutingRule.Applies.ANY,
        target=RoutingRule.Target.ORGANISATION,
        organisation=world.crew,
    )
    admin_client.post(
        reverse("admin:cases_routingrule_changelist"),
        {"action": "delete_selected", "_selected_action": [rule.pk], "post": "yes"},
    )
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
    assert latest("cases.routingrule.delete").target.startswith(f"cases.RoutingRule:{rule.pk}")


def test_a_key_revoked_in_the_admin_names_the_admin(admin_client, admin, world):
    key, _raw = api_key_create(name="凤凰小程序", place=world.community)
    admin_client.post(
        reverse("admin:api_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert latest("api.apikey.revoke").actor == admin


def test_the_trail_cannot_be_edited_in_the_admin(admin_client):
    entry = AuditEntry.objects.create(action="x", target="y")
    assert admin_client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
    assert (
        admin_client.post(
            reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
