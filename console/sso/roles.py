"""From the provider's claims to a console username and role (OIDC_ROLE_MAP)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from console.accounts.roles import ROLES

EVERYONE = "*"


def groups_in(claims: dict[str, Any]) -> list[str]:
    """The OIDC_ROLE_CLAIM values: a list, or one space-separated string (some providers)."""
    value = claims.get(settings.OIDC_ROLE_CLAIM)
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def role_for(claims: dict[str, Any]) -> str | None:
    """The strongest role any of the person's groups maps to; `*` for everyone; else None."""
    mapping: dict[str, str] = settings.OIDC_ROLE_MAP
    granted = {mapping[group] for group in groups_in(claims) if group in mapping}
    if EVERYONE in mapping:
        granted.add(mapping[EVERYONE])
    return next((role for role in ROLES if role in granted), None)


def mapped_groups() -> list[str]:
    """The groups that give a role, for the refusal page ("ask to be added to one of ...")."""
    return [group for group in settings.OIDC_ROLE_MAP if group != EVERYONE]


def username_from(claims: dict[str, Any]) -> str:
    """OIDC_USERNAME_CLAIM, falling back to email; empty when the token has neither."""
    for name in (settings.OIDC_USERNAME_CLAIM, "email"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:150]
    return ""


def display_name_from(claims: dict[str, Any]) -> str:
    name = claims.get("name")
    if not (isinstance(name, str) and name.strip()):
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    return str(name or "").strip()[:200]


def may_use_password(username: str) -> bool:
    """Without OIDC every account may; with it, only the break-glass accounts."""
    if not settings.OIDC_ISSUER:
        return True
    return username in settings.OIDC_PASSWORD_USERS
