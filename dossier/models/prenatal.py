"""The prenatal module beyond the pregnancy's own facts (R2, R18, R19, R29): the
consultations, the psychosocial anamnesis with its vulnerability flag, and the
coordinator's short-stay assessment. Risk factors live on the dossier itself."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier import psychosocial
from dossier.models.entry import ClinicalEntry, WithBloodPressure, Writer
from dossier.rules import (
    BLOOD_PRESSURE_BOUNDS,
    TEXT_MAX_LENGTH,
    Bounds,
    blood_pressure_constraints,
    blood_pressure_errors,
    bounds_constraints,
    bounds_errors,
    past_errors,
    raise_if_any,
)
from dossier.sections import Section

CONSULTATION_BOUNDS = (
    Bounds("weight_kg", Decimal("30.0"), Decimal("250.0"), "kg"),
    Bounds("fundal_height_cm", Decimal("5.0"), Decimal("50.0"), "cm"),
    Bounds("fetal_heart_rate", 60, 220, "/min"),
    Bounds("epds_score", 0, 30),
    Bounds("epds_self_harm", 0, 3),
)


class PrenatalConsultation(WithBloodPressure, ClinicalEntry):
    """A prenatal check-up; the gestational age is computed from the due date, not typed."""

    SECTION = Section.PRENATAL

    consulted_on = models.DateField(_("date of the consultation"))
    at_home = models.BooleanField(
        _("at home (prenatal home visit)"),
        default=False,
        help_text=_(
            "R35: a prenatal home visit by the midwife is recorded as a consultation at home."
        ),
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    fundal_height_cm = models.DecimalField(
        _("fundal height (cm)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    fetal_heart_rate = models.PositiveSmallIntegerField(
        _("fetal heart rate (/min)"), null=True, blank=True
    )
    epds_score = models.PositiveSmallIntegerField(
        _("mood screening (EPDS score)"),
        null=True,
        blank=True,
        help_text=_("Edinburgh Postnatal Depression Scale, 0–30; in pregnancy from 15 on, refer."),
    )
    epds_self_harm = models.PositiveSmallIntegerField(
        _("EPDS question 10: thoughts of harming herself (0–3)"),
        null=True,
        blank=True,
        help_text=_(
            "The answer to question 10 itself (0 never … 3 yes, quite often): "
            "any answer above 0 is urgent, whatever the total."
        ),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_LENGTH)

    BOUNDS = CONSULTATION_BOUNDS + BLOOD_PRESSURE_BOUNDS

    class Meta:
        verbose_name = _("prenatal consultation")
        verbose_name_plural = _("prenatal consultations")
        ordering = ["-consulted_on", "-id"]
        indexes = [models.Index(fields=["dossier", "consulted_on"])]
        constraints = [
            *bounds_constraints("consultation", CONSULTATION_BOUNDS),
            *blood_pressure_constraints("consultation"),
        ]

    def __str__(self) -> str:
        return f"{gettext('Consultation')} {self.consulted_on:%d-%m-%Y}"

    @property
    def gestational_age(self) -> tuple[int, int] | None:
        if not self.dossier_id or self.consulted_on is None:
            return None
        return self.dossier.gestational_age_on(self.consulted_on)

    @property
    def gestational_age_display(self) -> str:
        age = self.gestational_age
        return f"{age[0]}+{age[1]}" if age else "—"

    def clean(self) -> None:
        errors = {
            **past_errors(self, ["consulted_on"]),
            **bounds_errors(self, self.BOUNDS),
            **blood_pressure_errors(self),
        }
        if self.dossier_id and self.consulted_on and "consulted_on" not in errors:
            if self.gestational_age is None:
                errors["consulted_on"] = ValidationError(
                    gettext(
                        "Date of the consultation: this day lies before the start of the "
                        "pregnancy (expected due date %(due)s)."
                    )
                    % {"due": self.dossier.expected_due_date.strftime("%d-%m-%Y")},
                    code="before_pregnancy",
                )
            elif self.delivery() and self.consulted_on > timezone.localdate(
                self.delivery().born_at
            ):
                errors["consulted_on"] = ValidationError(
                    gettext(
                        "Date of the consultation: a prenatal consultation comes before "
                        "the birth (%(born)s); record later contacts as home visits."
                    )
                    % {"born": timezone.localdate(self.delivery().born_at).strftime("%d-%m-%Y")},
                    code="after_birth",
                )
        raise_if_any(errors)


def _answer(field: str) -> models.CharField:
    question, choices, _weights = psychosocial.QUESTIONS[field]
    return models.CharField(question, max_length=15, choices=choices.choices, blank=True)


class PsychosocialAnamnesis(ClinicalEntry):
    """The structured psychosocial anamnesis (R29): the most sensitive section, closed by
    default to everyone but the coordinator. ``vulnerable`` follows from the answers
    (``dossier.psychosocial``) each time they are saved."""

    SECTION = Section.PSYCHOSOCIAL
    SINGLE = True

    interviewed_on = models.DateField(_("date of the conversation"))
    social_support = _answer("social_support")
    housing = _answer("housing")
    income = _answer("income")
    language = _answer("language")
    mental_health = _answer("mental_health")
    violence = _answer("violence")
    substance_use = _answer("substance_use")
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_LENGTH)
    vulnerable = models.BooleanField(_("vulnerable family"), default=False, editable=False)

    class Meta:
        verbose_name = _("psychosocial anamnesis")
        verbose_name_plural = _("psychosocial anamneses")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], name="psychosocial_one_per_dossier")
        ]

    def __str__(self) -> str:
        return gettext("Psychosocial anamnesis")

    def answers(self) -> dict[str, str]:
        return {field: getattr(self, field) for field in psychosocial.QUESTIONS}

    def concerns(self) -> list[str]:
        return psychosocial.concerns(self.answers())

    def clean(self) -> None:
        errors = past_errors(self, ["interviewed_on"])
        if not any(self.answers().values()):
            errors["social_support"] = ValidationError(
                gettext(
                    "Answer at least one question; leave a question empty only when it "
                    "was not asked."
                ),
                code="no_answers",
            )
        raise_if_any(errors)

    def save(self, *args, **kwargs):
        self.vulnerable = psychosocial.is_vulnerable(self.answers())
        super().save(*args, **kwargs)


class ShortStayDecision(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible for a short stay")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible: classic stay")
    AFTER_BIRTH = "after_birth", _("Decide again after the birth")


class ShortStayCriterion(models.TextChoices):
    SINGLETON_TERM = "singleton_term", _("Singleton pregnancy expected at term, no known risk")
    MOTHER_WISHES = "mother_wishes", _("The parents want a short stay")
    HOME_MIDWIFE = "home_midwife", _("A home midwife is arranged for the first days")
    HOME_SITUATION = "home_situation", _("The home situation allows it (support, housing)")
    REACHABLE = "reachable", _("The parents can reach the midwife 24/7")


class ShortStayAssessment(ClinicalEntry):
    """Whether the mother may go home early (R18, R20): judged by the coordinator alone.
    "Eligible" needs every criterion met."""

    SECTION = Section.PRENATAL
    WRITER = Writer.COORDINATOR
    SINGLE = True

    assessed_on = models.DateField(_("date of the assessment"))
    decision = models.CharField(_("decision"), max_length=15, choices=ShortStayDecision.choices)
    criteria_met = ArrayField(
        models.CharField(max_length=20, choices=ShortStayCriterion.choices),
        verbose_name=_("criteria met"),
        default=list,
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("short-stay assessment")
        verbose_name_plural = _("short-stay assessments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], name="short_stay_one_per_dossier"),
            models.CheckConstraint(
                condition=Q(decision__in=ShortStayDecision.values), name="short_stay_decision_known"
            ),
        ]

    def __str__(self) -> str:
        return self.get_decision_display()

    def missing_criteria(self) -> list[str]:
        return [str(c.label) for c in ShortStayCriterion if c.value not in self.criteria_met]

    def clean(self) -> None:
        errors = past_errors(self, ["assessed_on"])
        missing = self.missing_criteria()
        if self.decision == ShortStayDecision.ELIGIBLE and missing:
            errors["criteria_met"] = ValidationError(
                gettext("A short stay needs every criterion met; not yet: %(missing)s.")
                % {"missing": "; ".join(missing)},
                code="criteria_missing",
            )
        raise_if_any(errors)
