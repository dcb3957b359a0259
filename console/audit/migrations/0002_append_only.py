"""Audit events are append-only in the database too, not only in the ORM.

1. `actor_user` loses its foreign-key constraint and its ON DELETE SET NULL: deleting a console
   user no longer UPDATEs their events (the name is kept as text on each event anyway).
2. On PostgreSQL a trigger refuses every UPDATE and DELETE of a row, whoever asks (the table's
   owner and superusers included; a REVOKE would not stop the owner). TRUNCATE is left to the
   database's privileges: Django's test runner empties tables with it. Nothing to do on SQLite,
   which is for development only.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FUNCTION = "audit_auditevent_append_only"


def _add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("audit", "AuditEvent")._meta.db_table)
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit events are append-only: % is refused on %', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        params=None,  # the function's "%" are RAISE placeholders, not query parameters
    )
    schema_editor.execute(
        f"CREATE TRIGGER {FUNCTION} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )


def _drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("audit", "AuditEvent")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor_user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(_add_trigger, _drop_trigger),
    ]
