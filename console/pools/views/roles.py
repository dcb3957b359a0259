"""Editing the pool's roles and role mappings (GetIdentityPoolRoles / SetIdentityPoolRoles).

SetIdentityPoolRoles replaces both roles and every mapping at once, so the section sends the
whole set back, after a review of the differences. As with the settings, the form carries a
fingerprint of what it started from and a change made meanwhile is shown, never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from console.accounts.roles import permission_required
from console.aws import errors as aws_errors
from console.aws import limits
from console.aws.pools import Pool, PoolRoles, describe_pool, get_roles, set_roles
from console.htmx import render_page
from console.safeguards.reauth import recent_auth_required

from .. import changes, sections
from ..access import from_pool_page, gateway_error_page, pool_page, section_saved
from ..providers import configured_providers, mapping_keys
from ..review import Edit, ReviewFlow
from ..roles_forms import RolesEditor
from ..rows import RowAction
from ..sealing import seal, unseal

SECTION_ID = "section-roles"
EXPIRED = "The form had expired or was altered on the way; it now shows the roles as they are."


@dataclass(frozen=True)
class RolesBase:
    """What the roles form started from: GetIdentityPoolRoles' fingerprint and configuration."""

    fingerprint: str
    roles: PoolRoles

    def sealed(self) -> str:
        return seal({"fingerprint": self.fingerprint, "roles": self.roles.to_api()})

    @classmethod
    def unsealed(cls, token: str | None) -> RolesBase | None:
        value = unseal(token)
        if not isinstance(value, dict) or not isinstance(value.get("roles"), dict):
            return None
        return cls(str(value.get("fingerprint", "")), PoolRoles.from_api(value["roles"]))


@dataclass(frozen=True)
class Current:
    pool: Pool
    roles: PoolRoles

    @property
    def base(self) -> RolesBase:
        return RolesBase(self.roles.fingerprint, self.roles)


FLOW = ReviewFlow(changes.roles_items, changes.roles_from_items, PoolRoles.from_api)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("edit_pools")
@pool_page
# Changes who can get which AWS credentials: the password again (docs' re-authentication rule).
@recent_auth_required
def pool_roles(request: HttpRequest, pool_id: str) -> HttpResponse:
    """Edit both roles and every role mapping (with the rules editor); save after a review."""
    try:
        current = Current(describe_pool(pool_id), get_roles(pool_id))
    except aws_errors.CognitoError as exc:
        return gateway_error_page(request, pool_id, exc)
    base = RolesBase.unsealed(request.POST.get("base")) if request.method == "POST" else None
    if base is None:
        notice = EXPIRED if request.method == "POST" else ""
        return _form(request, current, _editor(current.pool, current.roles), current.base, notice)
    action = RowAction.parse(request.POST.get("row"))
    if action is not None or request.POST.get("step") == "refresh":
        editor = _posted(request, current.pool)
        editor.apply_row_action(action) if action else editor.unbind()
        return _form(request, current, editor, base)
    edit = _edit(request, current, base)
    return edit.answer(
        request, lambda: _review(request, current, base, edit), lambda p: _save(request, current, p)
    )


def _editor(pool: Pool, roles: PoolRoles) -> RolesEditor:
    return RolesEditor.from_roles(roles, sections.mapping_rows(pool, roles))


def _posted(request: HttpRequest, pool: Pool) -> RolesEditor:
    by_key = {
        key: provider for provider in configured_providers(pool.settings) for key in provider.mapping_keys
    }
    return RolesEditor.from_post(request.POST, by_key)


def _render(request: HttpRequest, current: Current, step: str, context: dict[str, Any]) -> HttpResponse:
    pool = current.pool
    context.update(pool=pool, pool_id=pool.pool_id, step=step, section_id=SECTION_ID)
    context["form_action"] = reverse("pools:roles", args=[pool.pool_id])
    context["in_place"] = from_pool_page(request, pool.pool_id)
    return render_page(request, "pools/roles.html", context, partial="section")


def _form(
    request: HttpRequest, current: Current, editor: RolesEditor, base: RolesBase, notice: str = ""
) -> HttpResponse:
    context = {
        "editor": editor,
        "base": base.sealed(),
        "notice": notice,
        "mapping_limit": limits.count("RoleMappingMap").max_items,
    }
    return _render(request, current, "form", context)


def _edit(request: HttpRequest, current: Current, base: RolesBase) -> Edit[PoolRoles]:
    def form(proposal: PoolRoles | None) -> HttpResponse:
        if proposal is None:
            return _form(request, current, _editor(current.pool, current.roles), current.base, EXPIRED)
        return _form(request, current, _editor(current.pool, proposal), base)

    return Edit(
        FLOW,
        base.roles,
        current.roles,
        base.sealed(),
        current.base.sealed(),
        changed=current.roles.fingerprint != base.fingerprint,
        render=lambda step, context: _render(request, current, step, context),
        form=form,
    )


def _review(request: HttpRequest, current: Current, base: RolesBase, edit: Edit[PoolRoles]) -> HttpResponse:
    editor = _posted(request, current.pool)
    if not editor.is_valid(mapping_keys(current.pool.settings)):
        return _form(request, current, editor, base)
    return edit.checked(editor.roles())


def _save(request: HttpRequest, current: Current, proposal: PoolRoles) -> HttpResponse:
    try:
        set_roles(current.pool.pool_id, proposal, before=current.roles)
    except aws_errors.CognitoError as exc:
        editor = _editor(current.pool, proposal)
        editor.place_service_error(exc)
        return _form(request, current, editor, current.base)
    return _saved(request, current.pool)


def _saved(request: HttpRequest, pool: Pool) -> HttpResponse:
    return section_saved(request, pool, "roles", f"Roles and role mappings of “{pool.name}” saved.")
