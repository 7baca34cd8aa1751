# Forms that never lose a visit (issue 14): the id the phone gives a home visit typed
# offline, so that sending it again finds the visit instead of making a second one.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dossier", "0020_bounded_inputs")]

    operations = [
        migrations.AddField(
            model_name="homevisit",
            name="client_key",
            field=models.UUIDField(blank=True, editable=False, null=True,
                                   verbose_name="sent by the device as"),
        ),
        migrations.AddConstraint(
            model_name="homevisit",
            constraint=models.UniqueConstraint(
                condition=models.Q(("client_key__isnull", False)),
                fields=("dossier", "client_key"), name="homevisit_client_key_once"),
        ),
    ]
