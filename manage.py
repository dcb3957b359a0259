#!/usr/bin/env python
"""Django's command-line utility for the Cognito Identity Console."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads console/settings.py, which checks the environment
    except ImproperlyConfigured as exc:
        # A setting that cannot be used is a message for the person at the terminal, not a traceback.
        sys.exit(f"ImproperlyConfigured: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
