"""The export job in-process (Celery eager): each birth and message kind once, incomplete
births held back, corrections that name the first message, files that pass the schema and
match their checksums, one export at a time, and who may start and download exports —
each download in the access log."""

import csv
import hashlib
import json
import time

import psycopg
import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree

from dossier.models import Newborn
from ebirth import export, formats
from ebirth.models import BatchStatus, ExportBatch, ExportedMessage, FileFormat, MessageKind
from ebirth.tasks import export_births
from network.models import AccessEvent, Action
from tests.ebirth.conftest import complete_birth
from tests.factories import ProfessionalFactory, UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar():
    user = UserFactory(username="rita")
    user.user_permissions.add(Permission.objects.get(codename="run_export"))
    return user


def files_of(batch):
    folder = export.batch_folder(batch)
    return {f.format: (folder / f.name, f) for f in batch.files.all()}


def test_each_complete_birth_leaves_once_and_an_incomplete_one_waits():
    twins = complete_birth(fetuses=2)
    (incomplete,) = complete_birth(newborn={"congenital_anomaly": ""})
    (batch,) = export_births()
    batch = ExportBatch.objects.get(number=1)
    assert batch.status == BatchStatus.DONE and batch.name == "ebirth-000001"
    sent = set(batch.messages.values_list("newborn_id", "kind", "revision"))
    assert sent == {(n.id, kind, 0) for n in twins for kind in MessageKind.values}
    assert batch.births_held_back == 1 and batch.births_checked == 3
    assert not ExportedMessage.objects.filter(newborn=incomplete).exists()

    assert export_births() == []  # the schedule's next run: nothing new, no batch
    assert ExportBatch.objects.count() == 1 and ExportedMessage.objects.count() == 4

    Newborn.objects.filter(pk=incomplete.pk).update(congenital_anomaly="none")
    assert export_births() == ["ebirth-000002"]
    second = ExportBatch.objects.get(number=2)
    assert set(second.messages.values_list("newborn_id", flat=True)) == {incomplete.id}


def test_the_files_pass_the_schema_and_match_their_checksums():
    newborns = complete_birth(fetuses=2) + complete_birth()
    export_births()
    batch = ExportBatch.objects.get()
    files = files_of(batch)
    assert set(files) == set(FileFormat.values)
    for path, stored in files.values():
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == stored.sha256 and len(data) == stored.size

    document = etree.parse(str(files[FileFormat.XML][0]))
    formats.schema().assertValid(document)
    root = document.getroot()
    assert root.get("batch") == "1"
    kinds = [etree.QName(node).localname for node in root]
    assert kinds == ["birthNotification"] * 3 + ["medicalStatisticalForm"] * 3

    for kind, fmt in export.CSV_OF.items():
        with files[fmt][0].open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert [row["birthReference"] for row in rows] == [str(n.public_id) for n in newborns]
        assert list(rows[0]) == formats.csv_columns(kind)

    lines = files[FileFormat.FHIR][0].read_text().splitlines()
    assert len(lines) == 6
    assert {json.loads(line)["resourceType"] for line in lines} == {"Bundle"}


def test_a_change_after_export_leaves_as_a_correction_naming_the_first_message():
    (newborn,) = complete_birth()
    export_births()
    original = ExportedMessage.objects.get(newborn=newborn, kind=MessageKind.STATISTICAL)

    newborn.refresh_from_db()
    newborn.birth_weight_g = 3550
    newborn.save()
    assert export_births() == ["ebirth-000002"]
    (correction,) = ExportBatch.objects.get(number=2).messages.all()
    assert correction.kind == MessageKind.STATISTICAL  # the notification holds no weight
    assert (correction.revision, correction.corrects_id) == (1, original.id)
    assert correction.key == f"{newborn.public_id}:statistical:1"
    assert correction.content["child"]["birthWeightGrams"] == 3550

    newborn.birth_weight_g = 3600
    newborn.save()
    export_births()
    third = ExportedMessage.objects.get(newborn=newborn, kind=MessageKind.STATISTICAL, revision=2)
    assert third.corrects_id == original.id  # every correction names the first message

    xml = files_of(ExportBatch.objects.get(number=3))[FileFormat.XML][0]
    (node,) = etree.parse(str(xml)).getroot()
    assert node.get("corrects") == str(original.message_id) and node.get("revision") == "2"


def test_a_save_that_changes_nothing_sent_makes_no_correction():
    (newborn,) = complete_birth()
    export_births()
    mother = newborn.dossier.mother
    mother.phone = "0470 12 34 56"  # not in any message
    mother.save()
    assert export_births() == []
    assert ExportedMessage.objects.count() == 2


def test_the_idempotency_key_refuses_a_second_message_and_messages_never_change():
    (newborn,) = complete_birth()
    export_births()
    sent = ExportedMessage.objects.get(newborn=newborn, kind=MessageKind.NOTIFICATION)
    duplicate = ExportedMessage(
        batch=sent.batch,
        newborn=newborn,
        kind=sent.kind,
        revision=0,
        key=sent.key,
        message_id=sent.message_id,
        content=sent.content,
        content_hash=sent.content_hash,
        source_changed_at=sent.source_changed_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        ExportedMessage.objects.filter(pk=sent.pk).update(content={})
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        ExportedMessage.objects.filter(pk=sent.pk).delete()


def test_one_export_at_a_time():
    complete_birth()
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [export._EXPORT_LOCK])
        with pytest.raises(export.ExportBusy):
            export.export(scheduled=True)
        assert export_births() == []  # the task steps aside
        assert not ExportBatch.objects.exists()
    finally:
        other.close()  # the lock goes with its connection, as with a dead worker
    assert _lock_released(), "the server kept the lock of a closed connection"
    assert export_births() == ["ebirth-000001"]


def _lock_released(seconds=10):
    """The server drops a closed connection's locks a moment after the close."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = "
                "'advisory' AND objid = %s)",
                [export._EXPORT_LOCK],
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def test_a_failed_batch_is_finished_by_the_next_run(monkeypatch):
    complete_birth()
    monkeypatch.setattr(export, "_write_files", _broken_writer)
    with pytest.raises(OSError, match="disk full"):
        export_births()
    batch = ExportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED and "disk full" in batch.error
    assert batch.messages.count() == 2 and not batch.files.exists()
    monkeypatch.undo()
    assert export_births() == ["ebirth-000001"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.files.count() == 4
    assert ExportedMessage.objects.count() == 2


def _broken_writer(batch, folder):
    raise OSError("disk full")


def test_the_registrar_sees_a_failed_export_and_finishes_it(
    client, registrar, monkeypatch, django_capture_on_commit_callbacks
):
    complete_birth()
    monkeypatch.setattr(export, "_write_files", _broken_writer)
    with pytest.raises(OSError):
        export_births()
    monkeypatch.undo()
    in_english(client, registrar)
    page = client.get(reverse("ebirth:exports")).content.decode()
    assert "This export stopped" in page and "to finish it" in page and "disk full" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ebirth:export_start"), follow=True)
    assert "had failed; it is tried again" in response.content.decode()
    batch = ExportBatch.objects.get()
    assert batch.status == BatchStatus.DONE and batch.files.count() == 4 and not batch.error


# --- the pages ----------------------------------------------------------------------------------


def in_english(client, user):
    sign_in(client, user)
    client.cookies["django_language"] = "en"  # the texts asserted are the English ones


def test_only_a_registrar_reaches_the_exports(client, registrar):
    staff = UserFactory(username="admin-staff", is_staff=True)
    midwife = ProfessionalFactory().user
    for user in (staff, midwife):
        in_english(client, user)
        assert client.get(reverse("ebirth:exports")).status_code == 403
        assert client.post(reverse("ebirth:export_start")).status_code == 403
    in_english(client, registrar)
    page = client.get(reverse("ebirth:exports"))
    assert page.status_code == 200 and b"No export yet" in page.content


def test_a_registrar_starts_an_export_watches_it_and_downloads_with_the_access_logged(
    client, registrar, django_capture_on_commit_callbacks
):
    newborns = complete_birth(fetuses=2) + complete_birth()
    in_english(client, registrar)
    with django_capture_on_commit_callbacks(execute=True):  # the hand-over to the worker
        client.post(reverse("ebirth:export_start"))
    response = client.get(reverse("ebirth:exports"))
    batch = ExportBatch.objects.get()
    assert batch.status == BatchStatus.DONE and batch.requested_by == registrar
    assert b"sha256 " + batch.files.get(format=FileFormat.XML).sha256.encode() in response.content

    progress = client.get(reverse("ebirth:export_progress", args=[batch.public_id])).json()
    assert progress["percent"] == 100 and progress["messages"] == 6 and progress["finished"]

    before = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    download = client.get(
        reverse("ebirth:export_download", args=[batch.public_id, FileFormat.CSV_NOTIFICATION])
    )
    body = b"".join(download.streaming_content)
    stored = batch.files.get(format=FileFormat.CSV_NOTIFICATION)
    assert hashlib.sha256(body).hexdigest() == stored.sha256 == download["X-Checksum-SHA256"]
    logged = AccessEvent.objects.filter(pk__gt=before)
    dossiers = {n.dossier_id for n in newborns}
    assert sorted((e.dossier_id, e.sections, e.action, e.actor_id) for e in logged) == sorted(
        (d, ["delivery", "identity", "newborn"], Action.DOWNLOAD, registrar.pk) for d in dossiers
    )  # one event per record in the file

    assert (
        client.get(reverse("ebirth:export_download", args=[batch.public_id, "exe"])).status_code
        == 404
    )


def test_an_export_while_one_is_unfinished_is_not_started_twice(client, registrar):
    export.new_batch()  # queued: the worker has not picked it up yet
    in_english(client, registrar)
    response = client.post(reverse("ebirth:export_start"), follow=True)
    assert b"still running" in response.content
    assert ExportBatch.objects.count() == 1


def test_the_start_is_confirmed_and_a_broker_outage_only_delays_it(
    client, registrar, django_capture_on_commit_callbacks, monkeypatch
):
    complete_birth()
    monkeypatch.setattr(export_births, "apply_async", _broker_down)
    in_english(client, registrar)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ebirth:export_start"), follow=True)
    assert b"ebirth-000001 has started" in response.content
    batch = ExportBatch.objects.get()
    assert batch.status == BatchStatus.QUEUED and batch.requested_by == registrar
    assert export_births() == ["ebirth-000001"]  # the next scheduled run finishes it
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.messages.count() == 2


def _broker_down(*args, **kwargs):
    raise ConnectionRefusedError("redis://127.0.0.1:6390: connection refused")


def test_a_running_batch_shows_its_progress(client, registrar):
    complete_birth()
    batch = export.new_batch()
    ExportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, births_to_check=10, births_checked=4
    )
    in_english(client, registrar)
    page = client.get(reverse("ebirth:exports"))
    assert b'<progress max="100" value="20"' in page.content and b"disabled" in page.content
    progress = client.get(reverse("ebirth:export_progress", args=[batch.public_id])).json()
    assert (progress["percent"], progress["births_checked"], progress["finished"]) == (20, 4, False)


def test_a_request_queued_while_an_export_runs_is_finished_by_that_export(monkeypatch, registrar):
    complete_birth()
    real_run, requests = export.run, []

    def run_and_meanwhile_a_registrar_asks(batch):
        if not requests:  # the registrar clicks while the scheduled batch is being written
            requests.append(export.new_batch(requested_by=registrar))
        return real_run(batch)

    monkeypatch.setattr(export, "run", run_and_meanwhile_a_registrar_asks)
    assert export_births() == ["ebirth-000001", "ebirth-000002"]
    assert set(ExportBatch.objects.values_list("status", flat=True)) == {BatchStatus.DONE}
    assert ExportBatch.objects.get(number=2).messages.count() == 0  # nothing new by then


def test_the_exports_page_asks_the_same_queries_for_one_batch_or_twenty(client, registrar):
    complete_birth()
    export_births()
    in_english(client, registrar)
    client.get(reverse("ebirth:exports"))  # the session and permission caches warm up
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("ebirth:exports"))
    for _ in range(19):
        complete_birth()
        export_births()
    with CaptureQueriesContext(connection) as twenty:
        page = client.get(reverse("ebirth:exports"))
    assert page.content.count(b"sha256 ") == 20 * 4
    assert len(twenty.captured_queries) == len(one.captured_queries)
