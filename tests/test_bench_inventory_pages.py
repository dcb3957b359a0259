"""`make bench` seeds the inventory directly and times the pool page and the dashboard in another
process; that code path must keep working (the figures themselves are not tested)."""

from __future__ import annotations

from bench import inventory_pages


def test_the_pages_section_seeds_two_table_sizes_and_reports_both_pages_beside_their_targets(
    tmp_path, monkeypatch
):
    # No PostgreSQL server there: the section falls back to SQLite (the seeding SQL too) and says so.
    monkeypatch.setenv("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:9/none")
    lines: list[str] = []

    inventory_pages.run(f"sqlite:///{tmp_path / 'pages.sqlite3'}", lines.append, (200, 1000), samples=2)

    text = "\n".join(lines)
    assert "Pool page and dashboard over the inventory, sqlite" in text
    assert "pool page with counts and charts" in text and "1k inventoried" in text
    assert "(target < 200 ms)" in text and "pool page 1k / 0.2k:" in text and "dashboard 1k / 0.2k:" in text
    assert "targets are for PostgreSQL" in text
