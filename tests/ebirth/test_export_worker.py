"""A real Celery worker against the real Redis, killed with SIGKILL in the middle of a
batch — while claiming births, or after writing the files but before publishing them: what
it had committed stays, what it was doing is rolled back, and the next run finishes the
batch — every birth exactly once, and the very files an uninterrupted export writes."""

import signal
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection

from ebirth import export
from ebirth.models import BatchStatus, ExportBatch, ExportedMessage, MessageKind
from ebirth.tasks import export_births
from tests.conftest import route_celery
from tests.ebirth.conftest import complete_birth
from tests.workers import start_worker, wait_until

BIRTHS, CHUNK = 12, 3  # four chunks; the worker is stopped in the third


def other_connection():
    database = connection.settings_dict
    return psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    )


def blocked_backend(db):
    """The worker's database session while it waits for the test's row lock."""
    row = db.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    ).fetchone()
    return row[0] if row else None


def exported_files(export_dir: Path) -> dict[str, bytes]:
    folder = export_dir / "ebirth-000001"
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def hold_a_birth(lock, newborns):
    """Hold the 8th birth (in the third chunk): committing its messages waits for it."""
    lock.execute("SELECT id FROM dossier_newborn WHERE id = %s FOR UPDATE", [newborns[7].id])


def hold_the_file_list(lock, newborns):
    """Hold the table of published files: the worker writes every file, then waits."""
    lock.execute("LOCK TABLE ebirth_exportfile IN ACCESS EXCLUSIVE MODE")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("hold", [hold_a_birth, hold_the_file_list])
def test_a_worker_killed_mid_batch_then_a_rerun_exports_every_birth_once(
    tmp_path, redis_url, settings, hold
):
    newborns = [newborn for _ in range(BIRTHS) for newborn in complete_birth()]
    settings.EBIRTH_EXPORT_CHUNK = CHUNK
    export_dir = tmp_path / "worker"
    route_celery(redis_url, eager=False)
    redis.Redis.from_url(redis_url).flushdb()
    lock = other_connection()
    environment = {"EBIRTH_EXPORT_DIR": str(export_dir), "EBIRTH_EXPORT_CHUNK": str(CHUNK)}
    worker = start_worker(redis_url, **environment)
    try:
        hold(lock, newborns)
        export_births.apply_async(kwargs={"scheduled": True})
        with other_connection() as watch:
            watch.autocommit = True
            backend = wait_until(lambda: blocked_backend(watch))
            assert backend, "the worker never reached the third chunk"
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            lock.rollback()  # the dead worker's session wakes up, finds no client, rolls back
            assert wait_until(
                lambda: (
                    not watch.execute(
                        "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]
                    ).fetchone()
                )
            )

        batch = ExportBatch.objects.get()
        assert batch.status == BatchStatus.RUNNING  # left behind by the dead worker
        # Whole chunks only, their progress with them: nothing half-done. (The foreign
        # key is checked at COMMIT, so the worker was stopped while committing the third
        # chunk — which PostgreSQL completes, the COMMIT having arrived before the kill.)
        claimed = batch.messages.count()
        assert claimed % (2 * CHUNK) == 0 and batch.births_checked == claimed // 2
        assert not batch.files.exists()
        if hold is hold_a_birth:
            assert 0 < claimed < 2 * BIRTHS and not (export_dir / batch.name).exists()
        else:  # every message claimed and the files in place, but never published
            assert claimed == 2 * BIRTHS and (export_dir / batch.name).exists()

        worker = start_worker(redis_url, **environment)
        export_births.apply_async(kwargs={"scheduled": True})  # the schedule's next run
        assert wait_until(
            lambda: ExportBatch.objects.filter(status=BatchStatus.DONE).exists(), seconds=90
        ), "the rerun did not finish"
    finally:
        lock.close()
        worker.kill()
        worker.wait(timeout=30)
        route_celery(redis_url, eager=True)

    assert ExportBatch.objects.count() == 1
    per_birth = {(m.newborn_id, m.kind) for m in ExportedMessage.objects.all()}
    assert ExportedMessage.objects.count() == len(per_birth) == 2 * BIRTHS
    assert per_birth == {(n.id, kind) for n in newborns for kind in MessageKind.values}
    interrupted = exported_files(export_dir)

    # The same export without interruption, from scratch: the same bytes.
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE ebirth_exportfile, ebirth_exportedmessage, "
            "ebirth_exportbatch RESTART IDENTITY"
        )
    settings.EBIRTH_EXPORT_DIR = tmp_path / "uninterrupted"
    export.export(scheduled=True)
    assert exported_files(tmp_path / "uninterrupted") == interrupted
    assert len(interrupted) == 4
