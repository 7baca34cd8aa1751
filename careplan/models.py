"""The postnatal care plan (R14–R17): one plan per record, never overwritten. Every change
is a new, immutable ``PlanVersion`` holding the whole plan (``careplan.content``); the
plan row only says which version is current, so saving locks it and names the version the
edit started from (no lost update). Annotations hang on a version and a path in it, so the
dialogue between the parents and the providers keeps its place (R16)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier.models import Dossier, RecordModel


class CarePlan(RecordModel):
    dossier = models.OneToOneField(
        Dossier,
        on_delete=models.PROTECT,
        related_name="care_plan",
        verbose_name=_("maternity record"),
    )
    current_number = models.PositiveIntegerField(_("current version"), default=0)
    acknowledged_number = models.PositiveIntegerField(
        _("seen by the coordinator up to version"),
        default=0,
        help_text=_("The coordinator marks the mother's changes as seen (the watch list)."),
    )

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")

    def __str__(self) -> str:
        return gettext("Care plan, version %(number)s") % {"number": self.current_number}


class PlanVersion(models.Model):
    """One state of the plan. Append-only (a database trigger refuses UPDATE and DELETE):
    restoring an old version makes a new one with its content."""

    plan = models.ForeignKey(
        CarePlan, on_delete=models.PROTECT, related_name="versions", verbose_name=_("care plan")
    )
    number = models.PositiveIntegerField(_("version"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    reason = models.CharField(_("reason for the change"), max_length=300, blank=True)
    content = models.JSONField(_("content"))
    changed = models.JSONField(_("changed parts"), default=list)
    restored_from = models.PositiveIntegerField(_("restored from version"), null=True, blank=True)
    by_mother = models.BooleanField(_("changed by the mother"), default=False)

    class Meta:
        verbose_name = _("care plan version")
        verbose_name_plural = _("care plan versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_number_once"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="planversion_number_from_1"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Version %(number)s") % {"number": self.number}


class Annotation(models.Model):
    """A remark on one part of one version (``path``, see ``careplan.content``): the
    mother's question or wish, a provider's reply (``reply_to``). Append-only."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="annotations", verbose_name=_("version")
    )
    path = models.CharField(_("about"), max_length=80)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    reply_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    text = models.TextField(_("text"), max_length=2000)
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        ordering = ["written_at", "id"]
        indexes = [models.Index(fields=["version", "path"])]

    def __str__(self) -> str:
        return gettext("Annotation")


# Parent groups (R27): their own module, the care plan's app.
from careplan.group_models import *  # noqa: E402, F403
