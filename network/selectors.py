"""Reads for the network pages; every one starts from a dossier the user may open."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from config.prepared import STAND_IN_ID, STAND_IN_OTHER_ID, Prepared
from dossier.sections import Section
from network import access, names
from network.models import (
    AccessEvent,
    Action,
    Concern,
    DossierUserObjectPermission,
    Membership,
    Notification,
    Outcome,
    Profession,
    Professional,
    Urgency,
)


def professionals_matching(
    *, q: str = "", profession: str = "", municipality: str = "", exclude_dossier=None
) -> QuerySet[Professional]:
    found = Professional.objects.filter(user__is_active=True).select_related("user", "organisation")
    for word in q.split():
        found = found.filter(
            Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
        )
    if profession:
        found = found.filter(profession=profession)
    if municipality:
        found = found.filter(
            Q(municipality__icontains=municipality)
            | Q(organisation__municipality__icontains=municipality)
        )
    if exclude_dossier is not None:
        found = found.exclude(
            memberships__dossier=exclude_dossier, memberships__ended_at__isnull=True
        )
    return found.order_by("user__last_name", "user__first_name")


def past_members(dossier) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(dossier=dossier, ended_at__isnull=False)
        .select_related("professional__user")
        .order_by("-ended_at")
    )


def access_events_of(dossier) -> QuerySet[AccessEvent]:
    """Every event about this record, newest first (one per request)."""
    return AccessEvent.objects.filter(dossier=dossier).order_by("-seq")


# A visit: one person's consecutive events on the record, no more than this apart, with
# one outcome (a refusal is a visit of its own, so it stands out).
VISIT_GAP_MINUTES = 30


@dataclass
class Visit:
    """One row of "Wie bekeek mijn dossier": who, from when to when, what they did and
    which parts, refused or not."""

    first: datetime.datetime
    last: datetime.datetime
    actor_id: int | None
    actor_label: str
    denied: bool
    actions: list[str]
    sections: list[str]
    requests: int
    profession: str = ""

    @property
    def actions_display(self) -> str:
        labels = dict(Action.choices)
        return ", ".join(str(labels.get(a, a)) for a in self.actions)

    @property
    def parts_display(self) -> str:
        labels = dict(Section.choices)
        return ", ".join(str(labels.get(s, s)) for s in self.sections) or str(_("Care network"))


_VISITS = """
WITH e AS (
    SELECT seq, at, actor_id, actor_label, action, outcome, sections,
           CASE WHEN lag(seq) OVER w IS NULL
                  OR actor_id IS DISTINCT FROM lag(actor_id) OVER w
                  OR actor_label <> lag(actor_label) OVER w
                  OR outcome <> lag(outcome) OVER w
                  OR at - lag(at) OVER w > make_interval(mins => %s)
                THEN 1 ELSE 0 END AS starts
    FROM network_accessevent
    WHERE dossier_id = %s {where}
    WINDOW w AS (ORDER BY seq)
), visits AS (
    SELECT *, sum(starts) OVER (ORDER BY seq) AS visit FROM e
)
SELECT min(at), max(at), min(actor_id), min(actor_label), min(outcome),
       array_agg(DISTINCT action ORDER BY action),
       coalesce(array_agg(DISTINCT s ORDER BY s) FILTER (WHERE s IS NOT NULL), '{{}}'),
       count(DISTINCT seq)
FROM visits LEFT JOIN LATERAL unnest(visits.sections) AS s ON true
GROUP BY visit ORDER BY visit DESC
"""


def access_visits(dossier, *, mine_of=None, others_of=None, actor_id=None) -> list[Visit]:
    """Her record's access log as visits, newest first: ``mine_of`` (her user) keeps her
    own, ``others_of`` everyone else's; ``actor_id`` one person's. One query; a record's
    log is one chain read on its index."""
    where, params = "", []
    if mine_of is not None:
        where, params = "AND actor_id = %s", [mine_of.pk]
    elif others_of is not None:
        where, params = "AND actor_id IS DISTINCT FROM %s", [others_of.pk]
    if actor_id is not None:
        where, params = where + " AND actor_id = %s", [*params, actor_id]
    with connection.cursor() as cursor:
        cursor.execute(_VISITS.format(where=where), [VISIT_GAP_MINUTES, dossier.pk, *params])
        rows = cursor.fetchall()
    visits = [
        Visit(first, last, actor, label, outcome == Outcome.DENIED, list(actions), list(parts), n)
        for first, last, actor, label, outcome, actions, parts, n in rows
    ]
    professions = dict(
        Professional.objects.filter(
            user_id__in={v.actor_id for v in visits if v.actor_id}
        ).values_list("user_id", "profession")
    )
    labels = dict(Profession.choices)
    for visit in visits:
        if visit.actor_id in professions:
            visit.profession = str(labels.get(professions[visit.actor_id], ""))
    return visits


def access_log_people(dossier, *, except_user=None) -> list[tuple[int, str]]:
    """Who appears in her record's log (the filter's choices), by name."""
    people = (
        AccessEvent.objects.filter(dossier=dossier, actor__isnull=False)
        .exclude(actor=except_user)
        .values_list("actor_id", "actor_label")
        .order_by()
        .distinct()
    )
    return sorted(set(people), key=lambda person: person[1].lower())


def notifications_for(user) -> QuerySet[Notification]:
    """The user's notifications that she may read now, newest first: none about a dossier
    she may no longer open (a membership ended), none about a section no longer shared
    with her (``Notification.section``). One query, whatever the number of rows; render
    the page's rows with ``network.notices.render``."""
    if not user.is_authenticated:
        return Notification.objects.none()
    section_shared = Exists(
        DossierUserObjectPermission.objects.filter(
            user=user,
            content_object=OuterRef("dossier"),
            permission__content_type__app_label="dossier",
            permission__codename=Concat(
                Value("view_"), OuterRef("section"), output_field=CharField()
            ),
        )
    )
    return (
        Notification.objects.filter(recipient=user)
        .filter(Q(dossier__isnull=True) | Q(dossier__in=access.visible_dossiers(user).values("pk")))
        .filter(Q(section="") | Q(dossier__isnull=True) | section_shared)
        .select_related("dossier__mother")
    )


# the header's first look, on every page: compiled once
_ANY_UNREAD = Prepared(
    lambda user_id: Notification.objects.filter(
        recipient_id=user_id, read_at__isnull=True
    ).values_list("pk", flat=True)[:1],
    user_id=STAND_IN_ID,
)


def unread_count(user) -> int:
    """How many of ``notifications_for`` are unread (the header's count, on every page).
    Most readers have none: a plain look at their own unread rows answers that, and only
    when there are some does the count check what they may still read."""
    if not user.is_authenticated:
        return 0
    known = access.any_unread(user)  # read with her roles, when the page asked for them
    if known is False or (known is None and not _ANY_UNREAD(user_id=user.pk)):
        return 0
    return notifications_for(user).filter(read_at__isnull=True).count()


# --- worrying situations (R28) ---------------------------------------------------------


OPEN_CONCERNS_RELATED = ("dossier__mother", "raised_by__professional")


def open_concerns_for_coordinator(user) -> QuerySet[Concern]:
    """The signalled situations not yet acknowledged in the records this user coordinates:
    "call me" first, then the oldest first. Whoever shows their text logs a psychosocial
    read per record shown. The related rows are fetched apart (prefetch): the usual answer
    is none, and then the dashboard asks one short statement, not a join of six tables."""
    return (
        Concern.objects.filter(
            dossier__in=access.coordinated_dossiers(user), acknowledged_at__isnull=True
        )
        .prefetch_related(*OPEN_CONCERNS_RELATED)
        .annotate(
            now_first=Case(
                When(urgency=Urgency.NOW, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("now_first", "created_at", "pk")
    )


def _first_open_concerns(user_id: int, limit: int) -> QuerySet[Concern]:
    # her professional's id is not in this statement (config.prepared refuses a stand-in
    # that is left in a statement undeclared)
    user = access.stand_in_user(user_id, STAND_IN_OTHER_ID)
    # the related rows are read apart, only when there are rows (first_open_concerns)
    return open_concerns_for_coordinator(user).prefetch_related(None)[:limit]


_FIRST_OPEN_CONCERNS: dict[int, Prepared] = {}


def first_open_concerns(user, limit: int) -> list[Concern]:
    """The first ``limit`` of ``open_concerns_for_coordinator``: a statement compiled once
    (the dashboard asks it on every visit); the related rows are read only when there are
    any, as the queryset's prefetch would."""
    return first_open_concerns_later(user, limit)()


def first_open_concerns_later(user, limit: int) -> Callable[[], list[Concern]]:
    """``first_open_concerns``, its statement sent now inside ``config.prepared.together()``
    and its rows read when the returned function is called."""
    if not access.is_care_provider(user):
        return list
    if limit not in _FIRST_OPEN_CONCERNS:
        _FIRST_OPEN_CONCERNS[limit] = Prepared(
            lambda user_id: _first_open_concerns(user_id, limit), user_id=STAND_IN_ID
        )
    found = _FIRST_OPEN_CONCERNS[limit].later(user_id=user.pk)

    def read() -> list[Concern]:
        rows = found()
        prefetch_related_objects(rows, *OPEN_CONCERNS_RELATED)
        return rows

    return read


def shown_open_concerns(user, rows: list[Concern]) -> list[Concern]:
    """The rows of the open concerns panel as shown: each names the mother (``who``) to a
    reader of her identity — one identity read logged per record shown — and not the
    situation itself, which is read on the concerns page."""
    named = names.identity_readable(user, {row.dossier_id for row in rows})
    for row in rows:
        row.who = names.shown_name(  # type: ignore[attr-defined]  # shown, not stored
            row.dossier.mother,
            reader=user,
            dossier=row.dossier,
            may_see_identity=row.dossier_id in named,
        )
    access.record_read_list(
        user, {(row.dossier, Section.IDENTITY) for row in rows if row.dossier_id in named}
    )
    return rows


def concerns_of(user, dossier) -> QuerySet[Concern]:
    """What this user may read of the situations signalled in this dossier, newest first:
    the coordinator reads them all, anyone else only the ones they signalled. ``dossier``
    comes from ``dossier_for``."""
    concerns = (
        Concern.objects.filter(dossier=dossier)
        .select_related("raised_by__professional", "acknowledged_by")
        .order_by("-created_at", "-pk")
    )
    if access.is_coordinator(user, dossier):
        return concerns
    if not access.can_raise_concern(user, dossier):
        return concerns.none()
    return concerns.filter(raised_by=user)
