"""The change history is written by PostgreSQL: a trigger on every clinical table records
each INSERT, UPDATE and DELETE with the row before and after, the actor and the reason the
service set for its transaction (``dossier.history.attribute``). Bulk updates and raw SQL
are recorded as well (with no actor when none was set). The history itself is
append-only. Later clinical tables call ``dossier.history.track_sql(table)`` in their
own migrations."""

from django.db import migrations

from dossier.history import HISTORY_FUNCTION, UNTRACK_SQL, track_sql

TABLES = ["dossier_mother", "dossier_dossier", "dossier_delivery", "dossier_newborn"]

APPEND_ONLY = """
CREATE FUNCTION dossier_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the change history is append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER entrychange_append_only BEFORE UPDATE OR DELETE ON dossier_entrychange
    FOR EACH ROW EXECUTE FUNCTION dossier_history_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("dossier", "0003_entry_change_history")]

    operations = [
        migrations.RunSQL(HISTORY_FUNCTION,
                          reverse_sql="DROP FUNCTION dossier_record_change();"),
        migrations.RunSQL(APPEND_ONLY, reverse_sql="""
            DROP TRIGGER entrychange_append_only ON dossier_entrychange;
            DROP FUNCTION dossier_history_append_only();"""),
        *[migrations.RunSQL(track_sql(table), reverse_sql=UNTRACK_SQL.format(table=table))
          for table in TABLES],
    ]
