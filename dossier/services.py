"""Every write to the record: ``<noun>_<verb>(*, actor, ...)``, one transaction each.

The services validate again (the API and the demo loader come here without a form), so a
bad value never reaches the database half-way: either everything in a call is saved, or
nothing is and a ValidationError says why."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dossier.models import Delivery, Dossier, DossierStatus, Mother, Newborn


@transaction.atomic
def dossier_open(*, actor: User, mother: Mother, dossier: Dossier) -> Dossier:
    """Open a pregnancy's record; the mother is saved with it (new) or updated (known)."""
    mother.full_clean()
    mother.save()
    dossier.mother = mother
    dossier.created_by = actor
    dossier.status = DossierStatus.PRENATAL
    dossier.full_clean()
    dossier.save()
    return dossier


@transaction.atomic
def mother_update(*, actor: User, mother: Mother) -> Mother:
    mother.full_clean()
    mother.save()
    return mother


@transaction.atomic
def dossier_update(*, actor: User, dossier: Dossier) -> Dossier:
    stored = Dossier.objects.select_for_update().get(pk=dossier.pk)
    stored.check_status_change(dossier.status)
    dossier.full_clean()
    dossier.save()
    return dossier


@transaction.atomic
def delivery_record(*, actor: User, delivery: Delivery) -> Delivery:
    """Record or correct the delivery; a first record moves the dossier to “delivered”."""
    dossier = Dossier.objects.select_for_update().get(pk=delivery.dossier_id)
    delivery.dossier = dossier
    delivery.full_clean()
    delivery.save()
    if dossier.status == DossierStatus.PRENATAL:
        dossier.status = DossierStatus.DELIVERED
        dossier.save(update_fields=["status", "updated_at"])
    return delivery


@transaction.atomic
def newborn_record(*, actor: User, newborn: Newborn) -> Newborn:
    # Lock the dossier so two people entering twins at once get birth orders in turn.
    Dossier.objects.select_for_update().get(pk=newborn.dossier_id)
    newborn.full_clean()
    try:
        with transaction.atomic():
            newborn.save()
    except IntegrityError as error:
        raise ValidationError(
            _("This newborn could not be saved because another user saved the same birth order "
              "or INSZ number just now. Reload the record and check the newborns.")
        ) from error
    return newborn
