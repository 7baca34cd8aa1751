"""The eBirth export as a Celery task: hourly from Celery beat, and at once when a
registrar asks (the page queues a batch first, so a request is never lost: a broker outage
only delays it to the next scheduled run)."""

from celery import shared_task

from ebirth import export


@shared_task(acks_late=True)
def export_births(scheduled: bool = True) -> list[str]:
    """Finish the unfinished batches and, on the schedule, start a new one. Returns the
    batches done; an export already running makes this run a no-op."""
    try:
        return [batch.name for batch in export.export(scheduled=scheduled)]
    except export.ExportBusy:
        return []


@shared_task
def refresh_figures() -> list[int]:
    """Count the figures again (``ebirth.figures.refresh``): every year still open each
    hour, the others once a day. Returns the years counted."""
    from ebirth import figures

    return figures.refresh()
