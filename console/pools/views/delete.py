"""Deleting a pool: recent password, the pool's exact name typed, and a reason for the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from console.accounts.roles import permission_required
from console.aws import errors as aws_errors
from console.aws.catalog import forget_catalog
from console.aws.pools import Pool, delete_pool, describe_pool
from console.htmx import go_to
from console.inventory import pool_names
from console.safeguards.forms import DestructiveConfirmForm
from console.safeguards.reauth import recent_auth_required

from ..access import gateway_error_page, pool_page


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("edit_pools")
@pool_page
@recent_auth_required
def pool_delete(request: HttpRequest, pool_id: str) -> HttpResponse:
    """Ask for the pool's name and a reason (GET), then delete it with every identity (POST)."""
    try:
        pool = describe_pool(pool_id)
    except aws_errors.CognitoError as exc:
        return gateway_error_page(request, pool_id, exc)
    form = DestructiveConfirmForm(request.POST or None, expected_text=_expected_text(pool))
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            delete_pool(pool_id, reason=form.cleaned_data["reason"], before=pool.settings)
            forget_catalog()  # the support lookup's list of pools with a developer provider
            pool_names.seen([(pool.pool_id, pool.name)])
            pool_names.gone(pool.pool_id)  # its jobs keep showing its name, as deleted
        except aws_errors.CognitoError as exc:
            error = exc
        else:
            return _deleted(request, pool)
    return render(
        request, "pools/delete.html", {"pool": pool, "form": form, "error": error, **_changes(pool)}
    )


def _expected_text(pool: Pool) -> str:
    # The typed confirmation loses surrounding spaces, and a name may be all spaces (the
    # model's pattern allows it): then the pool id is what is typed.
    return pool.name.strip() or pool.pool_id


def _changes(pool: Pool) -> dict[str, object]:
    return {
        "changes": [
            f"Pool “{pool.name}” ({pool.pool_id}) will be deleted.",
            "Every identity of the pool will go with it: apps will lose them, and their ids will be gone for good.",
            "Its roles, role mappings, principal-tag maps and tags will be deleted too.",
        ],
        "cancel_url": reverse("pools:detail", args=[pool.pool_id]),
    }


def _deleted(request: HttpRequest, pool: Pool) -> HttpResponse:
    messages.success(request, f"Pool “{pool.name}” ({pool.pool_id}) deleted.")
    url = f"{reverse('pools:list')}?region={pool.region}"
    return go_to(request, url)
