"""What the application's PostgreSQL role may do: data, not schema, and never rewrite the
audit trail.

In production two roles exist (docs/deploy.md): the **owner** owns the database and every
table and runs ``migrate`` and ``prune_audit``; the **application** role, which gunicorn,
the worker and beat connect as, gets only:

- SELECT, INSERT, UPDATE, DELETE on the tables, and the sequences they use;
- SELECT and INSERT on ``registry_auditentry``: no UPDATE, DELETE or TRUNCATE, and as it
  owns nothing it cannot ALTER, disable the trigger or DROP;
- SELECT on ``django_migrations``.

``grant_application_privileges`` sets exactly that. It runs after every ``migrate`` when
``DATABASE_APP_ROLE`` names the application role (``post_migrate``, below), so tables that
later migrations add are granted too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver

APPEND_ONLY_TABLES = ("registry_auditentry",)
READ_ONLY_TABLES = ("django_migrations",)


def grant_application_privileges(connection: Any, role: str) -> None:
    """Grant ``role`` the application's privileges on every table of the public schema."""
    from psycopg import sql

    role_id = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role_id),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(role_id),
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(role_id),
    ]
    for table in APPEND_ONLY_TABLES:
        statements += [
            sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(table), role_id),
            sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(sql.Identifier(table), role_id),
        ]
    for table in READ_ONLY_TABLES:
        statements += [
            sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(table), role_id),
            sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(table), role_id),
        ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@receiver(post_migrate)
def _grant_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    connection = connections[using]
    if not role or connection.vendor != "postgresql" or sender.label != "safeguards":
        return
    grant_application_privileges(connection, role)
