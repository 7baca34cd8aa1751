"""Every user-dependent read of the record starts from ``network.access``."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from dossier.insz import compact_insz
from dossier.models import Dossier
from network.access import visible_dossiers


def dossier_for(user, public_id) -> Dossier:
    """The dossier, or 404 whether it does not exist or is outside the user's reach: its
    existence is itself health data."""
    queryset = visible_dossiers(user).select_related("mother", "delivery")
    return get_object_or_404(queryset, public_id=public_id)


def dossier_list(user, *, query: str = "", status: str = "") -> QuerySet[Dossier]:
    dossiers = (
        visible_dossiers(user)
        .select_related("mother", "delivery")
        .annotate(newborn_count=Count("newborns"))
        .order_by("-created_at")
    )
    if status:
        dossiers = dossiers.filter(status=status)
    query = query.strip()
    if query:
        match = (Q(mother__given_name__icontains=query)
                 | Q(mother__family_name__icontains=query)
                 | Q(mother__municipality__icontains=query))
        digits = compact_insz(query)
        if digits.isdigit() and len(digits) >= 6:
            match |= Q(mother__insz__startswith=digits)
        words = query.split()
        if len(words) > 1:  # "An Peeters": every word in the first name or the surname
            every_word = Q()
            for word in words:
                every_word &= (Q(mother__given_name__icontains=word)
                               | Q(mother__family_name__icontains=word))
            match |= every_word
        dossiers = dossiers.filter(match)
    return dossiers

