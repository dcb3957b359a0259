"""Building the pool pages' form posts the way a browser sends them, and reading the pages back."""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.urls import reverse


def rows(prefix: str, items: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Repeated rows as `<prefix>-<n>-<field>` fields."""
    data: dict[str, str] = {}
    for index, item in enumerate(items):
        for name, value in item.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def pool_form(name: str = "shop", **fields: Any) -> dict[str, str]:
    """The create/edit form: plain fields by name, rows as lists (others, oidc, saml, user_pools, tags)."""
    data: dict[str, str] = {"name": name}
    groups = {"others": "other", "oidc": "oidc", "saml": "saml", "user_pools": "userpool", "tags": "tag"}
    for key, value in fields.items():
        if key in groups:
            data.update(rows(groups[key], value))
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        else:
            data[key] = value
    return data


def hidden(html: str, name: str) -> str:
    """The value of the hidden input `name` (unescaped)."""
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden input {name}"
    return html_module.unescape(match.group(1))


def field_error(html: str, field_id: str) -> str:
    """The error list Django renders for the field with this id (aria-describedby points at it)."""
    match = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', html, re.S)
    assert match, f"no error for {field_id}"
    return html_module.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def group_errors(html: str, prefix: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="{re.escape(prefix)}-errors">(.*?)</ul>', html, re.S)
    assert match, f"no group error for {prefix}"
    return html_module.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def text(html: str) -> str:
    """The page's text, tags removed and entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", html)))


def edit_url(pool_id: str) -> str:
    return reverse("pools:edit", args=[pool_id])


def detail_url(pool_id: str) -> str:
    return reverse("pools:detail", args=[pool_id])


def rule(claim: str, match_type: str, value: str, role_arn: str) -> dict[str, str]:
    return {"claim": claim, "match_type": match_type, "value": value, "role_arn": role_arn}


def roles_form(
    providers: list[str],
    mappings: Mapping[str, Mapping[str, Any]] | None = None,
    authenticated: str = "",
    unauthenticated: str = "",
) -> dict[str, str]:
    """The roles form: one block per provider key, in order; `mappings` gives mode, ambiguous, rules."""
    data = {"authenticated": authenticated, "unauthenticated": unauthenticated}
    for index, key in enumerate(providers):
        mapping = (mappings or {}).get(key, {})
        data[f"map-{index}-provider"] = key
        data[f"map-{index}-mode"] = mapping.get("mode", "default")
        data[f"map-{index}-ambiguous"] = mapping.get("ambiguous", "AuthenticatedRole")
        data.update(rows(f"map-{index}-rule", mapping.get("rules", [])))
    return data
