"""Dating the pregnancy (issue 18): the due date by each method (the last period, the
crown-rump length by Robinson's formula, the IVF transfer), the method kept with the record,
a typed due date still possible (and recorded as typed), and clear messages naming the
field — on the model, the edit page and the API."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from dossier import dating
from dossier.dating import DatingMethod
from dossier.models import Dossier
from tests.api.conftest import token_client
from tests.factories import DossierFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
D = datetime.timedelta


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def errors_of(dossier) -> dict:
    with pytest.raises(ValidationError) as caught:
        dossier.full_clean(exclude=["mother"])
    return caught.value.message_dict


# --- the formulas ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crl", "days", "weeks"),
    [
        ("10.0", 50, "7+1"),  # the smallest embryo measured for dating
        ("45.0", 79, "11+2"),  # the BMUS chart: 45 mm is 11+2 weeks
        ("60.0", 87, "12+3"),
        ("84.0", 99, "14+1"),  # the largest: 84 mm is 14+1 weeks
    ],
)
def test_robinson_gives_the_gestational_age_of_the_crown_rump_length(crl, days, weeks):
    found = dating.gestational_days_from_crl(Decimal(crl))
    assert found == days
    assert f"{found // 7}+{found % 7}" == weeks


def test_the_due_date_by_each_method():
    scan = datetime.date(2026, 3, 2)
    assert dating.due_date_from_crl(Decimal("45.0"), scan) == scan + D(days=280 - 79)
    transfer = datetime.date(2026, 1, 10)
    assert dating.due_date_from_transfer(transfer, 5) == transfer + D(days=261)  # blastocyst
    assert dating.due_date_from_transfer(transfer, 3) == transfer + D(days=263)
    lmp = datetime.date(2026, 1, 1)
    assert dating.due_date_from_lmp(lmp) == datetime.date(2026, 10, 8)


# --- on the record --------------------------------------------------------------------------


def test_by_the_last_period_the_due_date_is_computed_and_the_method_kept():
    lmp = TODAY() - D(weeks=10)
    dossier = DossierFactory.build(last_menstrual_period=lmp, expected_due_date=None)
    dossier.full_clean(exclude=["mother"])
    assert dossier.expected_due_date == lmp + D(days=280)
    assert dossier.dating_method == DatingMethod.LMP


def test_by_ultrasound_the_crown_rump_length_dates_the_pregnancy():
    scan = TODAY() - D(days=3)
    dossier = DossierFactory.build(
        last_menstrual_period=TODAY() - D(weeks=14),  # a period remembered two weeks early
        expected_due_date=None,
        dating_method=DatingMethod.ULTRASOUND,
        crown_rump_length_mm=Decimal("45.0"),
        dating_scan_on=scan,
    )
    dossier.full_clean(exclude=["mother"])
    assert dossier.expected_due_date == scan + D(days=201)
    assert dossier.gestational_age_on(scan) == (11, 2)
    assert "45,0 mm" in dossier.dating_display and "11+2" in dossier.dating_display


def test_by_ivf_the_transfer_dates_the_pregnancy_and_means_ivf():
    transfer = TODAY() - D(weeks=6)
    dossier = DossierFactory.build(
        last_menstrual_period=None,
        expected_due_date=None,
        dating_method=DatingMethod.IVF,
        embryo_transfer_on=transfer,
        embryo_age_days=5,
    )
    dossier.full_clean(exclude=["mother"])
    assert dossier.expected_due_date == transfer + D(days=261)
    # the transfer of a day-5 embryo is 2 weeks + 5 days of pregnancy
    assert dossier.gestational_age_on(transfer) == (2, 5)
    assert dossier.conception == "ivf_icsi"  # for the birth registration
    dossier.conception = "iui"
    assert "conception" in errors_of(dossier)


def test_a_typed_due_date_is_kept_and_recorded_as_typed():
    dossier = DossierFactory.build(
        last_menstrual_period=None, expected_due_date=TODAY() + D(weeks=20)
    )
    dossier.full_clean(exclude=["mother"])
    assert dossier.dating_method == DatingMethod.TYPED
    lmp = TODAY() - D(weeks=10)
    other = DossierFactory.build(last_menstrual_period=lmp, expected_due_date=lmp + D(days=285))
    other.full_clean(exclude=["mother"])
    assert other.dating_method == DatingMethod.TYPED
    assert other.expected_due_date == lmp + D(days=285)


def test_a_date_typed_over_a_computing_method_is_refused_naming_the_computed_one():
    lmp = TODAY() - D(weeks=10)
    dossier = DossierFactory.build(
        last_menstrual_period=lmp,
        expected_due_date=lmp + D(days=290),
        dating_method=DatingMethod.LMP,
    )
    message = errors_of(dossier)["expected_due_date"][0]
    assert f"{lmp + D(days=280):%d-%m-%Y}" in message and "typed in" in message


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        (
            {"dating_method": "ultrasound", "dating_scan_on": TODAY()},
            "crown_rump_length_mm",
            "needed",
        ),
        (
            {"dating_method": "ultrasound", "crown_rump_length_mm": Decimal("45.0")},
            "dating_scan_on",
            "needed",
        ),
        (
            {
                "dating_method": "ultrasound",
                "crown_rump_length_mm": Decimal("9.9"),
                "dating_scan_on": TODAY(),
            },
            "crown_rump_length_mm",
            "between 10",
        ),
        (
            {
                "dating_method": "ultrasound",
                "crown_rump_length_mm": Decimal("84.1"),
                "dating_scan_on": TODAY(),
            },
            "crown_rump_length_mm",
            "84",
        ),
        (
            {
                "dating_method": "ultrasound",
                "crown_rump_length_mm": Decimal("45.0"),
                "dating_scan_on": TODAY() + D(days=1),
            },
            "dating_scan_on",
            "future",
        ),
        ({"dating_method": "ivf", "embryo_transfer_on": TODAY()}, "embryo_age_days", "needed"),
        (
            {"dating_method": "ivf", "embryo_transfer_on": TODAY(), "embryo_age_days": 7},
            "embryo_age_days",
            "between 2 and 6",
        ),
        (
            {"dating_method": "lmp", "crown_rump_length_mm": Decimal("45.0")},
            "crown_rump_length_mm",
            "only used",
        ),
        ({"dating_method": "typed", "embryo_age_days": 5}, "embryo_age_days", "only used"),
    ],
)
def test_each_method_asks_for_its_own_fields_naming_them(values, field, words):
    dossier = DossierFactory.build(
        last_menstrual_period=TODAY() - D(weeks=10), expected_due_date=None, **values
    )
    messages = errors_of(dossier)
    assert words in " ".join(messages[field]), messages


def test_the_database_refuses_an_ultrasound_dating_without_its_scan():
    dossier = DossierFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=dossier.pk).update(dating_method=DatingMethod.ULTRASOUND)


def test_a_record_saved_without_a_method_names_the_one_its_dates_show():
    lmp = TODAY() - D(weeks=8)
    assert DossierFactory(last_menstrual_period=lmp).dating_method == DatingMethod.LMP
    typed = DossierFactory(last_menstrual_period=None, expected_due_date=TODAY() + D(weeks=30))
    assert typed.dating_method == DatingMethod.TYPED


def test_an_entry_may_follow_the_ultrasound_start_when_the_period_was_remembered_late():
    """The pregnancy starts at the earlier of the period and the dated start (rules)."""
    from dossier.rules import pregnancy_start

    scan = TODAY() - D(days=3)
    dossier = DossierFactory(
        last_menstrual_period=TODAY() - D(weeks=6),  # remembered a month late
        expected_due_date=scan + D(days=201),
        dating_method=DatingMethod.ULTRASOUND,
        crown_rump_length_mm=Decimal("45.0"),
        dating_scan_on=scan,
    )

    class Entry:
        dossier_id = dossier.pk

    Entry.dossier = dossier
    assert pregnancy_start(Entry()) == scan + D(days=201) - D(days=280)


# --- the edit page and the API ----------------------------------------------------------


@pytest.fixture
def net():
    return build_network()


def edit_fields(dossier, **changes):
    fields = {
        "dating_method": dossier.dating_method,
        "last_menstrual_period": dossier.last_menstrual_period.isoformat(),
        "expected_due_date": dossier.expected_due_date.isoformat(),
        "gravidity": "1",
        "parity": "0",
        "fetus_count": "1",
        "status": dossier.status,
        "change_reason": "echografie",
    }
    return {**fields, **changes}


def test_an_ultrasound_redates_the_record_through_the_edit_page(net, client):
    sign_in(client, net.users["coordinator"])
    url = reverse("dossier:edit", args=[net.b.public_id])
    scan = TODAY() - D(days=1)
    response = client.post(
        url,
        edit_fields(
            net.b,
            dating_method="ultrasound",
            crown_rump_length_mm="60.0",
            dating_scan_on=scan.isoformat(),
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    net.b.refresh_from_db()
    assert net.b.dating_method == DatingMethod.ULTRASOUND
    assert net.b.expected_due_date == scan + D(days=280 - 87)
    page = client.get(reverse("dossier:detail", args=[net.b.public_id])).content.decode()
    assert 'data-dating="ultrasound"' in page


def test_the_edit_page_names_the_missing_scan_date(net, client):
    sign_in(client, net.users["coordinator"])
    url = reverse("dossier:edit", args=[net.b.public_id])
    before = net.b.expected_due_date
    response = client.post(
        url, edit_fields(net.b, dating_method="ultrasound", crown_rump_length_mm="60.0")
    )
    assert response.status_code == 200
    assert "dating_scan_on" in response.context["form"].errors
    net.b.refresh_from_db()
    assert net.b.expected_due_date == before and net.b.dating_method == DatingMethod.LMP


def test_the_api_dates_by_transfer_and_keeps_a_typed_date(net):
    client = token_client(net.users["coordinator"])
    url = f"/api/dossiers/{net.b.public_id}/"
    transfer = TODAY() - D(weeks=8)
    response = client.patch(
        url,
        {
            "dating_method": "ivf",
            "embryo_transfer_on": transfer.isoformat(),
            "embryo_age_days": 3,
            "last_menstrual_period": None,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    prenatal = response.json()["prenatal"]
    assert prenatal["dating_method"] == "ivf"
    assert prenatal["expected_due_date"] == (transfer + D(days=263)).isoformat()
    typed = (transfer + D(days=270)).isoformat()
    refused = client.patch(url, {"expected_due_date": typed}, format="json")
    assert refused.status_code == 400 and "expected_due_date" in refused.json()
    kept = client.patch(
        url,
        {
            "dating_method": "typed",
            "embryo_transfer_on": None,
            "embryo_age_days": None,
            "expected_due_date": typed,
        },
        format="json",
    )
    assert kept.status_code == 200, kept.json()
    assert kept.json()["prenatal"]["expected_due_date"] == typed
    assert kept.json()["prenatal"]["dating_method"] == "typed"
