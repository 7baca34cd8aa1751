"""Discharge from the maternity ward and (re)admissions (R20–R22, R24). The stay's own
admission and discharge moments live on the delivery; the checklist is the clinical
pathway that must be walked before the discharge is confirmed."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier.models.entry import ClinicalEntry, day_post_partum
from dossier.models.followup import HomeVisit
from dossier.models.record import Newborn
from dossier.rules import (
    TEXT_MAX_LENGTH,
    Bounds,
    bounds_constraints,
    bounds_errors,
    date_window_errors,
    past_errors,
    raise_if_any,
)
from dossier.sections import Section

# R22: the first home visit within 24 h of discharge; the physician sees the baby on day 7–10.
FIRST_VISIT_WITHIN = datetime.timedelta(hours=24)
PAEDIATRIC_DAYS = (7, 10)


def first_visit_in_time() -> models.Exists:
    """For a query over deliveries: a home visit within 24 hours of the discharge (R22).
    The watch list and the quality figures ask the same question through this."""
    return models.Exists(
        HomeVisit.objects.filter(
            dossier=models.OuterRef("dossier"),
            visited_at__gte=models.OuterRef("discharged_at"),
            visited_at__lte=models.OuterRef("discharged_at") + FIRST_VISIT_WITHIN,
        )
    )


class HomeHelpChoice(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    NOT_WANTED = "not_wanted", _("Not wanted by the parents")


class DischargeChecklist(ClinicalEntry):
    """The discharge procedure as a clinical pathway (R21), open to everyone who may see the
    delivery section. The discharge is confirmed only when every required step is done, or
    with the reason why a step stays open."""

    SECTION = Section.DELIVERY
    AMEND_NEEDS_REASON = False  # ticked off step by step
    AFTER_BIRTH = True  # its planned dates follow the birth (dossier.rules.DATE_RULES)
    SINGLE = True

    needs_mother_assessed = models.BooleanField(_("needs of the mother assessed"), default=False)
    needs_child_assessed = models.BooleanField(_("needs of the child assessed"), default=False)
    needs_notes = models.TextField(_("needs found"), blank=True, max_length=TEXT_MAX_LENGTH)
    first_home_visit_at = models.DateTimeField(
        _("first home visit by the midwife"), null=True, blank=True
    )
    first_home_visit_midwife = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home midwife"),
    )
    paediatric_consultation_on = models.DateField(
        _("paediatric consultation (day 7–10)"), null=True, blank=True
    )
    home_help = models.CharField(
        _("maternity home help"), max_length=12, choices=HomeHelpChoice.choices, blank=True
    )
    gp_informed = models.BooleanField(_("GP informed"), default=False)
    confirmed_at = models.DateTimeField(_("discharge confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("discharge confirmed by"),
    )
    open_steps_reason = models.TextField(
        _("why steps stay open"),
        blank=True,
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Needed only to confirm the discharge while a step is open."),
    )

    class Meta:
        verbose_name = _("discharge checklist")
        verbose_name_plural = _("discharge checklists")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], name="discharge_one_per_dossier")
        ]

    def __str__(self) -> str:
        return gettext("Discharge checklist")

    def open_steps(self) -> list[str]:
        """The required steps not (yet) done, in the order of the pathway."""
        delivery = self.delivery()
        steps = []
        if not (self.needs_mother_assessed and self.needs_child_assessed):
            steps.append(gettext("Assess the needs of mother and child"))
        if self.first_home_visit_at is None or self.first_home_visit_midwife_id is None:
            steps.append(gettext("Plan the first home visit with the midwife"))
        elif (
            delivery
            and delivery.discharged_at
            and not delivery.discharged_at
            <= self.first_home_visit_at
            <= delivery.discharged_at + FIRST_VISIT_WITHIN
        ):
            steps.append(gettext("Plan the first home visit within 24 hours of the discharge"))
        day = day_post_partum(
            delivery.born_at if delivery else None, self.paediatric_consultation_on
        )
        if day is None:
            steps.append(gettext("Plan the paediatric consultation on day 7–10"))
        elif not PAEDIATRIC_DAYS[0] <= day <= PAEDIATRIC_DAYS[1]:
            steps.append(
                gettext("Plan the paediatric consultation on day 7–10 (now day %(day)s)")
                % {"day": day}
            )
        if not self.home_help:
            steps.append(gettext("Ask whether maternity home help is wanted"))
        if not self.gp_informed:
            steps.append(gettext("Inform the GP"))
        return steps

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def clean(self) -> None:
        errors = date_window_errors(self)  # planned dates: not before the birth, not years on
        if self.dossier_id and self.delivery() is None:
            raise ValidationError(
                gettext("Record the delivery first; the discharge follows it."),
                code="needs_delivery",
            )
        if self.is_confirmed:
            delivery = self.delivery()
            if delivery.discharged_at is None:
                errors["confirmed_at"] = ValidationError(
                    gettext("Enter the moment of discharge to confirm it."), code="required"
                )
            missing = self.open_steps()
            if missing and not self.open_steps_reason.strip():
                errors["open_steps_reason"] = ValidationError(
                    gettext(
                        "The discharge cannot be confirmed while steps are open: "
                        "%(steps)s. Complete them, or record why they stay open."
                    )
                    % {"steps": "; ".join(missing)},
                    code="open_steps",
                )
        raise_if_any(errors)


class Patient(models.TextChoices):
    MOTHER = "mother", _("Mother")
    NEWBORN = "newborn", _("Newborn")


class AdmissionReason(models.TextChoices):
    JAUNDICE = "jaundice", _("Jaundice")
    FEEDING = "feeding", _("Feeding problems, weight loss or dehydration")
    INFECTION = "infection", _("Infection or fever")
    BREATHING = "breathing", _("Breathing or heart problems")
    HAEMORRHAGE = "haemorrhage", _("Bleeding (haemorrhage)")
    HYPERTENSION = "hypertension", _("High blood pressure or pre-eclampsia")
    WOUND = "wound", _("Wound problems (caesarean, episiotomy)")
    BREAST = "breast", _("Breast problems (mastitis, abscess)")
    THROMBOSIS = "thrombosis", _("Thrombosis or embolism")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    OTHER = "other", _("Other (describe)")


# Which reasons fit whom; "other" fits both.
REASONS_FOR = {
    Patient.MOTHER: {
        AdmissionReason.INFECTION,
        AdmissionReason.HAEMORRHAGE,
        AdmissionReason.HYPERTENSION,
        AdmissionReason.WOUND,
        AdmissionReason.BREAST,
        AdmissionReason.THROMBOSIS,
        AdmissionReason.MENTAL_HEALTH,
        AdmissionReason.OTHER,
    },
    Patient.NEWBORN: {
        AdmissionReason.JAUNDICE,
        AdmissionReason.FEEDING,
        AdmissionReason.INFECTION,
        AdmissionReason.BREATHING,
        AdmissionReason.OTHER,
    },
}
ADMISSION_BOUNDS = (Bounds("days", 0, 365, _("days")),)
# A readmission counts in the quality figures when it starts within 28 days of the birth.
READMISSION_WINDOW_DAYS = 28


class Admission(ClinicalEntry):
    """A (re)admission of the mother or a newborn after the birth, in one standard form so
    that it can be counted and compared (R24)."""

    SECTION = Section.POSTNATAL

    patient = models.CharField(_("who"), max_length=8, choices=Patient.choices)
    newborn = models.ForeignKey(
        Newborn,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="admissions",
        verbose_name=_("newborn"),
    )
    admitted_on = models.DateField(_("admitted on"))
    hospital = models.CharField(_("hospital"), max_length=150)
    reason = models.CharField(_("reason"), max_length=15, choices=AdmissionReason.choices)
    reason_detail = models.CharField(_("reason, in words"), max_length=300, blank=True)
    days = models.PositiveSmallIntegerField(
        _("days in hospital"),
        null=True,
        blank=True,
        help_text=_("Leave empty while still admitted."),
    )

    BOUNDS = ADMISSION_BOUNDS

    class Meta:
        verbose_name = _("(re)admission")
        verbose_name_plural = _("(re)admissions")
        ordering = ["-admitted_on", "-id"]
        constraints = [
            *bounds_constraints("admission", ADMISSION_BOUNDS),
            models.CheckConstraint(
                condition=Q(patient=Patient.MOTHER, newborn__isnull=True)
                | Q(patient=Patient.NEWBORN, newborn__isnull=False),
                name="admission_newborn_named_for_newborn",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=AdmissionReason.values), name="admission_reason_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_patient_display()}: {self.get_reason_display()}"

    @property
    def day_after_birth(self) -> int | None:
        delivery = self.delivery()
        return day_post_partum(delivery.born_at if delivery else None, self.admitted_on)

    @property
    def within_28_days(self) -> bool:
        day = self.day_after_birth
        return day is not None and day <= READMISSION_WINDOW_DAYS

    def clean(self) -> None:
        errors = {**past_errors(self, ["admitted_on"]), **bounds_errors(self, self.BOUNDS)}
        if self.dossier_id and self.delivery() is None:
            raise ValidationError(
                gettext("Record the delivery first: a (re)admission is linked to the birth."),
                code="needs_delivery",
            )
        self.not_before_birth("admitted_on", errors, what=gettext("A (re)admission"))
        if self.patient == Patient.NEWBORN and self.newborn_id is None:
            errors["newborn"] = ValidationError(
                gettext("Choose which newborn was admitted."), code="required"
            )
        if self.patient == Patient.MOTHER:
            self.newborn = None
        if self.newborn_id and self.dossier_id and self.newborn.dossier_id != self.dossier_id:
            errors["newborn"] = ValidationError(
                gettext("This newborn belongs to another record."), code="other_record"
            )
        if self.patient and self.reason and self.reason not in REASONS_FOR[self.patient]:
            errors["reason"] = ValidationError(
                gettext("“%(reason)s” is not a reason for admitting the %(who)s.")
                % {"reason": self.get_reason_display(), "who": self.get_patient_display().lower()},
                code="reason_patient",
            )
        if self.reason == AdmissionReason.OTHER and not self.reason_detail.strip():
            errors["reason_detail"] = ValidationError(
                gettext("Describe the reason in words."), code="required"
            )
        raise_if_any(errors)
