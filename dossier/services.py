"""Every write to the record: ``<noun>_<verb>(*, actor, ...)``, one transaction each.

Each service checks the actor's right on the section it writes (``network.access``), so the
pages and the API share one gate; it validates again (the API and the demo loader come here
without a form), and it logs the write in the access log inside the same transaction: either
everything in a call is saved and logged, or nothing is and an error says why."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier import alerts, screenings, signals
from dossier.history import attribute
from dossier.models import (
    Alert,
    BabyCheck,
    ClinicalEntry,
    Comment,
    Delivery,
    DischargeChecklist,
    Dossier,
    DossierStatus,
    HomeVisit,
    Measurement,
    MeasurementSource,
    Mother,
    Newborn,
    NewbornStatus,
    Screening,
    SelfMonitoring,
    VitalStatus,
    lock_dossier,
)
from dossier.sections import Section
from dossier.selfcare import SelfKind
from network import access

# What ``_save_entry`` saves: a clinical entry of any kind, or a newborn's weighing or
# screening (each with its author, ``recorded_by``).
_Entry = TypeVar("_Entry", bound=ClinicalEntry | Measurement | Screening)
_NewbornEntry = TypeVar("_NewbornEntry", bound=Measurement | Screening)
_AnyClinicalEntry = TypeVar("_AnyClinicalEntry", bound=ClinicalEntry)


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


# The advisory lock that serialises opening records for one INSZ (with hashtext(insz)): two
# requests typing the same new number at once, the second finds the first's mother.
_INSZ_LOCK = 0x494E535A  # "INSZ"


@transaction.atomic
def dossier_open_or_join(
    *, actor: User, mother: Mother, dossier: Dossier
) -> tuple[Dossier | None, bool]:
    """The "new record" page: open a record for a mother typed in anew. Returns the record
    and whether it is new.

    Her INSZ already registered must not change the answer (issue 13: that she is a
    registered mother is itself health data). Nothing of hers is compared or changed, no
    record is opened: when the actor already sees one of her records, that record is
    returned (not new); otherwise ``signals.known_mother_opening`` turns the attempt into a
    request to join her record (``network.joins``: logged on it, her coordinator and she are
    told) and ``(None, False)`` is returned."""
    access.require_can_open(actor)
    if mother.insz:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::int, hashtext(%s))", [_INSZ_LOCK, mother.insz]
            )
        known = Mother.objects.filter(insz=mother.insz).first()
        if known is not None:
            seen = (
                access.visible_dossiers(actor)
                .filter(mother=known)
                .order_by("-created_at", "-pk")
                .first()
            )
            if seen is None:
                signals.known_mother_opening.send(sender=Mother, mother=known, actor=actor)
            return seen, False
    return dossier_open(actor=actor, mother=mother, dossier=dossier), True


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
    stored = lock_dossier(dossier.pk)
    stored.check_status_change(dossier.status)
    if dossier.status == DossierStatus.CLOSED and stored.status != DossierStatus.CLOSED:
        _check_closure(actor, dossier)
    dossier.full_clean()
    dossier.save()
    if dossier.status == DossierStatus.CLOSED and stored.status != DossierStatus.CLOSED:
        access.recompute_permissions(dossier)  # closed: it leaves the current lists
        from dossier import closure_services  # the hand-over, to whoever the mother agreed to

        closure_services.on_closed(actor=actor, dossier=dossier)
    access.record_write(actor, dossier, Section.PRENATAL)
    return dossier


def open_care(dossier: Dossier) -> list[str]:
    """What is still open in the record's follow-up (R23, R42): each live newborn's
    screenings not done (a referral counts as done, a baby in neonatal care follows the
    unit's procedure), and what the other parts of the care report (``signals.closing``:
    the care plan's physician consultation and 6-week check)."""
    items = []
    if getattr(dossier, "delivery", None) is not None:
        for newborn in dossier.newborns.filter(vital_status=VitalStatus.LIVE_BIRTH).exclude(
            status=NewbornStatus.DECEASED
        ):
            for state in screenings.states_of(newborn):
                if state.status in {
                    screenings.Status.DUE,
                    screenings.Status.OVERDUE,
                    screenings.Status.NOT_YET,
                }:
                    items.append(f"{newborn}: {state.kind.label}")
    for _receiver, answer in signals.closing.send(sender=Dossier, dossier=dossier):
        items.extend(answer or [])
    return items


def _check_closure(actor: User, dossier: Dossier) -> None:
    """A record is not closed while care is open, unless the care coordinator says why."""
    still_open = open_care(dossier)
    if not still_open:
        return
    if not dossier.closure_reason.strip():
        raise ValidationError(
            {
                "closure_reason": ValidationError(
                    _(
                        "Still open: %(items)s. Finish it first, or say here why the record is "
                        "closed "
                        "anyway (the care coordinator)."
                    )
                    % {"items": "; ".join(still_open)},
                    code="care_open",
                )
            }
        )
    if not access.is_coordinator(actor, dossier):
        raise ValidationError(
            {
                "closure_reason": ValidationError(
                    _(
                        "Only the care coordinator closes a record while care is still open "
                        "(%(items)s)."
                    )
                    % {"items": "; ".join(still_open)},
                    code="coordinator_only",
                )
            }
        )


@transaction.atomic
def delivery_record(*, actor: User, delivery: Delivery, reason: str = "") -> Delivery:
    """Record or correct the delivery; a first record moves the dossier to “delivered”."""
    dossier = lock_dossier(delivery.dossier_id)
    access.require_edit(actor, dossier, Section.DELIVERY)
    attribute(actor, reason)
    created = delivery.pk is None
    delivery.dossier = dossier
    delivery.full_clean()
    delivery.save()
    if dossier.status == DossierStatus.PRENATAL:
        dossier.status = DossierStatus.DELIVERED
        dossier.save(update_fields=["status", "updated_at"])
    access.record_write(
        actor, dossier, Section.DELIVERY, access.Action.CREATE if created else access.Action.UPDATE
    )
    return delivery


@transaction.atomic
def newborn_record(*, actor: User, newborn: Newborn, reason: str = "") -> Newborn:
    # Lock the dossier so two people entering twins at once get birth orders in turn.
    dossier = lock_dossier(newborn.dossier_id)
    access.require_edit(actor, dossier, Section.NEWBORN)
    attribute(actor, reason)
    created = newborn.pk is None
    newborn.full_clean()
    try:
        with transaction.atomic():
            newborn.save()
    except IntegrityError as error:
        raise ValidationError(
            _(
                "This newborn could not be saved because another user saved the same birth order "
                "or INSZ number just now. Reload the record and check the newborns."
            )
        ) from error
    access.record_write(
        actor, dossier, Section.NEWBORN, access.Action.CREATE if created else access.Action.UPDATE
    )
    return newborn


def _save_entry(actor: User, dossier: Dossier, section: str, entry: _Entry, reason: str) -> _Entry:
    """The common tail of every entry write, after the access check and inside its
    transaction: author, validation, history attribution, save and the access log. A
    uniqueness race (two people creating the one checklist at once) becomes a message."""
    created = entry.pk is None
    if not created and getattr(entry, "AMEND_NEEDS_REASON", False) and not reason.strip():
        raise ValidationError(
            {
                "change_reason": _(
                    "Say why you change this entry; the reason is kept in its history."
                )
            },
            code="reason_required",
        )
    attribute(actor, reason)
    if created:
        entry.recorded_by = actor
    entry.full_clean()
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:
        raise ValidationError(
            _(
                "Someone else saved this entry just now. Reload the page and check it before "
                "saving again."
            )
        ) from error
    access.record_write(
        actor, dossier, section, access.Action.CREATE if created else access.Action.UPDATE
    )
    alerts.evaluate(entry, actor, new=created)  # R42: in this transaction: a failed save
    # raises none
    return entry


def _newborn_entry_record(actor: User, entry: _NewbornEntry, reason: str) -> _NewbornEntry:
    """Save an entry of the newborn section (a weighing, a screening): the section's right,
    the author, validation, history and the access log, in one transaction."""
    with transaction.atomic():
        dossier = lock_dossier(entry.newborn.dossier_id)
        access.require_edit(actor, dossier, Section.NEWBORN)
        return _save_entry(actor, dossier, Section.NEWBORN, entry, reason)


def measurement_record(*, actor: User, measurement: Measurement, reason: str = "") -> Measurement:
    """A weighing of the newborn (a point of the weight curve)."""
    return _newborn_entry_record(actor, measurement, reason)


def screening_record(*, actor: User, screening: Screening, reason: str = "") -> Screening:
    """A neonatal screening done, with its result (R23)."""
    return _newborn_entry_record(actor, screening, reason)


@transaction.atomic
def entry_record(*, actor: User, entry: _AnyClinicalEntry, reason: str = "") -> _AnyClinicalEntry:
    """Record or amend a clinical entry under the rule of its kind (``access.
    require_entry_write``): a consultation, the anamnesis, a phone contact, an admission,
    hours of home help… An amendment keeps the previous version in the history."""
    dossier = lock_dossier(entry.dossier_id)
    access.require_entry_write(actor, dossier, type(entry))
    if (
        entry.pk is not None
        and type(entry)._default_manager.filter(pk=entry.pk).exclude(dossier=dossier).exists()
    ):
        raise ValidationError(_("This entry belongs to another record."))
    entry.dossier = dossier
    return _save_entry(actor, dossier, entry.section, entry, reason)


@transaction.atomic
def home_visit_record(
    *, actor: User, visit: HomeVisit, babies: list[dict[str, Any]], reason: str = ""
) -> HomeVisit:
    """A home visit with, per baby, what was found; a weight becomes a point of the weight
    curve, so nobody types it twice. ``babies``: dicts with ``newborn`` and any of
    ``weight_g``, ``jaundice``, ``feeding``, ``stools``, ``notes``; a baby with nothing
    filled in is left out. Writing about a baby needs the newborn section's right."""
    entry_record(actor=actor, entry=visit, reason=reason)
    for baby in babies:
        newborn = baby["newborn"]
        if newborn.dossier_id != visit.dossier_id:
            raise ValidationError(_("This newborn belongs to another record."))
        check = BabyCheck.objects.filter(home_visit=visit, newborn=newborn).select_related(
            "measurement"
        ).first() or BabyCheck(home_visit=visit, newborn=newborn, dossier=visit.dossier)
        observations = {k: baby.get(k) or "" for k in ("jaundice", "feeding", "stools", "notes")}
        weight, temperature = baby.get("weight_g"), baby.get("temperature_c")
        if (
            check.pk is None
            and not weight
            and temperature is None
            and not any(observations.values())
        ):
            continue
        for name, value in observations.items():
            setattr(check, name, value)
        check.temperature_c = temperature
        if weight:
            weighing = check.measurement or Measurement(
                newborn=newborn, source=MeasurementSource.HOME_VISIT
            )
            weighing.measured_at, weighing.weight_g = visit.visited_at, weight
            check.measurement = measurement_record(actor=actor, measurement=weighing, reason=reason)
        entry_record(actor=actor, entry=check, reason=reason)
    return visit


@transaction.atomic
def discharge_checklist_save(
    *,
    actor: User,
    checklist: DischargeChecklist,
    discharged_at: datetime.datetime | None = None,
    confirm: bool = False,
    reason: str = "",
) -> DischargeChecklist:
    """Walk the discharge pathway (R21). ``discharged_at`` is the stay's end, kept on the
    delivery; ``confirm`` confirms the discharge, refused (by the checklist's validation)
    while a required step is open without a reason. A confirmed discharge moves the record
    to the postnatal module."""
    dossier = lock_dossier(checklist.dossier_id)
    delivery = getattr(dossier, "delivery", None)
    if (
        discharged_at is not None
        and delivery is not None
        and delivery.discharged_at != discharged_at
    ):
        delivery.discharged_at = discharged_at
        delivery_record(actor=actor, delivery=delivery, reason=reason)
    midwife = checklist.first_home_visit_midwife
    if (
        midwife is not None
        and not access.home_visit_providers(dossier).filter(pk=midwife.pk).exists()
    ):
        raise ValidationError(
            {
                "first_home_visit_midwife": _(
                    "The first home visit is made by a midwife or GP of the care network; add them "
                    "to the network first."
                )
            },
            code="not_in_network",
        )
    newly_confirmed = confirm and checklist.confirmed_at is None
    if newly_confirmed:
        checklist.confirmed_at, checklist.confirmed_by = timezone.now(), actor
    entry_record(actor=actor, entry=checklist, reason=reason)
    if newly_confirmed:
        signals.discharge_confirmed.send(
            sender=DischargeChecklist,
            dossier=dossier,
            discharged_at=dossier.delivery.discharged_at,
            actor=actor,
        )
    if checklist.is_confirmed and dossier.status == DossierStatus.DELIVERED:
        dossier.status = DossierStatus.POSTNATAL
        dossier.save(update_fields=["status", "updated_at"])
    return checklist


@transaction.atomic
def own_entry_record(*, actor: User, entry: SelfMonitoring, reason: str = "") -> SelfMonitoring:
    """The mother notes an observation of her own (R5). A baby's weight is also put on the
    weight curve, marked as weighed at home by the parents."""
    dossier = lock_dossier(entry.dossier_id)
    access.require_entry_write(actor, dossier, SelfMonitoring)
    entry.dossier = dossier
    if (
        entry.pk is not None
        and SelfMonitoring.objects.filter(pk=entry.pk).exclude(kind=entry.kind).exists()
    ):
        raise ValidationError(
            {"kind": _("An observation keeps what it is about; add a new one for something else.")},
            code="kind_changed",
        )
    if entry.kind == SelfKind.BABY_WEIGHT and entry.newborn_id:
        entry.full_clean(exclude=["measurement"])  # the entry's own message comes first
        attribute(actor, reason)
        weighing = entry.measurement or Measurement(
            newborn=entry.newborn, source=MeasurementSource.MOTHER
        )
        weighing.measured_at, weighing.weight_g = entry.noted_at, int(entry.value)
        weighing.recorded_by = weighing.recorded_by or actor
        weighed_now = weighing.pk is None
        weighing.full_clean()
        weighing.save()
        alerts.evaluate(weighing, actor, new=weighed_now)
        entry.measurement = weighing
    return _save_entry(actor, dossier, entry.section, entry, reason)


@transaction.atomic
def comment_add(
    *, actor: User, dossier: Dossier, section: str, entry_id: uuid.UUID | str, text: str
) -> Comment:
    """A comment on an entry (``entry_id``, its public id) of a section, by whoever may see
    that section (``access.require_comment``); comments are never changed, so the dialogue
    keeps its trace."""
    access.require_comment(actor, dossier, section)
    comment = Comment(
        dossier=dossier, section=section, entry_id=entry_id, author=actor, text=text.strip()
    )
    comment.full_clean()
    comment.save()
    access.record_write(actor, dossier, section, access.Action.CREATE)
    return comment


# --- alerts (R42): taken on and resolved by people ------------------------------------------


def _alert_for_update(actor: User, alert: Alert) -> tuple[Dossier, Alert]:
    dossier = lock_dossier(alert.dossier_id)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    access.require_view(actor, dossier, alert.section)
    if not access.is_care_provider(actor):
        raise access.AccessDenied(
            _("A care provider of the network takes an alert on."),
            dossier=dossier,
            section=alert.section,
        )
    return dossier, alert


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert, note: str = "") -> Alert:
    """Someone of the network takes the alert on: who, when, and what they do. It stops
    the escalation. Taken once: a second person is told who was first."""
    dossier, alert = _alert_for_update(actor, alert)
    if alert.acknowledged_at is not None:
        first = alert.acknowledged_by  # set together with acknowledged_at
        raise ValidationError(
            _("%(who)s already took this alert on at %(moment)s.")
            % {
                "who": (first.get_full_name() or first.username) if first else "",
                "moment": timezone.localtime(alert.acknowledged_at).strftime("%d-%m-%Y %H:%M"),
            },
            code="acknowledged",
        )
    attribute(actor, note.strip()[:300])
    alert.acknowledged_at, alert.acknowledged_by = timezone.now(), actor
    alert.acknowledge_note = note.strip()[:300]
    alert.save(
        update_fields=["acknowledged_at", "acknowledged_by", "acknowledge_note", "updated_at"]
    )
    access.record_write(actor, dossier, alert.section, access.Action.UPDATE)
    return alert


@transaction.atomic
def alert_resolve(*, actor: User, alert: Alert, note: str) -> Alert:
    """The alert is dealt with: how, in a few words (required). An alert resolved without
    having been taken on is taken on by the same person at the same moment."""
    dossier, alert = _alert_for_update(actor, alert)
    if alert.resolved_at is not None:
        raise ValidationError(_("This alert is already resolved."), code="resolved")
    if not note.strip():
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Say how the alert was resolved (e.g. “BP rechecked 135/85, GP informed”)."),
                    code="required",
                )
            }
        )
    attribute(actor, note.strip()[:300])
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, actor
    alert.resolved_at, alert.resolved_by, alert.resolve_note = now, actor, note.strip()[:300]
    alert.save(
        update_fields=[
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "resolve_note",
            "updated_at",
        ]
    )
    access.record_write(actor, dossier, alert.section, access.Action.UPDATE)
    return alert
