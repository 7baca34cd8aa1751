"""What the care-plan pages show, for a user who may read the plan (``network.access``)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from careplan import content as plan_content
from careplan.models import Annotation, CarePlan, PlanVersion
from careplan.services import member_names
from config.prepared import STAND_IN_ID, STAND_IN_IDS, STAND_IN_NUMBER, Prepared
from dossier.sections import Section
from network import access

# The plan's parts in the order of the page, by the first part of their paths.
GROUPS = (
    ("preferences", _("The parents' preferences")),
    ("expected_course", _("Expected course")),
    ("appointments", _("Appointments")),
    ("home_help", _("Maternity home help")),
    ("discharge_notify", _("Who must be told of the discharge")),
    ("checklist", _("Checklist for the parents")),
)


_PLAN = Prepared(
    lambda dossier_id: CarePlan.objects.filter(dossier_id=dossier_id).order_by("pk")[:1],
    dossier_id=STAND_IN_ID,
)
_VERSION = Prepared(
    lambda plan_id, number: (
        PlanVersion.objects.filter(plan_id=plan_id, number=number)
        .select_related("author")
        .order_by()[:1]
    ),
    plan_id=STAND_IN_ID,
    number=STAND_IN_NUMBER,
)


def current_plan(dossier) -> tuple[CarePlan | None, PlanVersion | None]:
    """The record's plan and its current version (each ``None`` until there is one): two
    statements compiled once (every record page asks for the next appointment)."""
    found = _PLAN(dossier_id=dossier.pk)
    plan = found[0] if found else None
    if plan is None or plan.current_number == 0:
        return plan, None
    (version,) = _VERSION(plan_id=plan.pk, number=plan.current_number)
    return plan, version


def _shown(path: str, value, names) -> dict:
    """A part's label and value; an appointment is labelled by its kind."""
    if path.startswith("appointments."):
        return {
            "label": str(plan_content.AppointmentKind(value["kind"]).label),
            "value": plan_content.appointment_text(value, names),
        }
    return {"label": plan_content.label(path), "value": plan_content.display(path, value, names)}


FULFILLED_BY = ("home_visit", "first_home_visit", "heel_prick")  # kinds with an entry


def progress_of(appointments, days: dict, today) -> dict[str, dict]:
    """The progress of planned appointments (see ``appointment_progress``) given, per kind,
    the days on which a fulfilling entry was recorded."""
    progress = {}
    for appointment in appointments:
        if appointment["status"] != "planned" or appointment["kind"] not in days:
            continue
        start = datetime.date.fromisoformat(appointment["due_from"])
        end = datetime.date.fromisoformat(appointment["due_until"])
        met = sorted(day for day in days[appointment["kind"]] if start <= day <= end)
        if met:
            progress[appointment["id"]] = {"state": "done", "on": met[0]}
        elif end < today:
            progress[appointment["id"]] = {"state": "missed"}
    return progress


def entry_days(dossier_ids, *, visits: bool, screenings: bool) -> dict[int, dict]:
    """Per dossier and appointment kind, the local days on which an entry that fulfils it
    was recorded: home visits, heel pricks. Two queries for any number of dossiers."""
    from django.utils import timezone

    days = {pk: {} for pk in dossier_ids}
    if visits:
        for pk in days:
            days[pk]["home_visit"] = days[pk]["first_home_visit"] = []
        for pk, moment in _VISIT_DAYS(ids=list(days)):
            days[pk]["home_visit"].append(timezone.localdate(moment))
    if screenings:
        for pk in days:
            days[pk]["heel_prick"] = []
        for pk, moment in _HEEL_PRICK_DAYS(ids=list(days)):
            days[pk]["heel_prick"].append(timezone.localdate(moment))
    return days


def _visit_days(ids):
    from dossier.models import HomeVisit

    return HomeVisit.objects.filter(dossier_id__any=ids).values_list("dossier_id", "visited_at")


def _heel_prick_days(ids):
    from dossier.models import Screening

    return Screening.objects.filter(newborn__dossier_id__any=ids, kind="heel_prick").values_list(
        "newborn__dossier_id", "done_at"
    )


# the entries that fulfil appointments, compiled once (the plan, "Today", the watch list)
_VISIT_DAYS = Prepared(_visit_days, ids=STAND_IN_IDS)
_HEEL_PRICK_DAYS = Prepared(_heel_prick_days, ids=STAND_IN_IDS)


def appointment_progress(
    dossier, appointments, *, visits: bool, screenings: bool, today=None
) -> dict[str, dict]:
    """R42: a planned appointment meets the entry that fulfils it. A home visit recorded in
    a home-visit appointment's window makes it **done** (with the day); the heel prick
    recorded in its window likewise; a window that ended with no such entry is **missed**,
    not "planned". ``visits``/``screenings``: whether the reader may see the postnatal and
    newborn sections these entries belong to (otherwise nothing is said of them)."""
    from django.utils import timezone

    days = entry_days([dossier.pk], visits=visits, screenings=screenings)[dossier.pk]
    return progress_of(appointments, days, today or timezone.localdate())


def plan_page(dossier, user=None) -> dict:
    """The current version by group, each part with its annotations (of any version, with
    the version they were written on) and whether the latest version changed it; each
    appointment with its progress (``appointment_progress``) as far as ``user`` may see."""
    plan, version = current_plan(dossier)
    content = version.content if version else plan_content.empty_plan()
    progress = appointment_progress(
        dossier,
        content["appointments"],
        visits=user is not None and access.can_view(user, dossier, Section.POSTNATAL),
        screenings=user is not None and access.can_view(user, dossier, Section.NEWBORN),
    )
    names = member_names(dossier)
    threads = defaultdict(list)
    if plan is not None:
        annotations = Annotation.objects.filter(version__plan=plan).select_related(
            "author", "version", "reply_to"
        )
        replies = defaultdict(list)
        for note in annotations:
            if note.reply_to_id:
                replies[note.reply_to_id].append(note)
        for note in annotations:
            if not note.reply_to_id:
                threads[note.path].append((note, replies[note.pk]))
    changed = set(version.changed) if version else set()
    groups = []
    for prefix, title in GROUPS:
        parts = [
            {
                "path": path,
                **_shown(path, value, names),
                "appointment": value if prefix == "appointments" else None,
                "progress": progress.get(value["id"]) if prefix == "appointments" else None,
                "changed": path in changed and version.number > 1,
                "threads": threads.get(path, []),
            }
            for path, value in plan_content.flatten(content).items()
            if path.split(".")[0] == prefix
        ]
        groups.append({"key": prefix, "title": title, "parts": parts})
    return {"plan": plan, "version": version, "content": content, "groups": groups, "names": names}


def open_before_closing(dossier) -> list[str]:
    """What the care plan still has open when the record is to be closed (R22, R15): a
    physician consultation of day 7–10 not done for each live baby, and the 6-week check
    not done. Only for a delivered record. Read by ``dossier.services.open_care``."""
    from django.utils.translation import gettext

    from careplan.content import AppointmentKind, AppointmentStatus
    from dossier.models import VitalStatus

    if getattr(dossier, "delivery", None) is None:
        return []
    _plan, version = current_plan(dossier)
    done = [
        a["kind"]
        for a in (version.content["appointments"] if version else [])
        if a["status"] == AppointmentStatus.DONE
    ]
    babies = dossier.newborns.filter(vital_status=VitalStatus.LIVE_BIRTH).count()
    items = []
    if done.count(AppointmentKind.PAEDIATRIC) < babies:
        items.append(
            gettext("%(what)s: not done for every baby")
            % {"what": AppointmentKind.PAEDIATRIC.label}
        )
    if AppointmentKind.SIX_WEEK_CHECK not in done:
        items.append(gettext("%(what)s: not done") % {"what": AppointmentKind.SIX_WEEK_CHECK.label})
    return items
