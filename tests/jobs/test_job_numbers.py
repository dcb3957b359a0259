"""What a job's numbers say on the job list and the job's page, per kind, running and ended; the
bar's failed part; the end shown by the last poll; cancel asked once (GET shows, POST cancels)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from console.audit.models import AuditEvent
from console.jobs import parsing
from console.jobs.models import Item, Job, Kind, Status, WalkState
from console.jobs.views.jobs import progress_context

from .conftest import developer_identity, drive, guest_identities, targets_of

pytestmark = pytest.mark.django_db

POOL = "us-east-1:0a1b2c3d-0000-4000-8000-0000000000aa"
GUESTS = {"filters": {"unauthenticated": True}}


def a_job(kind: str, status: str, **fields) -> Job:
    """A job row as the workers leave it, counters and walk position given."""
    now = timezone.now()
    ended = status not in (Status.QUEUED, Status.RUNNING, Status.CANCELLING)
    if kind == Kind.PRUNE:
        fields["dry_run"] = a_job(Kind.PRUNE_DRY_RUN, Status.SUCCEEDED, total=19, done=19, params=GUESTS)
    return Job.objects.create(
        kind=kind,
        pool_id=POOL,
        region="us-east-1",
        status=status,
        created_by_name="alice-admin",
        reason="OPS-1",
        started_at=now - timedelta(minutes=3),
        finished_at=now if ended else None,
        **fields,
    )


RUNNING, ENDED = Status.RUNNING, Status.SUCCEEDED
LISTING, LISTED = WalkState.LISTING, WalkState.LISTED

# kind, status, fields, what the page and the list say of its numbers
CASES = [
    (
        Kind.DELETE,
        RUNNING,
        {"total": 1234, "done": 380, "failed": 20},
        "1,234 identities: 380 deleted · 20 failed so far",
    ),
    (
        Kind.DELETE,
        Status.PARTIALLY_FAILED,
        {"total": 1234, "done": 1180, "failed": 20, "skipped": 34},
        "1,234 identities: 1,180 deleted · 20 failed · 34 skipped",
    ),
    (Kind.MERGE, RUNNING, {"total": 12, "done": 3}, "12 pairs: 3 merged so far"),
    (
        Kind.MERGE,
        Status.PARTIALLY_FAILED,
        {"total": 12, "done": 10, "failed": 2},
        "12 pairs: 10 merged · 2 failed",
    ),
    (
        Kind.PRUNE_DRY_RUN,
        RUNNING,
        {
            "total": 19,
            "done": 19,
            "walk_state": LISTING,
            "cursor": {"listed": 1200, "pages": 20},
            "params": GUESTS,
        },
        "1,200 listed · 19 matched so far",
    ),
    (
        Kind.PRUNE_DRY_RUN,
        ENDED,
        {
            "total": 19,
            "done": 19,
            "walk_state": LISTED,
            "cursor": {"listed": 1380, "pages": 23},
            "params": GUESTS,
        },
        "1,380 listed · 19 matched: a prune would delete 19",
    ),
    (
        Kind.PRUNE,
        RUNNING,
        {"total": 19, "done": 5, "walk_state": LISTING, "cursor": {"listed": 600}, "params": GUESTS},
        "19 matched by the dry run: 5 deleted so far",
    ),
    (
        Kind.PRUNE,
        ENDED,
        {"total": 19, "done": 17, "skipped": 2, "walk_state": LISTED, "params": GUESTS},
        "19 matched by the dry run: 17 deleted · 2 skipped",
    ),
    (
        Kind.EXPORT,
        RUNNING,
        {"total": 1380, "done": 1380, "walk_state": LISTING, "cursor": {"written": 1380, "pages": 23}},
        "1,380 identities written so far",
    ),
    (
        Kind.EXPORT,
        ENDED,
        {"total": 1380, "done": 1380, "walk_state": LISTED, "cursor": {"written": 1380, "pages": 23}},
        "1,380 identities written: the whole pool",
    ),
    (
        Kind.SYNC,
        RUNNING,
        {"total": 1380, "done": 1380, "walk_state": LISTING, "cursor": {"listed": 1380, "pages": 23}},
        "1,380 listed so far",
    ),
    (
        Kind.SYNC,
        ENDED,
        {"total": 1380, "done": 1380, "walk_state": LISTED, "cursor": {"listed": 1380, "marked_gone": 12}},
        "1,380 listed · 12 marked gone",
    ),
]


@pytest.mark.parametrize(
    ("kind", "status", "fields", "words"), CASES, ids=[f"{case[0]}-{case[1]}" for case in CASES]
)
def test_each_kind_says_what_its_numbers_mean_on_its_page_and_in_the_list(
    as_viewer, kind, status, fields, words
):
    job = a_job(kind, status, **fields)

    page = as_viewer.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    listed = as_viewer.get(reverse("jobs:list")).content.decode()

    assert f'data-testid="job-numbers">{words}.<' in page
    assert f'data-testid="job-numbers">{words}<' in listed
    assert "1380 of 1380" not in listed and "1,380 of 1,380" not in listed


@pytest.mark.parametrize("status", [RUNNING, ENDED])
def test_a_dry_run_never_says_done_or_deleted(as_admin, status):
    walk = LISTING if status == RUNNING else LISTED
    job = a_job(
        Kind.PRUNE_DRY_RUN,
        status,
        total=1200,
        done=1200,
        walk_state=walk,
        cursor={"listed": 5000, "pages": 84},
        params=GUESTS,
    )

    html = as_admin.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    listed = as_admin.get(reverse("jobs:list")).content.decode()

    for text in (html, listed):
        assert not re.search(r"\bDone\b", text)
        assert not re.search(r"\d deleted", text)
    assert 'data-testid="count-done"' not in html
    assert 'data-testid="count-matched">1,200<' in html and 'data-testid="count-listed">5,000<' in html


def test_a_partially_failed_job_shows_the_failed_part_of_its_bar(as_viewer, cognito, pool_id, make_job):
    developer_identity(cognito, pool_id, "a")
    developer_identity(cognito, pool_id, "b")
    pairs = [parsing.Target(1, "a", "b"), parsing.Target(2, "ghost", "b")]
    job = drive(make_job(Kind.MERGE, pool_id, pairs, developer_provider="login.example.app"))
    assert job.status == Status.PARTIALLY_FAILED

    for url in (reverse("jobs:detail", args=[job.pk]), reverse("jobs:list")):
        html = as_viewer.get(url).content.decode()
        parts = re.findall(
            r'<rect class="job-bar-(\w+)" x="([\d.]+)" width="([\d.]+)"[^>]*><title>([^<]*)</title>', html
        )
        assert parts == [("done", "0.00", "50.00", "1 merged"), ("failed", "50.00", "50.00", "1 failed")]
        assert "2 pairs: 1 merged · 1 failed" in html  # in words too, not in colour only


def test_one_failure_among_many_still_shows_in_the_bar(as_viewer):
    job = a_job(Kind.DELETE, Status.PARTIALLY_FAILED, total=100_000, done=99_999, failed=1)

    html = as_viewer.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    failed = re.search(r'<rect class="job-bar-failed" x="([\d.]+)" width="([\d.]+)"', html)
    assert failed and float(failed[2]) > 0 and float(failed[1]) + float(failed[2]) <= 100


def test_the_last_poll_of_a_job_that_ends_shows_its_end(as_admin, cognito, pool_id, make_job):
    job = make_job(Kind.DELETE, pool_id, targets_of(guest_identities(cognito, pool_id, 2)))
    url = reverse("jobs:progress", args=[job.pk])

    running = as_admin.get(url, HTTP_HX_REQUEST="true")
    drive(job)
    ended = as_admin.get(url, HTTP_HX_REQUEST="true")

    before, after = running.content.decode(), ended.content.decode()
    assert running.status_code == 200 and "Ended (UTC)" not in before and "Cancel job" in before
    assert ended.status_code == 286
    assert 'data-testid="job-ended"><dt>Ended (UTC)</dt>' in after
    assert 'data-testid="job-status">Succeeded<' in after
    assert 'data-testid="job-numbers">2 identities: 2 deleted.<' in after
    assert reverse("jobs:results", args=[job.pk]) in after  # the download that applies now
    assert "Cancel job" not in after and "hx-trigger" not in after
    # An inline cancel confirmation still open is cleared by the last poll.
    assert '<div id="cancel-confirm" hx-swap-oob="true"></div>' in after


def test_cancel_asks_first_and_the_question_changes_nothing(as_admin, make_job):
    job = make_job(
        Kind.DELETE, POOL, targets_of([f"us-east-1:{n:08x}-0000-4000-8000-000000000000" for n in range(3)])
    )

    response = as_admin.get(reverse("jobs:cancel", args=[job.pk]))

    html = response.content.decode()
    job.refresh_from_db()
    assert response.status_code == 200 and "<html" in html
    assert f"Cancel job #{job.pk}?" in html
    assert "Identities already deleted stay deleted (0 so far)" in html
    assert f'<form method="post" action="{reverse("jobs:cancel", args=[job.pk])}"' in html
    assert job.status == Status.QUEUED and not job.cancel_requested_at
    assert not AuditEvent.objects.filter(operation="job.cancel").exists()


def test_the_job_page_asks_to_cancel_through_a_link_htmx_shows_inline(as_admin, make_job):
    job = make_job(Kind.DELETE, POOL, targets_of(["us-east-1:00000001-0000-4000-8000-000000000000"]))
    cancel_url = reverse("jobs:cancel", args=[job.pk])

    page = as_admin.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    inline = as_admin.get(cancel_url, HTTP_HX_REQUEST="true")

    assert f'href="{cancel_url}" hx-get="{cancel_url}" hx-target="#cancel-confirm"' in page
    assert '<div id="cancel-confirm"></div>' in page
    assert (
        "<html" not in inline.content.decode() and 'data-testid="cancel-confirm"' in inline.content.decode()
    )
    assert "HX-Request" in inline["Vary"]


def test_posting_the_confirmation_cancels_and_is_audited(as_admin, admin, make_job):
    job = make_job(Kind.DELETE, POOL, targets_of(["us-east-1:00000001-0000-4000-8000-000000000000"]))

    response = as_admin.post(reverse("jobs:cancel", args=[job.pk]), follow=True)

    job.refresh_from_db()
    assert job.status == Status.CANCELLED and job.cancelled_by_name == admin.username
    event = AuditEvent.objects.get(operation="job.cancel")
    assert event.actor == admin.username and event.request["job"] == job.pk
    assert "1 identity: 0 deleted · 1 skipped." in response.content.decode()


def test_only_admins_see_the_cancel_question(as_support, as_viewer, make_job):
    job = make_job(Kind.DELETE, POOL, targets_of(["us-east-1:00000001-0000-4000-8000-000000000000"]))

    for client in (as_support, as_viewer):
        assert client.get(reverse("jobs:cancel", args=[job.pk])).status_code == 403


def test_the_cancel_question_of_an_ended_job_offers_nothing(as_admin):
    job = a_job(Kind.DELETE, Status.SUCCEEDED, total=2, done=2)

    html = as_admin.get(reverse("jobs:cancel", args=[job.pk])).content.decode()

    assert "has ended (succeeded): there is nothing to cancel" in html and "Cancel the job" not in html


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        (Kind.PRUNE_DRY_RUN, "Nothing is deleted either way"),
        (Kind.MERGE, "Pairs already merged stay merged"),
        (Kind.SYNC, "marks nothing gone"),
        (Kind.EXPORT, "stay in a partial file"),
    ],
)
def test_the_cancel_question_says_what_cancelling_each_kind_does(as_admin, kind, says):
    job = a_job(kind, Status.RUNNING, walk_state=LISTING, params=GUESTS)

    assert says in as_admin.get(reverse("jobs:cancel", args=[job.pk])).content.decode()


# ---------------------------------------------------------------------------------------
# The bar's colours


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    high, low = sorted((_relative_luminance(one), _relative_luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _palettes() -> tuple[dict[str, str], dict[str, str]]:
    """The light and the dark custom properties of console.css, each merged over its blocks."""
    css = (Path(settings.BASE_DIR) / "static" / "css" / "console.css").read_text()
    light: dict[str, str] = {}
    dark: dict[str, str] = {}
    for block in re.finditer(r"(@media \(prefers-color-scheme: dark\) \{\s*)?:root \{([^}]*)\}", css):
        target = dark if block[1] else light
        for name, value in re.findall(r"--([\w-]+):\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", block[2]):
            target[name] = "#" + (value if len(value) == 6 else "".join(c * 2 for c in value))
    return light, dark


@pytest.mark.parametrize("part", ["bar-done", "bar-failed", "bar-skipped"])
def test_each_part_of_the_bar_stands_out_3_to_1_in_light_and_dark_mode(part):
    light, dark = _palettes()

    for palette in (light, dark):
        assert _contrast(palette[part], palette["card"]) >= 3
        assert _contrast(palette[part], palette["bg"]) >= 3


def test_a_dry_runs_count_is_never_below_the_matches_shown_under_it(admin):
    # The page read the job, then a page of matches was committed before it read the matches.
    job = a_job(
        Kind.PRUNE_DRY_RUN, RUNNING, walk_state=LISTING, cursor={"listed": 60, "pages": 1}, params=GUESTS
    )
    stale = Job.objects.get(pk=job.pk)
    for line in range(1, 20):
        Item.objects.create(job=job, line=line, target=f"us-east-1:{line:08x}-0000-4000-8000-000000000000")
    Job.objects.filter(pk=job.pk).update(total=19, done=19)

    context = progress_context(stale, admin)

    assert len(context["prune_sample"]) == 19
    assert context["job"].total == 19 and context["numbers"].summary == "60 listed · 19 matched so far"


@pytest.mark.parametrize(
    ("kind", "status", "fields", "words", "part"),
    [
        (
            Kind.PRUNE_DRY_RUN,
            Status.FAILED,
            {
                "total": 3,
                "done": 3,
                "cursor": {"listed": 120},
                "error": "ListIdentities failed",
                "params": GUESTS,
            },
            "120 listed · 3 matched, then it stopped on an error",
            "failed",
        ),
        (
            Kind.SYNC,
            Status.CANCELLED,
            {"total": 600, "done": 600, "cursor": {"listed": 600}},
            "600 listed, then it was cancelled; nothing was marked gone",
            "stopped",
        ),
    ],
)
def test_a_walk_that_stopped_early_says_so_in_words_and_in_its_bar(
    as_viewer, kind, status, fields, words, part
):
    job = a_job(kind, status, walk_state=LISTED, **fields)

    html = as_viewer.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert f'data-testid="job-numbers">{words}.<' in html
    assert re.search(rf'<rect class="job-bar-{part}" x="0.00" width="100.00"', html)
    assert "a prune would delete 3" not in html  # only a dry run that listed the whole pool says it
