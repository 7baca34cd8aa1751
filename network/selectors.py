"""Reads for the network pages; every one starts from a dossier the user may open."""

from __future__ import annotations

from django.db.models import (
    Case,
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat

from network import access
from network.models import (
    AccessEvent,
    Concern,
    DossierUserObjectPermission,
    Membership,
    Notification,
    Professional,
    Urgency,
)


def professionals_matching(
    *, q: str = "", profession: str = "", municipality: str = "", exclude_dossier=None
) -> QuerySet[Professional]:
    found = Professional.objects.filter(user__is_active=True).select_related("user", "organisation")
    for word in q.split():
        found = found.filter(
            Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
        )
    if profession:
        found = found.filter(profession=profession)
    if municipality:
        found = found.filter(
            Q(municipality__icontains=municipality)
            | Q(organisation__municipality__icontains=municipality)
        )
    if exclude_dossier is not None:
        found = found.exclude(
            memberships__dossier=exclude_dossier, memberships__ended_at__isnull=True
        )
    return found.order_by("user__last_name", "user__first_name")


def past_members(dossier) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(dossier=dossier, ended_at__isnull=False)
        .select_related("professional__user")
        .order_by("-ended_at")
    )


def access_events_of(dossier) -> QuerySet[AccessEvent]:
    """What the mother sees: every event about this record of hers, newest first."""
    return AccessEvent.objects.filter(dossier=dossier).order_by("-id")


def notifications_for(user) -> QuerySet[Notification]:
    """The user's notifications that she may read now, newest first: none about a dossier
    she may no longer open (a membership ended), none about a section no longer shared
    with her (``Notification.section``). One query, whatever the number of rows; render
    the page's rows with ``network.notices.render``."""
    if not user.is_authenticated:
        return Notification.objects.none()
    section_shared = Exists(
        DossierUserObjectPermission.objects.filter(
            user=user,
            content_object=OuterRef("dossier"),
            permission__content_type__app_label="dossier",
            permission__codename=Concat(
                Value("view_"), OuterRef("section"), output_field=CharField()
            ),
        )
    )
    return (
        Notification.objects.filter(recipient=user)
        .filter(Q(dossier__isnull=True) | Q(dossier__in=access.visible_dossiers(user).values("pk")))
        .filter(Q(section="") | Q(dossier__isnull=True) | section_shared)
        .select_related("dossier__mother")
    )


def unread_count(user) -> int:
    """How many of ``notifications_for`` are unread: one query (the header's count)."""
    return notifications_for(user).filter(read_at__isnull=True).count()


# --- worrying situations (R28) ---------------------------------------------------------


def open_concerns_for_coordinator(user) -> QuerySet[Concern]:
    """The signalled situations not yet acknowledged in the records this user coordinates:
    "call me" first, then the oldest first. Whoever shows their text logs a psychosocial
    read per record shown."""
    return (
        Concern.objects.filter(
            dossier__in=access.coordinated_dossiers(user), acknowledged_at__isnull=True
        )
        .select_related("dossier__mother", "raised_by__professional")
        .annotate(
            now_first=Case(
                When(urgency=Urgency.NOW, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("now_first", "created_at", "pk")
    )


def concerns_of(user, dossier) -> QuerySet[Concern]:
    """What this user may read of the situations signalled in this dossier, newest first:
    the coordinator reads them all, anyone else only the ones they signalled. ``dossier``
    comes from ``dossier_for``."""
    concerns = (
        Concern.objects.filter(dossier=dossier)
        .select_related("raised_by__professional", "acknowledged_by")
        .order_by("-created_at", "-pk")
    )
    if access.is_coordinator(user, dossier):
        return concerns
    if not access.can_raise_concern(user, dossier):
        return concerns.none()
    return concerns.filter(raised_by=user)
