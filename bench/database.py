"""Which database a benchmark scale uses; decided before Django loads its settings.

Each scale has its own persistent database on the server the tests use:
``moederschapsdossier_bench`` (national) and ``moederschapsdossier_bench_small`` (small).
``BENCH_DATABASE_URL`` names another one (its name must start with
``moederschapsdossier_bench`` or ``test_moederschapsdossier_bench``); otherwise the host,
port and user come from ``DATABASE_URL`` when set, else postgres@127.0.0.1:5432."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

DATABASE_NAMES = {
    "national": "moederschapsdossier_bench",
    "small": "moederschapsdossier_bench_small",
}
ALLOWED_PREFIXES = ("moederschapsdossier_bench", "test_moederschapsdossier_bench")


def scale_from_environment(default: str) -> str:
    scale = (os.environ.get("SCALE") or default).strip().lower()
    if scale not in DATABASE_NAMES:
        raise SystemExit(f"SCALE={scale!r} is unknown: use small or national.")
    return scale


def bench_database_url(scale: str) -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not url:
        base = os.environ.get("DATABASE_URL", "").strip() or "postgres://postgres@127.0.0.1:5432/x"
        url = urlunsplit(urlsplit(base)._replace(path="/" + DATABASE_NAMES[scale]))
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith(ALLOWED_PREFIXES):
        raise SystemExit(
            f"Refusing to benchmark in database {name!r}: its name must start "
            f"with {' or '.join(ALLOWED_PREFIXES)}."
        )
    return url


def use_bench_database(scale: str, *, create: bool) -> str:
    """Point Django at this scale's database (call before ``django.setup()``); create the
    database first when asked. Returns the database name."""
    url = bench_database_url(scale)
    name = urlsplit(url).path.lstrip("/")
    if create:
        _create_database(url, name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return name


def _create_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres", query=""))
    with psycopg.connect(
        maintenance.replace("postgres://", "postgresql://", 1), autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)
