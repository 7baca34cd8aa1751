"""Every write to the record: ``<noun>_<verb>(*, actor, ...)``, one transaction each.

Each service checks the actor's right on the section it writes (``network.access``), so the
pages and the API share one gate; it validates again (the API and the demo loader come here
without a form), and it logs the write in the access log inside the same transaction: either
everything in a call is saved and logged, or nothing is and an error says why."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dossier.history import attribute
from dossier.models import (
    Delivery,
    Dossier,
    DossierStatus,
    Measurement,
    Mother,
    Newborn,
    Screening,
)
from dossier.sections import Section
from network import access


@transaction.atomic
def dossier_open(*, actor: User, mother: Mother, dossier: Dossier) -> Dossier:
    """Open a pregnancy's record; the mother is saved with it (new) or updated (known).
    The opener becomes the care coordinator."""
    access.require_can_open(actor)
    attribute(actor)
    mother.full_clean()
    mother.save()
    dossier.mother = mother
    dossier.created_by = actor
    dossier.status = DossierStatus.PRENATAL
    dossier.full_clean()
    dossier.save()
    access.start_network(actor, dossier)
    for section in (Section.IDENTITY, Section.PRENATAL):
        access.record_write(actor, dossier, section, access.Action.CREATE)
    return dossier


@transaction.atomic
def mother_update(*, actor: User, dossier: Dossier, mother: Mother, reason: str = "") -> Mother:
    access.require_edit(actor, dossier, Section.IDENTITY)
    attribute(actor, reason)
    mother.full_clean()
    mother.save()
    access.record_write(actor, dossier, Section.IDENTITY)
    return mother


@transaction.atomic
def dossier_update(*, actor: User, dossier: Dossier, reason: str = "") -> Dossier:
    access.require_edit(actor, dossier, Section.PRENATAL)
    attribute(actor, reason)
    stored = Dossier.objects.select_for_update().get(pk=dossier.pk)
    stored.check_status_change(dossier.status)
    dossier.full_clean()
    dossier.save()
    access.record_write(actor, dossier, Section.PRENATAL)
    return dossier


@transaction.atomic
def delivery_record(*, actor: User, delivery: Delivery, reason: str = "") -> Delivery:
    """Record or correct the delivery; a first record moves the dossier to “delivered”."""
    dossier = Dossier.objects.select_for_update().get(pk=delivery.dossier_id)
    access.require_edit(actor, dossier, Section.DELIVERY)
    attribute(actor, reason)
    created = delivery.pk is None
    delivery.dossier = dossier
    delivery.full_clean()
    delivery.save()
    if dossier.status == DossierStatus.PRENATAL:
        dossier.status = DossierStatus.DELIVERED
        dossier.save(update_fields=["status", "updated_at"])
    access.record_write(actor, dossier, Section.DELIVERY,
                        access.Action.CREATE if created else access.Action.UPDATE)
    return delivery


@transaction.atomic
def newborn_record(*, actor: User, newborn: Newborn, reason: str = "") -> Newborn:
    # Lock the dossier so two people entering twins at once get birth orders in turn.
    dossier = Dossier.objects.select_for_update().get(pk=newborn.dossier_id)
    access.require_edit(actor, dossier, Section.NEWBORN)
    attribute(actor, reason)
    created = newborn.pk is None
    newborn.full_clean()
    try:
        with transaction.atomic():
            newborn.save()
    except IntegrityError as error:
        raise ValidationError(
            _("This newborn could not be saved because another user saved the same birth order "
              "or INSZ number just now. Reload the record and check the newborns.")
        ) from error
    access.record_write(actor, dossier, Section.NEWBORN,
                        access.Action.CREATE if created else access.Action.UPDATE)
    return newborn


def _newborn_entry_record(actor: User, entry, reason: str):
    """Save an entry of the newborn section (a weighing, a screening): the section's right,
    the author, validation, history and the access log, in one transaction."""
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=entry.newborn.dossier_id)
        access.require_edit(actor, dossier, Section.NEWBORN)
        attribute(actor, reason)
        created = entry.pk is None
        if created:
            entry.recorded_by = actor
        entry.full_clean()
        entry.save()
        access.record_write(actor, dossier, Section.NEWBORN,
                            access.Action.CREATE if created else access.Action.UPDATE)
    return entry


def measurement_record(*, actor: User, measurement: Measurement, reason: str = "") -> Measurement:
    """A weighing of the newborn (a point of the weight curve)."""
    return _newborn_entry_record(actor, measurement, reason)


def screening_record(*, actor: User, screening: Screening, reason: str = "") -> Screening:
    """A neonatal screening done, with its result (R23)."""
    return _newborn_entry_record(actor, screening, reason)
