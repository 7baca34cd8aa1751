"""Celery tasks of the care network: take ids, call access; idempotent."""

from celery import shared_task

from network import access
from network.models import Membership


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def recompute_role(role: str) -> int:
    """After an administrator changed a role's defaults: recompute every dossier where that
    role has an active member. Safe to run twice; returns the number of dossiers."""
    dossier_ids = (Membership.objects.filter(role=role, ended_at__isnull=True)
                   .values_list("dossier_id", flat=True).distinct())
    count = 0
    for dossier_id in dossier_ids.iterator(chunk_size=500):
        access.recompute_permissions_by_id(dossier_id)
        count += 1
    return count
