"""The services keep transactions whole, also when two people write at once."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dossier import services
from dossier.models import Dossier, DossierStatus, Mother, Newborn
from tests.factories import DeliveryFactory, DossierFactory, MotherFactory, NewbornFactory


@pytest.mark.django_db
def test_dossier_open_saves_nothing_when_the_pregnancy_is_invalid(midwife):
    mother = MotherFactory.build()
    dossier = DossierFactory.build(mother=None, gravidity=1, parity=3)
    with pytest.raises(ValidationError):
        services.dossier_open(actor=midwife, mother=mother, dossier=dossier)
    assert Mother.objects.count() == 0 and Dossier.objects.count() == 0


@pytest.mark.django_db
def test_dossier_open_always_starts_prenatal(midwife):
    dossier = DossierFactory.build(mother=None, status=DossierStatus.CLOSED)
    services.dossier_open(actor=midwife, mother=MotherFactory.build(), dossier=dossier)
    assert Dossier.objects.get().status == DossierStatus.PRENATAL


@pytest.mark.django_db
def test_dossier_update_checks_the_stored_status_not_the_submitted_one(midwife):
    dossier = DeliveryFactory(
        dossier__status=DossierStatus.CLOSED, dossier__coordinator=midwife
    ).dossier
    dossier.status = DossierStatus.POSTNATAL
    with pytest.raises(ValidationError):
        services.dossier_update(actor=midwife, dossier=dossier)
    assert Dossier.objects.get().status == DossierStatus.CLOSED


@pytest.mark.django_db
def test_a_second_delivery_record_keeps_the_status(midwife):
    delivery = DeliveryFactory(
        dossier__status=DossierStatus.POSTNATAL, dossier__coordinator=midwife
    )
    delivery.blood_loss_ml = 800
    services.delivery_record(actor=midwife, delivery=delivery)
    assert Dossier.objects.get().status == DossierStatus.POSTNATAL


@pytest.mark.django_db
def test_services_validate_without_a_form(midwife):
    newborn = NewbornFactory.build(
        dossier=DeliveryFactory(dossier__coordinator=midwife).dossier, birth_weight_g=8000
    )
    with pytest.raises(ValidationError) as caught:
        services.newborn_record(actor=midwife, newborn=newborn)
    assert "birth_weight_g" in caught.value.message_dict
    assert Newborn.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_people_saving_the_same_twin_at_once_keep_one(midwife):
    """Two midwives enter "child 1" of twins at the same moment: one is saved, the other
    is told to reload; never two children with the same birth order."""
    dossier = DeliveryFactory(dossier__fetus_count=2, dossier__coordinator=midwife).dossier
    barrier = threading.Barrier(2)
    outcomes = []

    def enter(weight):
        try:
            barrier.wait(timeout=5)
            services.newborn_record(
                actor=midwife,
                newborn=NewbornFactory.build(
                    dossier=Dossier.objects.get(pk=dossier.pk), birth_order=1, birth_weight_g=weight
                ),
            )
            outcomes.append("saved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=enter, args=(w,)) for w in (2500, 2600)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["refused", "saved"]
    assert Newborn.objects.filter(dossier=dossier, birth_order=1).count() == 1


@pytest.mark.django_db
def test_length_of_stay():
    delivery = DeliveryFactory()
    delivery.discharged_at = delivery.admitted_at + datetime.timedelta(hours=50, minutes=20)
    assert delivery.stay_hours == 50
