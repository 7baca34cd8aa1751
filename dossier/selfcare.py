"""The mother's own observations at home (R5): what she may note, in which unit, within
which bounds. One table; the model's validation and its CHECK constraints are made from it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class SelfKind(models.TextChoices):
    TEMPERATURE = "temperature", _("Temperature")
    BLOOD_LOSS = "blood_loss", _("Blood loss")
    PAIN = "pain", _("Pain")
    BREASTFEED = "breastfeed", _("Breastfeed")
    BOTTLE = "bottle", _("Bottle feed")
    BABY_WEIGHT = "baby_weight", _("Baby's weight")
    MOOD = "mood", _("Mood")


@dataclass(frozen=True)
class Scale:
    unit: str
    low: Decimal
    high: Decimal
    about_baby: bool = False
    hint: str = ""


SCALES = {
    SelfKind.TEMPERATURE: Scale(
        "°C",
        Decimal("34.0"),
        Decimal("42.0"),
        hint=_("Measured under the arm or in the mouth, e.g. 37,2."),
    ),
    SelfKind.BLOOD_LOSS: Scale(
        "", Decimal(0), Decimal(3), hint=_("0 none, 1 little, 2 like a heavy period, 3 more.")
    ),
    SelfKind.PAIN: Scale(
        "/10", Decimal(0), Decimal(10), hint=_("0 no pain, 10 the worst pain you can imagine.")
    ),
    SelfKind.BREASTFEED: Scale(
        "min",
        Decimal(1),
        Decimal(120),
        about_baby=True,
        hint=_("How many minutes the feed lasted."),
    ),
    SelfKind.BOTTLE: Scale(
        "ml",
        Decimal(5),
        Decimal(300),
        about_baby=True,
        hint=_("How many millilitres the baby drank."),
    ),
    SelfKind.BABY_WEIGHT: Scale(
        "g",
        Decimal(300),
        Decimal(7000),
        about_baby=True,
        hint=_("In grams, e.g. 3450; it appears on the weight curve."),
    ),
    SelfKind.MOOD: Scale("/10", Decimal(0), Decimal(10), hint=_("0 very bad, 10 very good.")),
}

ABOUT_BABY = [kind.value for kind, scale in SCALES.items() if scale.about_baby]


def value_constraints() -> list[models.CheckConstraint]:
    """One CHECK per kind: its value within its bounds; a newborn named when it is about the
    baby, and only then."""
    checks = [
        models.CheckConstraint(
            condition=~models.Q(kind=kind.value)
            | models.Q(value__gte=scale.low, value__lte=scale.high),
            name=f"selfmonitoring_{kind.value}_bounds",
        )
        for kind, scale in SCALES.items()
    ]
    checks.append(
        models.CheckConstraint(
            condition=models.Q(kind__in=ABOUT_BABY, newborn__isnull=False)
            | (~models.Q(kind__in=ABOUT_BABY) & models.Q(newborn__isnull=True)),
            name="selfmonitoring_newborn_when_about_baby",
        )
    )
    return checks
