"""Diffs and re-applying changes (console/pools/changes.py): the review and conflict pages' logic."""

from __future__ import annotations

from console.aws.pools import MappingRule, PoolRoles, PoolSettings, RoleMapping
from console.pools import changes

BASE = PoolSettings(
    name="shop",
    login_providers=(("graph.facebook.com", "1"), ("accounts.google.com", "g")),
    tags=(("team", "shop"),),
)


def test_maps_are_compared_key_by_key():
    after = PoolSettings(
        name="shop", login_providers=(("accounts.google.com", "g2"),), tags=(("team", "shop"),)
    )

    diff = changes.diff(changes.settings_items(BASE), changes.settings_items(after))

    assert [(c.label, c.before, c.after) for c in diff] == [
        ("Login provider graph.facebook.com (Facebook)", "1", "(none)"),
        ("Login provider accounts.google.com (Google)", "g", "g2"),
    ]


def test_re_applying_keeps_their_changes_where_i_changed_nothing():
    mine = PoolSettings(
        name="shop",
        login_providers=(("graph.facebook.com", "2"), ("accounts.google.com", "g")),
        tags=(("team", "shop"),),
    )
    theirs = PoolSettings(
        name="renamed", login_providers=BASE.login_providers, tags=(("team", "shop"), ("env", "prod"))
    )

    merged, overlaps = changes.merge(*(changes.settings_items(s) for s in (BASE, mine, theirs)))

    result = changes.settings_from_items(merged)
    assert result.name == "renamed"
    assert dict(result.login_providers) == {"graph.facebook.com": "2", "accounts.google.com": "g"}
    assert dict(result.tags) == {"team": "shop", "env": "prod"}
    assert overlaps == []


def test_an_item_i_removed_stays_removed_and_both_changing_one_is_an_overlap():
    mine = PoolSettings(name="mine", login_providers=(("accounts.google.com", "g"),), tags=BASE.tags)
    theirs = PoolSettings(name="theirs", login_providers=BASE.login_providers, tags=BASE.tags)

    merged, overlaps = changes.merge(*(changes.settings_items(s) for s in (BASE, mine, theirs)))

    assert "SupportedLoginProviders/graph.facebook.com" not in merged
    assert merged["IdentityPoolName"] == "mine"
    assert overlaps == ["IdentityPoolName"]


def test_the_same_change_on_both_sides_is_no_overlap():
    mine = theirs = PoolSettings(name="same", login_providers=BASE.login_providers, tags=BASE.tags)

    _, overlaps = changes.merge(*(changes.settings_items(s) for s in (BASE, mine, theirs)))

    assert overlaps == []


def test_a_role_mapping_reads_as_its_rules_in_order():
    mapping = RoleMapping(
        "accounts.google.com",
        "Rules",
        "Deny",
        (MappingRule("email", "Equals", "a@b", "arn:aws:iam::000000000000:role/a"),),
    )

    shown = changes.diff({}, changes.roles_items(PoolRoles(mappings=(mapping,))))

    assert shown[0].label == "Role mapping for accounts.google.com"
    assert (
        shown[0].after
        == "Rules, first match wins; otherwise deny\n1. email Equals “a@b” → arn:aws:iam::000000000000:role/a"
    )


def test_classic_flow_not_set_reads_so():
    diff = changes.diff(
        changes.settings_items(BASE),
        changes.settings_items(PoolSettings(**{**BASE.__dict__, "allow_classic_flow": False})),
    )

    assert [(c.label, c.before, c.after) for c in diff] == [("Basic (classic) flow", "not set", "off")]
