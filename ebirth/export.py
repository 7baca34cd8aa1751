"""The eBirth export: claim the births' messages for a batch, then write the batch's files.

1. **Claim**, a chunk of births per transaction (with the batch's progress; the births are
   read through one cursor that outlives those transactions): a complete birth gets its
   message of each kind once — the key (birth, kind, revision) is unique — and a birth
   changed since its last message gets a correction naming the original. An incomplete
   birth is held back (it is on its midwife's worklist). Each message is validated against
   the schema, then stored with the content sent.
2. **Write** the files from the stored messages only (XML as validated, two CSV files,
   FHIR bundles as NDJSON) into a scratch folder, checksum them, move the folder into place
   and mark the batch done in one transaction.

One export runs at a time (a PostgreSQL advisory lock, released by the server if the worker
dies). A batch left unfinished by a dead worker is finished by the next run: claiming goes
on where the last committed chunk ended and the files are written again from the same
messages — the same files, each birth exactly once. A running batch holds a lease
(``leased_until``), renewed with each chunk: when it runs out the worker is gone, and a
registrar's "Exporteren" takes the batch over at once (ebirth/views.py)."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from psycopg import sql

from dossier.models import Newborn
from ebirth import completeness, content, fhir, formats
from ebirth.births import CHANGED_AT, REGISTRABLE, Birth, birth_maker, births
from ebirth.models import (
    BatchStatus,
    ExportBatch,
    ExportedMessage,
    ExportFile,
    FileFormat,
    MessageKind,
)

log = logging.getLogger(__name__)

_EXPORT_LOCK = 0x45425254  # "EBRT": one export at a time
_NUMBER_LOCK = 0x4542524E  # "EBRN": one new batch number at a time
_CURSOR = "ebirth_claim"  # the claim's cursor over the candidates
# A failed batch is tried again by the next run: its claimed messages must still leave.
UNFINISHED = (BatchStatus.QUEUED, BatchStatus.RUNNING, BatchStatus.FAILED)
FILE_NAMES = {
    FileFormat.XML: "{name}.xml",
    FileFormat.CSV_NOTIFICATION: "{name}-notifications.csv",
    FileFormat.CSV_STATISTICAL: "{name}-statistical-forms.csv",
    FileFormat.FHIR: "{name}-fhir.ndjson",
}
CSV_OF = {
    MessageKind.NOTIFICATION: FileFormat.CSV_NOTIFICATION,
    MessageKind.STATISTICAL: FileFormat.CSV_STATISTICAL,
}


class ExportBusy(Exception):
    """Another export is running; this one would only wait for it."""


@contextlib.contextmanager
def export_lock() -> Iterator[None]:
    """Hold the export lock for the block, or raise ``ExportBusy`` at once."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_EXPORT_LOCK])
        if not cursor.fetchone()[0]:
            raise ExportBusy
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_EXPORT_LOCK])


# --- which births need a message ------------------------------------------------------------


def candidates(*, born=None):
    """The registrable births with no message yet, or changed (newborn, delivery,
    pregnancy, mother) since the data their last message was built from: the only ones
    worth building messages for. Unchanged content is not sent again (its hash).
    ``born``: only the births of a period, a (start, end) pair of datetimes, end excluded."""
    last = (
        ExportedMessage.objects.filter(newborn_id=OuterRef("pk"))
        .order_by("-source_changed_at")
        .values("source_changed_at")[:1]
    )
    exported = Exists(ExportedMessage.objects.filter(newborn_id=OuterRef("pk")))
    newborns = Newborn.objects.filter(REGISTRABLE)
    if born is not None:
        newborns = newborns.filter(
            dossier__delivery__born_at__gte=born[0], dossier__delivery__born_at__lt=born[1]
        )
    return newborns.alias(changed_at=CHANGED_AT).filter(~exported | Q(changed_at__gt=last))


def new_batch(requested_by=None) -> ExportBatch:
    """A queued batch with the next number (numbers never repeat: a unique column)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NUMBER_LOCK])
        highest = ExportBatch.objects.aggregate(n=Max("number"))["n"]
        return ExportBatch.objects.create(number=(highest or 0) + 1, requested_by=requested_by)


def lease_until():
    """When a lease taken or renewed now runs out."""
    return timezone.now() + datetime.timedelta(seconds=settings.EBIRTH_EXPORT_LEASE_SECONDS)


# --- 1. claim ---------------------------------------------------------------------------------


def _latest(newborn_ids: list[int]) -> dict[tuple[int, str], ExportedMessage]:
    latest: dict[tuple[int, str], ExportedMessage] = {}
    for message in (
        ExportedMessage.objects.filter(newborn_id__in=newborn_ids)
        .only("id", "newborn_id", "kind", "revision", "content_hash", "corrects_id")
        .order_by("revision")
    ):
        latest[(message.newborn_id, message.kind)] = message
    return latest


# The columns the claim stores a message in (``COPY``), in the order of ``_messages_for``.
MESSAGE_COLUMNS = (
    "batch",
    "newborn",
    "kind",
    "revision",
    "key",
    "message_id",
    "corrects",
    "content",
    "content_hash",
    "source_changed_at",
    "created_at",
)


def _messages_for(batch: ExportBatch, birth: Birth, latest, now) -> list[tuple]:
    """The birth's new messages, each as its row of ``MESSAGE_COLUMNS`` (the content as
    JSON) and as the message the schema is to check."""
    messages = []
    for kind, build in content.BUILDERS.items():
        body = build(birth)
        digest = content.content_hash(body)
        previous = latest.get((birth.newborn_id, kind))
        if previous is not None and previous.content_hash == digest:
            continue  # already sent as it is
        revision = 0 if previous is None else previous.revision + 1
        original = None if previous is None else (previous.corrects_id or previous.id)
        key = content.message_key(birth.newborn_public_id, kind, revision)
        message_id = content.message_id(key)
        corrects = (
            None
            if original is None
            else content.message_id(content.message_key(birth.newborn_public_id, kind, 0))
        )
        messages.append(
            (
                (
                    batch.pk,
                    birth.newborn_id,
                    kind,
                    revision,
                    key,
                    message_id,
                    original,
                    json.dumps(body),
                    digest,
                    birth.changed_at,
                    now,
                ),
                formats.Message(kind, message_id, revision, corrects, body),
            )
        )
    return messages


@contextlib.contextmanager
def _message_store() -> Iterator[Callable[[tuple], None]]:
    """``store(message)``: insert a message (a row of ``MESSAGE_COLUMNS``) with ``COPY``,
    sent on while the next ones are built (``bulk_create`` spent most of the claim's time
    quoting the contents into one statement)."""
    meta = ExportedMessage._meta
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(meta.db_table),
        sql.SQL(", ").join(sql.Identifier(meta.get_field(name).column) for name in MESSAGE_COLUMNS),
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        yield copy.write_row


@contextlib.contextmanager
def _candidate_births(born=None) -> Iterator[Callable[[int], list[tuple[Birth, bool]]]]:
    """``fetch(n)``: the next ``n`` births that need a message (by newborn id), each with
    whether it had one before, read from one query: a cursor ``WITH HOLD``, which outlives
    the chunks' transactions (a query per chunk found the candidates again each time: a
    year's births took minutes)."""
    sent = Exists(ExportedMessage.objects.filter(newborn_id=OuterRef("pk")))
    query, params = births(candidates(born=born)).annotate(sent=sent).query.sql_with_params()
    with connection.cursor() as cursor:
        # Without JIT: compiling the query took longer than running it (a year's births).
        cursor.execute("SELECT current_setting('jit')")
        jit = cursor.fetchone()[0]
        cursor.execute("SET jit = off")
        try:
            cursor.execute(f"DECLARE {_CURSOR} NO SCROLL CURSOR WITH HOLD FOR {query}", params)
        finally:
            with contextlib.suppress(DatabaseError):  # (undone with a failed transaction)
                cursor.execute("SELECT set_config('jit', %s, false)", [jit])

        def fetch(size: int) -> list[tuple[Birth, bool]]:
            cursor.execute(f"FETCH FORWARD {int(size)} FROM {_CURSOR}")
            names = [column.name for column in cursor.description]
            if names[-1] != "sent":
                raise RuntimeError(f"the claim's query has changed: {names}")
            make = birth_maker(names[:-1])
            return [(make(row[:-1]), row[-1]) for row in cursor.fetchall()]

        try:
            yield fetch
        finally:
            with contextlib.suppress(DatabaseError):  # gone with a failed transaction
                cursor.execute(f"CLOSE {_CURSOR}")


def _claim_chunk(batch: ExportBatch, chunk: list[tuple[Birth, bool]], pool: Executor) -> None:
    """Claim a chunk of births (each with whether it had a message before) in one
    transaction, with the batch's progress."""
    with transaction.atomic():
        sent = [birth.newborn_id for birth, had_one in chunk if had_one]
        latest = _latest(sent) if sent else {}
        held_back, now = 0, timezone.now()
        # Each message checked against the schema before the chunk is committed: one the
        # schema refuses is a mapping bug and stops the batch (with the message's id)
        # instead of leaving with the files.
        with _message_store() as store, formats.checking(pool) as check:
            for birth, _had_one in chunk:
                if completeness.problems(birth):
                    held_back += 1
                    continue
                for row, message in _messages_for(batch, birth, latest, now):
                    check(message)
                    store(row)
        ExportBatch.objects.filter(pk=batch.pk).update(
            births_checked=F("births_checked") + len(chunk),
            births_held_back=F("births_held_back") + held_back,
            leased_until=lease_until(),
        )


def claim(batch: ExportBatch, *, born=None) -> None:
    """Claim every birth that needs a message (``born``: of that period only, as in
    ``candidates``). Resumable: a birth claimed by this batch in an earlier, interrupted run
    has no change since, so it is not a candidate again."""
    size = settings.EBIRTH_EXPORT_CHUNK
    with _candidate_births(born) as fetch, ThreadPoolExecutor(1, "ebirth-schema") as pool:
        while chunk := fetch(size):
            _claim_chunk(batch, chunk, pool)


# --- 2. write ---------------------------------------------------------------------------------


def _stored_messages(batch: ExportBatch, kind: str) -> Iterator[formats.Message]:
    """The batch's messages of one kind in a fixed order, a page at a time (flat memory)."""
    originals = ExportedMessage.objects.filter(pk=OuterRef("corrects_id")).values("message_id")
    after, size = 0, settings.EBIRTH_EXPORT_CHUNK
    with connection.cursor() as cursor:  # the rows as they are, the content decoded here
        while True:
            page = (
                batch.messages.filter(kind=kind, id__gt=after)
                .order_by("id")
                .annotate(original=originals)
                .values_list("id", "message_id", "revision", "original", "content")[:size]
            )
            cursor.execute(*page.query.sql_with_params())
            rows = cursor.fetchall()
            if not rows:
                return
            for _id, message_id, revision, original, body in rows:
                yield formats.Message(kind, message_id, revision, original, json.loads(body))
            after = rows[-1][0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_files(batch: ExportBatch, folder: Path) -> dict[str, Path]:
    paths = {fmt: folder / pattern.format(name=batch.name) for fmt, pattern in FILE_NAMES.items()}
    written = 0
    with contextlib.ExitStack() as files:
        xml = files.enter_context(paths[FileFormat.XML].open("w", encoding="utf-8"))
        ndjson = files.enter_context(paths[FileFormat.FHIR].open("w", encoding="utf-8"))
        start, end = formats.export_document(batch.number)
        xml.write(start)
        for kind in MessageKind.values:  # the schema's order: notifications first
            columns = formats.csv_columns(kind)
            with paths[CSV_OF[kind]].open("w", encoding="utf-8", newline="") as table:
                rows = formats.csv_writer(table)  # formulas neutralised
                rows.writerow(columns)
                for message in _stored_messages(batch, kind):
                    walked = formats.walk(message.content)  # once for the three writers
                    xml.write(formats.xml_text(message, walked))  # validated when claimed
                    rows.writerow(formats.csv_row(message, columns, walked))
                    ndjson.write(fhir.bundle_json(message, walked) + "\n")
                    written += 1
                    if written % settings.EBIRTH_EXPORT_CHUNK == 0:
                        ExportBatch.objects.filter(pk=batch.pk).update(
                            messages_written=written, leased_until=lease_until()
                        )
        xml.write(end)
    ExportBatch.objects.filter(pk=batch.pk).update(messages_written=written)
    return paths


def batch_folder(batch: ExportBatch) -> Path:
    return Path(settings.EBIRTH_EXPORT_DIR) / batch.name


def write(batch: ExportBatch) -> None:
    """Write the batch's files from its messages, then publish them with their checksums.
    A crash before the last step leaves only a scratch folder, which the rerun replaces."""
    final = batch_folder(batch)
    scratch = final.with_name(final.name + ".partial")
    for leftover in (scratch, final):
        shutil.rmtree(leftover, ignore_errors=True)
    scratch.mkdir(parents=True)
    paths = _write_files(batch, scratch)
    scratch.rename(final)
    with transaction.atomic():
        batch.files.all().delete()
        ExportFile.objects.bulk_create(
            ExportFile(
                batch=batch,
                format=fmt,
                name=path.name,
                size=(final / path.name).stat().st_size,
                sha256=_sha256(final / path.name),
            )
            for fmt, path in paths.items()
        )
        ExportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.DONE, finished_at=timezone.now(), error="", leased_until=None
        )


# --- the run ----------------------------------------------------------------------------------


def run(batch: ExportBatch, *, born=None) -> ExportBatch | None:
    """Claim and write one batch (queued, or left running by a dead worker). A scheduled
    batch that found nothing to send is removed again (None): no empty batches pile up.
    ``born``: the births of that period only (see ``candidates``; the benchmark's year)."""
    # The counters start again from what is committed: the births this batch has claimed
    # (a resumed batch's earlier chunks) are checked; a birth held back or unchanged then is
    # a candidate again and is counted once more, when it is checked again; the files are
    # written again from the start.
    claimed = batch.messages.order_by().values("newborn_id").distinct().count()
    ExportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING,
        started_at=batch.started_at or timezone.now(),
        finished_at=None,
        error="",
        leased_until=lease_until(),
        births_checked=claimed,
        births_held_back=0,
        messages_written=0,
        births_to_check=claimed + candidates(born=born).count(),
    )
    try:
        claim(batch, born=born)
        if not batch.messages.exists():
            if batch.requested_by_id is None:
                batch.delete()
                return None
            ExportBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.DONE, finished_at=timezone.now(), leased_until=None
            )
        else:
            write(batch)
    except Exception as error:
        ExportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED,
            finished_at=timezone.now(),
            error=str(error)[:500],
            leased_until=None,
        )
        log.exception("eBirth export %s failed", batch)
        raise
    batch.refresh_from_db()
    return batch


def export(*, scheduled: bool) -> list[ExportBatch]:
    """What the task does: under the lock, finish every unfinished batch (a registrar's
    request among them, also one queued while this run was busy) and — on the schedule's
    run — a new batch if any birth needs a message. Raises ``ExportBusy`` while another
    export runs (a request queued then is picked up before that export ends)."""
    done, tried, may_start = [], set(), scheduled
    with export_lock():
        while True:
            batch = (
                ExportBatch.objects.filter(status__in=UNFINISHED)
                .exclude(pk__in=tried)
                .order_by("number")
                .first()
            )
            if batch is None and may_start and candidates().exists():
                batch, may_start = new_batch(), False
            if batch is None:
                return [batch for batch in done if batch is not None]
            tried.add(batch.pk)
            done.append(run(batch))
