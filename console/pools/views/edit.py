"""Creating a pool, and editing its settings: form, review of the diff, save.

UpdateIdentityPool replaces every member, so the edit starts from DescribeIdentityPool and
sends all of them back (tags too, which the form does not show). The form carries, sealed,
what it started from (`base`: the answer's fingerprint and settings). Before the review and
again before saving, the pool is read again: if it changed meanwhile (another admin, another
tab, the CLI), the admin sees both sets of changes and chooses to re-apply theirs over the
new version (reviewed again) or to start over; nothing is overwritten silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from console.accounts.regions import current_region
from console.accounts.roles import permission_required
from console.aws import errors as aws_errors
from console.aws.catalog import forget_catalog
from console.aws.pools import Pool, PoolSettings, create_pool, describe_pool, update_pool
from console.htmx import render_page
from console.inventory import pool_names
from console.safeguards.reauth import recent_auth_required

from .. import changes
from ..access import back_to_pool, from_pool_page, gateway_error_page, pool_page, section_saved
from ..forms import PoolEditor
from ..review import Edit, ReviewFlow
from ..rows import RowAction
from ..sealing import seal, unseal

SECTION_ID = "section-settings"
EXPIRED = "The form had expired or was altered on the way; it now shows the pool as it is."


@dataclass(frozen=True)
class Base:
    """What an edit started from: the fingerprint of DescribeIdentityPool's answer and its settings."""

    fingerprint: str
    settings: PoolSettings

    @classmethod
    def of(cls, pool: Pool) -> Base:
        return cls(pool.fingerprint, pool.settings)

    def sealed(self) -> str:
        return seal({"fingerprint": self.fingerprint, "settings": self.settings.to_api()})

    @classmethod
    def unsealed(cls, token: str | None) -> Base | None:
        value = unseal(token)
        if not isinstance(value, dict) or not isinstance(value.get("settings"), dict):
            return None
        return cls(str(value.get("fingerprint", "")), PoolSettings.from_api(value["settings"]))


FLOW = ReviewFlow(changes.settings_items, changes.settings_from_items, PoolSettings.from_api)


# --- create ------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("edit_pools")
def pool_new(request: HttpRequest) -> HttpResponse:
    """Create a pool (CreateIdentityPool) with every member the API takes, tags included."""
    if request.method == "GET":
        region = request.GET.get("region", "")
        region = region if region in django_settings.AWS_REGIONS else current_region(request)
        editor = PoolEditor.from_settings(PoolSettings(name=""), creating=True, region=region)
        return _new_page(request, editor)
    editor = PoolEditor.from_post(request.POST, creating=True)
    action = RowAction.parse(request.POST.get("row"))
    if action is not None:
        editor.apply_row_action(action)
        return _new_page(request, editor)
    if not editor.is_valid():
        return _new_page(request, editor)
    try:
        pool = create_pool(editor.form.cleaned_data["region"], editor.settings())
        forget_catalog()  # the support lookup's list of pools with a developer provider
        pool_names.seen([(pool.pool_id, pool.name)])
    except aws_errors.CognitoError as exc:
        editor.place_service_error(exc)
        return _new_page(request, editor)
    messages.success(request, f"Pool “{pool.name}” created in {pool.region}.")
    return back_to_pool(request, pool.pool_id)


def _new_page(request: HttpRequest, editor: PoolEditor) -> HttpResponse:
    context = {"editor": editor, "section_id": "pool-form", "form_action": reverse("pools:new")}
    return render_page(request, "pools/new.html", context, partial="section")


# --- edit --------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("edit_pools")
@pool_page
# Changes who can get which AWS credentials: the password again (docs' re-authentication rule).
@recent_auth_required
def pool_edit(request: HttpRequest, pool_id: str) -> HttpResponse:
    """Edit every setting of the pool; saving shows the diff, and applies it only on confirm."""
    try:
        current = describe_pool(pool_id)
    except aws_errors.CognitoError as exc:
        return gateway_error_page(request, pool_id, exc)
    base = Base.unsealed(request.POST.get("base")) if request.method == "POST" else None
    if base is None:
        notice = EXPIRED if request.method == "POST" else ""
        return _form(request, current, PoolEditor.from_settings(current.settings), Base.of(current), notice)
    if RowAction.parse(request.POST.get("row")) is not None:
        return _rows(request, current, base)
    edit = _edit(request, current, base)
    return edit.answer(
        request, lambda: _review(request, current, base, edit), lambda p: _save(request, current, p)
    )


def _render(request: HttpRequest, pool: Pool, step: str, context: dict[str, Any]) -> HttpResponse:
    context.update(pool=pool, pool_id=pool.pool_id, step=step, section_id=SECTION_ID)
    context["form_action"] = reverse("pools:edit", args=[pool.pool_id])
    context["in_place"] = from_pool_page(request, pool.pool_id)
    return render_page(request, "pools/edit.html", context, partial="section")


def _form(
    request: HttpRequest, current: Pool, editor: PoolEditor, base: Base, notice: str = ""
) -> HttpResponse:
    return _render(request, current, "form", {"editor": editor, "base": base.sealed(), "notice": notice})


def _rows(request: HttpRequest, current: Pool, base: Base) -> HttpResponse:
    editor = PoolEditor.from_post(
        request.POST, creating=False, developer_locked=base.settings.developer_provider_name
    )
    editor.apply_row_action(RowAction.parse(request.POST.get("row")))  # type: ignore[arg-type]
    return _form(request, current, editor, base)


def _edit(request: HttpRequest, current: Pool, base: Base) -> Edit[PoolSettings]:
    def form(proposal: PoolSettings | None) -> HttpResponse:
        if proposal is None:
            editor = PoolEditor.from_settings(current.settings)
            return _form(request, current, editor, Base.of(current), EXPIRED)
        editor = PoolEditor.from_settings(proposal, developer_locked=base.settings.developer_provider_name)
        return _form(request, current, editor, base)

    return Edit(
        FLOW,
        base.settings,
        current.settings,
        base.sealed(),
        Base.of(current).sealed(),
        changed=current.fingerprint != base.fingerprint,
        render=lambda step, context: _render(request, current, step, context),
        form=form,
    )


def _review(request: HttpRequest, current: Pool, base: Base, edit: Edit[PoolSettings]) -> HttpResponse:
    editor = PoolEditor.from_post(
        request.POST, creating=False, developer_locked=base.settings.developer_provider_name
    )
    if not editor.is_valid():
        return _form(request, current, editor, base)
    # Tags are not on this form; they go back as they were (the tags section changes them).
    return edit.checked(editor.settings(tags=base.settings.tags))


def _save(request: HttpRequest, current: Pool, proposal: PoolSettings) -> HttpResponse:
    try:
        saved = update_pool(current.pool_id, proposal, before=current.settings)
        forget_catalog()
        pool_names.seen([(saved.pool_id, saved.name)])  # a rename shows on the pool's jobs
    except aws_errors.CognitoError as exc:
        editor = PoolEditor.from_settings(proposal, developer_locked=current.settings.developer_provider_name)
        editor.place_service_error(exc)
        return _form(request, current, editor, Base.of(current))
    return _saved(request, saved)


def _saved(request: HttpRequest, saved: Pool) -> HttpResponse:
    return section_saved(request, saved, "settings", f"Settings of “{saved.name}” saved.")
