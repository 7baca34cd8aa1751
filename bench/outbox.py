"""The outbox's figures (``make bench``):

* ``outbox_sweep_per_s``: e-mails delivered per second by one worker's sweep
  (``network.tasks.deliver_pending``, in this process) to a local SMTP sink (aiosmtpd on
  loopback, accepting at once): ``SWEEP_MESSAGES`` invitations (plain, HTML and calendar
  parts) written for the bench's own records, each claimed with its lease, sent over SMTP
  and marked sent. The rows are deleted afterwards. Informative (no target in the issue);
  what limits it is one SMTP conversation and three short transactions per message.
* ``plan_save_broker_down_ratio``: the median time of a care-plan save, its messages
  handed over after the commit, with the broker (a Redis database of the bench's own)
  stopped — a port where nothing listens — over the same with the broker up. Each save
  runs in a transaction that is rolled back; the callbacks that a commit would run are
  run inside the timing, so the hand-over is measured as a real save pays it. Target
  ≤ 1.5: a save never waits on the broker (``network.outbox.schedule``)."""

from __future__ import annotations

import copy
import statistics
import time

from django.db import connection, transaction
from django.test import override_settings

SWEEP_MESSAGES = 300
SAVE_WARMUP = 3
RATIO_TARGET = 1.5
BENCH_BROKER = "redis://127.0.0.1:6379/13"  # the bench's own database number
DEAD_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens there: Redis "stopped"


def sweep(emit, note) -> None:
    from network import ical, outbox
    from network.models import Channel, OutboxMessage
    from network.tasks import deliver_pending
    from tests.smtp import SmtpSink

    invitation = ical.calendar(
        [
            ical.event(
                uid="bench-outbox",
                summary="Huisbezoek",
                due_from="2026-12-01",
                due_until="2026-12-01",
                time="10:30",
                organizer=("Bench", "bench@localhost"),
                attendees=[("Bench", "bench@localhost")],
            )
        ],
        method="REQUEST",
    )
    OutboxMessage.objects.filter(key__startswith="bench-sweep:").delete()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                key=f"bench-sweep:{n}",
                channel=Channel.EMAIL,
                address=f"bench{n}@localhost",
                subject="Afspraak: Huisbezoek",
                body="Beste,\n\nEen afspraak.\n" * 5,
                html_body="<p>Beste,</p><p>Een afspraak.</p>" * 5,
                calendar=invitation,
                calendar_method="REQUEST",
            )
            for n in range(SWEEP_MESSAGES)
        ]
    )
    try:
        with (
            SmtpSink() as smtp,
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=smtp.port,
                EMAIL_USE_TLS=False,
            ),
        ):
            start = time.perf_counter()
            sent = deliver_pending()
            seconds = time.perf_counter() - start
            arrived = len(smtp.message_ids())
    finally:
        OutboxMessage.objects.filter(key__startswith="bench-sweep:").delete()
    emit("outbox_sweep_per_s", sent / seconds, "messages/s")
    note(
        f"outbox sweep: {sent} of {SWEEP_MESSAGES} sent in {seconds:.1f} s, {arrived} "
        f"arrived at the SMTP sink (backlog after: {outbox.backlog()['waiting']} waiting)"
    )


def _route(url: str, *, eager: bool) -> None:
    from kombu import pools

    from config.celery import app

    app.conf.update(CELERY_BROKER_URL=url, CELERY_TASK_ALWAYS_EAGER=eager)
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


def _timed_saves(repeat: int, midwife, dossier, plan) -> list[float]:
    from careplan.selectors import current_plan
    from careplan.services import plan_save

    samples = []
    for run in range(SAVE_WARMUP + repeat):
        mine = copy.deepcopy(plan)
        for appointment in mine["appointments"]:  # every save moves every appointment
            appointment["time"] = f"{8 + run % 10:02d}:{run % 60:02d}"
        _plan, version = current_plan(dossier)
        start = time.perf_counter()
        plan_save(
            actor=midwife,
            dossier=dossier,
            content=mine,
            base_number=version.number if version else 0,
        )
        callbacks, connection.run_on_commit = connection.run_on_commit, []
        for _ids, callback, _robust in callbacks:  # what the commit would run
            callback()
        if run >= SAVE_WARMUP:
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def broker_down(repeat: int, emit, note) -> None:
    import redis
    from django.contrib.auth.models import User

    from bench.careplan import _build, _plan
    from config.celery import app

    try:
        redis.Redis.from_url(BENCH_BROKER, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        note(f"plan_save_broker_down_ratio not measured: no Redis at {BENCH_BROKER} ({error})")
        return
    midwife = User.objects.select_related("professional").get(username="bench-midwife")
    gp = User.objects.select_related("professional").get(username="bench-gp")
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    try:
        with transaction.atomic():
            dossier = _build(midwife, gp)
            mother = dossier.mother
            mother.email, mother.phone = "bench-mother@localhost", "0470 00 00 00"
            mother.save()
            for user in (midwife, gp):
                user.email = user.email or f"{user.username}@localhost"
                user.save(update_fields=["email"])
            plan = _plan(
                dossier.expected_due_date,
                [str(midwife.professional.public_id), str(gp.professional.public_id)],
            )
            _route(BENCH_BROKER, eager=False)
            up = _timed_saves(repeat, midwife, dossier, plan)
            _route(DEAD_BROKER, eager=False)
            down = _timed_saves(repeat, midwife, dossier, plan)
            transaction.set_rollback(True)
    finally:
        _route(broker, eager=eager)
        time.sleep(1)  # the publisher thread finishes what it was handed
        redis.Redis.from_url(BENCH_BROKER).flushdb()
    ratio = statistics.median(down) / statistics.median(up)
    emit("plan_save_broker_up_median_ms", statistics.median(up), "ms")
    emit("plan_save_broker_down_median_ms", statistics.median(down), "ms")
    emit("plan_save_broker_down_ratio", ratio, "x")
    met = "met" if ratio <= RATIO_TARGET else "NOT met"
    note(
        f"target plan_save_broker_down_ratio ≤ {RATIO_TARGET}: {ratio:.2f} ({met}); "
        f"{repeat} saves each moving 8 appointments (invitations to 2 members and the "
        "mother, e-mail and SMS)"
    )
