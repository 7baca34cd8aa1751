"""The figures for policy makers on a hand-built year whose totals are known: hours of
kraamzorg per province with the small province hidden *and* a cell beside it (no leak
through the total), services counted in every province they served, the unmet need, the
quality indicators with their intervals, Belgian numbers, the years side by side, the
provisional mark, the kept figures and their refresh, and who may see them."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from dossier.models import (
    Admission,
    DischargeChecklist,
    HomeHelpDay,
    HomeHelpNeed,
    HomeVisit,
    Measurement,
    PhoneContact,
    Screening,
)
from dossier.models.stay import HomeHelpChoice
from ebirth import disclosure, figures, figures_tables
from ebirth.models import FiguresYear, OfficialBirths
from network.models import Organisation, OrganisationKind
from tests.factories import DeliveryFactory, NewbornFactory, UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
BORN = datetime.datetime(2025, 3, 10, 10, 0, tzinfo=BRUSSELS)


def birth(postcode, municipality, province, *, discharged_after=None, born=BORN):
    delivery = DeliveryFactory(
        born_at=born,
        dossier__mother__postcode=postcode,
        dossier__mother__municipality=municipality,
        dossier__mother__province=province,
        discharged_at=born + datetime.timedelta(hours=discharged_after)
        if discharged_after
        else None,
    )
    NewbornFactory(dossier=delivery.dossier, birth_weight_g=3400)
    return delivery


@pytest.fixture
def year():
    """Antwerp: 8 births, 6 families with 10 h of kraamzorg each (3 from a public, 3 from a
    private service); Limburg: 3 births, 3 families with 4 h (public). 6 mothers readmitted
    (5 on day 28, 1 on day 29: all within 6 weeks), 2 babies readmitted (day 3 and day 30);
    6 of the 8 Antwerp babies screened for hearing; 7 discharged after 50 hours, 5 of them
    visited at home within 24 hours."""
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
    for offset, delivery in ((3, antwerp[0]), (30, antwerp[1])):
        Admission.objects.create(
            dossier=delivery.dossier,
            patient="newborn",
            newborn=delivery.dossier.newborns.get(),
            hospital="AZ Monica",
            reason="jaundice",
            admitted_on=BORN.date() + datetime.timedelta(days=offset),
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
    """{(label, measure): [cell texts]}"""
    return {(row.label, row.measure): [cell.text for cell in row.cells] for row in table.rows}


def table_of(key, years=(2025,)):
    return next(t for t in figures_tables.tables(list(years)).tables if t.key == key)


def test_the_small_province_is_hidden_and_so_is_a_cell_beside_it(year):
    """Limburg's 3 families and 12 hours are hidden as "<5"; Antwerp (6 families, 60 h) is
    hidden as "×", so the total (9 families, 72 h) no longer gives Limburg back."""
    table = rows(table_of("kraamzorg"))
    assert [table["Limburg", m][0] for m in ("Hours", "Families", "Case files")] == ["<5"] * 3
    assert table["Limburg", "Hours per family"] == ["<5"]
    assert [table["Antwerp", m][0] for m in ("Hours", "Families", "Case files")] == ["×"] * 3
    assert table["Total", "Hours"] == ["72,00"]  # two decimals, as the minister gives them
    assert table["Total", "Families"] == ["9"]
    assert table["Total", "Case files"] == ["9"]
    assert table["Total", "Hours per family"] == ["8,00"]
    assert table["East Flanders", "Families"] == ["0"]  # Flanders and Brussels always shown
    assert not any(label == "Namur" for label, _measure in table)


def test_no_hidden_count_of_the_year_can_be_worked_out(year):
    shown = figures_tables.tables([year]).years[0].national
    assert shown.suppression.hidden  # there is something to protect
    assert disclosure.check(shown.values, shown.lines, shown.suppression) == set()
    # the families per province and per kind of service share the total: both hidden twice
    for dimension in ("province", "kind"):
        parts = [figures.key("K", dimension, c) for c in figures.DIMENSIONS[dimension]]
        assert sum(shown.suppression.is_hidden(p) for p in parts) >= 2


def test_public_and_private_families_and_hours(year):
    table = rows(table_of("kind"))
    # by the kind of service that gave most of their hours: 6 public (3 Antwerp, 3 Limburg)
    # and 3 private; the 3 private are small, so the public are hidden beside them
    assert table["Private services", "Families"] == ["<5"]
    assert table["Public services", "Families"] == ["×"]
    assert table["Total", "Families"] == ["9"] and table["Total", "Hours"] == ["72,00"]


def test_a_service_counts_in_every_province_it_served(year):
    table = rows(table_of("services"))
    assert table["Antwerp", "Services"] == ["2"]
    assert table["Limburg", "Services"] == ["1"]  # the public service, counted again
    assert table["Total (distinct services)", "Services"] == ["2"]
    assert table["of which public", "Services"] == ["1"]
    assert table["of which private", "Services"] == ["1"]


def test_requested_against_delivered(year):
    deliveries = list(DeliveryFactory._meta.model.objects.filter(born_at__year=year).order_by("pk"))
    for delivery in deliveries[:7]:  # 7 asked at discharge: 6 Antwerp families got it, 1 not
        DischargeChecklist.objects.create(
            dossier=delivery.dossier, home_help=HomeHelpChoice.REQUESTED
        )
    for delivery in deliveries[:6]:
        HomeHelpNeed.objects.create(dossier=delivery.dossier, estimated_hours=24)
    figures.refresh(force=True)
    table = rows(table_of("need"))
    assert table["Families who requested it", ""] == ["7"]
    # 6 received it, 1 did not: that 1 is small, and the 6 beside it are protected
    assert table["… and received none (unmet need)", ""] == ["<5"]
    assert table["… and received it", ""] == ["×"]
    # the 3 Limburg families received it without a request: small themselves
    assert table["Families who received it without a recorded request", ""] == ["<5"]
    assert table["Families with an estimated need", ""] == ["6"]
    assert table["Hours needed (estimate)", ""] == ["144,00"]
    assert table["Hours delivered to them", ""] == ["60,00"]
    assert table["Share of the estimated need delivered", ""] == ["41,7 %"]


def test_quality_indicators(year):
    table = rows(table_of("quality"))
    rate = figures_tables.rate_measure()
    # newborns: day 3 counts, day 30 does not (28 days); mothers: 6 weeks
    assert table["Newborn readmitted within 28 days", "n / N"] == ["<5 / 11"]
    assert table["Newborn readmitted within 28 days", rate] == ["<5"]
    assert table["Mother readmitted within 6 weeks", "n / N"] == ["6 / 11"]
    assert table["Mother readmitted within 6 weeks", rate] == ["54,5 % (28,0–78,7)"]
    assert table["Home visit within 24 hours of discharge", rate] == ["71,4 % (35,9–91,8)"]
    assert table["Home visit within 24 hours of discharge", "n / N"] == ["5 / 7"]
    assert table["Length of stay in hospital (hours)", "median"] == ["58,0"]  # 8 h + 50 h
    assert table["Screening coverage: Hearing", "n / N"] == ["6 / 11"]
    assert table["Screening coverage: Heel prick (metabolic)", "n / N"] == ["0 / 11"]
    # by length of stay: 7 short stays (6 mothers readmitted), 4 without a known stay (small)
    short = "Mother readmitted within 6 weeks — short stay"
    other = "Mother readmitted within 6 weeks — no hospital stay or not known"
    assert table[other, "n / N"] == ["<5 / <5"]
    assert table[short, "n / N"] == ["× / ×"]  # else 11 − 4 would give the small one back


def test_weight_loss_epds_calls_and_the_physician(year):
    deliveries = list(DeliveryFactory._meta.model.objects.filter(born_at__year=year).order_by("pk"))
    for i, delivery in enumerate(deliveries[:6]):
        newborn = delivery.dossier.newborns.get()
        Measurement.objects.create(
            newborn=newborn,
            measured_at=BORN + datetime.timedelta(days=3),
            weight_g=3059 if i < 5 else 3060,  # 10.03 % below 3400 g; 3060 g is 10.0 %
        )
        HomeVisit.objects.create(
            dossier=delivery.dossier,
            visited_at=BORN + datetime.timedelta(days=8),
            epds_score=14 if i < 5 else 3,
        )
        PhoneContact.objects.create(
            dossier=delivery.dossier,
            started_at=BORN + datetime.timedelta(days=2),
            duration_minutes=5,
            caller="mother",
            reason="practical",
            outcome="advice",
        )
    figures.refresh(force=True)
    table = rows(table_of("quality"))
    assert table["Newborn more than 10 % below birth weight, of those weighed", "n / N"] == [
        "5 / 6"
    ]
    assert table["Mood screened (EPDS)", "n / N"] == ["6 / 11"]
    assert table["EPDS positive, of those screened", "n / N"] == ["5 / 6"]
    assert table["Home follow-up to day 10", "n / N"] == ["6 / 7"]  # day 8 of 7 at home
    assert table["Calls to the midwife line per family", "mean"] == ["0,55"]  # 6 / 11


def test_years_side_by_side_with_the_provisional_one_marked(year):
    birth("9000", "Gent", "VOV", born=BORN.replace(year=2024))
    figures.refresh(force=True)
    result = figures_tables.tables([2024, 2025])
    assert [y.year for y in result.years] == [2024, 2025]
    kraamzorg = next(t for t in result.tables if t.key == "kraamzorg")
    assert len(kraamzorg.columns) == 2
    provisional = figures.is_provisional(2025)
    assert ("provisional" in kraamzorg.columns[1]) == provisional
    assert figures.is_provisional(2024, datetime.date(2025, 4, 30))
    assert not figures.is_provisional(2024, datetime.date(2025, 5, 1))
    coverage = rows(next(t for t in result.tables if t.key == "coverage"))
    assert coverage["Live-born babies in the record", ""] == ["<5", "11"]


def test_the_coverage_line_against_the_official_births(year):
    OfficialBirths.objects.create(year=2025, births=110, source="Statbel, test")
    table = table_of("coverage")
    assert rows(table)["Coverage of the record", ""] == ["10,0 %"]
    assert "Statbel, test" in table.note


def test_a_year_without_births_is_empty_not_an_error(year):
    table = rows(table_of("quality", years=(2019,)))
    assert table["Mother readmitted within 6 weeks", "n / N"] == ["0 / 0"]
    assert table["Mother readmitted within 6 weeks", figures_tables.rate_measure()] == ["—"]


def test_the_figures_are_kept_and_counted_again_by_the_beat_job(year):
    figures_tables.tables([year])
    kept = FiguresYear.objects.get(year=year)
    assert kept.national["counts"][figures.total("K")] == 9
    birth("2000", "Antwerpen", "VAN")  # a late record: the kept figures wait for the job
    assert FiguresYear.objects.get(year=year).national["counts"][figures.total("B")] == 11
    later = kept.computed_at + datetime.timedelta(hours=25)
    assert year in figures.refresh(now=later)
    assert FiguresYear.objects.get(year=year).national["counts"][figures.total("B")] == 12
    # a closed year counted less than a day ago is left alone
    closed = timezone.now() + datetime.timedelta(days=800)
    FiguresYear.objects.filter(year=year).update(computed_at=closed)
    assert figures.refresh(now=closed + datetime.timedelta(hours=1)) == []


def test_only_analysts_see_the_figures_and_the_csv_keeps_the_suppression(client, year):
    analyst = UserFactory(username="analist")
    midwife = UserFactory(username="vroedvrouw")
    sign_in(client, midwife)
    assert client.get(reverse("ebirth:figures")).status_code == 403
    assert client.get("/api/figures/").status_code == 403
    analyst.user_permissions.add(Permission.objects.get(codename="view_figures"))
    sign_in(client, analyst)
    page = client.get(reverse("ebirth:figures") + "?van=2025&tot=2025")
    assert page.status_code == 200
    text = page.content.decode()
    assert "72,00" in text and "&lt;5" in text and "×" in text
    assert 'id="h-how"' in text  # the table of thresholds and their sources
    assert not re.search(r"\bR\d{1,2}\b", text)  # no requirement codes in the page's text
    csv = client.get(reverse("ebirth:figures_csv") + "?van=2025&tot=2025")
    body = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv")
    assert 'filename="cijfers-2025-2025.csv"' in csv["Content-Disposition"]
    # the pages speak Dutch unless the user chose otherwise
    assert "Antwerpen;Uren;×" in body and "Limburg;Uren;<5" in body
    assert "Totaal;Uren;72,00" in body
    api = client.get("/api/figures/?van=2025&tot=2025")
    assert api.status_code == 200
    kraamzorg = next(t for t in api.json()["tables"] if t["key"] == "kraamzorg")
    limburg = next(r for r in kraamzorg["rows"] if r["label"] == "Limburg")
    assert limburg["cells"] == [{"text": "<5", "value": None, "state": "small"}]
    total = next(r for r in kraamzorg["rows"] if r["total"])  # the total's hours
    assert total["cells"][0] == {"text": "72,00", "value": 72.0, "state": "shown"}


def test_a_wrong_year_is_named_not_an_error(client, year):
    analyst = UserFactory(username="analist")
    analyst.user_permissions.add(Permission.objects.get(codename="view_figures"))
    sign_in(client, analyst)
    page = client.get(reverse("ebirth:figures") + "?van=twintig&tot=1900")
    assert page.status_code == 200
    text = page.content.decode()
    assert "message-error" in text and "van:" in text  # the field named, in the page's language
    api = client.get("/api/figures/?van=twintig")
    assert api.status_code == 400 and "van" in api.json()
