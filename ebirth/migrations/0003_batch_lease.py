# The running worker's lease on an export batch (ebirth/export.py): "Exporteren" takes over
# a running batch whose lease has run out.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ebirth", "0002_export")]

    operations = [
        migrations.AddField(
            model_name='exportbatch',
            name='leased_until',
            field=models.DateTimeField(blank=True, null=True, verbose_name="worker's lease until"),
        ),
    ]
