"""Celery tasks of the care plan: thin, idempotent."""

from celery import shared_task


@shared_task
def remind_appointments() -> int:
    """Every hour (Celery beat): the mothers' reminders of tomorrow's appointments, each
    sent once (``careplan.messages.remind_tomorrow``)."""
    from careplan import messages

    return messages.remind_tomorrow()
