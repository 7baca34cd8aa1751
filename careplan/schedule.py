"""R22 as one readable table: from the birth and the discharge, the appointments the plan
proposes; before the birth, from the due date, the prenatal contacts (``PRENATAL_RULES``).
A proposal only: the midwife or the mother accepts or edits it; nothing is put in the plan
without them.

Days are counted as in the record: the day of birth is day 0 (``day_post_partum``); "after
discharge" counts from the discharge moment, in hours for the first visit."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careplan.content import AppointmentKind, AppointmentStatus, new_appointment
from dossier.dating import PREGNANCY_DAYS
from dossier.models.stay import FIRST_VISIT_WITHIN

SHORT_STAY = datetime.timedelta(hours=72)


@dataclass(frozen=True)
class Rule:
    kind: str
    start: str  # "birth" or "discharge": where the days are counted from
    days: tuple[int, int]
    only_short_stay: bool = False
    per_baby: bool = False
    why: str = ""  # where the rule comes from; read by people, not by the code


RULES = (
    # the first home visit within 24 hours of the discharge, whatever the length of stay
    Rule(
        AppointmentKind.FIRST_HOME_VISIT, "discharge", (0, 1), why="R22: within 24 h of discharge"
    ),
    # after a stay under 3 days: extra visits in the first week after discharge
    Rule(
        AppointmentKind.HOME_VISIT,
        "discharge",
        (2, 2),
        only_short_stay=True,
        why="R22: stay under 3 days",
    ),
    Rule(
        AppointmentKind.HOME_VISIT,
        "discharge",
        (4, 4),
        only_short_stay=True,
        why="R22: stay under 3 days",
    ),
    Rule(
        AppointmentKind.HOME_VISIT,
        "discharge",
        (6, 6),
        only_short_stay=True,
        why="R22: stay under 3 days",
    ),
    # R41: discharged before 72 hours, the heel prick (72–96 h) becomes an appointment at
    # home for each baby (day 3–4: the day of birth is day 0)
    Rule(
        AppointmentKind.HEEL_PRICK,
        "birth",
        (3, 4),
        only_short_stay=True,
        per_baby=True,
        why="R41: heel prick 72–96 h after the birth; a concrete appointment when the "
        "baby goes home before it",
    ),
    # care continues to day 10
    Rule(AppointmentKind.HOME_VISIT, "birth", (9, 10), why="R22: follow-up to day 10"),
    # the baby seen by a doctor, preferably a paediatrician, on day 7–10: each baby
    Rule(
        AppointmentKind.PAEDIATRIC, "birth", (7, 10), per_baby=True, why="R22: physician day 7–10"
    ),
    # the gynaecological check at 6 weeks
    Rule(AppointmentKind.SIX_WEEK_CHECK, "birth", (35, 49), why="R15: 6-week check"),
)


def propose(
    born_at: datetime.datetime,
    discharged_at: datetime.datetime | None,
    babies: list[str],
    existing: list[dict],
) -> list[dict]:
    """The appointments the rules propose that the plan does not have yet (an existing
    appointment of the same kind whose window overlaps counts as the same one). ``babies``:
    the live newborns' names, for an appointment per baby."""
    birth_day = timezone.localtime(born_at).date()
    discharged = discharged_at or born_at  # a home birth: "discharge" is the birth
    short = discharged - born_at < SHORT_STAY
    proposals = []
    for rule in RULES:
        if rule.only_short_stay and not short:
            continue
        if rule.start == "birth":
            start = birth_day + datetime.timedelta(days=rule.days[0])
            end = birth_day + datetime.timedelta(days=rule.days[1])
        else:
            leaving = timezone.localtime(discharged)
            start = leaving.date() + datetime.timedelta(days=rule.days[0])
            end = (
                (leaving + FIRST_VISIT_WITHIN).date()
                if rule.days == (0, 1)
                else (leaving.date() + datetime.timedelta(days=rule.days[1]))
            )
        for baby in babies if rule.per_baby else [""]:
            # the same inputs give the same id: a proposal shown can be accepted later
            key = hashlib.sha256(f"{rule.kind}|{start}|{baby}".encode()).hexdigest()[:12]
            candidate = new_appointment(
                rule.kind,
                start,
                end,
                note=baby,
                status=AppointmentStatus.PROPOSED,
                appointment_id=key,
            )
            if not _covered(candidate, [*existing, *proposals]):
                proposals.append(candidate)
    return proposals


def _covered(candidate: dict, appointments: list[dict]) -> bool:
    return any(
        a["kind"] == candidate["kind"]
        and a["note"] == candidate["note"]
        and a["status"] != AppointmentStatus.CANCELLED
        and a["due_from"] <= candidate["due_until"]
        and candidate["due_from"] <= a["due_until"]
        for a in appointments
    )


# --- before the birth: the prenatal contacts ----------------------------------------------

KCE_PRENATAL = (
    "KCE Report 248 (2015), What are the recommended clinical assessment and screening tests "
    "during pregnancy?, after NICE CG62 / NG201: for an uncomplicated pregnancy ten contacts "
    "for a first baby (about 8–10, 16, 25, 28, 31, 34, 36, 38, 40 and 41 weeks) and seven "
    "for a next one (without 25, 31 and 40 weeks); KCE Report 326 (2019), Towards "
    "integrated antenatal care for low-risk pregnancy, keeps this schedule and shares the "
    "contacts between the midwife, the GP and the gynaecologist."
)
HOME_VISIT_34 = (
    "KCE Report 232 (2014), recommendation 4, after the Dutch model: a prenatal home visit "
    "by the midwife around 34 weeks prepares the birth and the care at home; it takes the "
    "place of the 34-week contact."
)


@dataclass(frozen=True)
class PrenatalRule:
    """A prenatal contact: its window in weeks of pregnancy (from week ``weeks[0]`` + 0 days
    to week ``weeks[1]`` + 6 days), whether only a first baby gets it, and what it is for."""

    kind: str
    weeks: tuple[int, int]
    purpose: str
    first_baby_only: bool = False
    why: str = KCE_PRENATAL


PRENATAL_RULES = (
    PrenatalRule(
        AppointmentKind.PRENATAL_CONSULTATION,
        (6, 10),
        _("First contact: dating, history, blood tests (blood group, serology, haemoglobin)"),
    ),
    PrenatalRule(AppointmentKind.PRENATAL_CONSULTATION, (15, 16), _("Results of the first tests")),
    PrenatalRule(
        AppointmentKind.PRENATAL_CONSULTATION,
        (24, 25),
        _("Growth and blood pressure; the glucose test (24–28 weeks)"),
        first_baby_only=True,
    ),
    PrenatalRule(
        AppointmentKind.PRENATAL_CONSULTATION,
        (27, 28),
        _("Haemoglobin and antibodies; anti-D when Rhesus D negative"),
    ),
    PrenatalRule(
        AppointmentKind.PRENATAL_CONSULTATION,
        (30, 31),
        _("Growth, blood pressure and the results of 28 weeks"),
        first_baby_only=True,
    ),
    PrenatalRule(
        AppointmentKind.PRENATAL_HOME_VISIT,
        (33, 34),
        _("At home: the birth plan, the care after the birth, maternity home help"),
        why=HOME_VISIT_34,
    ),
    PrenatalRule(
        AppointmentKind.PRENATAL_CONSULTATION,
        (35, 36),
        _("Position of the baby; the group B streptococcus swab (35–37 weeks)"),
    ),
    PrenatalRule(AppointmentKind.PRENATAL_CONSULTATION, (38, 38), _("Check-up at 38 weeks")),
    PrenatalRule(
        AppointmentKind.PRENATAL_CONSULTATION,
        (40, 40),
        _("Check-up at 40 weeks"),
        first_baby_only=True,
    ),
    PrenatalRule(
        AppointmentKind.PRENATAL_CONSULTATION,
        (41, 41),
        _("Past the due date: membrane sweep, induction discussed"),
    ),
)


def prenatal_window(due_date: datetime.date, weeks: tuple[int, int]):
    """The days of a window in weeks of pregnancy, counted from the due date − 280 days."""
    start = due_date - datetime.timedelta(days=PREGNANCY_DAYS)
    return (
        start + datetime.timedelta(weeks=weeks[0]),
        start + datetime.timedelta(weeks=weeks[1], days=6),
    )


def propose_prenatal(
    due_date: datetime.date,
    parity: int,
    existing: list[dict],
    *,
    today: datetime.date | None = None,
) -> list[tuple[dict, str]]:
    """The prenatal contacts the schedule proposes that the plan does not have yet, with what
    each is for: a first baby (``parity`` 0) gets all ten, a next one seven; a window that is
    over ``today`` is not proposed any more."""
    today = today or timezone.localdate()
    proposals = []
    for rule in PRENATAL_RULES:
        if rule.first_baby_only and parity > 0:
            continue
        start, end = prenatal_window(due_date, rule.weeks)
        if end < today:
            continue
        key = hashlib.sha256(f"{rule.kind}|{start}|".encode()).hexdigest()[:12]
        candidate = new_appointment(
            rule.kind, start, end, status=AppointmentStatus.PROPOSED, appointment_id=key
        )
        if not _covered(candidate, [*existing, *(p for p, _purpose in proposals)]):
            proposals.append((candidate, str(rule.purpose)))
    return proposals
