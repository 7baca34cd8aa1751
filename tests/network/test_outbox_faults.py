"""The outbox against real faults: a real Celery worker SIGKILLed at every step of sending
an e-mail, and the broker (a Redis of the test's own) stopped while the worker holds an
unacknowledged message and while plans are saved. A real SMTP server (aiosmtpd) counts
what arrived, by Message-ID: every message at least once, at most once more, never lost;
no save waits on the broker and none answers 5xx."""

from __future__ import annotations

import datetime
import signal
import statistics
import time
from collections import Counter

import pytest
import redis
from django.conf import settings as django_settings
from django.urls import reverse

from careplan import content, services
from network import outbox
from network.models import Channel, DeliveryStatus, OutboxMessage
from network.tasks import deliver_pending
from tests.conftest import require_service, route_celery, sign_in_verified
from tests.personas import build_network
from tests.smtp import SmtpSink
from tests.workers import RedisServer, start_worker, wait_until

LEASE = "2"  # seconds a worker holds a message before the sweep may take it back


def _network():
    net = build_network()
    for persona in ("coordinator", "gp", "mother"):
        user = net.users[persona]
        user.email = f"{user.username}@example.org"
        user.save()
    mother = net.a.mother
    mother.email = "lotte@example.org"
    mother.save()
    return net


def _plan(net, *, days: int, notify: bool = True) -> dict:
    day = datetime.date.today() + datetime.timedelta(days=days)
    plan = content.empty_plan()
    plan["appointments"] = [
        content.new_appointment(
            "home_visit",
            day,
            day,
            time="10:30",
            member=str(net.users["coordinator"].professional.public_id),
        )
    ]
    if notify:
        plan["discharge_notify"] = [str(net.users["gp"].professional.public_id)]
    return plan


def _sweep_until_all_sent(seconds: float = 90) -> bool:
    """Beat's job, done by the test: hand the sweep to the worker every two seconds until
    no message is left to send."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not OutboxMessage.objects.exclude(status=DeliveryStatus.SENT).exists():
            return True
        deliver_pending.apply_async()
        time.sleep(2)
    return False


def _stop(worker) -> None:
    """Stop the worker and show what it said (pytest prints it when the test fails)."""
    if worker.poll() is None:
        worker.terminate()
    worker.wait(timeout=30)
    print(worker.stderr.read().decode(errors="replace")[-3000:])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", ["before_smtp", "after_smtp", "before_mark"])
def test_a_worker_killed_while_sending_loses_no_message(point, tmp_path, redis_url):
    net = _network()
    redis.Redis.from_url(redis_url).flushdb()  # the test's own database number (15)
    with SmtpSink() as smtp:
        settings = {**smtp.environment(), "OUTBOX_LEASE_SECONDS": LEASE}
        worker = start_worker(
            redis_url,
            module="tests.fault_worker",
            OUTBOX_KILL_AT=point,
            OUTBOX_KILL_MARKER=str(tmp_path / "killed"),
            **settings,
        )
        route_celery(redis_url, eager=False)
        try:
            services.plan_save(
                actor=net.users["mother"], dossier=net.a, content=_plan(net, days=2), base_number=0
            )
            killed = wait_until(lambda: worker.poll() is not None, 120)
            assert killed and worker.returncode == -signal.SIGKILL, (
                "the fault did not fire",
                list(OutboxMessage.objects.values_list("status", "attempts", "last_error")),
                outbox._broker_paused_until,
                time.monotonic(),
            )
            worker = start_worker(redis_url, **settings)
            assert _sweep_until_all_sent(), "a message was lost after the worker died"
        finally:
            _stop(worker)
            route_celery(redis_url, eager=True)
        arrived = Counter(smtp.message_ids())
    written = {outbox.message_id(m) for m in OutboxMessage.objects.filter(channel=Channel.EMAIL)}
    assert len(written) == 5  # invitations: midwife, GP, mother; the new version: both
    assert set(arrived) == written  # every message arrived, nothing else did
    assert max(arrived.values()) <= 2
    repeated = [key for key, count in arrived.items() if count == 2]
    # killed before the server had it: no repeat; after: one repeat, with the same
    # Message-ID (and the same invitation UID and SEQUENCE), which a client recognises
    assert len(repeated) == (0 if point == "before_smtp" else 1)


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_saves_do_not_wait_and_the_worker_delivers_once_it_is_back(
    tmp_path, client
):
    if not RedisServer(tmp_path).binary:
        require_service("redis-server", "the test starts and stops a Redis of its own")
    net = _network()
    api = sign_in_verified(client, net.users["coordinator"])
    url = reverse("api:careplan", args=[net.a.public_id])
    with RedisServer(tmp_path) as broker, SmtpSink(delay=3) as smtp:
        worker = start_worker(broker.url, **smtp.environment(), OUTBOX_LEASE_SECONDS="30")
        route_celery(broker.url, eager=False)
        try:
            services.plan_save(
                actor=net.users["mother"], dossier=net.a, content=_plan(net, days=2), base_number=0
            )
            # the worker is in the middle of a slow SMTP conversation: it holds an
            # unacknowledged message when Redis goes away
            assert wait_until(
                lambda: OutboxMessage.objects.filter(status=DeliveryStatus.SENDING).exists(), 30
            )
            up = _timed_saves(api, url, net, first_days=3, count=3, base=1)
            broker.stop()
            down = _timed_saves(api, url, net, first_days=10, count=5, base=4)
            time.sleep(3)  # the worker meets the dead connection
            broker.start()  # the same port, empty: what was queued is gone
            assert _sweep_until_all_sent(120), "messages held up by the outage never left"
            time.sleep(2)
            assert worker.poll() is None, "the worker died with the broker"
        finally:
            _stop(worker)
            route_celery(django_settings.REDIS_URL, eager=True)
        arrived = Counter(smtp.message_ids())
    assert statistics.median(down) <= 1.5 * statistics.median(up) + 0.05, (up, down)
    written = {outbox.message_id(m) for m in OutboxMessage.objects.filter(channel=Channel.EMAIL)}
    assert set(arrived) == written
    assert set(arrived.values()) == {1}, "a message arrived twice"


def _timed_saves(api, url, net, *, first_days: int, count: int, base: int) -> list[float]:
    seconds = []
    for step in range(count):
        plan = _plan(net, days=first_days + step, notify=False)
        started = time.perf_counter()
        response = api.put(
            url, plan, content_type="application/json", headers={"If-Match": f'"v{base + step}"'}
        )
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    return seconds
