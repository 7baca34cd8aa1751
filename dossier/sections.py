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


# Not a right but a marker (issue 16): ``network.access.recompute_permissions`` writes it
# beside ``view_dossier`` for everyone who may open the record while it is not closed, so
# the lists a professional works from walk her open records, not her whole career
# (``network.access.current_dossiers``).
CURRENT_CODENAME = "current_dossier"
# The same, for the record's active coordinator only: the coordinator's watch lists (the
# screenings panel of "Mijn dossiers", the watch list) walk the open records she
# coordinates instead of all her open records with a probe of each one's coordinator
# (``network.access.coordinated_sections``).
COORDINATING_CODENAME = "coordinate_dossier"


def section_permissions() -> list[tuple[str, str]]:
    """The (codename, name) pairs Django creates on the Dossier model: a view and a change
    permission per section, and the markers of the records in the current lists and in
    their coordinator's."""
    pairs = []
    for section in Section:
        pairs.append((f"view_{section.value}", f"Can view section {section.value}"))
        pairs.append((f"change_{section.value}", f"Can change section {section.value}"))
    pairs.append((CURRENT_CODENAME, "Record not closed: in the current lists"))
    pairs.append((COORDINATING_CODENAME, "Record not closed: in its coordinator's lists"))
    return pairs
