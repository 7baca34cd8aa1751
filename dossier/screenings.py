"""Neonatal screenings (R23): every newborn gets every scheduled screening, in hospital or
at home, and the coordinator sees which are missing or late.

The schedule is one readable table: each screening's window counted from the birth. A
screening is done once a result is recorded; "refer" is done but needs follow-up; a result
"repeat" (inconclusive) keeps it open."""

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


# (earliest, latest) after the birth: the window in which each screening is done.
SCHEDULE = {
    ScreeningKind.CCHD: (24 * H, 48 * H),
    ScreeningKind.BILIRUBIN: (24 * H, 5 * D),
    ScreeningKind.HEEL_PRICK: (72 * H, 120 * H),
    ScreeningKind.HEARING: (0 * H, 28 * D),
}


class Status(models.TextChoices):
    NOT_YET = "not_yet", _("Not yet due")
    DUE = "due", _("Due now")
    OVERDUE = "overdue", _("Overdue")
    DONE = "done", _("Done")
    FOLLOW_UP = "follow_up", _("Done: follow-up needed")


@dataclass
class ScreeningState:
    kind: ScreeningKind
    status: Status
    due_from: datetime.datetime
    due_until: datetime.datetime
    last: object | None  # the latest recorded Screening, if any

    @property
    def missing(self) -> bool:
        return self.status in {Status.DUE, Status.OVERDUE}


def states(born_at: datetime.datetime, screenings, now: datetime.datetime | None = None
           ) -> list[ScreeningState]:
    """The state of every scheduled screening for a newborn born at ``born_at``."""
    now = now or timezone.now()
    by_kind: dict[str, list] = {}
    for screening in sorted(screenings, key=lambda s: s.done_at):
        by_kind.setdefault(screening.kind, []).append(screening)
    result = []
    for kind, (earliest, latest) in SCHEDULE.items():
        done = by_kind.get(kind, [])
        last = done[-1] if done else None
        if last is not None and last.result == ScreeningResult.NORMAL:
            status = Status.DONE
        elif last is not None and last.result == ScreeningResult.REFER:
            status = Status.FOLLOW_UP
        elif now > born_at + latest:
            status = Status.OVERDUE
        elif now >= born_at + earliest:
            status = Status.DUE
        else:
            status = Status.NOT_YET
        result.append(ScreeningState(ScreeningKind(kind), Status(status), born_at + earliest,
                                     born_at + latest, last))
    return result
