"""The identities app's pages, one module per screen."""
