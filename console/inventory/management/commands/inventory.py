"""`manage.py inventory`: the identity inventory for operators' scripts.

    inventory stats --pool POOL_ID [--json]   the pool's counts (identities not gone), as of
                                              its last complete sync
    inventory find IDENTITY_ID                the identity's pool; exit 0: known, 1: unknown,
                                              2: known gone (when and how on stdout)

Both read the inventory only: no Cognito call.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from console.inventory import queries

UNKNOWN = 1
GONE = 2


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class Command(BaseCommand):
    help = "Counts of a pool's identities and the pool of an identity, from the identity inventory."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        stats = actions.add_parser("stats", help="a pool's counts as of its last complete sync")
        stats.add_argument("--pool", required=True, help="identity pool id")
        stats.add_argument("--json", action="store_true", help="one JSON object")
        find = actions.add_parser("find", help="the pool of an identity (exit 1: unknown, 2: gone)")
        find.add_argument("identity_id")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "stats":
            self._stats(options["pool"], as_json=options["json"])
        else:
            self._find(options["identity_id"])

    def _stats(self, pool_id: str, *, as_json: bool) -> None:
        found = queries.stats(pool_id)
        if as_json:
            document = {
                "pool_id": pool_id,
                "total": found.total,
                "guests": found.guests,
                "signed_in": found.signed_in,
                "disabled": found.disabled,
                "providers": found.providers,
                "as_of": _iso(found.as_of),
                "disabled_as_of": _iso(found.disabled_as_of),
                "syncing_since": _iso(found.syncing_since),
            }
            self.stdout.write(json.dumps(document))
            return
        as_of = f"as of {found.as_of:%Y-%m-%d %H:%M} UTC" if found.as_of else "never synced"
        self.stdout.write(f"{pool_id}: {found.total:,} identities ({as_of})")
        self.stdout.write(f"  guests: {found.guests:,}")
        for provider, count in found.providers.items():
            self.stdout.write(f"  {provider}: {count:,}")
        disabled = (
            f"{found.disabled:,}" if found.disabled is not None else "unknown (no sync with --disabled)"
        )
        self.stdout.write(f"  disabled: {disabled}")

    def _find(self, identity_id: str) -> None:
        found = queries.pool_of(identity_id.strip())
        if found is None:
            raise CommandError(f"{identity_id}: unknown to the inventory.", returncode=UNKNOWN)
        if found.gone is None:
            self.stdout.write(found.pool_id)
            return
        gone = found.gone
        by = "".join(
            [
                f", job {gone.job_id}" if gone.job_id else "",
                f", audit event {gone.event_id}" if gone.event_id else "",
            ]
        )
        self.stdout.write(f"{found.pool_id}\ngone since {gone.at.isoformat()} ({gone.how}{by})")
        raise CommandError(f"{identity_id}: gone from {found.pool_id} ({gone.how}).", returncode=GONE)
