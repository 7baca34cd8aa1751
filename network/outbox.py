"""The transactional outbox (DESIGN.md §4): a service that must tell someone writes an
``OutboxMessage`` in its own transaction (``enqueue``); after the commit the message is
handed to Celery (``schedule``) and a worker sends it (``deliver``).

Nothing is lost and a save never waits on the broker:

* **handing over** happens after the commit, on a background thread with short timeouts;
  when the broker cannot be reached the message simply waits (a circuit breaker stops
  further tries for a while) and the periodic sweep (``network.tasks.deliver_pending``,
  every minute) sends it;
* **sending** takes a lease first (``sending`` until ``leased_until``); a worker killed
  before it marked the message sent leaves a lease that runs out, and the sweep sends the
  message again with the same identity — the same Message-ID, the same iCalendar UID and
  SEQUENCE, the same idempotency key for the SMS gateway — so a crash means at worst a
  repeat the recipient's client recognises, never a loss;
* a message that could not be sent is tried again later (``BACKOFF``), and after
  ``MAX_ATTEMPTS`` it is **failed**: logged with the request that wrote it, counted by
  ``/healthz/ready`` and listed in the admin, where an operator sends it again
  (``retry``)."""

from __future__ import annotations

import datetime
import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from network.audit import current_request_id
from network.models import Channel, DeliveryStatus, OutboxMessage
from network.sms import send_sms

logger = logging.getLogger("moederschap.outbox")

MAX_ATTEMPTS = 5
# Waits before the 2nd, 3rd, 4th and 5th try: a passing outage of the mail server or the
# SMS gateway is ridden out within the hour; a lasting one ends as "failed" for a person.
BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(minutes=30),
)
# After one failed hand-over to the broker, the next tries of this process wait this long
# (the sweep delivers meanwhile): a save never pays for a broker that is down.
BROKER_PAUSE_SECONDS = 15.0


def lease_length() -> datetime.timedelta:
    """How long a worker may take over one message before another takes it back."""
    return datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


# --- writing --------------------------------------------------------------------------------


def enqueue(
    *,
    key: str,
    channel: str,
    recipient,
    address: str,
    body: str,
    subject: str = "",
    dossier=None,
    calendar: str = "",
    calendar_method: str = "",
    html_body: str = "",
    language: str = "nl",
    sender_name: str = "",
    reply_to: str = "",
) -> OutboxMessage | None:
    """Write a message to send once this transaction commits. The same ``key`` twice is
    one message. Without an address (no e-mail, no phone) nothing is written."""
    if not address:
        return None
    if calendar and calendar_method not in {"REQUEST", "CANCEL", "PUBLISH"}:
        raise ValueError("an invitation needs its iCalendar method (REQUEST or CANCEL)")
    message, created = OutboxMessage.objects.get_or_create(
        key=key[:120],
        defaults={
            "channel": channel,
            "recipient": recipient,
            "address": address,
            "subject": subject,
            "body": body,
            "html_body": html_body,
            "dossier": dossier,
            "calendar": calendar,
            "calendar_method": calendar_method,
            "language": language,
            "sender_name": sender_name[:150],
            "reply_to": reply_to,
            "request_id": current_request_id.get() or "",
        },
    )
    if created:
        transaction.on_commit(lambda: schedule(message.pk))
    return message


# --- handing over to the broker -------------------------------------------------------------

_publisher: ThreadPoolExecutor | None = None
_publisher_lock = threading.Lock()
_broker_paused_until: dict[str, float] = {}  # broker URL → monotonic time to try again


def schedule(message_id: int) -> None:
    """Hand the message to Celery (``hand_over``); what is not handed over waits for the
    sweep — the change itself is already saved."""
    from network.tasks import deliver_message

    hand_over(deliver_message, message_id)


def hand_over(task, *args) -> None:
    """Run a Celery task without making the caller wait: in-process (the demo, the tests)
    at once; with a broker, published from a background thread with short timeouts. Used
    after a commit, for work a periodic job would also pick up if this hand-over is lost
    (the outbox's sweep, the alerts' escalation job)."""
    from config.celery import app

    if app.conf.task_always_eager:
        _run_in_process(task, args)
        return
    global _publisher
    with _publisher_lock:
        if _publisher is None:
            _publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
    _publisher.submit(_publish, task, args)


def drain(timeout: float = 30.0) -> None:
    """Wait until what was handed to the background publisher so far has been published
    or given up (it publishes in order, one at a time): before the broker is switched (the
    tests' outages), so that no hand-over still running meets the broker's pools being
    replaced."""
    with _publisher_lock:
        publisher = _publisher
    if publisher is not None:
        publisher.submit(lambda: None).result(timeout=timeout)


def _run_in_process(task, args) -> None:
    try:
        task.apply(args=list(args), throw=True)
    except Exception:  # the change is committed: log it loudly, the periodic job retries
        logger.exception("%s%r failed in-process; its periodic job tries again", task.name, args)


def _publish(task, args) -> None:
    from config.celery import app

    broker = str(app.conf.broker_url)
    if time.monotonic() < _broker_paused_until.get(broker, 0.0):
        return  # this broker failed a moment ago; the periodic job does this one
    try:
        task.apply_async(args=list(args), retry=False)
    except Exception as error:  # kombu/redis errors differ per transport; all mean "later"
        _broker_paused_until[broker] = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning(
            "%s%r waits for its periodic job: broker unavailable (%s)", task.name, args, error
        )


# --- sending --------------------------------------------------------------------------------


def _claimable(now) -> Q:
    waiting = Q(status=DeliveryStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(status=DeliveryStatus.SENDING, leased_until__lt=now)
    return waiting | abandoned


def claim(message_id: int) -> OutboxMessage | None:
    """Take the lease on a message that is due: waiting, or held by a worker whose lease
    ran out. None when it is sent, failed, not yet due or being sent by a live worker."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now), pk=message_id)
            .first()
        )
        if message is None:
            return None
        if message.attempts >= MAX_ATTEMPTS:  # the last worker died while sending it
            _give_up(message, message.last_error or "the worker sending it stopped")
            return None
        message.status = DeliveryStatus.SENDING
        message.attempts += 1
        message.leased_until = now + lease_length()
        message.save(update_fields=["status", "attempts", "leased_until"])
    return message


def deliver(message_id: int) -> str:
    """Send one message if it is due; returns what happened ("sent", "not due", "retry",
    "failed"). A failure is written on the message and logged, then tried again later."""
    message = claim(message_id)
    if message is None:
        return "not due"
    try:
        send(message)
    except Exception as error:  # any backend's error: recorded on the message, retried
        return _failed(message, error)
    mark_sent(message)
    return "sent"


def mark_sent(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        leased_until=None,
        next_attempt_at=None,
        last_error="",
    )


def _failed(message: OutboxMessage, error: Exception) -> str:
    text = f"{error.__class__.__name__}: {error}"[:300]
    if message.attempts >= MAX_ATTEMPTS:
        _give_up(message, text)
        return "failed"
    OutboxMessage.objects.filter(pk=message.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING,
        leased_until=None,
        last_error=text,
        next_attempt_at=timezone.now() + BACKOFF[min(message.attempts, len(BACKOFF)) - 1],
    )
    logger.warning(
        "outbox message %s (%s) not sent, attempt %s of %s, request %s: %s",
        message.pk,
        message.channel,
        message.attempts,
        MAX_ATTEMPTS,
        message.request_id or "-",
        text,
    )
    return "retry"


def _give_up(message: OutboxMessage, text: str) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=DeliveryStatus.FAILED, leased_until=None, next_attempt_at=None, last_error=text[:300]
    )
    logger.error(
        "outbox message %s (%s) FAILED after %s attempts, request %s: %s — "
        "retry it in the admin (Outbox) once the cause is fixed",
        message.pk,
        message.channel,
        message.attempts,
        message.request_id or "-",
        text,
    )


def message_id(message: OutboxMessage) -> str:
    """The e-mail's Message-ID: the same for every try of the same message, so a repeat
    after a crash is one message to the recipient's client."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "moederschapsdossier"
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
    return f"<{digest}.{message.pk}@{domain}>"


def idempotency_key(message: OutboxMessage) -> str:
    return hashlib.sha256(f"{message.pk}:{message.key}".encode()).hexdigest()[:40]


def send(message: OutboxMessage) -> None:
    if message.channel == Channel.SMS:
        send_sms(message.address, message.body, key=idempotency_key(message))
        return
    email_message(message).send()


def email_message(message: OutboxMessage) -> EmailMultiAlternatives:
    """The e-mail as it leaves: a plain and an HTML part, and for an invitation the
    calendar part with its iTIP method (RFC 6047) plus the same file as an attachment."""
    sender = (
        f"{message.sender_name} via {settings.MESSAGE_SENDER_NAME}"
        if message.sender_name
        else settings.MESSAGE_SENDER_NAME
    )
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=formataddr((sender, settings.DEFAULT_FROM_EMAIL)),
        to=[message.address],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={
            "Message-ID": message_id(message),
            "Auto-Submitted": "auto-generated",
            "Content-Language": message.language,
        },
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    if message.calendar:
        email.attach_alternative(
            message.calendar, f"text/calendar; method={message.calendar_method}"
        )
        email.attach("invite.ics", message.calendar, "application/ics")
    return email


# --- the sweep and the operators' view ------------------------------------------------------


def due(limit: int = 1000) -> list[int]:
    """What the sweep sends now: waiting messages whose time has come and messages whose
    worker's lease ran out, oldest first."""
    return list(
        OutboxMessage.objects.filter(_claimable(timezone.now()))
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )


def backlog() -> dict:
    """Counts for operators (``/healthz/ready``): waiting, being sent, stuck (a lease that
    ran out), failed, and the age in seconds of the oldest message still to send."""
    now = timezone.now()
    unsent = [DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED]
    counts = OutboxMessage.objects.filter(status__in=unsent).aggregate(  # the status index
        waiting=Count("pk", filter=Q(status=DeliveryStatus.PENDING)),
        sending=Count("pk", filter=Q(status=DeliveryStatus.SENDING, leased_until__gte=now)),
        stuck=Count("pk", filter=Q(status=DeliveryStatus.SENDING, leased_until__lt=now)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        oldest=Min(
            "created_at", filter=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING])
        ),
    )
    oldest = counts.pop("oldest")
    counts["oldest_waiting_seconds"] = int((now - oldest).total_seconds()) if oldest else 0
    return counts


def retry(message_ids) -> int:
    """An operator sends failed or stuck messages again: they wait as new, with their
    attempts reset, and go out after the commit. Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        chosen = list(
            OutboxMessage.objects.select_for_update()
            .filter(
                Q(status=DeliveryStatus.FAILED)
                | Q(status=DeliveryStatus.SENDING, leased_until__lt=now),
                pk__in=list(message_ids),
            )
            .values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=chosen).update(
            status=DeliveryStatus.PENDING, attempts=0, leased_until=None, next_attempt_at=None
        )
        for pk in chosen:
            transaction.on_commit(lambda pk=pk: schedule(pk))
    return len(chosen)
