"""Feeds and nappies per baby (issue 18): the mother logs them in a tap, for each of her
babies (``BabyLog``, an entry of the newborn section written by the mother herself; what
a tap records is ``dossier.selfcare.QUICK``); the midwife reads the last 24 hours per baby
on the record and on the feeds page, counted in one aggregate query for all the babies."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossier.entry_forms import NUMERIC, EntryForm
from dossier.forms import DateTimeInput
from dossier.models import BabyLog
from dossier.selfcare import BOTTLE_ML, FEED_KINDS, QUICK, QUICK_LABELS, CareKind

WINDOW = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class Day:
    """One baby's last 24 hours."""

    feeds: int = 0
    breast: int = 0
    bottles: int = 0
    bottle_ml: int = 0
    wet: int = 0
    dirty: int = 0
    last_feed_at: datetime.datetime | None = None


def last_24h(newborns, *, now: datetime.datetime | None = None) -> dict[int, Day]:
    """``{newborn.pk: Day}`` for these babies: one query, however many babies and logs."""
    ids = [newborn.pk for newborn in newborns]
    if not ids:
        return {}
    since = (now or timezone.now()) - WINDOW
    feed = Q(kind__in=FEED_KINDS)
    rows = (
        BabyLog.objects.filter(newborn_id__in=ids, noted_at__gt=since)
        .values("newborn_id")
        .annotate(
            feeds=Count("pk", filter=feed),
            breast=Count("pk", filter=Q(kind__in=[CareKind.BREAST_LEFT, CareKind.BREAST_RIGHT])),
            bottles=Count("pk", filter=Q(kind=CareKind.BOTTLE)),
            bottle_ml=Coalesce(Sum("bottle_ml"), 0),
            wet=Count("pk", filter=Q(wet=True)),
            dirty=Count("pk", filter=Q(dirty=True)),
            last_feed_at=Max("noted_at", filter=feed),
        )
        .order_by()
    )
    found = {row.pop("newborn_id"): Day(**row) for row in rows}
    return {pk: found.get(pk, Day()) for pk in ids}


def attach_last_24h(newborns, *, now: datetime.datetime | None = None):
    """Set ``care_24h`` (a ``Day``) on each newborn, for the record's page."""
    days = last_24h(newborns, now=now)
    for newborn in newborns:
        newborn.care_24h = days[newborn.pk]
    return newborns


def recent_by_baby(newborns, *, now: datetime.datetime | None = None) -> dict[int, list]:
    """The last 24 hours' logs per baby, newest first (one query)."""
    since = (now or timezone.now()) - WINDOW
    by_baby = defaultdict(list)
    for log in BabyLog.objects.filter(
        newborn_id__in=[n.pk for n in newborns], noted_at__gt=since
    ).order_by("-noted_at", "-id"):
        by_baby[log.newborn_id].append(log)
    return by_baby


class BabyLogForm(EntryForm):
    """The full form (the entries' page and the API): any field, for amending too."""

    class Meta:
        model = BabyLog
        fields = ["newborn", "noted_at", "kind", "bottle_ml", "wet", "dirty"]
        widgets = {"noted_at": DateTimeInput(), "bottle_ml": forms.NumberInput(attrs=NUMERIC)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["noted_at"].initial = timezone.now()


class QuickLogForm(forms.Form):
    """One tap for one baby: the button says what (``what``); the time is now unless
    typed; a bottle asks how much."""

    what = forms.ChoiceField(label=_("What"), choices=list(QUICK_LABELS.items()))
    noted_at = forms.DateTimeField(
        label=_("When (empty: now)"), required=False, widget=DateTimeInput()
    )
    bottle_ml = forms.IntegerField(
        label=_("Bottle (ml)"),
        required=False,
        min_value=int(BOTTLE_ML.low),
        max_value=int(BOTTLE_ML.high),
        widget=forms.NumberInput(attrs=NUMERIC),
    )

    def entry(self, dossier, newborn) -> BabyLog:
        kind, wet, dirty = QUICK[self.cleaned_data["what"]]
        return BabyLog(
            dossier=dossier,
            newborn=newborn,
            noted_at=self.cleaned_data["noted_at"] or timezone.now(),
            kind=kind,
            bottle_ml=self.cleaned_data["bottle_ml"] if kind == CareKind.BOTTLE else None,
            wet=wet,
            dirty=dirty,
        )

    def add_model_errors(self, error: ValidationError) -> None:
        """The model's messages on this form's fields (the nappy's on the button row)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            target = {"wet": "what", "dirty": "what", "kind": "what"}.get(name, name)
            self.add_error(
                target if target in self.fields and target != NON_FIELD_ERRORS else None, errors
            )
