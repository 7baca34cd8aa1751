"""The coordinator's watch list against the "care vacuum" (R22, R23, R28): the records she
coordinates where the agreed care has a gap. Each list is one query over all her records
(the bench checks the count does not grow with them), shown only where she may see the
sections it is made of.

* discharged more than 24 hours ago without a home visit in those 24 hours;
* a baby of day 0–10 without a physician consultation on day 7–10 in the plan;
* a newborn more than 10 % below the birth weight at the last weighing;
* a vulnerable family (psychosocial anamnesis) without a home visit or call in 7 days;
* the mother changed the plan and the coordinator has not marked it as seen;
* (and the screenings due or overdue, from ``dossier.selectors.missing_screenings``)."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from careplan.content import AppointmentKind, AppointmentStatus
from careplan.models import CarePlan, PlanVersion
from config.prepared import (
    STAND_IN_DATE,
    STAND_IN_IDS,
    STAND_IN_OTHER_TIME,
    STAND_IN_TIME,
    Prepared,
)
from dossier.growth import ALERT_LOSS_PERCENT
from dossier.models import (
    Delivery,
    Dossier,
    HomeVisit,
    Measurement,
    Newborn,
    PhoneContact,
    PrenatalConsultation,
    PsychosocialAnamnesis,
    VitalStatus,
)
from dossier.models.stay import FIRST_VISIT_WITHIN, first_visit_in_time
from dossier.sections import Section
from dossier.selectors import SHOWN_NEWBORN_FIELDS
from network import access

RECENT = datetime.timedelta(days=14)
FOLLOW_UP = datetime.timedelta(days=7)
SECTIONS = [
    Section.IDENTITY,
    Section.DELIVERY,
    Section.POSTNATAL,
    Section.NEWBORN,
    Section.PSYCHOSOCIAL,
    Section.CAREPLAN,
]


class Mine:
    """The coordinator's open records and, per record, the sections she may see: read once
    (one statement, compiled once, walking her current records only:
    ``access.coordinated_sections``, issue 16), then every list asks for the ids it may
    show. Lists filter on these ids, so PostgreSQL walks each table's dossier index for her
    records only instead of scanning every delivery in the country."""

    def __init__(self, user):
        self.sections = access.coordinated_sections(user, SECTIONS)

    def ids(self, *needed: str) -> list[int]:
        wanted = {Section.IDENTITY, *needed}
        return [pk for pk, seen in self.sections.items() if wanted <= seen]

    def seeing(self, section: str) -> list[int]:
        """Her records whose ``section`` she may see (her identity rights aside)."""
        return [pk for pk, seen in self.sections.items() if section in seen]


# What a row shows of its record: the link (the record's public id) and the mother's name.
_HER_NAME = ("public_id", "mother__given_name", "mother__family_name")
_THEIR_NAMES = tuple(f"dossier__{field}" for field in _HER_NAME)

# Each list is a statement compiled once (``config.prepared``): its records are one array
# parameter (``__any``) and its moments parameters too, so building and compiling it, and
# quoting hundreds of ids, is not done again on every request (issue 16).


def no_first_visit(ids, discharged_before, discharged_since) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(
            dossier_id__any=ids,
            discharged_at__lt=discharged_before,
            discharged_at__gte=discharged_since,
        )
        .exclude(first_visit_in_time())
        .select_related("dossier__mother")
        .only("discharged_at", *_THEIR_NAMES)
        .order_by("discharged_at")
    )


class _PhysicianAppointments(Func):
    """How many paediatric consultations a plan version has planned or done (jsonpath)."""

    template = (
        "jsonb_array_length(jsonb_path_query_array(%(expressions)s, "
        '\'$.appointments[*] ? (@.kind == "paediatric" && '
        '(@.status == "planned" || @.status == "done"))\'))'
    )
    output_field = IntegerField()


def no_physician_planned(ids, born_since) -> QuerySet[Delivery]:
    """Per baby (R22): a delivery whose live babies outnumber the physician consultations
    planned or done in the current plan — one twin's cancelled consultation is not hidden
    by the other's."""
    planned = (
        PlanVersion.objects.filter(
            plan__dossier=OuterRef("dossier"), number=F("plan__current_number")
        )
        .annotate(n=_PhysicianAppointments(F("content")))
        .values("n")[:1]
    )
    babies = (
        Newborn.objects.filter(dossier=OuterRef("dossier"), vital_status=VitalStatus.LIVE_BIRTH)
        .order_by()
        .values("dossier")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        Delivery.objects.filter(dossier_id__any=ids, born_at__gte=born_since)
        .alias(planned=Coalesce(Subquery(planned), 0), babies=Coalesce(Subquery(babies), 1))
        .filter(planned__lt=F("babies"))
        .select_related("dossier__mother")
        .only("born_at", *_THEIR_NAMES)
        .order_by("born_at")
    )


def weight_loss(ids, born_since) -> QuerySet[Newborn]:
    latest = Measurement.objects.filter(newborn=OuterRef("pk")).order_by("-measured_at")
    # dossier.growth.is_alarming in SQL, exactly: (birth − last) × 100 > 10 × birth
    return (
        Newborn.objects.filter(
            dossier_id__any=ids,
            vital_status=VitalStatus.LIVE_BIRTH,
            dossier__delivery__born_at__gte=born_since,
        )
        .annotate(last_weight=Subquery(latest.values("weight_g")[:1]))
        .alias(
            loss=(F("birth_weight_g") - F("last_weight")) * 100,
            limit=F("birth_weight_g") * int(ALERT_LOSS_PERCENT),
        )
        .filter(last_weight__isnull=False, loss__gt=F("limit"))
        .select_related("dossier__mother")
        .only("birth_weight_g", *SHOWN_NEWBORN_FIELDS)
        .order_by("dossier__delivery__born_at")
    )


def vulnerable_without_contact(ids, since, since_day) -> QuerySet[Dossier]:
    return (
        Dossier.objects.filter(pk__any=ids)
        .filter(
            Exists(PsychosocialAnamnesis.objects.filter(dossier=OuterRef("pk"), vulnerable=True))
        )
        .exclude(Exists(HomeVisit.objects.filter(dossier=OuterRef("pk"), visited_at__gte=since)))
        .exclude(Exists(PhoneContact.objects.filter(dossier=OuterRef("pk"), started_at__gte=since)))
        # before the birth a consultation (at the practice or at home, R35) is contact too
        .exclude(
            Exists(
                PrenatalConsultation.objects.filter(
                    dossier=OuterRef("pk"), consulted_on__gte=since_day
                )
            )
        )
        .select_related("mother")
        .only(*_HER_NAME)
        .order_by("expected_due_date")
    )


def mother_changed_plan(ids) -> QuerySet[CarePlan]:
    by_mother = PlanVersion.objects.filter(
        plan=OuterRef("pk"), by_mother=True, number__gt=OuterRef("acknowledged_number")
    )
    return (
        CarePlan.objects.filter(dossier_id__any=ids)
        .filter(Exists(by_mother))
        .select_related("dossier__mother")
        .only("current_number", *_THEIR_NAMES)
        .order_by("-updated_at")
    )


@dataclass(frozen=True, eq=False)  # hashed as itself: its statements are cached by list
class WatchedList:
    """One list: its statement (``build``, with the parameters ``moments(now)`` gives
    beside ``ids``, and a stand-in for each), the sections a record must show her for its
    rows to be made (``needs``), how a row names its record, and the sections a row
    shows (for the access log)."""

    build: Callable[..., QuerySet]
    moments: Callable[[datetime.datetime], dict[str, Any]]
    stand_ins: dict[str, Any]
    needs: tuple[str, ...]
    record_of: Callable[[Any], Dossier]
    shows: tuple[str, ...]

    def rows(self, mine: Mine, now, limit: int | None) -> list:
        ids = mine.ids(*self.needs)
        if not ids:
            return []
        return _statement(self, limit)(ids=ids, **self.moments(now))


@functools.cache
def _statement(watched: WatchedList, limit: int | None) -> Prepared:
    """The list's statement with its rows' total, its first ``limit`` rows (all: None)."""

    def build(**values):
        rows = watched.build(**values).annotate(list_total=Window(Count("pk")))
        return rows if limit is None else rows[:limit]

    return Prepared(build, ids=STAND_IN_IDS, **watched.stand_ins)


_THEIR_RECORD = attrgetter("dossier")
LISTS = {
    "no_first_visit": WatchedList(
        no_first_visit,
        lambda now: {
            "discharged_before": now - FIRST_VISIT_WITHIN,
            "discharged_since": now - RECENT,
        },
        {"discharged_before": STAND_IN_TIME, "discharged_since": STAND_IN_OTHER_TIME},
        (Section.DELIVERY, Section.POSTNATAL),
        _THEIR_RECORD,
        (Section.IDENTITY, Section.DELIVERY, Section.POSTNATAL),
    ),
    "no_physician": WatchedList(
        no_physician_planned,
        lambda now: {"born_since": now - datetime.timedelta(days=10)},
        {"born_since": STAND_IN_TIME},
        (Section.DELIVERY, Section.CAREPLAN),
        _THEIR_RECORD,
        (Section.IDENTITY, Section.CAREPLAN),
    ),
    "weight_loss": WatchedList(
        weight_loss,
        lambda now: {"born_since": now - RECENT},
        {"born_since": STAND_IN_TIME},
        (Section.NEWBORN,),
        _THEIR_RECORD,
        (Section.IDENTITY, Section.NEWBORN),
    ),
    "vulnerable": WatchedList(
        vulnerable_without_contact,
        lambda now: {
            "since": now - FOLLOW_UP,
            "since_day": timezone.localdate(now - FOLLOW_UP),
        },
        {"since": STAND_IN_TIME, "since_day": STAND_IN_DATE},
        (Section.PSYCHOSOCIAL, Section.POSTNATAL),
        lambda dossier: dossier,
        (Section.IDENTITY, Section.PSYCHOSOCIAL),
    ),
    "mother_changed": WatchedList(
        mother_changed_plan,
        lambda now: {},
        {},
        (Section.CAREPLAN,),
        _THEIR_RECORD,
        (Section.IDENTITY, Section.CAREPLAN),
    ),
}


@dataclass
class Shown:
    rows: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def watch_list(
    user, now=None, *, limit: int | None = 20, full: str = "", mine: Mine | None = None
) -> dict:
    """Every list, the most urgent ``limit`` rows of each (all rows of the list named
    ``full``) with how many there are, and the (dossier, section) pairs the rows shown
    show, for the access log. ``mine``: her records as the page already read them."""
    now = now or timezone.now()
    mine = mine or Mine(user)
    lists, reads = {}, set()
    for key, watched in LISTS.items():
        rows = watched.rows(mine, now, None if key == full else limit)
        lists[key] = Shown(rows, rows[0].list_total if rows else 0)
        reads |= {(watched.record_of(row), section) for row in rows for section in watched.shows}
    return {**lists, "reads": reads}


_CURRENT_APPOINTMENTS = Prepared(
    lambda ids: PlanVersion.objects.filter(
        plan__dossier_id__any=ids, number=F("plan__current_number")
    ).values_list("plan__dossier_id", "content__appointments"),
    ids=STAND_IN_IDS,
)
_WITH_MOTHER = Prepared(
    lambda ids: Dossier.objects.filter(pk__any=ids).select_related("mother").only(*_HER_NAME),
    ids=STAND_IN_IDS,
)


def missed_appointments(
    user, now=None, *, limit: int = 20, full: bool = False, mine: Mine | None = None
) -> tuple[Shown, set]:
    """R42: in the open records she coordinates, the planned home visits and heel pricks
    whose window ended with nothing recorded in it — missed, not "planned" — oldest first,
    however long ago. Three queries for any number of records; returns the rows (dicts:
    dossier, appointment, kind) and the (dossier, section) pairs they show."""
    from careplan.selectors import FULFILLED_BY, entry_days, progress_of

    today = timezone.localdate(now or timezone.now())
    mine = mine or Mine(user)
    ids = set(mine.ids(Section.CAREPLAN, Section.POSTNATAL, Section.NEWBORN))
    plans = {}
    for dossier_id, appointments in _CURRENT_APPOINTMENTS(ids=sorted(ids)) if ids else []:
        ended = [
            a
            for a in appointments or []
            if a["kind"] in FULFILLED_BY
            and a["status"] == AppointmentStatus.PLANNED
            and a["due_until"] < today.isoformat()
        ]
        if ended:
            plans[dossier_id] = ended
    days = entry_days(list(plans), visits=True, screenings=True)
    missed = [
        (dossier_id, a)
        for dossier_id, ended in plans.items()
        for a in ended
        if progress_of(ended, days[dossier_id], today).get(a["id"], {}).get("state") == "missed"
    ]
    missed.sort(key=lambda row: row[1]["due_until"])
    shown = missed if full else missed[:limit]
    wanted = sorted({d for d, _a in shown})
    dossiers = {dossier.pk: dossier for dossier in _WITH_MOTHER(ids=wanted)} if wanted else {}
    rows = [
        {
            "dossier": dossiers[d],
            "appointment": a,
            "kind": AppointmentKind(a["kind"]),
            "until": datetime.date.fromisoformat(a["due_until"]),
        }
        for d, a in shown
    ]
    reads = {
        (row["dossier"], section)
        for row in rows
        for section in (Section.IDENTITY, Section.CAREPLAN)
    }
    return Shown(rows, len(missed)), reads


def open_alerts(user, *, limit: int = 20, full: bool = False) -> tuple[Shown, set]:
    """The watch list's first rows (``dossier.selectors.watched_alerts``) and the (dossier,
    section) pairs they show, for the access log."""
    from dossier.selectors import watched_alerts

    rows, total, reads = watched_alerts(user, limit=None if full else limit)
    return Shown(rows, total), reads
