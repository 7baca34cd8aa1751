"""Feeds and nappies per baby (issue 18): the mother logs them in a tap, for each of her
babies (``BabyLog``, an entry of the newborn section written by the mother herself; what
a tap records is ``dossier.selfcare.QUICK``); the midwife reads the last 24 hours per baby
on the record and on the feeds page, counted in one aggregate query for all the babies.

Before, a feed was one of the mother's own observations (``SelfMonitoring``, kinds
breastfeed and bottle, the postnatal section). No new one is taken; those noted before are
not moved into ``BabyLog`` (a breastfeed there has no side, and has minutes and a note
``BabyLog`` does not hold; moving them would also move them from the postnatal section to
the newborn one, which other people may see). They stay where they were, and for a reader of
the postnatal section (``own=True``) they count in the last 24 hours and are listed with
the feeds — one aggregate query more for all the babies."""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.prepared import STAND_IN_IDS, STAND_IN_TIME, Prepared
from dossier.entry_forms import NUMERIC, EntryForm
from dossier.forms import DateTimeInput
from dossier.models import BabyLog, SelfMonitoring
from dossier.selfcare import (
    BOTTLE_ML,
    FEED_KINDS,
    PER_BABY_KINDS,
    QUICK,
    QUICK_LABELS,
    CareKind,
    SelfKind,
)

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
    own_feeds: int = 0  # of ``feeds``: noted as own observations, before feeds were per baby


def _with_own(day: Day, row: dict) -> Day:
    lasts = [at for at in (day.last_feed_at, row["last_feed_at"]) if at is not None]
    return dataclasses.replace(
        day,
        feeds=day.feeds + row["feeds"],
        breast=day.breast + row["breast"],
        bottles=day.bottles + row["bottles"],
        bottle_ml=day.bottle_ml + int(row["bottle_ml"].to_integral_value()),
        last_feed_at=max(lasts, default=None),
        own_feeds=row["feeds"],
    )


def _own_per_baby(ids: list[int], since: datetime.datetime):
    return (
        SelfMonitoring.objects.filter(
            newborn_id__any=ids, kind__in=PER_BABY_KINDS, noted_at__gt=since
        )
        .values("newborn_id")
        .annotate(
            feeds=Count("pk"),
            breast=Count("pk", filter=Q(kind=SelfKind.BREASTFEED)),
            bottles=Count("pk", filter=Q(kind=SelfKind.BOTTLE)),
            bottle_ml=Coalesce(Sum("value", filter=Q(kind=SelfKind.BOTTLE)), Decimal(0)),
            last_feed_at=Max("noted_at"),
        )
        .order_by()
    )


_OWN_PER_BABY = Prepared(_own_per_baby, ids=STAND_IN_IDS, since=STAND_IN_TIME)


def _own_last_24h(ids: list[int], since: datetime.datetime) -> dict[int, dict]:
    """The feeds noted as own observations (``SelfMonitoring``) per baby: one query."""
    return {row.pop("newborn_id"): row for row in _OWN_PER_BABY(ids=ids, since=since)}


def last_24h(
    newborns, *, now: datetime.datetime | None = None, own: bool = False
) -> dict[int, Day]:
    """``{newborn.pk: Day}`` for these babies: one query, however many babies and logs.
    ``own``: the reader may see the postnatal section, so the feeds noted as own
    observations count too (a second query)."""
    ids = [newborn.pk for newborn in newborns]
    if not ids:
        return {}
    since = (now or timezone.now()) - WINDOW
    found = {row.pop("newborn_id"): Day(**row) for row in _PER_BABY(ids=ids, since=since)}
    days = {pk: found.get(pk, Day()) for pk in ids}
    if own:
        for pk, row in _own_last_24h(ids, since).items():
            days[pk] = _with_own(days[pk], row)
    return days


def _per_baby(ids: list[int], since: datetime.datetime):
    feed = Q(kind__in=FEED_KINDS)
    return (
        BabyLog.objects.filter(newborn_id__any=ids, noted_at__gt=since)
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


_PER_BABY = Prepared(_per_baby, ids=STAND_IN_IDS, since=STAND_IN_TIME)


def attach_last_24h(newborns, *, now: datetime.datetime | None = None, own: bool = False):
    """Set ``care_24h`` (a ``Day``) on each newborn, for the record's page."""
    days = last_24h(newborns, now=now, own=own)
    for newborn in newborns:
        newborn.care_24h = days[newborn.pk]
    return newborns


def recent_by_baby(
    newborns, *, now: datetime.datetime | None = None, own: bool = False
) -> dict[int, list]:
    """The last 24 hours' logs per baby, newest first (one query; with ``own``, the feeds
    noted as own observations among them: one more)."""
    since = (now or timezone.now()) - WINDOW
    ids = [n.pk for n in newborns]
    by_baby: defaultdict[int, list[BabyLog | SelfMonitoring]] = defaultdict(list)
    for log in BabyLog.objects.filter(newborn_id__in=ids, noted_at__gt=since).order_by(
        "-noted_at", "-id"
    ):
        by_baby[log.newborn_id].append(log)
    if own:
        for entry in SelfMonitoring.objects.filter(
            newborn_id__in=ids, kind__in=PER_BABY_KINDS, noted_at__gt=since
        ):
            if entry.newborn_id is not None:  # a feed names its baby (a CHECK)
                by_baby[entry.newborn_id].append(entry)
        for logs in by_baby.values():
            logs.sort(key=lambda log: log.noted_at, reverse=True)
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
