"""The structured psychosocial anamnesis (R19, R29), as piloted in "Born in Brussels": seven
domains, each answered on a three-step scale, and the one rule that turns the answers into
the vulnerability flag the coordinator follows (R28).

Each answer carries a weight: 0 no concern, 1 a concern, 2 a serious concern. A family is
flagged vulnerable when any answer weighs 2, or when two or more answers weigh 1. An
unanswered domain weighs nothing: the flag never comes from a question not asked."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SocialSupport(models.TextChoices):
    ENOUGH = "enough", _("Yes, enough people to count on")
    LIMITED = "limited", _("Little help")
    NONE = "none", _("Nobody to count on")


class Housing(models.TextChoices):
    STABLE = "stable", _("Stable and suitable for a baby")
    UNCERTAIN = "uncertain", _("Uncertain, too small or unhealthy")
    NONE = "none", _("No home of her own / homeless")


class Income(models.TextChoices):
    SUFFICIENT = "sufficient", _("Makes ends meet")
    DIFFICULT = "difficult", _("Makes ends meet with difficulty")
    INSUFFICIENT = "insufficient", _("Cannot make ends meet / no income")


class LanguageUse(models.TextChoices):
    FLUENT = "fluent", _("Understands the caregivers well")
    PARTLY = "partly", _("Understands partly; sometimes needs help")
    INTERPRETER = "interpreter", _("Needs an interpreter")


class MentalHealth(models.TextChoices):
    WELL = "well", _("No complaints")
    COMPLAINTS = "complaints", _("Sometimes down or anxious")
    SERIOUS = "serious", _("Often down or anxious, or a psychiatric history")


class Violence(models.TextChoices):
    NO = "no", _("No")
    PAST = "past", _("In the past")
    NOW = "now", _("Now")


class SubstanceUse(models.TextChoices):
    NONE = "none", _("None")
    TOBACCO = "tobacco", _("Tobacco")
    ALCOHOL_DRUGS = "alcohol_drugs", _("Alcohol or drugs")


# field → (the question as asked, its answers, the weight of each answer in order)
QUESTIONS = {
    "social_support": (
        _("Can you count on someone for help after the birth?"),
        SocialSupport,
        (0, 1, 2),
    ),
    "housing": (_("Is your housing stable and suitable for a baby?"), Housing, (0, 1, 2)),
    "income": (_("Can you make ends meet with your income?"), Income, (0, 1, 2)),
    "language": (
        _("Can you talk with the caregivers in a language you understand?"),
        LanguageUse,
        (0, 1, 2),
    ),
    "mental_health": (_("How have you felt in the past months?"), MentalHealth, (0, 1, 2)),
    "violence": (_("Has anyone hurt or threatened you?"), Violence, (0, 1, 2)),
    "substance_use": (_("Do you use tobacco, alcohol or drugs?"), SubstanceUse, (0, 1, 2)),
}


def weight(field: str, answer: str) -> int:
    if not answer:
        return 0
    _question, choices, weights = QUESTIONS[field]
    return dict(zip(choices.values, weights, strict=True))[answer]


def is_vulnerable(answers: dict[str, str]) -> bool:
    weights = [weight(field, answers.get(field, "")) for field in QUESTIONS]
    return 2 in weights or weights.count(1) >= 2


def concerns(answers: dict[str, str]) -> list[str]:
    """The domains that weigh (for the coordinator's summary), by their question."""
    return [
        str(QUESTIONS[field][0]) for field in QUESTIONS if weight(field, answers.get(field, "")) > 0
    ]
