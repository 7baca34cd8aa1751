"""``{% dossier_rows %}`` (the rows of "Mijn dossiers") writes what the template loop it
replaced wrote, for every combination of what the reader may see, in nl, fr and en."""

import datetime
import itertools
import re
import uuid
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from dossier.models import Delivery, Dossier, DossierStatus, Mother

# the loop as templates/dossier/dashboard.html had it
LOOP = Template((Path(__file__).parent / "dashboard_rows_loop.html").read_text())
TAG = Template("{% load dossier_rows %}{% dossier_rows rows %}")


def _collapsed(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def _row(identity, delivered, delivery, prenatal, children, status):
    dossier = Dossier(
        public_id=uuid.uuid4(),
        status=status,
        expected_due_date=datetime.date(2026, 12, 24),
        mother=Mother(
            given_name='Ann <b>"&',
            family_name="D'Hondt",
            municipality="Sint-Niklaas & <Gent>",
            province="oost-vlaanderen",
        ),
    )
    if delivered:
        # a quarter to midnight in UTC: the next day in Brussels
        dossier.delivery = Delivery(
            born_at=datetime.datetime(2026, 11, 3, 23, 45, tzinfo=datetime.UTC)
        )
    dossier.can_view_identity = identity
    dossier.can_view_delivery = delivery
    dossier.can_view_prenatal = prenatal
    dossier.newborn_count = children
    return dossier


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_rows_read_as_the_loop_they_replace(language):
    rows = [
        _row(*combination)
        for combination in itertools.product(
            (True, False),
            (True, False),
            (True, False),
            (True, False),
            (1, 2, 3),
            (DossierStatus.PRENATAL, DossierStatus.CLOSED),
        )
    ]
    with translation.override(language), timezone.override("Europe/Brussels"):
        context = Context({"rows": rows})
        written = TAG.render(context)
        assert _collapsed(written) == _collapsed(LOOP.render(context))
        assert TAG.render(Context({"rows": []})) == ""
    assert "&lt;b&gt;" in written and "<b>" not in written  # her name escaped
    assert "04-11-2026" in written and "24-12-2026" in written  # the local day
