"""The identity browser's selection: a page's ticks kept across pages, and handed to a bulk delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from console.accounts.roles import permission_required
from console.htmx import go_to
from console.jobs import intake

from .. import selection
from ..links import valid_cognito_id
from .browser import show

# The actions of the selection form's buttons; a POST without one keeps the page's ticks.
ACTIONS = ("save", "page", "clear", "delete")
_QUERY_MAX = 4096


def _page_query(value: str | None) -> str:
    """A page of this pool's browser, as its query string ("?…"): never another address."""
    value = value or ""
    if not value.startswith("?") or len(value) > _QUERY_MAX or any(ch in value for ch in "\r\n#"):
        return "?"
    return value


@require_POST
@permission_required("run_jobs")
def selection_view(request: HttpRequest, pool_id: str) -> HttpResponse:
    """Keep this page's ticks in the pool's selection, then show the page asked for (`go`, or
    this one again); "delete" hands the whole selection to the bulk delete's review."""
    pool_id = valid_cognito_id(pool_id)
    action = request.POST.get("action") or "save"
    here = _page_query(request.POST.get("here"))
    shown = request.POST.getlist("shown")
    notes: list[str] = []
    if action == "clear":
        selection.clear(request, pool_id)
    elif action in ACTIONS:
        ticked = shown if action == "page" else request.POST.getlist("identity_id")
        notes = selection.change(request, pool_id, shown=shown, ticked=ticked)
    else:
        notes = ["That button is not one of this page's: the selection was not changed."]
    if action == "delete" and not notes:
        return _hand_over(request, pool_id, here)
    # With a problem to read, the same page again (its ticks as the selection now has them).
    return _answer(request, pool_id, here if notes else _page_query(request.POST.get("go") or here), notes)


def _hand_over(request: HttpRequest, pool_id: str, here: str) -> HttpResponse:
    """The selection as a bulk-delete draft, checked like a pasted list, and its review."""
    chosen = selection.current(request, pool_id)
    if not chosen.ids:
        return _answer(request, pool_id, here, ["Tick at least one identity to delete."])
    checked = intake.check_delete(pool_id, "\n".join(chosen.ids))
    if not checked.ok:
        return _answer(request, pool_id, here, checked.problems)
    draft = intake.save_draft(checked, request.user)
    selection.hand_over(request, pool_id, draft.pk)
    return go_to(request, reverse("jobs:confirm", kwargs={"draft_id": draft.pk}))


def _answer(request: HttpRequest, pool_id: str, query: str, notes: list[str]) -> HttpResponse:
    """Post/Redirect/Get to the page; htmx gets that page's table at once, and its URL."""
    url = reverse("identities:browser", args=[pool_id]) + (query if query != "?" else "")
    if not request.htmx:
        for note in notes:
            messages.warning(request, note)
        return redirect(url)
    response = show(request, pool_id, QueryDict(query[1:]), notes)
    response["HX-Push-Url"] = url
    return response
