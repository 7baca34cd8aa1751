"""The anonymous figures policy makers ask for, computed from what the records already hold —
nobody types them again (R24, R25, R31, R33; seeds 000, 001 and 002).

* The minister's tables, years side by side: hours of kraamzorg per province with the
  families, their files and the hours per family; families and hours of public and private
  services; the services that delivered in each province (a service counts in every
  province whose families it served, the total counts it once); requested against
  delivered (the unmet need); births in the record against the births of the year.
* Equity: uptake and hours by vulnerability, parity, multiple birth and province.
* Quality: readmissions of the newborn and of the mother apart, by short and classic stay,
  with 95 % confidence intervals; the first home visit, the physician on day 7–10, the
  follow-up to day 10, EPDS, weight loss, screening coverage, calls per family; a maternity
  ward sees its own figures beside the national ones (``figures_tables.ward_tables``).

How a family is counted: in the year its baby was born (Europe/Brussels), with all the
hours it received; its province is the mother's. A year is *provisional* until the end of
April of the next year. The windows and thresholds are in ``THRESHOLDS``, with their source.

Counting (``compute_year``, here) runs in a Celery beat job and is kept per year
(``ebirth.models.FiguresYear``); showing (``ebirth.figures_tables``) applies the disclosure
control of ``ebirth.disclosure`` to every year, so the page, the CSV and the API hide the
same cells. Numbers are formatted the Belgian way: 76.887,48."""

from __future__ import annotations

import datetime
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careplan.models import CarePlan, PlanVersion
from careplan.schedule import SHORT_STAY
from dossier.geography import FLEMISH_PROVINCES, Province
from dossier.growth import ALERT_LOSS_PERCENT
from dossier.models import (
    Admission,
    Delivery,
    DischargeChecklist,
    HomeHelpDay,
    HomeHelpNeed,
    HomeVisit,
    Measurement,
    Newborn,
    PhoneContact,
    PlaceOfBirth,
    PsychosocialAnamnesis,
    Screening,
    VitalStatus,
)
from dossier.models.followup import EPDS_ALERT
from dossier.models.stay import (
    FIRST_VISIT_WITHIN,
    PAEDIATRIC_DAYS,
    READMISSION_WINDOW_DAYS,
    HomeHelpChoice,
    Patient,
    first_visit_in_time,
)
from dossier.screenings import ScreeningKind, ScreeningResult, applies
from ebirth import disclosure
from ebirth.disclosure import MIN_FAMILIES
from network.models import OrganisationKind

# --- what is counted, and why ------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    label: object  # lazy texts, formatted when shown (in the reader's language)
    value_text: object
    why: object
    params: tuple = ()

    @property
    def value(self) -> str:
        return str(self.value_text) % dict(self.params) if self.params else str(self.value_text)


MOTHER_READMISSION_DAYS = 42
HOME_FOLLOW_UP_DAYS = (7, 10)
CONFIDENCE_Z = 1.96
PROVISIONAL_UNTIL = (5, 1)  # (month, day) of the next year

# Every window and threshold of the figures in one table, with where it comes from (shown
# on the page under "How the figures are counted").
THRESHOLDS = (
    Threshold(
        gettext_lazy("Smallest group shown"),
        gettext_lazy("%(n)s families"),
        gettext_lazy(
            "Statistical disclosure control as statistical offices apply it: a figure "
            "about fewer than 5 families is hidden, and other cells beside it so that it "
            "cannot be worked out from the totals."
        ),
        params=tuple({"n": MIN_FAMILIES}.items()),
    ),
    Threshold(
        gettext_lazy("Short stay"),
        gettext_lazy("home within %(hours)s hours of the birth"),
        gettext_lazy(
            "KCE report 232 (2014) on the organisation of postnatal care: at most 72 hours "
            "in hospital after an uncomplicated birth; a longer stay is a classic stay."
        ),
        params=tuple({"hours": int(SHORT_STAY.total_seconds() // 3600)}.items()),
    ),
    Threshold(
        gettext_lazy("Readmission of the newborn"),
        gettext_lazy("within %(days)s days of the birth"),
        gettext_lazy("The neonatal period (WHO); KCE report 232 counts readmissions in it."),
        params=tuple({"days": READMISSION_WINDOW_DAYS}.items()),
    ),
    Threshold(
        gettext_lazy("Readmission of the mother"),
        gettext_lazy("within %(days)s days (6 weeks) of the birth"),
        gettext_lazy("The postpartum period of six weeks (WHO), the span of the record."),
        params=tuple({"days": MOTHER_READMISSION_DAYS}.items()),
    ),
    Threshold(
        gettext_lazy("First home visit"),
        gettext_lazy("within %(hours)s hours of the discharge"),
        gettext_lazy("KCE report 232: a midwife's visit within 24 hours of the discharge."),
        params=tuple({"hours": int(FIRST_VISIT_WITHIN.total_seconds() // 3600)}.items()),
    ),
    Threshold(
        gettext_lazy("Physician's consultation"),
        gettext_lazy("day %(first)s to %(last)s, for every live-born baby"),
        gettext_lazy(
            "KCE report 232: a physician sees the baby between day 7 and day 10; counted "
            "from the care plan's consultations marked done."
        ),
        params=tuple({"first": PAEDIATRIC_DAYS[0], "last": PAEDIATRIC_DAYS[1]}.items()),
    ),
    Threshold(
        gettext_lazy("Home follow-up to day 10"),
        gettext_lazy("a home visit on day %(first)s to %(last)s"),
        gettext_lazy("KCE report 232: care at home continues, ideally, to day 10."),
        params=tuple({"first": HOME_FOLLOW_UP_DAYS[0], "last": HOME_FOLLOW_UP_DAYS[1]}.items()),
    ),
    Threshold(
        gettext_lazy("EPDS positive"),
        gettext_lazy("score %(score)s or more, or any thought of self-harm"),
        gettext_lazy(
            "Edinburgh Postnatal Depression Scale (Cox et al., 1987): 13 or more suggests "
            "a depression; question 10 above 0 is urgent whatever the total."
        ),
        params=tuple({"score": EPDS_ALERT}.items()),
    ),
    Threshold(
        gettext_lazy("Weight loss of the newborn"),
        gettext_lazy("more than %(percent)s %% below the birth weight"),
        gettext_lazy("The usual threshold for a closer look at feeding (NICE CG37)."),
        params=tuple({"percent": ALERT_LOSS_PERCENT}.items()),
    ),
    Threshold(
        gettext_lazy("Confidence intervals"),
        gettext_lazy("95 %, Wilson score interval"),
        gettext_lazy(
            "Wilson (1927): also right for small wards and rare events, where the usual "
            "interval falls below zero."
        ),
    ),
    Threshold(
        gettext_lazy("Provisional year"),
        gettext_lazy("until 30 April of the next year"),
        gettext_lazy(
            "Care continues six weeks after the last births of the year, and the services "
            "report their hours until 30 April (the minister's answer on 2016)."
        ),
    ),
)

UNKNOWN = "?"  # a record without a province, anamnesis, …
STAYS = ("short", "classic", "other")
# The provinces in the minister's order, then Wallonia; Brussels and Flanders always shown.
PROVINCE_ORDER = (
    Province.BRUSSEL,
    *FLEMISH_PROVINCES,
    *(p for p in Province if p not in FLEMISH_PROVINCES and p != Province.BRUSSEL),
)
ALWAYS_SHOWN = {Province.BRUSSEL.value, *(p.value for p in FLEMISH_PROVINCES)}
DIMENSIONS = {
    "province": [*(p.value for p in PROVINCE_ORDER), UNKNOWN],
    "vulnerability": ["yes", "no", UNKNOWN],
    "parity": ["0", "1", "2+"],
    "multiple": ["single", "multiple"],
    "kind": ["public", "private"],
    "stay": list(STAYS),
}
# B: families with a birth in the year; K: of them, with kraamzorg; N: live-born babies.
POPULATIONS = {
    "B": ("province", "vulnerability", "parity", "multiple", "stay"),
    "K": ("province", "vulnerability", "parity", "multiple", "kind"),
    "N": ("stay",),
}


def key(population: str, dimension: str = "all", category: str = "all") -> str:
    return f"{population}|{dimension}|{category}"


def total(population: str) -> str:
    return key(population)


REQUESTED, REQUESTED_KZ, REQUESTED_NO_KZ, KZ_NO_REQUEST = (
    "R|requested",
    "R|kz",
    "R|no_kz",
    "K|no_request",
)
NEED_FAMILIES, NEED_HOURS, NEED_DELIVERED = "E|families", "E|hours", "E|delivered"
STAY_COUNT = "Q|stay|n"


@dataclass(frozen=True)
class Indicator:
    """A rate: ``num`` out of ``den``. ``split`` (a population, B or N): also per stay,
    numerators ``num|<stay>`` against the population's families or babies of that stay."""

    key: str
    label: object  # a lazy text, formatted with ``params`` when shown
    num: str
    den: str
    split: str = ""
    params: tuple = ()

    @property
    def title(self) -> str:
        return str(self.label) % dict(self.params) if self.params else str(self.label)

    def num_of(self, stay: str = "all") -> str:
        return f"{self.num}|{stay}" if self.split else self.num

    def den_of(self, stay: str = "all") -> str:
        if not self.split:
            return self.den
        return total(self.split) if stay == "all" else key(self.split, "stay", stay)


READMIT_NEWBORN = Indicator(
    "readmit_newborn",
    gettext_lazy("Newborn readmitted within 28 days"),
    "Q|readmit_newborn",
    "",
    split="N",
)
READMIT_MOTHER = Indicator(
    "readmit_mother",
    gettext_lazy("Mother readmitted within 6 weeks"),
    "Q|readmit_mother",
    "",
    split="B",
)
INDICATORS = (
    READMIT_NEWBORN,
    READMIT_MOTHER,
    Indicator(
        "first_visit",
        gettext_lazy("Home visit within 24 hours of discharge"),
        "Q|first_visit",
        "Q|discharged",
    ),
    Indicator(
        "physician",
        gettext_lazy("Baby seen by a physician on day 7–10"),
        "Q|physician",
        "Q|with_live_baby",
    ),
    Indicator(
        "follow_up",
        gettext_lazy("Home follow-up to day 10"),
        "Q|follow_up",
        "Q|at_home",
    ),
    Indicator("epds_screened", gettext_lazy("Mood screened (EPDS)"), "Q|epds_screened", total("B")),
    Indicator(
        "epds_positive",
        gettext_lazy("EPDS positive, of those screened"),
        "Q|epds_positive",
        "Q|epds_screened",
    ),
    Indicator(
        "weight_loss",
        gettext_lazy("Newborn more than 10 % below birth weight, of those weighed"),
        "Q|weight_lost",
        "Q|weighed",
    ),
    *(
        Indicator(
            f"screening_{kind.value}",
            gettext_lazy("Screening coverage: %(kind)s"),
            f"Q|screened|{kind.value}",
            f"Q|screen_due|{kind.value}",
            params=(("kind", kind.label),),
        )
        for kind in ScreeningKind
    ),
)


def count_keys(*, kraamzorg: bool = True) -> list[str]:
    """Every count a publication shows (the disclosure control's cells). Without
    ``kraamzorg``: the quality figures only (a ward's view)."""
    keys = []
    for population, dimensions in POPULATIONS.items():
        if population == "K" and not kraamzorg:
            continue
        keys.append(total(population))
        for dimension in dimensions:
            if not kraamzorg and dimension != "stay":
                continue
            keys += [key(population, dimension, c) for c in DIMENSIONS[dimension]]
    if kraamzorg:
        keys += [REQUESTED, REQUESTED_KZ, REQUESTED_NO_KZ, KZ_NO_REQUEST, NEED_FAMILIES]
    for indicator in INDICATORS:
        for stay in ("all", *STAYS) if indicator.split else ("all",):
            keys += [indicator.num_of(stay), indicator.den_of(stay)]
    keys.append(STAY_COUNT)
    return list(dict.fromkeys(keys))


def lines(*, kraamzorg: bool = True) -> list[disclosure.Line]:
    """The sums between the counts: each breakdown adds up to its population's total (a
    total shared by every table that breaks it down), the requests to the families."""
    result = []
    for population, dimensions in POPULATIONS.items():
        if population == "K" and not kraamzorg:
            continue
        for dimension in dimensions:
            if not kraamzorg and dimension != "stay":
                continue
            parts = tuple(key(population, dimension, c) for c in DIMENSIONS[dimension])
            result.append(disclosure.Line(total(population), parts))
    if kraamzorg:
        result.append(disclosure.Line(REQUESTED, (REQUESTED_KZ, REQUESTED_NO_KZ)))
        result.append(disclosure.Line(total("K"), (REQUESTED_KZ, KZ_NO_REQUEST)))
    for indicator in INDICATORS:
        if indicator.split:
            parts = tuple(indicator.num_of(stay) for stay in STAYS)
            result.append(disclosure.Line(indicator.num_of(), parts))
    return result


def at_most(*, kraamzorg: bool = True) -> list[tuple[str, str]]:
    """The orders a reader knows between the counts (``disclosure.protect``): the families
    with kraamzorg of a group are at most its families with a birth; a rate's numerator is
    at most its denominator; a group of families is at most all of them."""
    pairs = []
    if kraamzorg:
        for dimension in ("province", "vulnerability", "parity", "multiple"):
            pairs += [
                (key("K", dimension, c), key("B", dimension, c)) for c in DIMENSIONS[dimension]
            ]
        pairs += [(total("K"), total("B")), (REQUESTED, total("B")), (NEED_FAMILIES, total("B"))]
    for indicator in INDICATORS:
        for stay in ("all", *STAYS) if indicator.split else ("all",):
            pairs.append((indicator.num_of(stay), indicator.den_of(stay)))
    pairs += [(den, total("B")) for den in ("Q|discharged", "Q|at_home", "Q|with_live_baby")]
    pairs.append((STAY_COUNT, "Q|discharged"))
    return pairs


# --- counting a year (the beat job) ----------------------------------------------------------


def ward_key(name: str) -> str:
    """A maternity ward as the delivery names it and as an organisation is named: without
    case and extra spaces ("UZ Gent – materniteit " is "uz gent – materniteit")."""
    return " ".join(name.casefold().split())


def _stay(place, born_at, discharged_at) -> str:
    if place != PlaceOfBirth.HOSPITAL or discharged_at is None:
        return "other"
    return "short" if discharged_at - born_at < SHORT_STAY else "classic"


def _parity(parity: int | None) -> str:
    return UNKNOWN if parity is None else ("2+" if parity >= 2 else str(parity))


class Tally:
    """The counts of one scope (the country, or one maternity ward) in one year."""

    def __init__(self, *, kraamzorg: bool):
        self.kraamzorg = kraamzorg
        self.counts: Counter[str] = Counter()
        self.hours: defaultdict[str, Decimal] = defaultdict(Decimal)
        self.calls = 0
        self.stays: list[float] = []
        self.births = 0
        self.names: Counter[str] = Counter()

    def family(self, f: dict) -> None:
        c = self.counts
        c[total("B")] += 1
        c[key("B", "stay", f["stay"])] += 1
        if self.kraamzorg:
            for dimension in ("province", "vulnerability", "parity", "multiple"):
                c[key("B", dimension, f[dimension])] += 1
            self._kraamzorg(f)
        if f["mother_readmitted"]:
            c[READMIT_MOTHER.num_of()] += 1
            c[READMIT_MOTHER.num_of(f["stay"])] += 1
        if f["discharged_at"] is not None:
            c["Q|discharged"] += 1
            c["Q|first_visit"] += bool(f["visited"])
        if f["discharged_at"] is not None or f["place"] != PlaceOfBirth.HOSPITAL:
            c["Q|at_home"] += 1
            c["Q|follow_up"] += bool(f["followed_up"])
        if f["live"]:
            c["Q|with_live_baby"] += 1
            c["Q|physician"] += (f["physician"] or 0) >= f["live"]
        c["Q|epds_screened"] += bool(f["epds"])
        c["Q|epds_positive"] += bool(f["epds"] and f["epds_positive"])
        self.calls += f["calls"] or 0
        if f["admitted_at"] and f["discharged_at"]:
            self.stays.append((f["discharged_at"] - f["admitted_at"]).total_seconds() / 3600)
            c[STAY_COUNT] += 1

    def _kraamzorg(self, f: dict) -> None:
        c, hours = self.counts, f["kz_hours"]
        if f["need"] is not None:
            c[NEED_FAMILIES] += 1
            self.hours[NEED_HOURS] += Decimal(f["need"])
            self.hours[NEED_DELIVERED] += hours or Decimal(0)
        if f["requested"]:
            c[REQUESTED] += 1
            c[REQUESTED_KZ if hours else REQUESTED_NO_KZ] += 1
        if not hours:
            return
        if not f["requested"]:
            c[KZ_NO_REQUEST] += 1
        # a family counts under the kind of service that gave it most of its hours
        kind = "public" if 2 * (f["kz_public"] or 0) > hours else "private"
        cells = [("all", "all"), ("kind", kind)] + [
            (d, f[d]) for d in ("province", "vulnerability", "parity", "multiple")
        ]
        for dimension, category in cells:
            c[key("K", dimension, category)] += 1
            c[key("F", dimension, category)] += f["kz_files"] or 0
            self.hours[key("H", dimension, category)] += hours

    def newborn(self, n: dict, stay: str) -> None:
        c = self.counts
        c[total("N")] += 1
        c[key("N", "stay", stay)] += 1
        if n["readmitted"]:
            c[READMIT_NEWBORN.num_of()] += 1
            c[READMIT_NEWBORN.num_of(stay)] += 1
        if n["weighed"] and n["birth_weight_g"]:
            c["Q|weighed"] += 1
            c["Q|weight_lost"] += bool(n["lost"])
        for kind in ScreeningKind:
            neonatal, weeks = n["neonatal_admission"], n["gestational_weeks"]
            if applies(kind, neonatal_unit=neonatal, gestational_weeks=weeks):
                c[f"Q|screen_due|{kind.value}"] += 1
                c[f"Q|screened|{kind.value}"] += bool(n[f"screened_{kind.value}"])

    def as_data(self) -> dict:
        return {
            "counts": {k: v for k, v in self.counts.items() if v},
            "hours": {k: str(v) for k, v in self.hours.items() if v},
            "calls": self.calls,
            "stay_median_hours": statistics.median(self.stays) if self.stays else None,
        }


def _family_rows(year: int):
    """One row per birth (family) of the year, with what the figures count of it."""
    dossier = OuterRef("dossier")
    born_day = TruncDate("dossier__delivery__born_at")  # inside each subquery, by its join
    help_days = HomeHelpDay.objects.filter(dossier=dossier).order_by().values("dossier")
    per_dossier = {"dossier": dossier}
    follow_first, follow_last = HOME_FOLLOW_UP_DAYS
    return (
        Delivery.objects.filter(born_at__year=year)
        .annotate(
            province=F("dossier__mother__province"),
            parity_n=F("dossier__parity"),
            fetuses=F("dossier__fetus_count"),
            vulnerable=Subquery(
                PsychosocialAnamnesis.objects.filter(**per_dossier).values("vulnerable")[:1]
            ),
            kz_hours=Subquery(help_days.annotate(s=Sum("hours")).values("s")),
            kz_public=Subquery(
                help_days.filter(organisation__kind=OrganisationKind.HOME_HELP_PUBLIC)
                .annotate(s=Sum("hours"))
                .values("s")
            ),
            kz_files=Subquery(
                help_days.annotate(n=Count("organisation", distinct=True)).values("n")
            ),
            requested=Exists(
                DischargeChecklist.objects.filter(**per_dossier, home_help=HomeHelpChoice.REQUESTED)
            ),
            need=Subquery(HomeHelpNeed.objects.filter(**per_dossier).values("estimated_hours")[:1]),
            mother_readmitted=Exists(
                Admission.objects.filter(
                    **per_dossier,
                    patient=Patient.MOTHER,
                    admitted_on__lte=born_day + datetime.timedelta(days=MOTHER_READMISSION_DAYS),
                )
            ),
            visited=first_visit_in_time(),
            followed_up=Exists(
                HomeVisit.objects.filter(
                    **per_dossier,
                    visited_at__date__gte=born_day + datetime.timedelta(days=follow_first),
                    visited_at__date__lte=born_day + datetime.timedelta(days=follow_last),
                )
            ),
            epds=Exists(
                HomeVisit.objects.filter(**per_dossier).filter(
                    Q(epds_score__isnull=False) | Q(epds_self_harm__isnull=False)
                )
            ),
            epds_positive=Exists(
                HomeVisit.objects.filter(**per_dossier).filter(
                    Q(epds_score__gte=EPDS_ALERT) | Q(epds_self_harm__gt=0)
                )
            ),
            calls=Subquery(
                PhoneContact.objects.filter(**per_dossier)
                .order_by()
                .values("dossier")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            live=Subquery(
                Newborn.objects.filter(**per_dossier, vital_status=VitalStatus.LIVE_BIRTH)
                .order_by()
                .values("dossier")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            physician=_physician_seen(),
        )
        .values(
            "dossier_id",
            "province",
            "maternity_ward",
            "place",
            "born_at",
            "admitted_at",
            "discharged_at",
            "parity_n",
            "fetuses",
            "vulnerable",
            "kz_hours",
            "kz_public",
            "kz_files",
            "requested",
            "need",
            "mother_readmitted",
            "visited",
            "followed_up",
            "epds",
            "epds_positive",
            "calls",
            "live",
            "physician",
        )
        .order_by()
    )


def _physician_seen() -> RawSQL:
    """The physician's consultations of day 7–10 the current care plan marks done (the
    plan is a JSON document: ``careplan.content``)."""
    first, last = PAEDIATRIC_DAYS
    local_day = f'("{Delivery._meta.db_table}"."born_at" AT TIME ZONE %s)::date'
    return RawSQL(
        f"""(SELECT count(*) FROM "{CarePlan._meta.db_table}" p
              JOIN "{PlanVersion._meta.db_table}" v
                ON v.plan_id = p.id AND v.number = p.current_number
              CROSS JOIN LATERAL jsonb_array_elements(
                CASE WHEN jsonb_typeof(v.content -> 'appointments') = 'array'
                     THEN v.content -> 'appointments' ELSE '[]'::jsonb END) a
             WHERE p.dossier_id = "{Delivery._meta.db_table}"."dossier_id"
               AND a ->> 'kind' = 'paediatric' AND a ->> 'status' = 'done'
               AND a ->> 'due_from' BETWEEN to_char({local_day} + %s::integer, 'YYYY-MM-DD')
                                        AND to_char({local_day} + %s::integer, 'YYYY-MM-DD'))""",
        (timezone.get_current_timezone_name(), first, timezone.get_current_timezone_name(), last),
    )


def _newborn_rows(year: int):
    newborn = OuterRef("pk")
    born_day = TruncDate("dossier__delivery__born_at")  # the admission's, by its join
    done = Screening.objects.filter(newborn=newborn).exclude(result=ScreeningResult.REPEAT)
    keep = 100 - ALERT_LOSS_PERCENT  # more than 10 % lost: weight × 100 < birth weight × 90
    return (
        Newborn.objects.filter(
            dossier__delivery__born_at__year=year, vital_status=VitalStatus.LIVE_BIRTH
        )
        .annotate(
            gestational_weeks=F("dossier__delivery__gestational_weeks"),
            readmitted=Exists(
                Admission.objects.filter(
                    newborn=newborn,
                    patient=Patient.NEWBORN,
                    admitted_on__lte=born_day + datetime.timedelta(days=READMISSION_WINDOW_DAYS),
                )
            ),
            weighed=Exists(Measurement.objects.filter(newborn=newborn)),
            lost=Exists(
                Measurement.objects.filter(newborn=newborn)
                .annotate(hundredfold=F("weight_g") * 100)
                .filter(hundredfold__lt=OuterRef("birth_weight_g") * keep)
            ),
            **{
                f"screened_{kind.value}": Exists(done.filter(kind=kind.value))
                for kind in ScreeningKind
            },
        )
        .values(
            "dossier_id",
            "birth_weight_g",
            "neonatal_admission",
            "gestational_weeks",
            "readmitted",
            "weighed",
            "lost",
            *(f"screened_{kind.value}" for kind in ScreeningKind),
        )
        .order_by()
    )


def _services(year: int) -> dict:
    """The services that delivered kraamzorg to the year's families: per province of the
    families (a service in every province it served) and distinct, public and private."""
    pairs = (
        HomeHelpDay.objects.filter(dossier__delivery__born_at__year=year)
        .values_list("organisation_id", "organisation__kind", "dossier__mother__province")
        .distinct()
        .order_by()
    )
    provinces: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    distinct: dict[str, set] = defaultdict(set)
    for organisation, kind, province in pairs:
        side = "public" if kind == OrganisationKind.HOME_HELP_PUBLIC else "private"
        provinces[province or UNKNOWN][side].add(organisation)
        distinct[side].add(organisation)
    return {
        "provinces": {
            code: {side: len(ids) for side, ids in sides.items()}
            for code, sides in provinces.items()
        },
        "distinct": {side: len(ids) for side, ids in distinct.items()},
    }


def compute_year(year: int) -> tuple[dict, dict]:
    """The counts of one year: the country's, and each maternity ward's (quality only)."""
    country = Tally(kraamzorg=True)
    wards: dict[str, Tally] = {}
    where: dict[int, tuple[str, str]] = {}  # dossier → (stay, ward)
    for row in _family_rows(year).iterator(chunk_size=5000):
        fetuses = row["fetuses"] or 1
        vulnerable = row["vulnerable"]
        stay = _stay(row["place"], row["born_at"], row["discharged_at"])
        f = {
            **row,
            "stay": stay,
            "province": row["province"] or UNKNOWN,
            "vulnerability": UNKNOWN if vulnerable is None else ("yes" if vulnerable else "no"),
            "parity": _parity(row["parity_n"]),
            "multiple": "multiple" if fetuses > 1 else "single",
        }
        country.family(f)
        ward = ""
        if row["place"] == PlaceOfBirth.HOSPITAL and row["maternity_ward"].strip():
            ward = ward_key(row["maternity_ward"])
            tally = wards.setdefault(ward, Tally(kraamzorg=False))
            tally.family(f)
            tally.names[row["maternity_ward"].strip()] += 1
        where[row["dossier_id"]] = (stay, ward)
    for n in _newborn_rows(year).iterator(chunk_size=5000):
        stay, ward = where.get(n["dossier_id"], ("other", ""))
        country.newborn(n, stay)
        if ward:
            wards[ward].newborn(n, stay)
    national = country.as_data()
    national["services"] = _services(year)
    national["ward_summary"] = _ward_summary(national, wards)
    ward_data = {}
    for name, tally in wards.items():
        ward_data[name] = {**tally.as_data(), "label": tally.names.most_common(1)[0][0]}
    return national, ward_data


def _ward_summary(national: dict, wards: dict[str, Tally]) -> dict:
    """How many wards lie significantly above or below the national readmission rates
    (their 95 % interval apart from the national rate): counts of wards, anonymous."""
    summary = {"wards": len(wards)}
    counts = national["counts"]
    for indicator in (READMIT_NEWBORN, READMIT_MOTHER):
        den = counts.get(indicator.den_of(), 0)
        if not den:
            continue
        rate = counts.get(indicator.num_of(), 0) / den
        above = below = compared = 0
        for tally in wards.values():
            n, d = tally.counts[indicator.num_of()], tally.counts[indicator.den_of()]
            if d < MIN_FAMILIES:
                continue
            compared += 1
            low, high = wilson(n, d)
            above += low > rate + 1e-9  # not by a rounding error (0 out of n: low is 0)
            below += high < rate - 1e-9
        summary[indicator.key] = {"compared": compared, "above": above, "below": below}
    return summary


# --- keeping the years (materialised) -----------------------------------------------------------


def available_years() -> list[int]:
    """Every year from the first birth in the records to the last."""
    span = Delivery.objects.aggregate(first=Min("born_at"), last=Max("born_at"))
    if span["first"] is None:
        return []
    first, last = (timezone.localtime(span[k]).year for k in ("first", "last"))
    return list(range(first, last + 1))


def choose_years(params, available: list[int]) -> tuple[list[int], dict[str, str]]:
    """The years asked for (``van``/``tot``, or one ``jaar``), every year by default; with
    the message per field when a value is not a year of the figures (then the nearest is
    taken, so the page still answers)."""
    errors: dict[str, str] = {}
    if not available:
        return [], errors
    first, last = available[0], available[-1]

    def year(name: str, default: int) -> int:
        raw = str(params.get(name, "") or "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            errors[name] = _("%(field)s: enter a year, e.g. %(example)s.") % {
                "field": name,
                "example": last,
            }
            return default
        if not first <= value <= last:
            errors[name] = _("%(field)s: choose a year from %(first)s to %(last)s.") % {
                "field": name,
                "first": first,
                "last": last,
            }
            return min(max(value, first), last)
        return value

    if params.get("jaar"):
        start = end = year("jaar", last)
    else:
        start, end = year("van", first), year("tot", last)
    if start > end:
        errors["tot"] = _("tot: the last year comes after the first (%(first)s).") % {
            "first": start
        }
        start, end = end, start
    return list(range(start, end + 1)), errors


def is_provisional(year: int, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return today < datetime.date(year + 1, *PROVISIONAL_UNTIL)


def store(year: int):
    """Count one year and keep it (the page's and the beat job's way in)."""
    from ebirth.models import FiguresYear

    national, wards = compute_year(year)
    values = {"computed_at": timezone.now(), "national": national, "wards": wards}
    try:
        with transaction.atomic():
            row, _created = FiguresYear.objects.update_or_create(year=year, defaults=values)
    except IntegrityError:  # counted at the same moment by the beat job: theirs is as good
        row = FiguresYear.objects.get(year=year)
    return row


REFRESH_CLOSED_AFTER = datetime.timedelta(hours=24)


def refresh(*, now: datetime.datetime | None = None, force: bool = False) -> list[int]:
    """The beat job: count again every year not kept yet, every provisional year, and the
    others once a day (a late correction in a closed year shows the next day)."""
    from ebirth.models import FiguresYear

    now = now or timezone.now()
    kept = dict(FiguresYear.objects.values_list("year", "computed_at"))
    done = []
    for year in available_years():
        at = kept.get(year)
        if (
            force
            or at is None
            or is_provisional(year, timezone.localdate(now))
            or now - at >= REFRESH_CLOSED_AFTER
        ):
            store(year)
            done.append(year)
    return done


def kept_years(years: list[int], *, wards: bool = False) -> dict:
    """The kept figures of these years, counting now the ones not kept yet."""
    from ebirth.models import FiguresYear

    rows = FiguresYear.objects.filter(year__in=years)
    if not wards:
        rows = rows.defer("wards")
    kept = {row.year: row for row in rows}
    for year in years:
        if year not in kept:
            kept[year] = store(year)
    return kept


def wilson(num: int, den: int, z: float = CONFIDENCE_Z) -> tuple[float, float]:
    """The Wilson score interval of ``num`` out of ``den`` (as fractions)."""
    p, z2 = num / den, z * z
    centre = (p + z2 / (2 * den)) / (1 + z2 / den)
    half = z * math.sqrt(p * (1 - p) / den + z2 / (4 * den * den)) / (1 + z2 / den)
    return max(0.0, centre - half), min(1.0, centre + half)
