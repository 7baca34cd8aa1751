"""Prenatal lab results (issue 18): the reference table at its edges, each test's fields
and messages, the alerts an abnormal result raises, the page with the latest result of each
test, and who may read and write them (pages and API)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from dossier import alerts, labs, services
from dossier.labs import LabResult, LabTest, Rhesus
from dossier.models import Alert, EntryChange, PrenatalLab
from dossier.sections import Section
from tests.api.conftest import token_client
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def english():
    """The messages are checked by their English words (the pages show them in Dutch)."""
    with translation.override("en"):
        yield


@pytest.fixture
def net():
    return build_network()


def lab(test, **values) -> PrenatalLab:
    return PrenatalLab(test=test, taken_on=values.pop("taken_on", TODAY()), **values)


def codes(entry) -> list[str]:
    return [rule.code for rule in alerts.firing(entry)]


def record(net, entry, dossier=None, user=None, **kwargs):
    entry.dossier = dossier or net.b
    return services.entry_record(actor=user or net.users["coordinator"], entry=entry, **kwargs)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# --- the reference table at its edges -------------------------------------------------------


def on_week(net, week: int) -> datetime.date:
    """The day week ``week`` + 0 of dossier B's pregnancy begins."""
    return net.b.expected_due_date - datetime.timedelta(days=280) + datetime.timedelta(weeks=week)


@pytest.mark.parametrize(
    ("week", "value", "fired"),
    [
        (13, "11.0", []),  # first trimester: 11.0 is the threshold
        (13, "10.9", ["lab_haemoglobin_low"]),
        (14, "10.9", []),  # from 14 weeks: 10.5
        (14, "10.5", []),
        (14, "10.4", ["lab_haemoglobin_low"]),
        (20, "7.0", ["lab_haemoglobin_low"]),
        (20, "6.9", ["lab_haemoglobin_severe"]),  # the most severe of the group only
    ],
)
def test_haemoglobin_by_the_term(net, week, value, fired):
    net.b.last_menstrual_period = None
    net.b.expected_due_date = TODAY() + datetime.timedelta(weeks=40 - 21)  # 21 weeks today
    net.b.save()
    entry = lab(LabTest.HAEMOGLOBIN, value=Decimal(value), taken_on=on_week(net, week))
    entry.dossier = net.b
    assert entry.gestational_weeks == week
    assert codes(entry) == fired


@pytest.mark.parametrize(
    ("value", "fired"),
    [
        ("139", []),
        ("140", ["lab_gct_raised"]),
        ("199", ["lab_gct_raised"]),
        ("200", ["lab_gct_diabetes"]),
    ],
)
def test_the_glucose_challenge_test(value, fired):
    assert codes(lab(LabTest.GCT, value=Decimal(value))) == fired


@pytest.mark.parametrize(
    ("fasting", "one_hour", "two_hours", "fired"),
    [
        ("91", "179", "152", []),
        ("92", "120", "110", ["lab_ogtt_gestational_diabetes"]),
        ("80", "180", "110", ["lab_ogtt_gestational_diabetes"]),
        ("80", "120", "153", ["lab_ogtt_gestational_diabetes"]),
        ("125", "120", "199", ["lab_ogtt_gestational_diabetes"]),
        ("126", "120", "110", ["lab_ogtt_overt_diabetes"]),
        ("80", "120", "200", ["lab_ogtt_overt_diabetes"]),
    ],
)
def test_the_glucose_tolerance_test(fasting, one_hour, two_hours, fired):
    entry = lab(
        LabTest.OGTT,
        value=Decimal(fasting),
        value_1h=Decimal(one_hour),
        value_2h=Decimal(two_hours),
    )
    assert codes(entry) == fired


@pytest.mark.parametrize(
    ("test", "result", "fired", "severity"),
    [
        (LabTest.HBSAG, LabResult.NEGATIVE, [], None),
        (LabTest.HBSAG, LabResult.POSITIVE, ["lab_hbsag_positive"], "today"),
        (LabTest.HBSAG, LabResult.INDETERMINATE, ["lab_hbsag_indeterminate"], "soon"),
        (LabTest.HIV, LabResult.POSITIVE, ["lab_hiv_positive"], "today"),
        (LabTest.SYPHILIS, LabResult.POSITIVE, ["lab_syphilis_positive"], "today"),
        (LabTest.ANTIBODIES, LabResult.POSITIVE, ["lab_antibodies_positive"], "today"),
        (LabTest.TOXOPLASMOSIS, LabResult.NOT_IMMUNE, [], None),  # hygiene advice, no alert
        (LabTest.TOXOPLASMOSIS, LabResult.RECENT, ["lab_toxoplasmosis_recent"], "today"),
        (LabTest.RUBELLA, LabResult.IMMUNE, [], None),
        (LabTest.RUBELLA, LabResult.NOT_IMMUNE, ["lab_rubella_not_immune"], "soon"),
        (LabTest.GBS, LabResult.NEGATIVE, [], None),
        (LabTest.GBS, LabResult.POSITIVE, ["lab_gbs_positive"], "soon"),
    ],
)
def test_the_serology_and_the_swab(test, result, fired, severity):
    entry = lab(test, result=result)
    assert codes(entry) == fired
    if severity:
        assert alerts.BY_CODE[fired[0]].severity == severity


def test_rhesus_negative_until_the_anti_d_is_given():
    negative = lab(LabTest.BLOOD_GROUP, abo="O", rhesus=Rhesus.NEGATIVE)
    assert codes(negative) == ["lab_rhesus_negative"]
    negative.anti_d_given_on, negative.anti_d_dose_ug = TODAY(), 300
    assert codes(negative) == []
    assert codes(lab(LabTest.BLOOD_GROUP, abo="A", rhesus=Rhesus.POSITIVE)) == []


def test_every_row_of_the_table_names_its_source_and_every_test_has_one():
    assert set(labs.REFERENCE) == set(LabTest)
    for row in labs.REFERENCE.values():
        assert len(row.why) > 80 and row.when and row.normal
        for finding in row.findings:
            assert finding.severity in alerts.Severity.values
            assert alerts.BY_CODE[finding.code].why == row.why
    found = [f.code for row in labs.REFERENCE.values() for f in row.findings]
    assert len(found) == len(set(found))


def test_a_result_of_one_test_never_fires_another_test_s_rule():
    # a GBS swab "positive" is not an HBsAg, nor antibodies
    assert codes(lab(LabTest.GBS, result=LabResult.POSITIVE)) == ["lab_gbs_positive"]


# --- each test's fields, with messages naming them ------------------------------------------


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        (lab(LabTest.HBSAG), "result", "needed"),
        (lab(LabTest.HBSAG, result=LabResult.IMMUNE), "result", "choose one of"),
        (lab(LabTest.HBSAG, result="negative", value=Decimal("11")), "value", "not part"),
        (lab(LabTest.HAEMOGLOBIN), "value", "needed"),
        (lab(LabTest.HAEMOGLOBIN, value=Decimal("20.1")), "value", "g/dL"),
        (lab(LabTest.HAEMOGLOBIN, value=Decimal("2.9")), "value", "between 3"),
        (lab(LabTest.GCT, value=Decimal("601")), "value", "mg/dL"),
        (lab(LabTest.OGTT, value=Decimal("90"), value_1h=Decimal("150")), "value_2h", "needed"),
        (lab(LabTest.GCT, value=Decimal("120"), value_1h=Decimal("150")), "value_1h", "not part"),
        (lab(LabTest.BLOOD_GROUP, abo="O"), "rhesus", "needed"),
        (lab(LabTest.HIV, result="negative", rhesus="negative"), "rhesus", "not part"),
        (
            lab(LabTest.BLOOD_GROUP, abo="O", rhesus="negative", anti_d_given_on=TODAY()),
            "anti_d_dose_ug",
            "both",
        ),
        (
            lab(
                LabTest.BLOOD_GROUP,
                abo="O",
                rhesus="positive",
                anti_d_given_on=TODAY(),
                anti_d_dose_ug=300,
            ),
            "anti_d_given_on",
            "Rhesus D negative",
        ),
        (
            lab(
                LabTest.BLOOD_GROUP,
                abo="O",
                rhesus="negative",
                anti_d_given_on=TODAY(),
                anti_d_dose_ug=3000,
            ),
            "anti_d_dose_ug",
            "1.500",
        ),
        (lab(LabTest.ANTIBODIES, result="positive"), "detail", "which antibody"),
        (lab(LabTest.GBS, result="negative", taken_on=TODAY() + DAY), "taken_on", "future"),
    ],
)
def test_each_test_takes_its_own_fields(net, entry, field, words):
    messages = errors_of(lambda: record(net, entry))
    assert words in " ".join(messages[field]), messages
    assert not PrenatalLab.objects.exists()


def test_the_database_refuses_a_blood_group_on_another_test_whatever_the_path(net):
    with pytest.raises(IntegrityError), transaction.atomic():
        PrenatalLab.objects.bulk_create(
            [lab(LabTest.HBSAG, dossier=net.b, result="negative", rhesus="negative")]
        )


# --- saved: unit, alerts, history -----------------------------------------------------------


def test_a_result_is_saved_with_its_unit_raises_its_alert_and_keeps_its_history(net):
    saved = record(net, lab(LabTest.HAEMOGLOBIN, value=Decimal("9.8"), laboratory="AZ Delta"))
    assert saved.unit == "g/dL" and saved.result_display in ("9.8 g/dL", "9,8 g/dL")
    raised = Alert.objects.get()
    assert (raised.rule, raised.section, raised.severity) == (
        "lab_haemoglobin_low",
        Section.PRENATAL,
        "soon",
    )
    assert EntryChange.objects.filter(table_name="dossier_prenatallab", row_id=saved.pk).exists()
    # amended (with a reason): the same alert is not raised twice
    saved.value = Decimal("9.5")
    record(net, saved, reason="typing error")
    assert Alert.objects.count() == 1
    assert EntryChange.objects.filter(table_name="dossier_prenatallab").count() == 2


def test_an_amendment_says_why(net):
    saved = record(net, lab(LabTest.HIV, result="negative"))
    saved.result = LabResult.INDETERMINATE
    assert "change_reason" in errors_of(lambda: record(net, saved))


# --- the page and who may see it ------------------------------------------------------------


def test_the_page_shows_the_latest_result_of_each_test_and_the_reference(net, client):
    record(net, lab(LabTest.HBSAG, result="positive", taken_on=TODAY() - 20 * DAY))
    record(net, lab(LabTest.HBSAG, result="negative", taken_on=TODAY() - 2 * DAY))
    record(net, lab(LabTest.BLOOD_GROUP, abo="O", rhesus="negative"))
    sign_in(client, net.users["coordinator"])
    page = client.get(reverse("dossier:entries", args=[net.b.public_id, "labo"]))
    assert page.status_code == 200
    text = page.content.decode()
    panel = text[text.index('id="h-lab-panel"') : text.index("</dl>", text.index("h-lab"))]
    latest, older = (f"{TODAY() - n * DAY:%d-%m-%Y}" for n in (2, 20))
    assert 'data-lab="hbsag"' in panel and latest in panel and older not in panel
    assert "KCE Report 248" in text  # the reference table with its sources
    assert 'data-carried-item="rhesus" data-state="act"' in text


def test_the_overview_lists_the_labs_with_a_constant_number_of_queries(net, client):
    sign_in(client, net.users["coordinator"])
    url = reverse("dossier:detail", args=[net.b.public_id])
    record(net, lab(LabTest.HIV, result="negative"))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert reverse("dossier:entries", args=[net.b.public_id, "labo"]) in page.content.decode()
    for test, values in (
        (LabTest.HBSAG, {"result": "positive"}),
        (LabTest.GBS, {"result": "negative"}),
        (LabTest.BLOOD_GROUP, {"abo": "A", "rhesus": "negative"}),
        (LabTest.HAEMOGLOBIN, {"value": Decimal("12.1")}),
        (LabTest.SYPHILIS, {"result": "negative"}),
    ):
        record(net, lab(test, **values))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("persona", "status", "writes"),
    [
        ("coordinator", 200, True),
        ("gp", 200, True),
        ("paediatrician", 200, False),  # sees the pregnancy, does not write it
        ("assistant", 403, False),  # never the prenatal file
        ("outsider", 404, False),
    ],
)
def test_the_page_follows_the_prenatal_section(net, client, persona, status, writes):
    record(net, lab(LabTest.HBSAG, result="positive"), dossier=net.a)
    sign_in(client, net.users[persona])
    response = client.get(reverse("dossier:entries", args=[net.a.public_id, "labo"]))
    assert response.status_code == status
    if status == 200:
        assert (response.context["form"] is not None) == writes
    else:
        assert "HBsAg" not in response.content.decode()


def test_adding_a_result_through_the_page(net, client):
    sign_in(client, net.users["coordinator"])
    url = reverse("dossier:entries", args=[net.b.public_id, "labo"])
    refused = client.post(url, {"test": "haemoglobin", "taken_on": TODAY().isoformat()})
    assert refused.status_code == 200 and not PrenatalLab.objects.exists()
    assert "value" in refused.context["form"].errors
    response = client.post(
        url,
        {
            "test": "gbs",
            "taken_on": TODAY().isoformat(),
            "result": "positive",
            "source": "lab_report",
            "laboratory": "AML",
        },
    )
    assert response.status_code == 302
    assert PrenatalLab.objects.get().result == LabResult.POSITIVE
    assert Alert.objects.get().rule == "lab_gbs_positive"


# --- the API ---------------------------------------------------------------------------------


def api_url(dossier) -> str:
    return f"/api/dossiers/{dossier.public_id}/prenatal-labs/"


def test_the_api_adds_and_lists_results_with_their_unit_and_findings(net):
    client = token_client(net.users["coordinator"])
    response = client.post(
        api_url(net.b),
        {
            "test": "ogtt",
            "taken_on": TODAY().isoformat(),
            "value": "95.0",
            "value_1h": "170",
            "value_2h": "140",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["unit"] == "mg/dL" and data["abnormal"] is True
    assert [f["code"] for f in data["findings"]] == ["lab_ogtt_gestational_diabetes"]
    listing = client.get(api_url(net.b)).json()
    assert listing["count"] == 1 and listing["results"][0]["test"] == "ogtt"


def test_the_api_names_the_field_and_refuses_a_reader_without_the_pregnancy(net):
    coordinator = token_client(net.users["coordinator"])
    response = coordinator.post(
        api_url(net.b), {"test": "haemoglobin", "taken_on": TODAY().isoformat()}, format="json"
    )
    assert response.status_code == 400 and "value" in response.json()
    record(net, lab(LabTest.HIV, result="negative"), dossier=net.a)
    assistant = token_client(net.users["assistant"])
    assert assistant.get(api_url(net.a)).status_code == 403
    paediatrician = token_client(net.users["paediatrician"])
    assert paediatrician.get(api_url(net.a)).status_code == 200
    refused = paediatrician.post(
        api_url(net.a), {"test": "hiv", "taken_on": TODAY().isoformat(), "result": "negative"}
    )
    assert refused.status_code == 403 and PrenatalLab.objects.count() == 1
