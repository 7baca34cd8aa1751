"""The completeness worklist: the births a professional can complete that the registration
still lacks something for, the most urgent deadline first. A birth leaves the list as soon
as its data are complete (the next export sends it)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dossier.models import Dossier, Newborn
from dossier.sections import Section
from ebirth import completeness
from ebirth.births import Birth, as_births, births
from ebirth.models import ExportedMessage, MessageKind
from network import access

# An exported birth can still be made incomplete by a change (a correction would then be
# held back): such births are shown while the record is in use, six weeks after the birth.
CORRECTION_WEEKS = 6
FLAGGED_SECTIONS = (Section.IDENTITY, Section.PRENATAL, Section.DELIVERY, Section.NEWBORN)


@dataclass(frozen=True)
class WorkItem:
    birth: Birth
    dossier: Dossier  # annotated with the user's can_view_/can_edit_ flags
    problems: list[completeness.Problem]
    now: datetime.datetime

    @property
    def due(self) -> datetime.datetime:
        return self.birth.notification_due

    @property
    def overdue(self) -> bool:
        return self.now >= self.due

    @property
    def minutes_left(self) -> int:
        """Minutes to the 24-hour deadline; negative once it has passed."""
        return int((self.due - self.now).total_seconds() // 60)

    @property
    def time_left(self) -> dict[str, int]:
        """The time to (or, once overdue, since) the deadline in hours and minutes."""
        hours, minutes = divmod(abs(self.minutes_left), 60)
        return {"hours": hours, "minutes": minutes}

    def fixes(self) -> list[tuple[completeness.Problem, bool]]:
        """Each problem with whether this user may mend it on its page."""
        return [
            (problem, getattr(self.dossier, f"can_edit_{problem.section}", False))
            for problem in self.problems
        ]


def _open_births(dossiers, now: datetime.datetime):
    notified = Exists(
        ExportedMessage.objects.filter(newborn_id=OuterRef("pk"), kind=MessageKind.NOTIFICATION)
    )
    recent = now - datetime.timedelta(weeks=CORRECTION_WEEKS)
    return Newborn.objects.filter(dossier__in=dossiers).filter(
        ~notified | Q(dossier__delivery__born_at__gte=recent)
    )


def worklist(user, now: datetime.datetime | None = None) -> list[WorkItem]:
    """The user's incomplete births, most urgent first (two queries)."""
    now = now or timezone.now()
    dossiers = access.completing_dossiers(user)
    rows = births(_open_births(dossiers, now))
    incomplete = [
        (birth, found) for birth in as_births(rows) if (found := completeness.problems(birth))
    ]
    if not incomplete:
        return []
    flagged = access.with_edit_flags(
        access.with_section_flags(dossiers, user, (Section.IDENTITY,)), user, FLAGGED_SECTIONS
    )
    # one array however many (a statement carries at most 65,535 separate values)
    shown = list({birth.dossier_pk for birth, _problems in incomplete})
    by_pk = {d.pk: d for d in flagged.filter(pk__any=shown)}
    items = [WorkItem(birth, by_pk[birth.dossier_pk], found, now) for birth, found in incomplete]
    return sorted(items, key=lambda item: (item.due, item.birth.birth_order))


def reads(items: list[WorkItem]) -> list[tuple[Dossier, str]]:
    """What a page of the worklist shows of each record, for the access log."""
    shown = []
    for item in items:
        if item.dossier.can_view_identity:
            shown.append((item.dossier, Section.IDENTITY))
        shown += [(item.dossier, Section.DELIVERY), (item.dossier, Section.NEWBORN)]
    return shown
