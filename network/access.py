"""Who may see and change which dossier and which section: the only place that decides
(DESIGN.md §3). Every page, form, API endpoint, PDF and export asks this module.

The truth is the active memberships, the role defaults and the mother's consent rules.
``recompute_permissions(dossier)`` turns them into django-guardian object permissions on
the dossier (``view_dossier`` for every member and the mother, ``view_<section>`` and
``change_<section>`` per section); every check reads those, so a change takes effect on the
very next request. Whoever changes a membership, a default or a consent rule calls
``recompute_permissions`` in the same transaction."""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias, TypeGuard

from django.contrib.auth.models import AnonymousUser, Permission, User
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from config.prepared import (
    STAND_IN_ID,
    STAND_IN_OTHER_ID,
    STAND_IN_THIRD_ID,
    STAND_IN_UUID,
    Prepared,
)
from dossier.models import ClinicalEntry, Dossier, DossierStatus, Mother, Writer, lock_dossier
from dossier.sections import COORDINATING_CODENAME, CURRENT_CODENAME, Section
from network import audit

# The `name as name` imports are re-exported: callers write access.record_write(...),
# access.Level.VIEW, access.Role.COORDINATOR.
from network.audit import record_read as record_read
from network.audit import record_write as record_write
from network.audit import written_during as written_during
from network.models import Action as Action
from network.models import (
    Concern,
    ConsentRule,
    DossierUserObjectPermission,
    Membership,
    Notification,
    Organisation,
    Professional,
    RoleDefault,
)
from network.models import Level as Level
from network.models import Profession as Profession
from network.models import Role as Role

# Whoever makes a request: a signed-in user or, before signing in, Django's AnonymousUser.
AnyUser: TypeAlias = User | AnonymousUser

E, V, N = Level.EDIT, Level.VIEW, Level.NONE
S = Section

# What each role may ever do, whatever anyone consents to: the profession's limit.
# Order of columns: identity, prenatal, psychosocial, delivery, postnatal, newborn, careplan,
# homehelp.
_COLUMNS = [
    S.IDENTITY,
    S.PRENATAL,
    S.PSYCHOSOCIAL,
    S.DELIVERY,
    S.POSTNATAL,
    S.NEWBORN,
    S.CAREPLAN,
    S.HOMEHELP,
]
_LIMIT_ROWS = {
    Role.COORDINATOR: (E, E, E, E, E, E, E, E),
    Role.MIDWIFE: (E, E, E, E, E, E, E, E),
    Role.GYNAECOLOGIST: (E, E, E, E, E, V, E, V),
    Role.GP: (E, E, E, V, E, E, E, V),
    Role.PAEDIATRICIAN: (V, V, V, V, V, E, E, V),
    Role.MATERNITY_ASSISTANT: (V, N, N, V, V, V, V, E),
    Role.CHILD_HEALTH_NURSE: (V, V, V, V, V, E, E, V),
    Role.LACTATION_CONSULTANT: (V, N, N, V, E, E, V, V),
    Role.PHYSIOTHERAPIST: (V, V, N, V, E, N, V, N),
    Role.SOCIAL_WORKER: (V, N, E, N, V, V, V, E),
}
LIMITS: dict[tuple[str, str], int] = {
    (role, section): level
    for role, row in _LIMIT_ROWS.items()
    for section, level in zip(_COLUMNS, row, strict=True)
}


def default_level(role: str, section: str) -> int:
    """The built-in default (seeded into RoleDefault): the limit, except that the
    psychosocial anamnesis is closed to everyone but the coordinator (R29)."""
    if section == Section.PSYCHOSOCIAL and role != Role.COORDINATOR:
        return Level.NONE
    return LIMITS[(role, section)]


# Only these professions may coordinate a network (R10).
COORDINATING_PROFESSIONS: set[str] = {Profession.MIDWIFE, Profession.GYNAECOLOGIST, Profession.GP}

# The mother sees her whole record (R5); what she may change comes with her own entries.
MOTHER_LEVELS: dict[str, int] = dict.fromkeys(Section, Level.VIEW)


def limit(role: str, section: str) -> int:
    return LIMITS[(role, section)]


def check_within_limit(role: str, section: str, level: int) -> None:
    """Refuse a default or consent above what the role may ever do."""
    if level > limit(role, section):
        raise ValidationError(
            _("A %(role)s may at most have “%(limit)s” for “%(section)s”.")
            % {
                "role": Role(role).label.lower(),
                "limit": Level(limit(role, section)).label,
                "section": Section(section).label,
            },
            code="above_limit",
        )


# --- the truth → permissions ------------------------------------------------------------


def effective_levels(
    membership: Membership,
    defaults: Mapping[tuple[str, str], int],
    rules: Iterable[ConsentRule],
) -> dict[str, int]:
    """A member's level per section: the role default, then the mother's rule for the role,
    then her rule for this member; never above the role's limit."""
    by_role = {r.section: r.level for r in rules if r.role == membership.role}
    by_member = {r.section: r.level for r in rules if r.membership_id == membership.pk}
    levels: dict[str, int] = {}
    for section in Section:
        level = defaults.get((membership.role, section), default_level(membership.role, section))
        level = by_member.get(section, by_role.get(section, level))
        levels[section] = min(level, limit(membership.role, section))
    return levels


def _codenames(levels: Mapping[str, int]) -> list[str]:
    names = ["view_dossier"]
    for section, level in levels.items():
        if level >= Level.VIEW:
            names.append(f"view_{section}")
        if level >= Level.EDIT:
            names.append(f"change_{section}")
    return names


@transaction.atomic
def recompute_permissions(dossier: Dossier) -> None:
    """Rewrite the dossier's guardian permissions from its network and consent. The one
    function that writes object permissions; call it in the transaction that changed the
    truth, and the next request sees the result.

    While the record is not closed (its stored status), everyone who may open it also gets
    the ``current_dossier`` marker that ``current_dossiers`` walks, and its active
    coordinator the ``coordinate_dossier`` marker that ``coordinated_sections`` walks; so
    closing the record (``dossier.services.dossier_update``) recomputes, and the record
    leaves the lists, as handing over the coordination moves it between two lists."""
    _recomputed()  # what any record's object remembers of its rights is asked again
    stored = lock_dossier(dossier.pk)
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="dossier", content_type__model="dossier"
        )
    }
    defaults = {(d.role, d.section): d.level for d in RoleDefault.objects.all()}
    rules = list(ConsentRule.objects.filter(dossier=dossier))
    grants: dict[int, list[str]] = {}
    coordinators = []
    members = Membership.objects.filter(
        dossier=dossier, ended_at__isnull=True, professional__user__is_active=True
    )
    for membership in members.select_related("professional"):
        grants[membership.professional.user_id] = _codenames(
            effective_levels(membership, defaults, rules)
        )
        if membership.role == Role.COORDINATOR:
            coordinators.append(membership.professional.user_id)
    mother_user_id = dossier.mother.user_id if dossier.mother_id else None
    if mother_user_id:
        grants[mother_user_id] = _codenames(MOTHER_LEVELS)
    if stored.status != DossierStatus.CLOSED:
        for names in grants.values():
            names.append(CURRENT_CODENAME)
        for user_id in coordinators:
            grants[user_id].append(COORDINATING_CODENAME)
    DossierUserObjectPermission.objects.filter(content_object=dossier).delete()
    DossierUserObjectPermission.objects.bulk_create(
        [
            DossierUserObjectPermission(
                user_id=user_id, permission=permissions[name], content_object=dossier
            )
            for user_id, names in grants.items()
            for name in names
        ]
    )


# --- the questions everyone asks ---------------------------------------------------------


def _active(user: AnyUser) -> TypeGuard[User]:
    """Signed in and not deactivated; then it is a ``User``, never the AnonymousUser."""
    return bool(user.is_authenticated and user.is_active)


def is_active(user: AnyUser) -> TypeGuard[User]:
    """Signed in and not deactivated: what a statement compiled once for a user's id asks
    first (``stand_in_user``)."""
    return _active(user)


# The dossier permissions' ids, per database: asked once per process instead of in every
# statement (a join of auth_permission and django_content_type, planned and compiled again
# each time, several times per page). Ids differ between databases and are made anew when
# a database is flushed or migrated, so the map is keyed by the database's name and
# emptied on every ``post_migrate`` (which ``flush`` sends too; network/apps.py).
_PERMISSION_IDS: dict[tuple[str, str], int] = {}


def forget_permission_ids(**_kwargs: object) -> None:
    _PERMISSION_IDS.clear()


def _permission_id(codename: str) -> int:
    """The permission's id. Filtering on the id (not on a join to auth_permission by
    codename) lets PostgreSQL walk the (user, permission, dossier) index in order; see
    bench/explain.py. Until the permission exists (a database being migrated) it is 0,
    which no row has, and it is asked again next time."""
    key = (str(connection.settings_dict["NAME"]), codename)
    known = _PERMISSION_IDS.get(key)
    if known is None:
        known = (
            Permission.objects.filter(
                content_type__app_label="dossier",
                content_type__model="dossier",
                codename=codename,
            )
            .values_list("pk", flat=True)
            .first()
        )
        if known is None:
            return 0
        _PERMISSION_IDS[key] = known
    return known


def visible_dossiers(user: AnyUser) -> QuerySet[Dossier]:
    """The dossiers this user may open: their networks' and, for a mother, her own. Every
    list and every lookup starts here; anything else is a 404."""
    if not _active(user):
        return Dossier.objects.none()
    granted = DossierUserObjectPermission.objects.filter(
        user=user, permission_id=_permission_id("view_dossier")
    )
    return Dossier.objects.filter(pk__in=granted.values("content_object_id"))


def stand_in_user(user_id: int, professional_id: int | None = None) -> User:
    """A user of this id (a care provider with a professional of that id), signed in and
    active: what a statement compiled once (``config.prepared``) is built for, with the
    stand-ins for ids. Whoever calls such a statement checks the real user first, as the
    function that built it would have (``_active``, ``is_care_provider``)."""
    user = User(pk=user_id, is_active=True)
    if professional_id is not None:
        user.professional = Professional(pk=professional_id, user=user)
    return user


# the record a path names, as visible_dossiers finds it, with the reader's rights on it
# (compiled once: every record page)
_VISIBLE_ONE = Prepared(
    lambda user_id, public_id: (
        visible_dossiers(stand_in_user(user_id))
        .filter(public_id=public_id)
        .select_related("mother", "delivery")
        .annotate(
            reader_codenames=ArraySubquery(
                _permissions_on(user_id, OuterRef("pk")).values("permission__codename")
            )
        )[:1]
    ),
    user_id=STAND_IN_ID,
    public_id=STAND_IN_UUID,
)


def visible_dossier(user: AnyUser, public_id: uuid.UUID) -> Dossier | None:
    """The dossier with this public id among ``visible_dossiers(user)`` (with its mother
    and delivery), else ``None``: one statement, compiled once per process. Her rights on
    it are read in the same statement and kept as ``section_levels`` would keep them: every
    record page asks for them next (one statement less per page, issue 16)."""
    if not _active(user) or not isinstance(public_id, uuid.UUID):
        return None
    read_at = _recompute_count  # before the statement, as section_levels counts
    found = _VISIBLE_ONE(user_id=user.pk, public_id=public_id)
    if not found:
        return None
    dossier: Dossier = found[0]
    codenames = dossier.reader_codenames  # type: ignore[attr-defined]
    _remembered(dossier, "_section_levels", read_at)[user.pk] = _levels(codenames)
    return dossier


_OTHERS = Prepared(
    lambda user_id, mother_id, dossier_id: (
        visible_dossiers(stand_in_user(user_id))
        .filter(mother_id=mother_id)
        .exclude(pk=dossier_id)
        .order_by("-expected_due_date")
    ),
    user_id=STAND_IN_ID,
    mother_id=STAND_IN_OTHER_ID,
    dossier_id=STAND_IN_THIRD_ID,
)


def other_pregnancies(user: AnyUser, dossier: Dossier) -> list[Dossier]:
    """The mother's other records this user may open, the latest due date first."""
    if not _active(user):
        return []
    return _OTHERS(user_id=user.pk, mother_id=dossier.mother_id, dossier_id=dossier.pk)


def current_dossiers(user: AnyUser) -> QuerySet[Dossier]:
    """The dossiers of ``visible_dossiers`` that are not closed: where the lists a
    professional works from start ("My records" without a search, the watch list, "Today",
    the API's list), so they walk her open records, not her whole career (issue 16). Closed
    records stay reachable: a search and the "closed" filter start from
    ``visible_dossiers``, and a closed record's page opens for its members as before — what
    may be opened is decided by the permissions alone, as ever.

    Why a marker row: after years most of a professional's records are closed (83 % of
    the national data set; the busiest midwife may open 1,952 records, 401 of them are
    open), and a filter on the status can only drop a closed record after reading it — its
    permission row, then its dossier row. ``recompute_permissions`` therefore writes a
    ``current_dossier`` row beside ``view_dossier`` while the record is open; this query
    walks those rows on the same (user, permission, dossier) index, in the same plan as
    ``visible_dossiers`` (no new index; on a copy of the national data, her list's page
    reads 4,700 buffers instead of 10,000 and its count 1,600 instead of 5,900). An index
    on the status would still visit every record of her career. Memberships are not ended
    on closure: that would close the record to its members. The status is filtered too:
    the marker makes the walk short, the status keeps it right should a record be closed
    past the services."""
    if not _active(user):
        return Dossier.objects.none()
    return _marked_open(user, CURRENT_CODENAME)


def _marked_open(user: User, codename: str) -> QuerySet[Dossier]:
    """The records this user holds the marker ``codename`` of, not closed."""
    marked = DossierUserObjectPermission.objects.filter(
        user=user, permission_id=_permission_id(codename)
    )
    return Dossier.objects.filter(pk__in=marked.values("content_object_id")).exclude(
        status=DossierStatus.CLOSED
    )


# What a row of a dossier list shows: the mother's name (identity), the due date (prenatal)
# and the birth date (delivery).
LIST_SECTIONS = (Section.IDENTITY, Section.PRENATAL, Section.DELIVERY)


def with_section_flags(
    dossiers: QuerySet[Dossier],
    user: User,
    sections: Iterable[str] = LIST_SECTIONS,
    *,
    per_row: bool = False,
) -> QuerySet[Dossier]:
    """Annotate each dossier with ``can_view_<section>`` for this user (one subquery per
    section, in the same SQL query), so a list shows or hides each part of a row without a
    query per row.

    ``per_row``: for a statement that reads a page of rows (tens, never her whole list),
    each flag is one probe of the permission index per row, whatever the user. Otherwise
    PostgreSQL may read all of her rights in the section into a hash first: cheaper over
    hundreds of rows, but for the busiest midwife nationally (≈2,000 rights per section) it
    made the 20 rows of "My records" cost 2.9 ms against 0.6 ms probed, and which of the
    two it chose depended on whose values it planned for (issue 16)."""
    flag = _probed if per_row else _granted
    return dossiers.annotate(**{f"can_view_{s}": flag(user, f"view_{s}") for s in sections})


def _rights(user: User, codename: str, record: str = "pk") -> QuerySet[DossierUserObjectPermission]:
    """Her rows of this permission on the outer row's record (``record``: its path there)."""
    return DossierUserObjectPermission.objects.filter(
        user=user, content_object_id=OuterRef(record), permission_id=_permission_id(codename)
    )


def _granted(user: User, codename: str, record: str = "pk") -> Exists:
    return Exists(_rights(user, codename, record))


def _probed(user: User, codename: str) -> Coalesce:
    # a scalar subquery: PostgreSQL runs it for each row and never turns it into a hash
    # (it may for EXISTS and IN)
    first = _rights(user, codename).order_by().values(granted=Value(True))[:1]
    return Coalesce(Subquery(first, output_field=BooleanField()), Value(False))


def _permissions_on(
    user_id: int, dossier_id: int | OuterRef
) -> QuerySet[DossierUserObjectPermission]:
    """Her permissions on one record (``dossier_id`` a value or ``OuterRef``)."""
    return DossierUserObjectPermission.objects.filter(
        user_id=user_id,
        content_object_id=dossier_id,  # type: ignore[misc]  # the stubs know no OuterRef here
    ).order_by()


_CODENAMES = Prepared(
    lambda user_id, dossier_id: _permissions_on(user_id, dossier_id).values_list(
        "permission__codename", flat=True
    ),
    user_id=STAND_IN_ID,
    dossier_id=STAND_IN_OTHER_ID,
)


# Counted up by every recompute_permissions in this process (whatever object of whichever
# record it was given: the services lock their own): what a record's object remembers of
# someone's rights (section_levels, active_membership) holds for the count it was read at.
_RECOMPUTES = itertools.count(1)
_recompute_count = 0


def _recomputed() -> None:
    global _recompute_count
    _recompute_count = next(_RECOMPUTES)


def _remembered(dossier: Dossier, name: str, read_at: int | None = None) -> dict[int, Any]:
    """What this object of the record remembers under ``name``, per user id: emptied when
    permissions were recomputed since it was read. ``read_at``: the count when what is to be
    kept was read, if that was before this object existed (a recompute in between makes it
    stale at once)."""
    as_of = _recompute_count if read_at is None else read_at
    stored: tuple[int, dict[int, Any]] | None = dossier.__dict__.get(name)
    if stored is not None and stored[0] == as_of:
        return stored[1]
    known: dict[int, Any] = {}
    dossier.__dict__[name] = (as_of, known)
    return known


def section_levels(user: AnyUser, dossier: Dossier) -> dict[str, int]:
    """The user's level per section of this dossier, read from the permissions in one
    query. A page asks once and derives what to show and what to offer for editing; what
    it asks again (a helper's ``can_view``) is answered from the record's object, as
    ``active_membership`` is, until permissions are recomputed (``_remembered``). A copy
    each time: a caller may change what it gets."""
    if not _active(user) or dossier.pk is None:
        return _levels(())
    known: dict[int, dict[str, int]] = _remembered(dossier, "_section_levels")
    if user.pk not in known:
        known[user.pk] = _levels(_CODENAMES(user_id=user.pk, dossier_id=dossier.pk))
    return dict(known[user.pk])


def _levels(codenames: Iterable[str]) -> dict[str, int]:
    """Her level per section from the codenames of her permissions on one record."""
    levels: dict[str, int] = dict.fromkeys(Section, Level.NONE)
    for codename in codenames:
        action, _sep, section = codename.partition("_")
        if section in levels:
            wanted = Level.EDIT if action == "change" else Level.VIEW
            levels[section] = max(levels[section], wanted)
    return levels


def can_view(user: AnyUser, dossier: Dossier, section: str) -> bool:
    return section_levels(user, dossier)[section] >= Level.VIEW


def can_edit(user: AnyUser, dossier: Dossier, section: str) -> bool:
    return section_levels(user, dossier)[section] >= Level.EDIT


def visible_sections(user: AnyUser, dossier: Dossier) -> set[str]:
    return {s for s, level in section_levels(user, dossier).items() if level >= Level.VIEW}


# What every page asks of its user, in one statement compiled once instead of one per
# question: her professional and her mother's record (either, both or neither: "Mijn
# dossiers" asks whether she is a mother, then a care provider; the menu shows links by
# role) and the permissions given to her or her groups in the admin (``granted``: the
# menu's eBirth links). Read at the first of these questions and kept on the user object
# for the rest of the request.
ROLES = ("professional", "mother")


def _given(path: str) -> ArraySubquery:
    return ArraySubquery(
        Permission.objects.filter(**{path: OuterRef("pk")})
        .order_by()
        .values(given=Concat("content_type__app_label", Value("."), "codename"))
    )


_ROLES = Prepared(
    lambda user_id: (
        User.objects.filter(pk=user_id)
        .select_related(*ROLES)
        .annotate(
            given_directly=_given("user"),
            given_by_groups=_given("group__user"),
            # the header's first look (network.selectors.unread_count), on every page
            any_unread=Exists(
                Notification.objects.filter(recipient_id=OuterRef("pk"), read_at__isnull=True)
            ),
        )
    ),
    user_id=STAND_IN_ID,
)


def _read_roles(user: User) -> None:
    """Her roles (those not known yet) kept as ``select_related`` keeps them
    (``user.professional`` then needs no statement; an absent role is kept as absent),
    what she was given for ``granted``, and whether she had unread notifications."""
    found = _ROLES(user_id=user.pk)
    known = user._state.fields_cache
    for name in ROLES:
        if name not in known:
            related = found[0]._state.fields_cache.get(name) if found else None
            if related is not None:
                related.user = user  # and user.<name> = related
            known[name] = related
    given = {*found[0].given_directly, *found[0].given_by_groups} if found else set()
    # kept on this user object for the rest of the request; User has no such field
    user._granted_permissions = given  # type: ignore[attr-defined]
    user._any_unread = bool(found and found[0].any_unread)  # type: ignore[attr-defined]


def any_unread(user: User) -> bool | None:
    """Whether she had unread notifications when her roles were read in this request
    (``_read_roles``); None when they were not read. A notification read since still counts
    as unread here (the count then asks); one received since is seen on her next page."""
    return getattr(user, "_any_unread", None)


def _has_role(user: User, role: str) -> bool:
    """Whether this signed-in user has the role, read with the rest at the first question."""
    if role not in user._state.fields_cache:
        _read_roles(user)
    return user._state.fields_cache[role] is not None


def is_care_provider(user: AnyUser) -> TypeGuard[User]:
    return _active(user) and _has_role(user, "professional")


def is_mother(user: AnyUser) -> TypeGuard[User]:
    return _active(user) and _has_role(user, "mother")


def is_mother_of(user: AnyUser, dossier: Dossier) -> bool:
    return _active(user) and dossier.mother.user_id == user.pk


def can_open_dossier(user: AnyUser) -> bool:
    """Only a midwife, gynaecologist or GP opens a record: they become its coordinator."""
    return is_care_provider(user) and user.professional.profession in COORDINATING_PROFESSIONS


def active_membership(user: AnyUser, dossier: Dossier) -> Membership | None:
    """The user's current membership of the record, asked once per request: kept on the
    record's object (the boundary's, used by the whole request) and dropped when its
    network changes (``recompute_permissions``)."""
    if not is_care_provider(user):
        return None
    known: dict[int, Membership | None] = _remembered(dossier, "_active_memberships")
    if user.pk not in known:
        network = _remembered(dossier, "_network").get(0)
        if network is not None:  # every active membership is in it: hers or none
            mine = [m for m in network if m.professional.user_id == user.pk]
            known[user.pk] = min(mine, key=lambda m: m.pk) if mine else None
        else:
            found = _ACTIVE_MEMBERSHIP(dossier_id=dossier.pk, user_id=user.pk)
            known[user.pk] = found[0] if found else None
    return known[user.pk]


_ACTIVE_MEMBERSHIP = Prepared(
    lambda dossier_id, user_id: Membership.objects.filter(
        dossier_id=dossier_id, professional__user_id=user_id, ended_at__isnull=True
    ).order_by("pk")[:1],
    dossier_id=STAND_IN_ID,
    user_id=STAND_IN_OTHER_ID,
)


def coordinated_dossiers(user: AnyUser) -> QuerySet[Dossier]:
    """The dossiers this user coordinates (her active coordinator memberships), closed ones
    included. The open ones, with what she may see of each, are ``coordinated_sections``."""
    if not is_care_provider(user):
        return Dossier.objects.none()
    return Dossier.objects.filter(
        pk__in=Membership.objects.filter(
            professional__user=user, role=Role.COORDINATOR, ended_at__isnull=True
        ).values("dossier_id")
    )


@functools.cache
def _coordinated_flags(sections: tuple[str, ...]) -> Prepared:
    """The open records a user coordinates with a ``can_view_<section>`` flag each: the
    statement of ``coordinated_sections``, compiled once per set of sections."""
    return Prepared(
        lambda user_id: with_section_flags(
            _marked_open(stand_in_user(user_id), COORDINATING_CODENAME),
            stand_in_user(user_id),
            sections=sections,
        ).values_list("pk", *(f"can_view_{s}" for s in sections)),
        user_id=STAND_IN_ID,
    )


def coordinated_sections(user: AnyUser, sections: Iterable[str]) -> dict[int, set[str]]:
    """The open records this user coordinates, by id, each with those of ``sections`` she
    may see: one statement, compiled once (the watch list and the screenings panels start
    here, issue 16).

    They are walked from the ``coordinate_dossier`` marker rows that
    ``recompute_permissions`` writes for a record's active coordinator while it is open, on
    the same (user, permission, dossier) index as ``current_dossiers``: the busiest midwife
    nationally coordinates 147 of her 396 open records, and probing each open record's
    coordinator (the unique index ``membership_one_active_coordinator``) cost 4–5 ms of the
    screenings panel against 1.5–2 ms. The status is filtered too, as there."""
    if not is_care_provider(user):
        return {}
    wanted = tuple(sections)
    return {
        pk: {s for s, seen in zip(wanted, flags, strict=True) if seen}
        for pk, *flags in _coordinated_flags(wanted)(user_id=user.pk)
    }


def coordinated_open(user: User, section: str, *, dossier: str = "dossier") -> Q:
    """``coordinated_sections(user, [section])`` as a condition on the rows of another
    table (``dossier``: the path of their record): her open records she coordinates and
    may see ``section`` of, nested in a statement that reads their rows (the screenings
    panels, issue 16), walked from the same marker rows. The caller checks
    ``is_care_provider`` first, as ``coordinated_sections`` does."""
    record = f"{dossier}_id"
    return (
        Q(_granted(user, COORDINATING_CODENAME, record))
        & Q(_granted(user, f"view_{section}", record))
        & ~Q(**{f"{dossier}__status": DossierStatus.CLOSED})
    )


def is_coordinator(user: AnyUser, dossier: Dossier) -> bool:
    membership = active_membership(user, dossier)
    return membership is not None and membership.role == Role.COORDINATOR


def can_manage_network(user: AnyUser, dossier: Dossier) -> bool:
    """The coordinator assigns, replaces and ends members (R10); the mother may replace
    providers of her free choice (R11) through the coordinator's page as well."""
    return is_coordinator(user, dossier) or is_mother_of(user, dossier)


def can_decide_consent(user: AnyUser, dossier: Dossier) -> bool:
    """Only the mother decides who sees what of her record (R4)."""
    return is_mother_of(user, dossier)


def require_manage_network(user: AnyUser, dossier: Dossier) -> None:
    if not can_manage_network(user, dossier):
        raise AccessDenied(
            _("Only the care coordinator or the mother changes the network."), dossier=dossier
        )


def require_decide_consent(user: AnyUser, dossier: Dossier) -> None:
    if not can_decide_consent(user, dossier):
        raise AccessDenied(
            _("Only the mother decides who sees what of her record."), dossier=dossier
        )


def require_read_consent(user: AnyUser, dossier: Dossier) -> None:
    """The mother's choices are read by her and by her coordinator, who explains them."""
    if not (can_decide_consent(user, dossier) or is_coordinator(user, dossier)):
        raise AccessDenied(
            _("Only the mother decides who sees what of her record."),
            dossier=dossier,
            action=Action.READ,
        )


def require_own_access_log(user: AnyUser, dossier: Dossier) -> None:
    if not is_mother_of(user, dossier):
        raise AccessDenied(
            _("Only the mother sees who viewed her record."), dossier=dossier, action=Action.READ
        )


def require_mother_of(user: AnyUser, dossier: Dossier) -> None:
    """Only the mother herself: her own copy of the record (GDPR access and portability)
    is hers, not her coordinator's nor any member's, whatever they may see."""
    if not is_mother_of(user, dossier):
        raise AccessDenied(
            _("Only the mother herself downloads her own copy of the record."),
            dossier=dossier,
            action=Action.DOWNLOAD,
        )


def record_read_list(user: AnyUser, reads: Iterable[tuple[Dossier, str]]) -> None:
    """A list's reads, ``(dossier, section)`` for every part of a row actually shown, in
    one append."""
    audit.record_read_list(user, list(reads))


def network_of(dossier: Dossier) -> list[Membership]:
    """The active members, coordinator first: who is in the network is shown to everyone
    who may open the dossier (the mother, every member). Read anew at each call (what is
    shown of the members may change without their memberships changing); the record's
    object keeps the memberships until its network changes (``_remembered``), so that
    ``active_membership`` finds the reader's own among them instead of asking again."""
    members = sorted(
        _MEMBERS(dossier_id=dossier.pk), key=lambda m: (m.role != Role.COORDINATOR, m.started_at)
    )
    _remembered(dossier, "_network")[0] = tuple(members)
    return members


_MEMBERS = Prepared(
    lambda dossier_id: Membership.objects.filter(
        dossier_id=dossier_id, ended_at__isnull=True
    ).select_related("professional__user", "professional__organisation"),
    dossier_id=STAND_IN_ID,
)


def recompute_permissions_by_id(dossier_id: int) -> None:
    recompute_permissions(Dossier.objects.select_related("mother").get(pk=dossier_id))


def recompute_for_mother(mother: Mother) -> None:
    """After her login is linked or unlinked: her dossiers' permissions follow."""
    for dossier in mother.dossiers.all():
        recompute_permissions(dossier)


@transaction.atomic
def start_network(actor: User, dossier: Dossier) -> Membership:
    """Whoever opens a record (a midwife, gynaecologist or GP) becomes its coordinator:
    the first grant of access to a new dossier, so it is made here."""
    require_can_open(actor)
    membership = Membership.objects.create(
        dossier=dossier,
        professional=actor.professional,
        role=Role.COORDINATOR,
        started_at=timezone.now(),
        added_by=actor,
    )
    recompute_permissions(dossier)
    return membership


# --- refusals: raised anywhere, logged once by the boundary after any rollback ------------


class DossierNotFound(Http404):
    """The dossier does not exist or lies outside the user's reach: the same 404 for both."""

    def __init__(self, reference: str, dossier: Dossier | None = None):
        super().__init__()
        self.reference, self.dossier = str(reference), dossier


class AccessDenied(PermissionDenied):
    """A member asked for something their role or the mother's consent does not allow."""

    def __init__(
        self, message: str, *, dossier: Dossier, section: str = "", action: str = Action.UPDATE
    ):
        super().__init__(message)
        self.dossier, self.section, self.action = dossier, section, action


def log_refusal(user: AnyUser, refusal: Exception) -> None:
    """Write the access-log event of a refusal. Called by config.middleware (pages) and the
    API's exception handler, after the refused request's transaction has rolled back, so
    the event is kept even though the write it refused is not."""
    if isinstance(refusal, DossierNotFound):
        audit.record_denied(user, dossier=refusal.dossier, dossier_ref=refusal.reference)
    elif isinstance(refusal, AccessDenied):
        audit.record_denied(
            user, dossier=refusal.dossier, section=refusal.section, action=refusal.action
        )


def require_edit(user: AnyUser, dossier: Dossier, section: str) -> None:
    """Refuse (403, logged) unless the user may change this section. Call it only with a
    dossier from ``visible_dossiers``: outsiders get their 404 before this."""
    if not can_edit(user, dossier, section):
        raise AccessDenied(
            _(
                "You may not change the section “%(section)s” of this record. The mother "
                "decides who sees and edits what; ask the care coordinator."
            )
            % {"section": Section(section).label},
            dossier=dossier,
            section=section,
        )


def require_can_open(user: AnyUser, *, about: Dossier | None = None) -> None:
    """Refuse (403) unless the user may open a new record. ``about``: the dossier the
    attempt started from (a new pregnancy of a known mother), so the refusal is logged."""
    if can_open_dossier(user):
        return
    message = _(
        "Only a midwife, gynaecologist or GP opens a maternity record; they become "
        "its care coordinator. Ask the mother's coordinator."
    )
    if about is not None:
        raise AccessDenied(message, dossier=about, action=Action.CREATE)
    raise PermissionDenied(message)


# --- clinical entries: who writes which kind (R3, R5, R18) -------------------------------


def can_write_entry(
    user: AnyUser,
    dossier: Dossier,
    entry_class: type[ClinicalEntry],
    levels: Mapping[str, int] | None = None,
) -> bool:
    """Most entries are written by whoever may change their section; the short-stay
    assessment only by the coordinator (R18), still within her right on the section; the
    mother's own observations only by the mother (R5). ``levels``: the user's
    ``section_levels`` when the caller has them already."""
    if entry_class.WRITER == Writer.MOTHER:
        return is_mother_of(user, dossier)
    if entry_class.WRITER == Writer.COORDINATOR and not is_coordinator(user, dossier):
        return False
    levels = levels if levels is not None else section_levels(user, dossier)
    return levels[entry_class.SECTION] >= Level.EDIT


def require_entry_write(user: AnyUser, dossier: Dossier, entry_class: type[ClinicalEntry]) -> None:
    if can_write_entry(user, dossier, entry_class):
        return
    if entry_class.WRITER == Writer.MOTHER:
        message = _("Only the mother herself adds her own observations.")
    elif entry_class.WRITER == Writer.COORDINATOR and can_edit(user, dossier, entry_class.SECTION):
        message = _("Only the care coordinator records “%(what)s”.") % {
            "what": entry_class._meta.verbose_name
        }
    else:
        require_edit(user, dossier, entry_class.SECTION)
        return
    raise AccessDenied(message, dossier=dossier, section=entry_class.SECTION)


# R22: the home visits after discharge are made by a midwife (or the GP) of the network.
HOME_VISIT_PROFESSIONS = {Profession.MIDWIFE, Profession.GP}


def home_visit_providers(dossier: Dossier) -> QuerySet[User]:
    """The members who may be planned for the first home visit."""
    return User.objects.filter(
        is_active=True,
        professional__profession__in=HOME_VISIT_PROFESSIONS,
        professional__memberships__dossier=dossier,
        professional__memberships__ended_at__isnull=True,
    ).distinct()


def require_comment(user: AnyUser, dossier: Dossier, section: str) -> None:
    """Whoever may see an entry may comment on it: the mother on her whole record (R5),
    the providers who answer her on what they see."""
    require_view(user, dossier, section)


# --- the figures for policy makers (R31) --------------------------------------------------------


def granted(user: AnyUser, permission: str) -> bool:
    """Whether ``permission`` ("app_label.codename") was given to this user, or to one of
    their groups, in the admin. Unlike ``user.has_perm`` it ignores ``is_superuser`` (and
    ``is_staff``): the registrar's and the analyst's roles are given, never implied (issue
    13). Read with the user's roles, once per user object and request."""
    if not _active(user):
        return False
    if getattr(user, "_granted_permissions", None) is None:
        _read_roles(user)
    return permission in user._granted_permissions  # type: ignore[attr-defined]


def can_view_figures(user: AnyUser) -> bool:
    """Aggregated, anonymous figures: for policy analysts, given the permission in the admin
    (to them or their group). Not staff or superusers as such; no record is ever shown."""
    return granted(user, "ebirth.view_figures")


def require_view_figures(user: AnyUser) -> None:
    if not can_view_figures(user):
        raise PermissionDenied(
            _("The figures are for policy analysts; ask an administrator for access.")
        )


def figures_ward(user: AnyUser) -> Organisation | None:
    """The maternity ward whose quality figures this user sees beside the national ones
    (R24, R33): the ward of the organisation they work for, never one named in the request,
    so nobody sees another ward's figures. ``None`` for everyone else."""
    from network.models import OrganisationKind

    if not _active(user):
        return None
    professional = getattr(user, "professional", None)
    organisation: Organisation | None = (
        professional.organisation if professional is not None else None
    )
    if organisation is None or organisation.kind != OrganisationKind.MATERNITY_WARD:
        return None
    return organisation


def require_figures_ward(user: AnyUser) -> Organisation:
    ward = figures_ward(user)
    if ward is None:
        raise PermissionDenied(
            _("These figures are for the professionals of a maternity ward, about their own ward.")
        )
    return ward


# --- the eBirth registration (R8) ------------------------------------------------------------


def can_run_export(user: AnyUser) -> bool:
    """Exports hold every mother's identity: only a registrar (given the permission in the
    admin, to them or their group) starts them and downloads their files — not staff or a
    superuser as such."""
    return granted(user, "ebirth.run_export")


def require_run_export(user: AnyUser) -> None:
    if not can_run_export(user):
        raise PermissionDenied(
            _("eBirth exports are for registrars; ask an administrator for access.")
        )


def completing_dossiers(user: AnyUser) -> QuerySet[Dossier]:
    """The dossiers whose births this user can complete for the registration: where she
    may edit the delivery section (the delivering midwife, the gynaecologist)."""
    if not is_care_provider(user):
        return Dossier.objects.none()
    granted = DossierUserObjectPermission.objects.filter(
        user=user, permission_id=_permission_id(f"change_{Section.DELIVERY}")
    )
    return Dossier.objects.filter(pk__in=granted.values("content_object_id"))


def with_edit_flags(
    dossiers: QuerySet[Dossier], user: User, sections: Iterable[str]
) -> QuerySet[Dossier]:
    """Annotate each dossier with ``can_edit_<section>``: which fix links a list offers."""
    return dossiers.annotate(**{f"can_edit_{s}": _granted(user, f"change_{s}") for s in sections})


# --- the care plan (R5, R16) ------------------------------------------------------------------


def can_change_plan(
    user: AnyUser, dossier: Dossier, levels: Mapping[str, int] | None = None
) -> bool:
    """Whoever may change the care-plan section, and the mother: it is her plan (R5)."""
    if is_mother_of(user, dossier):
        return True
    levels = levels if levels is not None else section_levels(user, dossier)
    return levels[Section.CAREPLAN] >= Level.EDIT


def require_change_plan(user: AnyUser, dossier: Dossier) -> None:
    if not can_change_plan(user, dossier):
        raise AccessDenied(
            _(
                "You may read this care plan but not change it; the mother and the members "
                "she lets edit it may. Add an annotation instead."
            ),
            dossier=dossier,
            section=Section.CAREPLAN,
        )


def users_who_see(dossier: Dossier, section: str) -> QuerySet[User]:
    """Everyone who may read this section of the dossier now (members and the mother)."""
    return User.objects.filter(
        is_active=True,
        pk__in=DossierUserObjectPermission.objects.filter(
            content_object=dossier,
            permission_id=_permission_id(f"view_{section}"),
        ).values("user_id"),
    ).select_related("professional__organisation", "mother")


def require_view(user: AnyUser, dossier: Dossier, section: str) -> None:
    if not can_view(user, dossier, section):
        raise AccessDenied(
            _("The mother has not shared the section “%(section)s” with you.")
            % {"section": Section(section).label},
            dossier=dossier,
            section=section,
            action=Action.READ,
        )


# --- worrying situations (R28) ---


def can_raise_concern(user: AnyUser, dossier: Dossier) -> bool:
    """Every active member of the network and the mother herself may signal a worrying
    situation to the coordinator."""
    return active_membership(user, dossier) is not None or is_mother_of(user, dossier)


def can_read_concern(user: AnyUser, concern: Concern) -> bool:
    """A signalled situation is read by the coordinator and by whoever signalled it; the
    rest of the network does not see it (its text is psychosocial content)."""
    return _active(user) and (
        concern.raised_by_id == user.pk or is_coordinator(user, concern.dossier)
    )


def can_acknowledge_concern(user: AnyUser, concern: Concern) -> bool:
    """Only the coordinator acknowledges a signalled situation and records what was done."""
    return is_coordinator(user, concern.dossier)


def require_can_raise_concern(
    user: AnyUser, dossier: Dossier, *, action: str = Action.CREATE
) -> None:
    """Refuse (403, logged) unless the user may signal a worrying situation here. Call it
    only with a dossier from ``dossier_for``: outsiders get their 404 before this."""
    if not can_raise_concern(user, dossier):
        raise AccessDenied(
            _(
                "Only the members of the care network and the mother signal a worrying "
                "situation in this record."
            ),
            dossier=dossier,
            section=Section.PSYCHOSOCIAL,
            action=action,
        )


def require_can_read_concern(user: AnyUser, concern: Concern) -> None:
    if not can_read_concern(user, concern):
        raise AccessDenied(
            _("Only the care coordinator and whoever signalled it read a worrying situation."),
            dossier=concern.dossier,
            section=Section.PSYCHOSOCIAL,
            action=Action.READ,
        )


def require_can_acknowledge_concern(user: AnyUser, concern: Concern) -> None:
    require_can_respond_to_concerns(user, concern.dossier)


def require_can_respond_to_concerns(user: AnyUser, dossier: Dossier) -> None:
    if not is_coordinator(user, dossier):
        raise AccessDenied(
            _("Only the care coordinator responds to a worrying situation."),
            dossier=dossier,
            section=Section.PSYCHOSOCIAL,
            action=Action.UPDATE,
        )
