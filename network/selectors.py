"""Reads for the network pages; every one starts from a dossier the user may open."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from network.models import AccessEvent, Membership, Notification, Professional


def professionals_matching(*, q: str = "", profession: str = "", municipality: str = "",
                           exclude_dossier=None) -> QuerySet[Professional]:
    found = Professional.objects.filter(user__is_active=True).select_related(
        "user", "organisation")
    for word in q.split():
        found = found.filter(Q(user__first_name__icontains=word)
                             | Q(user__last_name__icontains=word))
    if profession:
        found = found.filter(profession=profession)
    if municipality:
        found = found.filter(Q(municipality__icontains=municipality)
                             | Q(organisation__municipality__icontains=municipality))
    if exclude_dossier is not None:
        found = found.exclude(memberships__dossier=exclude_dossier,
                              memberships__ended_at__isnull=True)
    return found.order_by("user__last_name", "user__first_name")


def past_members(dossier) -> QuerySet[Membership]:
    return (Membership.objects.filter(dossier=dossier, ended_at__isnull=False)
            .select_related("professional__user").order_by("-ended_at"))


def access_events_of(dossier) -> QuerySet[AccessEvent]:
    """What the mother sees: every event about this record of hers, newest first."""
    return AccessEvent.objects.filter(dossier=dossier).order_by("-id")


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("dossier")
