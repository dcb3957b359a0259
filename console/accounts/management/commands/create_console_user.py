"""python manage.py create_console_user USERNAME --role admin|support|viewer [--password-env VAR]"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from console.accounts.roles import ROLES, role_of
from console.audit.record import record_console_action


class Command(BaseCommand):
    help = "Create a console user with a role, or change an existing user's role and password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="read the password from this environment variable instead of prompting",
        )

    def handle(self, *args: Any, username: str, role: str, password_env: str | None, **options: Any) -> None:
        password = self._password(password_env)
        User = get_user_model()
        user = User(username=username)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username)
            role_before = None if created else role_of(user)
            user.set_password(password)
            # The role is the group alone: a superuser flag would make anyone an admin.
            user.is_staff = False
            user.is_superuser = False
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            # Last, once every step that can fail has run: the event is written on a connection of
            # its own (console/audit/record.py). The password is never part of the event.
            record_console_action(
                "console.user_changed",
                request={"username": username, "role": role, "created": created, "password_set": True},
                before=None if created else {"role": role_before},
                after={"role": role},
            )
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} console user {username!r} with role {role}."))

    def _password(self, password_env: str | None) -> str:
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"Environment variable {password_env} is not set or empty.")
            return password
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        if not password:
            raise CommandError("The password may not be empty.")
        return password
