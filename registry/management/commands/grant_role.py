"""Give an account a role at the server, e.g. the first three admins after installation.

Whoever can run this holds the server, so it takes effect at once; it obeys the same
combination rule as the back-office (``registry.staff.separation``) and is audited. Day to day,
roles are requested by the system admin and confirmed by the security admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.models import Division, User
from registry.staff import roles
from registry.staff.accounts import grant_role_at_the_server


class Command(BaseCommand):
    help = "Give USERNAME the role ROLE (one of: " + ", ".join(roles.ALL_ROLES) + ")."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=roles.ALL_ROLES)
        parser.add_argument("--jurisdiction", help="division code, e.g. 150000 for the region")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        division = None
        if options["jurisdiction"]:
            division = Division.objects.filter(code=options["jurisdiction"]).first()
            if division is None:
                raise CommandError(f"no division {options['jurisdiction']!r}")
        try:
            grant_role_at_the_server(user=user, group=Group.objects.get(name=options["role"]), jurisdiction=division)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"{user.username}: {options['role']}")
