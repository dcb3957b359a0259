"""`make bench` exports its largest pool in a subprocess and reports its peak memory; that code
path must keep working (the figures themselves are not tested)."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import export as export_bench
from console.emulator.seeding import seed_identities
from tests.emulator.http_fixtures import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_export_section_exports_the_pool_in_another_process_and_reports_its_memory(tmp_path):
    pool_id = seed_identities("bench-export", 700, logins_ratio=0.5).pool_id
    lines: list[str] = []

    export_bench.measure(pool_id, 700, database_url(connection.settings_dict), tmp_path, lines.append)

    text = "\n".join(lines)
    assert "succeeded: 700 identities, 700 rows in the file" in text
    assert "peak RSS" in text
    assert text.count("PASS") + text.count("MISS") == 1
    assert not list((tmp_path / "exports").iterdir())  # the file is not left behind
