"""Tags on identity pools: TagResource, UntagResource, ListTagsForResource.

Tags live on the pool row (IdentityPool.tags), so CreateIdentityPool's and
UpdateIdentityPool's IdentityPoolTags and these operations always agree.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from .. import errors
from ..models import IdentityPool
from ..protocol import RequestContext, operation
from . import store

MAX_TAGS = 50
_POOL_ARN = re.compile(
    r"^arn:aws[\w-]*:cognito-identity:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):identitypool/"
    r"(?P<pool_id>[\w-]+:[0-9a-f-]+)$"
)


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not key:
        raise errors.InvalidParameter("Tag keys must be non-empty strings.")
    if key.lower().startswith("aws:"):
        raise errors.InvalidParameter(f"Tag key '{key}' uses the reserved prefix 'aws:'.")


def check_tags(tags: dict[str, Any]) -> dict[str, str]:
    """A valid tag map: at most 50 tags, string values, no reserved `aws:` keys."""
    for key, value in tags.items():
        _check_key(key)
        if not isinstance(value, str):
            raise errors.InvalidParameter(f"The value of tag '{key}' must be a string.")
    if len(tags) > MAX_TAGS:
        raise errors.InvalidParameter(f"An identity pool can have at most {MAX_TAGS} tags.")
    return dict(tags)


def _pool_of_arn(ctx: RequestContext, arn: Any, *, for_update: bool = False) -> IdentityPool:
    """The pool an identity-pool ARN names; another region's or account's is not found."""
    match = _POOL_ARN.match(arn) if isinstance(arn, str) else None
    if match is None:
        raise errors.InvalidParameter(f"'{arn}' is not a valid identity pool ARN.")
    pool_id = match["pool_id"]
    if match["region"] != ctx.region or match["account"] != ctx.account_id:
        raise errors.pool_not_found(pool_id)
    return store.get_pool(ctx, pool_id, for_update=for_update)


@operation("TagResource")
@transaction.atomic
def tag_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    pool = _pool_of_arn(ctx, params.get("ResourceArn"), for_update=True)
    pool.tags = check_tags({**pool.tags, **store.map_param(params, "Tags")})
    pool.save(update_fields=["tags", "updated_at"])
    return {}


@operation("UntagResource")
@transaction.atomic
def untag_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    pool = _pool_of_arn(ctx, params.get("ResourceArn"), for_update=True)
    keys = store.list_param(params, "TagKeys")
    for key in keys:
        _check_key(key)
    # Keys the pool does not have are ignored, so retrying an untag is harmless.
    pool.tags = {key: value for key, value in pool.tags.items() if key not in keys}
    pool.save(update_fields=["tags", "updated_at"])
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    pool = _pool_of_arn(ctx, params.get("ResourceArn"))
    return {"Tags": dict(pool.tags)}
