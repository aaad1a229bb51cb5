"""The audit log, deferred tasks and earlier passwords now belong to ``safeguards`` (its
0001 takes them over with their tables): here they only leave registry's model state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0021_password_history"),
        ("safeguards", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='auditentry',
                    name='actor',
                ),
                migrations.DeleteModel(
                    name='DeferredTask',
                ),
                migrations.RemoveField(
                    model_name='passwordhistory',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AuditEntry',
                ),
                migrations.DeleteModel(
                    name='PasswordHistory',
                ),
            ],
        ),
    ]
