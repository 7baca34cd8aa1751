"""Operations tests: a database of the test's own, created with a unique name on the same
PostgreSQL server and dropped afterwards."""

import uuid

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from network.management import backup
from network.management.backup import Target
from tests.conftest import require_service


def _server():
    return Target.from_settings({**connection.settings_dict, "NAME": "postgres"})


@pytest.fixture
def fresh_database():
    """A new, empty database (a Target); dropped after the test."""
    server = _server()
    for tool in ("pg_dump", "pg_restore"):
        try:  # the lookup the commands use (PG_BIN, Debian's, the embedded wheel's, PATH)
            backup._tool(tool, server)
        except backup.BackupError as error:
            require_service(tool, str(error))
    name = f"ops_restore_{uuid.uuid4().hex[:12]}"
    with server.connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Target.from_settings({**connection.settings_dict, "NAME": name})
    finally:
        with server.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def other_database_connection():
    def connect(target):
        return psycopg.connect(
            dbname=target.name,
            user=target.user or None,
            password=target.password or None,
            host=target.host or None,
            port=target.port or None,
            autocommit=True,
        )

    return connect
