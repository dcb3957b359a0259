"""`make bench` runs a sync end to end in other processes (quotas off, then at the default quotas)
and reports its rate, memory and the quota ratio; that code path must keep working (the figures
themselves are not tested)."""

from __future__ import annotations

from bench import sync as sync_bench


def test_the_sync_section_syncs_two_pools_in_other_processes_and_reports_its_figures(
    monkeypatch, settings, redis_db
):
    # No PostgreSQL server there: the section falls back to SQLite and says so. The paced
    # process's limiter uses the tests' Redis database.
    monkeypatch.setenv("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:9/none")
    monkeypatch.setenv("REDIS_URL", settings.REDIS_URL)
    lines: list[str] = []

    sync_bench.run(lines.append, identities=300, quota_identities=120)

    text = "\n".join(lines)
    assert "Inventory sync end to end of 300 identities (SQLite" in text
    assert "quotas off: succeeded, 300 identities in 5 pages" in text
    assert "sync identities written/s:" in text and "sync peak RSS:" in text
    assert "succeeded, 120 identities in 2 pages" in text and "the quota's bound 0.4 s" in text
    assert "sync elapsed / quota bound:" in text
