"""Reads for the network pages; every one starts from a dossier the user may open."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from network import access
from network.models import (
    AccessEvent,
    Concern,
    Membership,
    Notification,
    Professional,
    Urgency,
)


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


# --- worrying situations (R28) ---------------------------------------------------------

def open_concerns_for_coordinator(user) -> QuerySet[Concern]:
    """The signalled situations not yet acknowledged in the records this user coordinates:
    "call me" first, then the oldest first. Whoever shows their text logs a psychosocial
    read per record shown."""
    return (Concern.objects
            .filter(dossier__in=access.coordinated_dossiers(user), acknowledged_at__isnull=True)
            .select_related("dossier__mother", "raised_by__professional")
            .annotate(now_first=Case(When(urgency=Urgency.NOW, then=Value(0)), default=Value(1),
                                      output_field=IntegerField()))
            .order_by("now_first", "created_at", "pk"))


def concerns_of(user, dossier) -> QuerySet[Concern]:
    """What this user may read of the situations signalled in this dossier, newest first:
    the coordinator reads them all, anyone else only the ones they signalled. ``dossier``
    comes from ``dossier_for``."""
    concerns = (Concern.objects.filter(dossier=dossier)
                .select_related("raised_by__professional", "acknowledged_by")
                .order_by("-created_at", "-pk"))
    if access.is_coordinator(user, dossier):
        return concerns
    if not access.can_raise_concern(user, dossier):
        return concerns.none()
    return concerns.filter(raised_by=user)
