# Free-text fields bounded the same in the form, the API and the model (dossier.rules.
# TEXT_MAX_LENGTH): no change in the database (a text column), only in validation.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dossier", "0019_alert_told_at")]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="complications",
            field=models.TextField(blank=True, max_length=4000, verbose_name="complications"),
        ),
        migrations.AlterField(
            model_name="dischargechecklist",
            name="needs_notes",
            field=models.TextField(blank=True, max_length=4000, verbose_name="needs found"),
        ),
        migrations.AlterField(
            model_name="dischargechecklist",
            name="open_steps_reason",
            field=models.TextField(blank=True, help_text='Needed only to confirm the discharge while a step is open.', max_length=4000, verbose_name="why steps stay open"),
        ),
        migrations.AlterField(
            model_name="dossier",
            name="risk_notes",
            field=models.TextField(blank=True, max_length=4000, verbose_name="notes on risks"),
        ),
        migrations.AlterField(
            model_name="homehelpneed",
            name="notes",
            field=models.TextField(blank=True, max_length=4000, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="homevisit",
            name="advice",
            field=models.TextField(blank=True, max_length=4000, verbose_name="advice given"),
        ),
        migrations.AlterField(
            model_name="homevisit",
            name="notes",
            field=models.TextField(blank=True, max_length=4000, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="phonecontact",
            name="notes",
            field=models.TextField(blank=True, max_length=4000, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="prenatalconsultation",
            name="notes",
            field=models.TextField(blank=True, max_length=4000, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="psychosocialanamnesis",
            name="notes",
            field=models.TextField(blank=True, max_length=4000, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="shortstayassessment",
            name="notes",
            field=models.TextField(blank=True, max_length=4000, verbose_name="notes"),
        ),
    ]
