"""Single-row plausibility rules, declared once and enforced twice.

A ``Bounds`` row says which values a measurement may take. ``bounds_errors`` turns it into a
form message that names the field and what is allowed; ``bounds_constraints`` turns the very
same row into a PostgreSQL CHECK constraint, so nothing outside the bounds is ever stored,
whatever path the write takes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

# A recorded moment may lie this far ahead of the server clock (a tablet's clock drifts).
CLOCK_TOLERANCE = datetime.timedelta(minutes=10)


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
            _("%(field)s must be between %(low)s and %(high)s%(unit)s; "
              "%(value)s%(unit)s is not possible.")
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
    """Dates and moments that cannot lie in the future (a birth, an admission…)."""
    errors = {}
    now = timezone.now()
    today = timezone.localdate()
    for name in field_names:
        value = getattr(instance, name)
        if value is None:
            continue
        in_future = (
            value > now + CLOCK_TOLERANCE
            if isinstance(value, datetime.datetime)
            else value > today
        )
        if in_future:
            errors[name] = ValidationError(
                _("%(field)s cannot lie in the future; enter a moment up to now.")
                % {"field": field_label(instance, name)},
                code="in_future",
            )
    return errors


def raise_if_any(errors: dict[str, ValidationError]) -> None:
    if errors:
        raise ValidationError(errors)


# Blood pressure in mmHg: each value within its range, the two given together, the upper
# above the lower. Used by the prenatal consultation and the home visit.
BLOOD_PRESSURE_BOUNDS = (Bounds("bp_systolic", 60, 250, "mmHg"),
                         Bounds("bp_diastolic", 30, 150, "mmHg"))


def blood_pressure_errors(instance: models.Model) -> dict[str, ValidationError]:
    systolic, diastolic = instance.bp_systolic, instance.bp_diastolic
    if (systolic is None) != (diastolic is None):
        missing = "bp_diastolic" if diastolic is None else "bp_systolic"
        return {missing: ValidationError(
            _("Blood pressure: enter both the upper and the lower value (e.g. 120 / 80)."),
            code="blood_pressure_pair")}
    if systolic is not None and systolic <= diastolic:
        return {"bp_systolic": ValidationError(
            _("Blood pressure: the upper value (%(systolic)s) must be higher than the lower "
              "value (%(diastolic)s).") % {"systolic": systolic, "diastolic": diastolic},
            code="blood_pressure_order")}
    return {}


def blood_pressure_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        *bounds_constraints(prefix, BLOOD_PRESSURE_BOUNDS),
        models.CheckConstraint(
            condition=models.Q(bp_systolic__isnull=True, bp_diastolic__isnull=True)
            | models.Q(bp_systolic__gt=models.F("bp_diastolic")),
            name=f"{prefix}_blood_pressure_pair"),
    ]
