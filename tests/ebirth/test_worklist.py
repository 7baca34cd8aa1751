"""The completeness worklist: the midwife who can complete a birth sees exactly which
fields are missing or contradict, where to mend each, and the 24-hour deadline counting
down; a completed birth leaves the list; nobody sees another network's births; every row
shown is in the access log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dossier.models import Anomaly, Newborn
from dossier.sections import Section
from ebirth import worklist
from ebirth.tasks import export_births
from network.models import AccessEvent, Action
from tests.ebirth.conftest import complete_birth
from tests.factories import ProfessionalFactory, UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def midwife():
    return ProfessionalFactory(user__username="griet").user


def test_the_midwife_sees_what_to_complete_with_the_deadline(client, midwife):
    born = timezone.now() - datetime.timedelta(hours=5, minutes=30)
    (newborn,) = complete_birth(
        born_at=born,
        dossier={"coordinator": midwife},
        newborn={"congenital_anomaly": "", "neonatal_admission": None},
    )
    complete_birth(born_at=born, dossier={"coordinator": midwife})  # complete: not listed
    sign_in(client, midwife)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("ebirth:worklist"))
    text = page.content.decode()
    assert page.status_code == 200 and "1 birth to complete" in text
    assert "Congenital anomalies" in text and "Admitted to a neonatal unit" in text
    assert "18 h 29 min left" in text or "18 h 30 min left" in text
    fix = reverse("dossier:newborn_edit", args=[newborn.dossier.public_id, newborn.public_id])
    assert f'href="{fix}#id_congenital_anomaly"' in text  # straight to the field
    assert newborn.dossier.mother.family_name in text

    logged = list(
        AccessEvent.objects.filter(actor=midwife).values_list("dossier_id", "sections", "action")
    )
    assert logged == [  # one event for the row: the parts it shows
        (newborn.dossier_id, [Section.DELIVERY, Section.IDENTITY, Section.NEWBORN], Action.READ)
    ]

    Newborn.objects.filter(pk=newborn.pk).update(
        congenital_anomaly=Anomaly.NONE, neonatal_admission=False
    )
    page = client.get(reverse("ebirth:worklist"))
    assert "Nothing to complete" in page.content.decode()


def test_past_the_deadline_the_list_says_how_late_most_urgent_first(midwife):
    now = timezone.now()
    (late,) = complete_birth(
        born_at=now - datetime.timedelta(hours=26),
        dossier={"coordinator": midwife, "conception": ""},
    )
    (fresh,) = complete_birth(
        born_at=now - datetime.timedelta(hours=2),
        dossier={"coordinator": midwife, "conception": ""},
    )
    items = worklist.worklist(midwife, now=now)
    assert [item.birth.newborn_id for item in items] == [late.id, fresh.id]
    assert items[0].overdue and items[0].time_left == {"hours": 2, "minutes": 0}
    assert not items[1].overdue and items[1].time_left == {"hours": 22, "minutes": 0}
    assert [str(p.field) for p in items[0].problems] == ["mode of conception"]
    assert items[0].fixes() == [(items[0].problems[0], True)]


def test_nobody_sees_another_networks_births(client, midwife):
    complete_birth(dossier={"coordinator": midwife, "conception": ""})
    outsider = ProfessionalFactory(user__username="olivia").user
    assert worklist.worklist(outsider) == []
    mother = UserFactory(username="lotte")
    sign_in(client, mother)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("ebirth:worklist"))
    assert "for the care providers who record births" in page.content.decode()


def test_an_exported_birth_made_incomplete_comes_back_while_the_record_is_in_use(midwife):
    (newborn,) = complete_birth(
        born_at=timezone.now() - datetime.timedelta(days=3), dossier={"coordinator": midwife}
    )
    export_births()
    assert worklist.worklist(midwife) == []
    Newborn.objects.filter(pk=newborn.pk).update(apgar_1=None)
    (item,) = worklist.worklist(midwife)
    assert item.birth.newborn_id == newborn.id and item.overdue
