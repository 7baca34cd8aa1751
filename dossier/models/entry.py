"""What every clinical entry shares (R3): the dossier it belongs to, the section whose
access rule governs it, who recorded it and who may write it."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier.models.record import Dossier, RecordModel


class Writer(models.TextChoices):
    """Who may write an entry kind; ``network.access.require_entry_write`` decides."""

    SECTION = "section", _("whoever may change the section")
    COORDINATOR = "coordinator", _("the care coordinator")
    MOTHER = "mother", _("the mother herself")


class ClinicalEntry(RecordModel):
    """An entry in one section of a dossier. Its history is written by the database trigger
    (``dossier.history``); every table made from this base calls ``track_sql`` in its
    migration."""

    SECTION: ClassVar[str]
    WRITER: ClassVar[str] = Writer.SECTION
    # At most one per dossier (a questionnaire, a checklist) rather than a list.
    SINGLE: ClassVar[bool] = False
    # An amendment says why (R3); a checklist ticked off step by step does not need to.
    AMEND_NEEDS_REASON: ClassVar[bool] = True

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="+", verbose_name=_("maternity record")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        abstract = True

    @property
    def section(self) -> str:
        return self.SECTION

    @property
    def recorded_by_name(self) -> str | None:
        user = self.recorded_by
        return (user.get_full_name() or user.username) if user else None

    def delivery(self):
        return getattr(self.dossier, "delivery", None) if self.dossier_id else None

    def not_before_birth(self, field: str, errors: dict, *, what: str) -> None:
        """Add an error when ``field`` lies before the birth (if the birth is recorded)."""
        delivery = self.delivery()
        value = getattr(self, field)
        if delivery is None or value is None or field in errors:
            return
        born = delivery.born_at
        if value < (born if hasattr(value, "hour") else timezone.localdate(born)):
            errors[field] = ValidationError(
                gettext("%(what)s cannot come before the birth (%(born)s).")
                % {"what": what, "born": timezone.localtime(born).strftime("%d-%m-%Y %H:%M")},
                code="before_birth",
            )


class WithBloodPressure(models.Model):
    """An entry that measures the blood pressure: both values or neither, shown as
    "120/80 mmHg" (the rules: ``dossier.rules.blood_pressure_errors``)."""

    bp_systolic = models.PositiveSmallIntegerField(
        _("blood pressure, upper (mmHg)"), null=True, blank=True
    )
    bp_diastolic = models.PositiveSmallIntegerField(
        _("blood pressure, lower (mmHg)"), null=True, blank=True
    )

    class Meta:
        abstract = True

    @property
    def blood_pressure(self) -> str | None:
        if self.bp_systolic is None:
            return None
        return f"{self.bp_systolic}/{self.bp_diastolic} mmHg"


def day_post_partum(born_at, moment) -> int | None:
    """Days since the birth by the calendar in Belgium: the day of birth is day 0."""
    if born_at is None or moment is None:
        return None
    day = moment if not hasattr(moment, "hour") else timezone.localtime(moment).date()
    return (day - timezone.localtime(born_at).date()).days
