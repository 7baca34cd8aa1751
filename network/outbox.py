"""The transactional outbox (DESIGN.md §4): a service that must tell someone writes an
``OutboxMessage`` in its own transaction (``enqueue``); after the commit a Celery task
sends it (``deliver``). If the broker is down the message waits, and the periodic sweep
(``network.tasks.deliver_pending``) sends it later: delayed, never lost. A message is
claimed before it goes out and marked sent after, so it is never sent twice."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from network.models import Channel, DeliveryStatus, OutboxMessage
from network.sms import send_sms

logger = logging.getLogger("moederschap.outbox")
MAX_ATTEMPTS = 5


def enqueue(*, key: str, channel: str, recipient, address: str, body: str, subject: str = "",
            dossier=None, calendar: str = "") -> OutboxMessage | None:
    """Write a message to send once this transaction commits. The same ``key`` twice is
    one message. Without an address (no e-mail, no phone) nothing is written."""
    if not address:
        return None
    message, created = OutboxMessage.objects.get_or_create(key=key[:120], defaults={
        "channel": channel, "recipient": recipient, "address": address, "subject": subject,
        "body": body, "dossier": dossier, "calendar": calendar})
    if created:
        transaction.on_commit(lambda: schedule(message.pk))
    return message


def schedule(message_id: int) -> None:
    """Hand the message to Celery; when the broker cannot be reached the message stays
    waiting for the sweep (nothing is lost, the change itself is already saved)."""
    from network.tasks import deliver_message

    try:
        deliver_message.apply_async(args=[message_id], retry=False)
    except Exception as error:  # kombu/redis errors differ per transport; all mean "later"
        logger.warning("outbox message %s waits for the sweep: broker unavailable (%s)",
                       message_id, error)


def deliver(message_id: int) -> str:
    """Send one message if it is still waiting; returns what happened."""
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=message_id, status=DeliveryStatus.PENDING).first())
        if message is None:
            return "not waiting"  # sent already, being sent by another worker, or failed
        message.status = DeliveryStatus.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts"])
    try:
        _send(message)
    except Exception as error:
        message.status = (DeliveryStatus.FAILED if message.attempts >= MAX_ATTEMPTS
                          else DeliveryStatus.PENDING)
        message.last_error = str(error)[:300]
        message.save(update_fields=["status", "last_error"])
        logger.warning("outbox message %s not sent (attempt %s): %s", message.pk,
                       message.attempts, error)
        raise
    message.status, message.sent_at = DeliveryStatus.SENT, timezone.now()
    message.save(update_fields=["status", "sent_at"])
    return "sent"


def _send(message: OutboxMessage) -> None:
    if message.channel == Channel.SMS:
        send_sms(message.address, message.body)
        return
    email = EmailMessage(subject=message.subject, body=message.body, to=[message.address])
    if message.calendar:
        email.attach("afspraak.ics", message.calendar, "text/calendar; method=REQUEST")
    email.send()


def waiting() -> list[int]:
    return list(OutboxMessage.objects.filter(status=DeliveryStatus.PENDING)
                .values_list("pk", flat=True)[:1000])
