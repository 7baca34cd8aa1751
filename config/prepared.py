"""Statements built and compiled once per process (issue 16).

Building a queryset (``filter``, ``annotate``, ``Exists``…) and compiling it to SQL costs
the ORM more than PostgreSQL needs to run many of the statements a page asks: a record's
overview spent a quarter of its Python time there. A ``Prepared`` statement is built once,
with a stand-in for each value that changes from call to call, and compiled once per
database connection's settings; each call puts its own values in the stand-ins' places
and runs it through the ORM's own reading of the rows (model instances with their
``select_related`` objects, ``values()`` dicts, ``values_list()`` tuples, the fields'
converters), so a call returns what ``list(queryset)`` would have.

    members = Prepared(
        lambda dossier_id: Membership.objects.filter(dossier_id=dossier_id, ended_at=None),
        dossier_id=STAND_IN_ID,
    )
    members(dossier_id=dossier.pk)  # a list of Membership

Only what a call changes is a stand-in: the values are parameters of the statement, never
text in it, and they reach the database as given — as the column holds them (an id, not
the object; the text of a choice), since the field's own preparing ran on the stand-in.
A list of ids is one parameter with the ``any`` lookup (``newborn_id__any=ids``:
``= ANY(%s)``), so its length does not change the statement.
The stand-ins must each appear in the compiled parameters (checked when compiling: a
lookup that transforms its value, e.g. ``icontains``, cannot take one) and no other
parameter may equal one. ``None`` is no value here (``filter(x=None)`` is ``IS NULL``, a
parameter is compared with ``=``): a call with one is refused. A prepared statement is
read whole (no ``first()``, ``count()`` or further filters: those change the statement);
``prefetch_related`` is not supported.

On the server, a statement a connection runs often is kept prepared and, after a few runs,
planned once for all values (``config.database.statement_options``). One whose best plan
depends on the user's own values (her section flags: how many rows of rights she holds) is
declared ``for_its_values=True`` and planned for each call's values instead
(``planned_for_its_values``)."""

from __future__ import annotations

import contextlib
import contextvars
import copy
import datetime
import functools
import select
import uuid
import weakref
from collections.abc import Callable, Generator, Iterator
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Field, ForeignObject, Lookup, QuerySet
from psycopg.generators import fetch_many, send

# Values no real call passes: no id is negative, no date lies in year 1, no text holds NUL.
STAND_IN_ID = -7_771_001
STAND_IN_OTHER_ID = -7_771_002
STAND_IN_THIRD_ID = -7_771_007
# for a field that holds no negative number (the ORM drops a lookup out of the field's
# range before it reaches the statement; this one fits a positive small integer too)
STAND_IN_NUMBER = 30_771
STAND_IN_IDS = [-7_771_003]
STAND_IN_TEXT = "\x00stand-in\x00"
STAND_IN_UUID = uuid.UUID(int=7_771_006)
STAND_IN_TIME = datetime.datetime(1, 1, 1, 0, 0, 7, 771_004, tzinfo=datetime.UTC)
STAND_IN_OTHER_TIME = datetime.datetime(1, 1, 1, 0, 0, 7, 771_008, tzinfo=datetime.UTC)
STAND_IN_DATE = datetime.date(1, 1, 7)
_ALL = (
    STAND_IN_ID,
    STAND_IN_OTHER_ID,
    STAND_IN_THIRD_ID,
    STAND_IN_NUMBER,
    STAND_IN_IDS,
    STAND_IN_TEXT,
    STAND_IN_UUID,
    STAND_IN_TIME,
    STAND_IN_OTHER_TIME,
    STAND_IN_DATE,
    [STAND_IN_TEXT],
    [STAND_IN_UUID],
)


class AnyOf(Lookup):
    """``field__any=values``: ``field = ANY(%s)`` with the list as one array parameter, so
    the statement is the same for any number of values (``IN`` has one placeholder each).
    An empty list matches nothing, as ``__in=[]`` does."""

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        field = self.lhs.output_field
        return [field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


# on every field, foreign keys too (a relation's lookups are its own: ForeignObject's)
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)


_EVERY: weakref.WeakSet[Prepared] = weakref.WeakSet()


@contextlib.contextmanager
def planned_for_its_values(using: str = "default") -> Iterator[None]:
    """Statements run inside are planned for their own values on every run, never kept
    prepared on the server (``config.database.statement_options``).

    A prepared statement settles, after five runs, on one plan for every value when that
    plan is estimated to cost no more; the estimate is the average user's. A user's rights
    are not average: the busiest midwife nationally holds 2,045 rows of a section's
    permission where the average professional holds 128, and the one plan for a page's rows
    with her section flags read all 2,045 into a hash for each section (3.3 ms), where the
    plan for her own values probed the index once per row shown (0.8 ms). (A page's rows now
    ask for their flags per row whatever the plan: ``access.with_section_flags``' per_row.)
    Nothing changes where the connection prepares nothing."""
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    kept = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = kept


def forget_all(**_kwargs: object) -> None:
    """Compile every statement again next time: after a migration or a flush, whose new
    rows (the permissions' ids a statement may carry, ``network.access``) differ."""
    for prepared in list(_EVERY):
        prepared._compiled.clear()


class _Compiled:
    """One compiled statement: the queryset as built with the stand-ins, its compiler (its
    columns and how to read them, set up by compiling), the SQL, and where each stand-in
    sits among the parameters."""

    def __init__(self, queryset: QuerySet, alias: str, stand_ins: dict[str, Any]):
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(using=alias)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        # where each stand-in sits, and the type the ORM gave it there (on PostgreSQL an
        # integer column's value may come wrapped, e.g. psycopg's Int4): a call's value is
        # given the same
        self.slots: dict[str, list[tuple[int, type]]] = {}
        for name, stand_in in stand_ins.items():
            positions = [
                (index, type(value))
                for index, value in enumerate(self.params)
                if isinstance(value, type(stand_in)) and value == stand_in
            ]
            if not positions:
                raise ImproperlyConfigured(
                    f"The stand-in for {name!r} is not a parameter of the compiled statement "
                    f"(a lookup that changes its value cannot take a stand-in): {self.sql}"
                )
            self.slots[name] = positions
        # a stand-in nobody declared (built into a helper, say) would be run as a value
        declared = {index for positions in self.slots.values() for index, _kind in positions}
        for index, value in enumerate(self.params):
            if index not in declared and any(
                isinstance(value, type(stand_in)) and value == stand_in for stand_in in _ALL
            ):
                raise ImproperlyConfigured(
                    f"A stand-in ({value!r}) is in the compiled statement but not declared: "
                    f"{self.sql}"
                )
        self._converters: tuple[int, dict] | None = None

    def get_converters(self, expressions: list) -> dict:
        """The converters of the statement's columns (``SQLCompiler.get_converters``, asked
        by the ORM each time it reads rows), worked out at the first call and kept: they
        depend on the columns, which a call's values do not change. The roles statement of
        every page spent a sixth of its Python there (41 columns, a field comparison each)."""
        kept = self._converters
        if kept is None or kept[0] != len(expressions):
            kept = self._converters = (len(expressions), self.compiler.get_converters(expressions))
        return kept[1]


class Prepared:
    """A queryset built by ``build(**stand_ins)``, compiled once per database (and again
    after a migration or a flush: ``forget_all``); call it with the real values (the same
    names) for the rows, as a list."""

    def __init__(
        self, build: Callable[..., QuerySet], *, for_its_values: bool = False, **stand_ins: Any
    ):
        self._build = build
        # planned for each call's values (``planned_for_its_values``): a user's section
        # flags, whose best plan depends on how many rows of rights she holds
        self._for_its_values = for_its_values
        self._stand_ins = stand_ins
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        _EVERY.add(self)

    def _compiled_for(self, alias: str) -> _Compiled:
        key = (alias, str(connections[alias].settings_dict["NAME"]))
        compiled = self._compiled.get(key)
        if compiled is None:
            queryset = self._build(**self._stand_ins)
            if getattr(queryset, "_prefetch_related_lookups", ()):
                raise ImproperlyConfigured("A prepared statement cannot prefetch_related.")
            # two threads may compile at once: both get the same statement, one is kept
            compiled = self._compiled[key] = _Compiled(
                queryset.using(alias), alias, self._stand_ins
            )
        return compiled

    def __call__(self, *, using: str = "default", **values: Any) -> list:
        queryset = self._bound(using, values)
        with self._planned(using):
            return list(queryset)

    def later(self, *, using: str = "default", **values: Any) -> Callable[[], list]:
        """This call's rows, read when the returned function is called. Inside
        ``together()`` the statement is sent now and its answer read then, so the database
        runs it while Python does what comes between; elsewhere it simply runs then."""
        sending = (_together.get() or {}).get(using)
        if sending is None:
            return functools.partial(self, using=using, **values)
        queryset = self._bound(using, values)
        compiler = queryset.query.get_compiler(using)
        cursor = connections[using].cursor()
        with self._planned(using):
            cursor.execute(*compiler.as_sql())
        sending.sent()

        def read() -> list:
            if queryset._result_cache is None:  # read once; the same list after
                try:
                    sending.arrived(cursor.cursor)
                    rows = cursor.fetchall()
                finally:
                    cursor.close()
                if compiler.has_extra_select:  # as the compiler's own reading cuts them
                    rows = [row[: compiler.col_count] for row in rows]
                # the ORM reads these rows as it reads its own (converters, related objects)
                compiler.execute_sql = lambda *args, **kwargs: [rows]
                queryset._fetch_all()
            return list(queryset._result_cache or ())

        return read

    def _planned(self, using: str) -> contextlib.AbstractContextManager:
        return planned_for_its_values(using) if self._for_its_values else contextlib.nullcontext()

    def _bound(self, using: str, values: dict[str, Any]) -> QuerySet:
        """The compiled queryset with this call's values in the stand-ins' places."""
        if values.keys() != self._stand_ins.keys():
            raise TypeError(f"expected the values {sorted(self._stand_ins)}, got {sorted(values)}")
        missing = sorted(name for name, value in values.items() if value is None)
        if missing:
            raise TypeError(f"None is no value for a prepared statement: {missing}")
        compiled = self._compiled_for(using)
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            value = values[name]
            for index, kind in positions:
                params[index] = value if type(value) is kind else kind(value)
        statement = (compiled.sql, tuple(params))
        # The compiler as compiled (its columns, klass_info, converters), on this thread's
        # connection, answering the statement with this call's values. The queryset and
        # its query are shallow copies whose only change is that compiler: nothing of
        # them is built again, and the ORM reads the rows as it always does.
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[using]
        compiler.as_sql = lambda *args, **kwargs: statement
        compiler.get_converters = compiled.get_converters
        query = copy.copy(compiled.queryset.query)
        query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        queryset = QuerySet.__new__(type(compiled.queryset))
        queryset.__dict__ = {
            **compiled.queryset.__dict__,
            "_query": query,
            "_result_cache": None,
            "_prefetch_done": False,
        }
        return queryset


class _Sending:
    """A connection in ``together()``: its pipeline, whose answers are read in the order
    the statements were sent."""

    def __init__(self, pipeline: psycopg.Pipeline) -> None:
        self.pipeline, self.pgconn = pipeline, pipeline.pgconn

    def arrived(self, cursor: psycopg.Cursor) -> None:
        """Read the answers to the statements sent before this cursor's, and its own, but
        none sent after it (psycopg's own reading waits for every answer sent): the
        database goes on with those while Python makes these rows. Each answer is handled
        as psycopg handles it (the cursor's rows, its error, the prepared statements'
        cache); should none come, psycopg's own reading takes over."""
        queue = self.pipeline.result_queue
        if not any(queued is not None and queued[0] is cursor for queued in queue):
            return
        connection = cursor.connection
        with connection.lock:
            connection.wait(self._answers_up_to(cursor))

    def _answers_up_to(self, cursor: psycopg.Cursor) -> Generator[Any, Any, None]:
        # psycopg's own pipeline reading (Pipeline._fetch_gen) stopped at this cursor: its
        # queue and its handling of an answer are not public, so psycopg is pinned
        # (requirements.lock) and tests/config/test_sent_ahead.py holds both behaviours
        pipeline, queue = self.pipeline, self.pipeline.result_queue
        self.pgconn.send_flush_request()
        yield from send(self.pgconn)
        while any(queued is not None and queued[0] is cursor for queued in queue):
            results = yield from fetch_many(self.pgconn)
            if not results:
                return
            pipeline._process_results(queue.popleft(), results)

    def sent(self) -> None:
        """Ask the server to send this statement's answer as soon as it has it (a Flush:
        in pipeline mode it keeps its answers until asked or synced)."""
        self.pgconn.send_flush_request()
        while self.pgconn.flush():  # 1 while part of the message is still to be sent
            select.select([], [self.pgconn.socket], [])


# The databases whose connection is in ``together()`` now (this thread or task).
_together: contextvars.ContextVar[dict[str, _Sending] | None] = contextvars.ContextVar(
    "prepared_together", default=None
)


def reads_only(execute, sql, params, many, context):
    """An execute wrapper that refuses anything but a SELECT: on a connection in pipeline
    mode a write's row count is not known when the ORM asks for it."""
    if sql.lstrip()[:6].upper() != "SELECT":
        raise RuntimeError(
            "Only reads may be sent while the connection sends statements ahead "
            f"(config.prepared.together, network.audit.written_during): {sql[:200]}"
        )
    return execute(sql, params, many, context)


@contextlib.contextmanager
def together(using: str = "default") -> Iterator[None]:
    """Statements asked with ``Prepared.later`` inside are sent ahead and read when wanted,
    so the database runs one while Python makes the rows of the one before: a page's
    reads then cost nearer the longer of the two than their sum ("My records" sends its
    rows, open concerns and screenings panel at once, and makes the rows while the
    database looks for the babies: issue 16). The connection is in psycopg's pipeline mode
    inside, so only reads may run there (``reads_only``). The answers arrive in the order
    the statements were sent: reading one reads those sent before it, never those after
    it, so send first what is needed first and the longest last. Any other statement run
    inside waits for every answer sent; leaving waits for them all and raises the first
    error. Inside a transaction, or where psycopg has no pipeline, nothing is sent ahead:
    ``later`` runs each statement when its rows are asked for."""
    connection = connections[using]
    if connection.in_atomic_block or not psycopg.Pipeline.is_supported():
        yield
        return
    connection.ensure_connection()
    with (
        connection.wrap_database_errors,
        connection.connection.pipeline() as pipeline,
        connection.execute_wrapper(reads_only),
    ):
        token = _together.set({**(_together.get() or {}), using: _Sending(pipeline)})
        try:
            yield
        finally:
            _together.reset(token)
