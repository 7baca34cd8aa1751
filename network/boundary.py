"""The one boundary every route that names a record passes (DESIGN.md §3).

A page or API route with a dossier (``public_id``), a newborn (``newborn_id``) or an entry
(``entry_id``) in its path declares what it reads and what it writes::

    @dossier_route(reads=Section.NEWBORN, writes=Section.NEWBORN)
    def weight(request, route): ...

    class CarePlanApi(DossierApi):
        reads = Section.CAREPLAN
        writes = access.CHANGE_PLAN

and the boundary does the rest, the same way for every route:

1. the lookup: the dossier among those the user may open (``access.visible_dossiers``),
   else a 404 that is logged on the record (``access.DossierNotFound``); the newborn and the
   entry named in the path within that dossier, else a 404;
2. the checks: every section in ``reads`` viewable; on a write (POST, PUT, PATCH,
   DELETE; or always for a ``form`` page, whose only purpose is to change) every section or
   ``Need`` in ``writes`` allowed; then every ``Need`` in ``needs``. A refusal is an
   ``AccessDenied`` (403), logged after the rollback by config.middleware / config.api;
3. the access-log event: when the answer shows the record (a 2xx), the sections read —
   ``reads``, the ``shows`` sections the user may see, and what the view adds with
   ``route.show()`` — in one append.

The view gets a ``Route``: the dossier, the user's levels per section, the newborn and the
entry. Views never call ``record_read`` or ``require_*`` themselves; tests/test_boundary.py
walks the URL resolver and fails for a route that names a record outside this boundary.

A spec value (``reads``, ``shows``, ``writes``, ``needs``) is a section, a ``Need``, a tuple
of them, ``VISIBLE`` (every section the user may see, for ``shows``), or a function of the
path's arguments returning those (``reads=lambda kind, **_: kind.section``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import Http404
from rest_framework.views import APIView

from dossier.selectors import dossier_for, newborn_of
from network import access, audit
from network.models import Action, Level

VISIBLE = "__visible__"  # ``shows=VISIBLE``: every section the user may see
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Need:
    """A right that is not a section's level: ``require(user, dossier)`` raises
    ``access.AccessDenied`` when the user lacks it."""

    require: Callable
    name: str

    def __repr__(self) -> str:
        return f"Need({self.name})"


@dataclass(frozen=True)
class Spec:
    reads: object = ()
    shows: object = ()
    writes: object = ()
    needs: object = ()
    form: bool = False


@dataclass
class Route:
    """What a view gets from the boundary: the record within reach and the user's rights."""

    request: object
    dossier: object
    levels: dict[str, int]
    newborn: object = None
    entry: object = None
    shown: set[str] = field(default_factory=set)
    action: str = Action.READ

    @property
    def user(self):
        return self.request.user

    @property
    def visible(self) -> set[str]:
        return {s for s, level in self.levels.items() if level >= Level.VIEW}

    def can_view(self, section: str) -> bool:
        return self.levels[section] >= Level.VIEW

    def can_edit(self, section: str) -> bool:
        return self.levels[section] >= Level.EDIT

    def can(self, need: Need) -> bool:
        try:
            need.require(self.user, self.dossier)
        except access.AccessDenied:
            return False
        return True

    def show(self, *sections: str) -> None:
        """The answer also shows these sections: each must be viewable (else the 403 of a
        section not shared) and is logged as read with the rest."""
        for section in sections:
            if not self.can_view(section):
                access.require_view(self.user, self.dossier, section)
        self.shown.update(sections)

    def record(self, *sections: str) -> None:
        """Log as read what another rule than the section's level lets this user see (a
        signalled situation: the coordinator and whoever signalled it)."""
        self.shown.update(sections)


def _items(spec, kwargs) -> tuple:
    if callable(spec) and not isinstance(spec, Need):
        spec = spec(**kwargs)
    if spec is None or spec == ():
        return ()
    if isinstance(spec, str | Need):
        return (spec,)
    return tuple(spec)


def _require(route: Route, item, *, edit: bool) -> None:
    if isinstance(item, Need):
        item.require(route.user, route.dossier)
    elif edit:
        if not route.can_edit(item):
            access.require_edit(route.user, route.dossier, item)
    elif not route.can_view(item):
        access.require_view(route.user, route.dossier, item)


def enter(request, kwargs: dict, spec: Spec) -> Route:
    """Look the record up and check the declared rights; the route to hand to the view.
    ``kwargs``: the path's arguments (``public_id``, ``newborn_id``, ``entry_id``, …)."""
    user = request.user
    dossier = dossier_for(user, kwargs["public_id"])
    route = Route(request, dossier, access.section_levels(user, dossier))
    arguments = {k: v for k, v in kwargs.items() if k != "public_id"}
    reads = _items(spec.reads, arguments)
    for item in reads:
        _require(route, item, edit=False)
    if spec.form or request.method in UNSAFE:
        for item in _items(spec.writes, arguments):
            _require(route, item, edit=True)
    for item in _items(spec.needs, arguments):
        _require(route, item, edit=False)
    shows = _items(spec.shows, arguments)
    route.shown.update(s for s in reads if isinstance(s, str))
    route.shown.update(
        route.visible
        if VISIBLE in shows
        else (s for s in shows if isinstance(s, str) and route.can_view(s))
    )
    if "newborn_id" in kwargs:
        route.newborn = newborn_of(dossier, kwargs["newborn_id"])
        if route.newborn is None:
            raise Http404
    if "entry_id" in kwargs:
        kind = kwargs["kind"]
        route.entry = kind.entries(dossier).filter(public_id=kwargs["entry_id"]).first()
        if route.entry is None:
            raise Http404
    return route


def leave(route: Route, response):
    """Log what the answer showed, once, when it shows the record."""
    if 200 <= response.status_code < 300 and route.shown:
        if route.action == Action.READ:  # with the request's other reads: one event
            audit.record_read(route.user, route.dossier, sorted(route.shown))
        else:
            audit.record(
                actor=route.user,
                dossier=route.dossier,
                sections=sorted(route.shown),
                action=route.action,
            )
    return response


def dossier_route(*, reads=(), shows=(), writes=(), needs=(), form: bool = False):
    """Put a page behind the boundary. The view is called as ``view(request, route,
    **other_path_arguments)`` (without ``public_id``, ``newborn_id`` and ``entry_id``:
    ``route.dossier``, ``route.newborn`` and ``route.entry`` hold them)."""
    spec = Spec(reads, shows, writes, needs, form)

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, **kwargs):
            route = enter(request, kwargs, spec)
            rest = {
                k: v for k, v in kwargs.items() if k not in {"public_id", "newborn_id", "entry_id"}
            }
            return leave(route, view(request, route, **rest))

        wrapped = login_required(wrapped)
        wrapped.dossier_route = spec
        return wrapped

    return decorate


class DossierApi(APIView):
    """An API view behind the boundary: declare ``reads``, ``shows``, ``writes`` and
    ``needs`` as class attributes; the handlers find ``self.route``."""

    reads: object = ()
    shows: object = ()
    writes: object = ()
    needs: object = ()
    route: Route

    @classmethod
    def boundary_spec(cls) -> Spec:
        return Spec(cls.reads, cls.shows, cls.writes, cls.needs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.route = enter(request, kwargs, self.boundary_spec())

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        route = getattr(self, "route", None)
        return leave(route, response) if route is not None else response


def is_behind(callback) -> bool:
    """Whether a URL pattern's view passes the boundary (for the route-walking test)."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return isinstance(view_class, type) and issubclass(view_class, DossierApi)
    return isinstance(getattr(callback, "dossier_route", None), Spec)


# --- rights that are not a section's level ----------------------------------------------

MANAGE_NETWORK = Need(access.require_manage_network, "manage the network")
READ_CONSENT = Need(access.require_read_consent, "read the mother's choices")
DECIDE_CONSENT = Need(access.require_decide_consent, "decide who sees what")
OWN_ACCESS_LOG = Need(access.require_own_access_log, "read who viewed the record")
OWN_RECORD = Need(access.require_mother_of, "the mother herself (her own copy)")
RAISE_CONCERN = Need(access.require_can_raise_concern, "signal a worrying situation")
READ_CONCERNS = Need(
    functools.partial(access.require_can_raise_concern, action=Action.READ),
    "read the signalled situations",
)
RESPOND_TO_CONCERNS = Need(
    access.require_can_respond_to_concerns, "respond to a signalled situation"
)
CHANGE_PLAN = Need(access.require_change_plan, "change the care plan")
OPEN_RECORD = Need(
    lambda user, dossier: access.require_can_open(user, about=dossier),
    "open a new record of this mother",
)


@functools.cache
def entry_write(entry_class) -> Need:
    """Write an entry of this kind: its section's right, or the coordinator's (the
    short-stay assessment) or the mother's (her own observations)."""
    return Need(
        functools.partial(access.require_entry_write, entry_class=entry_class),
        f"write {entry_class.__name__}",
    )
