"""The all-pools dashboard (/dashboard/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from console.accounts.roles import permission_required

from .. import dashboard as board


@require_safe
@permission_required("view_console")
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every region's pools ranked by size and by growth, their last sync, the never synced."""
    context = {"board": board.dashboard(), "growth_days": board.GROWTH_DAYS, "top": board.TOP}
    return render(request, "pools/dashboard.html", context)
