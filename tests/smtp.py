"""A real SMTP server on loopback (aiosmtpd) that keeps what it received, so tests count
what really arrived — by Message-ID — instead of trusting the sender's word."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import time

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        if self.sink.delay and not self.sink.received:
            time.sleep(self.sink.delay)  # slow on the first: the worker is busy meanwhile
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.received.append(message)
        return "250 OK"


class SmtpSink:
    """``delay``: seconds the server takes over the first message it receives."""

    def __init__(self, delay: float = 0.0):
        self.delay, self.received, self.lock = delay, [], threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def environment(self) -> dict[str, str]:
        """The settings a worker needs to send here."""
        return {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(self.port),
            "DJANGO_EMAIL_USE_TLS": "false",
        }

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(message["Message-ID"]) for message in self.received]
