"""The 23 operations; importing this package registers them with the protocol."""

from . import credentials, developer, identities, pools, roles, tags  # noqa: F401
