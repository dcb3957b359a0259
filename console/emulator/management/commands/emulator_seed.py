"""Bulk-load identities into a pool of the embedded service (for demos and benchmarks)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from console.emulator.seeding import SeedError, seed_identities


class Command(BaseCommand):
    help = (
        "Add N identities to the identity pool called NAME (created, with Google and Facebook "
        "logins configured, when the region has no pool of that name)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pool", required=True, metavar="NAME", help="identity pool name")
        parser.add_argument("--identities", required=True, type=int, metavar="N", help="how many to add")
        parser.add_argument(
            "--developer-provider",
            metavar="P",
            help="developer provider name; some logins become developer user ids user-000001, ...",
        )
        parser.add_argument(
            "--logins-ratio", type=float, default=0.5, metavar="R", help="share with a linked login"
        )
        parser.add_argument(
            "--disabled-ratio", type=float, default=0.0, metavar="R", help="share disabled (no logins)"
        )
        parser.add_argument("--region", default=None, help="region (default: the first of AWS_REGIONS)")
        parser.add_argument(
            "--spread-days",
            type=int,
            default=0,
            metavar="D",
            help="spread creation dates over the last D days (default: all created now)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region = options["region"] or settings.AWS_REGIONS[0]
        started = time.monotonic()
        shown = [started]

        def progress(done: int, total: int) -> None:
            # A line every couple of seconds, not one per batch.
            now = time.monotonic()
            if done == total or now - shown[0] >= 2:
                shown[0] = now
                self.stdout.write(f"  {done:>10,} / {total:,} identities  ({now - started:.1f} s)")

        try:
            result = seed_identities(
                options["pool"],
                options["identities"],
                region=region,
                developer_provider=options["developer_provider"],
                logins_ratio=options["logins_ratio"],
                disabled_ratio=options["disabled_ratio"],
                progress=progress,
                spread_days=options["spread_days"],
            )
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Created" if result.pool_created else "Reused"
        self.stdout.write(
            f"{verb} pool {result.pool_id} ({options['pool']!r}, {region}); added {result.identities:,} "
            f"identities: {result.with_login:,} with a login, {result.disabled:,} disabled, "
            f"in {result.seconds:.1f} s."
        )
