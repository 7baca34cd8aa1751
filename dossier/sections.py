"""The sections (onderdelen) of a maternity record: the unit of consent and of access.

They live here, beside the Dossier, because each becomes a pair of object permissions on
it (``view_<section>``, ``change_<section>``); the care network decides who holds them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Section(models.TextChoices):
    IDENTITY = "identity", _("Identity and contact details")
    PRENATAL = "prenatal", _("Prenatal follow-up")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial anamnesis")
    DELIVERY = "delivery", _("Delivery and stay")
    POSTNATAL = "postnatal", _("Postnatal follow-up")
    NEWBORN = "newborn", _("Newborn")
    CAREPLAN = "careplan", _("Care plan")
    HOMEHELP = "homehelp", _("Maternity home help")


def section_permissions() -> list[tuple[str, str]]:
    """The (codename, name) pairs Django creates on the Dossier model."""
    pairs = []
    for section in Section:
        pairs.append((f"view_{section.value}", f"Can view section {section.value}"))
        pairs.append((f"change_{section.value}", f"Can change section {section.value}"))
    return pairs
