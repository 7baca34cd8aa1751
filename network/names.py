"""How a person is shown to a reader: the one door every name goes through (DESIGN.md §3).

The mother (her ``Mother`` record or her own login) is named only to a reader who may see
the identity section of the dossier at hand; to anyone else she is "the mother" ("de
moeder", "la mère"). Professionals are shown by name: who works in a network is shown to
everyone who may open the record. ``network.access`` decides who sees the identity
section; this module only asks it.

Pages use the ``{% shown_name person %}`` tag (``network/templatetags/names.py``), the API
``NameField``-style method fields, the PDF, the history and the inbox call ``shown_name``
with the reader's levels when they have them, so a list costs no query per row."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext

from dossier.models import Dossier, Mother
from dossier.sections import Section
from network import access
from network.models import Level, Membership, Professional


def the_mother() -> str:
    """How the mother is named to a reader without her identity."""
    return gettext("the mother")


def _user_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _cached_mother(user: User):
    """The user's Mother record when it is already loaded (no query), else None."""
    return user._state.fields_cache.get("mother") if hasattr(user, "_state") else None


def is_the_mother(person, dossier: Dossier | None) -> bool:
    """Whether ``person`` (a Mother, a User or None) is the mother: of ``dossier`` when
    given (no query once ``dossier.mother`` is loaded), else any mother's account."""
    if person is None:
        return False
    if isinstance(person, Mother):
        return True
    if not isinstance(person, User):
        return False
    if _cached_mother(person) is not None:
        return True
    if dossier is not None:
        return person.pk is not None and person.pk == dossier.mother.user_id
    return hasattr(person, "mother")


def identity_level(reader, dossier: Dossier | None, levels: dict | None = None) -> int:
    """The reader's level on the identity section of ``dossier`` (``levels``: the reader's
    ``access.section_levels`` when the caller has them)."""
    if dossier is None or reader is None:
        return Level.NONE
    if levels is not None:
        return levels.get(Section.IDENTITY, Level.NONE)
    return access.section_levels(reader, dossier)[Section.IDENTITY]


def shown_name(
    person,
    *,
    reader: User | AnonymousUser | None,
    dossier: Dossier | None,
    levels: dict | None = None,
    may_see_identity: bool | None = None,
) -> str:
    """``person`` (a User, Mother, Professional or Membership; None gives "") as
    ``reader`` may see it in ``dossier``. ``levels`` (the reader's section levels of that
    dossier) or ``may_see_identity`` (already decided for the reader) spare a query; they
    are only consulted when the person is the mother."""
    if person is None:
        return ""
    if isinstance(person, Membership):
        person = person.professional
    if isinstance(person, Professional):
        return _user_name(person.user)
    if not is_the_mother(person, dossier):
        return _user_name(person) if isinstance(person, User) else str(person)
    own = (
        reader is not None
        and getattr(reader, "pk", None) is not None
        and (
            (isinstance(person, User) and person.pk == reader.pk)
            or (isinstance(person, Mother) and person.user_id == reader.pk)
        )
    )
    if may_see_identity is None:
        may_see_identity = own or identity_level(reader, dossier, levels) >= Level.VIEW
    if not may_see_identity:
        return the_mother()
    return person.full_name if isinstance(person, Mother) else _user_name(person)


def identity_readable(reader, dossier_ids) -> set[int]:
    """Of these dossiers, the ids whose identity section ``reader`` may see now: one query
    for the rows a page shows (the inbox, a list of rows from several records), her right
    probed per record (``access.with_section_flags``' per_row)."""
    ids = {pk for pk in dossier_ids if pk is not None}
    if not ids or reader is None or not reader.is_authenticated:
        return set()
    return set(
        access.with_section_flags(
            Dossier.objects.filter(pk__in=ids), reader, sections=[Section.IDENTITY], per_row=True
        )
        .filter(can_view_identity=True)
        .values_list("pk", flat=True)
    )


# --- the API -------------------------------------------------------------------------------


def for_serializer(context: dict, person, dossier: Dossier | None = None) -> str | None:
    """``person`` as the request's user may see them, in a DRF serializer: the dossier and
    the user's levels come from the context (``dossier``, ``levels``) or from the view's
    boundary route, else from ``dossier``; the levels are asked once per request."""
    if person is None:
        return None
    request = context.get("request")
    reader = getattr(request, "user", None)
    view = context.get("view") or (getattr(request, "parser_context", None) or {}).get("view")
    route = getattr(view, "route", None)
    dossier = context.get("dossier") or getattr(route, "dossier", None) or dossier
    if not is_the_mother(person, dossier):
        return shown_name(person, reader=reader, dossier=dossier)
    levels = context.get("levels") or getattr(route, "levels", None)
    if levels is None and dossier is not None and request is not None:
        cache = getattr(request, "_shown_name_levels", None)
        if cache is None:
            cache = {}
            request._shown_name_levels = cache
        if dossier.pk not in cache:
            cache[dossier.pk] = access.section_levels(reader, dossier)
        levels = cache[dossier.pk]
    return shown_name(person, reader=reader, dossier=dossier, levels=levels)
