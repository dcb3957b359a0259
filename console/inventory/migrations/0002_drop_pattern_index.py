# A migration of its own: the index it drops is created at the end of 0001 (deferred SQL).

from django.db import migrations


def _drop_pattern_index(apps, schema_editor):
    # Django gives a varchar primary key a second, varchar_pattern_ops index on PostgreSQL for
    # LIKE 'prefix%'. Nothing here searches ids by prefix ("id contains" is '%part%', which no
    # b-tree serves), and on a 10M-row table that index costs every upsert a write.
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'inventory_identity' "
            "AND indexname LIKE 'inventory_identity_identity_id_%_like'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunPython(_drop_pattern_index, migrations.RunPython.noop)]
