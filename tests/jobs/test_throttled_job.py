"""A delete job against the embedded service's simulated quotas, set far below what the console's
limiter allows (EMULATOR_QUOTAS=1, DeleteIdentities=2): every TooManyRequestsException is
retried and counted, and the job ends with no failed item."""

from __future__ import annotations

import pytest

from console.aws import limiter
from console.emulator.models import Identity
from console.emulator.seeding import seed_identities
from console.jobs.models import Item, Kind, Outcome, Status

from .conftest import drive, targets_of

pytestmark = pytest.mark.django_db


def test_a_throttled_job_finishes_with_zero_failed_items(settings, redis_db, make_job):
    seeded = seed_identities("throttled", 360)
    ids = list(Identity.objects.filter(pool__pool_id=seeded.pool_id).values_list("identity_id", flat=True))
    settings.EMULATOR_QUOTAS = True
    settings.EMULATOR_QUOTA_OVERRIDES = {"DeleteIdentities": 2}
    settings.COGNITO_RATE_LIMITER = True  # at its default of 10 DeleteIdentities a second
    limiter.reset()

    job = drive(make_job(Kind.DELETE, seeded.pool_id, targets_of(ids)))

    assert (job.status, job.done, job.failed, job.skipped) == (Status.SUCCEEDED, 360, 0, 0)
    assert job.throttled > 0
    assert set(Item.objects.filter(job=job).values_list("outcome", flat=True)) == {Outcome.DONE}
    assert not Identity.objects.filter(pool__pool_id=seeded.pool_id).exists()
