"""A maternity ward's quality figures (R24, R33): a professional of the ward sees its own
figures beside the national ones and nobody else's — the ward comes from their own
organisation, never from the request; everyone else is refused (403), the policy analysts
included (they see the country and an anonymous benchmark)."""

import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from dossier.models import Admission
from ebirth import figures_tables
from network.models import Organisation, OrganisationKind, Profession
from tests.factories import DeliveryFactory, NewbornFactory, ProfessionalFactory, UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db
BORN = datetime.datetime(2025, 6, 2, 8, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Brussels"))
GENT, BRUGGE = "UZ Gent – materniteit", "AZ Sint-Jan Brugge – materniteit"


def births(ward, n, *, readmitted=0, spelled=None):
    for i in range(n):
        delivery = DeliveryFactory(
            born_at=BORN,
            maternity_ward=spelled or ward,
            discharged_at=BORN + datetime.timedelta(hours=40),
        )
        NewbornFactory(dossier=delivery.dossier)
        if i < readmitted:
            Admission.objects.create(
                dossier=delivery.dossier,
                patient="mother",
                hospital=ward,
                reason="infection",
                admitted_on=BORN.date() + datetime.timedelta(days=5),
            )


@pytest.fixture
def wards():
    """Gent: 7 births (one spelled differently), 6 mothers readmitted; Brugge: 23 births,
    none readmitted; national: 30 births, 6 readmitted."""
    gent = Organisation.objects.create(name=GENT, kind=OrganisationKind.MATERNITY_WARD)
    brugge = Organisation.objects.create(name=BRUGGE, kind=OrganisationKind.MATERNITY_WARD)
    births(GENT, 6, readmitted=6)
    births(GENT, 1, spelled="  uz gent – MATERNITEIT ")  # the same ward, typed otherwise
    births(BRUGGE, 23)
    return {
        "gent": ProfessionalFactory(
            user__username="gyn-gent", profession=Profession.GYNAECOLOGIST, organisation=gent
        ).user,
        "brugge": ProfessionalFactory(user__username="vv-brugge", organisation=brugge).user,
        "brugge_org": brugge,
    }


def ward_rows(user_ward, year=2025):
    table = figures_tables.ward_tables([year], user_ward).tables[0]
    return {(row.label, row.measure): [c.text for c in row.cells] for row in table.rows}


def test_the_ward_sees_its_own_figures_beside_the_national_ones(wards):
    rows = ward_rows(GENT)
    assert rows["Families with a birth", ""] == ["7", "30"]  # this ward, national
    assert rows["Mother readmitted within 6 weeks", "n / N"] == ["6 / 7", "6 / 30"]
    rate = figures_tables.rate_measure()
    assert rows["Mother readmitted within 6 weeks", rate] == [
        "85,7 % (48,7–97,4)",
        "20,0 % (9,5–37,3)",
    ]
    brugge = ward_rows(BRUGGE)
    assert brugge["Families with a birth", ""] == ["23", "30"]
    assert brugge["Mother readmitted within 6 weeks", "n / N"] == ["0 / 23", "6 / 30"]


def test_the_analysts_see_an_anonymous_benchmark(wards):
    table = next(t for t in figures_tables.tables([2025]).tables if t.key == "wards")
    rows = {(row.label, row.measure): [c.text for c in row.cells] for row in table.rows}
    assert rows["Maternity wards in the record", ""] == ["2"]
    assert rows["Mother readmitted within 6 weeks", "wards compared"] == ["2"]
    assert rows["Mother readmitted within 6 weeks", "significantly above"] == ["1"]
    assert rows["Mother readmitted within 6 weeks", "significantly below"] == ["1"]
    text = " ".join(" ".join(c for c in cells) for cells in rows.values())
    assert "Gent" not in text and "Brugge" not in text


def test_a_ward_user_cannot_ask_for_another_ward(client, wards):
    sign_in(client, wards["gent"])
    url = reverse("ebirth:ward_figures")
    page = client.get(url, {"van": 2025, "tot": 2025, "ward": BRUGGE, "afdeling": BRUGGE})
    assert page.status_code == 200
    text = page.content.decode().split("<main", 1)[1]  # (the header echoes the query)
    assert GENT in text and "Sint-Jan" not in text
    # the table holds Gent's 7 births beside the country's 30, never Brugge's 23
    assert ">7<" in text and ">30<" in text and ">23<" not in text
    api = client.get("/api/figures/ward/", {"van": 2025, "tot": 2025, "ward": BRUGGE})
    assert api.status_code == 200
    families = api.json()["tables"][0]["rows"][0]
    assert [c["text"] for c in families["cells"]] == ["7", "30"]
    csv = client.get(reverse("ebirth:ward_figures_csv"), {"van": 2025, "tot": 2025})
    assert csv.status_code == 200 and ";7;30" in csv.content.decode("utf-8-sig")


def test_everyone_else_is_refused(client, wards):
    practice = Organisation.objects.create(
        name="Vroedvrouwenpraktijk De Wieg", kind=OrganisationKind.MIDWIFE_PRACTICE
    )
    midwife = ProfessionalFactory(user__username="vv-praktijk", organisation=practice).user
    loose = ProfessionalFactory(user__username="vv-los").user  # no organisation
    analyst = UserFactory(username="analist")
    analyst.user_permissions.add(Permission.objects.get(codename="view_figures"))
    for user in (midwife, loose, analyst):
        sign_in(client, user)
        assert client.get(reverse("ebirth:ward_figures")).status_code == 403, user
        assert client.get("/api/figures/ward/").status_code == 403, user
    # and a ward's professional is no policy analyst
    sign_in(client, wards["brugge"])
    assert client.get(reverse("ebirth:figures")).status_code == 403
    assert client.get("/api/figures/").status_code == 403
