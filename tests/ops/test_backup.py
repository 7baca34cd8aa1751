"""Backup and restore against the real PostgreSQL: a backup restored into a fresh database
holds the same rows, an access log whose chain verifies and byte-identical export files;
a restore refuses a database that is not empty and a damaged backup."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError

from dossier.models import Mother
from ebirth import export
from ebirth.models import BatchStatus, ExportBatch
from network import audit
from network.management.backup import DUMP, MANIFEST, sha256
from network.models import AccessEvent
from tests.ebirth.conftest import complete_birth
from tests.factories import DossierFactory, UserFactory


@pytest.fixture
def export_dir(settings, tmp_path):
    settings.EBIRTH_EXPORT_DIR = tmp_path / "ebirth"
    return settings.EBIRTH_EXPORT_DIR


def some_records(export_dir):
    """Records, an access log and a finished eBirth export with its files."""
    registrar = UserFactory(username="rita")
    registrar.user_permissions.add(Permission.objects.get(codename="run_export"))
    complete_birth()
    complete_birth(fetuses=2)
    for dossier in [DossierFactory() for _ in range(3)]:
        audit.record_read(registrar, dossier, ["identity", "prenatal"])
    [batch] = export.export(scheduled=True)
    assert batch.status == BatchStatus.DONE
    return batch


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_is_the_same(
    tmp_path, export_dir, fresh_database, other_database_connection
):
    batch = some_records(export_dir)
    events = AccessEvent.objects.count()
    call_command("backup", str(tmp_path / "backup"))

    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
    assert manifest["version"] and manifest["migrations"]["dossier"]
    assert manifest["tables"]["network_accessevent"] == events
    assert manifest["tables"]["ebirth_exportedmessage"] == batch.messages.count() > 0
    exported = {f"files/{batch.name}/{f.name}": f.sha256 for f in batch.files.all()}
    assert len(exported) == 4 and exported.items() <= manifest["files"].items()
    assert manifest["files"][DUMP] == sha256(tmp_path / "backup" / DUMP)

    restored_files = tmp_path / "restored"
    call_command(
        "restore",
        str(tmp_path / "backup"),
        database_url=fresh_database.url(),
        files_dir=str(restored_files),
    )

    with other_database_connection(fresh_database) as conn:
        assert conn.execute("SELECT count(*) FROM network_accessevent").fetchone()[0] == events
        names = conn.execute("SELECT family_name FROM dossier_mother ORDER BY id").fetchall()
        assert names == [
            (n,) for n in Mother.objects.order_by("id").values_list("family_name", flat=True)
        ]
        # the append-only triggers came back with the rows
        with pytest.raises(Exception, match=r"append-only|not allowed"):
            conn.execute("DELETE FROM network_accessevent")
    for folder in (export.batch_folder(batch),):
        for file in folder.iterdir():
            copy = restored_files / folder.name / file.name
            assert copy.read_bytes() == file.read_bytes()


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_database_that_is_not_empty(
    tmp_path, export_dir, fresh_database, other_database_connection
):
    some_records(export_dir)
    call_command("backup", str(tmp_path / "backup"))
    with other_database_connection(fresh_database) as conn:
        conn.execute("CREATE TABLE something_else (id int)")
    with pytest.raises(CommandError, match="is not empty"):
        call_command(
            "restore",
            str(tmp_path / "backup"),
            database_url=fresh_database.url(),
            files_dir=str(tmp_path / "restored"),
        )
    assert not (tmp_path / "restored").exists()


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_not_restored(
    tmp_path, export_dir, fresh_database, other_database_connection
):
    batch = some_records(export_dir)
    call_command("backup", str(tmp_path / "backup"))
    damaged = next((tmp_path / "backup" / "files" / batch.name).iterdir())
    damaged.write_bytes(damaged.read_bytes() + b" ")
    with pytest.raises(CommandError, match="damaged"):
        call_command(
            "restore",
            str(tmp_path / "backup"),
            database_url=fresh_database.url(),
            files_dir=str(tmp_path / "restored"),
        )
    with other_database_connection(fresh_database) as conn:
        assert (
            conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
            == 0
        )


@pytest.mark.django_db(transaction=True)
def test_a_backup_stops_when_an_export_file_changed_on_disk(tmp_path, export_dir):
    batch = some_records(export_dir)
    file = next(export.batch_folder(batch).iterdir())
    file.write_bytes(b"edited")
    with pytest.raises(CommandError, match="no longer matches its checksum"):
        call_command("backup", str(tmp_path / "backup"))
    assert not (tmp_path / "backup").exists()
    assert not (tmp_path / "backup.partial").exists()
    assert ExportBatch.objects.count() == 1
