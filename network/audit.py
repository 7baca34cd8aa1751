"""The access log: one hash-chained event per request and record; checkpoints; verification.

**One event per request and record.** A page that shows five sections of a record writes
one event listing the five; a list writes one event per record it shows. (Before issue 16
a page view wrote a row per section under one global lock.)

**A chain per record.** Event *n* of a record has ``seq`` *n* and
``hash = SHA-256(hash of event n-1 ‖ "n" ‖ content)`` (event 0's hash: 32 zero bytes),
the content being every field but the id (``_content``). The last (seq, hash) of each chain
is its row in ``AccessChainHead``: an append is ONE statement that moves the heads of the
records it names (``INSERT … ON CONFLICT DO UPDATE``, which takes those rows' locks, in the
order of their ids, so two appends never deadlock) and inserts the events with the hashes
PostgreSQL computed from them. Appends to different records never wait on each other;
appends to one record are serialised by its head's lock, held to the end of the
transaction, so the chain never forks. Events about no record (a reference that matches
none) share chain 0.

**Checkpoints.** Every few minutes (beat) ``checkpoint()`` writes the heads that moved since
the last checkpoint and signs them, with the previous checkpoint's signature, by an HMAC
whose key (``ACCESS_LOG_KEY``) is not in the database. So a chain deleted whole together
with its head row is still seen, and checkpoints cannot be rewritten unseen.

**Verification** (``verify()``, ``manage.py verify_access_log``) walks every chain (edited
row: its hash; removed or reordered row: a gap in ``seq`` or the next hash; cut end: the
head), the heads (a chain deleted whole), the checkpoints' signatures and every head they
recorded. Months moved out with ``archive()`` leave an anchor per chain where the walk
resumes."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import gzip
import hashlib
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from config.prepared import reads_only
from network.models import (
    AccessArchive,
    AccessArchiveAnchor,
    AccessChainHead,
    AccessCheckpoint,
    AccessCheckpointHead,
    Action,
    Outcome,
)

GENESIS = bytes(32)
UNATTACHED = 0  # the chain of events about no record
SEPARATOR = "\x1f"

# The id of the request (or task) being served; set by config.middleware.RequestIdMiddleware.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# The reads of the request being served, by record: written once when it ends (``one_request``).
_reads: contextvars.ContextVar[_Gathered | None] = contextvars.ContextVar(
    "access_reads", default=None
)


def _label(actor) -> str:
    if actor is None or not actor.is_authenticated:
        return "anonymous"
    return actor.get_full_name() or actor.get_username()


def _content(chain, actor_id, actor_label, dossier_ref, sections, action, outcome, request_id):
    """What an event's hash covers besides the previous hash, its position and its time
    (which PostgreSQL appends: ``AT_FORMAT``)."""
    fields = [
        str(chain),
        str(actor_id or ""),
        actor_label,
        dossier_ref,
        ",".join(sections),
        action,
        outcome,
        request_id,
    ]
    return (SEPARATOR + SEPARATOR.join(fields) + SEPARATOR).encode()


# An event's time as its hash covers it, in PostgreSQL (to_char) and in Python (strftime).
AT_FORMAT_SQL = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"


def at_text(at: datetime.datetime) -> bytes:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f").encode()


def link(previous: bytes, seq: int, content: bytes, at: datetime.datetime) -> bytes:
    return hashlib.sha256(previous + str(seq).encode() + content + at_text(at)).digest()


# --- appending ------------------------------------------------------------------------------

# The events to write come as two arrays — each record's chain and its sections as one text
# (split again here: a section's name holds no comma) — so the statement is the same for any
# number of records and psycopg sends two short arrays, not five per-record columns. Every
# other field is the same for the whole append and comes once; the one reference that
# matched no record belongs to chain 0, where every such read is merged. Each event's
# content (``_content``, what its hash covers) is written here from the same fields in the
# same order, separated by ``SEPARATOR`` (given as ``sep``), so PostgreSQL hashes what
# ``verify()`` recomputes in Python from the stored row (every chain is checked so).
_APPEND = """
WITH input (chain, dossier_id, dossier_ref, sections, content) AS (
    SELECT chain, NULLIF(chain, 0), CASE WHEN chain = 0 THEN %(ref)s ELSE '' END,
           string_to_array(sections, ',')::varchar[],
           convert_to(
               %(sep)s || chain::text || %(sep)s || %(actor_text)s || %(sep)s || %(label)s
               || %(sep)s || CASE WHEN chain = 0 THEN %(ref)s ELSE '' END || %(sep)s
               || sections || %(sep)s || %(action)s || %(sep)s || %(outcome)s || %(sep)s
               || %(request_id)s || %(sep)s,
               'UTF8'
           )
    FROM unnest(%(chains)s::bigint[], %(sections)s::text[]) AS given (chain, sections)
),
moved AS (
    INSERT INTO network_accesschainhead AS head (chain, seq, at, hash, checkpointed_seq)
    SELECT chain, 1, %(at)s, sha256(%(genesis)s::bytea || convert_to('1', 'UTF8') || content
                                    || convert_to({first_at}, 'UTF8')), 0
    FROM input ORDER BY chain
    ON CONFLICT (chain) DO UPDATE SET
        seq = head.seq + 1,
        at = greatest(excluded.at, head.at),
        hash = sha256(
            head.hash || convert_to((head.seq + 1)::text, 'UTF8')
            || (SELECT i.content FROM input i WHERE i.chain = head.chain)
            || convert_to({next_at}, 'UTF8')
        )
    RETURNING head.chain, head.seq, head.at, head.hash
)
INSERT INTO network_accessevent
    (at, actor_id, actor_label, dossier_id, dossier_ref, sections, action, outcome,
     request_id, seq, hash)
SELECT m.at, %(actor_id)s, %(label)s, i.dossier_id, i.dossier_ref, i.sections, %(action)s,
       %(outcome)s, %(request_id)s, m.seq, m.hash
FROM moved m JOIN input i USING (chain)
""".replace("{first_at}", AT_FORMAT_SQL.format("%(at)s::timestamptz")).replace(
    "{next_at}", AT_FORMAT_SQL.format("greatest(excluded.at, head.at)")
)


def append(actor, targets: Iterable, *, action: str, outcome: str = Outcome.ALLOWED) -> int:
    """Log one event per record: ``targets`` are ``(dossier, reference, sections)``; the
    same record named twice is one event with the sections of both. Returns the number of
    events written. One statement, in the caller's transaction."""
    merged: dict[int, set[str]] = {}
    reference = ""  # chain 0's: the first reference that matched no record
    for dossier, ref, sections in targets:
        chain = dossier.pk if dossier is not None else UNATTACHED
        if chain == UNATTACHED and chain not in merged:
            reference = str(ref)[:36]
        merged.setdefault(chain, set()).update(s for s in sections if s)
    if not merged:
        return 0
    chains, texts = [], []
    for chain, sections in sorted(merged.items()):
        listed = sorted(sections)
        if any("," in section for section in listed):
            raise ValueError(f"A section's name holds no comma: {listed!r}")
        chains.append(chain)
        texts.append(",".join(listed))
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    params = {
        "chains": chains,
        "sections": texts,
        "ref": reference,
        "actor_id": actor_id,
        "actor_text": str(actor_id or ""),  # as _content writes it
        "label": _label(actor)[:200],
        "action": action,
        "outcome": outcome,
        "request_id": current_request_id.get()[:64],
        "at": timezone.now(),
        "genesis": GENESIS,
        "sep": SEPARATOR,
    }
    with connection.cursor() as cursor:  # one statement: atomic by itself
        cursor.execute(_APPEND, params)
        return cursor.rowcount


def record(
    *,
    actor,
    dossier=None,
    dossier_ref: str = "",
    sections=(),
    action: str,
    outcome: str = Outcome.ALLOWED,
) -> int:
    """One event: what one request did to (or was refused on) one record."""
    return append(actor, [(dossier, dossier_ref, sections)], action=action, outcome=outcome)


@contextlib.contextmanager
def one_request():
    """Around a request (config.middleware.RequestIdMiddleware): its reads — the page, its
    lists, its side panels — are gathered per reader and record and written as ONE event
    per record when the answer is ready (or earlier, while the page renders:
    ``written_during``). Reads made outside a request are written at once."""
    token = _reads.set(_Gathered())
    try:
        yield
        _write(list((_reads.get() or {}).values()))
    finally:
        _reads.reset(token)


class _Gathered(dict):
    """A request's reads not written yet: reader's id → (reader, {record id: (record,
    sections)}); ``sent``: (reader's id, record id) → the sections already written by
    ``written_during``, which a later read does not write again."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: dict[tuple[int | None, int], set[str]] = {}


def _write(batches: list[tuple[object, dict]]) -> None:
    """One append per reader: (reader, {record id: (record, sections)})."""
    for actor, by_record in batches:
        reads = [(dossier, "", sections) for dossier, sections in by_record.values()]
        append(actor, reads, action=Action.READ)


@contextlib.contextmanager
def written_during():
    """Write the reads the request gathered so far now, and run the block — the page's
    rendering — while the database writes them; the block's end waits for the commit and
    raises if it failed, so no answer leaves with its reads unlogged (issue 16: the append
    and its commit were an eighth of "Mijn dossiers", spent waiting for the database).

    The write is sent in psycopg's pipeline mode: BEGIN, the append, COMMIT, without
    waiting for their answers. The connection stays in pipeline mode for the block, whose
    statements queue behind the write, so the block may only read: anything but a SELECT
    is refused (``config.prepared.reads_only``: in pipeline mode a write's row count is
    not known when the ORM asks). If the write fails, the block's next statement, or its
    end, raises it. If the block fails after the commit, the reads stay logged with no
    page shown, as for an answer the browser never received.

    Where the reads cannot be sent ahead — outside a request, inside a transaction (the
    write then belongs to it), nothing gathered, a libpq without pipelines — the block
    just runs and the reads are written when the request ends, as always. A record read
    again in the block, for a section already written, is not written twice; a section not
    written yet is, when the request ends."""
    gathered = _reads.get()
    if (
        not gathered
        or connection.in_atomic_block
        or not connection.get_autocommit()
        or not psycopg.Pipeline.is_supported()
    ):
        yield
        return
    batches = list(gathered.values())
    for reader, (_actor, by_record) in gathered.items():
        for record_id, (_dossier, sections) in by_record.items():
            gathered.sent.setdefault((reader, record_id), set()).update(sections)
    gathered.clear()
    raw = connection.connection
    try:
        with connection.wrap_database_errors, raw.pipeline(), connection.cursor() as cursor:
            cursor.execute("BEGIN")
            _write(batches)
            cursor.execute("COMMIT")
            with connection.execute_wrapper(reads_only):
                yield
    finally:
        # a write that failed leaves its transaction aborted (or, stopped before COMMIT was
        # sent, open): end it, so the connection is in autocommit again, as Django holds
        if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            raw.rollback()


def record_read(actor, dossier, sections) -> None:
    if sections:
        record_read_list(actor, [(dossier, section) for section in sections])


def record_read_list(actor, reads) -> None:
    """A list reads, per row shown, the sections it shows: ``reads`` is (dossier, section);
    one event per record (per request, inside one)."""
    gathered = _reads.get()
    if gathered is None:
        append(actor, [(d, "", [s]) for d, s in reads], action=Action.READ)
        return
    reader = actor.pk if actor is not None and actor.is_authenticated else None
    _actor, by_record = gathered.setdefault(reader, (actor, {}))
    sent = gathered.sent
    for dossier, section in reads:
        if sent and section in sent.get((reader, dossier.pk), ()):
            continue
        by_record.setdefault(dossier.pk, (dossier, set()))[1].add(section)


def record_write(actor, dossier, section: str, action: str = Action.UPDATE) -> None:
    record(actor=actor, dossier=dossier, sections=[section], action=action)


def record_denied(
    actor, *, dossier=None, dossier_ref: str = "", section: str = "", action: str = Action.READ
) -> None:
    record(
        actor=actor,
        dossier=dossier,
        dossier_ref=dossier_ref,
        sections=[section],
        action=action,
        outcome=Outcome.DENIED,
    )


# --- checkpoints ----------------------------------------------------------------------------


def _key() -> bytes:
    return settings.ACCESS_LOG_KEY.encode()


def _heads_digest(heads: Iterable[tuple[int, int, bytes]]) -> bytes:
    digest = hashlib.sha256()
    for chain, seq, value in heads:
        digest.update(f"{chain}:{seq}:{bytes(value).hex()}\n".encode())
    return digest.digest()


def _signature(previous: str, at: datetime.datetime, chains: int, digest: bytes) -> str:
    message = f"{previous}|{at.astimezone(datetime.UTC).isoformat()}|{chains}|{digest.hex()}"
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def checkpoint() -> AccessCheckpoint | None:
    """Sign the heads that moved since the last checkpoint; None when none moved."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x4D444F43])  # one at a time
        cursor.execute(
            "SELECT chain, seq, hash FROM network_accesschainhead "
            "WHERE seq > checkpointed_seq ORDER BY chain"
        )
        moved = [(chain, seq, bytes(value)) for chain, seq, value in cursor.fetchall()]
    if not moved:
        return None
    last = AccessCheckpoint.objects.order_by("-id").values_list("signature", flat=True).first()
    at, digest = timezone.now(), _heads_digest(moved)
    point = AccessCheckpoint.objects.create(
        at=at,
        chains=len(moved),
        digest=digest,
        signature=_signature(last or "", at, len(moved), digest),
    )
    AccessCheckpointHead.objects.bulk_create(
        [AccessCheckpointHead(checkpoint=point, chain=c, seq=s, hash=h) for c, s, h in moved],
        batch_size=5000,
    )
    with (
        connection.cursor() as cursor
    ):  # the heads' seq only grows: GREATEST keeps a later append's
        cursor.execute(
            "UPDATE network_accesschainhead AS head SET checkpointed_seq = moved.seq "
            "FROM unnest(%s::bigint[], %s::int[]) AS moved (chain, seq) "
            "WHERE head.chain = moved.chain AND head.checkpointed_seq < moved.seq",
            [[c for c, _s, _h in moved], [s for _c, s, _h in moved]],
        )
    return point


# --- verifying ------------------------------------------------------------------------------


@dataclass
class BrokenLink:
    event_id: int | None
    reason: str
    chain: int | None = None


@dataclass
class Verified:
    events: int
    chains: int
    checkpoints: int
    broken: BrokenLink | None
    last_checkpoint: AccessCheckpoint | None = None


_EVENT_COLUMNS = (
    "id, coalesce(dossier_id, 0), seq, hash, at, actor_id, actor_label, dossier_ref, "
    "sections, action, outcome, request_id"
)


def _events(batch_size: int) -> Iterator[tuple]:
    """Every event in chain order (chain 0, about no record, first), in batches on the
    (dossier, seq) index: memory stays flat."""

    def batches(where: str, order: str, after: list) -> Iterator[tuple]:
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {_EVENT_COLUMNS} FROM network_accessevent WHERE {where} "
                    f"ORDER BY {order} LIMIT %s",
                    [*after, batch_size],
                )
                rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            after = [rows[-1][2]] if len(after) == 1 else [rows[-1][1], rows[-1][2]]

    yield from batches("dossier_id IS NULL AND seq > %s", "seq", [0])
    yield from batches("(dossier_id, seq) > (%s, %s)", "dossier_id, seq", [0, 0])


def _heads(batch_size: int) -> Iterator[tuple[int, int, bytes]]:
    after = -1
    while True:
        rows = list(
            AccessChainHead.objects.filter(chain__gt=after)
            .order_by("chain")
            .values_list("chain", "seq", "hash")[:batch_size]
        )
        if not rows:
            return
        for chain, seq, value in rows:
            yield chain, seq, bytes(value)
        after = rows[-1][0]


def _anchors() -> dict[int, tuple[int, bytes]]:
    """Where each chain resumes after archived months: its last archived event."""
    anchors: dict[int, tuple[int, bytes]] = {}
    rows = AccessArchiveAnchor.objects.order_by("seq").values_list("chain", "seq", "hash")
    for chain, seq, value in rows.iterator(chunk_size=10000):
        anchors[chain] = (seq, bytes(value))
    return anchors


def _walk_chains(batch_size: int, anchors) -> Iterator[tuple[int, int, bytes, int] | BrokenLink]:
    """Yield per chain (chain, last seq, last hash, events) or the first broken link."""
    chain, seq, previous, count = None, 0, GENESIS, 0
    for row in _events(batch_size):
        event_id, row_chain, row_seq, value, at, actor_id, label, ref, sections = row[:9]
        action, outcome, request_id = row[9:]
        if row_chain != chain:
            if chain is not None:
                yield chain, seq, previous, count
            chain, count = row_chain, 0
            seq, previous = anchors.get(chain, (0, GENESIS))
        if row_seq != seq + 1:
            yield BrokenLink(
                event_id,
                f"event {seq + 1} of the chain is missing (a row was removed or moved)",
                chain,
            )
            return
        content = _content(row_chain, actor_id, label, ref, sections, action, outcome, request_id)
        if link(previous, row_seq, content, at) != bytes(value):
            yield BrokenLink(
                event_id,
                "its content no longer matches its hash (the row was edited or replaced)",
                chain,
            )
            return
        seq, previous, count = row_seq, bytes(value), count + 1
    if chain is not None:
        yield chain, seq, previous, count


def _headless(head, anchors) -> BrokenLink | None:
    """A head whose chain has no event left: fine when every event was archived."""
    chain, seq, value = head
    if anchors.get(chain) == (seq, value):
        return None
    return BrokenLink(None, f"the record's chain of {seq} events is gone (deleted whole)", chain)


def verify(batch_size: int = 5000) -> Verified:
    """Walk every chain against its head, then the checkpoints; the first broken link."""
    anchors = _anchors()
    heads = _heads(batch_size)
    head = next(heads, None)
    events = chains = 0

    def broken(link: BrokenLink) -> Verified:
        return Verified(events, chains, 0, link)

    for walked in _walk_chains(batch_size, anchors):
        if isinstance(walked, BrokenLink):
            return broken(walked)
        chain, seq, last, count = walked
        while head is not None and head[0] < chain:
            if lost := _headless(head, anchors):
                return broken(lost)
            head = next(heads, None)
        if head is None or head[0] != chain:
            return broken(BrokenLink(None, "this chain has no head (written outside)", chain))
        if (head[1], head[2]) != (seq, last):
            return broken(
                BrokenLink(
                    None,
                    f"the chain ends at event {seq} but its head is event {head[1]} "
                    "(events were removed from its end)",
                    chain,
                )
            )
        events, chains = events + count, chains + 1
        head = next(heads, None)
    while head is not None:
        if lost := _headless(head, anchors):
            return broken(lost)
        head = next(heads, None)
    checked, failure, last_point = _verify_checkpoints(batch_size)
    return Verified(events, chains, checked, failure, last_point)


def _verify_checkpoints(batch_size: int) -> tuple[int, BrokenLink | None, AccessCheckpoint | None]:
    previous, checked, point = "", 0, None
    for point in AccessCheckpoint.objects.order_by("id").iterator(chunk_size=100):
        rows = AccessCheckpointHead.objects.filter(checkpoint=point).order_by("chain")
        heads = rows.values_list("chain", "seq", "hash")
        digest = _heads_digest(heads.iterator(chunk_size=batch_size))
        if digest != bytes(point.digest) or len(heads) != point.chains:
            return (
                checked,
                BrokenLink(None, f"checkpoint {point.pk}: its heads were altered"),
                point,
            )
        if not hmac.compare_digest(
            _signature(previous, point.at, point.chains, digest), point.signature
        ):
            return (
                checked,
                BrokenLink(
                    None,
                    f"checkpoint {point.pk}: its signature does not hold (a checkpoint "
                    "was removed, edited or forged, or ACCESS_LOG_KEY changed)",
                ),
                point,
            )
        previous, checked = point.signature, checked + 1
    with connection.cursor() as cursor:  # every head a checkpoint signed is still there
        cursor.execute(
            """SELECT c.checkpoint_id, c.chain, c.seq FROM network_accesscheckpointhead c
               LEFT JOIN LATERAL (
                   SELECT e.hash FROM network_accessevent e
                   WHERE e.seq = c.seq AND (CASE WHEN c.chain = 0 THEN e.dossier_id IS NULL
                                                 ELSE e.dossier_id = c.chain END)
                   LIMIT 1) e ON true
               WHERE e.hash IS DISTINCT FROM c.hash AND NOT EXISTS (
                   SELECT 1 FROM network_accessarchiveanchor a
                   WHERE a.chain = c.chain AND a.seq >= c.seq)
               LIMIT 1"""
        )
        missing = cursor.fetchone()
    if missing:
        return (
            checked,
            BrokenLink(
                None,
                f"checkpoint {missing[0]} signed event {missing[2]} of this chain, which is "
                "gone or altered",
                missing[1],
            ),
            point,
        )
    return checked, None, point


def verify_chain(batch_size: int = 5000) -> tuple[int, BrokenLink | None]:
    """The number of events checked and the first broken link, if any (``verify``)."""
    result = verify(batch_size)
    return result.events, result.broken


# --- archiving a month ----------------------------------------------------------------------


class ArchiveRefused(Exception):
    """This month may not be archived now; the message says why and what to do."""


def archive(month: datetime.date, folder: Path) -> AccessArchive:
    """Move one month of the access log out of the database: check the whole log, write
    the month's events to ``folder`` (gzipped CSV, its SHA-256 recorded), record per chain
    the last event it held (``AccessArchiveAnchor``, where verification resumes), then
    detach and drop the month's partition. Only the oldest month, and only one that ended
    more than a month ago."""
    from network import partitions

    month = partitions.month_start(month)
    have = partitions.existing()
    this_month = partitions.month_start(timezone.now().astimezone(datetime.UTC).date())
    if month not in have:
        raise ArchiveRefused(f"There is no partition for {month:%Y-%m} (or it was archived).")
    if partitions.next_month(partitions.next_month(month)) > this_month:
        raise ArchiveRefused(f"{month:%Y-%m} ended less than a month ago: keep it online.")
    if month != min(have):
        raise ArchiveRefused(f"Archive the oldest month first: {min(have):%Y-%m}.")
    end = datetime.datetime.combine(partitions.next_month(month), datetime.time(), datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM network_accessevent_default WHERE at < %s LIMIT 1", [end])
        if cursor.fetchone():
            raise ArchiveRefused(
                "The default partition holds events of this month or before: they would be "
                "left behind. Keep the month online."
            )
    checked = verify()
    if checked.broken is not None:
        raise ArchiveRefused(
            f"The access log does not verify ({checked.broken.reason}): archive nothing; "
            "run verify_access_log and report it."
        )
    table = have[month]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"access-log-{month:%Y-%m}.csv.gz"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        cursor.execute(
            f"SELECT DISTINCT ON (coalesce(dossier_id, 0)) coalesce(dossier_id, 0), seq, hash "
            f"FROM {table} ORDER BY coalesce(dossier_id, 0), seq DESC"
        )
        anchors = cursor.fetchall()
        cursor.execute(f"SELECT count(*) FROM {table}")
        events = cursor.fetchone()[0]
        digest = hashlib.sha256()
        with (
            gzip.open(path, "wb") as out,
            cursor.copy(
                f"COPY (SELECT * FROM {table} ORDER BY coalesce(dossier_id, 0), seq) "
                "TO STDOUT WITH (FORMAT csv, HEADER)"
            ) as copy,
        ):
            for data in copy:
                out.write(data)
        with path.open("rb") as written:
            for block in iter(lambda: written.read(1 << 20), b""):
                digest.update(block)
        record = AccessArchive.objects.create(
            month=month,
            archived_at=timezone.now(),
            events=events,
            file_name=path.name,
            file_sha256=digest.hexdigest(),
        )
        AccessArchiveAnchor.objects.bulk_create(
            [
                AccessArchiveAnchor(archive=record, chain=chain, seq=seq, hash=bytes(value))
                for chain, seq, value in anchors
            ],
            batch_size=5000,
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check left on it
        cursor.execute(f"ALTER TABLE network_accessevent DETACH PARTITION {table}")
        cursor.execute(f"DROP TABLE {table}")
    return record
