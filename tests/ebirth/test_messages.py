"""Every field of the two messages comes from the record, every message passes the
published schema, the CSV has a column per field, and the completeness rules hold back
exactly the births that lack something."""

import datetime

import pytest
from lxml import etree

from dossier.models import (
    Anomaly,
    Conception,
    DeliveryMode,
    NewbornStatus,
    PlaceOfBirth,
    Presentation,
    Sex,
    VitalStatus,
)
from dossier.sections import Section
from ebirth import completeness, content, formats
from ebirth.births import as_births, births
from ebirth.models import MessageKind
from tests.ebirth.conftest import BORN, complete_birth

pytestmark = pytest.mark.django_db


def birth_of(newborn):
    (birth,) = as_births(births().filter(id=newborn.id))
    return birth


def message(kind, birth, revision=0, corrects=None):
    body = content.BUILDERS[kind](birth)
    key = content.message_key(birth.newborn_public_id, kind, revision)
    return formats.Message(kind, content.message_id(key), revision, corrects, body)


@pytest.fixture
def second_twin():
    """The second of IVF twins, breech, induced, with an epidural, emergency caesarean,
    an anomaly and a neonatal admission; the mother 34 at the birth, in Antwerp."""
    _first, second = complete_birth(
        fetuses=2,
        delivery={
            "mode": DeliveryMode.EMERGENCY_CAESAREAN,
            "presentation": Presentation.BREECH,
            "induction": True,
            "epidural": True,
            "episiotomy": False,
            "gestational_weeks": 35,
            "gestational_days": 2,
            "maternity_ward": "ZNA Middelheim",
        },
        dossier={"conception": Conception.IVF_ICSI, "parity": 1, "gravidity": 2},
        mother={
            "given_name": "Sofie",
            "family_name": "Peeters",
            "postcode": "2000",
            "municipality": "Antwerpen",
            "province": "VAN",
            "date_of_birth": datetime.date(1991, 6, 2),
            "insz": "91060200248",
        },
        newborn={
            "sex": Sex.MALE,
            "birth_weight_g": 2150,
            "apgar_1": 6,
            "apgar_5": 8,
            "congenital_anomaly": Anomaly.PRESENT,
            "anomaly_description": "Cleft lip",
            "neonatal_admission": True,
        },
    )
    return second


def test_the_birth_notification_maps_every_field(second_twin):
    birth = birth_of(second_twin)
    assert content.notification(birth) == {
        "birthReference": str(second_twin.public_id),
        "mother": {
            "insz": "91060200248",
            "givenName": "Sofie",
            "familyName": "Peeters",
            "dateOfBirth": "1991-06-02",
            "address": {"street": "Veldstraat 12", "postcode": "2000", "municipality": "Antwerpen"},
        },
        "child": {
            "sex": "M",
            "vitalStatus": "live",
            "multipleBirth": True,
            "numberOfChildren": 2,
            "birthOrder": 2,
        },
        "birth": {
            "dateTime": "2026-03-10T14:25:00+01:00",
            "placeType": "hospital",
            "facility": "ZNA Middelheim",
        },
    }


def test_the_statistical_form_maps_every_field_and_names_no_one(second_twin):
    birth = birth_of(second_twin)
    form = content.statistical_form(birth)
    assert form == {
        "birthReference": str(second_twin.public_id),
        "mother": {"ageYears": 34, "parity": 1, "province": "VAN"},
        "pregnancy": {
            "conception": "ivf_icsi",
            "multiple": True,
            "numberOfFetuses": 2,
            "gestationalWeeks": 35,
            "gestationalDays": 2,
        },
        "labour": {
            "presentation": "breech",
            "induction": True,
            "epidural": True,
            "mode": "emergency_caesarean",
            "episiotomy": False,
        },
        "child": {
            "birthOrder": 2,
            "sex": "M",
            "birthWeightGrams": 2150,
            "apgar1": 6,
            "apgar5": 8,
            "congenitalAnomaly": True,
            "anomalyDescription": "Cleft lip",
            "neonatalAdmission": True,
            "perinatalDeath": "none",
        },
        "birth": {"date": "2026-03-10", "placeType": "hospital"},
    }
    flat = str(form)
    assert "Peeters" not in flat and "91060200248" not in flat and "Veldstraat" not in flat


def test_maternal_age_counts_completed_years_on_the_day_of_birth():
    (day_before,) = complete_birth(mother={"date_of_birth": datetime.date(1996, 3, 11)})
    (on_the_day,) = complete_birth(mother={"date_of_birth": datetime.date(1996, 3, 10)})
    assert birth_of(day_before).maternal_age() == 29
    assert birth_of(on_the_day).maternal_age() == 30


def test_a_stillbirth_and_a_neonatal_death():
    (stillborn,) = complete_birth(
        newborn={
            "vital_status": VitalStatus.STILLBIRTH,
            "apgar_1": None,
            "apgar_5": None,
            "neonatal_admission": None,
        },
        delivery={"place": PlaceOfBirth.HOME, "maternity_ward": ""},
    )
    (died,) = complete_birth(newborn={"status": NewbornStatus.DECEASED})
    still = birth_of(stillborn)
    assert completeness.problems(still) == []
    form = content.statistical_form(still)
    assert form["child"]["perinatalDeath"] == "stillbirth"
    assert "apgar1" not in form["child"] and form["child"]["neonatalAdmission"] is False
    notification = content.notification(still)
    assert notification["child"]["vitalStatus"] == "stillbirth"
    assert notification["birth"] == {"dateTime": "2026-03-10T14:25:00+01:00", "placeType": "home"}
    assert content.statistical_form(birth_of(died))["child"]["perinatalDeath"] == "neonatal"


@pytest.mark.parametrize("kind", MessageKind.values)
def test_every_message_passes_the_schema_and_a_wrong_one_does_not(second_twin, kind):
    birth = birth_of(second_twin)
    original = message(kind, birth)
    formats.xml_message(original)
    correction = message(kind, birth, revision=1, corrects=original.message_id)
    node = formats.xml_message(correction)
    assert node.get("corrects") == str(original.message_id) and node.get("revision") == "1"
    broken = formats.Message(
        kind, original.message_id, 0, None, {**original.content, "birthReference": "not-a-uuid"}
    )
    with pytest.raises(formats.InvalidMessage, match="birthReference"):
        formats.xml_message(broken)


def test_a_message_missing_a_required_field_fails_the_schema(second_twin):
    birth = birth_of(second_twin)
    body = content.notification(birth)
    del body["mother"]["insz"]
    with pytest.raises(formats.InvalidMessage):
        formats.xml_message(
            formats.Message(MessageKind.NOTIFICATION, content.message_id("x"), 0, None, body)
        )


def test_the_schema_file_is_a_valid_xml_schema():
    document = etree.parse(str(formats.SCHEMA_PATH))
    assert etree.XMLSchema(document) is not None
    assert document.getroot().get("targetNamespace") == formats.NAMESPACE


@pytest.mark.parametrize("kind", MessageKind.values)
def test_the_csv_has_a_column_for_every_field_in_the_schemas_order(second_twin, kind):
    birth = birth_of(second_twin)
    columns = formats.csv_columns(kind)
    sent = message(kind, birth)
    row = dict(zip(columns, formats.csv_row(sent, columns), strict=True))
    leaves = formats._flatten(sent.content)
    assert set(leaves) <= set(columns)
    assert {column: row[column] for column in leaves} == leaves
    assert row["messageId"] == str(sent.message_id) and row["corrects"] == ""
    assert columns[:3] == ["messageId", "revision", "corrects"]


def test_a_complete_birth_has_no_problem(second_twin):
    assert completeness.problems(birth_of(second_twin)) == []


def fields_of(newborn):
    return {(p.kind, str(p.field), p.section) for p in completeness.problems(birth_of(newborn))}


def test_missing_fields_are_named_with_the_section_that_holds_them():
    (newborn,) = complete_birth(
        mother={"insz": "", "street_address": ""},
        dossier={"conception": ""},
        newborn={"congenital_anomaly": "", "neonatal_admission": None, "apgar_5": None},
    )
    assert fields_of(newborn) == {
        ("missing", "INSZ number", Section.IDENTITY),
        ("missing", "street and number", Section.IDENTITY),
        ("missing", "mode of conception", Section.PRENATAL),
        ("missing", "congenital anomalies", Section.NEWBORN),
        ("missing", "admitted to a neonatal unit (N*/NICU)", Section.NEWBORN),
        ("missing", "Apgar at 5 minutes", Section.NEWBORN),
    }


def test_contradictions_are_named():
    (stillborn,) = complete_birth(
        newborn={
            "vital_status": VitalStatus.STILLBIRTH,
            "apgar_1": None,
            "apgar_5": None,
            "neonatal_admission": None,
        }
    )
    type(stillborn).objects.filter(pk=stillborn.pk).update(apgar_5=3, neonatal_admission=True)
    first, _second = complete_birth(fetuses=2)
    _second.delete()
    (young,) = complete_birth(mother={"date_of_birth": datetime.date(2019, 1, 1), "insz": ""})
    assert {f for f in fields_of(stillborn) if f[0] == "inconsistent"} == {
        ("inconsistent", "Apgar at 5 minutes", Section.NEWBORN),
        ("inconsistent", "admitted to a neonatal unit (N*/NICU)", Section.NEWBORN),
    }
    assert fields_of(first) == {("inconsistent", "number of fetuses", Section.PRENATAL)}
    assert ("inconsistent", "date of birth", Section.IDENTITY) in fields_of(young)


def test_an_anomaly_needs_its_description():
    (newborn,) = complete_birth()
    type(newborn).objects.filter(pk=newborn.pk).update(congenital_anomaly=Anomaly.PRESENT)
    assert fields_of(newborn) == {("missing", "which anomalies", Section.NEWBORN)}


def test_a_loss_before_22_weeks_and_under_500_grams_is_not_a_birth_to_register():
    (loss,) = complete_birth(delivery={"gestational_weeks": 20}, newborn={"birth_weight_g": 380})
    (small_but_late,) = complete_birth(
        delivery={"gestational_weeks": 23}, newborn={"birth_weight_g": 480}
    )
    registrable = set(births().values_list("newborn_id", flat=True))
    assert loss.id not in registrable and small_but_late.id in registrable


def test_the_deadline_is_24_hours_after_the_birth(second_twin):
    assert birth_of(second_twin).notification_due == BORN + datetime.timedelta(hours=24)
