"""Care at home after the birth (R12, R22, R26): the midwife's home visits with what she
observed in mother and baby, the 24/7 phone line's register, and maternity home help
(kraamhulp): the need estimated and the hours delivered per day."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier.models.entry import ClinicalEntry, WithBloodPressure, day_post_partum
from dossier.models.record import Feeding, Measurement, Newborn
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

# An EPDS score from this value on suggests a depression: the visit is flagged.
EPDS_ALERT = 13


class Involution(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SLOW = "slow", _("Slow")


class Lochia(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HEAVY = "heavy", _("Heavy")
    FOUL = "foul", _("Foul-smelling")


class Wound(models.TextChoices):
    NONE = "none", _("No wound")
    HEALING = "healing", _("Healing well")
    PROBLEM = "problem", _("Red, painful or open (see notes)")


class Breasts(models.TextChoices):
    NORMAL = "normal", _("Normal")
    ENGORGED = "engorged", _("Engorged")
    SORE_NIPPLES = "sore_nipples", _("Sore or cracked nipples")
    MASTITIS = "mastitis", _("Signs of mastitis")


class Jaundice(models.TextChoices):
    NONE = "none", _("None")
    MILD = "mild", _("Mild (face)")
    MARKED = "marked", _("Marked (body, legs)")


class Stools(models.TextChoices):
    NORMAL = "normal", _("Normal")
    NONE_24H = "none_24h", _("None in 24 hours")
    ABNORMAL = "abnormal", _("Abnormal (pale, blood)")


VISIT_BOUNDS = (
    Bounds("temperature_c", Decimal("34.0"), Decimal("42.0"), "°C"),
    Bounds("epds_score", 0, 30),
    Bounds("epds_self_harm", 0, 3),
)
BABY_BOUNDS = (Bounds("temperature_c", Decimal("32.0"), Decimal("42.0"), "°C"),)


class HomeVisit(WithBloodPressure, ClinicalEntry):
    """A midwife's (or GP's) visit at home after the birth (R22): what she found in the
    mother, the advice given and the next visit. What she found in each baby is a
    ``BabyCheck`` of the same visit."""

    SECTION = Section.POSTNATAL

    visited_at = models.DateTimeField(_("visited at"))
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    involution = models.CharField(
        _("uterine involution"), max_length=10, choices=Involution.choices, blank=True
    )
    lochia = models.CharField(_("lochia"), max_length=10, choices=Lochia.choices, blank=True)
    wound = models.CharField(_("wound"), max_length=10, choices=Wound.choices, blank=True)
    breasts = models.CharField(_("breasts"), max_length=15, choices=Breasts.choices, blank=True)
    epds_score = models.PositiveSmallIntegerField(
        _("mood screening (EPDS score)"),
        null=True,
        blank=True,
        help_text=_("Edinburgh Postnatal Depression Scale, 0–30; from 13 on, refer."),
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
    advice = models.TextField(_("advice given"), blank=True, max_length=TEXT_MAX_LENGTH)
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_LENGTH)
    next_visit_at = models.DateTimeField(_("next visit"), null=True, blank=True)
    # The id the phone gave a visit typed offline (static/js/drafts.js, issue 14): the same
    # visit sent again (the answer lost, the queue resent) finds this one, not a second.
    client_key = models.UUIDField(_("sent by the device as"), null=True, blank=True, editable=False)

    BOUNDS = VISIT_BOUNDS + BLOOD_PRESSURE_BOUNDS

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["dossier", "visited_at"])]
        constraints = [
            *bounds_constraints("homevisit", VISIT_BOUNDS),
            *blood_pressure_constraints("homevisit"),
            models.CheckConstraint(
                condition=Q(next_visit_at__isnull=True)
                | Q(next_visit_at__gt=models.F("visited_at")),
                name="homevisit_next_after_this",
            ),
            models.UniqueConstraint(
                fields=["dossier", "client_key"],
                condition=Q(client_key__isnull=False),
                name="homevisit_client_key_once",
            ),
        ]

    def __str__(self) -> str:
        if self.day is None:
            return gettext("Home visit")
        return gettext("Home visit, day %(day)s") % {"day": self.day}

    @property
    def day(self) -> int | None:
        delivery = self.delivery()
        return day_post_partum(delivery.born_at if delivery else None, self.visited_at)

    @property
    def epds_alarming(self) -> bool:
        return self.epds_score is not None and self.epds_score >= EPDS_ALERT

    def clean(self) -> None:
        errors = {
            **past_errors(self, ["visited_at"]),
            **bounds_errors(self, self.BOUNDS),
            **blood_pressure_errors(self),
        }
        if self.dossier_id and self.delivery() is None:
            raise ValidationError(
                gettext(
                    "Record the delivery first: these home visits follow the birth. A "
                    "prenatal home visit is recorded as a prenatal consultation at home."
                ),
                code="needs_delivery",
            )
        self.not_before_birth("visited_at", errors, what=gettext("A home visit"))
        if (
            self.next_visit_at
            and self.visited_at
            and "visited_at" not in errors
            and self.next_visit_at <= self.visited_at
        ):
            errors["next_visit_at"] = ValidationError(
                gettext("Next visit: plan it after this visit."), code="next_before_this"
            )
        raise_if_any(errors)


class BabyCheck(ClinicalEntry):
    """What the midwife found in one baby during a home visit. The weight is a point of the
    weight curve: a ``Measurement`` made with the check, so it is typed once."""

    SECTION = Section.NEWBORN
    AMEND_NEEDS_REASON = False  # amended with its visit, under the visit's reason

    home_visit = models.ForeignKey(
        HomeVisit,
        on_delete=models.PROTECT,
        related_name="baby_checks",
        verbose_name=_("home visit"),
    )
    newborn = models.ForeignKey(
        Newborn, on_delete=models.PROTECT, related_name="checks", verbose_name=_("newborn")
    )
    measurement = models.OneToOneField(
        Measurement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="baby_check",
        verbose_name=_("weighing"),
    )
    temperature_c = models.DecimalField(
        _("baby's temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    jaundice = models.CharField(_("jaundice"), max_length=8, choices=Jaundice.choices, blank=True)
    feeding = models.CharField(_("feeding"), max_length=10, choices=Feeding.choices, blank=True)
    stools = models.CharField(_("stools"), max_length=10, choices=Stools.choices, blank=True)
    notes = models.CharField(_("notes on the baby"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("baby check")
        verbose_name_plural = _("baby checks")
        ordering = ["home_visit", "newborn__birth_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["home_visit", "newborn"], name="babycheck_one_per_baby_per_visit"
            ),
            *bounds_constraints("babycheck", BABY_BOUNDS),
        ]

    def __str__(self) -> str:
        return str(self.newborn)

    def findings(self) -> str:
        """What was found, in one line: "3.050 g · jaundice: mild (face) · breastfeeding"."""
        parts = [
            f"{number_format(self.measurement.weight_g, force_grouping=True)} g"
            if self.measurement
            else ""
        ]
        for name in ("jaundice", "feeding", "stools"):
            if getattr(self, name):
                label = self._meta.get_field(name).verbose_name
                parts.append(f"{label}: {getattr(self, f'get_{name}_display')().lower()}")
        parts.append(self.notes)
        return " · ".join(part for part in parts if part)

    def clean(self) -> None:
        errors = bounds_errors(self, BABY_BOUNDS)
        if self.newborn_id and self.dossier_id and self.newborn.dossier_id != self.dossier_id:
            errors["newborn"] = ValidationError(gettext("This newborn belongs to another record."))
        raise_if_any(errors)


class Caller(models.TextChoices):
    MOTHER = "mother", _("The mother")
    PARTNER = "partner", _("The partner")
    FAMILY = "family", _("Family or friend")
    PROFESSIONAL = "professional", _("A care provider")


class CallReason(models.TextChoices):
    BABY_FEEDING = "baby_feeding", _("Baby: feeding")
    BABY_CRYING = "baby_crying", _("Baby: crying or sleep")
    BABY_COLOUR = "baby_colour", _("Baby: jaundice, colour or fever")
    MOTHER_BLEEDING = "mother_bleeding", _("Mother: bleeding or pain")
    MOTHER_FEVER = "mother_fever", _("Mother: fever")
    MOTHER_BREASTS = "mother_breasts", _("Mother: breasts")
    MOOD = "mood", _("Mood, anxiety or tiredness")
    PRACTICAL = "practical", _("Practical question")
    OTHER = "other", _("Other (describe)")


class CallOutcome(models.TextChoices):
    ADVICE = "advice", _("Advice by phone")
    VISIT = "visit", _("Home visit")
    REFERRAL = "referral", _("Referred to a doctor")
    ADMISSION = "admission", _("Admission")


PHONE_BOUNDS = (Bounds("duration_minutes", 1, 240, "min"),)


class PhoneContact(ClinicalEntry):
    """A call to the 24/7 midwife line (R12): counted, timed, and what followed from it."""

    SECTION = Section.POSTNATAL

    started_at = models.DateTimeField(_("call started at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    caller = models.CharField(_("caller"), max_length=12, choices=Caller.choices)
    reason = models.CharField(_("reason"), max_length=15, choices=CallReason.choices)
    reason_detail = models.CharField(_("reason, in words"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CallOutcome.choices)
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_LENGTH)

    BOUNDS = PHONE_BOUNDS

    class Meta:
        verbose_name = _("phone contact")
        verbose_name_plural = _("phone contacts")
        ordering = ["-started_at", "-id"]
        constraints = [
            *bounds_constraints("phonecontact", PHONE_BOUNDS),
            models.CheckConstraint(
                condition=Q(outcome__in=CallOutcome.values), name="phonecontact_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} → {self.get_outcome_display()}"

    def clean(self) -> None:
        errors = {**past_errors(self, ["started_at"]), **bounds_errors(self, self.BOUNDS)}
        if self.reason == CallReason.OTHER and not self.reason_detail.strip():
            errors["reason_detail"] = ValidationError(
                gettext("Describe the reason in words."), code="required"
            )
        raise_if_any(errors)


class HomeHelpReason(models.TextChoices):
    """R26: when the need is larger than the basic package."""

    UNSTABLE_FAMILY = "unstable_family", _("Unstable family situation")
    YOUNG_CHILDREN = "young_children", _("Two children under 4 or three under 6")
    NO_SUPPORT = "no_support", _("No informal support network")
    MULTIPLES = "multiples", _("Twins or more")
    HEALTH = "health", _("Health problems of mother or child")
    FEEDING = "feeding", _("Feeding problems")


# The Dutch reference model (R26): 49 hours over the first 8 days; at least 24; more "on
# measure" when one of the reasons applies.
BASIC_PACKAGE_HOURS = 49
HOME_HELP_NEED_BOUNDS = (Bounds("estimated_hours", 24, 120, _("hours")),)


class HomeHelpNeed(ClinicalEntry):
    """The estimated need for maternity home help (kraamhulp), made before the birth and
    adjusted after it (R15, R26)."""

    SECTION = Section.HOMEHELP
    SINGLE = True

    estimated_hours = models.PositiveSmallIntegerField(
        _("estimated hours"),
        default=BASIC_PACKAGE_HOURS,
        help_text=_("Basic package 49 hours over the first 8 days; at least 24."),
    )
    reasons = ArrayField(
        models.CharField(max_length=20, choices=HomeHelpReason.choices),
        verbose_name=_("reasons for more help"),
        default=list,
        blank=True,
    )
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("maternity home help service"),
        limit_choices_to=Q(kind__startswith="home_help"),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_LENGTH)

    BOUNDS = HOME_HELP_NEED_BOUNDS

    class Meta:
        verbose_name = _("maternity home help need")
        verbose_name_plural = _("maternity home help needs")
        ordering = ["id"]
        constraints = [
            *bounds_constraints("homehelpneed", HOME_HELP_NEED_BOUNDS),
            models.UniqueConstraint(fields=["dossier"], name="homehelpneed_one_per_dossier"),
        ]

    def __str__(self) -> str:
        return gettext("%(hours)s hours of maternity home help") % {
            "hours": number_format(self.estimated_hours)
        }

    def clean(self) -> None:
        errors = bounds_errors(self, self.BOUNDS)
        if (
            "estimated_hours" not in errors
            and self.estimated_hours is not None
            and self.estimated_hours > BASIC_PACKAGE_HOURS
            and not self.reasons
        ):
            errors["reasons"] = ValidationError(
                gettext("More than the basic %(basic)s hours: tick why the family needs more.")
                % {"basic": BASIC_PACKAGE_HOURS},
                code="reason_required",
            )
        raise_if_any(errors)


HOME_HELP_DAY_BOUNDS = (Bounds("hours", Decimal("0.25"), Decimal("12.00"), _("hours")),)


class HomeHelpDay(ClinicalEntry):
    """Hours of maternity home help delivered on one day by one service: summed per family,
    per year and per province for the figures policy makers ask for (R31)."""

    SECTION = Section.HOMEHELP

    day = models.DateField(_("day"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2)
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("maternity home help service"),
        limit_choices_to=Q(kind__startswith="home_help"),
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    BOUNDS = HOME_HELP_DAY_BOUNDS

    class Meta:
        verbose_name = _("day of maternity home help")
        verbose_name_plural = _("days of maternity home help")
        ordering = ["-day", "-id"]
        constraints = [
            *bounds_constraints("homehelpday", HOME_HELP_DAY_BOUNDS),
            models.UniqueConstraint(
                fields=["dossier", "day", "organisation"],
                name="homehelpday_one_per_service_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d-%m-%Y}: {number_format(self.hours)} h"  # Belgian: 4,50 h

    def clean(self) -> None:
        errors = {**past_errors(self, ["day"]), **bounds_errors(self, self.BOUNDS)}
        if self.dossier_id and self.delivery() is None:
            raise ValidationError(
                gettext(
                    "Record the delivery first: maternity home help is counted from the birth on."
                ),
                code="needs_delivery",
            )
        self.not_before_birth("day", errors, what=gettext("A day of maternity home help"))
        raise_if_any(errors)
