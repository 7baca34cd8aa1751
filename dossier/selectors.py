"""Every user-dependent read of the record starts from ``network.access``."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext

from config.prepared import (
    STAND_IN_ID,
    STAND_IN_IDS,
    STAND_IN_OTHER_ID,
    STAND_IN_TEXT,
    STAND_IN_TIME,
    STAND_IN_UUID,
    Prepared,
)
from config.reversing import reverse_ids
from dossier import alerts, labs, screenings
from dossier.entries import KINDS
from dossier.entries import facts as entry_facts
from dossier.insz import compact_insz
from dossier.latest import latest_of
from dossier.models import (
    Alert,
    Comment,
    DischargeChecklist,
    Dossier,
    DossierStatus,
    EntryChange,
    HomeHelpDay,
    HomeHelpNeed,
    Measurement,
    Newborn,
    NewbornStatus,
    PhoneContact,
    PrenatalLab,
    Screening,
    SelfMonitoring,
    VitalStatus,
)
from dossier.sections import Section
from network import access


def dossier_for(user, public_id) -> Dossier:
    """The dossier, or a 404 whether it does not exist or lies outside the user's reach: its
    existence is itself health data. The refusal is logged by the boundary."""
    dossier = access.visible_dossier(user, public_id)
    if dossier is None:
        raise access.DossierNotFound(public_id, Dossier.objects.filter(public_id=public_id).first())
    return dossier


_NEWBORN = Prepared(
    lambda dossier_id, public_id: Newborn.objects.filter(
        dossier_id=dossier_id, public_id=public_id
    ).order_by("pk")[:1],
    dossier_id=STAND_IN_ID,
    public_id=STAND_IN_UUID,
)


def newborn_of(dossier: Dossier, public_id) -> Newborn | None:
    """The record's newborn with this public id (a path's ``newborn_id``), else ``None``;
    its ``dossier`` is the record's own object. One statement, compiled once."""
    if not isinstance(public_id, uuid.UUID):
        return None
    found = _NEWBORN(dossier_id=dossier.pk, public_id=public_id)
    if not found:
        return None
    found[0].dossier = dossier
    return found[0]


_NEWBORNS = Prepared(
    lambda dossier_id: Newborn.objects.filter(dossier_id=dossier_id), dossier_id=STAND_IN_ID
)
_WEIGHINGS = Prepared(lambda ids: Measurement.objects.filter(newborn_id__any=ids), ids=STAND_IN_IDS)


def newborns_with_weighings(dossier: Dossier) -> list[Newborn]:
    """The record's newborns (birth order) with their weighings, as
    ``dossier.newborns.prefetch_related("measurements")`` gives them — ``measurements.all()``
    of each is read, oldest first, with no statement of its own, and each row's ``dossier``
    and ``newborn`` are the objects at hand — in two statements compiled once."""
    newborns = _NEWBORNS(dossier_id=dossier.pk)
    by_newborn: dict[int, list[Measurement]] = {newborn.pk: [] for newborn in newborns}
    for weighing in _WEIGHINGS(ids=list(by_newborn)) if newborns else []:
        by_newborn[weighing.newborn_id].append(weighing)
    for newborn in newborns:
        newborn.dossier = dossier
        for weighing in by_newborn[newborn.pk]:
            weighing.newborn = newborn
        # what prefetch_related keeps (QuerySet's prefetch_one_level): the related
        # manager's queryset, already read
        kept = newborn.measurements.get_queryset()
        kept._result_cache = by_newborn[newborn.pk]
        kept._prefetch_done = True
        newborn.__dict__.setdefault("_prefetched_objects_cache", {})["measurements"] = kept
    return newborns


def dossier_list(user, *, query: str = "", status: str = "", urgent=()) -> QuerySet[Dossier]:
    """The user's dossiers, what needs attention first: the records in ``urgent`` (ids of
    the records with an open urgent alert, which the dashboard has just read), then by due
    date (the nearest first), closed records last; then newest first. A search on name or
    INSZ only matches dossiers whose identity section the user may see.

    The list stays bounded (issue 16): without a search, a care provider's list holds her
    current records (``access.current_dossiers``, not closed), however many she closed over
    the years; a search and the "closed" status reach every record she may open
    (``access.visible_dossiers``), the closed ones last. A mother's list holds all her own
    records (a few pregnancies)."""
    query = query.strip()
    everything = bool(query) or status == DossierStatus.CLOSED or not access.is_care_provider(user)
    scope = access.visible_dossiers(user) if everything else access.current_dossiers(user)
    # Ordered on the record's own columns (and a constant list of ids): one top-N sort of
    # the visible rows, no look-up per row; the newborns are counted per row shown only.
    closed_last = Case(
        When(status=DossierStatus.CLOSED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    order = [closed_last]
    if urgent:
        order.append(
            Case(
                When(pk__any=list(urgent), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    dossiers = with_row_columns(
        scope.order_by(*order, F("expected_due_date").asc(nulls_last=True), "-pk"), user
    )
    if status:
        dossiers = dossiers.filter(status=status)
    if query:
        match = (
            Q(mother__given_name__icontains=query)
            | Q(mother__family_name__icontains=query)
            | Q(mother__municipality__icontains=query)
        )
        digits = compact_insz(query)
        if digits.isdigit() and len(digits) >= 6:
            match |= Q(mother__insz__startswith=digits)
        words = query.split()
        if len(words) > 1:  # "An Peeters": every word in the first name or the surname
            every_word = Q()
            for word in words:
                every_word &= Q(mother__given_name__icontains=word) | Q(
                    mother__family_name__icontains=word
                )
            match |= every_word
        dossiers = dossiers.filter(match, can_view_identity=True)
    return dossiers


# The pages of a care provider's current list compiled once (the first pages: most visits
# stop at page one), per page: its ids and how many there are, in one statement.
COMPILED_PAGES = 10
_CURRENT_PAGES: dict[tuple[int, int], Prepared] = {}


def current_list_page(user, *, urgent: list[int], number: int, size: int):
    """Page ``number`` (from 1) of ``dossier_list(user, urgent=urgent)`` without a search,
    for a care provider: ``(ids, total)`` from one statement compiled once, or ``None``
    when the page is not one of the first ``COMPILED_PAGES`` or lies past the end (the
    caller pages the list as usual then: Django's paginator says what a page past the end
    shows)."""
    return current_list_page_later(user, urgent=urgent, number=number, size=size)()


def current_list_page_later(user, *, urgent: list[int], number: int, size: int):
    """``current_list_page``, its statement sent now inside ``config.prepared.together()``
    and read when the returned function is called."""
    if not access.is_care_provider(user) or not 1 <= number <= COMPILED_PAGES:
        return lambda: None
    key = (number, size)
    if key not in _CURRENT_PAGES:
        start = (number - 1) * size

        def build(user_id, urgent):
            # a care provider (her professional's id is not in the statement)
            provider = access.stand_in_user(user_id, STAND_IN_OTHER_ID)
            listing = dossier_list(provider, urgent=urgent)
            return listing.annotate(total=Window(Count("pk"))).values_list("pk", "total")[
                start : start + size
            ]

        _CURRENT_PAGES[key] = Prepared(build, user_id=STAND_IN_ID, urgent=STAND_IN_IDS)
    found = _CURRENT_PAGES[key].later(user_id=user.pk, urgent=list(urgent))

    def read() -> tuple[list[int], int] | None:
        rows = found()
        if not rows:
            return None
        return [pk for pk, _total in rows], rows[0][1]

    return read


def first_list_page(user, *, urgent: list[int], number, size: int) -> Page | None:
    """Page ``number`` (as the request gives it: a text, or None for the first) of a care
    provider's current records as a Django page, its ids and the list's count read in one
    statement (``current_list_page``). None for any other page — past the compiled ones,
    past the end, not a whole number: the caller pages ``dossier_list`` as usual then, and
    its paginator answers as it always does ("My records" and the API alike)."""
    return first_list_page_later(user, urgent=urgent, number=number, size=size)()


def first_list_page_later(
    user, *, urgent: list[int], number, size: int
) -> Callable[[], Page | None]:
    """``first_list_page``, its statement sent now inside ``config.prepared.together()``
    and read when the returned function is called."""
    try:
        wanted = int(number or 1)
    except (TypeError, ValueError):
        return lambda: None
    found = current_list_page_later(user, urgent=urgent, number=wanted, size=size)

    def read() -> Page | None:
        answer = found()
        if answer is None:
            return None
        ids, total = answer
        paginator = Paginator(ids, size)
        paginator.count = total  # the whole list's, read with the page
        return Page(ids, wanted, paginator)

    return read


# What a row of "My records" shows (templates/dossier/dashboard.html): the rows are read
# with these columns only — a page of 20 rows decodes a tenth of the record's columns.
LIST_ROW_FIELDS = (
    "public_id",
    "status",
    "expected_due_date",
    "mother__given_name",
    "mother__family_name",
    "mother__municipality",
    "mother__province",
    "delivery__born_at",
)


def with_row_columns(
    dossiers: QuerySet[Dossier], user, *, per_row: bool = False
) -> QuerySet[Dossier]:
    """What a row of the list shows beside the record's own columns: the mother, the
    delivery, how many newborns, and which sections the user may see (``per_row``: for a
    page's rows, ``access.with_section_flags``)."""
    newborns = (
        Newborn.objects.filter(dossier=OuterRef("pk"))
        .order_by()
        .values("dossier")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return access.with_section_flags(
        dossiers.select_related("mother", "delivery").annotate(
            newborn_count=Coalesce(Subquery(newborns, output_field=IntegerField()), 0)
        ),
        user,
        per_row=per_row,
    )


def list_rows(user, ids: list[int]) -> list[Dossier]:
    """The rows of a page of ``dossier_list(user, …)`` whose ids it chose (sorted, counted
    and limited to what the user may open), in the order of ``ids``: one statement over
    those ids only, with the columns a row shows and the user's section flags per row — it
    neither walks her rights again nor sorts (measured: both cost more than the rows)."""
    return list_rows_later(user, ids)()


def list_rows_later(user, ids: list[int]) -> Callable[[], list[Dossier]]:
    """``list_rows``, its statement sent now inside ``config.prepared.together()`` and its
    rows read when the returned function is called."""
    if not ids or not access.is_active(user):
        return list
    rows = _LIST_ROWS.later(user_id=user.pk, ids=ids)

    def read() -> list[Dossier]:
        found = {row.pk: row for row in rows()}
        return [found[pk] for pk in ids if pk in found]

    return read


def list_rows_query(user_id: int, ids: list[int]) -> QuerySet[Dossier]:
    """The statement of ``list_rows`` (compiled once; the bench times it as it is)."""
    return (
        with_row_columns(
            Dossier.objects.filter(pk__any=ids), access.stand_in_user(user_id), per_row=True
        )
        .only(*LIST_ROW_FIELDS)
        .order_by()
    )


# a page's rows, her section flags probed per row: one plan, good for every user
_LIST_ROWS = Prepared(list_rows_query, user_id=STAND_IN_ID, ids=STAND_IN_IDS)


# Where each section's history lives: the section's own row (the mother, the dossier), the
# tables with a dossier_id, and the newborn's weighings and screenings (via the newborn).
SECTION_TABLES = {
    Section.IDENTITY: [],
    Section.PRENATAL: [
        "dossier_prenatalconsultation",
        "dossier_prenatallab",
        "dossier_shortstayassessment",
    ],
    Section.PSYCHOSOCIAL: ["dossier_psychosocialanamnesis"],
    Section.DELIVERY: ["dossier_delivery", "dossier_dischargechecklist"],
    Section.POSTNATAL: [
        "dossier_homevisit",
        "dossier_phonecontact",
        "dossier_admission",
        "dossier_selfmonitoring",
    ],
    Section.NEWBORN: ["dossier_newborn", "dossier_babycheck", "dossier_babylog"],
    Section.HOMEHELP: ["dossier_homehelpneed", "dossier_homehelpday"],
}


# Tables whose rows say which section they belong to (a consult with the maternity ward and
# the notes on its answer: about the mother, postnatal; about a baby, newborn): each row shows
# in the history of its own section only.
SECTIONED_TABLES = ("dossier_consultrequest", "dossier_consultnote")


def changes_of(dossier: Dossier, section: str, *, entry_id=None) -> QuerySet[EntryChange]:
    """The history of one section of this dossier (or of one entry in it), newest first."""
    match = Q(table_name__in=SECTION_TABLES[section], dossier_id=dossier.pk)
    if section in (Section.POSTNATAL, Section.NEWBORN):
        match |= Q(table_name__in=SECTIONED_TABLES, dossier_id=dossier.pk) & (
            Q(new_values__section=section) | Q(new_values__isnull=True, old_values__section=section)
        )
    if section == Section.IDENTITY:
        match = Q(table_name="dossier_mother", row_id=dossier.mother_id)
    elif section == Section.PRENATAL:
        match |= Q(table_name="dossier_dossier", row_id=dossier.pk)
    elif section == Section.NEWBORN:
        weighings = Measurement.objects.filter(newborn__dossier=dossier).values("pk")
        tests = Screening.objects.filter(newborn__dossier=dossier).values("pk")
        match |= Q(table_name="dossier_measurement", row_id__in=weighings) | Q(
            table_name="dossier_screening", row_id__in=tests
        )
    changes = EntryChange.objects.select_related("actor").filter(match)
    if entry_id is not None:
        changes = changes.filter(
            Q(new_values__public_id=str(entry_id)) | Q(old_values__public_id=str(entry_id))
        )
    return changes


def comments_on(dossier: Dossier, entry_ids) -> dict:
    """The comments under these entries, oldest first, by entry."""
    by_entry = defaultdict(list)
    for comment in _COMMENTS(dossier_id=dossier.pk, entry_ids=list(entry_ids)):
        by_entry[comment.entry_id].append(comment)
    return by_entry


_COMMENTS = Prepared(
    lambda dossier_id, entry_ids: Comment.objects.filter(
        dossier_id=dossier_id, entry_id__any=entry_ids
    ).select_related("author"),
    dossier_id=STAND_IN_ID,
    entry_ids=[STAND_IN_UUID],
)


def entry_summary(kind, dossier: Dossier, entries) -> dict:
    """What a kind's page says above its list: the open steps of the discharge, the calls
    counted and timed (R12), the hours of home help against the need (R26), where feeds are
    logged now (the mother's own observations: per baby, ``dossier.feeds``)."""
    model = kind.model
    if model is DischargeChecklist:
        checklist = next(iter(entries), None) or DischargeChecklist(dossier=dossier)
        return {"open_steps": checklist.open_steps()}
    if model is PhoneContact:
        return PhoneContact.objects.filter(dossier=dossier).aggregate(
            calls=Count("pk"), minutes=Coalesce(Sum("duration_minutes"), 0)
        )
    if model is PrenatalLab:
        return {
            "labs": latest_labs(dossier),
            "carried": safety_status(dossier),
            "reference": list(labs.REFERENCE.values()),
        }
    if model is SelfMonitoring:
        return {"per_baby_log": True}
    if model in (HomeHelpDay, HomeHelpNeed):
        need = HomeHelpNeed.objects.filter(dossier=dossier).first()
        delivered = HomeHelpDay.objects.filter(dossier=dossier).aggregate(
            hours=Coalesce(Sum("hours"), Decimal(0)), days=Count("pk")
        )
        return {"need_hours": need.estimated_hours if need else None, **delivered}
    return {}


def _latest_labs(dossier_id: int, tests=None):
    found = PrenatalLab.objects.filter(dossier_id=dossier_id)
    if tests is not None:
        found = found.filter(test__any=tests)
    return found.order_by("test", "-taken_on", "-id").distinct("test")


_LATEST_LABS = Prepared(_latest_labs, dossier_id=STAND_IN_ID)
_LATEST_LABS_OF = Prepared(_latest_labs, dossier_id=STAND_IN_ID, tests=[STAND_IN_TEXT])


def latest_labs(dossier: Dossier, tests=None) -> list[PrenatalLab]:
    """The latest result of each test (of ``tests``, else of all) in this record, in the
    order of the reference table. One query."""
    latest = {}
    found = (
        _LATEST_LABS(dossier_id=dossier.pk)
        if tests is None
        else _LATEST_LABS_OF(dossier_id=dossier.pk, tests=[str(test) for test in tests])
    )
    for lab in found:
        lab.dossier = dossier  # its gestational age, without a query
        latest[lab.test] = lab
    return [latest[test] for test in labs.REFERENCE if test in latest]


def safety_status(dossier: Dossier) -> list:
    """The prenatal results that decide care at the birth and for the baby (Rhesus D and
    anti-D, HBsAg, GBS; ``labs.carried_forward``), as they stand at the birth (today before
    it). For a reader of the prenatal section only: the caller checks and logs it. One
    query."""
    delivery = getattr(dossier, "delivery", None)
    on = timezone.localdate(delivery.born_at) if delivery else timezone.localdate()
    latest = {lab.test: lab for lab in latest_labs(dossier, labs.CARRIED_TESTS)}
    return labs.carried_forward(latest, on=on)


class _Done(NamedTuple):
    """A screening as the watch lists need it: what, with which result. They come in the
    order they were done (``_recorded``), so the time itself is not read: converting a
    timestamp costs the ORM more than the rest of the row (≈900 of them for a coordinator
    of 300 young babies, issue 16)."""

    kind: str
    result: str


def missing_screenings(user) -> list[dict]:
    """For the coordinator: live newborns of the open records they coordinate (and whose
    newborn section they may see) with a screening due or overdue — however long ago the
    birth: an overdue screening stays on the list until it is done or the record is closed.
    The oldest birth first (``missing_screenings_first``)."""
    return missing_screenings_first(user, limit=None)[0]


# what a row of the panels shows (the baby's name and both links, the mother's name on the
# watch list, and her account: ``names.shown_name`` asks whether the reader is she): a
# tenth of the three rows' columns, each a model to build and convert
SHOWN_NEWBORN_FIELDS = (
    "public_id",
    "given_name",
    "family_name",
    "birth_order",
    "dossier__public_id",
    "dossier__mother__given_name",
    "dossier__mother__family_name",
    "dossier__mother__user",
)
_BORN_AT = "dossier__delivery__born_at"
_WEEKS = "dossier__delivery__gestational_weeks"


def _recorded(field: str) -> ArraySubquery:
    """One column of a baby's screenings, in the order they were done (what ``states``
    reads with ``in_order``)."""
    return ArraySubquery(
        Screening.objects.filter(newborn=OuterRef("pk")).order_by("done_at", "pk").values(field)
    )


@functools.cache
def _missing_first(limit: int | None) -> Prepared:
    """The statement of ``missing_screenings_first``, compiled once per ``limit``."""

    def build(user_id, now):
        user = access.stand_in_user(user_id)
        babies = (
            Newborn.objects.filter(
                access.coordinated_open(user, Section.NEWBORN),
                dossier__delivery__isnull=False,
                vital_status=VitalStatus.LIVE_BIRTH,
            )
            .exclude(status=NewbornStatus.DECEASED)
            .filter(
                screenings.missing_condition(
                    now,
                    born_at=_BORN_AT,
                    neonatal_unit="neonatal_admission",
                    gestational_weeks=_WEEKS,
                )
            )
            .annotate(
                total=Window(Count("pk")),
                done_kinds=_recorded("kind"),
                done_results=_recorded("result"),
            )
            .select_related("dossier__mother", "dossier__delivery")
            .only(*SHOWN_NEWBORN_FIELDS, "neonatal_admission", _BORN_AT, _WEEKS)
            .order_by(_BORN_AT, "pk")
        )
        return babies if limit is None else babies[:limit]

    return Prepared(build, user_id=STAND_IN_ID, now=STAND_IN_TIME)


def missing_screenings_first(user, *, limit: int | None) -> tuple[list[dict], int]:
    """The first ``limit`` rows of ``missing_screenings`` (all with None) and how many
    there are, in one statement compiled once: her open coordinated records whose newborn
    section she may see (``access.coordinated_open``), their live babies, only those with
    a screening due or overdue (``screenings.missing_condition``, the rule of
    ``screenings.states`` in SQL), the oldest births first, with what a row shows and the
    screenings recorded. ``states`` then says which are missing for the babies shown only.
    (Every baby of her records was read before and decided in Python, in four statements:
    3 ms of the 13 of "My records" for the busiest midwife nationally, issue 16.)"""
    return missing_screenings_later(user, limit=limit)()


def missing_screenings_later(user, *, limit: int | None) -> Callable[[], tuple[list[dict], int]]:
    """``missing_screenings_first``, its statement sent now inside
    ``config.prepared.together()`` and its rows read when the returned function is
    called."""
    if not access.is_care_provider(user):
        return lambda: ([], 0)
    now = timezone.now()
    found = _missing_first(limit).later(user_id=user.pk, now=now)

    def read() -> tuple[list[dict], int]:
        babies = found()
        rows = []
        for newborn in babies:
            delivery = newborn.dossier.delivery
            recorded = zip(newborn.done_kinds, newborn.done_results, strict=True)
            missing = [
                state
                for state in screenings.states(
                    delivery.born_at,
                    [_Done(kind, result) for kind, result in recorded],
                    now,
                    neonatal_unit=newborn.neonatal_admission,
                    gestational_weeks=delivery.gestational_weeks,
                    in_order=True,
                )
                if state.missing
            ]
            rows.append({"newborn": newborn, "dossier": newborn.dossier, "missing": missing})
        return rows, babies[0].total if babies else 0

    return read


def entry_overview(user, dossier: Dossier, levels: dict) -> dict[str, list[dict]]:
    """For the record's overview, per section the user may see: each kind of entry with
    its number and latest entry, and whether the user may add one. A constant number of
    queries, however many kinds and entries (``dossier.latest``)."""
    overview = defaultdict(list)
    kinds = [kind for kind in KINDS.values() if levels[kind.section] >= access.Level.VIEW]
    found = latest_of(dossier, kinds)
    for kind in kinds:
        entry = found[kind.slug].entry
        overview[kind.section].append(
            {
                "kind": kind,
                "url": entry_list_url(dossier, kind),
                "latest": entry,
                # what the line shows of it: three facts, each cut at 60 characters, joined
                # and escaped here (a loop of nodes per fact in the template cost more)
                "latest_line": format_html_join(
                    " · ",
                    "{}: {}",
                    (
                        (label, Truncator(value).chars(60))
                        for label, value in (entry_facts(kind, entry)[:3] if entry else [])
                    ),
                ),
                "vulnerable": bool(getattr(entry, "vulnerable", False)),
                "epds_alarming": bool(getattr(entry, "epds_alarming", False)),
                "count": found[kind.slug].count,
                "can_write": access.can_write_entry(user, dossier, kind.model, levels),
            }
        )
    return {section: overview[section] for section in overview}


def entry_list_url(dossier: Dossier, kind) -> str:
    """``dossier:entries`` of this record and kind: the record's address (``reverse_ids``:
    reversed once per route) and the kind's slug (a test holds it to ``reverse``)."""
    return f"{reverse_ids('dossier:detail', dossier.public_id)}{kind.slug}/"


# --- alerts (R42) ---------------------------------------------------------------------------


# the header's counts of the open alerts, in the sections shown: compiled once
_OPEN_ALERTS = Prepared(
    lambda dossier_id, sections: (
        Alert.objects.filter(dossier_id=dossier_id, section__any=sections, resolved_at__isnull=True)
        .values("dossier_id")
        .annotate(
            open=Count("pk"),
            urgent=Count(
                "pk", filter=Q(severity=alerts.Severity.URGENT, acknowledged_at__isnull=True)
            ),
        )
        .values("open", "urgent")
        .order_by()
    ),
    dossier_id=STAND_IN_ID,
    sections=[STAND_IN_TEXT],
)


def open_alert_counts(dossier: Dossier, sections) -> dict[str, int]:
    """How many alerts of the record are open in these sections, and how many of them are
    urgent and not taken on by anyone."""
    found = _OPEN_ALERTS(dossier_id=dossier.pk, sections=[str(s) for s in sections])
    return found[0] if found else {"open": 0, "urgent": 0}


def _by_urgency():
    return Case(
        *[When(severity=severity, then=Value(rank)) for severity, rank in alerts.RANK.items()],
        output_field=IntegerField(),
    )


def alerts_of(user, dossier: Dossier) -> QuerySet[Alert]:
    """The record's alerts in the sections this user may read: open ones first, the most
    urgent first, then the newest."""
    return (
        Alert.objects.filter(dossier=dossier, section__in=access.visible_sections(user, dossier))
        .select_related("newborn", "raised_by", "acknowledged_by", "resolved_by")
        .annotate(urgency=_by_urgency())
        .order_by(F("resolved_at").asc(nulls_first=True), "urgency", "-created_at")
    )


def open_alerts(user, dossiers: QuerySet[Dossier]) -> QuerySet[Alert]:
    """The open alerts of these dossiers that this user may read (each in its section):
    the watch list's first rows, most urgent and oldest first. Open alerts are few: they
    are found first among these dossiers (the partial index on open alerts), and only the
    dossiers that have one are asked for the user's sections."""
    found = list(
        Alert.objects.filter(
            resolved_at__isnull=True, dossier__in=dossiers.values("pk")
        ).values_list("pk", "dossier_id", "section")
    )
    return _alert_rows(_readable(user, found))


def _readable(user, found: list[tuple[int, int, str]]) -> list[int]:
    """Of these open alerts (id, dossier id, section), those in a section the user may read
    of their record: one statement for all their records."""
    if not found or not access.is_active(user):
        return []
    seen = {
        pk: {s for s, flag in zip(Section, flags, strict=True) if flag}
        for pk, *flags in _SECTION_FLAGS(user_id=user.pk, ids=sorted({d for _a, d, _s in found}))
    }
    return [pk for pk, dossier, section in found if section in seen.get(dossier, ())]


def _alert_rows(ids) -> QuerySet[Alert]:
    return (
        Alert.objects.filter(pk__any=ids)
        .select_related("dossier__mother", "newborn", "acknowledged_by")
        .annotate(urgency=_by_urgency())
        .order_by("urgency", "created_at")
    )


def _section_flags(user_id: int, ids: list[int], sections=tuple(Section)):
    return access.with_section_flags(
        Dossier.objects.filter(pk__any=ids), access.stand_in_user(user_id), sections=sections
    ).values_list("pk", *[f"can_view_{section}" for section in sections])


# the watch list's alerts, compiled once: the open ones of her current records, which of
# their records' sections she may read, the rows shown (per kind of list) and whose
# identity she may see
_OPEN_IN_CURRENT = Prepared(
    lambda user_id: Alert.objects.filter(
        resolved_at__isnull=True,
        dossier__in=access.current_dossiers(access.stand_in_user(user_id)).values("pk"),
    ).values_list("pk", "dossier_id", "section"),
    user_id=STAND_IN_ID,
)
_SECTION_FLAGS = Prepared(
    _section_flags, for_its_values=True, user_id=STAND_IN_ID, ids=STAND_IN_IDS
)
_IDENTITY_FLAGS = Prepared(
    lambda user_id, ids: _section_flags(user_id, ids, sections=[Section.IDENTITY]),
    for_its_values=True,
    user_id=STAND_IN_ID,
    ids=STAND_IN_IDS,
)
_WATCHED_ROWS: dict[tuple[bool, int | None], Prepared] = {}


def _watched_rows(urgent_only: bool, limit: int | None) -> Prepared:
    """The rows of the watch list's alerts, with how many there are: one statement per
    kind of list (urgent only or all; first ``limit`` rows or all)."""
    key = (urgent_only, limit)
    if key not in _WATCHED_ROWS:

        def build(ids):
            rows = _alert_rows(ids)
            if urgent_only:
                rows = rows.filter(severity=alerts.Severity.URGENT)
            rows = rows.annotate(list_total=Window(Count("pk")))
            return rows if limit is None else rows[:limit]

        _WATCHED_ROWS[key] = Prepared(build, ids=STAND_IN_IDS)
    return _WATCHED_ROWS[key]


def watched_alerts(
    user, *, limit: int | None = 20, urgent_only: bool = False
) -> tuple[list[Alert], int, set]:
    """The open alerts of every current record this user may open (not closed: the watch
    list walks her open records, issue 16), in the sections they may read (R42), most
    urgent and oldest first: the first ``limit`` rows (all with None), how many
    there are, and the (dossier, section) pairs the rows show, for the access log. Each row
    names the mother (``who``) only for a reader who may see her identity."""
    found = _OPEN_IN_CURRENT(user_id=user.pk) if access.is_active(user) else []
    readable = _readable(user, found)
    rows = _watched_rows(urgent_only, limit)(ids=readable) if readable else []
    named = {
        pk
        for pk, can_view_identity in (
            _IDENTITY_FLAGS(user_id=user.pk, ids=sorted({row.dossier_id for row in rows}))
            if rows
            else []
        )
        if can_view_identity
    }
    reads = set()
    for row in rows:
        row.who = (
            row.dossier.mother.full_name
            if row.dossier_id in named
            else gettext("a mother in your care")
        )
        reads.add((row.dossier, row.section))
        if row.dossier_id in named:
            reads.add((row.dossier, Section.IDENTITY))
    return rows, rows[0].list_total if rows else 0, reads


# --- the record opens on "now" (issue 14) ---------------------------------------------------


class BabyNow(NamedTuple):
    """One baby in the record's header: the day post partum and the last weighing with its
    trend against the weighing before (from the prefetched measurements: no query)."""

    newborn: Newborn
    day: int | None
    last: object  # dossier.growth.WeightPoint of the last weighing, or None
    trend_g: int | None  # grams since the weighing before (or since birth)


# The sections of the record in the order of the page, per phase: after the birth the
# follow-up comes first (the home visit is what the page is opened for), before it the
# pregnancy. "network" and "other" are the care network and the mother's other records.
PRENATAL_ORDER = (
    "identity",
    "prenatal",
    "psychosocial",
    Section.CAREPLAN,
    "network",
    Section.DELIVERY,
    Section.POSTNATAL,
    Section.NEWBORN,
    Section.HOMEHELP,
    "other",
)
POSTNATAL_ORDER = (
    Section.POSTNATAL,
    Section.NEWBORN,
    Section.CAREPLAN,
    Section.HOMEHELP,
    "network",
    Section.DELIVERY,
    Section.IDENTITY,
    Section.PRENATAL,
    Section.PSYCHOSOCIAL,
    "other",
)


# From this week on, and to this day after the birth, the header also names the results
# still missing (the GBS swab is taken at 35–37 weeks; the baby's hepatitis B immunisation
# is decided in the first 12 hours, the mother's anti-D within 72).
NEAR_BIRTH_WEEKS = 36
NEAR_BIRTH_DAYS_AFTER = 3


def now_status(dossier: Dossier, levels: dict, newborns, *, today=None, safety=()) -> dict:
    """What the record's header says now, from what the page has loaded already (no query):
    the phase; before the birth the gestational age today (prenatal section); after it the
    day post partum (delivery or newborn section) and per baby (newborn section: pass
    ``newborns`` only when it is visible) the last weighing and its trend; the prenatal
    results that ask for something (``safety``: pass ``safety_status`` only to a reader of
    the prenatal section) — a missing one only from 36 weeks to day 3 after the birth."""
    from dossier.models import day_post_partum

    today = today or timezone.localdate()
    delivery = getattr(dossier, "delivery", None)
    sees = {section for section, level in levels.items() if level >= access.Level.VIEW}
    postnatal = delivery is not None
    status = {
        "phase": "postnatal" if postnatal else "prenatal",
        "order": POSTNATAL_ORDER if postnatal else PRENATAL_ORDER,
        "gestational_age": None,
        "day": None,
        "babies": [],
        "safety": [],
    }
    if not postnatal and Section.PRENATAL in sees:
        status["gestational_age"] = dossier.gestational_age_on(today)
    if Section.PRENATAL in sees:
        near_birth = (
            day_post_partum(delivery.born_at, today) <= NEAR_BIRTH_DAYS_AFTER
            if postnatal
            else (status["gestational_age"] or (0, 0))[0] >= NEAR_BIRTH_WEEKS
        )
        status["safety"] = [
            item
            for item in safety
            if item.state == labs.State.ACT or (near_birth and item.state == labs.State.UNKNOWN)
        ]
    if postnatal and sees & {Section.DELIVERY, Section.NEWBORN}:
        status["day"] = day_post_partum(delivery.born_at, today)
    for newborn in newborns if Section.NEWBORN in sees else ():
        weighings = sorted(newborn.measurements.all(), key=lambda m: m.measured_at)
        last = newborn.last_weighing if weighings else None
        before = weighings[-2].weight_g if len(weighings) > 1 else newborn.birth_weight_g
        status["babies"].append(
            BabyNow(
                newborn, status["day"], last, weighings[-1].weight_g - before if weighings else None
            )
        )
    return status


def record_parts(dossier: Dossier, shown: set, *, can_open: bool) -> list[tuple[str, str]]:
    """The parts of the record's page the reader sees, in the order of its phase (see
    ``now_status``), with their name in the in-page navigation."""
    names = {
        Section.IDENTITY: gettext("Mother"),
        Section.PRENATAL: gettext("Pregnancy"),
        Section.PSYCHOSOCIAL: gettext("Psychosocial"),
        Section.DELIVERY: gettext("Delivery"),
        Section.POSTNATAL: gettext("Follow-up"),
        Section.NEWBORN: gettext("Newborns"),
        Section.CAREPLAN: gettext("Care plan"),
        Section.HOMEHELP: gettext("Home help"),
        "network": gettext("Network"),
        "other": gettext("Other pregnancies"),
    }
    order = POSTNATAL_ORDER if getattr(dossier, "delivery", None) is not None else PRENATAL_ORDER
    return [
        (part, names[part])
        for part in order
        if part == "network" or (part == "other" and can_open) or part in shown
    ]
