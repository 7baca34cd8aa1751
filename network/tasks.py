"""Celery tasks of the care network: take ids, call access; idempotent."""

from celery import shared_task

from network import access
from network.models import Membership


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def recompute_role(role: str) -> int:
    """After an administrator changed a role's defaults: recompute every dossier where that
    role has an active member. Safe to run twice; returns the number of dossiers."""
    dossier_ids = (
        Membership.objects.filter(role=role, ended_at__isnull=True)
        .values_list("dossier_id", flat=True)
        .distinct()
    )
    count = 0
    for dossier_id in dossier_ids.iterator(chunk_size=500):
        access.recompute_permissions_by_id(dossier_id)
        count += 1
    return count


@shared_task(acks_late=True)
def deliver_message(message_id: int) -> str:
    """Send one outbox message. A failed send is written on the message and tried again
    by the sweep after its back-off (``network.outbox.BACKOFF``), so this task never holds
    a retry in the broker."""
    from network import outbox

    return outbox.deliver(message_id)


@shared_task
def deliver_pending() -> int:
    """The sweep (Celery beat, every minute): send what a broker outage left waiting, what
    is due for another try, and what a dead worker held past its lease."""
    from network import outbox

    return sum(outbox.deliver(message_id) == "sent" for message_id in outbox.due())


@shared_task
def escalate_alerts() -> int:
    """Every 5 minutes (Celery beat): urgent alerts nobody took on climb the ladder — the
    professional on call, the maternity ward contact, everyone who may read the section
    (``network.alerting.LADDER``, ``escalate``); running it twice changes nothing."""
    from network import alerting

    return alerting.escalate()


@shared_task
def tell_coordinator(alert_ids: list[int]) -> int:
    """Right after an urgent alert's commit: its coordinator by SMS and e-mail, once
    (``network.alerting.tell_coordinator``)."""
    from network import alerting

    return alerting.tell_coordinator(alert_ids)


@shared_task
def access_log_checkpoint() -> int:
    """Every ten minutes (beat): sign the access log's chain heads that moved (so a chain
    deleted whole afterwards is seen by ``verify_access_log``), and make the coming months'
    partitions ahead of time. Returns the number of heads signed."""
    from network import audit, partitions

    partitions.ensure()
    point = audit.checkpoint()
    return point.chains if point is not None else 0
