"""Production refuses unsafe defaults; development starts its own embedded PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "from django.db import connection; print(settings.ENVIRONMENT, settings.DEBUG, "
    "connection.settings_dict['HOST'])"
)


def start(env: dict, code: str = PROBE) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMBEDDED_"))
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "s" * 50,
    "DJANGO_ALLOWED_HOSTS": "dossier.example.be",
    "DATABASE_URL": "postgres://app:pw@db:5432/moederschapsdossier",
    "REDIS_URL": "redis://redis:6379/0",
}


def test_production_starts_with_everything_set():
    result = start(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["production", "False", "db"]


@pytest.mark.parametrize(
    ("missing", "hint"),
    [
        ("DJANGO_SECRET_KEY", "refuses to start with a default key"),
        ("DATABASE_URL", "DATABASE_URL is not set"),
        ("REDIS_URL", "REDIS_URL is not set"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS is not set"),
    ],
)
def test_production_refuses_to_start_without(missing, hint):
    result = start({k: v for k, v in PRODUCTION.items() if k != missing})
    assert result.returncode != 0
    assert hint in result.stderr


def test_an_unknown_environment_is_refused():
    result = start({"DJANGO_ENV": "staging"})
    assert result.returncode != 0 and "DJANGO_ENV='staging' is unknown" in result.stderr


def test_development_without_database_url_starts_an_embedded_postgresql(tmp_path):
    code = PROBE + "; connection.ensure_connection(); print(connection.pg_version)"
    pgdata = tmp_path / "pg"
    first = start({"DJANGO_ENV": "development", "EMBEDDED_PGDATA": str(pgdata)}, code)
    assert first.returncode == 0, first.stderr
    environment, debug, host, version = first.stdout.split()
    assert (environment, debug) == ("development", "True")
    assert host == str(pgdata) and int(version) >= 150000
    # The data folder is kept: a second start finds the same cluster, no new initdb.
    marker = (pgdata / "PG_VERSION").stat().st_mtime
    second = start({"DJANGO_ENV": "development", "EMBEDDED_PGDATA": str(pgdata)}, code)
    assert second.returncode == 0, second.stderr
    assert (pgdata / "PG_VERSION").stat().st_mtime == marker
    # `make stop-db` stops it and keeps the data.
    stop = "from config.database import stop_embedded_server as s; print(s()); print(s())"
    stopped = start({"EMBEDDED_PGDATA": str(pgdata)}, stop)
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.splitlines() == [
        f"The embedded PostgreSQL in {pgdata} has stopped; its data are kept.",
        f"The embedded PostgreSQL in {pgdata} is not running.",
    ]
    assert (pgdata / "PG_VERSION").exists()
