"""Housekeeping tasks of the whole installation, scheduled by Celery beat
(``CELERY_BEAT_SCHEDULE`` in config/settings.py)."""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.management import call_command


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Touch ``HEARTBEAT_DIR/beat``: sent by beat every minute and run by a worker, so the
    file's age says whether the schedule is being carried out (docker-compose.yml's beat
    healthcheck: older than 5 minutes, beat — or every worker — has stopped, and with it
    the outbox's sweep, the escalations and the hourly eBirth export)."""
    folder = Path(settings.HEARTBEAT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "beat").touch()


@shared_task(ignore_result=True)
def clear_sessions() -> None:
    """Remove the expired sessions (``manage.py clearsessions``): the database backend
    never removes them itself."""
    call_command("clearsessions")
