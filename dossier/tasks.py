"""Celery tasks of the record: take ids or nothing, call the services; idempotent."""

from celery import shared_task


@shared_task
def remind_overdue_consults() -> int:
    """Every 5 minutes (Celery beat): an open consult request past its time is followed up
    once — the asker and the ward (``dossier.consult_services.remind_overdue``); running it
    twice changes nothing."""
    from dossier import consult_services

    return consult_services.remind_overdue()
