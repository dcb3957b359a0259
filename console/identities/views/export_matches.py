"""The inventory browser's export: its matches as CSV, streamed from the inventory.

No Cognito call: the file is what the inventory knew as of the pool's last sync, and says so
(its name, and a column on every row). Reading identities in bulk is what the export job is
for (run_jobs: admins), so the same permission, and every download is an audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from console.accounts.roles import permission_required
from console.audit.export import streaming_writer
from console.audit.record import record_console_action
from console.aws.ids import region_of
from console.inventory import queries, querystring

from ..links import valid_cognito_id

HEADER = ["identity_id", "created", "last_modified", "login_providers", "disabled", "inventory_as_of"]


def _iso(when: dt.datetime | None) -> str:
    return when.astimezone(dt.UTC).isoformat() if when else ""


def _lines(pool_id: str, parsed: querystring.Parsed, as_of: dt.datetime | None) -> Iterator[str]:
    writer = streaming_writer()
    yield writer.writerow(HEADER)
    stamp = _iso(as_of) or "never synced"
    for identity in queries.iterate_matches(pool_id, parsed.filters, parsed.sort):
        disabled = "" if identity.disabled is None else str(identity.disabled).lower()
        row = [identity.identity_id, _iso(identity.created), _iso(identity.modified)]
        yield writer.writerow([*row, " ".join(identity.providers), disabled, stamp])


@require_safe
@permission_required("run_jobs")
def export_matches(request: HttpRequest, pool_id: str) -> HttpResponse:
    """The browser's matches (its filters and order, from the query string) as a CSV download."""
    pool_id = valid_cognito_id(pool_id)
    parsed = querystring.parse(request.GET)
    stats = queries.stats(pool_id)
    record_console_action(
        "inventory.export_matches",
        pool_id=pool_id,
        region=region_of(pool_id),
        request={
            "filters": querystring.encode(parsed.filters, parsed.sort),
            "matches": queries.count_matches(pool_id, parsed.filters),
            "as_of": _iso(stats.as_of),
        },
    )
    stamp = stats.as_of.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ") if stats.as_of else "never-synced"
    response = StreamingHttpResponse(
        _lines(pool_id, parsed, stats.as_of), content_type="text/csv; charset=utf-8"
    )
    name = f"identities-{pool_id.replace(':', '_')}-inventory-as-of-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
