"""The pools app's pages, one module per screen."""
