"""`{% pool_label pool_id %}`: a pool's last known name beside its id (templates/jobs/_pool_label.html).

A page that shows many pools (the job list, the schedules) reads every name in one query first
and puts them in its context as `pool_names` (`pool_names.names(ids)`); the tag then asks the
database nothing. Without them it reads the one pool it shows. `fallback` is a name kept
elsewhere (a schedule's or a draft's), shown when the console has no record of the pool.
"""

from __future__ import annotations

from typing import Any

from django import template

from console.inventory import pool_names

register = template.Library()


@register.inclusion_tag("jobs/_pool_label.html", takes_context=True)
def pool_label(context: template.Context, pool_id: str, fallback: str = "") -> dict[str, Any]:
    known = context.get("pool_names")
    label = known[pool_id] if known and pool_id in known else pool_names.name_of(pool_id)
    if not label.name and fallback:
        label = pool_names.PoolName(pool_id, fallback, label.deleted)
    return {"label": label}
