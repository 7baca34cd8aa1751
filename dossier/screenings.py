"""Neonatal screenings (R23, R41): every newborn gets every scheduled screening, in hospital
or at home, and the coordinator sees which are missing or late.

The schedule is one readable table (``SCHEDULE``): each screening's window counted from the
birth, with the source it comes from and the babies for whom the routine screening does not
apply (``applies``: a baby in a neonatal unit or born before 35 weeks is monitored and
screened by the unit's own procedure, so the home network is not told "pulse oximetry
overdue" for a 33-week baby in the NICU). A screening is done once a result is recorded;
"refer" is done but needs follow-up; a result "repeat" (inconclusive) keeps it open."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


class ScreeningKind(models.TextChoices):
    CCHD = "cchd", _("Pulse oximetry (CCHD)")
    BILIRUBIN = "bilirubin", _("Bilirubin (jaundice)")
    HEEL_PRICK = "heel_prick", _("Heel prick (metabolic)")
    HEARING = "hearing", _("Hearing")


class ScreeningResult(models.TextChoices):
    NORMAL = "normal", _("Normal")
    REFER = "refer", _("Abnormal: referred")
    REPEAT = "repeat", _("Inconclusive: repeat")


@dataclass(frozen=True)
class Window:
    earliest: datetime.timedelta
    latest: datetime.timedelta
    why: str
    well_babies_only: bool = False  # not for a baby in a neonatal unit or born < 35 weeks

    def __iter__(self):  # (earliest, latest), as the table was read before
        return iter((self.earliest, self.latest))


# The window after the birth in which each screening is done, and why.
SCHEDULE = {
    ScreeningKind.CCHD: Window(
        24 * H,
        48 * H,
        (
            "Pulse-oximetry screening for critical congenital heart disease between 24 and 48 "
            "hours in well babies (Kemper et al., Pediatrics 2011; AAP 2011, reaffirmed 2018); "
            "babies in neonatal care are monitored continuously instead."
        ),
        well_babies_only=True,
    ),
    ScreeningKind.BILIRUBIN: Window(
        24 * H,
        5 * D,
        (
            "NICE CG98 Jaundice in newborn babies: look for jaundice at every contact in the "
            "first days and measure the bilirubin when it is seen."
        ),
    ),
    ScreeningKind.HEEL_PRICK: Window(
        72 * H,
        96 * H,
        (
            "R41, the Flemish population screening for congenital disorders (heel prick): the "
            "blood card is taken between 72 and 96 hours after the birth; a baby discharged "
            "before it gets a concrete appointment (careplan.schedule) and the card's number "
            "is recorded."
        ),
    ),
    ScreeningKind.HEARING: Window(
        0 * H,
        28 * D,
        (
            "Kind & Gezin's neonatal hearing screening (ALGO) in the first weeks: within 4 "
            "weeks of the birth."
        ),
    ),
}
PRETERM_WEEKS = 35  # below it a baby follows the neonatal unit's procedure (see CCHD)


def adapted_procedure(*, neonatal_unit: bool | None, gestational_weeks: int | None) -> bool:
    """Whether this baby follows the neonatal unit's adapted procedure (R41: preterm and
    sick newborns), not the routine screenings meant for well babies only."""
    preterm = gestational_weeks is not None and gestational_weeks < PRETERM_WEEKS
    return bool(neonatal_unit) or preterm


def applies(kind: str, *, neonatal_unit: bool | None, gestational_weeks: int | None) -> bool:
    """Whether the routine screening applies to this baby (``adapted_procedure``)."""
    return not SCHEDULE[kind].well_babies_only or not adapted_procedure(
        neonatal_unit=neonatal_unit, gestational_weeks=gestational_weeks
    )


class Status(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", _("By the neonatal unit's procedure")
    NOT_YET = "not_yet", _("Not yet due")
    DUE = "due", _("Due now")
    OVERDUE = "overdue", _("Overdue")
    DONE = "done", _("Done")
    FOLLOW_UP = "follow_up", _("Done: follow-up needed")


_MISSING = frozenset({Status.DUE, Status.OVERDUE})


@dataclass
class ScreeningState:
    kind: ScreeningKind
    status: Status
    due_from: datetime.datetime
    due_until: datetime.datetime
    last: object | None  # the latest recorded Screening, if any

    @property
    def missing(self) -> bool:
        return self.status in _MISSING


def states(
    born_at: datetime.datetime,
    screenings,
    now: datetime.datetime | None = None,
    *,
    neonatal_unit: bool | None = None,
    gestational_weeks: int | None = None,
    in_order: bool = False,
) -> list[ScreeningState]:
    """The state of every scheduled screening for a newborn born at ``born_at`` (admitted
    to a neonatal unit or not, born at ``gestational_weeks``). ``screenings``: what was
    recorded, with ``done_at``, or already in the order it was done (``in_order``).
    ``missing_condition`` below says which babies have one missing in SQL, for the lists:
    change both (a test holds them equal)."""
    now = now or timezone.now()
    by_kind: dict[str, list] = {}
    for screening in screenings if in_order else sorted(screenings, key=lambda s: s.done_at):
        by_kind.setdefault(screening.kind, []).append(screening)
    # ``applies`` for each kind, its rule worked out once for the baby (lists ask it per row)
    adapted = adapted_procedure(neonatal_unit=neonatal_unit, gestational_weeks=gestational_weeks)
    result = []
    for kind, window in SCHEDULE.items():
        done = by_kind.get(kind)
        last = done[-1] if done else None
        due_from, due_until = born_at + window.earliest, born_at + window.latest
        if last is None and window.well_babies_only and adapted:
            status = Status.NOT_APPLICABLE
        elif last is not None and last.result == ScreeningResult.NORMAL:
            status = Status.DONE
        elif last is not None and last.result == ScreeningResult.REFER:
            status = Status.FOLLOW_UP
        elif now > due_until:
            status = Status.OVERDUE
        elif now >= due_from:
            status = Status.DUE
        else:
            status = Status.NOT_YET
        result.append(ScreeningState(kind, status, due_from, due_until, last))
    return result


SETTLED = (ScreeningResult.NORMAL, ScreeningResult.REFER)  # done, or done and referred


def missing_condition(
    now: datetime.datetime,
    *,
    born_at: str,
    neonatal_unit: str,
    gestational_weeks: str,
    newborn: str = "pk",
) -> models.Q:
    """``any(s.missing for s in states(...))`` as a condition on a query of newborns: the
    same table (``SCHEDULE``), the same ``applies`` and the same settled results, decided in
    the statement. A list of the babies with a screening due or overdue then reads those
    babies only, not every baby of the coordinator's records to decide each in Python (the
    screenings panels, issue 16). ``born_at``, ``neonatal_unit`` and ``gestational_weeks``
    are the paths of the birth's moment, the admission and the gestational age from the
    newborn; ``newborn`` the newborn's own key (an outer reference's name). Held equal to
    ``states`` for every kind, result, moment on its window's edges and baby, one by one
    (tests/dossier/test_screenings.py)."""
    from django.db.models import DateTimeField, ExpressionWrapper, F, OuterRef, Q, Subquery, Value
    from django.db.models.lookups import In, IsNull, LessThan, LessThanOrEqual

    from dossier.models import Screening

    # ``applies``: neither in a neonatal unit nor born before PRETERM_WEEKS (unknown: no)
    well = ~Q(**{neonatal_unit: True}) & (
        Q(**{f"{gestational_weeks}__isnull": True})
        | Q(**{f"{gestational_weeks}__gte": PRETERM_WEEKS})
    )

    def after_birth(delta: datetime.timedelta) -> ExpressionWrapper:
        return ExpressionWrapper(F(born_at) + Value(delta), output_field=DateTimeField())

    any_missing = Q()
    for kind, window in SCHEDULE.items():
        last = Subquery(  # the latest result of this kind, as states() takes done[-1]
            Screening.objects.filter(newborn=OuterRef(newborn), kind=kind)
            .order_by("-done_at", "-pk")
            .values("result")[:1]
        )
        nothing = Q(IsNull(last, True))  # nothing recorded: not applicable or open
        if window.well_babies_only:
            nothing &= well
        # DUE from the window's start, OVERDUE after its end (NOT_YET before)
        opened = Q(LessThanOrEqual(after_birth(window.earliest), now)) | Q(
            LessThan(after_birth(window.latest), now)
        )
        # a result recorded and not settled (inconclusive) keeps it open; NOT (NULL IN …)
        # is no match, so a baby with nothing recorded is decided by ``nothing`` alone
        any_missing |= opened & (nothing | ~Q(In(last, list(SETTLED))))
    return any_missing


def states_of(newborn, now: datetime.datetime | None = None) -> list[ScreeningState]:
    """``states`` for a newborn of a delivered record: its birth, its neonatal unit and its
    gestational age read from the record."""
    delivery = newborn.dossier.delivery
    return states(
        delivery.born_at,
        newborn.screenings.all(),
        now,
        neonatal_unit=newborn.neonatal_admission,
        gestational_weeks=delivery.gestational_weeks,
    )
