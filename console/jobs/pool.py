"""Finding the pool a job is for: shared by the input pages, the prune, schedule and export
forms, and `manage.py job`."""

from __future__ import annotations

from console.aws import errors, jobs_calls
from console.aws.ids import is_cognito_id


def find_pool(pool_id: str) -> tuple[jobs_calls.JobPool | None, str]:
    """The pool (DescribeIdentityPool), or None and what is wrong."""
    pool_id = pool_id.strip()
    if not is_cognito_id(pool_id):
        return None, f"“{pool_id[:80]}” is not an identity pool id (REGION:UUID)."
    try:
        return jobs_calls.job_pool(pool_id), ""
    except errors.CognitoError as exc:
        return None, f"Pool {pool_id}: {exc.code}: {exc.message}"
