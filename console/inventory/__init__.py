"""Every pool's identities as last listed: counts, history, filters and lookups (no page logic).

The store's writes are in `store.py` (the sync's pages, the end of a complete sync, the
console's own deletes, merges and registrations); its reads in `queries.py` (stats, history,
which pool, search with keyset pages, the dashboard's ranking). Both are plain functions that
return small frozen dataclasses. The inventory imports no page module and no job module; the
gateway (console/aws/) never imports it: the callers (the sync job, the pages) sit above both.
"""
