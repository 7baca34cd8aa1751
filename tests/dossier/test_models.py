"""Every rule on the record: the message a person sees (Dutch, naming the field and what is
allowed) and, for what must never be stored, the database constraint behind it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dossier.models import (
    Delivery,
    Dossier,
    DossierStatus,
    Mother,
    Newborn,
    NewbornStatus,
    VitalStatus,
)
from tests.factories import DeliveryFactory, DossierFactory, MotherFactory, NewbornFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def violates_constraint(instance, name: str) -> None:
    """Saving without validation must still be refused by PostgreSQL, by this constraint."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        instance.save()
    assert name in str(caught.value)


# --- Mother ---------------------------------------------------------------------------


def test_a_valid_mother_passes():
    MotherFactory.build().full_clean()


def test_mother_insz_must_be_a_real_number():
    mother = MotherFactory.build(insz="85073003329")
    assert "controlecijfers" in errors_of(mother)["insz"][0]


def test_mother_insz_must_match_her_date_of_birth():
    mother = MotherFactory.build()
    mother.date_of_birth += datetime.timedelta(days=1)
    assert "INSZ" in errors_of(mother)["insz"][0]


def test_two_mothers_never_share_an_insz():
    first = MotherFactory()
    second = MotherFactory.build(insz=first.insz, date_of_birth=first.date_of_birth)
    assert "geregistreerd" in " ".join(errors_of(second)["__all__"])
    violates_constraint(second, "mother_insz_unique")


def test_mothers_without_insz_may_be_several():
    MotherFactory(insz="")
    MotherFactory(insz="")
    assert Mother.objects.filter(insz="").count() == 2


def test_stored_insz_is_eleven_digits():
    violates_constraint(MotherFactory.build(insz="8507300332X"), "mother_insz_digits")
    violates_constraint(MotherFactory.build(province=""), "mother_province_known")


def test_mother_date_of_birth_cannot_be_in_the_future():
    mother = MotherFactory.build(insz="", date_of_birth=TODAY + datetime.timedelta(days=1))
    message = errors_of(mother)["date_of_birth"][0]
    assert "Geboortedatum" in message and "toekomst" in message


def test_mother_date_of_birth_must_be_plausible():
    mother = MotherFactory.build(insz="", date_of_birth=datetime.date(1899, 5, 1))
    assert "1930" in errors_of(mother)["date_of_birth"][0]


def test_province_follows_from_the_postcode():
    mother = MotherFactory.build(postcode="3500", municipality="Hasselt", province="")
    mother.full_clean()
    assert mother.province == "VLI"


def test_province_may_not_contradict_the_postcode():
    mother = MotherFactory.build(postcode="3500", municipality="Hasselt", province="VOV")
    message = errors_of(mother)["province"][0]
    assert "3500" in message and "Limburg" in message


def test_postcode_must_be_belgian():
    assert "1000" in errors_of(MotherFactory.build(postcode="0999"))["postcode"][0]


def test_phone_number_format():
    assert "Telefoon" in errors_of(MotherFactory.build(phone="bel me"))["phone"][0]
    MotherFactory.build(phone="+32 470 12 34 56").full_clean()


# --- Dossier --------------------------------------------------------------------------


def test_due_date_is_computed_from_the_last_period():
    lmp = TODAY - datetime.timedelta(weeks=10)
    dossier = DossierFactory.build(last_menstrual_period=lmp, expected_due_date=None)
    dossier.full_clean(exclude=["mother"])
    assert dossier.expected_due_date == lmp + datetime.timedelta(days=280)


def test_due_date_at_most_44_weeks_after_the_last_period():
    lmp = TODAY - datetime.timedelta(weeks=4)
    DossierFactory.build(
        last_menstrual_period=lmp, expected_due_date=lmp + datetime.timedelta(weeks=44)
    ).full_clean(exclude=["mother"])
    late = DossierFactory(last_menstrual_period=lmp)
    late.expected_due_date = lmp + datetime.timedelta(weeks=44, days=1)
    message = errors_of(late)["expected_due_date"][0]
    assert "44 weken" in message and "Uitgerekende datum" in message
    violates_constraint(late, "dossier_due_date_within_44_weeks")


def test_due_date_after_the_last_period():
    dossier = DossierFactory()
    dossier.expected_due_date = dossier.last_menstrual_period
    assert "expected_due_date" in errors_of(dossier)
    violates_constraint(dossier, "dossier_due_date_within_44_weeks")


def test_a_due_date_without_last_period_is_enough():
    DossierFactory(last_menstrual_period=None, expected_due_date=TODAY).full_clean()


def test_a_dossier_needs_a_due_date_or_a_last_period():
    dossier = DossierFactory.build(last_menstrual_period=None, expected_due_date=None)
    assert "expected_due_date" in errors_of(dossier)


def test_last_period_cannot_be_in_the_future():
    dossier = DossierFactory.build(last_menstrual_period=TODAY + datetime.timedelta(days=2))
    assert "toekomst" in errors_of(dossier)["last_menstrual_period"][0]


def test_parity_below_gravidity():
    dossier = DossierFactory(gravidity=2)
    dossier.parity = 2
    assert "pariteit" in errors_of(dossier)["parity"][0].lower()
    violates_constraint(dossier, "dossier_parity_below_gravidity")


def test_number_of_fetuses_within_bounds():
    dossier = DossierFactory()
    dossier.fetus_count = 7
    message = errors_of(dossier)["fetus_count"][0]
    assert "Aantal foetussen" in message and "1 en 6" in message
    violates_constraint(dossier, "dossier_fetus_count_bounds")


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (DossierStatus.PRENATAL, DossierStatus.CLOSED, True),
        (DossierStatus.DELIVERED, DossierStatus.POSTNATAL, True),
        (DossierStatus.POSTNATAL, DossierStatus.PRENATAL, False),
        (DossierStatus.CLOSED, DossierStatus.POSTNATAL, False),
        (DossierStatus.DELIVERED, DossierStatus.PRENATAL, False),
    ],
)
def test_status_only_moves_forward(old, new, allowed):
    dossier = DeliveryFactory().dossier
    dossier.status = old
    if allowed:
        dossier.check_status_change(new)
    else:
        with pytest.raises(ValidationError):
            dossier.check_status_change(new)


def test_delivered_needs_a_delivery():
    dossier = DossierFactory()
    with pytest.raises(ValidationError) as caught:
        dossier.check_status_change(DossierStatus.DELIVERED)
    assert "bevalling" in caught.value.messages[0]


def test_unknown_status_is_never_stored():
    dossier = DossierFactory()
    dossier.status = "lost"
    violates_constraint(dossier, "dossier_status_known")


# --- Delivery -------------------------------------------------------------------------


def test_discharge_after_admission():
    delivery = DeliveryFactory()
    delivery.discharged_at = delivery.admitted_at - datetime.timedelta(minutes=1)
    message = errors_of(delivery)["discharged_at"][0]
    assert "ontslag" in message.lower() and "opname" in message.lower()
    violates_constraint(delivery, "delivery_discharge_after_admission")


def test_discharge_not_before_the_birth():
    delivery = DeliveryFactory(admitted_at=None)
    delivery.discharged_at = delivery.born_at - datetime.timedelta(hours=1)
    assert "geboorte" in errors_of(delivery)["discharged_at"][0]
    violates_constraint(delivery, "delivery_discharge_after_birth")


@pytest.mark.parametrize("field", ["born_at", "admitted_at", "discharged_at"])
def test_delivery_moments_cannot_be_in_the_future(field):
    delivery = DeliveryFactory()
    setattr(delivery, field, timezone.now() + datetime.timedelta(hours=2))
    assert "toekomst" in errors_of(delivery)[field][0]


def test_a_birth_within_the_clock_tolerance_is_accepted():
    delivery = DeliveryFactory(admitted_at=None)
    delivery.born_at = timezone.now() + datetime.timedelta(minutes=5)
    delivery.full_clean()


def test_gestational_age_within_bounds():
    delivery = DeliveryFactory()
    delivery.gestational_weeks, delivery.gestational_days = 45, 7
    errors = errors_of(delivery)
    assert "16 en 44" in errors["gestational_weeks"][0]
    assert "0 en 6" in errors["gestational_days"][0]
    violates_constraint(delivery, "delivery_gestational_days_bounds")
    delivery.gestational_days = 6
    violates_constraint(delivery, "delivery_gestational_weeks_bounds")


def test_blood_loss_within_bounds():
    delivery = DeliveryFactory()
    delivery.blood_loss_ml = 12000
    assert "10.000" in errors_of(delivery)["blood_loss_ml"][0]
    violates_constraint(delivery, "delivery_blood_loss_ml_bounds")


def test_hospital_birth_names_the_ward():
    delivery = DeliveryFactory()
    delivery.maternity_ward = ""
    assert "maternity_ward" in errors_of(delivery)


def test_birth_after_last_period():
    delivery = DeliveryFactory()
    delivery.born_at = timezone.make_aware(
        datetime.datetime.combine(delivery.dossier.last_menstrual_period, datetime.time(12))
    )
    delivery.admitted_at = None
    assert "born_at" in errors_of(delivery)


def test_one_delivery_per_dossier():
    delivery = DeliveryFactory()
    second = DeliveryFactory.build(dossier=delivery.dossier)
    violates_constraint(second, "dossier_id")


# --- Newborn --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "valid"), [(299, False), (300, True), (7000, True), (7001, False)]
)
def test_birth_weight_between_300_and_7000_grams(weight, valid):
    newborn = NewbornFactory()
    newborn.birth_weight_g = weight
    if valid:
        newborn.full_clean()
        return
    message = errors_of(newborn)["birth_weight_g"][0]
    assert "Geboortegewicht" in message and "300 en 7.000 g" in message
    violates_constraint(newborn, "newborn_birth_weight_g_bounds")


@pytest.mark.parametrize("field", ["apgar_1", "apgar_5"])
def test_apgar_between_0_and_10(field):
    newborn = NewbornFactory()
    setattr(newborn, field, 11)
    message = errors_of(newborn)[field][0]
    assert "Apgar" in message and "0 en 10" in message
    violates_constraint(newborn, f"newborn_{field}_bounds")


def test_length_and_head_circumference_within_bounds():
    newborn = NewbornFactory()
    newborn.length_cm, newborn.head_circumference_cm = Decimal("80.0"), Decimal("10.0")
    errors = errors_of(newborn)
    assert set(errors) == {"length_cm", "head_circumference_cm"}


def test_live_birth_needs_apgar_scores():
    newborn = NewbornFactory.build(dossier=DeliveryFactory().dossier, apgar_1=None)
    assert "levend" in errors_of(newborn)["apgar_1"][0]


def test_stillbirth_needs_no_apgar_and_is_recorded_as_deceased():
    newborn = NewbornFactory.build(
        dossier=DeliveryFactory().dossier,
        apgar_1=None,
        apgar_5=None,
        vital_status=VitalStatus.STILLBIRTH,
    )
    newborn.full_clean()
    assert newborn.status == NewbornStatus.DECEASED


def test_a_newborn_without_a_dossier_is_never_stored():
    newborn = NewbornFactory.build(dossier=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Newborn.objects.bulk_create([newborn])


def test_a_newborn_needs_a_recorded_delivery():
    newborn = NewbornFactory.build(dossier=DossierFactory())
    assert "bevalling" in errors_of(newborn)["__all__"][0]


def test_birth_order_cannot_exceed_the_number_of_fetuses():
    newborn = NewbornFactory.build(dossier=DeliveryFactory().dossier, birth_order=2)
    message = errors_of(newborn)["birth_order"][0]
    assert "Geboorterang 2" in message


def test_twins_have_distinct_birth_orders():
    dossier = DeliveryFactory(dossier__fetus_count=2).dossier
    NewbornFactory(dossier=dossier, birth_order=1)
    twin = NewbornFactory.build(dossier=dossier, birth_order=1)
    assert "geboorterang" in " ".join(errors_of(twin)["__all__"]).lower()
    violates_constraint(twin, "newborn_birth_order_unique")
    NewbornFactory(dossier=dossier, birth_order=2).full_clean()


def test_newborn_insz_matches_the_day_of_birth():
    from dossier.insz import build_insz

    newborn = NewbornFactory()
    born = timezone.localtime(newborn.dossier.delivery.born_at).date()
    newborn.insz = build_insz(born, 2)
    newborn.full_clean()
    newborn.insz = build_insz(born - datetime.timedelta(days=3), 2)
    assert "insz" in errors_of(newborn)


def test_models_have_public_uuids_and_timestamps():
    newborn = NewbornFactory()
    for record in (newborn, newborn.dossier, newborn.dossier.mother, newborn.dossier.delivery):
        assert record.public_id and record.created_at and record.updated_at
    assert Dossier.objects.get(public_id=newborn.dossier.public_id) == newborn.dossier
    assert isinstance(Delivery.objects.first().length_of_stay, type(None) | datetime.timedelta)


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_a_rows_labels_are_what_get_display_gives_in_every_language(language):
    """``province_label``, ``status_label`` and an alert's ``severity_label`` (the lists'
    rows) equal Django's ``get_<field>_display()`` for every choice, and for a value that
    is none of them."""
    from django.utils import translation

    from dossier.alerts import Severity
    from dossier.geography import Province
    from dossier.models import Alert, DossierStatus, Mother
    from dossier.models import Dossier as Record

    with translation.override(language):
        for value in [*Province.values, "", "XXX"]:
            mother = Mother(province=value)
            assert mother.province_label == mother.get_province_display()
        for value in [*DossierStatus.values, "unknown"]:
            record = Record(status=value)
            assert record.status_label == record.get_status_display()
        for value in [*Severity.values, "unknown"]:
            alert = Alert(severity=value)
            assert alert.severity_label == alert.get_severity_display()
