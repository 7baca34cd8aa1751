"""Escalation of urgent alerts (R42, R34) by a real Celery worker on the real broker (Redis),
sending to a real SMTP server (aiosmtpd) that counts what arrived by Message-ID: an urgent
alert nobody takes on climbs the ladder (``network.alerting.LADDER``) — the professional on
call for the record (the rota), then the maternity ward contact, then everyone who may read
the section — each e-mail exactly once even when the job runs twice, and an alert someone
took on is never escalated.

The worker's clock is the real one: the alerts' ``created_at`` is moved back (an UPDATE;
alerts cannot be deleted) instead of waiting an hour, and the worker is started with
``ALERT_ESCALATE_MINUTES=60`` whatever the environment says."""

from __future__ import annotations

import datetime
import time
from collections import Counter

import pytest
import redis
from django.utils import timezone

from dossier import services
from dossier.models import Alert, HomeVisit
from network import outbox
from network.alerting import ESCALATE_AFTER, LADDER
from network.models import (
    Channel,
    DeliveryStatus,
    OnCallShift,
    Organisation,
    OrganisationKind,
    OutboxMessage,
)
from network.tasks import escalate_alerts
from tests.conftest import route_celery
from tests.personas import build_network
from tests.smtp import SmtpSink
from tests.workers import start_worker, wait_until

ESCALATE_MINUTES = 60
QUEUE = "celery"  # the default queue: a list of that name in the broker's database


WARD_EMAIL = "materniteit@uzgent.example"


def _network():
    """The personas, reachable; Griet's practice, where Olivia (outside this network) is on
    call now; the maternity ward where the mother gave birth, with its contact."""
    net = build_network()
    practice = Organisation.objects.create(
        name="Vroedvrouwenpraktijk De Wieg", kind=OrganisationKind.MIDWIFE_PRACTICE
    )
    Organisation.objects.create(
        name="UZ Gent – materniteit",
        kind=OrganisationKind.MATERNITY_WARD,
        ward_email=WARD_EMAIL,
        ward_phone="09 332 21 11",
    )
    for persona, phone in (
        ("coordinator", "0470 11 22 33"),
        ("gp", "0470 44 55 66"),
        ("paediatrician", "0470 77 88 99"),
        ("outsider", "0470 00 11 22"),
    ):
        user = net.users[persona]
        user.email = f"{user.username}@example.org"
        user.save()
        user.professional.phone = phone
        if persona in ("coordinator", "outsider"):
            user.professional.organisation = practice
        user.professional.save()
    now = timezone.now()
    OnCallShift.objects.create(
        organisation=practice,
        professional=net.users["outsider"].professional,
        start=now - datetime.timedelta(hours=6),
        end=now + datetime.timedelta(hours=6),
    )
    return net


def _urgent_visit(net, **findings) -> Alert:
    """A home visit by the GP with an urgent finding; returns its (one) alert."""
    visit = services.home_visit_record(
        actor=net.users["gp"],
        babies=[],
        visit=HomeVisit(
            dossier=net.a, visited_at=timezone.now() - datetime.timedelta(minutes=30), **findings
        ),
    )
    return Alert.objects.get(entry_id=visit.public_id, severity="urgent")


def _age(*alerts: Alert, minutes: int) -> None:
    """The alerts were raised ``minutes`` ago, as the worker's clock sees it."""
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def _run_twice_and_wait(broker: redis.Redis, alert: Alert, level: int) -> None:
    """Publish the escalation job twice, as two beats would, and wait until the worker took
    the step and has run both (the queue is empty and nothing is held unacknowledged)."""
    escalate_alerts.apply_async()
    escalate_alerts.apply_async()
    assert wait_until(lambda: Alert.objects.get(pk=alert.pk).escalation_level == level), (
        f"the worker did not escalate to level {level}"
    )

    def idle() -> bool:  # nothing queued, nothing held by the worker unacknowledged
        return broker.llen(QUEUE) == 0 and broker.hlen("unacked") == 0

    # twice, a second apart: between taking a message and holding it, both are empty
    assert wait_until(lambda: idle() and (time.sleep(1) or idle())), (
        "the worker did not run both jobs"
    )


def _stop(worker) -> None:
    """Stop the worker and show what it said (pytest prints it when the test fails)."""
    if worker.poll() is None:
        worker.terminate()
    worker.wait(timeout=30)
    print(worker.stderr.read().decode(errors="replace")[-3000:])


def _emails(alert: Alert, level: int) -> dict[str, str]:
    """The e-mails written for this step of the alert: Message-ID → address."""
    return {
        outbox.message_id(m): m.address
        for m in OutboxMessage.objects.filter(
            key__startswith=f"alert:{alert.pk}:level{level}:", channel=Channel.EMAIL
        )
    }


@pytest.mark.django_db(transaction=True)
def test_a_worker_escalates_each_level_once_and_never_an_acknowledged_alert(redis_url):
    net = _network()
    # raised in this process (tasks in-process): the coordinator hears of both at once
    waiting = _urgent_visit(net, bp_systolic=170, bp_diastolic=115)
    taken = _urgent_visit(net, lochia="heavy")
    services.alert_acknowledge(actor=net.users["coordinator"], alert=taken, note="Ik ga nu")
    assert set(
        OutboxMessage.objects.filter(key__contains=":level0:").values_list(
            "recipient__username", flat=True
        )
    ) == {"griet"}

    broker = redis.Redis.from_url(redis_url)
    broker.flushdb()  # the test's own database number (15): only what this test sends
    with SmtpSink() as smtp:
        worker = start_worker(
            redis_url, **smtp.environment(), ALERT_ESCALATE_MINUTES=str(ESCALATE_MINUTES)
        )
        route_celery(redis_url, eager=False)
        try:
            steps = []
            for step in LADDER:  # a quarter of an hour into each step, not the next
                minutes = int(step.after / ESCALATE_AFTER * ESCALATE_MINUTES) + 15
                _age(waiting, taken, minutes=minutes)
                _run_twice_and_wait(broker, waiting, level=step.level)
                steps.append(Counter(smtp.message_ids()))
            assert worker.poll() is None, "the worker stopped"
        finally:
            _stop(worker)
            route_celery(redis_url, eager=True)
        arrived = Counter(smtp.message_ids())

    level1, level2, level3 = (_emails(waiting, level) for level in (1, 2, 3))
    # Olivia on call (not the GP, who recorded it, nor the coordinator, who had it at once);
    # then the ward's contact; then everyone who may read the section
    assert sorted(level1.values()) == ["olivia@example.org"]
    assert sorted(level2.values()) == [WARD_EMAIL]
    assert sorted(level3.values()) == ["anne@example.org", "griet@example.org", "karim@example.org"]
    # each step's e-mails and nothing else, once each, though the job ran twice per step
    assert steps[0] == Counter(list(level1))
    assert steps[1] == Counter([*level1, *level2])
    assert arrived == Counter([*level1, *level2, *level3])
    assert (
        not OutboxMessage.objects.filter(key__startswith="alert:")
        .exclude(status=DeliveryStatus.SENT)
        .exists()
    )
    texts = OutboxMessage.objects.filter(
        key__startswith=f"alert:{waiting.pk}:level", channel=Channel.SMS
    )
    assert sorted(texts.values_list("address", flat=True)) == [
        "0470 00 11 22",
        "0470 11 22 33",
        "0470 11 22 33",
        "0470 44 55 66",
        "0470 77 88 99",
        "09 332 21 11",
    ]  # the coordinator at once; Olivia; the ward; everyone
    waiting.refresh_from_db()
    taken.refresh_from_db()
    assert waiting.escalation_level == 3 and waiting.escalated_at is not None
    assert taken.escalation_level == 0 and taken.escalated_at is None
    assert not OutboxMessage.objects.filter(key__regex=rf"^alert:{taken.pk}:level[12]:").exists()
