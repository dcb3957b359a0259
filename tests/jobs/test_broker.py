"""Work reaches the workers by task name (console/jobs/broker.py): the names are the tasks', eager
mode still runs them in this process, and a broker failure is left to the reconciler."""

from __future__ import annotations

import pytest

from console.celery import app
from console.jobs import broker


@pytest.fixture
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_every_name_the_broker_sends_is_a_registered_task():
    assert {broker.RUN_CHUNK, broker.RUN_WALK, broker.CHECK_DRAFT} <= set(app.tasks)


def test_in_eager_mode_a_send_runs_the_task_in_this_process(eager, monkeypatch):
    checked: list[int] = []
    monkeypatch.setattr(
        "console.jobs.membership.run_check", lambda draft_id, **_: checked.append(draft_id) or "ready"
    )

    assert broker.send_check(42) is True
    assert checked == [42]


def test_a_broker_failure_is_logged_and_left_to_the_reconciler(caplog):
    def broker_down(job_id: int) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    assert broker.send_walk(7, broker_down) is False
    assert "Could not send the walk of job 7 to the broker" in caplog.text
    assert "the reconciler will re-send it" in caplog.text
