# Operations are filled in by the change that needs them (kept in a chain so parallel work
# does not create conflicting migration leaves).
# Issue 13, no existence oracle: a known INSZ becomes a request to join her record, logged
# on it as "asked to join".
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0008_notifications_by_reference"),
        ("dossier", "0019_alert_told_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="accessevent",
            name="action",
            field=models.CharField(choices=[("read", "Read"), ("create", "Created"),
                                            ("update", "Changed"), ("download", "Downloaded"),
                                            ("join", "Asked to join")],
                                   max_length=10, verbose_name="action"),
        ),
        migrations.CreateModel(
            name="JoinRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True,
                                               verbose_name="public id")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("role", models.CharField(choices=[
                    ("coordinator", "Care coordinator"), ("midwife", "Midwife"),
                    ("gynaecologist", "Gynaecologist"), ("gp", "General practitioner"),
                    ("paediatrician", "Paediatrician"),
                    ("maternity_assistant", "Maternity assistant"),
                    ("child_health_nurse", "Kind & Gezin / ONE nurse"),
                    ("lactation_consultant", "Lactation consultant"),
                    ("physiotherapist", "Physiotherapist"), ("social_worker", "Social worker")],
                    max_length=25, verbose_name="role asked")),
                ("decision", models.CharField(blank=True, choices=[("approved", "Approved"),
                                                                   ("refused", "Refused")],
                                              max_length=10, verbose_name="decision")),
                ("decided_at", models.DateTimeField(blank=True, null=True,
                                                    verbose_name="decided at")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                ("decided_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="decided by")),
                ("dossier", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="join_requests",
                    to="dossier.dossier", verbose_name="dossier")),
                ("professional", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="join_requests",
                    to="network.professional", verbose_name="requested by")),
            ],
            options={
                "verbose_name": "request to join a care network",
                "verbose_name_plural": "requests to join a care network",
                "ordering": ["-created_at"],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("decision", "")),
                                            fields=("dossier", "professional"),
                                            name="joinrequest_one_pending_per_professional"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("decided_at__isnull", True), ("decision", "")),
                            models.Q(("decision__in", ["approved", "refused"]),
                                     ("decided_at__isnull", False)), _connector="OR"),
                        name="joinrequest_decided_has_moment"),
                    models.CheckConstraint(
                        condition=models.Q(("role__in", [
                            "coordinator", "midwife", "gynaecologist", "gp", "paediatrician",
                            "maternity_assistant", "child_health_nurse", "lactation_consultant",
                            "physiotherapist", "social_worker"])),
                        name="joinrequest_role"),
                ],
            },
        ),
    ]
