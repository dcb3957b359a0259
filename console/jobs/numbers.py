"""What a job's numbers mean, in words, and the segments of its bar (the job list, a job's page).

`Job.done` counts something different for each kind: a delete's deleted identities, a merge's
merged pairs, a dry run's matches (it deletes nothing), an export's identities written, a
sync's identities listed. Pages never show a bare "done": they show these words, with one
number format (1,200), and a bar whose done, failed and skipped parts are apart, each named in
text beside it (colour is never the only signal). A kind whose total is not known until the
pool is listed (a dry run, an export, a sync) has no proportion to draw while it lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.charts import number

from .models import ACTIVE, Job, Kind, Status

__all__ = ["Count", "Numbers", "Segment", "cancel_effects", "number", "numbers_of"]


@dataclass(frozen=True)
class Count:
    """One of the job's numbers: `label` names it ("Deleted"), `words` says it ("1,180 deleted")."""

    key: str  # done, failed, skipped, listed, matched, pages, gone, enabled
    label: str
    value: int

    @property
    def words(self) -> str:
        return f"{number(self.value)} {self.label.lower()}"


@dataclass(frozen=True)
class Segment:
    """A part of the bar, in percent of its width."""

    outcome: str  # done, failed, skipped (a walk that stopped early: stopped)
    words: str
    start: float
    width: float


@dataclass(frozen=True)
class Numbers:
    summary: str  # "1,200 listed · 19 matched so far"
    counts: tuple[Count, ...]  # every number of the kind, zeros included
    segments: tuple[Segment, ...]  # empty while `listing`
    listing: bool  # the total is not known yet: the bar can only say it is listing
    # What the rate counts (per second), and in which unit.
    progressed: int
    unit: str


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


# The narrowest a part of the bar is drawn (in percent): one failure among 100,000 stays visible,
# also in the job list's small bar.
MIN_WIDTH = 2.0


def _segments(counts: tuple[Count, ...], total: int) -> tuple[Segment, ...]:
    """The bar's parts in order, each as wide as its share of the total, none narrower than
    MIN_WIDTH (the widest gives up what that adds)."""
    shown = [count for count in counts if count.value] if total else []
    widths = [max(MIN_WIDTH, 100 * count.value / total) for count in shown]
    excess = sum(widths) - 100
    if excess > 0:
        widest = widths.index(max(widths))
        widths[widest] -= excess
    segments, start = [], 0.0
    for count, width in zip(shown, widths, strict=True):
        segments.append(Segment(count.key, count.words, round(start, 2), round(width, 2)))
        start += width
    return tuple(segments)


def _item_kind(job: Job) -> Numbers:
    """Delete, merge and a prune's real run: a known total, each item done, failed or skipped."""
    verb = "Merged" if job.kind == Kind.MERGE else "Deleted"
    counts = (
        Count("done", verb, job.done),
        Count("failed", "Failed", job.failed),
        Count("skipped", "Skipped", job.skipped),
    )
    told = [counts[0], *(count for count in counts[1:] if count.value)]
    if job.kind == Kind.MERGE:
        scope = f"{number(job.total)} {_plural(job.total, 'pair', 'pairs')}"
    elif job.kind == Kind.PRUNE:
        scope = f"{number(job.total)} matched by the dry run"
    else:
        scope = f"{number(job.total)} {_plural(job.total, 'identity', 'identities')}"
    summary = f"{scope}: {' · '.join(count.words for count in told)}"
    if job.status in ACTIVE:
        summary += " so far"
    unit = "pairs" if job.kind == Kind.MERGE else "identities"
    return Numbers(summary, counts, _segments(counts, job.total), False, job.processed, unit)


def _walk_end(job: Job, words: str) -> tuple[Segment, ...]:
    """A walk's bar once its listing ended: whole when it listed the whole pool, else stopped."""
    if job.status in ACTIVE and job.walk_state == "listing":
        return ()
    if job.status in (Status.CANCELLED, Status.CANCELLING):
        return (Segment("stopped", "stopped early: cancelled", 0.0, 100.0),)
    if job.error or job.status in (Status.FAILED, Status.PARTIALLY_FAILED):
        return (Segment("failed", "stopped early on an error", 0.0, 100.0),)
    return (Segment("done", words, 0.0, 100.0),)


def _ending(job: Job) -> str:
    """How a walk's summary ends: still going, or why it stopped before the end of the pool."""
    if job.status in ACTIVE:
        return " so far"
    if job.status == Status.CANCELLED:
        return ", then it was cancelled"
    if job.status != Status.SUCCEEDED:
        return ", then it stopped on an error"
    return ""


def _dry_run(job: Job) -> Numbers:
    cursor = job.cursor or {}
    listed, pages = int(cursor.get("listed", 0)), int(cursor.get("pages", 0))
    counts = (Count("listed", "Listed", listed), Count("matched", "Matched", job.total))
    if cursor.get("pass") == 1 and job.walk_state == "listing":
        # The disabled filter's first pass only remembers ids: nothing is counted yet.
        summary = f"First pass: {number(pages)} {_plural(pages, 'page', 'pages')} listed; 0 matched so far"
    else:
        summary = f"{counts[0].words} · {counts[1].words}{_ending(job)}"
        if job.status == Status.SUCCEEDED:
            summary += f": a prune would delete {number(job.total)}"
    listing = job.walk_state == "listing" and job.status in ACTIVE
    return Numbers(summary, counts, _walk_end(job, "listed to the end"), listing, listed, "identities listed")


def _export(job: Job) -> Numbers:
    cursor = job.cursor or {}
    pages = int(cursor.get("pages", 0))
    counts = (Count("done", "Written", job.done), Count("pages", "Pages listed", pages))
    written = f"{number(job.done)} {_plural(job.done, 'identity', 'identities')} written"
    summary = written + _ending(job)
    if job.status == Status.SUCCEEDED:
        summary += ": the whole pool"
    listing = job.walk_state == "listing" and job.status in ACTIVE
    return Numbers(
        summary, counts, _walk_end(job, "written to the end"), listing, job.done, "identities written"
    )


def _sync(job: Job) -> Numbers:
    cursor = job.cursor or {}
    listed = int(cursor.get("listed", 0))
    counts = [Count("listed", "Listed", listed)]
    if job.params.get("disabled"):
        counts.append(Count("enabled", "Enabled", int(cursor.get("enabled", 0))))
    if job.status == Status.SUCCEEDED:
        counts.append(Count("gone", "Marked gone", int(cursor.get("marked_gone", 0))))
    summary = " · ".join(count.words for count in counts) + _ending(job)
    if job.status in (Status.CANCELLED, Status.FAILED):
        summary += "; nothing was marked gone"
    listing = job.walk_state == "listing" and job.status in ACTIVE
    return Numbers(
        summary, tuple(counts), _walk_end(job, "listed to the end"), listing, listed, "identities listed"
    )


def numbers_of(job: Job) -> Numbers:
    """The job's numbers in words and its bar, as its kind means them."""
    if job.kind == Kind.PRUNE_DRY_RUN:
        return _dry_run(job)
    if job.kind == Kind.EXPORT:
        return _export(job)
    if job.kind == Kind.SYNC:
        return _sync(job)
    return _item_kind(job)


def cancel_effects(job: Job, *, partial_of: int | None = None) -> list[str]:
    """What cancelling the job does and does not undo, in sentences (the confirmation page).

    `partial_of`: an export's pool size as the inventory last counted it, if known."""
    done = number(job.done)
    if job.kind == Kind.DELETE:
        return [
            f"Identities already deleted stay deleted ({done} so far): cancelling brings none back.",
            "Calls already running finish (up to 60 identities each); the identities not reached are "
            "not deleted, and the results list them as skipped.",
        ]
    if job.kind == Kind.MERGE:
        return [
            f"Pairs already merged stay merged ({done} so far): cancelling undoes no merge.",
            "Merges already running finish; the pairs not reached are not merged, and the results list "
            "them as skipped.",
        ]
    if job.kind == Kind.PRUNE:
        return [
            f"Identities already deleted stay deleted ({done} so far): cancelling brings none back.",
            "The listing stops after its current page and deletes already sent finish; the dry run's "
            "matches not reached are not deleted, and the results list them as skipped.",
        ]
    if job.kind == Kind.PRUNE_DRY_RUN:
        return [
            "Nothing is deleted either way: a dry run only counts.",
            f"The listing stops after its current page. The matches found so far ({number(job.total)}) "
            "stay on the job's page, but a cancelled dry run cannot be run for real: start a new dry run "
            "to prune.",
        ]
    if job.kind == Kind.EXPORT:
        of = f" of {number(partial_of)}" if partial_of is not None else ""
        return [
            "The listing stops after the page it is writing.",
            f"The identities written so far stay in a partial file (now {done}{of}), which stays "
            "downloadable from the job's page, labelled “partial”, for as long as a finished export's "
            "file; it lacks every identity not listed yet.",
        ]
    return [
        "The listing stops after its current page.",
        f"The inventory keeps the {number(int((job.cursor or {}).get('listed', 0)))} identities listed so "
        "far and marks nothing gone: only a sync that lists the whole pool does.",
    ]
