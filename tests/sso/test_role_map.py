"""OIDC_ROLE_MAP read as a person would: the strongest role any group gives, `*` for everyone."""

from __future__ import annotations

import pytest

from console.sso.roles import groups_in, may_use_password, role_for, username_from

MAP = {"console-admins": "admin", "support-team": "support", "readers": "viewer"}


@pytest.fixture
def role_map(settings):
    settings.OIDC_ROLE_MAP = dict(MAP)
    settings.OIDC_ROLE_CLAIM = "groups"
    return settings


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["readers", "support-team"], "support"),
        (["support-team", "console-admins"], "admin"),
        (["readers"], "viewer"),
        (["staff"], None),
        ([], None),
        ("support-team readers", "support"),  # one space-separated string (some providers)
        (None, None),
    ],
)
def test_the_strongest_mapped_role_wins(role_map, groups, role):
    claims = {} if groups is None else {"groups": groups}

    assert role_for(claims) == role


def test_a_star_gives_everyone_at_least_its_role(role_map):
    role_map.OIDC_ROLE_MAP = {**MAP, "*": "viewer"}

    assert role_for({"groups": ["staff"]}) == "viewer"
    assert role_for({}) == "viewer"
    assert role_for({"groups": ["console-admins"]}) == "admin"


def test_the_role_claim_is_configurable(role_map):
    role_map.OIDC_ROLE_CLAIM = "roles"

    assert groups_in({"roles": ["console-admins"], "groups": ["readers"]}) == ["console-admins"]
    assert role_for({"roles": ["console-admins"]}) == "admin"


def test_the_username_claim_falls_back_to_email(settings):
    settings.OIDC_USERNAME_CLAIM = "preferred_username"

    assert username_from({"preferred_username": "ada", "email": "ada@example.com"}) == "ada"
    assert username_from({"email": "ada@example.com"}) == "ada@example.com"
    assert username_from({"sub": "x"}) == ""


def test_passwords_are_for_break_glass_accounts_only_when_sso_is_on(settings):
    settings.OIDC_PASSWORD_USERS = ["break-glass"]
    settings.OIDC_ISSUER = ""
    assert may_use_password("alice")

    settings.OIDC_ISSUER = "https://idp.example.com"
    assert may_use_password("break-glass")
    assert not may_use_password("alice")
