"""Key logins by subject_key, which fits a PostgreSQL index row whatever the subject's size.

The unique index on (pool, provider, subject) failed on PostgreSQL for subjects whose UTF-8
form is longer than about 2.7 KB (2,048 multi-byte characters; a developer user id of 1,024
four-byte ones). subject_key is the subject itself up to 1 KB of UTF-8, else its SHA-256.
"""

import hashlib

from django.db import migrations, models

SUBJECT_KEY_BYTES = 1024
DIGEST_PREFIX = "sha256:"


def _subject_key(subject):
    # A copy of console.emulator.models.subject_key as it is today: migrations keep their own.
    encoded = subject.encode("utf-8", "surrogatepass")
    if len(encoded) <= SUBJECT_KEY_BYTES and not subject.startswith(DIGEST_PREFIX):
        return subject
    return DIGEST_PREFIX + hashlib.sha256(encoded).hexdigest()


def fill_keys(apps, schema_editor):
    login_model = apps.get_model("emulator", "IdentityLogin")
    table = schema_editor.quote_name(login_model._meta.db_table)
    if schema_editor.connection.vendor == "postgresql":
        byte_length = "octet_length(subject)"
    else:
        byte_length = "length(CAST(subject AS BLOB))"
    # Nearly every subject is its own key: one statement, however many rows (seeded databases
    # hold millions); the few long ones are digested one by one below.
    sql = (
        f"UPDATE {table} SET subject_key = subject "  # noqa: S608 - the model's table and constants only
        f"WHERE {byte_length} <= {SUBJECT_KEY_BYTES} AND subject NOT LIKE '{DIGEST_PREFIX}%'"
    )
    schema_editor.execute(sql, params=None)
    for login in login_model.objects.filter(subject_key="").only("id", "subject").iterator():
        login_model.objects.filter(pk=login.pk).update(subject_key=_subject_key(login.subject))


class Migration(migrations.Migration):
    dependencies = [
        ("emulator", "0003_quotabucket"),
    ]

    operations = [
        migrations.AddField(
            model_name="identitylogin",
            name="subject_key",
            field=models.CharField(default="", max_length=1024),
            preserve_default=False,
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="identitylogin",
            name="emu_login_unique_per_pool",
        ),
        migrations.AddConstraint(
            model_name="identitylogin",
            constraint=models.UniqueConstraint(
                fields=("pool", "provider", "subject_key"), name="emu_login_key_unique_per_pool"
            ),
        ),
    ]
