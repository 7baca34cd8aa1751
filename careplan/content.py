"""The postnatal care plan as a document (R15, R17): what a version holds, how it is
checked, and how two versions compare or merge.

A version stores the whole plan as JSON, so a version is complete on its own: comparing,
restoring and printing never rebuild it from a chain of changes. The document is flat
enough to be addressed by *paths* ("preferences.feeding", "appointments.<id>",
"checklist.car_seat"): a comparison is made path by path, an annotation is attached to a
path, and a merge of two edits decides path by path."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.inputs import first_bad_text
from dossier.rules import EARLIEST_DATE, LATEST_AHEAD


class StayPreference(models.TextChoices):
    SHORT = "short", _("Short stay (home within 72 hours)")
    CLASSIC = "classic", _("Classic stay")
    UNDECIDED = "undecided", _("Not decided yet")


class FeedingPreference(models.TextChoices):
    BREAST = "breast", _("Breastfeeding")
    FORMULA = "formula", _("Formula")
    MIXED = "mixed", _("Mixed feeding")
    UNDECIDED = "undecided", _("Not decided yet")


class HomeHelpWish(models.TextChoices):
    WANTED = "wanted", _("Wanted")
    NOT_WANTED = "not_wanted", _("Not wanted")
    UNDECIDED = "undecided", _("Not decided yet")


class AppointmentKind(models.TextChoices):
    FIRST_HOME_VISIT = "first_home_visit", _("First home visit by the midwife")
    HOME_VISIT = "home_visit", _("Home visit by the midwife")
    PAEDIATRIC = "paediatric", _("Paediatric consultation (day 7–10)")
    HEEL_PRICK = "heel_prick", _("Heel prick at home (72–96 hours)")
    CHILD_HEALTH = "child_health", _("First Kind & Gezin contact")
    SIX_WEEK_CHECK = "six_week_check", _("Gynaecological check at 6 weeks")
    HOME_HELP_START = "home_help_start", _("Start of maternity home help")
    PARENT_GROUP = "parent_group", _("Parent group")
    PRENATAL_CONSULTATION = "prenatal_consultation", _("Prenatal consultation")
    PRENATAL_HOME_VISIT = "prenatal_home_visit", _("Prenatal home visit by the midwife")
    OTHER = "other", _("Other")


class AppointmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# R17: what the parents think of before the birth. Ticked off by them or with them.
CHECKLIST = {
    "help_first_week": _("Who helps at home in the first week is arranged"),
    "car_seat": _("A car seat for the way home"),
    "feeding_information": _("Information on feeding received"),
    "postnatal_mood": _("We know the signs of postnatal depression and whom to call"),
    "birth_registration": _("We know how to register the birth at the municipality"),
    "health_insurer": _("The health insurer is told (birth allowance)"),
    "child_health": _("Kind & Gezin / ONE knows of the birth"),
    "sleep_safety": _("Safe sleeping for the baby discussed"),
}


def empty_plan() -> dict:
    return {
        "preferences": {
            "stay": StayPreference.UNDECIDED.value,
            "feeding": FeedingPreference.UNDECIDED.value,
            "visitors": "",
        },
        "expected_course": "",
        "home_help": {"wish": HomeHelpWish.UNDECIDED.value, "estimated_hours": None},
        "discharge_notify": [],
        "checklist": dict.fromkeys(CHECKLIST, False),
        "appointments": [],
    }


def new_appointment(
    kind: str,
    due_from: datetime.date,
    due_until: datetime.date,
    *,
    member: str = "",
    status: str = AppointmentStatus.PLANNED,
    note: str = "",
    appointment_id: str = "",
    time: str = "",
) -> dict:
    return {
        "id": appointment_id or uuid.uuid4().hex[:12],
        "kind": kind,
        "due_from": due_from.isoformat(),
        "time": time,
        "due_until": due_until.isoformat(),
        "member": member,
        "status": status,
        "note": note,
    }


# --- checking a plan ------------------------------------------------------------------------

# The bounds of the plan's free text: the forms (careplan.forms) and the API refuse the same
# length; nothing is cut silently.
TEXT_LIMITS = {
    "preferences.visitors": 500,
    "expected_course": 3000,
    "appointments.note": 300,
    "appointments.id": 40,
}


class _Errors(dict):
    """path → messages; the paths are the plan's own ("preferences.visitors",
    "appointments.2.note"), so the API names the field and a form maps it to its own."""

    def add(self, path: str, message: str) -> None:
        self.setdefault(path, []).append(message)


def _date(value: str, label: str, path: str, errors: _Errors) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        errors.add(path, gettext("%(what)s: enter a date (dd-mm-yyyy).") % {"what": label})
        return None
    latest = timezone.localdate() + LATEST_AHEAD
    if not EARLIEST_DATE <= day <= latest:
        errors.add(
            path,
            gettext("%(what)s: enter a date between %(earliest)s and %(latest)s.")
            % {
                "what": label,
                "earliest": EARLIEST_DATE.strftime("%d-%m-%Y"),
                "latest": latest.strftime("%d-%m-%Y"),
            },
        )
        return None
    return day


def _object(container: dict, key: str, path: str, errors: _Errors) -> dict:
    value = container.get(key)
    if isinstance(value, dict):
        return value
    errors.add(
        path,
        gettext("The plan is incomplete or has an unknown value: %(detail)s.")
        % {"detail": gettext("an object is expected here")},
    )
    return {}


def _choice(container: dict, key: str, choices, path: str, errors: _Errors) -> str:
    value = container.get(key)
    try:
        return choices(value).value
    except ValueError:
        errors.add(
            path,
            gettext("The plan is incomplete or has an unknown value: %(detail)s.")
            % {"detail": f"{value!r}"},
        )
        return ""


def _text(container: dict, key: str, path: str, errors: _Errors, *, limit_of: str = "") -> str:
    value = container.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(path, gettext("Enter text."))
        return ""
    limit = TEXT_LIMITS[limit_of or path]
    if len(value) > limit:
        errors.add(
            path,
            gettext("At most %(limit)s characters (this has %(count)s).")
            % {"limit": limit, "count": len(value)},
        )
    return value


def check(plan: dict, *, members: set[str]) -> dict:
    """The plan as it may be stored, or a ValidationError that says what to correct, keyed
    by the path it is about. ``members``: the public ids of the network's members (an
    appointment or a discharge notice can only name one of them)."""
    if not isinstance(plan, dict):
        raise ValidationError(
            gettext("The plan is incomplete or has an unknown value: %(detail)s.")
            % {"detail": type(plan).__name__}
        )
    unstorable = first_bad_text(plan)
    if unstorable:
        raise ValidationError({unstorable[0]: [unstorable[1]]})
    errors = _Errors()
    clean = empty_plan()
    preferences = _object(plan, "preferences", "preferences", errors)
    clean["preferences"] = {
        "stay": _choice(preferences, "stay", StayPreference, "preferences.stay", errors),
        "feeding": _choice(
            preferences, "feeding", FeedingPreference, "preferences.feeding", errors
        ),
        "visitors": _text(preferences, "visitors", "preferences.visitors", errors),
    }
    clean["expected_course"] = _text(plan, "expected_course", "expected_course", errors)
    home_help = _object(plan, "home_help", "home_help", errors)
    hours = home_help.get("estimated_hours")
    if hours is not None and not (
        isinstance(hours, int) and not isinstance(hours, bool) and 0 <= hours <= 200
    ):
        errors.add(
            "home_help.estimated_hours",
            gettext("Maternity home help: the estimate is a number of hours between 0 and 200."),
        )
        hours = None
    clean["home_help"] = {
        "wish": _choice(home_help, "wish", HomeHelpWish, "home_help.wish", errors),
        "estimated_hours": hours,
    }
    notify = plan.get("discharge_notify", [])
    if not isinstance(notify, list) or not all(isinstance(m, str) for m in notify):
        errors.add(
            "discharge_notify",
            gettext("Who must be told of the discharge: choose members of the care network."),
        )
        notify = []
    elif set(notify) - members:
        errors.add(
            "discharge_notify",
            gettext("Who must be told of the discharge: choose members of the care network."),
        )
    clean["discharge_notify"] = sorted(set(notify))
    checklist = plan.get("checklist", {})
    if not isinstance(checklist, dict):
        errors.add(
            "checklist",
            gettext("Checklist: unknown item %(item)s.") % {"item": type(checklist).__name__},
        )
        checklist = {}
    unknown = set(checklist) - set(CHECKLIST)
    if unknown:
        errors.add(
            "checklist",
            gettext("Checklist: unknown item %(item)s.") % {"item": ", ".join(sorted(unknown))},
        )
    clean["checklist"] = {key: bool(checklist.get(key, False)) for key in CHECKLIST}
    appointments = plan.get("appointments", [])
    if not isinstance(appointments, list):
        errors.add(
            "appointments",
            gettext("The plan is incomplete or has an unknown value: %(detail)s.")
            % {"detail": "appointments"},
        )
        appointments = []
    clean["appointments"] = [
        _check_appointment(a, members, f"appointments.{index}", errors)
        for index, a in enumerate(appointments)
    ]
    ids = [a["id"] for a in clean["appointments"]]
    if len(ids) != len(set(ids)):
        errors.add("appointments", gettext("Two appointments have the same id."))
    if errors:
        raise ValidationError(dict(errors))
    clean["appointments"].sort(key=lambda a: (a["due_from"], a["kind"], a["id"]))
    return clean


def _check_appointment(appointment, members: set[str], path: str, errors: _Errors) -> dict:
    if not isinstance(appointment, dict):
        errors.add(
            path,
            gettext("The plan is incomplete or has an unknown value: %(detail)s.")
            % {"detail": gettext("an object is expected here")},
        )
        appointment = {}
    kind = _choice(appointment, "kind", AppointmentKind, f"{path}.kind", errors)
    label = str(AppointmentKind(kind).label) if kind else gettext("Appointment")
    due_from = _date(appointment.get("due_from"), label, f"{path}.due_from", errors)
    due_until = _date(appointment.get("due_until"), label, f"{path}.due_until", errors)
    if due_from and due_until and due_until < due_from:
        errors.add(
            f"{path}.due_until",
            gettext("%(what)s: the window ends before it starts.") % {"what": label},
        )
    time = appointment.get("time") or ""
    try:
        time = datetime.time.fromisoformat(time).strftime("%H:%M") if time else ""
    except (TypeError, ValueError):
        errors.add(f"{path}.time", gettext("%(what)s: enter the time as hh:mm.") % {"what": label})
        time = ""
    member = appointment.get("member") or ""
    if member and (not isinstance(member, str) or member not in members):
        errors.add(
            f"{path}.member",
            gettext("%(what)s: choose a member of the care network.") % {"what": label},
        )
    appointment_id = appointment.get("id") or uuid.uuid4().hex[:12]
    if not isinstance(appointment_id, str):
        appointment_id = str(appointment_id)
    if len(appointment_id) > TEXT_LIMITS["appointments.id"]:
        errors.add(
            f"{path}.id",
            gettext("At most %(limit)s characters (this has %(count)s).")
            % {"limit": TEXT_LIMITS["appointments.id"], "count": len(appointment_id)},
        )
    return {
        "id": appointment_id,
        "kind": kind,
        "due_from": due_from.isoformat() if due_from else "",
        "due_until": due_until.isoformat() if due_until else "",
        "time": time,
        "member": member if isinstance(member, str) else "",
        "status": _choice(appointment, "status", AppointmentStatus, f"{path}.status", errors),
        "note": _text(appointment, "note", f"{path}.note", errors, limit_of="appointments.note"),
    }


# --- paths: comparing, merging --------------------------------------------------------------


def flatten(plan: dict) -> dict[str, object]:
    """The plan as path → value; an appointment is one value (it is changed as a whole)."""
    flat = {f"preferences.{key}": value for key, value in plan["preferences"].items()}
    flat["expected_course"] = plan["expected_course"]
    flat.update({f"home_help.{key}": value for key, value in plan["home_help"].items()})
    flat["discharge_notify"] = tuple(plan["discharge_notify"])
    flat.update({f"checklist.{key}": value for key, value in plan["checklist"].items()})
    flat.update({f"appointments.{a['id']}": a for a in plan["appointments"]})
    return flat


def unflatten(flat: dict[str, object]) -> dict:
    plan = empty_plan()
    for path, value in flat.items():
        head, _sep, key = path.partition(".")
        if head == "appointments":
            plan["appointments"].append(value)
        elif head == "discharge_notify":
            plan["discharge_notify"] = list(value)
        elif key:
            plan[head][key] = value
        else:
            plan[head] = value
    plan["appointments"].sort(key=lambda a: (a["due_from"], a["kind"], a["id"]))
    return plan


def changed_paths(before: dict, after: dict) -> set[str]:
    old, new = flatten(before), flatten(after)
    return {path for path in old.keys() | new.keys() if old.get(path) != new.get(path)}


@dataclass
class Merge:
    plan: dict
    conflicts: set[str]  # paths both sides changed differently: the other's value was kept


def merge(base: dict, theirs: dict, mine: dict) -> Merge:
    """Three-way merge of an edit (``mine``, started from ``base``) onto what was saved in
    between (``theirs``): a path only I changed takes my value; a path only they changed
    keeps theirs; a path we both changed differently keeps theirs and is a conflict the
    user resolves before saving again."""
    old, their, my = flatten(base), flatten(theirs), flatten(mine)
    merged, conflicts = dict(their), set()
    for path in old.keys() | their.keys() | my.keys():
        mine_changed = my.get(path) != old.get(path)
        theirs_changed = their.get(path) != old.get(path)
        if not mine_changed:
            continue
        if theirs_changed and their.get(path) != my.get(path):
            conflicts.add(path)
            continue
        if path in my:
            merged[path] = my[path]
        else:
            merged.pop(path, None)  # I removed it (an appointment)
    return Merge(unflatten(merged), conflicts)


# --- showing a plan -------------------------------------------------------------------------

SECTION_LABELS = {
    "preferences.stay": _("Stay after the birth"),
    "preferences.feeding": _("Feeding"),
    "preferences.visitors": _("Who may visit"),
    "expected_course": _("Expected course"),
    "home_help.wish": _("Maternity home help"),
    "home_help.estimated_hours": _("Maternity home help: first estimate (hours)"),
    "discharge_notify": _("Who must be told of the discharge"),
}
CHOICES = {
    "preferences.stay": StayPreference,
    "preferences.feeding": FeedingPreference,
    "home_help.wish": HomeHelpWish,
}


def _day(value: str) -> str:
    return datetime.date.fromisoformat(value).strftime("%d-%m-%Y") if value else "—"


def label(path: str) -> str:
    head, _sep, key = path.partition(".")
    if path in SECTION_LABELS:
        return str(SECTION_LABELS[path])
    if head == "checklist":
        return str(CHECKLIST.get(key, key))
    return gettext("Appointment")


def display(path: str, value, names: dict[str, str]) -> str:
    """A value as people read it; ``names``: member public id → name."""
    if value is None or value == "" or value == ():
        return "—"
    if path in CHOICES:
        return str(CHOICES[path](value).label)
    if path == "discharge_notify":
        return ", ".join(names.get(m, gettext("a former member")) for m in value)
    if path.startswith("checklist."):
        return gettext("done") if value else gettext("to do")
    if path.startswith("appointments."):
        return " · ".join(
            [str(AppointmentKind(value["kind"]).label), appointment_text(value, names)]
        )
    return str(value)


def window_text(appointment: dict) -> str:
    """ "17-03-2026 – 20-03-2026", or the day and time when one was agreed."""
    if appointment.get("time"):
        return f"{_day(appointment['due_from'])} {appointment['time']}"
    return f"{_day(appointment['due_from'])} – {_day(appointment['due_until'])}"


def appointment_text(value: dict, names: dict[str, str]) -> str:
    """An appointment without its kind: its window, status, member and note."""
    parts = [window_text(value), str(AppointmentStatus(value["status"]).label)]
    if value["member"]:
        parts.append(names.get(value["member"], gettext("a former member")))
    if value["note"]:
        parts.append(value["note"])
    return " · ".join(parts)


def compare(before: dict, after: dict, names: dict[str, str]) -> list[dict]:
    """Both versions side by side, path by path in the order of the plan; ``changed``
    marks the rows that differ."""
    old, new = flatten(before), flatten(after)
    order = list(flatten(empty_plan()))
    order += [p for p in [*old, *new] if p not in order]
    rows, seen = [], set()
    for path in order:
        if path in seen or (path not in old and path not in new):
            continue
        seen.add(path)
        rows.append(
            {
                "path": path,
                "label": label(path),
                "before": display(path, old.get(path), names) if path in old else "—",
                "after": display(path, new.get(path), names) if path in new else "—",
                "changed": old.get(path) != new.get(path),
            }
        )
    return rows
