from django.db import migrations

from dossier.history import UNTRACK_SQL, track_sql

TABLES = ["dossier_prenatalconsultation", "dossier_psychosocialanamnesis",
          "dossier_shortstayassessment", "dossier_dischargechecklist", "dossier_admission",
          "dossier_homevisit", "dossier_babycheck", "dossier_phonecontact",
          "dossier_homehelpneed", "dossier_homehelpday", "dossier_selfmonitoring"]


class Migration(migrations.Migration):
    dependencies = [("dossier", "0009_clinical_entries")]

    operations = [
        migrations.RunSQL(track_sql(table), reverse_sql=UNTRACK_SQL.format(table=table))
        for table in TABLES
    ]
