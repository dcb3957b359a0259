"""`make bench` writes a pool through the inventory in another process and reports its rate and
memory; that code path must keep working (the figures themselves are not tested)."""

from __future__ import annotations

from bench import inventory as inventory_bench


def test_the_inventory_section_writes_the_pool_in_another_process_and_reports_rate_and_memory(
    tmp_path, monkeypatch
):
    # No PostgreSQL server there: the section falls back to SQLite and says so.
    monkeypatch.setenv("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:9/none")
    lines: list[str] = []

    inventory_bench.run(f"sqlite:///{tmp_path / 'inventory.sqlite3'}", lines.append, identities=300)

    text = "\n".join(lines)
    assert "Inventory sync writes, 300 identities on sqlite" in text
    assert "300 counted" in text
    assert "peak RSS" in text and "identities/s" in text
    assert "target is for PostgreSQL" in text
