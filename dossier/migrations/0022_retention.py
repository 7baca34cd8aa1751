# Retention (dossier/retention.py): the legal hold and the pseudonymisation mark on the
# record, the recorded decisions (append-only), and a guard on the change history that lets
# the pseudonymisation scrub identity out of the history's values — only the values, only
# in a transaction that set ``moederschap.retention_scrub`` (dossier.retention.
# scrub_history_for_retention); every other UPDATE and every DELETE is refused as before.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ENTRYCHANGE_GUARD = """
CREATE FUNCTION dossier_entrychange_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('moederschap.retention_scrub', true) = 'on'
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.table_name = OLD.table_name
       AND NEW.row_id = OLD.row_id AND NEW.dossier_id IS NOT DISTINCT FROM OLD.dossier_id
       AND NEW.operation = OLD.operation AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.reason = OLD.reason THEN
        RETURN NEW;  -- retention: the row's values only, under the named guard
    END IF;
    RAISE EXCEPTION 'the change history is append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER entrychange_append_only ON dossier_entrychange;
CREATE TRIGGER entrychange_append_only BEFORE UPDATE OR DELETE ON dossier_entrychange
    FOR EACH ROW EXECUTE FUNCTION dossier_entrychange_guard();
"""
ENTRYCHANGE_GUARD_REVERSE = """
DROP TRIGGER entrychange_append_only ON dossier_entrychange;
CREATE TRIGGER entrychange_append_only BEFORE UPDATE OR DELETE ON dossier_entrychange
    FOR EACH ROW EXECUTE FUNCTION dossier_history_append_only();
DROP FUNCTION dossier_entrychange_guard();
"""
DECISIONS_APPEND_ONLY = """
CREATE FUNCTION dossier_retention_decision_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'retention decisions are append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER retentiondecision_append_only BEFORE UPDATE OR DELETE
    ON dossier_retentiondecision
    FOR EACH ROW EXECUTE FUNCTION dossier_retention_decision_append_only();
"""
DECISIONS_APPEND_ONLY_REVERSE = """
DROP TRIGGER retentiondecision_append_only ON dossier_retentiondecision;
DROP FUNCTION dossier_retention_decision_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dossier", "0021_visit_drafts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RetentionDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('hold', 'Legal hold placed'), ('release', 'Legal hold lifted'), ('pseudonymised', 'Pseudonymised after the retention period')], max_length=14, verbose_name='decision')),
                ('reason', models.CharField(max_length=300, verbose_name='reason')),
                ('decided_at', models.DateTimeField(auto_now_add=True, verbose_name='decided at')),
                ('closed_at', models.DateTimeField(blank=True, help_text='When the record was closed, as the decision counted its retention from.', null=True, verbose_name='closed at')),
            ],
            options={
                'verbose_name': 'retention decision',
                'verbose_name_plural': 'retention decisions',
                'ordering': ['decided_at', 'id'],
                'default_permissions': ('view',),
            },
        ),
        migrations.AddField(
            model_name='dossier',
            name='legal_hold',
            field=models.BooleanField(default=False, help_text='Keeps the record unchanged past its retention period.', verbose_name='legal hold'),
        ),
        migrations.AddField(
            model_name='dossier',
            name='legal_hold_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='legal hold placed by'),
        ),
        migrations.AddField(
            model_name='dossier',
            name='legal_hold_reason',
            field=models.CharField(blank=True, max_length=300, verbose_name='reason for the legal hold'),
        ),
        migrations.AddField(
            model_name='dossier',
            name='pseudonymised_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='pseudonymised at'),
        ),
        migrations.AddConstraint(
            model_name='dossier',
            constraint=models.CheckConstraint(condition=models.Q(('legal_hold', False), models.Q(models.Q(('legal_hold_reason', ''), _negated=True), ('legal_hold_by__isnull', False)), _connector='OR'), name='dossier_legal_hold_says_why_and_who'),
        ),
        migrations.AddField(
            model_name='retentiondecision',
            name='decided_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='retentiondecision',
            name='dossier',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dossier.dossier', verbose_name='maternity record'),
        ),
        migrations.AddConstraint(
            model_name='retentiondecision',
            constraint=models.CheckConstraint(condition=models.Q(('action__in', ['hold', 'release', 'pseudonymised'])), name='retentiondecision_action_known'),
        ),
        migrations.AddConstraint(
            model_name='retentiondecision',
            constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='retentiondecision_says_why'),
        ),
        migrations.RunSQL(ENTRYCHANGE_GUARD, reverse_sql=ENTRYCHANGE_GUARD_REVERSE),
        migrations.RunSQL(DECISIONS_APPEND_ONLY, reverse_sql=DECISIONS_APPEND_ONLY_REVERSE),
    ]
