""" "Vandaag" (issue 14): the professional's care-plan appointments due today and overdue,
and the next appointment of one record for its header.

An appointment is the professional's when the current version of a plan names them as its
member. It is **due today** when it is planned and its window (``due_from``–``due_until``)
includes today, **overdue** when the window ended and it is still planned; either way it
leaves the list once the entry that fulfils it is recorded in its window (a home visit, the
heel prick: ``careplan.selectors.progress_of``, as the watch list's missed appointments),
as far as the reader may see the section that entry belongs to. Records that are closed,
or whose care plan the reader may not see, are left out: the plans are looked for among
her current records only (``access.current_dossiers``, issue 16).

The list costs the same number of queries for 1 or 1,000 records: the current plan versions
naming her with an appointment that has begun (one query over the records she may open, the
plan's JSON filtered in PostgreSQL with a jsonpath), those records with what she may see of
them, the entries that fulfil (at most two), the newborns for the heel prick's form."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import F
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone

from careplan.content import AppointmentKind, AppointmentStatus
from careplan.models import PlanVersion
from careplan.selectors import FULFILLED_BY, entry_days, progress_of
from dossier.models import Dossier, DossierStatus, Newborn
from dossier.sections import Section
from network import access
from network.names import shown_name

SECTIONS = [Section.CAREPLAN, Section.IDENTITY, Section.POSTNATAL, Section.NEWBORN]

# The entry form that fulfils an appointment of this kind (the entry kind's slug).
HOME_VISIT_FORM = "huisbezoeken"
PRENATAL_FORM = "consultaties"  # a prenatal home visit is a consultation at home

# A planned appointment of this member that has begun (due_from ≤ today): the jsonpath's
# variables are passed as JSON, never written into the path.
_MINE_BEGUN = (
    "jsonb_path_exists(content, '$.appointments[*] ? (@.member == $me && "
    '@.status == "planned" && @.due_from <= $today)\', '
    "jsonb_build_object('me', %s::text, 'today', %s::text))"
)


@dataclass
class TodayRow:
    dossier: Dossier
    appointment: dict
    kind: AppointmentKind
    overdue: bool
    due_from: datetime.date
    due_until: datetime.date
    mother: str  # as the reader may see her (network.names)
    address: str  # only with the identity section
    map_url: str
    form_url: str  # one tap into the matching form

    @property
    def time(self) -> str:
        return self.appointment.get("time", "")


def _address(mother) -> str:
    street = f"{mother.street_address}, " if mother.street_address else ""
    return f"{street}{mother.postcode} {mother.municipality}"


def _map_url(address: str) -> str:
    return "https://www.openstreetmap.org/search?" + urlencode({"query": address})


def _form_url(dossier: Dossier, kind: str, newborns: list) -> str:
    if kind in (AppointmentKind.HOME_VISIT, AppointmentKind.FIRST_HOME_VISIT):
        return (
            reverse("dossier:entries", args=[dossier.public_id, HOME_VISIT_FORM])
            + "?toevoegen=1#h-entry-form"
        )
    if kind in (AppointmentKind.PRENATAL_CONSULTATION, AppointmentKind.PRENATAL_HOME_VISIT):
        return (
            reverse("dossier:entries", args=[dossier.public_id, PRENATAL_FORM])
            + "?toevoegen=1#h-entry-form"
        )
    if kind == AppointmentKind.HEEL_PRICK and len(newborns) == 1:
        return reverse("dossier:screenings", args=[dossier.public_id, newborns[0]])
    if kind == AppointmentKind.HEEL_PRICK and newborns:
        return reverse("dossier:detail", args=[dossier.public_id]) + "#s-newborn"
    return reverse("careplan:plan", args=[dossier.public_id]) + "#appointments"


def today_list(user, today: datetime.date | None = None) -> list[TodayRow]:
    """The rows, overdue first (oldest window first), then today's (by time); log what
    a page of them shows with ``reads_of``."""
    if not access.is_care_provider(user):
        return []
    today = today or timezone.localdate()
    me = str(user.professional.public_id)
    found = []
    for dossier_id, appointments in (
        PlanVersion.objects.filter(
            plan__dossier_id__in=access.current_dossiers(user).values("pk"),
            number=F("plan__current_number"),
        )
        .alias(mine=RawSQL(_MINE_BEGUN, (me, today.isoformat())))
        .filter(mine=True)
        .values_list("plan__dossier_id", "content__appointments")
    ):
        found += [
            (dossier_id, a)
            for a in appointments or []
            if a.get("member") == me
            and a["status"] == AppointmentStatus.PLANNED
            and a["due_from"] <= today.isoformat()
        ]
    if not found:
        return []
    dossiers = {
        d.pk: d
        for d in access.with_section_flags(
            Dossier.objects.filter(pk__in={pk for pk, _a in found}), user, sections=SECTIONS
        )
        .filter(can_view_careplan=True)
        .exclude(status=DossierStatus.CLOSED)
        .select_related("mother")
    }
    found = [(pk, a) for pk, a in found if pk in dossiers]
    # the entries that fulfil, only where the reader may see their section
    ids = {pk for pk, a in found if a["kind"] in FULFILLED_BY}
    visits = entry_days(
        [pk for pk in ids if dossiers[pk].can_view_postnatal], visits=True, screenings=False
    )
    pricks = entry_days(
        [pk for pk in ids if dossiers[pk].can_view_newborn], visits=False, screenings=True
    )
    heel = {
        pk
        for pk, a in found
        if a["kind"] == AppointmentKind.HEEL_PRICK and dossiers[pk].can_view_newborn
    }
    newborns = {}
    for dossier_id, public_id in (
        Newborn.objects.filter(dossier_id__in=heel)
        .order_by("dossier_id", "birth_order")
        .values_list("dossier_id", "public_id")
    ):
        newborns.setdefault(dossier_id, []).append(public_id)
    rows = []
    for dossier_id, appointment in found:
        days = {**visits.get(dossier_id, {}), **pricks.get(dossier_id, {})}
        if (
            progress_of([appointment], days, today).get(appointment["id"], {}).get("state")
            == "done"
        ):
            continue
        dossier = dossiers[dossier_id]
        identity = dossier.can_view_identity
        address = _address(dossier.mother) if identity else ""
        rows.append(
            TodayRow(
                dossier=dossier,
                appointment=appointment,
                kind=AppointmentKind(appointment["kind"]),
                overdue=appointment["due_until"] < today.isoformat(),
                due_from=datetime.date.fromisoformat(appointment["due_from"]),
                due_until=datetime.date.fromisoformat(appointment["due_until"]),
                mother=shown_name(
                    dossier.mother, reader=user, dossier=dossier, may_see_identity=identity
                ),
                address=address,
                map_url=_map_url(address) if address else "",
                form_url=_form_url(dossier, appointment["kind"], newborns.get(dossier_id, [])),
            )
        )
    rows.sort(
        key=lambda r: (
            not r.overdue,
            r.due_until if r.overdue else r.due_from,
            r.time or "99",
            r.dossier.pk,
        )
    )
    return rows


def reads_of(rows: list[TodayRow]) -> set:
    """What the rows shown show: the care plan of each, and her identity where named."""
    return {(row.dossier, Section.CAREPLAN) for row in rows} | {
        (row.dossier, Section.IDENTITY) for row in rows if row.dossier.can_view_identity
    }


def next_appointment(
    dossier: Dossier, levels: dict, members: list, today: datetime.date | None = None
) -> dict | None:
    """For the record's header: the first planned appointment of the current plan that is
    not over and not yet fulfilled (as far as ``levels`` let the reader see the entries),
    with the member it names (a ``Membership`` of ``members``, or None). Needs the care
    plan section; two queries for the plan, at most two for the fulfilling entries."""
    from careplan.selectors import current_plan

    if levels.get(Section.CAREPLAN, 0) < access.Level.VIEW:
        return None
    today = today or timezone.localdate()
    _plan, version = current_plan(dossier)
    if version is None:
        return None
    open_ = [
        a
        for a in version.content.get("appointments", [])
        if a["status"] == AppointmentStatus.PLANNED and a["due_until"] >= today.isoformat()
    ]
    if not open_:
        return None
    kinds = {a["kind"] for a in open_}
    visits = levels.get(Section.POSTNATAL, 0) >= access.Level.VIEW and bool(
        kinds & {AppointmentKind.HOME_VISIT, AppointmentKind.FIRST_HOME_VISIT}
    )
    pricks = (
        levels.get(Section.NEWBORN, 0) >= access.Level.VIEW and AppointmentKind.HEEL_PRICK in kinds
    )
    days = entry_days([dossier.pk], visits=visits, screenings=pricks)[dossier.pk]
    done = {
        key for key, state in progress_of(open_, days, today).items() if state["state"] == "done"
    }
    open_ = sorted(
        (a for a in open_ if a["id"] not in done),
        key=lambda a: (a["due_from"], a.get("time") or "99"),
    )
    if not open_:
        return None
    first = open_[0]
    by_id = {str(m.professional.public_id): m for m in members}
    return {
        "appointment": first,
        "kind": AppointmentKind(first["kind"]),
        "due_from": datetime.date.fromisoformat(first["due_from"]),
        "due_until": datetime.date.fromisoformat(first["due_until"]),
        "time": first.get("time", ""),
        "member": by_id.get(first.get("member")),
    }
