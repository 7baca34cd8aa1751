"""The prenatal module beyond the pregnancy's own facts (R2, R18, R19, R29, R35): the
consultations (a prenatal home visit is a consultation at home), the lab results, the
psychosocial anamnesis with its vulnerability flag, and the coordinator's short-stay
assessment. Risk factors and the dating live on the dossier itself."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier import labs, psychosocial
from dossier.labs import BloodGroup, LabResult, LabSource, LabTest, Rhesus
from dossier.models.entry import ClinicalEntry, WithBloodPressure, Writer
from dossier.rules import (
    BLOOD_PRESSURE_BOUNDS,
    TEXT_MAX_LENGTH,
    Bounds,
    blood_pressure_constraints,
    blood_pressure_errors,
    bounds_constraints,
    bounds_errors,
    field_label,
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
        what = gettext("Prenatal home visit") if self.at_home else gettext("Consultation")
        return f"{what} {self.consulted_on:%d-%m-%Y}"

    @property
    def place(self) -> str | None:
        """Where it took place, said only for a home visit (R35)."""
        return gettext("at home (prenatal home visit)") if self.at_home else None

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

    def save(self, *args: Any, **kwargs: Any) -> None:
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


LAB_BOUNDS = (
    Bounds("value", Decimal("1.0"), Decimal("600.0")),
    Bounds("value_1h", Decimal("20.0"), Decimal("600.0"), "mg/dL"),
    Bounds("value_2h", Decimal("20.0"), Decimal("600.0"), "mg/dL"),
    Bounds("anti_d_dose_ug", 50, 1500, "µg"),
)
# The fields only some tests fill in, and the tests that do.
LAB_ONLY_FOR = {
    "result": {t for t, row in labs.REFERENCE.items() if row.measure == labs.Measure.RESULT},
    "value": {
        t
        for t, row in labs.REFERENCE.items()
        if row.measure in (labs.Measure.VALUE, labs.Measure.OGTT)
    },
    "value_1h": {LabTest.OGTT},
    "value_2h": {LabTest.OGTT},
    "abo": {LabTest.BLOOD_GROUP},
    "rhesus": {LabTest.BLOOD_GROUP},
    "anti_d_given_on": {LabTest.BLOOD_GROUP},
    "anti_d_dose_ug": {LabTest.BLOOD_GROUP},
}
LAB_NEEDS = {
    labs.Measure.RESULT: ("result",),
    labs.Measure.VALUE: ("value",),
    labs.Measure.BLOOD_GROUP: ("abo", "rhesus"),
    labs.Measure.OGTT: ("value", "value_1h", "value_2h"),
}


class PrenatalLab(ClinicalEntry):
    """A prenatal laboratory result (issue 18): which test, when the sample (or the GBS swab)
    was taken, the result with its unit, and where it comes from. What is normal and what
    raises an alert is the reference table of ``dossier.labs``; the Rhesus D, HBsAg and GBS
    results are carried forward to the birth and the newborn (``labs.carried_forward``)."""

    SECTION = Section.PRENATAL

    test = models.CharField(_("test"), max_length=15, choices=LabTest.choices)
    taken_on = models.DateField(
        _("date of the sample"), help_text=_("For the group B streptococcus: the day of the swab.")
    )
    result = models.CharField(
        _("result"),
        max_length=15,
        choices=LabResult.choices,
        blank=True,
        help_text=_("For the serology, the antibodies and the GBS swab."),
    )
    value = models.DecimalField(
        _("value"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_(
            "Haemoglobin in g/dL; glucose in mg/dL: the challenge test's value after 1 hour, "
            "the tolerance test's fasting value."
        ),
    )
    value_1h = models.DecimalField(
        _("glucose after 1 hour (OGTT, mg/dL)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
    )
    value_2h = models.DecimalField(
        _("glucose after 2 hours (OGTT, mg/dL)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True, editable=False)
    abo = models.CharField(
        _("ABO blood group"), max_length=2, choices=BloodGroup.choices, blank=True
    )
    rhesus = models.CharField(_("Rhesus D"), max_length=8, choices=Rhesus.choices, blank=True)
    anti_d_given_on = models.DateField(
        _("anti-D given on"),
        null=True,
        blank=True,
        help_text=_("Rhesus D negative: the day of the anti-D prophylaxis (usually 28 weeks)."),
    )
    anti_d_dose_ug = models.PositiveSmallIntegerField(
        _("anti-D dose (µg)"), null=True, blank=True, help_text=_("E.g. 300 µg (1500 IU).")
    )
    detail = models.CharField(
        _("detail"),
        max_length=300,
        blank=True,
        help_text=_("E.g. which antibody (anti-D, anti-Kell) and its titre."),
    )
    source = models.CharField(
        _("source"), max_length=12, choices=LabSource.choices, default=LabSource.LAB_REPORT
    )
    laboratory = models.CharField(_("laboratory"), max_length=200, blank=True)

    # the values are held to their test's own range (``labs.REFERENCE``) in ``clean()``;
    # the table's widest range is the database's check
    BOUNDS = tuple(b for b in LAB_BOUNDS if b.field == "anti_d_dose_ug")

    class Meta:
        verbose_name = _("prenatal lab result")
        verbose_name_plural = _("prenatal lab results")
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["dossier", "test", "taken_on"])]
        constraints = [
            *bounds_constraints("prenatallab", LAB_BOUNDS),
            models.CheckConstraint(
                condition=Q(test__in=LabTest.values), name="prenatallab_test_known"
            ),
            models.CheckConstraint(
                condition=Q(result="") | Q(result__in=LabResult.values),
                name="prenatallab_result_known",
            ),
            models.CheckConstraint(
                condition=Q(test=LabTest.BLOOD_GROUP)
                | Q(abo="", rhesus="", anti_d_given_on__isnull=True, anti_d_dose_ug__isnull=True),
                name="prenatallab_blood_group_fields_only_for_it",
            ),
            models.CheckConstraint(
                condition=Q(anti_d_given_on__isnull=True, anti_d_dose_ug__isnull=True)
                | Q(anti_d_given_on__isnull=False, anti_d_dose_ug__isnull=False),
                name="prenatallab_anti_d_date_and_dose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_test_display()} · {self.taken_on:%d-%m-%Y}" if self.taken_on else ""

    @property
    def reference(self) -> labs.Reference | None:
        return labs.REFERENCE.get(self.test)

    @property
    def gestational_weeks(self) -> int | None:
        if not self.dossier_id or self.taken_on is None:
            return None
        age = self.dossier.gestational_age_on(self.taken_on)
        return age[0] if age else None

    @property
    def gestational_age_display(self) -> str:
        age = (
            self.dossier.gestational_age_on(self.taken_on)
            if self.dossier_id and self.taken_on
            else None
        )
        return f"{age[0]}+{age[1]}" if age else "—"

    @property
    def result_display(self) -> str:
        """The result with its unit: "O Rhesus D negative", "10,4 g/dL", "Positive (anti-Kell)",
        "88 / 170 / 160 mg/dL (fasting / 1 h / 2 h)"."""
        reference = self.reference
        if reference is None:
            return "—"
        if reference.measure == labs.Measure.BLOOD_GROUP:
            rhesus = self.get_rhesus_display() if self.rhesus else ""
            return f"{self.abo} {rhesus}".strip() or "—"
        if reference.measure == labs.Measure.VALUE:
            return labs.value_display(self.value, self.unit or reference.unit)
        if reference.measure == labs.Measure.OGTT:
            values = " / ".join(
                number_format(v) if v is not None else "—"
                for v in (self.value, self.value_1h, self.value_2h)
            )
            return gettext("%(values)s %(unit)s (fasting / 1 h / 2 h)") % {
                "values": values,
                "unit": self.unit or reference.unit,
            }
        shown = self.get_result_display() if self.result else "—"
        return f"{shown} ({self.detail})" if self.detail else shown

    @property
    def findings(self) -> list:
        return labs.findings(self)

    @property
    def finding(self) -> str | None:
        """The abnormal findings in words, or None (nothing to flag)."""
        return "; ".join(str(f.title) for f in self.findings) or None

    @property
    def finding_rows(self) -> list[dict]:
        """The findings as the API gives them: the alert rule's code, urgency and title."""
        return [
            {"code": f.code, "severity": f.severity, "title": str(f.title)} for f in self.findings
        ]

    @property
    def abnormal(self) -> bool:
        return bool(self.findings)

    def clean(self) -> None:
        errors = {
            **past_errors(self, ["taken_on", "anti_d_given_on"]),
            **bounds_errors(self, self.BOUNDS),
        }
        reference = self.reference
        if reference is None:
            raise_if_any(errors)
            return
        test = LabTest(self.test).label
        for name, tests in LAB_ONLY_FOR.items():
            value = getattr(self, name)
            if self.test not in tests and value not in (None, "") and name not in errors:
                errors[name] = ValidationError(
                    gettext("%(field)s: not part of the test “%(test)s”; leave it empty.")
                    % {"field": field_label(self, name), "test": test},
                    code="not_for_this_test",
                )
        for name in LAB_NEEDS[reference.measure]:
            if getattr(self, name) in (None, "") and name not in errors:
                errors[name] = ValidationError(
                    gettext("%(field)s: needed for the test “%(test)s”.")
                    % {"field": field_label(self, name), "test": test},
                    code="required",
                )
        if self.result and reference.results and self.result not in reference.results:
            errors.setdefault(
                "result",
                ValidationError(
                    gettext("Result: for the test “%(test)s” choose one of: %(allowed)s.")
                    % {
                        "test": test,
                        "allowed": ", ".join(str(LabResult(r).label) for r in reference.results),
                    },
                    code="result_not_for_this_test",
                ),
            )
        if reference.low is not None:
            for name in ("value", "value_1h", "value_2h"):
                if name in LAB_NEEDS[reference.measure] and name not in errors:
                    errors.update(
                        bounds_errors(
                            self, [Bounds(name, reference.low, reference.high, reference.unit)]
                        )
                    )
        if self.test == LabTest.BLOOD_GROUP and "anti_d_given_on" not in errors:
            given, dose = self.anti_d_given_on, self.anti_d_dose_ug
            if (given is None) != (dose is None):
                missing = "anti_d_dose_ug" if dose is None else "anti_d_given_on"
                errors.setdefault(
                    missing,
                    ValidationError(
                        gettext("Anti-D: enter both the day and the dose."),
                        code="anti_d_pair",
                    ),
                )
            elif given is not None and self.rhesus == Rhesus.POSITIVE:
                errors["anti_d_given_on"] = ValidationError(
                    gettext("Anti-D: only for a Rhesus D negative mother."),
                    code="anti_d_rhesus_positive",
                )
        if (
            self.test == LabTest.ANTIBODIES
            and self.result == LabResult.POSITIVE
            and not self.detail.strip()
        ):
            errors["detail"] = ValidationError(
                gettext("Detail: say which antibody was found (e.g. anti-D, anti-Kell)."),
                code="required",
            )
        raise_if_any(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        reference = self.reference
        self.unit = reference.unit if reference else ""
        super().save(*args, **kwargs)
