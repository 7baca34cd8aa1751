"""The access log: append one hash-chained event per read, write or denial; verify the chain.

Each event's hash covers its own fields and the previous event's hash, so editing, removing
or reordering a row breaks the chain from that row on. Appends take a transaction-scoped
advisory lock, so concurrent requests extend one chain instead of forking it."""

from __future__ import annotations

import contextvars
import hashlib
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from network.models import AccessEvent, Action, Outcome

GENESIS = "0" * 64
_CHAIN_LOCK = 0x4D444F53  # "MDOS": the advisory lock that serialises appends

# The id of the request (or task) being served; set by config.middleware.RequestIdMiddleware.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def _digest(event: AccessEvent) -> str:
    fields = [
        event.previous_hash,
        event.at.isoformat(),
        str(event.actor_id or ""),
        event.actor_label,
        event.dossier_ref,
        event.section,
        event.action,
        event.outcome,
        event.request_id,
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _label(actor) -> str:
    if actor is None or not actor.is_authenticated:
        return "anonymous"
    return actor.get_full_name() or actor.get_username()


def record(
    *,
    actor,
    dossier=None,
    dossier_ref: str = "",
    sections=("",),
    action: str,
    outcome: str = Outcome.ALLOWED,
) -> list[AccessEvent]:
    """Append one event per section (a page that shows five sections logs five reads)."""
    reference = str(dossier.public_id) if dossier else dossier_ref[:36]
    return append(
        actor,
        [(dossier, reference, section) for section in sections],
        action=action,
        outcome=outcome,
    )


@transaction.atomic
def append(actor, targets, *, action: str, outcome: str = Outcome.ALLOWED) -> list[AccessEvent]:
    """Append one event per (dossier, reference, section) target, under the chain lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    last = AccessEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    previous = last or GENESIS
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    label, request_id = _label(actor), current_request_id.get()
    events = []
    for dossier, reference, section in targets:  # a list page may log hundreds at once
        event = AccessEvent(
            at=now,
            actor_id=actor_id,
            actor_label=label,
            dossier_id=dossier.pk if dossier is not None else None,
            dossier_ref=reference,
            section=section,
            action=action,
            outcome=outcome,
            request_id=request_id,
            previous_hash=previous,
        )
        event.hash = previous = _digest(event)
        events.append(event)
    return AccessEvent.objects.bulk_create(events)


def record_read(actor, dossier, sections) -> None:
    if sections:
        record(actor=actor, dossier=dossier, sections=sorted(sections), action=Action.READ)


def record_read_list(actor, reads) -> None:
    """A list reads, per row shown, the sections it shows: ``reads`` is (dossier, section)."""
    if reads:
        append(actor, [(d, str(d.public_id), s) for d, s in reads], action=Action.READ)


def record_write(actor, dossier, section: str, action: str = Action.UPDATE) -> None:
    record(actor=actor, dossier=dossier, sections=[section], action=action)


def record_denied(
    actor, *, dossier=None, dossier_ref: str = "", section: str = "", action: str = Action.READ
) -> None:
    record(
        actor=actor,
        dossier=dossier,
        dossier_ref=dossier_ref,
        sections=[section],
        action=action,
        outcome=Outcome.DENIED,
    )


@dataclass
class BrokenLink:
    event_id: int
    reason: str


def verify_chain(batch_size: int = 5000) -> tuple[int, BrokenLink | None]:
    """Walk the log in order; return how many events were checked and the first broken
    link, if any. Memory stays flat: the log is read in batches."""
    previous, checked, last_id = GENESIS, 0, 0
    while True:
        batch = list(AccessEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return checked, None
        for event in batch:
            if event.previous_hash != previous:
                return checked, BrokenLink(
                    event.id,
                    "previous_hash does not match the event before it (a row was removed or moved)",
                )
            if _digest(event) != event.hash:
                return checked, BrokenLink(
                    event.id, "its content no longer matches its hash (the row was edited)"
                )
            previous, last_id = event.hash, event.id
            checked += 1
