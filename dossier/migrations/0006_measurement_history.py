from django.db import migrations

from dossier.history import UNTRACK_SQL, track_sql


class Migration(migrations.Migration):
    dependencies = [("dossier", "0005_newborn_measurements")]

    operations = [
        migrations.RunSQL(track_sql("dossier_measurement"),
                          reverse_sql=UNTRACK_SQL.format(table="dossier_measurement")),
    ]
