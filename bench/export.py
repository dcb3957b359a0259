"""Export benchmark: a pool of a million identities written to a CSV file by one process running
the export's walk exactly as a Celery worker does (walk.run_walk, one task's time share after
another), with DEBUG off as in production. It prints the time, the rate, and the process's
peak resident memory (VmHWM), with its RSS along the way, so memory that grows with the pool
shows. Target: peak RSS under 200 MB.

`make bench` runs it on the largest pool it seeded; alone:
    python -m bench.export [--identities 1000000]
(a throwaway SQLite database in a temporary folder, or the database DATABASE_URL names: then the
benchmark's pool is deleted afterwards). Quotas are off (COGNITO_RATE_LIMITER=false): the figure
is the console's own speed; at the default ListIdentities quota (5 a second) the walk would take
one second per 300 identities whatever the code does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.servers import ROOT

PEAK_RSS_TARGET_MB = 200.0
# The walker's task time share in the measured process (a sample of RSS after each share).
TASK_SECONDS = 20
DEFAULT_IDENTITIES = 1_000_000


# --- In the measured process ----------------------------------------------------------------


def _status_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: kB


def walk_to_the_end(job_id: int) -> dict[str, Any]:
    """Run the export's walk until its job ends; figures as a dict (printed as JSON)."""
    import django

    django.setup()
    from console.jobs import export, walk  # export registers its walker
    from console.jobs.models import Job

    started = time.monotonic()
    samples = [(0, _status_kb("VmRSS"))]
    while True:
        walk.run_walk(job_id, send=lambda _job_id: None)
        job = Job.objects.get(pk=job_id)
        samples.append((job.done, _status_kb("VmRSS")))
        if not job.is_active:
            break
    return {
        "seconds": time.monotonic() - started,
        "status": job.status,
        "written": job.done,
        "bytes": job.file_size,
        "file": str(export.file_path(job)),
        "error": job.error,
        "peak_rss_kb": _status_kb("VmHWM"),
        "samples": samples,
    }


# --- In the benchmark's process ---------------------------------------------------------------


def _start_export(pool_id: str) -> int:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from console.jobs import export

    user, _ = get_user_model().objects.get_or_create(username="bench-admin")
    user.groups.add(Group.objects.get(name="admin"))
    job = export.start_export(pool_id, "csv", user=user, reason="benchmark", send=lambda _job_id: None)
    return job.pk


def _lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return count


def measure(pool_id: str, size: int, database_url: str, workdir: Path, report: Callable[[str], None]) -> None:
    """Export the pool (of `size` identities) in a subprocess and print the section."""
    job_id = _start_export(pool_id)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-only-not-secret",
        "DJANGO_SETTINGS_MODULE": "console.settings",
        "COGNITO_ENDPOINT": "local",
        "COGNITO_RATE_LIMITER": "false",
        "JOB_EXPORT_DIR": str(workdir / "exports"),
        "JOB_CHUNK_TIME_LIMIT": str(round(TASK_SECONDS / 0.75)),
        "LOG_LEVEL": "WARNING",
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bench.export", "--walk", str(job_id)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"the export process failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    path = Path(figures["file"])
    rows = _lines(path) - 1
    peak = figures["peak_rss_kb"] / 1024
    samples = figures["samples"]
    tenth = next((rss for done, rss in samples if done >= size // 10), samples[-1][1]) / 1024
    report("")
    report(
        f"Export of {size:,} identities to CSV (one process running the walk as a worker does, "
        "DEBUG off, quotas off)"
    )
    report(
        f"  {figures['status']}: {figures['written']:,} identities, {rows:,} rows in the file "
        f"({figures['bytes'] / 1e6:,.0f} MB) in {figures['seconds']:,.0f} s "
        f"({figures['written'] / figures['seconds']:,.0f} identities/s; {elapsed:,.0f} s with the process's start)"
    )
    report(
        f"  peak RSS {peak:,.0f} MB (VmHWM); RSS {samples[0][1] / 1024:,.0f} MB at the start, {tenth:,.0f} MB "
        f"after 10%, {samples[-1][1] / 1024:,.0f} MB at the end"
    )
    verdict = "PASS" if peak < PEAK_RSS_TARGET_MB and rows == size else "MISS"
    report(f"  {'export peak RSS:':<40}{peak:5.0f} MB (target < {PEAK_RSS_TARGET_MB:.0f} MB)  {verdict}")
    path.unlink(missing_ok=True)


def _setup_django(workdir: Path) -> tuple[str, bool]:
    """This process on DATABASE_URL, or on a throwaway SQLite database: (its URL, throwaway)."""
    given = os.environ.get("DATABASE_URL", "")
    database_url = given or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    return database_url, not given


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--identities", type=int, default=DEFAULT_IDENTITIES)
    parser.add_argument("--walk", type=int, metavar="JOB_ID", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.walk:
        print(json.dumps(walk_to_the_end(args.walk)))
        return 0
    with tempfile.TemporaryDirectory(prefix="cognito-export-bench-") as tmp:
        workdir = Path(tmp)
        database_url, throwaway = _setup_django(workdir)
        from console.emulator.seeding import seed_identities

        seeded = seed_identities(
            "export-bench",
            args.identities,
            developer_provider="login.bench",
            logins_ratio=0.5,
            disabled_ratio=0.05,
            batch_size=50_000,
        )
        print(f"Seeded {args.identities:,} identities in {seeded.seconds:.0f} s", flush=True)
        try:
            measure(
                seeded.pool_id, args.identities, database_url, workdir, lambda line: print(line, flush=True)
            )
        finally:
            if not throwaway:
                from console.aws.calls import call

                call(seeded.pool_id.split(":")[0], "delete_identity_pool", IdentityPoolId=seeded.pool_id)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
