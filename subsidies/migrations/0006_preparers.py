"""Maker-checker (issue 23): the preparers of runs, grants and batches, who decided an
instalment, and the check that a run's approver is not its creator. Filled by 0007; the
PostgreSQL triggers are 0008."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('subsidies', '0005_recovery_opened_by_system'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='constructiongrant',
            name='preparers',
            field=models.ManyToManyField(blank=True, help_text='Everyone who created, refreshed or edited it; none of them may approve it.', related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='preparers'),
        ),
        migrations.AddField(
            model_name='grantrun',
            name='preparers',
            field=models.ManyToManyField(blank=True, help_text='Everyone who created, refreshed or edited it; none of them may approve it.', related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='preparers'),
        ),
        migrations.AddField(
            model_name='historicalinstalment',
            name='decided_by',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the scheduled review decided it.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='instalment',
            name='decided_by',
            field=models.ForeignKey(blank=True, help_text='Empty when the scheduled review decided it.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='paymentbatch',
            name='preparers',
            field=models.ManyToManyField(blank=True, help_text='Everyone who created, refreshed or edited it; none of them may approve it.', related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='preparers'),
        ),
        migrations.AddConstraint(
            model_name='grantrun',
            constraint=models.CheckConstraint(condition=models.Q(('approved_by__isnull', True), ('created_by__isnull', True), models.Q(('approved_by', models.F('created_by')), _negated=True), _connector='OR'), name='grant_run_maker_is_not_checker'),
        ),
    ]
