"""Retention: what happens to a closed record once the law no longer asks to keep it.

A record is kept ``RETENTION_YEARS`` after its closure (config/settings.py says why: 30 in
Belgium). Past that, ``manage.py retention`` lists it, and with ``--pseudonymise
--decided-by USER --reason TEXT`` pseudonymises it under a recorded decision
(``RetentionDecision``: who, why, when), one transaction per record:

* the mother's identity is replaced (name, INSZ, contact, street, postcode, municipality;
  her date of birth becomes 1 January of its year, so ages still count) and her login is
  closed and stripped; her newborns' names and INSZ numbers likewise;
* every free-text note of the record (``FREE_TEXT``) is emptied: a note that had text
  becomes ``REMOVED``, so the "there was a note" constraints still hold;
* the change history (``dossier_entrychange``, append-only) keeps what changed and when,
  but not who the mother was or what the notes said: ``scrub_history_for_retention`` rewrites
  those values of this record's history rows in the same transaction, under the one guard
  the history's trigger lets through (migration 0022: only the values, only with
  ``moederschap.retention_scrub`` set for the transaction).

What stays as it was: the access log (it names the record by its public id, so its hash
chain still verifies), the eBirth registrations already sent (``ExportedMessage``: what was
sent is kept as it was sent) and the care-plan versions (append-only; the plan holds
appointments and care, not the identity).

A record under **legal hold** is refused; so is a record whose mother has another record
still within its period (her identity is shared by her records). The closure date is read
from the change history: when the record's status last became "closed"."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from dossier.history import attribute
from dossier.models import Dossier, DossierStatus, Mother, Newborn
from dossier.models.record import RetentionAction, RetentionDecision

REMOVED = "—"  # what a pseudonymised note holds: it was there, its words are gone

# Every free-text field of a record, by model, with the path from the model to the record.
# tests/ops/test_retention.py fails when a model linked to a record gains a text field
# that is neither here nor in ``KEPT_TEXT``.
FREE_TEXT: dict[str, tuple[str, tuple[str, ...]]] = {
    "dossier.Dossier": ("pk", ("risk_notes", "closure_reason", "legal_hold_reason")),
    "dossier.Delivery": ("dossier", ("complications",)),
    "dossier.Newborn": ("dossier", ("anomaly_description",)),
    "dossier.Screening": ("newborn__dossier", ("note",)),
    "dossier.Alert": ("dossier", ("acknowledge_note", "resolve_note")),
    "dossier.HomeVisit": ("dossier", ("advice", "notes")),
    "dossier.BabyCheck": ("dossier", ("notes",)),
    "dossier.PhoneContact": ("dossier", ("reason_detail", "notes")),
    "dossier.HomeHelpNeed": ("dossier", ("notes",)),
    "dossier.HomeHelpDay": ("dossier", ("notes",)),
    "dossier.SelfMonitoring": ("dossier", ("note",)),
    "dossier.Comment": ("dossier", ("text",)),
    "dossier.PrenatalConsultation": ("dossier", ("notes",)),
    "dossier.PrenatalLab": ("dossier", ("detail",)),  # free text about her result
    "dossier.PsychosocialAnamnesis": ("dossier", ("notes",)),
    "dossier.ShortStayAssessment": ("dossier", ("notes",)),
    "dossier.DischargeChecklist": ("dossier", ("needs_notes", "open_steps_reason")),
    "dossier.Handover": ("dossier", ("remarks",)),  # the closure hand-over's remark
    # a consult with the maternity ward: the question, its answer, the notes on it
    "dossier.ConsultRequest": ("dossier", ("question", "answer", "withdraw_reason")),
    "dossier.ConsultNote": ("dossier", ("text",)),
    "dossier.Admission": ("dossier", ("reason_detail",)),
    "network.Membership": ("dossier", ("end_note",)),
    "network.Concern": ("dossier", ("text", "response")),
    "network.JoinRequest": ("dossier", ("note",)),
    "network.Notification": ("dossier", ("text",)),
    "network.OutboxMessage": (
        "dossier",
        ("address", "subject", "body", "html_body", "calendar", "last_error"),
    ),
}
# Text fields of record-linked models that are no free text about the mother: kept.
KEPT_TEXT = {
    "dossier.Delivery": {"maternity_ward"},  # a ward's name
    "dossier.Admission": {"hospital"},
    "dossier.PrenatalLab": {"laboratory"},  # a laboratory's name
    "dossier.EntryChange": {"reason", "old_values", "new_values"},  # scrubbed, see below
    "network.AccessEvent": {"actor_label"},  # the chain's content (the professionals)
    "network.Notification": {"message", "params"},  # a msgid and references
    "network.OutboxMessage": {"sender_name", "reply_to"},  # the sender's
    "ebirth.ExportedMessage": {"content"},  # what was sent stays as sent
    "dossier.HandoverSend": {"recipient_name", "address", "document"},  # likewise, as sent
    "dossier.RetentionDecision": {"reason"},  # the decision's own why (written for it)
}

MOTHER_IDENTITY = (
    "given_name",
    "family_name",
    "insz",
    "phone",
    "email",
    "street_address",
    "postcode",
    "municipality",
    "date_of_birth",
)
NEWBORN_IDENTITY = ("given_name", "family_name", "insz")


class RetentionRefused(Exception):
    """This record may not be pseudonymised now; the message says why."""


@dataclass
class Due:
    dossier: Dossier
    closed_at: datetime.datetime
    blocked: str  # "" when it may be pseudonymised; else why not


def retention_years() -> int:
    return settings.RETENTION_YEARS


def closed_at(dossier_ids) -> dict[int, datetime.datetime]:
    """When each record's status last became "closed", from its change history."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_id, max(at) FROM dossier_entrychange "
            "WHERE table_name = 'dossier_dossier' AND row_id = ANY(%s) "
            "AND new_values->>'status' = 'closed' "
            "AND (old_values IS NULL OR old_values->>'status' <> 'closed') GROUP BY row_id",
            [list(dossier_ids)],
        )
        return dict(cursor.fetchall())


def _expiry(closed: datetime.datetime) -> datetime.datetime:
    years = retention_years()
    try:
        return closed.replace(year=closed.year + years)
    except ValueError:  # 29 February
        return closed.replace(year=closed.year + years, day=28)


def past_retention(now=None) -> list[Due]:
    """The closed, not yet pseudonymised records past their retention period, oldest
    closure first, each with why it may not be pseudonymised yet (if so)."""
    now = now or timezone.now()
    closed = Dossier.objects.filter(status=DossierStatus.CLOSED, pseudonymised_at__isnull=True)
    dates = closed_at(closed.values_list("pk", flat=True))
    # one array however many (a statement carries at most 65,535 separate values)
    due = [d for d in closed.filter(pk__any=list(dates)) if _expiry(dates[d.pk]) <= now]
    return sorted(
        (Due(d, dates[d.pk], _blocked(d, now)) for d in due), key=lambda item: item.closed_at
    )


def _blocked(dossier: Dossier, now) -> str:
    if dossier.legal_hold:
        return f"legal hold: {dossier.legal_hold_reason}"
    others = Dossier.objects.filter(mother_id=dossier.mother_id).exclude(pk=dossier.pk)
    others_closed = closed_at(others.values_list("pk", flat=True))
    for other in others:
        if other.legal_hold:
            return f"her record {other.public_id} is under legal hold"
        if other.pk not in others_closed or _expiry(others_closed[other.pk]) > now:
            return f"her record {other.public_id} is still within its retention period"
    return ""


# --- legal hold ---------------------------------------------------------------------------------


def place_hold(dossier: Dossier, *, by, reason: str) -> RetentionDecision:
    if not reason.strip():
        raise RetentionRefused("A legal hold needs a reason (--reason).")
    with transaction.atomic():
        attribute(by, f"legal hold: {reason}")
        Dossier.objects.filter(pk=dossier.pk).update(
            legal_hold=True, legal_hold_reason=reason[:300], legal_hold_by=by
        )
        return RetentionDecision.objects.create(
            dossier=dossier, action=RetentionAction.HOLD, decided_by=by, reason=reason[:300]
        )


def release_hold(dossier: Dossier, *, by, reason: str) -> RetentionDecision:
    if not reason.strip():
        raise RetentionRefused("Lifting a legal hold needs a reason (--reason).")
    with transaction.atomic():
        attribute(by, f"legal hold lifted: {reason}")
        Dossier.objects.filter(pk=dossier.pk).update(
            legal_hold=False, legal_hold_reason="", legal_hold_by=None
        )
        return RetentionDecision.objects.create(
            dossier=dossier, action=RetentionAction.RELEASE, decided_by=by, reason=reason[:300]
        )


# --- pseudonymisation ---------------------------------------------------------------------------


def _mother_pseudonym(mother: Mother) -> dict:
    return {
        "given_name": "Pseudoniem",
        "family_name": f"P-{mother.public_id.hex[:8]}",
        "insz": "",
        "phone": "",
        "email": "",
        "street_address": "",
        "postcode": "0000",
        "municipality": "",
        "date_of_birth": mother.date_of_birth.replace(month=1, day=1),
        "messages_by_email": False,
        "messages_by_sms": False,
    }


NEWBORN_PSEUDONYM = {"given_name": "", "family_name": "", "insz": ""}


def pseudonymise(dossier: Dossier, *, by, reason: str, now=None) -> RetentionDecision:
    """Pseudonymise one record past its retention period, in one transaction, with the
    decision recorded. Raises ``RetentionRefused`` (nothing changed) when it may not."""
    if not reason.strip():
        raise RetentionRefused("A pseudonymisation needs a reason (--reason).")
    now = now or timezone.now()
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if dossier.pseudonymised_at is not None:
            raise RetentionRefused(f"Record {dossier.public_id} is already pseudonymised.")
        closed = closed_at([dossier.pk]).get(dossier.pk)
        if dossier.status != DossierStatus.CLOSED or closed is None:
            raise RetentionRefused(f"Record {dossier.public_id} is not closed.")
        if _expiry(closed) > now:
            raise RetentionRefused(
                f"Record {dossier.public_id} is within its retention period until "
                f"{_expiry(closed):%Y-%m-%d} ({retention_years()} years after its closure)."
            )
        blocked = _blocked(dossier, now)
        if blocked:
            raise RetentionRefused(f"Record {dossier.public_id} is kept: {blocked}.")

        attribute(by, f"retention: pseudonymised ({reason})"[:300])
        decision = RetentionDecision.objects.create(
            dossier=dossier,
            action=RetentionAction.PSEUDONYMISED,
            decided_by=by,
            reason=reason[:300],
            closed_at=closed,
        )
        mother = Mother.objects.select_for_update().get(pk=dossier.mother_id)
        Mother.objects.filter(pk=mother.pk).update(**_mother_pseudonym(mother))
        if mother.user_id is not None:
            user = get_user_model().objects.get(pk=mother.user_id)
            user.username = f"pseudonymised-{user.pk}"
            user.first_name = user.last_name = user.email = ""
            user.is_active = False
            user.set_unusable_password()
            user.save()
        Newborn.objects.filter(dossier=dossier).update(**NEWBORN_PSEUDONYM)
        for label, (path, fields) in FREE_TEXT.items():
            model = apps.get_model(label)
            rows = model.objects.filter(**{path: dossier.pk})
            for field in fields:
                rows.exclude(**{field: ""}).update(**{field: REMOVED})
        Dossier.objects.filter(pk=dossier.pk).update(pseudonymised_at=now)
        scrub_history_for_retention(dossier, mother)
    return decision


def _rows_of(label: str, path: str, dossier: Dossier) -> list[int]:
    return list(
        apps.get_model(label).objects.filter(**{path: dossier.pk}).values_list("pk", flat=True)
    )


def scrub_history_for_retention(dossier: Dossier, mother: Mother) -> int:
    """Rewrite this record's change history so that it keeps what changed and when but not
    the mother's (and newborns') identity nor the notes' words: the identity columns get the
    pseudonym, the notes ``REMOVED``. Runs inside ``pseudonymise``'s transaction: the only
    place that sets the history trigger's guard (``moederschap.retention_scrub``, local to
    the transaction, switched off again before returning). Returns the rows rewritten."""
    if (
        not connection.in_atomic_block
        or not Dossier.objects.filter(pk=dossier.pk, pseudonymised_at__isnull=False).exists()
    ):
        raise RuntimeError(
            "scrub_history_for_retention runs only inside pseudonymise's "
            "transaction, for the record it has just pseudonymised"
        )
    mother_values = {k: v for k, v in _mother_pseudonym(mother).items() if k in MOTHER_IDENTITY}
    mother_values["date_of_birth"] = mother_values["date_of_birth"].isoformat()
    patches: list[tuple[str, list[int], dict]] = [("dossier_mother", [mother.pk], mother_values)]
    newborns = _rows_of("dossier.Newborn", "dossier", dossier)
    patches.append(("dossier_newborn", newborns, dict(NEWBORN_PSEUDONYM)))
    for label, (path, fields) in FREE_TEXT.items():
        model = apps.get_model(label)
        patches.append(
            (
                model._meta.db_table,
                _rows_of(label, path, dossier),
                {model._meta.get_field(f).column: REMOVED for f in fields},
            )
        )
    rewritten = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('moederschap.retention_scrub', 'on', true)")
        try:
            for table, rows, values in patches:
                for key, value in values.items():
                    # Rewritten only where the row had a value: the history still shows
                    # that a note was written or changed, not what it said.
                    cursor.execute(
                        "UPDATE dossier_entrychange SET "
                        "old_values = CASE WHEN COALESCE(old_values->>%(key)s, '') <> '' "
                        "THEN jsonb_set(old_values, ARRAY[%(key)s], %(value)s) "
                        "ELSE old_values END, "
                        "new_values = CASE WHEN COALESCE(new_values->>%(key)s, '') <> '' "
                        "THEN jsonb_set(new_values, ARRAY[%(key)s], %(value)s) "
                        "ELSE new_values END "
                        "WHERE table_name = %(table)s "
                        "AND (row_id = ANY(%(rows)s) OR (%(table)s <> 'dossier_mother' "
                        "AND dossier_id = %(dossier)s)) "
                        "AND (COALESCE(old_values->>%(key)s, '') <> '' "
                        "OR COALESCE(new_values->>%(key)s, '') <> '')",
                        {
                            "key": key,
                            "value": Jsonb(value),
                            "table": table,
                            "rows": rows,
                            "dossier": dossier.pk,
                        },
                    )
                    rewritten += cursor.rowcount
        finally:
            cursor.execute("SELECT set_config('moederschap.retention_scrub', '', true)")
    return rewritten
