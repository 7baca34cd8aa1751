"""Single-row plausibility rules, declared once and enforced twice.

A ``Bounds`` row says which values a measurement may take. ``bounds_errors`` turns it into a
form message that names the field and what is allowed; ``bounds_constraints`` turns the very
same row into a PostgreSQL CHECK constraint, so nothing outside the bounds is ever stored,
whatever path the write takes."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# A recorded moment may lie this far ahead of the server clock (a tablet's clock drifts).
CLOCK_TOLERANCE = datetime.timedelta(minutes=10)
# Free text (notes, advice, complications…): the same bound in the form, the API and the
# model, long enough for a careful note, short enough that no one pastes a document.
TEXT_MAX_LENGTH = 4000


@dataclass(frozen=True)
class Bounds:
    field: str
    low: int | Decimal
    high: int | Decimal
    unit: str = ""


def field_label(model_or_instance, field_name: str) -> str:
    return str(capfirst(model_or_instance._meta.get_field(field_name).verbose_name))


def bounds_errors(instance: models.Model, bounds: Iterable[Bounds]) -> dict[str, ValidationError]:
    errors = {}
    for rule in bounds:
        value = getattr(instance, rule.field)
        if value is None or rule.low <= value <= rule.high:
            continue
        unit = f" {rule.unit}" if rule.unit else ""
        errors[rule.field] = ValidationError(
            _(
                "%(field)s must be between %(low)s and %(high)s%(unit)s; "
                "%(value)s%(unit)s is not possible."
            )
            % {
                "field": field_label(instance, rule.field),
                "low": number_format(rule.low),
                "high": number_format(rule.high),
                "unit": unit,
                "value": number_format(value),
            },
            code="out_of_bounds",
        )
    return errors


def bounds_constraints(prefix: str, bounds: Iterable[Bounds]) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{rule.field}__isnull": True})
            | models.Q(**{f"{rule.field}__gte": rule.low, f"{rule.field}__lte": rule.high}),
            name=f"{prefix}_{rule.field}_bounds",
        )
        for rule in bounds
    ]


def past_errors(instance: models.Model, field_names: Iterable[str]) -> dict[str, ValidationError]:
    """Dates and moments that cannot lie in the future (a birth, an admission…).

    Every model's ``clean()`` calls this, on the pages' and the API's path alike, so it also
    holds every date field of the instance to ``DATE_RULES`` (``date_window_errors``): no
    year 1 or 9999, nothing before the pregnancy or before the birth."""
    errors = date_window_errors(instance)
    now = timezone.now()
    today = timezone.localdate()
    for name in field_names:
        value = getattr(instance, name)
        if value is None or name in errors:
            continue
        in_future = (
            value > now + CLOCK_TOLERANCE if isinstance(value, datetime.datetime) else value > today
        )
        if in_future:
            errors[name] = ValidationError(
                _("%(field)s cannot lie in the future; enter a moment up to now.")
                % {"field": field_label(instance, name)},
                code="in_future",
            )
    return errors


# --- the window a recorded date may lie in ------------------------------------------------

# Not before this day, whatever is recorded: a floor below any real date; the rules of a
# field (the mother born from 1930 on, the pregnancy, the birth) are stricter.
EARLIEST_DATE = datetime.date(1850, 1, 1)
# Planned care (a next visit, the first home visit, the due date) lies at most this far ahead.
LATEST_AHEAD = datetime.timedelta(days=366)
# An entry of the pregnancy may lie this far before its computed start.
PREGNANCY_MARGIN = datetime.timedelta(days=28)
PREGNANCY_DAYS = 280


def _day(value) -> datetime.date:
    """The calendar day in Belgium, without arithmetic that could overflow at year 1."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value) and 1 < value.year < 9999:
            return timezone.localtime(value).date()
        return value.date()
    return value


def _record(instance):
    """The pregnancy record an instance belongs to (directly or through its newborn)."""
    if getattr(instance, "dossier_id", None):
        return instance.dossier
    if getattr(instance, "newborn_id", None):
        return instance.newborn.dossier
    return None


def pregnancy_start(instance) -> datetime.date | None:
    record = _record(instance)
    if record is None:
        return None
    # the earlier of the last period and the day the due date counts from: an ultrasound
    # or an IVF transfer may date the pregnancy apart from a period remembered wrong
    starts = [
        day
        for day in (
            record.last_menstrual_period,
            record.expected_due_date - datetime.timedelta(days=PREGNANCY_DAYS)
            if record.expected_due_date
            else None,
        )
        if day is not None
    ]
    return min(starts) if starts else None


def birth_day(instance) -> datetime.date | None:
    """The day of birth, for what is about a baby (it names a newborn) or follows the
    birth by its nature (``AFTER_BIRTH``: the discharge's planned visits)."""
    if getattr(instance, "newborn_id", None):
        record = instance.newborn.dossier
    elif getattr(instance, "AFTER_BIRTH", False) and getattr(instance, "dossier_id", None):
        record = instance.dossier
    else:
        return None
    delivery = getattr(record, "delivery", None)
    return _day(delivery.born_at) if delivery is not None else None


@dataclass(frozen=True)
class DateRule:
    name: str
    earliest: Callable[[models.Model], datetime.date | None]
    message: str
    why: str


DATE_RULES = (
    DateRule(
        "plausible",
        lambda instance: EARLIEST_DATE,
        gettext_noop("%(field)s must lie between %(earliest)s and %(latest)s."),
        why="Year 1 or 9999 is a typing error, and such dates overflow the time-zone "
        "arithmetic (a 500); planned care (a next visit, the due date) lies at most a "
        "year ahead, and nothing in a maternity record predates 1850.",
    ),
    DateRule(
        "pregnancy",
        lambda instance: (
            (start - PREGNANCY_MARGIN) if (start := pregnancy_start(instance)) else None
        ),
        gettext_noop("%(field)s cannot lie before the start of this pregnancy (%(earliest)s)."),
        why="An entry belongs to this pregnancy: it starts at the last menstrual period "
        "or at the due date − 280 days (Naegele's rule), whichever is earlier (an "
        "ultrasound or an IVF transfer dates it apart from the period). Four weeks of margin "
        "cover a "
        "period remembered a cycle wrong and the due date redated by ultrasound "
        "(NICE NG201 §1.2: redate when the scan differs by more than 7 days).",
    ),
    DateRule(
        "birth",
        birth_day,
        gettext_noop("%(field)s cannot lie before the birth (%(earliest)s)."),
        why="What is recorded about a baby (a weighing, a screening, an admission, an "
        "observation) happens after it is born.",
    ),
)


def date_window_errors(instance: models.Model) -> dict[str, ValidationError]:
    """Every date and moment of ``instance`` against ``DATE_RULES`` (the first rule broken
    is named) and not more than ``LATEST_AHEAD`` in the future."""
    errors = {}
    latest = timezone.localdate() + LATEST_AHEAD
    fields = [
        f
        for f in instance._meta.concrete_fields
        if isinstance(f, models.DateField) and not (f.auto_now or f.auto_now_add)
    ]
    earliest = {}
    for field in fields:
        value = getattr(instance, field.attname)
        if not isinstance(value, datetime.date):
            continue
        day = _day(value)
        label = field_label(instance, field.name)
        if day > latest:
            errors[field.name] = ValidationError(
                _(DATE_RULES[0].message)
                % {
                    "field": label,
                    "earliest": EARLIEST_DATE.strftime("%d-%m-%Y"),
                    "latest": latest.strftime("%d-%m-%Y"),
                },
                code="date_window",
            )
            continue
        for rule in reversed(DATE_RULES):  # the most specific (latest) bound speaks first
            if rule.name not in earliest:
                earliest[rule.name] = rule.earliest(instance)
            bound = earliest[rule.name]
            if bound is not None and day < bound:
                errors[field.name] = ValidationError(
                    _(rule.message)
                    % {
                        "field": label,
                        "earliest": bound.strftime("%d-%m-%Y"),
                        "latest": latest.strftime("%d-%m-%Y"),
                    },
                    code=f"before_{rule.name}" if rule.name != "plausible" else "date_window",
                )
                break
    return errors


def raise_if_any(errors: dict[str, ValidationError]) -> None:
    if errors:
        raise ValidationError(errors)


# Blood pressure in mmHg: each value within its range, the two given together, the upper
# above the lower. Used by the prenatal consultation and the home visit.
BLOOD_PRESSURE_BOUNDS = (
    Bounds("bp_systolic", 60, 250, "mmHg"),
    Bounds("bp_diastolic", 30, 150, "mmHg"),
)


def blood_pressure_errors(instance: models.Model) -> dict[str, ValidationError]:
    systolic, diastolic = instance.bp_systolic, instance.bp_diastolic
    if (systolic is None) != (diastolic is None):
        missing = "bp_diastolic" if diastolic is None else "bp_systolic"
        return {
            missing: ValidationError(
                _("Blood pressure: enter both the upper and the lower value (e.g. 120 / 80)."),
                code="blood_pressure_pair",
            )
        }
    if systolic is not None and systolic <= diastolic:
        return {
            "bp_systolic": ValidationError(
                _(
                    "Blood pressure: the upper value (%(systolic)s) must be higher than the lower "
                    "value (%(diastolic)s)."
                )
                % {"systolic": systolic, "diastolic": diastolic},
                code="blood_pressure_order",
            )
        }
    return {}


def blood_pressure_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        *bounds_constraints(prefix, BLOOD_PRESSURE_BOUNDS),
        models.CheckConstraint(
            condition=models.Q(bp_systolic__isnull=True, bp_diastolic__isnull=True)
            | models.Q(bp_systolic__gt=models.F("bp_diastolic")),
            name=f"{prefix}_blood_pressure_pair",
        ),
    ]
