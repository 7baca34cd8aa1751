"""Who may see and change which dossier: the only place that decides (DESIGN.md §3).

Every page, form, API endpoint, PDF and export asks this module. Until the care network
(memberships and the mother's consent) exists, the rule is deliberately coarse: staff and
registered professionals see every dossier, everyone else sees none. The network issue
narrows these functions; their callers stay as they are."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from dossier.models import Dossier


def is_care_provider(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or hasattr(user, "professional")


def visible_dossiers(user: User | AnonymousUser) -> QuerySet[Dossier]:
    """The dossiers this user may open; every list and every lookup starts here."""
    if is_care_provider(user):
        return Dossier.objects.all()
    return Dossier.objects.none()


def can_edit_dossier(user: User | AnonymousUser, dossier: Dossier) -> bool:
    return visible_dossiers(user).filter(pk=dossier.pk).exists()


def can_open_dossier(user: User | AnonymousUser) -> bool:
    """May this user start a new maternity record?"""
    return is_care_provider(user)
