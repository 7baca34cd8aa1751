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
    # A feed: logged per baby since issue 18 (``BabyLog``, ``dossier.feeds``). No new
    # observation of the kind is taken; those noted before stay readable where they were and
    # count in the midwife's last 24 hours per baby.
    logged_per_baby: bool = False


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
        logged_per_baby=True,
    ),
    SelfKind.BOTTLE: Scale(
        "ml",
        Decimal(5),
        Decimal(300),
        about_baby=True,
        hint=_("How many millilitres the baby drank."),
        logged_per_baby=True,
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
# The feeds noted as own observations before they were logged per baby: read, not added.
PER_BABY_KINDS = [kind.value for kind, scale in SCALES.items() if scale.logged_per_baby]


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


# --- feeds and nappies, per baby (issue 18) --------------------------------------------------
# What parents log quickly for each baby (``dossier.models.BabyLog``, newborn section): a
# feed at the left or the right breast or from a bottle (with how much it drank, within the
# bottle scale above), or a nappy, wet and/or dirty. The midwife sees the last 24 hours per
# baby (``dossier.feeds``).


class CareKind(models.TextChoices):
    BREAST_LEFT = "breast_left", _("Breast, left")
    BREAST_RIGHT = "breast_right", _("Breast, right")
    BOTTLE = "bottle", _("Bottle")
    NAPPY = "nappy", _("Nappy")


FEED_KINDS = [CareKind.BREAST_LEFT.value, CareKind.BREAST_RIGHT.value, CareKind.BOTTLE.value]
BOTTLE_ML = SCALES[SelfKind.BOTTLE]  # the same bounds as a bottle feed noted before

# What one tap of the quick form records: (kind, wet, dirty).
QUICK = {
    "breast_left": (CareKind.BREAST_LEFT, False, False),
    "breast_right": (CareKind.BREAST_RIGHT, False, False),
    "bottle": (CareKind.BOTTLE, False, False),
    "wet": (CareKind.NAPPY, True, False),
    "dirty": (CareKind.NAPPY, False, True),
    "wet_dirty": (CareKind.NAPPY, True, True),
}
QUICK_LABELS = {
    "breast_left": _("Left breast"),
    "breast_right": _("Right breast"),
    "bottle": _("Bottle"),
    "wet": _("Wet nappy"),
    "dirty": _("Dirty nappy"),
    "wet_dirty": _("Wet and dirty"),
}


def care_constraints() -> list[models.CheckConstraint]:
    """A known kind; millilitres for a bottle (within its bounds) and only then; a nappy is
    wet, dirty or both, and only a nappy is."""
    low, high = int(BOTTLE_ML.low), int(BOTTLE_ML.high)
    return [
        models.CheckConstraint(
            condition=models.Q(kind__in=CareKind.values), name="babylog_kind_known"
        ),
        models.CheckConstraint(
            condition=(
                models.Q(kind=CareKind.BOTTLE, bottle_ml__gte=low, bottle_ml__lte=high)
                | (~models.Q(kind=CareKind.BOTTLE) & models.Q(bottle_ml__isnull=True))
            ),
            name="babylog_bottle_ml",
        ),
        models.CheckConstraint(
            condition=(
                (models.Q(kind=CareKind.NAPPY) & (models.Q(wet=True) | models.Q(dirty=True)))
                | (~models.Q(kind=CareKind.NAPPY) & models.Q(wet=False, dirty=False))
            ),
            name="babylog_nappy_wet_or_dirty",
        ),
    ]
