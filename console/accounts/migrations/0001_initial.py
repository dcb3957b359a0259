from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.CreateModel(
            name="ConsolePermission",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                )
            ],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [
                    ("view_console", "Read pools, identities, jobs"),
                    ("lookup_identities", "Look up identities and see their logins"),
                    ("unlink_identities", "Unlink logins and developer ids from identities"),
                    ("edit_pools", "Create, edit and delete pools, roles, mappings, tags"),
                    ("run_jobs", "Start and cancel bulk jobs"),
                    ("view_audit", "Read the audit trail"),
                    ("manage_users", "Create console users and change their roles"),
                ],
            },
        ),
    ]
