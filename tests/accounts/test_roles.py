"""The three roles are groups holding exactly their permissions; no role, no console."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.urls import reverse

from console.accounts.apps import sync_role_groups
from console.accounts.roles import ROLE_PERMISSIONS, has_perm, role_of
from tests.conftest import _make_user

pytestmark = pytest.mark.django_db

ALL_PERMISSIONS = {
    "view_console",
    "lookup_identities",
    "unlink_identities",
    "edit_pools",
    "run_jobs",
    "view_audit",
    "manage_users",
}
INTENDED = {
    "admin": ALL_PERMISSIONS,
    "support": {"view_console", "lookup_identities", "unlink_identities"},
    "viewer": {"view_console"},
}


def _codenames(group: Group) -> set[str]:
    return set(group.permissions.values_list("codename", flat=True))


@pytest.mark.parametrize("role", INTENDED)
def test_each_role_group_holds_exactly_its_permissions(role):
    assert set(ROLE_PERMISSIONS[role]) == INTENDED[role]
    assert _codenames(Group.objects.get(name=role)) == INTENDED[role]


def test_only_the_three_roles_exist_as_groups():
    assert set(Group.objects.values_list("name", flat=True)) == {"admin", "support", "viewer"}


def test_every_console_permission_exists_after_migrations():
    codenames = set(
        Permission.objects.filter(content_type__app_label="accounts").values_list("codename", flat=True)
    )
    assert codenames == ALL_PERMISSIONS


def test_migrating_again_takes_away_a_permission_added_to_a_group_by_hand():
    viewer_group = Group.objects.get(name="viewer")
    viewer_group.permissions.add(Permission.objects.get(codename="edit_pools"))

    sync_role_groups()

    assert _codenames(viewer_group) == {"view_console"}


@pytest.mark.parametrize(
    ("role", "may_edit_pools", "may_unlink"),
    [("admin", True, True), ("support", False, True), ("viewer", False, False)],
)
def test_a_users_permissions_follow_their_role(django_user_model, role, may_edit_pools, may_unlink):
    user = _make_user(django_user_model, f"perm-{role}", role)

    assert has_perm(user, "view_console")
    assert has_perm(user, "edit_pools") is may_edit_pools
    assert has_perm(user, "unlink_identities") is may_unlink


def test_a_user_without_a_role_gets_403_on_the_pools_page(client, norole):
    client.force_login(norole)

    response = client.get(reverse("pools:list"))

    assert response.status_code == 403
    assert b"has no console role yet" in response.content


def test_a_user_without_a_role_has_no_console_permission(norole):
    assert not any(has_perm(norole, codename) for codename in ALL_PERMISSIONS)


@pytest.mark.parametrize("fixture", ["admin", "support", "viewer"])
def test_every_role_may_open_the_pools_page(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))

    assert client.get(reverse("pools:list")).status_code == 200


def test_role_of_names_the_users_group(admin, support, viewer):
    assert (role_of(admin), role_of(support), role_of(viewer)) == ("admin", "support", "viewer")


def test_role_of_is_none_without_a_role_or_when_signed_out(norole):
    assert role_of(norole) is None
    assert role_of(AnonymousUser()) is None


def test_role_of_picks_the_strongest_role_of_a_user_in_several_groups(viewer):
    viewer.groups.add(Group.objects.get(name="support"))

    assert role_of(viewer) == "support"


def test_role_of_a_superuser_is_admin(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="unused-password-1")

    assert role_of(root) == "admin"


def test_an_inactive_user_has_no_permissions(viewer):
    viewer.is_active = False
    viewer.save()

    assert not has_perm(viewer, "view_console")
