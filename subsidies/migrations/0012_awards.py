"""Operating awards 以奖代补 (004:80, 000:1034-1040; DOMAIN §7, issue 13): operation
evaluations, awards set from them and paid once through payment batches (PaymentItem.award,
``pay_award_once``). The roles get the award permissions (the clerk prepares, the city
reviewer approves, as for construction grants) and, in PostgreSQL, the maker-checker
triggers of 0008 cover awards too.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

AWARD_MODELS = ["operationevaluation", "award"]
ROLES = {  # as 0003_roles: the clerk prepares, the reviewer approves; everyone else may look
    "区级经办": [*(f"{verb}_{model}" for model in AWARD_MODELS for verb in ["view", "add"])],
    "市级审核": [*(f"view_{model}" for model in AWARD_MODELS), "approve_award"],
    "财务": [f"view_{model}" for model in AWARD_MODELS],
    "审计管理员": [f"view_{model}" for model in AWARD_MODELS],
}
TRIGGERS = """
DROP TRIGGER IF EXISTS subsidies_award_approver_not_preparer ON subsidies_award;
CREATE TRIGGER subsidies_award_approver_not_preparer
    BEFORE INSERT OR UPDATE OF approved_by_id ON subsidies_award
    FOR EACH ROW EXECUTE FUNCTION subsidies_approver_not_preparer('subsidies_award_preparers', 'award_id');
DROP TRIGGER IF EXISTS subsidies_award_preparers_not_approver ON subsidies_award_preparers;
CREATE TRIGGER subsidies_award_preparers_not_approver
    BEFORE INSERT OR UPDATE ON subsidies_award_preparers
    FOR EACH ROW EXECUTE FUNCTION subsidies_preparer_not_approver('subsidies_award', 'award_id');
"""
DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS subsidies_award_approver_not_preparer ON subsidies_award;
DROP TRIGGER IF EXISTS subsidies_award_preparers_not_approver ON subsidies_award_preparers;
"""


def grant(apps, schema_editor):
    app_config = apps.get_app_config("subsidies")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="subsidies", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = {codename for codenames in ROLES.values() for codename in codenames}
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="subsidies", codename__in=codenames)
        )


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0023_dataexport_exported_by_optional'),
        ('subsidies', '0011_withheld_lists'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Award',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='amount (yuan)')),
                ('range_min', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='range minimum (yuan)')),
                ('range_max', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='range maximum (yuan)')),
                ('range_source', models.CharField(blank=True, max_length=200, verbose_name='source of the range')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('approved', 'Approved')], default='draft', max_length=20, verbose_name='status')),
                ('approved_at', models.DateTimeField(blank=True, null=True, verbose_name='approved at')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'operating award',
                'verbose_name_plural': 'operating awards',
                'ordering': ['-created_at'],
                'permissions': [('approve_award', 'Can approve operating awards')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAward',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='amount (yuan)')),
                ('range_min', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='range minimum (yuan)')),
                ('range_max', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='range maximum (yuan)')),
                ('range_source', models.CharField(blank=True, max_length=200, verbose_name='source of the range')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('approved', 'Approved')], default='draft', max_length=20, verbose_name='status')),
                ('approved_at', models.DateTimeField(blank=True, null=True, verbose_name='approved at')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical operating award',
                'verbose_name_plural': 'historical operating awards',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOperationEvaluation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year evaluated')),
                ('evaluated_on', models.DateField(verbose_name='evaluated on')),
                ('score', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='score (0-100)')),
                ('evaluator', models.CharField(max_length=100, verbose_name='evaluator')),
                ('evaluator_organisation', models.CharField(blank=True, max_length=200, verbose_name="evaluator's organisation")),
                ('notes', models.TextField(blank=True, verbose_name='notes')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical operation evaluation',
                'verbose_name_plural': 'historical operation evaluations',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='OperationEvaluation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year evaluated')),
                ('evaluated_on', models.DateField(verbose_name='evaluated on')),
                ('score', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='score (0-100)')),
                ('evaluator', models.CharField(max_length=100, verbose_name='evaluator')),
                ('evaluator_organisation', models.CharField(blank=True, max_length=200, verbose_name="evaluator's organisation")),
                ('notes', models.TextField(blank=True, verbose_name='notes')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'operation evaluation',
                'verbose_name_plural': 'operation evaluations',
                'ordering': ['-year', 'provider__name'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='paymentitem',
            name='payment_item_has_source',
        ),
        migrations.AddField(
            model_name='award',
            name='approved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by'),
        ),
        migrations.AddField(
            model_name='award',
            name='prepared_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='prepared by'),
        ),
        migrations.AddField(
            model_name='award',
            name='preparers',
            field=models.ManyToManyField(blank=True, help_text='Everyone who created, refreshed or edited it; none of them may approve it.', related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='preparers'),
        ),
        migrations.AddField(
            model_name='historicalpaymentitem',
            name='award',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='subsidies.award', verbose_name='award'),
        ),
        migrations.AddField(
            model_name='paymentitem',
            name='award',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payment_items', to='subsidies.award', verbose_name='award'),
        ),
        migrations.AddConstraint(
            model_name='paymentitem',
            constraint=models.UniqueConstraint(condition=models.Q(('award__isnull', False), models.Q(('state', 'failed'), _negated=True)), fields=('award',), name='pay_award_once'),
        ),
        migrations.AddConstraint(
            model_name='paymentitem',
            constraint=models.CheckConstraint(condition=models.Q(('grant_line__isnull', False), ('instalment__isnull', False), ('award__isnull', False), _connector='OR'), name='payment_item_has_source'),
        ),
        migrations.AddField(
            model_name='historicalaward',
            name='approved_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by'),
        ),
        migrations.AddField(
            model_name='historicalaward',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalaward',
            name='prepared_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='prepared by'),
        ),
        migrations.AddField(
            model_name='historicaloperationevaluation',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicaloperationevaluation',
            name='provider',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.provider', verbose_name='provider'),
        ),
        migrations.AddField(
            model_name='historicaloperationevaluation',
            name='scheme',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='subsidies.subsidyscheme', verbose_name='scheme'),
        ),
        migrations.AddField(
            model_name='operationevaluation',
            name='provider',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='operation_evaluations', to='registry.provider', verbose_name='provider'),
        ),
        migrations.AddField(
            model_name='operationevaluation',
            name='scheme',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='subsidies.subsidyscheme', verbose_name='scheme'),
        ),
        migrations.AddField(
            model_name='historicalaward',
            name='evaluation',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='subsidies.operationevaluation', verbose_name='operation evaluation'),
        ),
        migrations.AddField(
            model_name='award',
            name='evaluation',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='award', to='subsidies.operationevaluation', verbose_name='operation evaluation'),
        ),
        migrations.AddConstraint(
            model_name='operationevaluation',
            constraint=models.UniqueConstraint(fields=('provider', 'scheme', 'year'), name='one_evaluation_per_provider_year'),
        ),
        migrations.AddConstraint(
            model_name='operationevaluation',
            constraint=models.CheckConstraint(condition=models.Q(('score__gte', 0), ('score__lte', 100)), name='evaluation_score_0_100'),
        ),
        migrations.AddConstraint(
            model_name='award',
            constraint=models.CheckConstraint(condition=models.Q(('approved_by__isnull', True), models.Q(('approved_by', models.F('prepared_by')), _negated=True), _connector='OR'), name='award_maker_is_not_checker'),
        ),
        migrations.AddConstraint(
            model_name='award',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0), ('amount__gte', models.F('range_min')), ('amount__lte', models.F('range_max'))), name='award_amount_within_range'),
        ),
        migrations.RunPython(grant, revoke),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
