"""Bulk-built records for the benchmarks: realistic shapes, written with bulk_create (the
services validate one record at a time, which is not what is being measured)."""

import datetime
import random

from django.contrib.auth.models import User
from django.utils import timezone

from dossier.geography import POSTCODE_RANGES
from dossier.insz import build_insz
from dossier.models import Delivery, DeliveryMode, Dossier, DossierStatus, Mother, Newborn
from network.models import Profession, Professional

SURNAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
            "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Simon"]
GIVEN = ["An", "Sofie", "Lotte", "Marie", "Julie", "Emma", "Fatima", "Sarah", "Elise", "Laura"]


def build_records(count: int, seed: int = 20261123):
    rng = random.Random(seed)
    today = timezone.localdate()
    user = User.objects.create_user("bench-midwife", password="bench-password-123")
    Professional.objects.create(user=user, profession=Profession.MIDWIFE)
    mothers = []
    for index in range(count):
        born = datetime.date(1980, 1, 1) + datetime.timedelta(days=index % 7000)
        first, last, province = rng.choice(POSTCODE_RANGES)
        mothers.append(Mother(
            insz=build_insz(born, 2 + 2 * (index // 7000)), given_name=rng.choice(GIVEN),
            family_name=rng.choice(SURNAMES), date_of_birth=born,
            postcode=str(rng.randint(first, last)), municipality="Gemeente", province=province))
    Mother.objects.bulk_create(mothers, batch_size=2000)
    dossiers = []
    for mother in mothers:
        lmp = today - datetime.timedelta(days=rng.randint(30, 330))
        delivered = (today - lmp).days > 285
        dossiers.append(Dossier(
            mother=mother, last_menstrual_period=lmp,
            expected_due_date=lmp + datetime.timedelta(days=280),
            status=DossierStatus.POSTNATAL if delivered else DossierStatus.PRENATAL))
    Dossier.objects.bulk_create(dossiers, batch_size=2000)
    deliveries, newborns = [], []
    for dossier in dossiers:
        if dossier.status != DossierStatus.POSTNATAL:
            continue
        born_at = timezone.make_aware(datetime.datetime.combine(
            dossier.last_menstrual_period + datetime.timedelta(days=278), datetime.time(6)))
        deliveries.append(Delivery(
            dossier=dossier, born_at=born_at, maternity_ward="AZ Bench", gestational_weeks=39,
            gestational_days=5, mode=DeliveryMode.SPONTANEOUS,
            admitted_at=born_at - datetime.timedelta(hours=6),
            discharged_at=born_at + datetime.timedelta(hours=rng.choice([50, 72, 96]))))
        newborns.append(Newborn(dossier=dossier, sex=rng.choice("FM"),
                                birth_weight_g=rng.randint(2500, 4300), apgar_1=9, apgar_5=10))
    Delivery.objects.bulk_create(deliveries, batch_size=2000)
    Newborn.objects.bulk_create(newborns, batch_size=2000)
    return user, deliveries[0].dossier
