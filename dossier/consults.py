"""A consult with the maternity ward (R13, R34; issue 18): the home midwife asks the
maternity ward's midwife a question about the mother or one baby, and the ward answers it in
the record. The model is ``dossier.models.consult``, the writes ``dossier.consult_services``;
the rules are here, in one place:

* **About whom, and so which section.** A question about the mother belongs to her
  postnatal follow-up, one about a baby to the newborn section — the sections the record
  already has for the care after the birth, with the consent the mother already gave for
  them. Nothing new to agree: whoever may read that section reads the question and its
  answer (the mother too: it is her record, R5); nobody else, and outside the network the
  record does not exist (the boundary's 404).
* **Who asks** (``may_ask``): a care provider who is an active member of the network and
  may *change* the section the question is about. Asking the ward is acting in that part of
  the care, as recording a home visit (postnatal) or weighing a baby (newborn) is: the
  coordinator and the home midwife ask about both, the GP as far as the mother lets him
  change them, the paediatrician about a baby; a maternity assistant (who reads the
  follow-up but does not write it) and the mother do not — she calls her midwife or whoever
  is on call (R12).
* **To whom** (``ward_for``): the organisation of ``network.oncall.ward_contact``'s rule at
  the moment of asking — the maternity ward where she gave birth, else her coordinator's
  organisation, else a ward a member works at, each only with a ward contact. It is kept on
  the request: a later change of the birth's ward does not move a question already asked.
* **Who answers** (``may_answer``): a care provider *of that organisation* who is an active
  member of the network, may read the question's section, and did not ask it. When there
  is none at the moment of asking, the ward contact (``ward_email``/``ward_phone``) is told
  through the outbox — with no question, no mother, no baby: who asks, how urgent, whom to
  call back, and a link that needs signing in — and a ward professional added to the
  network later answers in the record.
* **How fast** (``WINDOWS``, each with its ``why``): the answer is expected within the
  urgency's window; an open request past it is *overdue* (``is_overdue``), says so on
  the record's status header and is followed up once (``consult_services.remind_overdue``:
  the asker gets the ward's number, the ward a reminder)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from config.prepared import STAND_IN_ID, STAND_IN_TEXT, STAND_IN_TIME, Prepared
from dossier.models import (
    ConsultNote,
    ConsultRequest,
    ConsultStatus,
    ConsultUrgency,
    Dossier,
    Newborn,
)
from dossier.models.consult import CONSULT_SECTIONS
from dossier.sections import Section
from network import access
from network.access import AnyUser
from network.models import Action, Level, Organisation, Professional

# --- how fast: the response windows, in one table ------------------------------------------


@dataclass(frozen=True)
class Window:
    """How soon an answer is expected for one urgency, and why."""

    urgency: str
    within: datetime.timedelta
    why: str

    @property
    def label(self) -> str:
        return str(ConsultUrgency(self.urgency).label)


WINDOWS: dict[str, Window] = {
    window.urgency: window
    for window in (
        Window(
            ConsultUrgency.HOUR,
            datetime.timedelta(hours=1),
            "KCE Report 232 (2014), AP 4.1 and its focus groups: the midwife who "
            "gives postnatal care at home must be able to reach a midwife of the maternity "
            "ward by phone when there is a problem. KCE sets no number; one hour is this "
            "installation's choice for a problem seen during a home visit that cannot wait "
            "for the next one — answered while she can still act on it in the home — and the "
            "same first wait as an urgent alert's escalation (ALERT_ESCALATE_MINUTES, 60). "
            "What cannot wait an hour is no consult: call 112, or the ward's phone.",
        ),
        Window(
            ConsultUrgency.TODAY,
            datetime.timedelta(hours=8),
            "KCE Report 232 (2014), AP 4.1–4.2: in the first week the care at home goes "
            "visit by visit (the first within 24 h of discharge, more up to day 10), so a "
            "question that can wait is answered before the next visit. KCE sets no number; "
            "eight hours — one shift of the ward — is this installation's choice, so that "
            "the shift that receives the question answers it.",
        ),
    )
}


def due_at(urgency: str, asked_at: datetime.datetime) -> datetime.datetime:
    """When the answer is expected for a question asked at ``asked_at``."""
    return asked_at + WINDOWS[urgency].within


def is_overdue(consult: ConsultRequest, now: datetime.datetime | None = None) -> bool:
    """Still open after its window: an answer expected by ``due_at`` is late from the
    moment after it."""
    now = now or timezone.now()
    return consult.status == ConsultStatus.OPEN and now > consult.due_at


def section_about(newborn: Newborn | None) -> str:
    """The section a question belongs to: a baby's newborn section, else the mother's
    postnatal follow-up."""
    return Section.NEWBORN if newborn is not None else Section.POSTNATAL


# --- who ----------------------------------------------------------------------------------


def _levels(user: AnyUser, dossier: Dossier, levels: dict[str, int] | None) -> dict[str, int]:
    return levels if levels is not None else access.section_levels(user, dossier)


def readable_sections(levels: dict[str, int]) -> list[str]:
    """The consults' sections this reader may see (their questions and answers)."""
    return [s for s in CONSULT_SECTIONS if levels.get(s, Level.NONE) >= Level.VIEW]


def askable_sections(user: AnyUser, dossier: Dossier, *, levels: dict[str, int] | None = None):
    """The sections this user may ask the ward about (see the module): none but for a care
    provider in the network."""
    if access.active_membership(user, dossier) is None:
        return []
    levels = _levels(user, dossier, levels)
    return [s for s in CONSULT_SECTIONS if levels[s] >= Level.EDIT]


def may_ask(
    user: AnyUser,
    dossier: Dossier,
    section: str | None = None,
    *,
    levels: dict[str, int] | None = None,
) -> bool:
    """Whether the user may ask the ward about ``section`` (any of the two when ``None``)."""
    sections = askable_sections(user, dossier, levels=levels)
    return bool(sections) if section is None else section in sections


def require_ask(user: AnyUser, dossier: Dossier, section: str | None = None) -> None:
    if not may_ask(user, dossier, section):
        raise access.AccessDenied(
            _(
                "Only a care provider of the network who may change the postnatal follow-up "
                "(about the mother) or the newborn section (about a baby) asks the maternity "
                "ward."
            ),
            dossier=dossier,
            section=section or Section.POSTNATAL,
            action=Action.CREATE,
        )


def may_read(user: AnyUser, dossier: Dossier, *, levels: dict[str, int] | None = None) -> bool:
    return bool(readable_sections(_levels(user, dossier, levels)))


def require_read(user: AnyUser, dossier: Dossier) -> None:
    if not may_read(user, dossier):
        raise access.AccessDenied(
            _(
                "The consults with the maternity ward are part of the postnatal follow-up and "
                "of the newborn section; the mother has shared neither with you."
            ),
            dossier=dossier,
            section=Section.POSTNATAL,
            action=Action.READ,
        )


def _organisation_id(user: AnyUser, dossier: Dossier) -> int | None:
    """The organisation of a care provider who is an active member of the network."""
    membership = access.active_membership(user, dossier)
    if membership is None:
        return None
    return user.professional.organisation_id  # type: ignore[union-attr]


def may_answer(
    user: AnyUser, consult: ConsultRequest, *, levels: dict[str, int] | None = None
) -> bool:
    """Answers (and later adds notes) for the ward: a member of its organisation who may
    read the question's section and did not ask it."""
    dossier = consult.dossier
    organisation = _organisation_id(user, dossier)
    return (
        organisation is not None
        and organisation == consult.ward_id
        and user.pk != consult.asked_by_id
        and _levels(user, dossier, levels)[consult.section] >= Level.VIEW
    )


def consult_in(dossier: Dossier, consult_id: UUID | str) -> ConsultRequest:
    """The request with this id in this record, else a 404."""
    consult = (
        ConsultRequest.objects.select_related(
            "dossier__mother", "newborn", "ward", "asked_by__professional"
        )
        .filter(dossier=dossier, public_id=consult_id)
        .first()
    )
    if consult is None:
        raise Http404
    consult.dossier = dossier  # the boundary's: its levels and membership are cached on it
    return consult


def require_answer(user: AnyUser, dossier: Dossier, *, consult_id: UUID | str) -> None:
    """The boundary's check for one request's answer page and route."""
    consult = consult_in(dossier, consult_id)
    if not may_answer(user, consult):
        raise access.AccessDenied(
            _(
                "Only a care provider of the maternity ward it was sent to, who is a member of "
                "the network and may read this part of the record, answers this question."
            ),
            dossier=dossier,
            section=consult.section,
            action=Action.UPDATE,
        )


def may_withdraw(user: AnyUser, consult: ConsultRequest) -> bool:
    """Whoever asked, while still a member of the network."""
    return (
        user.pk == consult.asked_by_id
        and access.active_membership(user, consult.dossier) is not None
    )


def require_withdraw(user: AnyUser, dossier: Dossier, *, consult_id: UUID | str) -> None:
    consult = consult_in(dossier, consult_id)
    if not may_withdraw(user, consult):
        raise access.AccessDenied(
            _("Only whoever asked the question withdraws it."),
            dossier=dossier,
            section=consult.section,
            action=Action.UPDATE,
        )


# --- to whom ------------------------------------------------------------------------------


def ward_for(dossier: Dossier, *, members: list[Any] | None = None) -> Organisation | None:
    """The organisation a question of this record is addressed to (see the module)."""
    from network.oncall import ward_contact

    return ward_contact(dossier, members=members)


def answerers(consult: ConsultRequest) -> list[Professional]:
    """Who may answer it now (``may_answer``), in the order they joined the network."""
    dossier = consult.dossier
    readers = set(access.users_who_see(dossier, consult.section).values_list("pk", flat=True))
    return [
        member.professional
        for member in access.network_of(dossier)
        if member.professional.organisation_id == consult.ward_id
        and member.professional.user_id != consult.asked_by_id
        and member.professional.user_id in readers
    ]


# --- reading ------------------------------------------------------------------------------

CARD_ROWS = 5  # the record's card: the open ones and the latest answered, the rest a click away


def consults_of(dossier: Dossier, sections) -> QuerySet[ConsultRequest]:
    """The record's consults in these sections: the open ones first (the soonest due
    first), then the newest."""
    return (
        ConsultRequest.objects.filter(dossier=dossier, section__in=list(sections))
        .select_related("newborn", "ward", "asked_by__professional", "answered_by", "withdrawn_by")
        .prefetch_related(
            Prefetch("notes", queryset=ConsultNote.objects.select_related("written_by"))
        )
        .annotate(
            closed=Case(
                When(status=ConsultStatus.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            open_due=Case(When(status=ConsultStatus.OPEN, then=F("due_at"))),
        )
        .order_by("closed", F("open_due").asc(nulls_last=True), "-created_at", "-id")
    )


def decorate(
    rows, user: User, dossier: Dossier, levels: dict[str, int], now: datetime.datetime
) -> list[ConsultRequest]:
    """Each row with what this reader may do with it and whether it is late (the rows are
    in sections the reader may see: ``consults_of`` with ``readable_sections``)."""
    rows = list(rows)
    organisation = _organisation_id(user, dossier)
    for consult in rows:
        consult.dossier = dossier
        consult.overdue = is_overdue(consult, now)
        consult.can_answer = (
            organisation is not None
            and organisation == consult.ward_id
            and user.pk != consult.asked_by_id
        )
        consult.can_withdraw = consult.is_open and may_withdraw(user, consult)
    return rows


# the card's counts: one row per record (none without a consult), compiled once
_COUNTS = Prepared(
    lambda dossier_id, sections, now: (
        ConsultRequest.objects.filter(dossier_id=dossier_id, section__any=sections)
        .values("dossier_id")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=ConsultStatus.OPEN)),
            overdue=Count("pk", filter=Q(status=ConsultStatus.OPEN, due_at__lt=now)),
        )
        .values("total", "open", "overdue")
        .order_by()
    ),
    dossier_id=STAND_IN_ID,
    sections=[STAND_IN_TEXT],
    now=STAND_IN_TIME,
)


def card(
    dossier: Dossier, user: User, levels: dict[str, int], *, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The record's "Consult with the maternity ward" card and the header's overdue count,
    for this reader (one query when there is none, else three, whatever their number)."""
    sections = readable_sections(levels)
    if not sections or getattr(dossier, "delivery", None) is None:
        return {"show": False, "overdue": 0}
    now = now or timezone.now()
    found = _COUNTS(dossier_id=dossier.pk, sections=[str(s) for s in sections], now=now)
    counts = found[0] if found else {"total": 0, "open": 0, "overdue": 0}
    rows = (
        decorate(consults_of(dossier, sections)[:CARD_ROWS], user, dossier, levels, now)
        if counts["total"]
        else []
    )
    return {
        "show": True,
        "rows": rows,
        "after": sections[0],  # the card follows the first of its sections on the page
        "sections": sections,
        "can_ask": may_ask(user, dossier, levels=levels),
        **counts,
    }


def open_for_ward(user: User, *, limit: int = 50) -> tuple[list[ConsultRequest], list[Any]]:
    """The open requests addressed to this care provider's organisation, soonest due
    first: those in records she may open whose section she may read (``readable``), and
    the others (``elsewhere``: who asks, how urgent, until when — nothing of the record)."""
    professional = getattr(user, "professional", None)
    if not access.is_care_provider(user) or professional is None:
        return [], []
    if professional.organisation_id is None:
        return [], []
    rows = list(
        ConsultRequest.objects.filter(
            status=ConsultStatus.OPEN, ward_id=professional.organisation_id
        )
        .exclude(asked_by=user)
        .select_related("dossier__mother", "asked_by__professional__organisation")
        .order_by("due_at", "pk")[:limit]
    )
    ids = {consult.dossier_id for consult in rows}
    sections = (Section.IDENTITY, *CONSULT_SECTIONS)
    flags = {
        row["pk"]: row
        for row in access.with_section_flags(
            access.visible_dossiers(user).filter(pk__in=ids), user, sections
        ).values("pk", *(f"can_view_{s}" for s in sections))
    }
    readable, elsewhere = [], []
    now = timezone.now()
    for consult in rows:
        consult.overdue = is_overdue(consult, now)  # type: ignore[attr-defined]
        flagged = flags.get(consult.dossier_id, {})
        sees = bool(flagged.get(f"can_view_{Section.IDENTITY}"))
        consult.sees_identity = sees  # type: ignore[attr-defined]
        if flagged.get(f"can_view_{consult.section}"):
            readable.append(consult)
        else:
            elsewhere.append(consult)
    return readable, elsewhere
