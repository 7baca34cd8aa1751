# Operations are filled in by the change that needs them (kept in a chain so parallel work
# does not create conflicting migration leaves).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dossier", "0021_visit_drafts")]

    operations = []
