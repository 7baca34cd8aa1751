"""The minister's tables of 2016 (seeds 000 and 001) rebuilt from generated years whose
totals are known: hours of kraamzorg per province with two decimals (76.887,48), families,
files, hours per family, years side by side, families and hours of public and private
services, and services counted in every province they served with the distinct total —
compared cell by cell with what the test itself adds up."""

import datetime
import random
import zoneinfo
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.formats import number_format

from dossier.models import HomeHelpDay
from ebirth import figures_tables
from network.models import Organisation, OrganisationKind
from tests.factories import DeliveryFactory, NewbornFactory, UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
# (province, postcode, municipality, label): the minister's rows, in his order
PROVINCES = [
    ("BRU", "1000", "Brussel", "Brussels-Capital Region"),
    ("VAN", "2000", "Antwerpen", "Antwerp"),
    ("VLI", "3500", "Hasselt", "Limburg"),
    ("VOV", "9000", "Gent", "East Flanders"),
    ("VBR", "3000", "Leuven", "Flemish Brabant"),
    ("VWV", "8000", "Brugge", "West Flanders"),
]
FAMILIES = {2015: [5, 6, 5, 7, 5, 6], 2016: [6, 9, 6, 8, 5, 7]}
# the services and the provinces whose families they help (public: the OCMW)
SERVICES = {
    "OCMW Hasselt": (OrganisationKind.HOME_HELP_PUBLIC, ["VLI", "VAN"]),
    "Familiehulp": (OrganisationKind.HOME_HELP_PRIVATE, ["BRU", "VOV", "VBR", "VAN"]),
    "Landelijke Thuiszorg": (OrganisationKind.HOME_HELP_PRIVATE, ["VWV", "VAN"]),
    "i-mens": (OrganisationKind.HOME_HELP_PRIVATE, ["VOV", "VWV"]),
}


def belgian(value, decimals=0):
    return number_format(value, decimals, force_grouping=True)


@pytest.fixture
def generated():
    """Two years of births with kraamzorg; returns what the tables must show, added up
    here from the generated days."""
    rng = random.Random(2016)
    services = {
        name: Organisation.objects.create(name=name, kind=kind)
        for name, (kind, _provinces) in SERVICES.items()
    }
    serving = defaultdict(list)
    for name, (_kind, provinces) in SERVICES.items():
        for province in provinces:
            serving[province].append(services[name])
    expected = defaultdict(lambda: defaultdict(Decimal))
    for year, counts in FAMILIES.items():
        for (code, postcode, municipality, _label), n in zip(PROVINCES, counts, strict=True):
            for i in range(n):
                born = datetime.datetime(year, 1 + (i * 2) % 12, 3, 9, 30, tzinfo=BRUSSELS)
                delivery = DeliveryFactory(
                    born_at=born,
                    dossier__mother__postcode=postcode,
                    dossier__mother__municipality=municipality,
                    dossier__mother__province=code,
                )
                NewbornFactory(dossier=delivery.dossier)
                # one service in turn, or (every third family of Antwerp) two
                helpers = [serving[code][i % len(serving[code])]]
                if code == "VAN" and i % 3 == 0:
                    helpers.append(serving[code][(i + 1) % len(serving[code])])
                by_kind = defaultdict(Decimal)
                for s, service in enumerate(helpers):
                    days = (18 if code == "VAN" else 11) if s == 0 else 3  # the first: most hours
                    for d in range(days):
                        hours = Decimal(rng.randint(400, 1199)) / 100
                        HomeHelpDay.objects.create(
                            dossier=delivery.dossier,
                            day=born.date() + datetime.timedelta(days=2 + d),
                            hours=hours,
                            organisation=service,
                        )
                        expected[year, code]["hours"] += hours
                        by_kind[service.kind] += hours
                        expected[year, "services", code, service.name] = 1
                expected[year, code]["families"] += 1
                expected[year, code]["files"] += len(helpers)
                main = max(by_kind, key=by_kind.get)
                kind = "public" if main == OrganisationKind.HOME_HELP_PUBLIC else "private"
                expected[year, kind]["families"] += 1
                expected[year, kind]["hours"] += sum(by_kind.values())
    return expected


def rows(table):
    return {(row.label, row.measure): [cell.text for cell in row.cells] for row in table.rows}


def test_the_minister_s_tables_cell_by_cell(generated):
    result = figures_tables.tables([2015, 2016])
    tables = {table.key: table for table in result.tables}
    kraamzorg = rows(tables["kraamzorg"])
    assert tables["kraamzorg"].columns == ["2015", "2016"]
    totals = {year: defaultdict(Decimal) for year in FAMILIES}
    for code, _postcode, _municipality, label in PROVINCES:
        cells = {"Hours": [], "Families": [], "Case files": [], "Hours per family": []}
        for year in FAMILIES:
            plan = generated[year, code]
            hours, families = plan["hours"], int(plan["families"])
            cells["Hours"].append(belgian(hours, 2))
            cells["Families"].append(belgian(families))
            cells["Case files"].append(belgian(int(plan["files"])))
            per_family = (hours / families).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
            cells["Hours per family"].append(belgian(per_family, 2))
            for name in ("hours", "families", "files"):
                totals[year][name] += plan[name]
        for measure, expected in cells.items():
            assert kraamzorg[label, measure] == expected, (label, measure)
    for year, column in ((2015, 0), (2016, 1)):
        assert kraamzorg["Total", "Hours"][column] == belgian(totals[year]["hours"], 2)
        assert kraamzorg["Total", "Families"][column] == belgian(int(totals[year]["families"]))
    # Antwerp's hours need a thousands separator and keep both decimals: "1.234,50"
    assert "." in kraamzorg["Antwerp", "Hours"][1] and kraamzorg["Antwerp", "Hours"][1][-3] == ","

    kind = rows(tables["kind"])
    for label, name in (("Public services", "public"), ("Private services", "private")):
        assert kind[label, "Families"] == [
            belgian(int(generated[year, name]["families"])) for year in FAMILIES
        ]
        assert kind[label, "Hours"] == [
            belgian(generated[year, name]["hours"], 2) for year in FAMILIES
        ]

    services = rows(tables["services"])
    for code, _postcode, _municipality, label in PROVINCES:
        assert services[label, "Services"] == [
            belgian(sum(1 for k in generated if k[:3] == (year, "services", code)))
            for year in FAMILIES
        ], label
    served = {year: {k[3] for k in generated if k[:2] == (year, "services")} for year in FAMILIES}
    assert served[2016] == set(SERVICES)  # every service delivered in 2016
    assert services["Total (distinct services)", "Services"] == [
        belgian(len(served[year])) for year in FAMILIES
    ]
    assert services["of which public", "Services"] == ["1", "1"]
    # the provinces' cells count a service once per province it served: more than distinct
    per_province = sum(int(services[label, "Services"][1]) for *_p, label in PROVINCES)
    assert per_province == sum(1 for k in generated if k[:2] == (2016, "services"))
    assert per_province > len(served[2016])


def test_the_page_draws_the_hours_per_province(client, generated):
    analyst = UserFactory(username="analist")
    analyst.user_permissions.add(Permission.objects.get(codename="view_figures"))
    sign_in(client, analyst)
    page = client.get(reverse("ebirth:figures"), {"van": 2015, "tot": 2016})
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('class="bar"') == len(PROVINCES)  # every province shown in 2016
    assert "<script" not in text.split("<main", 1)[1]  # the chart is SVG, no script
