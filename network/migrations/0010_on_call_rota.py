# The on-call rota of an organisation and its maternity ward contact (issue 18, R12, R13,
# R34): shifts of one organisation never overlap (an exclusion constraint, which needs
# btree_gist for the organisation's equality).
import uuid

import django.contrib.postgres.constraints
import django.contrib.postgres.fields.ranges
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

import network.models

PHONE = django.core.validators.RegexValidator(
    "^\\+?[0-9][0-9 ./-]{7,18}$",
    "Phone: digits only, with an optional + in front, e.g. 0470 12 34 56 or +32 470 12 34 56.",
    code="phone_format")


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0009_join_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.AddField(
            model_name="organisation",
            name="ward_email",
            field=models.EmailField(blank=True, max_length=254,
                                    verbose_name="maternity ward contact: e-mail"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="ward_phone",
            field=models.CharField(
                blank=True,
                help_text="The maternity ward's midwife, day and night, called when an urgent "
                          "alert is not taken on; for a practice, the ward it works with.",
                max_length=20, validators=[PHONE],
                verbose_name="maternity ward contact: phone"),
        ),
        migrations.CreateModel(
            name="OnCallShift",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True,
                                               verbose_name="public id")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("start", models.DateTimeField(verbose_name="on call from")),
                ("end", models.DateTimeField(verbose_name="on call until")),
                ("phone", models.CharField(blank=True,
                                           help_text="Empty: the care provider's own number.",
                                           max_length=20, validators=[PHONE],
                                           verbose_name="number to call")),
                ("changed_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+", to=settings.AUTH_USER_MODEL,
                    verbose_name="last changed by")),
                ("organisation", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="on_call_shifts",
                    to="network.organisation", verbose_name="organisation")),
                ("professional", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="on_call_shifts",
                    to="network.professional", verbose_name="care provider on call")),
            ],
            options={
                "verbose_name": "on-call shift",
                "verbose_name_plural": "on-call rota",
                "ordering": ["organisation", "start"],
                "indexes": [models.Index(fields=["organisation", "end"],
                                         name="oncallshift_by_organisation")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("end__gt", models.F("start"))),
                                           name="oncallshift_ends_after_start"),
                    django.contrib.postgres.constraints.ExclusionConstraint(
                        expressions=[(network.models.TsTzRange(
                            "start", "end", django.contrib.postgres.fields.ranges.RangeBoundary()),
                            "&&"), ("organisation", "=")],
                        name="oncallshift_no_overlap",
                        violation_error_message="Another shift of this organisation overlaps "
                                                "this one."),
                ],
            },
        ),
    ]
