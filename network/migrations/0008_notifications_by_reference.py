# Notifications are stored as references (msgid + JSON parameters: ids, codes, msgids) and
# rendered when read, under the reader's rights of that moment (issue 13).
#
# Rows written before keep their rendered ``text``: they cannot be turned back into ids
# (the names in them are free text, in three languages), so the column stays for them,
# blank for every new row. ``network.notices`` shows such a row only while the reader may
# open its dossier, and its text only while she may see the mother's identity (else a
# neutral line). No data is rewritten here.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("network", "0007_outbox_lease_and_languages")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="message",
            field=models.CharField(blank=True, max_length=300, verbose_name="message id"),
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="parameters"),
        ),
        migrations.AddField(
            model_name="notification",
            name="section",
            field=models.CharField(blank=True, choices=[
                ("identity", "Identity and contact details"), ("prenatal", "Prenatal follow-up"),
                ("psychosocial", "Psychosocial anamnesis"), ("delivery", "Delivery and stay"),
                ("postnatal", "Postnatal follow-up"), ("newborn", "Newborn"),
                ("careplan", "Care plan"), ("homehelp", "Maternity home help")],
                max_length=15, verbose_name="section"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="text",
            field=models.CharField(blank=True, max_length=300,
                                   verbose_name="message (earlier rows)"),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("message", ""), _negated=True),
                                   models.Q(("text", ""), _negated=True), _connector="OR"),
                name="notification_has_message"),
        ),
    ]
