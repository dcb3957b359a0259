"""`make bench`'s bulk delete check section: the check of ids the inventory knows runs through the
bulk delete's own path and asks the service nothing (its time is not tested)."""

from __future__ import annotations

import pytest

from bench import bulk_check

pytestmark = pytest.mark.django_db


def test_ids_the_inventory_knows_are_checked_without_a_lookup_and_the_figures_are_printed():
    lines: list[str] = []

    bulk_check.run(lines.append, 200)

    text = "\n".join(lines)
    assert "Bulk delete check of 200 ids the inventory knows" in text
    assert "0 LookupDeveloperIdentity calls (target 0)" in text
    assert "check ready, 200 confirmed by the inventory, 200 to delete" in text
    assert "one LookupDeveloperIdentity per id at AWS's 5/s: ~40 s" in text
