"""Helpers for the jobs tests: pools with identities, and driving a job without a broker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from console.jobs import membership, parsing, runner
from console.jobs.models import CheckStatus, Chunk, ChunkStatus, Draft, Job
from tests.cognito import DEVELOPER

from .fleet import fleet  # noqa: F401 - a fixture for the crash tests

REASON = "TICKET-42 clean-up"


@pytest.fixture(autouse=True)
def _checks_in_the_test_thread(settings):
    # The membership check asks LOOKUP_WORKERS ids at once, each in its own thread and
    # database connection: those would not see the test's uncommitted rows. Tests of the
    # threads themselves use a transactional database.
    settings.LOOKUP_WORKERS = 1


def no_broker(job_id: int, number: int) -> None:
    """A `send` that sends nothing: the tests run chunks themselves."""


def check_drafts() -> list[Draft]:
    """Run every draft's membership check to its end in this process (no broker); the drafts."""
    for pk in Draft.objects.filter(check_status=CheckStatus.CHECKING).values_list("pk", flat=True):
        membership.run_check(pk, send=lambda draft_id: None)
    return list(Draft.objects.order_by("pk"))


def drive(job: Job | int, rounds: int = 100) -> Job:
    """Run every pending chunk of the job in this process until none is left; the job, reloaded."""
    job_id = job if isinstance(job, int) else job.pk
    for _ in range(rounds):
        pending = list(
            Chunk.objects.filter(job_id=job_id, status=ChunkStatus.PENDING)
            .order_by("number")
            .values_list("number", flat=True)
        )
        if not pending:
            break
        for number in pending:
            runner.run_chunk(job_id, number, worker="test", send=no_broker)
    runner.finish_if_complete(job_id)
    return Job.objects.get(pk=job_id)


def guest_identities(cognito: Any, pool_id: str, count: int) -> list[str]:
    """`count` new guest identities of the pool (GetId), in creation order."""
    return [cognito.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(count)]


def pool_identities(cognito: Any, pool_id: str) -> list[str]:
    """Every identity id the embedded service holds for the pool, through ListIdentities."""
    ids: list[str] = []
    token = None
    while True:
        params = {"IdentityPoolId": pool_id, "MaxResults": 60}
        if token:
            params["NextToken"] = token
        page = cognito.list_identities(**params)
        ids += [item["IdentityId"] for item in page["Identities"]]
        token = page.get("NextToken")
        if not token:
            return ids


def developer_identity(cognito: Any, pool_id: str, user: str, **logins: str) -> str:
    """The identity of developer user `user` (created on first use), with extra logins linked."""
    answer = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: user, **logins}
    )
    return answer["IdentityId"]


@pytest.fixture
def make_job(admin) -> Callable[..., Job]:
    """Create a job directly (no broker: its chunks wait for `drive`)."""

    def make(kind: str, pool_id: str, targets: list[parsing.Target], **params: str) -> Job:
        return runner.create_job(
            kind, pool_id, targets, reason=REASON, user=admin, params=params, send=no_broker
        )

    return make


def targets_of(ids: list[str]) -> list[parsing.Target]:
    return [parsing.Target(line, identity) for line, identity in enumerate(ids, start=1)]
