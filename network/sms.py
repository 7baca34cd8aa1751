"""Sending an SMS through a pluggable backend (settings ``SMS_BACKEND``): by default the
console backend, which only logs; ``network.sms.HttpGatewayBackend`` posts to the gateway
named by ``SMS_GATEWAY_URL`` (with ``SMS_GATEWAY_TOKEN`` as a bearer token).

Every message carries an idempotency key, the same on every try of the same outbox
message: a gateway that honours it sends a message repeated after a crash only once."""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("moederschap.sms")


class SmsError(Exception):
    """The gateway did not take the message; the outbox tries again later."""


class ConsoleBackend:
    def send(self, to: str, text: str, key: str = "") -> None:
        logger.info("SMS to %s (%s): %s", to, key or "-", text)


class HttpGatewayBackend:
    """POST {"to", "text", "id"} as JSON with the key also as ``Idempotency-Key``; any
    answer but 2xx is an error."""

    timeout = 10

    def send(self, to: str, text: str, key: str = "") -> None:
        payload = {"to": to, "text": text, **({"id": key} if key else {})}
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
        }
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            method="POST",
            data=json.dumps(payload).encode(),
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except OSError as error:  # URLError and HTTPError are OSErrors
            raise SmsError(f"gateway unreachable or refused: {error}") from error


def send_sms(to: str, text: str, *, key: str = "") -> None:
    import_string(settings.SMS_BACKEND)().send(to, text, key=key)
