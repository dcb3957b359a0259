"""Creating a pool, and editing its settings: form, review of the diff, save.

UpdateIdentityPool replaces every member, so the edit starts from DescribeIdentityPool and
sends all of them back (tags too, which the form does not show). The form carries, sealed,
what it started from (`base`: the answer's fingerprint and settings). Before the review and
again before saving, the pool is read again: if it changed meanwhile (another admin, another
tab, the CLI), the admin sees both sets of changes and chooses to re-apply theirs over the
new version (reviewed again) or to start over; nothing is overwritten silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from console.accounts.regions import current_region
from console.accounts.roles import permission_required
from console.aws import errors as aws_errors
from console.aws.catalog import forget_catalog
from console.aws.pools import Pool, PoolSettings, create_pool, describe_pool, update_pool
from console.safeguards.reauth import recent_auth_required

from .. import changes, sections
from ..access import back_to_pool, from_pool_page, gateway_error_page, pool_page
from ..forms import PoolEditor
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


def _proposal(request: HttpRequest) -> PoolSettings | None:
    value = unseal(request.POST.get("proposal"))
    return PoolSettings.from_api(value) if isinstance(value, dict) else None


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
    except aws_errors.CognitoError as exc:
        editor.place_service_error(exc)
        return _new_page(request, editor)
    messages.success(request, f"Pool “{pool.name}” created in {pool.region}.")
    return back_to_pool(request, pool.pool_id)


def _new_page(request: HttpRequest, editor: PoolEditor) -> HttpResponse:
    context = {"editor": editor, "section_id": "pool-form", "form_action": reverse("pools:new")}
    template = "pools/new.html#section" if request.htmx else "pools/new.html"
    return render(request, template, context)


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
    step: Callable[[HttpRequest, Pool, Base], HttpResponse] = _STEPS.get(
        request.POST.get("step", ""), _review
    )
    return step(request, current, base)


def _render(request: HttpRequest, pool: Pool, step: str, context: dict[str, Any]) -> HttpResponse:
    context.update(pool=pool, pool_id=pool.pool_id, step=step, section_id=SECTION_ID)
    context["form_action"] = reverse("pools:edit", args=[pool.pool_id])
    context["in_place"] = from_pool_page(request, pool.pool_id)
    template = "pools/edit.html#section" if request.htmx else "pools/edit.html"
    return render(request, template, context)


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


def _review(request: HttpRequest, current: Pool, base: Base) -> HttpResponse:
    editor = PoolEditor.from_post(
        request.POST, creating=False, developer_locked=base.settings.developer_provider_name
    )
    if not editor.is_valid():
        return _form(request, current, editor, base)
    # Tags are not on this form; they go back as they were (the tags section changes them).
    proposal = editor.settings(tags=base.settings.tags)
    if current.fingerprint != base.fingerprint:
        return _conflict(request, current, base, proposal)
    return _review_page(request, current, proposal)


def _review_page(
    request: HttpRequest, current: Pool, proposal: PoolSettings, overlaps: list[str] | None = None
) -> HttpResponse:
    diff = changes.diff(
        changes.settings_items(current.settings), changes.settings_items(proposal), overlaps or ()
    )
    context = {"changes": diff, "base": Base.of(current).sealed(), "proposal": seal(proposal.to_api())}
    return _render(request, current, "review", context)


def _conflict(request: HttpRequest, current: Pool, base: Base, proposal: PoolSettings) -> HttpResponse:
    base_items = changes.settings_items(base.settings)
    theirs = changes.diff(base_items, changes.settings_items(current.settings))
    mine = changes.diff(base_items, changes.settings_items(proposal))
    both = {change.key for change in theirs} & {change.key for change in mine}
    context = {
        "theirs": theirs,
        "mine": mine,
        "both": sorted(changes.label(key) for key in both),
        "base": base.sealed(),
        "proposal": seal(proposal.to_api()),
    }
    return _render(request, current, "conflict", context)


def _back(request: HttpRequest, current: Pool, base: Base) -> HttpResponse:
    proposal = _proposal(request)
    if proposal is None:
        return _form(request, current, PoolEditor.from_settings(current.settings), Base.of(current), EXPIRED)
    editor = PoolEditor.from_settings(proposal, developer_locked=base.settings.developer_provider_name)
    return _form(request, current, editor, base)


def _reapply(request: HttpRequest, current: Pool, base: Base) -> HttpResponse:
    """My changes (proposal against base) re-applied over the pool as it is now, for review."""
    proposal = _proposal(request)
    if proposal is None:
        return _form(request, current, PoolEditor.from_settings(current.settings), Base.of(current), EXPIRED)
    merged, overlaps = changes.merge(
        changes.settings_items(base.settings),
        changes.settings_items(proposal),
        changes.settings_items(current.settings),
    )
    return _review_page(request, current, changes.settings_from_items(merged), overlaps)


def _save(request: HttpRequest, current: Pool, base: Base) -> HttpResponse:
    proposal = _proposal(request)
    if proposal is None:
        return _form(request, current, PoolEditor.from_settings(current.settings), Base.of(current), EXPIRED)
    if current.fingerprint != base.fingerprint:
        # Changed between the review and the click on "Save changes".
        return _conflict(request, current, base, proposal)
    try:
        saved = update_pool(current.pool_id, proposal, before=current.settings)
        forget_catalog()
    except aws_errors.CognitoError as exc:
        editor = PoolEditor.from_settings(proposal, developer_locked=current.settings.developer_provider_name)
        editor.place_service_error(exc)
        return _form(request, current, editor, Base.of(current))
    return _saved(request, saved)


def _saved(request: HttpRequest, saved: Pool) -> HttpResponse:
    text = f"Settings of “{saved.name}” saved."
    if from_pool_page(request, saved.pool_id):
        context = sections.section_context(request, saved.pool_id, "settings", pool=saved)
        return render(request, "pools/detail.html#settings", {**context, "saved_message": text})
    messages.success(request, text)
    return back_to_pool(request, saved.pool_id)


_STEPS: dict[str, Callable[[HttpRequest, Pool, Base], HttpResponse]] = {
    "review": _review,
    "back": _back,
    "reapply": _reapply,
    "save": _save,
}
