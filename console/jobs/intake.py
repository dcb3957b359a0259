"""The intake of a delete or merge: its input checked against its pool, kept as a draft, started.

Shared by the pages and `manage.py job`.

A delete's input is checked in two steps: its lines here (malformed ids, other regions,
duplicates), then each id's pool (console/jobs/membership.py), which takes a second per five
ids: the pages run it in a task after saving the draft, the command in its own process. A
merge's lines likewise, then whether each source developer user exists in the pool (same module).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from console.aws import jobs_calls
from console.inventory import queries, querystring

from . import membership, parsing, runner
from .models import CheckStatus, Draft, Job, Kind
from .pool import find_pool


@dataclass(frozen=True)
class Checked:
    """A job's input checked against its pool: ready when `parsed.ok` and no pool problem."""

    kind: str
    pool: jobs_calls.JobPool | None
    parsed: parsing.Parsed
    pool_problem: str = ""

    @property
    def ok(self) -> bool:
        return self.pool is not None and not self.pool_problem and self.parsed.ok

    @property
    def problems(self) -> list[str]:
        return ([self.pool_problem] if self.pool_problem else []) + self.parsed.shown_problems()

    @property
    def params(self) -> dict[str, str]:
        if self.kind == Kind.MERGE and self.pool and self.pool.developer_provider:
            return {"developer_provider": self.pool.developer_provider}
        return {}


def check_delete(pool_id: str, text: str, matches: str = "") -> Checked:
    """A delete's input: `text` (ids, one a line), or the inventory's `matches` of a filter."""
    pool, problem = find_pool(pool_id)
    pool_id = pool.pool_id if pool else pool_id.strip()
    if matches:
        text = "" if problem else matches_text(pool_id, matches)
    parsed = parsing.parse_identity_ids(text, pool_id)
    if matches:
        parsed.notes.insert(0, describe_matches(pool_id, matches))
    return Checked(Kind.DELETE, pool, parsed, problem)


def _matches_filter(matches: str) -> querystring.Parsed:
    return querystring.parse(QueryDict("" if matches == "all" else matches))


def matches_text(pool_id: str, matches: str) -> str:
    """The ids of every identity of the pool the inventory has matching `matches` (the
    browser's filter as a query string), one a line. Only a proposal: the membership check and
    the job ask the live service (DESIGN.md invariant 7)."""
    parsed = _matches_filter(matches)
    return "\n".join(
        identity.identity_id for identity in queries.iterate_matches(pool_id, parsed.filters, parsed.sort)
    )


def describe_matches(pool_id: str, matches: str) -> str:
    """ "All 1,234 identities matching guests, created before 2026-03-01, from the inventory as of …" """
    parsed = _matches_filter(matches)
    count = queries.count_matches(pool_id, parsed.filters)
    as_of = queries.stats(pool_id).as_of
    when = as_of.strftime("%Y-%m-%d %H:%M UTC") if as_of else "never synced"
    return (
        f"All {count:,} identities matching: {querystring.describe(parsed.filters)} "
        f"(from the inventory as of {when}). Each is checked against the live pool before anything is deleted."
    )


def check_merge(pool_id: str, text: str) -> Checked:
    pool, problem = find_pool(pool_id)
    if pool is not None and not pool.developer_provider:
        problem = f"Pool {pool.name} ({pool.pool_id}) has no developer provider: only developer users can be merged."
    return Checked(Kind.MERGE, pool, parsing.parse_merge_pairs(text), problem)


def save_draft(checked: Checked, user: AbstractBaseUser) -> Draft:
    """Keep a checked input until its confirmation (see Draft), and check it against the pool:
    a delete's ids (do they belong to it?) and a merge's sources (do they exist in it?) go to a
    task; a merge of a few pairs is checked here, in the request (membership.INLINE_SOURCES)."""
    assert checked.ok and checked.pool is not None
    now = timezone.now()
    inline = checked.kind == Kind.MERGE and len(checked.parsed.targets) <= membership.INLINE_SOURCES
    with transaction.atomic():
        draft = Draft.objects.create(
            kind=checked.kind,
            pool_id=checked.pool.pool_id,
            pool_name=checked.pool.name,
            params=checked.params,
            targets=[[t.line, t.target, t.destination] for t in checked.parsed.targets],
            notes=checked.parsed.notes,
            created_by=user,
            created_at=now,
            check_status=CheckStatus.CHECKING,
            check_moved_at=now,
            checked_at=None,
        )
        if not inline:
            membership.send_after_commit(draft.pk)
    if inline:
        # Out of time (a slow or throttled service), it sends itself to the task to go on.
        membership.run_check(draft.pk, seconds=membership.INLINE_SECONDS)
        draft.refresh_from_db()
    return draft


def check_membership(checked: Checked, progress: membership.Progress | None = None) -> membership.Found:
    """Check a delete's ids against its pool, or a merge's sources, in this process (CheckFailed if it cannot)."""
    assert checked.ok and checked.pool is not None
    entries = [(t.line, t.target) for t in checked.parsed.targets]
    return membership.check_entries(checked.pool.pool_id, entries, progress, kind=checked.kind)


def start(
    checked: Checked,
    *,
    reason: str,
    user: AbstractBaseUser,
    left_out: membership.Found | None = None,
) -> Job:
    """Create the job (and send its first chunks once it is committed), without `left_out`'s ids."""
    assert checked.ok and checked.pool is not None
    skipped = left_out.left_out() if left_out else set()
    return runner.create_job(
        checked.kind,
        checked.pool.pool_id,
        [t for t in checked.parsed.targets if t.target not in skipped],
        reason=reason,
        user=user,
        params=checked.params,
    )


def start_draft(draft: Draft, *, reason: str, user: AbstractBaseUser) -> Job | None:
    """Create the job from a confirmed draft, and forget the draft, in one transaction.

    None (nothing started) unless the draft is ready, with ids left to run: its check ended
    without error, and nobody started or discarded it meanwhile.
    """
    with transaction.atomic():
        draft = Draft.objects.select_for_update().filter(pk=draft.pk).first()
        if draft is None or not draft.startable:
            return None
        targets = [parsing.Target(line, target, destination) for line, target, destination in draft.targets]
        job = runner.create_job(
            draft.kind, draft.pool_id, targets, reason=reason, user=user, params=draft.params
        )
        draft.delete()
    return job


def confirmation_text(kind: str, count: int) -> str:
    """What the person types to start the job, e.g. "DELETE 1234 IDENTITIES"."""
    if kind == Kind.MERGE:
        return f"MERGE {count} {'PAIR' if count == 1 else 'PAIRS'}"
    return f"DELETE {count} {'IDENTITY' if count == 1 else 'IDENTITIES'}"
