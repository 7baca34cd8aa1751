"""The anonymous figures policy makers ask for (R24, R25, R31), computed from what the
records already hold — nobody types them again. The shape follows the tables the Flemish
minister answered with (seeds 000 and 001): per year, per province, hours of kraamzorg,
families, their share, the services (public / private); and the quality indicators:
readmissions within 28 days, a home visit within 24 hours of discharge, screening
coverage, length of stay.

No cell may identify a family: a count of 1 to 4 families, and every figure computed from
so few, is shown as "<5" (``MIN_FAMILIES``). Numbers are formatted the Belgian way."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from dossier.geography import Province
from dossier.models import (
    Admission,
    Delivery,
    HomeHelpDay,
    Newborn,
    Screening,
    VitalStatus,
)
from dossier.models.stay import READMISSION_WINDOW_DAYS, first_visit_in_time
from dossier.screenings import ScreeningKind

MIN_FAMILIES = 5
SUPPRESSED = "<5"
UNKNOWN = ""  # a record or service without a province


def _rounded(value: Decimal, decimals: int) -> Decimal:
    """Half up, as people round (45,45 → 45,5), before the Belgian formatting."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def count(n: int) -> str:
    return SUPPRESSED if 0 < n < MIN_FAMILIES else number_format(n, force_grouping=True)


def figure(value, families: int, decimals: int = 1) -> str:
    """A figure computed from ``families`` families: hidden when they are too few."""
    if 0 < families < MIN_FAMILIES:
        return SUPPRESSED
    if value is None or families == 0:
        return "—"
    return number_format(_rounded(Decimal(value), decimals), decimals, force_grouping=True)


def share(part: int, whole: int) -> str:
    """A percentage; suppressed when the part or the whole counts fewer than 5 families."""
    if 0 < part < MIN_FAMILIES or 0 < whole < MIN_FAMILIES:
        return SUPPRESSED
    if whole == 0:
        return "—"
    return f"{number_format(_rounded(Decimal(part * 100) / whole, 1), 1)} %"


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    bars: list[tuple[str, float]] = field(default_factory=list)  # a chart, unsuppressed only


def _province_label(code: str) -> str:
    return str(Province(code).label) if code in Province.values else _("Unknown")


def _by_province(rows, key="province") -> dict[str, dict]:
    return {row[key] or UNKNOWN: row for row in rows}


def years() -> list[int]:
    return sorted(
        {moment.year for moment in Delivery.objects.dates("born_at", "year")}, reverse=True
    )


def kraamzorg_by_province(year: int) -> Table:
    """Hours per province, families, average per family, share of the province's births
    (seed 000); the province is the mother's."""
    births = _by_province(
        Delivery.objects.filter(born_at__year=year)
        .values(province=F("dossier__mother__province"))
        .annotate(n=Count("pk"))
    )
    help_days = _by_province(
        HomeHelpDay.objects.filter(day__year=year)
        .values(province=F("dossier__mother__province"))
        .annotate(hours=Sum("hours"), families=Count("dossier", distinct=True))
    )
    table = Table(
        "kraamzorg",
        _("Maternity home help (kraamzorg) per province"),
        [_("Province"), _("Hours"), _("Families"), _("Hours per family"), _("Share of births")],
    )
    totals = {"hours": Decimal(0), "families": 0, "births": 0}
    for code in [*Province.values, UNKNOWN]:
        row, born = help_days.get(code), births.get(code, {}).get("n", 0)
        if row is None and not born:
            continue
        hours, families = (row["hours"], row["families"]) if row else (Decimal(0), 0)
        totals["hours"] += hours
        totals["families"] += families
        totals["births"] += born
        table.rows.append(
            [
                _province_label(code),
                figure(hours, families),
                count(families),
                figure(hours / families if families else None, families),
                share(families, born),
            ]
        )
        if families >= MIN_FAMILIES:
            table.bars.append((_province_label(code), float(hours)))
    families = totals["families"]
    table.rows.append(
        [
            _("Total"),
            figure(totals["hours"], families),
            count(families),
            figure(totals["hours"] / families if families else None, families),
            share(families, totals["births"]),
        ]
    )
    return table


def services_by_province(year: int) -> Table:
    """The services that delivered kraamzorg in the year, public and private (seed 001)."""
    rows = (
        HomeHelpDay.objects.filter(day__year=year)
        .values(province=F("organisation__province"), kind=F("organisation__kind"))
        .annotate(n=Count("organisation", distinct=True))
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["province"] or UNKNOWN, {})[row["kind"]] = row["n"]
    table = Table(
        "services",
        _("Services that delivered maternity home help"),
        [_("Province"), _("Public"), _("Private"), _("Total")],
    )
    for code in [*Province.values, UNKNOWN]:
        if code not in counts:
            continue
        public = counts[code].get("home_help_public", 0)
        private = counts[code].get("home_help_private", 0)
        # services are organisations, not families: their number is not suppressed
        table.rows.append([_province_label(code), str(public), str(private), str(public + private)])
    return table


def quality(year: int) -> Table:
    """The quality indicators of the year's births (R24, R25)."""
    # the day of birth in Belgium, as Admission.day_after_birth counts it
    deliveries = Delivery.objects.filter(born_at__year=year)
    window = datetime.timedelta(days=READMISSION_WINDOW_DAYS)
    readmitted = Admission.objects.filter(
        dossier=OuterRef("dossier"),
        admitted_on__lte=TruncDate("dossier__delivery__born_at") + window,
    )
    stay = F("discharged_at") - F("admitted_at")
    numbers = deliveries.aggregate(
        births=Count("pk"),
        readmitted=Count("pk", filter=Q(Exists(readmitted))),
        discharged=Count("pk", filter=Q(discharged_at__isnull=False)),
        visited=Count("pk", filter=Q(discharged_at__isnull=False) & Q(first_visit_in_time())),
        stays=Count("pk", filter=Q(admitted_at__isnull=False, discharged_at__isnull=False)),
    )
    hours = [
        (d.total_seconds() / 3600)
        for d in deliveries.filter(admitted_at__isnull=False, discharged_at__isnull=False)
        .annotate(stay=stay)
        .values_list("stay", flat=True)
    ]
    table = Table("quality", _("Quality indicators"), [_("Indicator"), _("Value"), _("Out of")])
    table.rows += [
        [
            _("Readmission within 28 days (mother or baby)"),
            share(numbers["readmitted"], numbers["births"]),
            count(numbers["births"]),
        ],
        [
            _("Home visit within 24 hours of discharge"),
            share(numbers["visited"], numbers["discharged"]),
            count(numbers["discharged"]),
        ],
        [
            _("Length of stay, median (hours)"),
            figure(sorted(hours)[len(hours) // 2] if hours else None, len(hours), 0),
            count(len(hours)),
        ],
    ]
    newborns = Newborn.objects.filter(
        dossier__delivery__born_at__year=year, vital_status=VitalStatus.LIVE_BIRTH
    )
    live = newborns.count()
    screened = dict(
        Screening.objects.filter(newborn__in=newborns)
        .values("kind")
        .annotate(n=Count("newborn", distinct=True))
        .values_list("kind", "n")
    )
    for kind in ScreeningKind:
        table.rows.append(
            [
                _("Screening coverage: %(kind)s") % {"kind": kind.label},
                share(screened.get(kind.value, 0), live),
                count(live),
            ]
        )
    return table


def all_tables(year: int) -> list[Table]:
    return [kraamzorg_by_province(year), services_by_province(year), quality(year)]
