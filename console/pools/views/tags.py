"""The pool's tags (ListTagsForResource, TagResource, UntagResource on the pool's ARN)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from console.accounts.roles import permission_required
from console.aws import errors as aws_errors
from console.aws import limits
from console.aws.pools import Pool, change_tags, describe_pool, list_tags
from console.htmx import render_page

from ..access import from_pool_page, gateway_error_page, pool_page, section_saved
from ..forms import TagRow
from ..rows import RowAction, RowGroup, read_rows
from ..sealing import seal, unseal

SECTION_ID = "section-tags"


def _group(rows: list[dict[str, str]], bound: bool) -> RowGroup:
    return RowGroup("tag", TagRow, rows, "Tags", limits.tags_per_pool(), bound)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("edit_pools")
@pool_page
def pool_tags(request: HttpRequest, pool_id: str) -> HttpResponse:
    """Add, change and remove the pool's tags; only the differences are sent."""
    try:
        pool = describe_pool(pool_id)
        current = list_tags(pool_id)
    except aws_errors.CognitoError as exc:
        return gateway_error_page(request, pool_id, exc)
    base = unseal(request.POST.get("base")) if request.method == "POST" else None
    if not isinstance(base, dict):
        rows = [{"key": key, "value": value} for key, value in sorted(current.items())]
        return _form(request, pool, _group(rows, False), current)
    group = _group(read_rows(request.POST, "tag", ("key", "value")), True)
    action = RowAction.parse(request.POST.get("row"))
    if action is not None:
        group.apply(action)
        return _form(request, pool, group, base)
    if not group.is_valid() or not group.keys_unique():
        return _form(request, pool, group, base)
    after = {row["key"]: row["value"] for row in group.cleaned()}
    try:
        # Against the tags the form started from: a tag someone else added meanwhile stays.
        change_tags(pool_id, before=base, after=after)
    except aws_errors.CognitoError as exc:
        group.place_service_error(exc.message)
        return _form(request, pool, group, base, service_error=exc)
    return _saved(request, pool)


def _form(
    request: HttpRequest,
    pool: Pool,
    group: RowGroup,
    base: dict[str, Any],
    service_error: aws_errors.CognitoError | None = None,
) -> HttpResponse:
    context = {
        "pool": pool,
        "pool_id": pool.pool_id,
        "group": group,
        "base": seal(base),
        "service_error": service_error,
        "section_id": SECTION_ID,
        "form_action": reverse("pools:tags", args=[pool.pool_id]),
        "in_place": from_pool_page(request, pool.pool_id),
    }
    return render_page(request, "pools/tags.html", context, partial="section")


def _saved(request: HttpRequest, pool: Pool) -> HttpResponse:
    return section_saved(request, pool, "tags", f"Tags of “{pool.name}” saved.")
