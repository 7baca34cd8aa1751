"""``network.outbox.drain``: what was handed to the background publisher is published
before the broker is switched (the tests' outages depend on it)."""

import time

from network import outbox


class _Slow:
    """A task whose publishing takes a while, recording what it published."""

    name = "slow"

    def __init__(self):
        self.published = []

    def apply_async(self, args, retry):
        time.sleep(0.3)
        self.published.append(args)


def test_drain_waits_for_every_hand_over_made_before_it(monkeypatch):
    from config.celery import app

    # the settings' own (namespaced) name, as tests.conftest.route_celery sets it
    monkeypatch.setitem(app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    assert not app.conf.task_always_eager
    monkeypatch.setattr(outbox, "_broker_paused_until", {})
    task = _Slow()
    outbox.hand_over(task, 1)
    outbox.hand_over(task, 2)
    assert task.published == []  # the caller did not wait
    outbox.drain()
    assert task.published == [[1], [2]]
    outbox.drain()  # nothing pending: returns at once
