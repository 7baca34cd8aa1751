"""Belgium's provinces and the postcode ranges that belong to each.

The province is what policy makers count by (R31); it follows from the postcode, so the
record derives it and refuses a province that contradicts the postcode."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.TextChoices):
    ANTWERPEN = "VAN", _("Antwerp")
    LIMBURG = "VLI", _("Limburg")
    OOST_VLAANDEREN = "VOV", _("East Flanders")
    VLAAMS_BRABANT = "VBR", _("Flemish Brabant")
    WEST_VLAANDEREN = "VWV", _("West Flanders")
    BRUSSEL = "BRU", _("Brussels-Capital Region")
    WAALS_BRABANT = "WBR", _("Walloon Brabant")
    HENEGOUWEN = "WHT", _("Hainaut")
    LUIK = "WLG", _("Liège")
    LUXEMBURG = "WLX", _("Luxembourg")
    NAMEN = "WNA", _("Namur")


FLEMISH_PROVINCES = (
    Province.ANTWERPEN,
    Province.LIMBURG,
    Province.OOST_VLAANDEREN,
    Province.VLAAMS_BRABANT,
    Province.WEST_VLAANDEREN,
)

# (first postcode, last postcode, province) — bpost's allocation by province.
POSTCODE_RANGES = (
    (1000, 1299, Province.BRUSSEL),
    (1300, 1499, Province.WAALS_BRABANT),
    (1500, 1999, Province.VLAAMS_BRABANT),
    (2000, 2999, Province.ANTWERPEN),
    (3000, 3499, Province.VLAAMS_BRABANT),
    (3500, 3999, Province.LIMBURG),
    (4000, 4999, Province.LUIK),
    (5000, 5999, Province.NAMEN),
    (6000, 6599, Province.HENEGOUWEN),
    (6600, 6999, Province.LUXEMBURG),
    (7000, 7999, Province.HENEGOUWEN),
    (8000, 8999, Province.WEST_VLAANDEREN),
    (9000, 9999, Province.OOST_VLAANDEREN),
)


def province_for_postcode(postcode: str) -> Province | None:
    """The province of a Belgian postcode (4 digits, 1000–9999), or None if it is not one."""
    if not (postcode.isdigit() and len(postcode) == 4):
        return None
    number = int(postcode)
    for first, last, province in POSTCODE_RANGES:
        if first <= number <= last:
            return province
    return None
