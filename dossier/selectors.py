"""Every user-dependent read of the record starts from ``network.access``."""

from __future__ import annotations

import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dossier import screenings
from dossier.insz import compact_insz
from dossier.models import (
    Dossier,
    EntryChange,
    Measurement,
    Newborn,
    NewbornStatus,
    Screening,
    VitalStatus,
)
from dossier.sections import Section
from network import access


def dossier_for(user, public_id) -> Dossier:
    """The dossier, or a 404 whether it does not exist or lies outside the user's reach: its
    existence is itself health data. The refusal is logged by the boundary."""
    dossier = (access.visible_dossiers(user).select_related("mother", "delivery")
               .filter(public_id=public_id).first())
    if dossier is None:
        raise access.DossierNotFound(public_id, Dossier.objects.filter(public_id=public_id).first())
    return dossier


def dossier_list(user, *, query: str = "", status: str = "") -> QuerySet[Dossier]:
    """The user's dossiers, newest first. A search on name or INSZ only matches dossiers
    whose identity section the user may see."""
    newborns = (Newborn.objects.filter(dossier=OuterRef("pk")).order_by()
                .values("dossier").annotate(n=Count("pk")).values("n"))
    # Newest first by id (ids grow with created_at): the index returns the page in order and
    # only its rows are read; the newborns are counted per row shown, not grouped over all.
    dossiers = access.with_section_flags(
        access.visible_dossiers(user).select_related("mother", "delivery")
        .annotate(newborn_count=Coalesce(Subquery(newborns, output_field=IntegerField()), 0))
        .order_by("-pk"), user)
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
        dossiers = dossiers.filter(match, can_view_identity=True)
    return dossiers


# Where each section's entries live, for its history page.
HISTORY_SOURCES = {
    Section.IDENTITY: ("dossier_mother", "mother"),
    Section.PRENATAL: ("dossier_dossier", "dossier"),
    Section.DELIVERY: ("dossier_delivery", "entries"),
    Section.NEWBORN: ("dossier_newborn", "entries"),
}


def changes_of(dossier: Dossier, section: str) -> QuerySet[EntryChange]:
    """The history of one section of this dossier, newest first."""
    table, scope = HISTORY_SOURCES[section]
    changes = EntryChange.objects.filter(table_name=table).select_related("actor")
    if scope == "mother":
        return changes.filter(row_id=dossier.mother_id)
    if scope == "dossier":
        return changes.filter(row_id=dossier.pk)
    if section == Section.NEWBORN:  # the newborns, their weighings and their screenings
        weighings = Measurement.objects.filter(newborn__dossier=dossier).values("pk")
        tests = Screening.objects.filter(newborn__dossier=dossier).values("pk")
        return EntryChange.objects.select_related("actor").filter(
            Q(table_name=table, dossier_id=dossier.pk)
            | Q(table_name="dossier_measurement", row_id__in=weighings)
            | Q(table_name="dossier_screening", row_id__in=tests))
    return changes.filter(dossier_id=dossier.pk)


def missing_screenings(user, *, days: int = 60) -> list[dict]:
    """For the coordinator: live newborns of the last ``days`` days in the dossiers they
    coordinate (and whose newborn section they may see) with a screening due or overdue."""
    since = timezone.now() - datetime.timedelta(days=days)
    dossiers = access.with_section_flags(access.coordinated_dossiers(user), user,
                                         sections=[Section.NEWBORN])
    newborns = (Newborn.objects
                .filter(dossier__in=dossiers.filter(can_view_newborn=True),
                        dossier__delivery__born_at__gte=since,
                        vital_status=VitalStatus.LIVE_BIRTH)
                .exclude(status=NewbornStatus.DECEASED)
                .select_related("dossier__mother", "dossier__delivery")
                .prefetch_related("screenings"))
    rows = []
    for newborn in newborns:
        missing = [s for s in screenings.states(newborn.dossier.delivery.born_at,
                                                newborn.screenings.all()) if s.missing]
        if missing:
            rows.append({"newborn": newborn, "dossier": newborn.dossier, "missing": missing})
    return sorted(rows, key=lambda row: row["dossier"].delivery.born_at)
