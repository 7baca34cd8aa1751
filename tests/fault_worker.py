"""A real Celery worker that SIGKILLs itself once at one point of sending an outbox e-mail,
to prove that a dead worker loses no message (tests/network/test_outbox_faults.py).

    python -m tests.fault_worker   with OUTBOX_KILL_AT = before_smtp | after_smtp |
                                   before_mark and OUTBOX_KILL_MARKER = a file path

* ``before_smtp``: the SMTP connection is open, the message not yet handed over;
* ``after_smtp``: the server accepted the message, the connection is not yet closed;
* ``before_mark``: the e-mail is sent, the outbox row not yet marked sent.

The marker file makes it happen once: the worker started after it sends normally."""

import os
import signal
import smtplib
from pathlib import Path


def _die_once(marker: Path) -> None:
    if not marker.exists():
        marker.write_text("killed")
        os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from config.celery import app
    from network import outbox

    point, marker = os.environ["OUTBOX_KILL_AT"], Path(os.environ["OUTBOX_KILL_MARKER"])
    sendmail, mark_sent = smtplib.SMTP.sendmail, outbox.mark_sent

    def killing_sendmail(self, *args, **kwargs):
        if point == "before_smtp":
            _die_once(marker)
        result = sendmail(self, *args, **kwargs)
        if point == "after_smtp":
            _die_once(marker)
        return result

    def killing_mark_sent(message):
        if point == "before_mark":
            _die_once(marker)
        return mark_sent(message)

    smtplib.SMTP.sendmail = killing_sendmail
    outbox.mark_sent = killing_mark_sent
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ]
    )


if __name__ == "__main__":
    main()
