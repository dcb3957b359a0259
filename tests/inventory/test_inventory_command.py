"""`manage.py inventory`: stats as one JSON object, and find's exit codes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from console.inventory import store
from tests.inventory.helpers import FACEBOOK, POOL, T0, identity_id, listed, sync

pytestmark = pytest.mark.django_db


def _stats(capsys) -> dict:
    call_command("inventory", "stats", "--pool", POOL, "--json")
    return json.loads(capsys.readouterr().out)


def test_stats_prints_one_json_object_of_counts_excluding_gone(capsys):
    sync(
        POOL, [listed(1, [FACEBOOK]), listed(2), listed(3)], at=T0, enabled=[listed(1, [FACEBOOK]), listed(2)]
    )
    store.mark_gone([identity_id(2)], how="deleted", at=T0 + dt.timedelta(hours=1))

    found = _stats(capsys)

    assert found["total"] == 2
    assert found["guests"] == 1
    assert found["disabled"] == 1
    assert found["providers"] == {FACEBOOK: 1}
    assert found["as_of"] == "2026-03-01T12:01:00+00:00"


def test_stats_of_a_pool_never_synced_say_null(capsys):
    store.add_identities(POOL, [listed(1)], at=T0)

    found = _stats(capsys)

    assert (found["total"], found["disabled"], found["as_of"]) == (1, None, None)


def test_stats_without_json_are_lines_for_people(capsys):
    sync(POOL, [listed(1, [FACEBOOK])], at=T0)

    call_command("inventory", "stats", "--pool", POOL)

    out = capsys.readouterr().out
    assert "1 identities (as of 2026-03-01 12:01 UTC)" in out
    assert f"{FACEBOOK}: 1" in out
    assert "disabled: unknown" in out


def test_find_prints_the_pool_and_exits_0(capsys):
    sync(POOL, [listed(1)], at=T0)

    call_command("inventory", "find", identity_id(1))

    assert capsys.readouterr().out.strip() == POOL


def test_find_of_an_unknown_id_exits_1():
    with pytest.raises(CommandError, match="unknown") as raised:
        call_command("inventory", "find", identity_id(9))

    assert raised.value.returncode == 1


def test_find_of_a_gone_id_exits_2_saying_when_and_how(capsys):
    sync(POOL, [listed(1)], at=T0)
    store.mark_gone([identity_id(1)], how="merged", at=T0 + dt.timedelta(hours=2), job_id=31)

    with pytest.raises(CommandError, match="gone") as raised:
        call_command("inventory", "find", identity_id(1))

    assert raised.value.returncode == 2
    out = capsys.readouterr().out
    assert POOL in out
    assert "gone since 2026-03-01T14:00:00+00:00 (merged, job 31)" in out
