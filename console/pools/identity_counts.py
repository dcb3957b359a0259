"""The pool page's Identities section: counts as of the last complete sync, and three charts.

Everything comes from the inventory's kept rows (the pool's state and its daily counts: a few
rows whatever the pool's size), never from counting identities at page time.

The daily rows hold a total only on days a sync completed; `created` and `gone` are known for
every day since 90 days before the first sync. So the identities-over-time line is worked back
from each recorded total: the day before held this day's total, less the identities created on
this day, plus those gone on it. Guests and signed-in are known only on sync days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from console import charts
from console.inventory import queries

from .providers import provider_label

HISTORY_DAYS = 90


@dataclass(frozen=True)
class ProviderCount:
    key: str
    label: str
    count: int

    @property
    def shown(self) -> str:
        return charts.number(self.count)


@dataclass(frozen=True)
class DayRow:
    """One day of the charts' tables. `recorded`: the total was counted by a sync that day
    (else worked back from the days after it)."""

    day: dt.date
    total: int | None
    recorded: bool
    created: int
    gone: int
    guests: int | None

    @property
    def signed_in(self) -> int | None:
        return (
            None
            if self.total is None or self.guests is None or not self.recorded
            else self.total - self.guests
        )


@dataclass(frozen=True)
class IdentityCounts:
    stats: queries.PoolStats
    providers: tuple[ProviderCount, ...]
    days: tuple[DayRow, ...]
    over_time: charts.LineChart | None
    created_gone: charts.DivergingChart | None
    guests_signed_in: charts.BarChart | None

    @property
    def synced(self) -> bool:
        return self.stats.as_of is not None

    @property
    def total(self) -> str:
        return charts.number(self.stats.total)

    @property
    def guests(self) -> str:
        return charts.number(self.stats.guests)

    @property
    def signed_in(self) -> str:
        return charts.number(self.stats.signed_in)

    @property
    def disabled(self) -> str | None:
        """None when no sync with the disabled option has completed."""
        return None if self.stats.disabled is None else charts.number(self.stats.disabled)

    @property
    def sync_days(self) -> tuple[DayRow, ...]:
        return tuple(row for row in self.days if row.recorded and row.guests is not None)


def worked_back_totals(rows: list[queries.DailyCounts]) -> list[int | None]:
    """Each day's total: recorded, or worked back from the next day's (None before any)."""
    totals: list[int | None] = [None] * len(rows)
    later: int | None = None
    for index in range(len(rows) - 1, -1, -1):
        row = rows[index]
        if row.total is not None:
            later = row.total
        elif later is not None:
            following = rows[index + 1]
            later = max(0, later - following.created + following.gone)
        totals[index] = later
    return totals


def _days(rows: list[queries.DailyCounts]) -> tuple[DayRow, ...]:
    """One row per day from the first daily row to the last (days without a row: nothing known)."""
    if not rows:
        return ()
    by_day = {row.day: row for row in rows}
    first, last = rows[0].day, rows[-1].day
    filled = [
        by_day.get(day) or queries.DailyCounts(day, None, None, None, None, 0, 0)
        for day in (first + dt.timedelta(days=offset) for offset in range((last - first).days + 1))
    ]
    totals = worked_back_totals(filled)
    return tuple(
        DayRow(row.day, total, row.total is not None, row.created, row.gone, row.guests)
        for row, total in zip(filled, totals, strict=True)
    )


def identity_counts(pool_id: str, *, today: dt.date | None = None) -> IdentityCounts:
    """The section's counts and charts (two queries: the pool's state and its daily rows)."""
    stats = queries.stats(pool_id)
    providers = tuple(
        ProviderCount(key, provider_label(key), count) for key, count in stats.providers.items()
    )
    if stats.as_of is None:
        return IdentityCounts(stats, providers, (), None, None, None)
    days = _days(queries.history(pool_id, HISTORY_DAYS, today=today))
    dates = [row.day for row in days]
    sync_days = [row for row in days if row.recorded and row.guests is not None]
    return IdentityCounts(
        stats,
        providers,
        days,
        charts.line_chart(dates, [row.total for row in days]) if days else None,
        charts.diverging_bars(dates, [row.created for row in days], [row.gone for row in days])
        if days
        else None,
        charts.stacked_bars(
            [row.day for row in sync_days],
            [
                ("Guests", [row.guests or 0 for row in sync_days]),
                ("Signed in", [row.signed_in or 0 for row in sync_days]),
            ],
        )
        if sync_days
        else None,
    )
