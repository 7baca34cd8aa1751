"""Births for the eBirth tests: complete unless told otherwise, and an export folder of
the test's own."""

import datetime
import zoneinfo

import pytest
from django.utils import translation

from dossier.models import Anomaly, Conception
from tests.factories import DeliveryFactory, NewbornFactory

BORN = datetime.datetime(2026, 3, 10, 14, 25, tzinfo=zoneinfo.ZoneInfo("Europe/Brussels"))


@pytest.fixture(autouse=True)
def english():
    """Messages asserted in English, whatever the default language."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EBIRTH_EXPORT_DIR = tmp_path / "ebirth"
    return settings.EBIRTH_EXPORT_DIR


def complete_birth(
    *, fetuses=1, born_at=BORN, newborn=None, delivery=None, mother=None, dossier=None
):
    """A delivery with ``fetuses`` newborns whose records hold everything the registration
    asks; the overrides set fields of the newborns, delivery, mother and pregnancy."""
    dossier = {"fetus_count": fetuses, "conception": Conception.SPONTANEOUS, **(dossier or {})}
    mother = {"street_address": "Veldstraat 12", **(mother or {})}
    delivery = DeliveryFactory(
        born_at=born_at,
        **(delivery or {}),
        **{f"dossier__{k}": v for k, v in dossier.items()},
        **{f"dossier__mother__{k}": v for k, v in mother.items()},
    )
    return [
        NewbornFactory(
            dossier=delivery.dossier,
            birth_order=order,
            **{
                "apgar_1": 8,
                "apgar_5": 9,
                "congenital_anomaly": Anomaly.NONE,
                "neonatal_admission": False,
                **(newborn or {}),
            },
        )
        for order in range(1, fetuses + 1)
    ]
