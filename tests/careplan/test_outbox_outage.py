"""The outbox against the real broker and a real Celery worker: with Redis unreachable the
plan is saved and its messages wait; once Redis is back the sweep hands them to the
worker, which sends each exactly once — even when the same message is queued again."""

import datetime
import time

import pytest
import redis

from careplan import content, services
from network.models import DeliveryStatus, OutboxMessage
from network.tasks import deliver_message, deliver_pending
from tests.conftest import route_celery
from tests.personas import build_network
from tests.workers import start_worker, wait_until

DEAD_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens there: Redis "stopped"


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_delays_messages_and_loses_or_doubles_none(tmp_path, redis_url):
    net = build_network()
    for persona in ("coordinator", "gp"):
        user = net.users[persona]
        user.email = f"{user.username}@example.org"
        user.save()
    today = datetime.date.today()
    appointment = content.new_appointment(
        "first_home_visit",
        today,
        today,
        time="09:00",
        member=str(net.users["coordinator"].professional.public_id),
    )
    plan = content.empty_plan()
    plan["appointments"] = [appointment]
    plan["discharge_notify"] = [str(net.users["gp"].professional.public_id)]

    route_celery(DEAD_BROKER, eager=False)
    try:
        services.plan_save(
            actor=net.users["mother"], dossier=net.a, content=plan, base_number=0
        )  # commits; handing the messages over fails
    finally:
        route_celery(redis_url, eager=False)
    waiting = list(OutboxMessage.objects.filter(channel="email"))
    assert len(waiting) == 4 and {m.status for m in waiting} == {DeliveryStatus.PENDING}

    redis.Redis.from_url(redis_url).flushdb()  # an empty queue: only what this test sends
    worker = start_worker(
        redis_url,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(tmp_path),
    )
    try:
        deliver_pending.apply_async()  # the sweep, as beat runs it
        deliver_message.apply_async(args=[waiting[0].pk])  # and the same message again
        assert wait_until(
            lambda: not OutboxMessage.objects.exclude(status=DeliveryStatus.SENT).exists()
        ), "the worker did not send every message"
        deliver_message.apply_async(args=[waiting[1].pk])  # once more, after it was sent
        time.sleep(2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        route_celery(redis_url, eager=True)
    written = "".join(f.read_text() for f in tmp_path.iterdir())  # the worker's e-mails
    # two invitations at 09:00 and two notes of the new version, each sent once
    assert written.count("\nSubject: ") == 4
    assert written.count("T090000") == 2
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
