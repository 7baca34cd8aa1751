"""Alerts (R42, DESIGN.md §5): what a rule of ``dossier.alerts`` found in an entry, with a
life of its own — raised in the transaction of the entry, acknowledged by someone who
takes it on (who, when, a note), resolved (who, when, how), escalated while nobody
acknowledges an urgent one. Never deleted (a trigger refuses it); every change is in the
record's history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossier.alerts import BY_CODE, Severity
from dossier.models.record import Dossier, Newborn, RecordModel, choice_label
from dossier.sections import Section


class Alert(RecordModel):
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("dossier")
    )
    newborn = models.ForeignKey(
        Newborn,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("newborn"),
    )
    rule = models.CharField(
        _("rule"), max_length=40, help_text=_("The code of its rule in dossier/alerts.py.")
    )
    severity = models.CharField(_("urgency"), max_length=6, choices=Severity.choices)
    section = models.CharField(_("section"), max_length=15, choices=Section.choices)
    entry_kind = models.CharField(_("kind of entry"), max_length=40)
    entry_id = models.UUIDField(_("entry"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledge_note = models.CharField(_("what is done"), max_length=300, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolve_note = models.CharField(_("how it was resolved"), max_length=300, blank=True)
    told_at = models.DateTimeField(_("coordinator told at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalated"), default=0)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["resolved_at", "-created_at"]
        indexes = [
            models.Index(fields=["dossier", "resolved_at"]),
            models.Index(
                fields=["dossier"],
                name="alert_open_by_dossier",
                condition=Q(resolved_at__isnull=True),
            ),
            models.Index(
                fields=["severity", "created_at"],
                name="alert_open_urgent",
                condition=Q(acknowledged_at__isnull=True, resolved_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "entry_kind", "entry_id"], name="alert_once_per_entry_and_rule"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="alert_severity_known"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="alert_acknowledged_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_by__isnull=False),
                name="alert_resolved_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def title(self):
        rule = BY_CODE.get(self.rule)
        return rule.title if rule else self.rule

    @property
    def severity_label(self) -> str:
        """``get_severity_display()`` for the lists' rows, from the choices' enum (Django
        builds the field's whole table of choices on every call)."""
        return choice_label(Severity, self.severity)

    @property
    def why(self) -> str:
        rule = BY_CODE.get(self.rule)
        return rule.why if rule else ""

    @property
    def advice(self) -> str:
        """What the mother is told to do when she was the source (empty otherwise)."""
        rule = BY_CODE.get(self.rule)
        return rule.advice if rule else ""

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
