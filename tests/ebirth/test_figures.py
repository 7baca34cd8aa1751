"""The figures for policy makers on a hand-built year whose totals are known: hours of
kraamzorg per province, families and their share of births, services public/private, the
quality indicators, small cells suppressed as "<5", Belgian numbers, and who may see them."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from dossier.models import Admission, HomeHelpDay, HomeVisit, Screening
from ebirth import figures
from network.models import Organisation, OrganisationKind
from tests.factories import DeliveryFactory, NewbornFactory, UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db
BORN = datetime.datetime(2025, 3, 10, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Brussels"))


def birth(postcode, municipality, province, *, discharged_after=None):
    delivery = DeliveryFactory(
        born_at=BORN,
        dossier__mother__postcode=postcode,
        dossier__mother__municipality=municipality,
        dossier__mother__province=province,
        discharged_at=BORN + datetime.timedelta(hours=discharged_after)
        if discharged_after
        else None,
    )
    NewbornFactory(dossier=delivery.dossier)
    return delivery


@pytest.fixture
def year():
    """Antwerp: 8 births, 6 families with 10 h of kraamzorg each (from a public and a
    private service); Limburg: 3 births, 3 families with 4 h. 5 readmissions within 28
    days and 1 on day 29; 6 of the 8 Antwerp babies screened for hearing; 7 discharged
    after 50 hours, 5 of them visited at home within 24 hours."""
    public = Organisation.objects.create(
        name="OCMW kraamzorg", province="VAN", kind=OrganisationKind.HOME_HELP_PUBLIC
    )
    private = Organisation.objects.create(
        name="Kraamzorg Familiehulp", province="VAN", kind=OrganisationKind.HOME_HELP_PRIVATE
    )
    antwerp = [
        birth("2000", "Antwerpen", "VAN", discharged_after=50 if i < 7 else None) for i in range(8)
    ]
    limburg = [birth("3500", "Hasselt", "VLI") for _ in range(3)]
    day = BORN.date() + datetime.timedelta(days=4)
    for i, delivery in enumerate(antwerp[:6]):
        for offset in range(2):
            HomeHelpDay.objects.create(
                dossier=delivery.dossier,
                hours=Decimal("5"),
                day=day + datetime.timedelta(offset),
                organisation=public if i % 2 else private,
            )
    for delivery in limburg:
        HomeHelpDay.objects.create(
            dossier=delivery.dossier, day=day, hours=Decimal("4"), organisation=public
        )
    for i, delivery in enumerate(antwerp[:6]):
        Admission.objects.create(
            dossier=delivery.dossier,
            patient="mother",
            hospital="AZ Monica",
            reason="infection",
            admitted_on=BORN.date() + datetime.timedelta(days=28 if i < 5 else 29),
        )
    for delivery in antwerp[:5]:
        HomeVisit.objects.create(
            dossier=delivery.dossier,
            visited_at=delivery.discharged_at + datetime.timedelta(hours=20),
        )
    for delivery in antwerp[:6]:
        Screening.objects.create(
            newborn=delivery.dossier.newborns.get(),
            kind="hearing",
            result="normal",
            done_at=BORN + datetime.timedelta(days=1),
        )
    return 2025


def rows(table):
    return {row[0]: row[1:] for row in table.rows}


def test_kraamzorg_per_province_with_small_cells_suppressed(year):
    table = rows(figures.kraamzorg_by_province(year))
    assert table["Antwerp"] == ["60,0", "6", "10,0", "75,0 %"]
    assert table["Limburg"] == ["<5", "<5", "<5", "<5"]
    assert table["Total"] == ["72,0", "9", "8,0", "81,8 %"]


def test_services_public_and_private_per_province(year):
    assert rows(figures.services_by_province(year))["Antwerp"] == ["1", "1", "2"]


def test_quality_indicators(year):
    table = rows(figures.quality(year))
    assert table["Readmission within 28 days (mother or baby)"] == ["45,5 %", "11"]
    assert table["Home visit within 24 hours of discharge"] == ["71,4 %", "7"]
    assert table["Length of stay, median (hours)"] == ["58", "7"]  # 8 h before birth + 50
    assert table["Screening coverage: Hearing"] == ["54,5 %", "11"]
    assert table["Screening coverage: Heel prick (metabolic)"] == ["0,0 %", "11"]


def test_a_year_without_births_is_empty_not_an_error(year):
    table = rows(figures.quality(2019))
    assert table["Readmission within 28 days (mother or baby)"] == ["—", "0"]


def test_only_analysts_and_staff_see_the_figures_and_the_csv_keeps_the_suppression(client, year):
    analyst = UserFactory(username="analist")
    midwife = UserFactory(username="vroedvrouw")
    sign_in(client, midwife)
    assert client.get(reverse("ebirth:figures")).status_code == 403
    analyst.user_permissions.add(Permission.objects.get(codename="view_figures"))
    sign_in(client, analyst)
    page = client.get(reverse("ebirth:figures") + "?jaar=2025")
    assert page.status_code == 200 and "60,0" in page.text and "&lt;5" in page.text
    assert "<svg" in page.text  # the chart of hours per province
    csv = client.get(reverse("ebirth:figures_csv") + "?jaar=2025")
    body = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Antwerp" in body or "Antwerpen" in body
    assert ";<5;" in body and "60,0" in body
