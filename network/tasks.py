"""Celery tasks of the care network: take ids, call access; idempotent."""

from celery import shared_task

from network import access
from network.models import Membership


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def recompute_role(role: str) -> int:
    """After an administrator changed a role's defaults: recompute every dossier where that
    role has an active member. Safe to run twice; returns the number of dossiers."""
    dossier_ids = (Membership.objects.filter(role=role, ended_at__isnull=True)
                   .values_list("dossier_id", flat=True).distinct())
    count = 0
    for dossier_id in dossier_ids.iterator(chunk_size=500):
        access.recompute_permissions_by_id(dossier_id)
        count += 1
    return count


@shared_task(bind=True, max_retries=4, acks_late=True)
def deliver_message(self, message_id: int) -> str:
    """Send one outbox message; a failed send is tried again later (the message itself
    stays waiting for the sweep too)."""
    from network import outbox

    try:
        return outbox.deliver(message_id)
    except Exception as error:
        raise self.retry(exc=error, countdown=30 * (self.request.retries + 1)) from error


@shared_task
def deliver_pending() -> int:
    """The sweep (Celery beat, every minute): send what a broker outage left waiting."""
    from network import outbox

    sent = 0
    for message_id in outbox.waiting():
        try:
            sent += outbox.deliver(message_id) == "sent"
        except Exception:  # logged by deliver; the message stays for the next sweep
            continue
    return sent
