"""The mother, each pregnancy's record, the delivery and the newborn's own record (R1, R2,
R6). Single-row rules live in ``clean()``; what must never be stored is also a database
constraint. Public UUIDs are used in URLs; the integer keys never leave the server."""

from __future__ import annotations

import datetime
import functools
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from dossier import dating
from dossier.dating import DatingMethod
from dossier.geography import Province, province_for_postcode
from dossier.insz import check_insz_matches_birth_date, format_insz, validate_insz
from dossier.rules import (
    TEXT_MAX_LENGTH,
    Bounds,
    bounds_constraints,
    bounds_errors,
    field_label,
    past_errors,
    raise_if_any,
)
from dossier.screenings import ScreeningKind, ScreeningResult
from dossier.sections import section_permissions

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ./-]{7,18}$",
    _("Phone: digits only, with an optional + in front, e.g. 0470 12 34 56 or +32 470 12 34 56."),
    code="phone_format",
)

# Naegele's rule: the due date is 280 days after the last menstrual period; a pregnancy does
# not go on past 44 weeks.
PREGNANCY_DAYS = 280
LONGEST_PREGNANCY = datetime.timedelta(weeks=44)


class RecordModel(models.Model):
    """What every record row carries: a public id for URLs and when it was made and changed."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:
        """``get_<field>_display()``: the label kept per field, value and language. Django
        builds the field's whole table of choices on every call (≈30 µs; the record's
        overview shows six and its network's roles, issue 16). Choices given as a
        callable may change, and an unhashable value cannot be kept: both are Django's."""
        if isinstance(field.choices, list | tuple):
            value = make_hashable(getattr(self, field.attname))
            try:
                return _field_display(field, value, get_language())
            except TypeError:  # unhashable after all
                pass
        return super()._get_FIELD_display(field)  # type: ignore[misc]


@functools.lru_cache(maxsize=4096)
def _field_display(field: models.Field, value: Any, _language: str | None) -> Any:
    """What Django's ``Model._get_FIELD_display`` returns for this value, in this language."""
    return force_str(dict(make_hashable(field.flatchoices)).get(value, value), strings_only=True)


class Language(models.TextChoices):
    DUTCH = "nl", _("Dutch")
    FRENCH = "fr", _("French")
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")
    OTHER = "other", _("Other language")


class HealthInsurer(models.TextChoices):
    """The Belgian national unions of mutual health insurers (landsbonden), by their code."""

    CHRISTIAN = "100", _("Christian health insurer (CM / MC)")
    NEUTRAL = "200", _("Neutral health insurers")
    SOCIALIST = "300", _("Solidaris (socialist health insurers)")
    LIBERAL = "400", _("Liberal health insurers")
    INDEPENDENT = "500", _("Independent health insurers (Helan, Partenamut)")
    PUBLIC = "600", _("Auxiliary fund (HZIV / CAAMI)")
    RAIL = "900", _("HR Rail health fund")
    NONE = "none", _("Not insured / not known")


class Mother(RecordModel):
    """The (future) mother as a person: identity, contact and address.

    One mother has a dossier per pregnancy. Her INSZ (or BIS) number links her records to
    her newborn's and to the eBirth registration; it may be missing for a mother not yet
    registered in Belgium, but two mothers never share one."""

    insz = models.CharField(
        _("INSZ number"),
        max_length=11,
        blank=True,
        help_text=_("National register or BIS number, 11 digits; leave empty if she has none."),
    )
    given_name = models.CharField(_("first name"), max_length=100)
    family_name = models.CharField(_("surname"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    street_address = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4)
    municipality = models.CharField(_("municipality"), max_length=100)
    province = models.CharField(_("province"), max_length=3, choices=Province.choices, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.DUTCH
    )
    health_insurer = models.CharField(
        _("health insurer"), max_length=4, choices=HealthInsurer.choices, blank=True
    )
    # R7: her appointments and their reminders reach her; she can turn a channel off.
    messages_by_email = models.BooleanField(
        _("appointments by e-mail"),
        default=True,
        help_text=_("Invitations, changes and reminders of her appointments by e-mail."),
    )
    messages_by_sms = models.BooleanField(
        _("appointments by SMS"),
        default=True,
        help_text=_("Changes and reminders of her appointments by SMS."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mother",
        verbose_name=_("login"),
        help_text=_(
            "The mother's own account: she sees her whole record and decides who sees what."
        ),
    )

    class Meta:
        verbose_name = _("mother")
        verbose_name_plural = _("mothers")
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["insz"],
                condition=~Q(insz=""),
                name="mother_insz_unique",
                violation_error_message=_(
                    "A mother with this INSZ number is already registered: open her record instead."
                ),
            ),
            models.CheckConstraint(
                condition=Q(insz="") | Q(insz__regex=r"^[0-9]{11}$"), name="mother_insz_digits"
            ),
            models.CheckConstraint(
                condition=Q(province__in=Province.values), name="mother_province_known"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def province_label(self) -> str:
        """``get_province_display()`` for a list's rows: the label from the choices' enum
        (Django builds the field's whole table of choices on every call)."""
        return choice_label(Province, self.province)

    @property
    def insz_display(self) -> str:
        return format_insz(self.insz)

    def clean(self) -> None:
        errors = past_errors(self, ["date_of_birth"])
        if self.date_of_birth and self.date_of_birth.year < 1930 and "date_of_birth" not in errors:
            errors["date_of_birth"] = ValidationError(
                gettext("Date of birth: enter a date from 1930 onwards in the form dd-mm-yyyy."),
                code="implausible",
            )
        if self.insz:
            try:
                validate_insz(self.insz)
                check_insz_matches_birth_date(self.insz, self.date_of_birth)
            except ValidationError as error:
                errors["insz"] = error
        expected = province_for_postcode(self.postcode or "")
        if self.postcode and expected is None:
            errors["postcode"] = ValidationError(
                gettext("Postcode: a Belgian postcode has 4 digits, from 1000 to 9999."),
                code="postcode",
            )
        elif expected and self.province and self.province != expected:
            errors["province"] = ValidationError(
                gettext("Postcode %(postcode)s lies in %(expected)s, not in %(given)s.")
                % {
                    "postcode": self.postcode,
                    "expected": expected.label,
                    "given": Province(self.province).label,
                },
                code="province_mismatch",
            )
        elif expected and not self.province:
            self.province = expected
        raise_if_any(errors)


class RiskFactor(models.TextChoices):
    PREVIOUS_CAESAREAN = "previous_caesarean", _("Previous caesarean section")
    PREVIOUS_PRETERM = "previous_preterm", _("Previous preterm birth")
    HYPERTENSION = "hypertension", _("Hypertension or pre-eclampsia")
    GESTATIONAL_DIABETES = "gestational_diabetes", _("Gestational diabetes")
    DIABETES = "diabetes", _("Pre-existing diabetes")
    OBESITY = "obesity", _("Obesity (BMI 30 or more)")
    AGE_UNDER_18 = "age_under_18", _("Mother younger than 18")
    AGE_40_PLUS = "age_40_plus", _("Mother aged 40 or more")
    SMOKING = "smoking", _("Smoking")
    ASSISTED_CONCEPTION = "assisted_conception", _("Assisted conception (IVF/ICSI)")
    PLACENTA_PRAEVIA = "placenta_praevia", _("Placenta praevia")
    FETAL_GROWTH = "fetal_growth", _("Fetal growth restriction")
    OTHER = "other", _("Other (see notes)")


class Conception(models.TextChoices):
    """How the pregnancy began, as the medical statistical form asks it (R8)."""

    SPONTANEOUS = "spontaneous", _("Spontaneous")
    OVULATION_INDUCTION = "ovulation", _("Ovulation induction only")
    INSEMINATION = "iui", _("Intra-uterine insemination (IUI)")
    IVF_ICSI = "ivf_icsi", _("IVF or ICSI")


def choice_label(choices: type[models.TextChoices], value: str, language: str | None = None) -> str:
    """The label of ``value`` among ``choices`` in the active language (``language``: the
    active one, as a list's rows read it once), as a ``get_<field>_display()`` gives it
    (the value itself when it is none of them). Kept per language: a lazy label is
    translated anew at each use (≈6 µs), and a list shows two per row."""
    return _choice_label(choices, value, language or get_language())


@functools.lru_cache(maxsize=4096)
def _choice_label(choices: type[models.TextChoices], value: str, _language: str | None) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class DossierStatus(models.TextChoices):
    PRENATAL = "prenatal", _("Prenatal")
    DELIVERED = "delivered", _("Delivered")
    POSTNATAL = "postnatal", _("Postnatal")
    CLOSED = "closed", _("Closed")


# The status only moves forward; a record can be closed at any stage (e.g. a miscarriage).
STATUS_TRANSITIONS = {
    DossierStatus.PRENATAL: {DossierStatus.DELIVERED, DossierStatus.CLOSED},
    DossierStatus.DELIVERED: {DossierStatus.POSTNATAL, DossierStatus.CLOSED},
    DossierStatus.POSTNATAL: {DossierStatus.CLOSED},
    DossierStatus.CLOSED: set(),
}


DOSSIER_BOUNDS = (
    Bounds("gravidity", 1, 30),
    Bounds("parity", 0, 29),
    Bounds("fetus_count", 1, 6),
    Bounds("crown_rump_length_mm", dating.CRL_LOWEST_MM, dating.CRL_HIGHEST_MM, "mm"),
    Bounds("embryo_age_days", *dating.EMBRYO_AGE_DAYS, _("days")),
)


class Dossier(RecordModel):
    """The maternity record of one pregnancy, from early pregnancy to six weeks after birth.

    Its modules are prenatal, delivery and stay, and postnatal (R2); its status moves
    prenatal → delivered → postnatal → closed. The expected due date is computed by the
    dating method (``dossier.dating``: the last period, an ultrasound's crown-rump length,
    the IVF transfer) or typed in, and the record keeps which it was."""

    mother = models.ForeignKey(
        Mother, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("mother")
    )
    last_menstrual_period = models.DateField(_("last menstrual period"), null=True, blank=True)
    expected_due_date = models.DateField(
        _("expected due date"),
        blank=True,
        help_text=_(
            "Left empty, it is computed by the dating method (280 days after the last "
            "menstrual period, by default)."
        ),
    )
    dating_method = models.CharField(
        _("dating method"),
        max_length=10,
        choices=DatingMethod.choices,
        blank=True,
        default="",
        db_default="",  # rows written by COPY (the bench's generator) name no method
        help_text=_("What set the expected due date."),
    )
    crown_rump_length_mm = models.DecimalField(
        _("crown-rump length (mm)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Ultrasound dating: 10 to 84 mm (about 7 to 14 weeks)."),
    )
    dating_scan_on = models.DateField(_("date of the dating scan"), null=True, blank=True)
    embryo_transfer_on = models.DateField(_("date of the embryo transfer"), null=True, blank=True)
    embryo_age_days = models.PositiveSmallIntegerField(
        _("embryo age at transfer (days)"),
        null=True,
        blank=True,
        help_text=_("3 for a day-3 embryo, 5 for a blastocyst."),
    )
    gravidity = models.PositiveSmallIntegerField(
        _("gravidity"), default=1, help_text=_("Number of pregnancies, this one included.")
    )
    parity = models.PositiveSmallIntegerField(
        _("parity"), default=0, help_text=_("Number of earlier births (from 22 weeks).")
    )
    fetus_count = models.PositiveSmallIntegerField(
        _("number of fetuses"), default=1, help_text=_("2 for twins, 3 for triplets.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DossierStatus.choices, default=DossierStatus.PRENATAL
    )

    closure_reason = models.CharField(
        _("why it is closed with care still open"),
        max_length=300,
        blank=True,
        help_text=_(
            "Only when closing the record while a screening, the physician "
            "consultation of day 7–10 or the 6-week check is still open; the care "
            "coordinator writes it."
        ),
    )
    risk_factors = ArrayField(
        models.CharField(max_length=30, choices=RiskFactor.choices),
        verbose_name=_("risk factors"),
        default=list,
        blank=True,
    )
    risk_notes = models.TextField(_("notes on risks"), blank=True, max_length=TEXT_MAX_LENGTH)
    conception = models.CharField(
        _("mode of conception"),
        max_length=12,
        choices=Conception.choices,
        blank=True,
        help_text=_("Needed for the birth registration (eBirth)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Retention (dossier/retention.py): a legal hold keeps the record as it is past its
    # retention period (a claim, an inquiry); pseudonymised_at marks that it has been done.
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("Keeps the record unchanged past its retention period."),
    )
    legal_hold_reason = models.CharField(_("reason for the legal hold"), max_length=300, blank=True)
    legal_hold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("legal hold placed by"),
    )
    pseudonymised_at = models.DateTimeField(_("pseudonymised at"), null=True, blank=True)

    BOUNDS = DOSSIER_BOUNDS

    class Meta:
        verbose_name = _("maternity record")
        verbose_name_plural = _("maternity records")
        ordering = ["-created_at"]
        permissions = section_permissions()
        constraints = [
            *bounds_constraints("dossier", DOSSIER_BOUNDS),
            models.CheckConstraint(
                condition=Q(parity__lt=F("gravidity")), name="dossier_parity_below_gravidity"
            ),
            models.CheckConstraint(
                condition=Q(last_menstrual_period__isnull=True)
                | Q(
                    expected_due_date__gt=F("last_menstrual_period"),
                    expected_due_date__lte=F("last_menstrual_period") + LONGEST_PREGNANCY,
                ),
                name="dossier_due_date_within_44_weeks",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DossierStatus.values), name="dossier_status_known"
            ),
            models.CheckConstraint(
                condition=Q(dating_method="") | Q(dating_method__in=DatingMethod.values),
                name="dossier_dating_method_known",
            ),
            models.CheckConstraint(
                condition=~Q(dating_method=DatingMethod.ULTRASOUND)
                | Q(crown_rump_length_mm__isnull=False, dating_scan_on__isnull=False),
                name="dossier_ultrasound_dating_has_its_scan",
            ),
            models.CheckConstraint(
                condition=~Q(dating_method=DatingMethod.IVF)
                | Q(embryo_transfer_on__isnull=False, embryo_age_days__isnull=False),
                name="dossier_ivf_dating_has_its_transfer",
            ),
            models.CheckConstraint(
                condition=Q(conception="") | Q(conception__in=Conception.values),
                name="dossier_conception_known",
            ),
            models.CheckConstraint(
                condition=Q(legal_hold=False)
                | (~Q(legal_hold_reason="") & Q(legal_hold_by__isnull=False)),
                name="dossier_legal_hold_says_why_and_who",
            ),
        ]
        indexes = [models.Index(fields=["status", "expected_due_date"])]

    def __str__(self) -> str:
        # No name or date here: this string appears in admin lists and logs, where the
        # mother's identity must not be read without an access-log event.
        return f"{gettext('Maternity record')} {str(self.public_id)[:8]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.dating_method:  # saved without clean() (a factory, a loader)
            self.dating_method = self.inferred_dating_method()
        super().save(*args, **kwargs)

    @property
    def status_label(self) -> str:
        """``get_status_display()`` for a list's rows (see ``Mother.province_label``)."""
        return choice_label(DossierStatus, self.status)

    @property
    def is_multiple(self) -> bool:
        return self.fetus_count > 1

    def risk_factor_labels(self) -> list[str]:
        return [str(RiskFactor(code).label) for code in self.risk_factors]

    def computed_due_date(self) -> datetime.date | None:
        """The due date the dating method gives (the last period when none is chosen yet);
        None for a typed one or when a field the method needs is missing."""
        return dating.due_date(self.dating_method or DatingMethod.LMP, self)

    def inferred_dating_method(self) -> str:
        """The method a record saved without one was dated by: the last period when the due
        date is the one it gives (or is still to be computed), else a typed date."""
        if self.last_menstrual_period is not None and self.expected_due_date in (
            None,
            dating.due_date(DatingMethod.LMP, self),
        ):
            return DatingMethod.LMP
        return DatingMethod.TYPED if self.expected_due_date is not None else ""

    @property
    def dating_display(self) -> str:
        """How the due date was set, in a line: "ultrasound: crown-rump length 45,0 mm on
        12-03-2026 (11+2 weeks)"."""
        from django.utils.formats import number_format

        method = self.dating_method
        if method == DatingMethod.ULTRASOUND and self.crown_rump_length_mm is not None:
            days = dating.gestational_days_from_crl(self.crown_rump_length_mm)
            return gettext(
                "ultrasound: crown-rump length %(crl)s mm on %(day)s (%(weeks)s+%(days)s weeks)"
            ) % {
                "crl": number_format(self.crown_rump_length_mm, decimal_pos=1),
                "day": self.dating_scan_on.strftime("%d-%m-%Y") if self.dating_scan_on else "—",
                "weeks": days // 7,
                "days": days % 7,
            }
        if method == DatingMethod.IVF and self.embryo_transfer_on is not None:
            return gettext("IVF: a day-%(age)s embryo transferred on %(day)s") % {
                "age": self.embryo_age_days,
                "day": self.embryo_transfer_on.strftime("%d-%m-%Y"),
            }
        if method == DatingMethod.LMP:
            return gettext("last menstrual period + 280 days")
        if method == DatingMethod.TYPED:
            return gettext("typed in")
        return ""

    def gestational_age_on(self, day: datetime.date) -> tuple[int, int] | None:
        """(weeks, days) of pregnancy on a day, from the due date (which ultrasound may fix)."""
        if not self.expected_due_date:
            return None
        days = (day - (self.expected_due_date - datetime.timedelta(days=PREGNANCY_DAYS))).days
        return divmod(days, 7) if days >= 0 else None

    def _dating_errors(self, errors: dict) -> dict:
        """The dating method's rules (``dossier.dating``): the fields it needs, no field of
        another method, and the due date it gives — taken when none is typed, refused when
        another one is typed (choose "typed" to keep one's own)."""
        if not self.dating_method:
            self.dating_method = self.inferred_dating_method() or DatingMethod.LMP
        if self.dating_method not in DatingMethod.values:
            return {
                "dating_method": ValidationError(
                    gettext("Dating method: choose one of the list."), code="invalid_choice"
                )
            }
        method = DatingMethod(self.dating_method)
        found = {}
        if method == DatingMethod.IVF:
            if not self.conception:
                self.conception = Conception.IVF_ICSI
            elif self.conception != Conception.IVF_ICSI:
                found["conception"] = ValidationError(
                    gettext(
                        "Mode of conception: a pregnancy dated by the embryo transfer is an "
                        "IVF or ICSI pregnancy."
                    ),
                    code="ivf_conception",
                )
        for name, owner in dating.METHOD_ONLY_FIELDS.items():
            if owner != method and getattr(self, name) is not None and name not in errors:
                found[name] = ValidationError(
                    gettext(
                        "%(field)s: only used for dating by “%(method)s”; choose that method "
                        "or leave it empty."
                    )
                    % {"field": field_label(self, name), "method": DatingMethod(owner).label},
                    code="other_dating_method",
                )
        for name in dating.METHODS[method].needs:
            if getattr(self, name) is None and name not in errors:
                found[name] = ValidationError(
                    gettext("%(field)s: needed for dating by “%(method)s”.")
                    % {"field": field_label(self, name), "method": method.label},
                    code="required",
                )
        if method == DatingMethod.TYPED and self.expected_due_date is None:
            found["expected_due_date"] = ValidationError(
                gettext(
                    "Expected due date: type it in, or choose a dating method that computes it."
                ),
                code="required",
            )
        if found.keys() - {"conception"} or any(
            name in errors for name in dating.METHODS[method].needs
        ):
            return found
        if self.expected_due_date is None:
            self.expected_due_date = self.computed_due_date()
        return found

    def clean(self) -> None:
        errors = {
            **past_errors(self, ["last_menstrual_period", "dating_scan_on", "embryo_transfer_on"]),
            **bounds_errors(self, self.BOUNDS),
        }
        errors.update(self._dating_errors(errors))
        if self.expected_due_date is None:
            errors.setdefault(
                "expected_due_date",
                ValidationError(
                    gettext(
                        "Expected due date: enter it, or enter the last menstrual period so "
                        "that it can be computed."
                    ),
                    code="required",
                ),
            )
        elif (
            self.last_menstrual_period
            and "last_menstrual_period" not in errors
            and "expected_due_date" not in errors
        ):
            weeks = (self.expected_due_date - self.last_menstrual_period).days / 7
            if not 0 < weeks <= 44:
                errors["expected_due_date"] = ValidationError(
                    gettext(
                        "Expected due date must fall after the last menstrual period and at "
                        "most 44 weeks after it (at the latest %(latest)s)."
                    )
                    % {
                        "latest": (self.last_menstrual_period + LONGEST_PREGNANCY).strftime(
                            "%d-%m-%Y"
                        )
                    },
                    code="due_date_window",
                )
        computed = None if errors.keys() & dating.DATING_FIELDS else self.computed_due_date()
        if (
            computed is not None
            and self.expected_due_date is not None
            and self.expected_due_date != computed
            and not (errors.keys() & {"expected_due_date", *dating.DATING_FIELDS})
        ):
            errors["expected_due_date"] = ValidationError(
                gettext(
                    "Expected due date: dating by “%(method)s” gives %(computed)s, not "
                    "%(typed)s. Leave the due date empty to take the computed one, or choose "
                    "“%(typed_method)s” to keep your own."
                )
                % {
                    "method": DatingMethod(self.dating_method).label,
                    "computed": computed.strftime("%d-%m-%Y"),
                    "typed": self.expected_due_date.strftime("%d-%m-%Y"),
                    "typed_method": DatingMethod.TYPED.label,
                },
                code="due_date_differs",
            )
        if (
            self.parity is not None
            and self.gravidity is not None
            and "parity" not in errors
            and self.parity >= self.gravidity
        ):
            errors["parity"] = ValidationError(
                gettext(
                    "Parity counts earlier births only, so it must be lower than gravidity "
                    "(%(gravidity)s)."
                )
                % {"gravidity": self.gravidity},
                code="parity_gravidity",
            )
        raise_if_any(errors)

    def check_status_change(self, new_status: str) -> None:
        """Raise unless the record may move from its stored status to ``new_status``."""
        if new_status == self.status:
            return
        if new_status not in STATUS_TRANSITIONS[DossierStatus(self.status)]:
            raise ValidationError(
                gettext(
                    "Status cannot go from “%(old)s” to “%(new)s”; it only moves forward: "
                    "prenatal, delivered, postnatal, closed."
                )
                % {"old": DossierStatus(self.status).label, "new": DossierStatus(new_status).label},
                code="status_transition",
            )
        if new_status in {DossierStatus.DELIVERED, DossierStatus.POSTNATAL} and not hasattr(
            self, "delivery"
        ):
            raise ValidationError(
                gettext("Record the delivery first; the status then becomes “Delivered”."),
                code="status_needs_delivery",
            )


def lock_dossier(pk: int) -> Dossier:
    """The dossier, locked for the rest of the transaction: every writer of one record
    takes its turn (twins' birth orders, care-plan versions, the one coordinator).

    FOR NO KEY UPDATE, not FOR UPDATE: inserting a row that refers to the dossier (an
    access-log event, an entry) takes FOR KEY SHARE on it, which FOR UPDATE would block —
    and a reader holding the access log's lock while inserting its event would then wait
    for the writer, who waits for that lock: a deadlock."""
    return (
        Dossier.objects.select_for_update(no_key=True, of=("self",))
        .select_related("mother")
        .get(pk=pk)
    )


class PlaceOfBirth(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital (maternity ward)")
    BIRTH_CENTRE = "birth_centre", _("Birth centre")
    HOME = "home", _("At home")
    ELSEWHERE = "elsewhere", _("Elsewhere (on the way, …)")


class DeliveryMode(models.TextChoices):
    SPONTANEOUS = "spontaneous", _("Spontaneous vaginal")
    VACUUM = "vacuum", _("Vacuum extraction")
    FORCEPS = "forceps", _("Forceps")
    PLANNED_CAESAREAN = "planned_caesarean", _("Planned caesarean section")
    EMERGENCY_CAESAREAN = "emergency_caesarean", _("Emergency caesarean section")


class Presentation(models.TextChoices):
    CEPHALIC = "cephalic", _("Cephalic")
    BREECH = "breech", _("Breech")
    TRANSVERSE = "transverse", _("Transverse or other")


DELIVERY_BOUNDS = (
    Bounds("gestational_weeks", 16, 44),
    Bounds("gestational_days", 0, 6),
    Bounds("blood_loss_ml", 0, 10000, "ml"),
)


class Delivery(RecordModel):
    """The birth and the maternity stay: when, where, how, and the admission and discharge.

    One per dossier; its data become the eBirth registration (R8) without being typed
    again. A home birth has no admission; a discharge never precedes the admission."""

    # The delivery section as the page's form and the API show it, in this order.
    SECTION_FIELDS = (
        "born_at",
        "place",
        "maternity_ward",
        "gestational_weeks",
        "gestational_days",
        "mode",
        "presentation",
        "induction",
        "epidural",
        "episiotomy",
        "blood_loss_ml",
        "complications",
        "admitted_at",
        "discharged_at",
    )

    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, related_name="delivery", verbose_name=_("dossier")
    )
    born_at = models.DateTimeField(_("date and time of birth"))
    place = models.CharField(
        _("place of birth"),
        max_length=15,
        choices=PlaceOfBirth.choices,
        default=PlaceOfBirth.HOSPITAL,
    )
    maternity_ward = models.CharField(
        _("maternity ward"),
        max_length=150,
        blank=True,
        help_text=_("Hospital and campus, e.g. UZ Gent – materniteit."),
    )
    gestational_weeks = models.PositiveSmallIntegerField(_("gestational age (weeks)"))
    gestational_days = models.PositiveSmallIntegerField(_("gestational age (+days)"), default=0)
    mode = models.CharField(_("mode of delivery"), max_length=20, choices=DeliveryMode.choices)
    presentation = models.CharField(
        _("presentation"),
        max_length=12,
        choices=Presentation.choices,
        default=Presentation.CEPHALIC,
    )
    induction = models.BooleanField(_("induced labour"), default=False)
    epidural = models.BooleanField(_("epidural"), default=False)
    episiotomy = models.BooleanField(_("episiotomy"), default=False)
    blood_loss_ml = models.PositiveIntegerField(_("blood loss (ml)"), null=True, blank=True)
    complications = models.TextField(_("complications"), blank=True, max_length=TEXT_MAX_LENGTH)
    admitted_at = models.DateTimeField(_("admitted at"), null=True, blank=True)
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)

    BOUNDS = DELIVERY_BOUNDS

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            *bounds_constraints("delivery", DELIVERY_BOUNDS),
            models.CheckConstraint(
                condition=Q(admitted_at__isnull=True)
                | Q(discharged_at__isnull=True)
                | Q(discharged_at__gt=F("admitted_at")),
                name="delivery_discharge_after_admission",
                violation_error_message=_("The discharge must come after the admission."),
            ),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True) | Q(discharged_at__gte=F("born_at")),
                name="delivery_discharge_after_birth",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Delivery of %(when)s") % {"when": self.born_at.strftime("%d-%m-%Y %H:%M")}

    @property
    def length_of_stay(self) -> datetime.timedelta | None:
        if self.admitted_at and self.discharged_at:
            return self.discharged_at - self.admitted_at
        return None

    @property
    def stay_hours(self) -> int | None:
        stay = self.length_of_stay
        return round(stay.total_seconds() / 3600) if stay else None

    def clean(self) -> None:
        errors = {
            **past_errors(self, ["born_at", "admitted_at", "discharged_at"]),
            **bounds_errors(self, self.BOUNDS),
        }
        if self.admitted_at and self.discharged_at and self.discharged_at <= self.admitted_at:
            errors.setdefault(
                "discharged_at",
                ValidationError(
                    gettext(
                        "Discharged at: the discharge must come after the admission (%(admitted)s)."
                    )
                    % {"admitted": _local(self.admitted_at)},
                    code="discharge_before_admission",
                ),
            )
        if self.born_at and self.discharged_at and self.discharged_at < self.born_at:
            errors.setdefault(
                "discharged_at",
                ValidationError(
                    gettext("Discharged at: the discharge cannot come before the birth (%(born)s).")
                    % {"born": _local(self.born_at)},
                    code="discharge_before_birth",
                ),
            )
        if self.place == PlaceOfBirth.HOSPITAL and not self.maternity_ward:
            errors["maternity_ward"] = ValidationError(
                gettext("Maternity ward: name the hospital for a birth in hospital."),
                code="required",
            )
        dossier = getattr(self, "dossier", None) if self.dossier_id else None
        if (
            dossier
            and dossier.last_menstrual_period
            and self.born_at
            and "born_at" not in errors
            and self.born_at.date() <= dossier.last_menstrual_period
        ):
            errors["born_at"] = ValidationError(
                gettext(
                    "Date and time of birth must come after the last menstrual period (%(lmp)s)."
                )
                % {"lmp": dossier.last_menstrual_period.strftime("%d-%m-%Y")},
                code="birth_before_lmp",
            )
        raise_if_any(errors)


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M")


class Sex(models.TextChoices):
    FEMALE = "F", _("Girl")
    MALE = "M", _("Boy")
    UNDETERMINED = "U", _("Undetermined")


class VitalStatus(models.TextChoices):
    LIVE_BIRTH = "live", _("Live birth")
    STILLBIRTH = "stillbirth", _("Stillbirth")


class Anomaly(models.TextChoices):
    """Congenital anomalies, as the medical statistical form asks them (R8)."""

    NONE = "none", _("None seen")
    PRESENT = "present", _("Present (describe)")


class Feeding(models.TextChoices):
    BREAST = "breast", _("Breastfeeding")
    FORMULA = "formula", _("Formula")
    MIXED = "mixed", _("Mixed feeding")


class NewbornStatus(models.TextChoices):
    WITH_MOTHER = "with_mother", _("With the mother")
    NEONATAL_UNIT = "neonatal_unit", _("Neonatal unit (N*/NICU)")
    TRANSFERRED = "transferred", _("Transferred to another hospital")
    AT_HOME = "at_home", _("At home")
    DECEASED = "deceased", _("Deceased")


NEWBORN_BOUNDS = (
    Bounds("birth_order", 1, 6),
    Bounds("birth_weight_g", 300, 7000, "g"),
    Bounds("length_cm", Decimal("20.0"), Decimal("65.0"), "cm"),
    Bounds("head_circumference_cm", Decimal("18.0"), Decimal("45.0"), "cm"),
    Bounds("apgar_1", 0, 10),
    Bounds("apgar_5", 0, 10),
)


class Newborn(RecordModel):
    """The newborn's own birth record, linked to the mother's dossier (R6).

    Twins and triplets each have one, told apart by birth order. The INSZ links the child's
    later records; it is often only known a few days after birth."""

    # The birth record as the page's form and the API show it, in this order.
    BIRTH_RECORD = (
        "birth_order",
        "given_name",
        "family_name",
        "sex",
        "insz",
        "vital_status",
        "birth_weight_g",
        "length_cm",
        "head_circumference_cm",
        "apgar_1",
        "apgar_5",
        "feeding",
        "status",
        "congenital_anomaly",
        "anomaly_description",
        "neonatal_admission",
    )

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="newborns", verbose_name=_("dossier")
    )
    birth_order = models.PositiveSmallIntegerField(
        _("birth order"), default=1, help_text=_("1 for a single birth; 1, 2… for multiples.")
    )
    given_name = models.CharField(_("first name"), max_length=100, blank=True)
    family_name = models.CharField(_("surname"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    insz = models.CharField(
        _("INSZ number"), max_length=11, blank=True, help_text=_("Fill in as soon as it is known.")
    )
    vital_status = models.CharField(
        _("born alive or stillborn"),
        max_length=10,
        choices=VitalStatus.choices,
        default=VitalStatus.LIVE_BIRTH,
    )
    birth_weight_g = models.PositiveIntegerField(_("birth weight (g)"))
    length_cm = models.DecimalField(
        _("length (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    head_circumference_cm = models.DecimalField(
        _("head circumference (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    apgar_1 = models.PositiveSmallIntegerField(_("Apgar at 1 minute"), null=True, blank=True)
    apgar_5 = models.PositiveSmallIntegerField(_("Apgar at 5 minutes"), null=True, blank=True)
    feeding = models.CharField(_("feeding"), max_length=10, choices=Feeding.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=NewbornStatus.choices, default=NewbornStatus.WITH_MOTHER
    )
    congenital_anomaly = models.CharField(
        _("congenital anomalies"),
        max_length=8,
        choices=Anomaly.choices,
        blank=True,
        help_text=_("Needed for the birth registration (eBirth)."),
    )
    anomaly_description = models.CharField(_("which anomalies"), max_length=300, blank=True)
    neonatal_admission = models.BooleanField(
        _("admitted to a neonatal unit (N*/NICU)"),
        null=True,
        blank=True,
        help_text=_("Needed for the birth registration (eBirth)."),
    )

    BOUNDS = NEWBORN_BOUNDS

    class Meta:
        verbose_name = _("newborn")
        verbose_name_plural = _("newborns")
        ordering = ["dossier", "birth_order"]
        constraints = [
            *bounds_constraints("newborn", NEWBORN_BOUNDS),
            models.UniqueConstraint(
                fields=["dossier", "birth_order"],
                name="newborn_birth_order_unique",
                violation_error_message=_(
                    "This record already has a newborn with this birth "
                    "order; choose the next number."
                ),
            ),
            models.UniqueConstraint(
                fields=["insz"], condition=~Q(insz=""), name="newborn_insz_unique"
            ),
            models.CheckConstraint(
                condition=Q(insz="") | Q(insz__regex=r"^[0-9]{11}$"), name="newborn_insz_digits"
            ),
            models.CheckConstraint(
                condition=Q(congenital_anomaly="") | Q(congenital_anomaly__in=Anomaly.values),
                name="newborn_anomaly_known",
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.given_name} {self.family_name}".strip()
        return name or gettext("Newborn %(order)s") % {"order": self.birth_order}

    @property
    def insz_display(self) -> str:
        return format_insz(self.insz)

    def last_weighing(self):
        """The latest weighing as a weight-curve point (uses prefetched measurements)."""
        from dossier import growth

        weighings = sorted(self.measurements.all(), key=lambda m: m.measured_at)
        if not weighings:
            return None
        last = weighings[-1]
        return growth.weight_point(self.birth_weight_g, last.measured_at, last.weight_g)

    def clean(self) -> None:
        errors = bounds_errors(self, self.BOUNDS)
        dossier = self.dossier if self.dossier_id else None
        delivery = getattr(dossier, "delivery", None) if dossier else None
        if dossier is not None and delivery is None:
            errors["__all__"] = ValidationError(
                gettext("Record the delivery before adding a newborn."), code="needs_delivery"
            )
        if (
            dossier is not None
            and "birth_order" not in errors
            and self.birth_order
            and self.birth_order > dossier.fetus_count
        ):
            errors["birth_order"] = ValidationError(
                gettext(
                    "Birth order %(order)s is not possible: this pregnancy has "
                    "%(count)s fetus(es). Change the number of fetuses on the "
                    "pregnancy first."
                )
                % {"order": self.birth_order, "count": dossier.fetus_count},
                code="birth_order_above_fetus_count",
            )
        if self.vital_status == VitalStatus.LIVE_BIRTH:
            for name in ("apgar_1", "apgar_5"):
                if getattr(self, name) is None and name not in errors:
                    errors[name] = ValidationError(
                        gettext("%(field)s is required for a live birth (0 to 10).")
                        % {"field": self._meta.get_field(name).verbose_name},
                        code="required",
                    )
        else:
            self.status = NewbornStatus.DECEASED
        if self.status == NewbornStatus.NEONATAL_UNIT:
            self.neonatal_admission = True
        if self.congenital_anomaly == Anomaly.PRESENT and not self.anomaly_description.strip():
            errors["anomaly_description"] = ValidationError(
                gettext("Which anomalies: describe them (e.g. cleft lip, heart defect)."),
                code="required",
            )
        if self.insz:
            try:
                validate_insz(self.insz)
                if delivery is not None:
                    check_insz_matches_birth_date(
                        self.insz, timezone.localtime(delivery.born_at).date()
                    )
            except ValidationError as error:
                errors["insz"] = error
        raise_if_any(errors)


class MeasurementSource(models.TextChoices):
    HOSPITAL = "hospital", _("Maternity ward")
    HOME_VISIT = "home_visit", _("Home visit")
    CONSULTATION = "consultation", _("Consultation")
    MOTHER = "mother", _("Weighed at home by the parents")


MEASUREMENT_BOUNDS = (
    Bounds("weight_g", 300, 7000, "g"),
    Bounds("length_cm", Decimal("20.0"), Decimal("65.0"), "cm"),
    Bounds("head_circumference_cm", Decimal("18.0"), Decimal("45.0"), "cm"),
)


class Measurement(RecordModel):
    """A newborn weighed (and measured) after birth: the points of the weight curve. The
    birth weight itself lives on the newborn; the curve starts there."""

    newborn = models.ForeignKey(
        Newborn, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("newborn")
    )
    measured_at = models.DateTimeField(_("measured at"))
    weight_g = models.PositiveIntegerField(_("weight (g)"))
    length_cm = models.DecimalField(
        _("length (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    head_circumference_cm = models.DecimalField(
        _("head circumference (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    source = models.CharField(
        _("where"),
        max_length=15,
        choices=MeasurementSource.choices,
        default=MeasurementSource.HOME_VISIT,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    BOUNDS = MEASUREMENT_BOUNDS

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["newborn", "measured_at"]
        constraints = bounds_constraints("measurement", MEASUREMENT_BOUNDS)
        indexes = [models.Index(fields=["newborn", "measured_at"])]

    def __str__(self) -> str:
        return f"{self.weight_g} g"

    def clean(self) -> None:
        errors = {**past_errors(self, ["measured_at"]), **bounds_errors(self, self.BOUNDS)}
        newborn = self.newborn if self.newborn_id else None
        delivery = getattr(newborn.dossier, "delivery", None) if newborn else None
        if (
            delivery
            and self.measured_at
            and "measured_at" not in errors
            and self.measured_at < delivery.born_at
        ):
            errors["measured_at"] = ValidationError(
                gettext("Measured at: the measurement cannot come before the birth (%(born)s).")
                % {"born": _local(delivery.born_at)},
                code="before_birth",
            )
        raise_if_any(errors)


class Screening(RecordModel):
    """A neonatal screening done (R23): which, when, the result, by whom. The schedule and
    the missing/overdue states are in ``dossier.screenings``."""

    newborn = models.ForeignKey(
        Newborn, on_delete=models.PROTECT, related_name="screenings", verbose_name=_("newborn")
    )
    kind = models.CharField(_("screening"), max_length=12, choices=ScreeningKind.choices)
    done_at = models.DateTimeField(_("done at"))
    result = models.CharField(_("result"), max_length=8, choices=ScreeningResult.choices)
    card_number = models.CharField(
        _("blood card number"),
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9-]{4,20}$",
                _("Blood card number: 4 to 20 letters, digits or dashes, as printed on the card."),
            )
        ],
        help_text=_(
            "Heel prick only (R41): the number printed on the blood card, so the "
            "laboratory's result can be matched."
        ),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("neonatal screening")
        verbose_name_plural = _("neonatal screenings")
        ordering = ["newborn", "done_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ScreeningKind.values), name="screening_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(result__in=ScreeningResult.values), name="screening_result_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_result_display()}"

    def clean(self) -> None:
        errors = past_errors(self, ["done_at"])
        newborn = self.newborn if self.newborn_id else None
        delivery = getattr(newborn.dossier, "delivery", None) if newborn else None
        if (
            delivery
            and self.done_at
            and "done_at" not in errors
            and self.done_at < delivery.born_at
        ):
            errors["done_at"] = ValidationError(
                gettext("Done at: a screening cannot come before the birth (%(born)s).")
                % {"born": _local(delivery.born_at)},
                code="before_birth",
            )
        if self.result == ScreeningResult.REFER and not self.note:
            errors["note"] = ValidationError(
                gettext("Note: say where the baby was referred to."), code="required"
            )
        if self.card_number and self.kind != ScreeningKind.HEEL_PRICK:
            errors["card_number"] = ValidationError(
                gettext("Blood card number: only a heel prick has a blood card."),
                code="not_heel_prick",
            )
        raise_if_any(errors)


class EntryChange(models.Model):
    """One change to a clinical table, written by a PostgreSQL trigger (not by Python), so
    bulk updates and raw SQL are recorded too: the table and row, who (set by the service
    for its transaction), when, why, and the row before and after. Append-only."""

    at = models.DateTimeField(_("when"))
    table_name = models.CharField(max_length=63)
    row_id = models.BigIntegerField()
    dossier_id = models.BigIntegerField(null=True, db_index=True)
    operation = models.CharField(max_length=6)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("who"),
    )
    reason = models.CharField(_("reason for the change"), max_length=300, blank=True)
    old_values = models.JSONField(null=True)
    new_values = models.JSONField(null=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("change history")
        ordering = ["-id"]
        indexes = [models.Index(fields=["table_name", "row_id"])]

    def __str__(self) -> str:
        return f"{self.table_name} {self.row_id} {self.operation} {self.at:%d-%m-%Y %H:%M}"


class RetentionAction(models.TextChoices):
    HOLD = "hold", _("Legal hold placed")
    RELEASE = "release", _("Legal hold lifted")
    PSEUDONYMISED = "pseudonymised", _("Pseudonymised after the retention period")


class RetentionDecision(models.Model):
    """A recorded decision about a record's retention (dossier/retention.py): who decided
    what, why and when. Holds no identity: the record is named by its keys only."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="+", verbose_name=_("maternity record")
    )
    action = models.CharField(_("decision"), max_length=14, choices=RetentionAction.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    closed_at = models.DateTimeField(
        _("closed at"),
        null=True,
        blank=True,
        help_text=_("When the record was closed, as the decision counted its retention from."),
    )

    class Meta:
        verbose_name = _("retention decision")
        verbose_name_plural = _("retention decisions")
        ordering = ["decided_at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=RetentionAction.values),
                name="retentiondecision_action_known",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="retentiondecision_says_why"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.decided_at:%Y-%m-%d}"
