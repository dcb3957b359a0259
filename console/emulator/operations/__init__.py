"""The 23 operations; importing this package registers them with the protocol."""
