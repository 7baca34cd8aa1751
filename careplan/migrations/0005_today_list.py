# Operations are filled in by the change that needs them (kept in a chain so parallel work
# does not create conflicting migration leaves).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("careplan", "0004_bounded_inputs")]

    operations = []
