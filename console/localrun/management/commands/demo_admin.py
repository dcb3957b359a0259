"""Create the demo admin user once (development) and print its credentials, with demo ids to try."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from console.accounts.roles import ADMIN

from ...banner import banner, banner_path, demo_examples, password_path

USERNAME = "admin"


class Command(BaseCommand):
    help = "Create (once) the demo admin user for `make run` and print its credentials."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_admin is for development (DEBUG=true) only.")
        # The password is kept in an ignored file so every `make run` can print it again.
        path = password_path()
        path.parent.mkdir(exist_ok=True)
        User = get_user_model()
        user = User.objects.filter(username=USERNAME).first()
        if user is None or not path.exists():
            password = secrets.token_urlsafe(12)
            user = user or User(username=USERNAME)
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=ADMIN)])
            path.write_text(password)
            path.chmod(0o600)
        password = path.read_text().strip()
        text = banner(USERNAME, password, demo_examples())
        banner_path().write_text(text)
        banner_path().chmod(0o600)
        self.stdout.write(text)
