from django.db import migrations

from dossier.history import UNTRACK_SQL, track_sql


class Migration(migrations.Migration):
    dependencies = [("dossier", "0007_neonatal_screenings")]

    operations = [
        migrations.RunSQL(track_sql("dossier_screening"),
                          reverse_sql=UNTRACK_SQL.format(table="dossier_screening")),
    ]
