"""Five years of Belgian births, written straight into PostgreSQL for the benchmarks.

``make bench-data`` (``python -m bench.generate``) builds the national data set: about
550,000 pregnancy records (≈110,000 a year) with their mothers, the deliveries and newborns
of those already born, their care networks drawn from a realistic pool of ~32,000
professionals, some of the mothers' consent rules, and the django-guardian permission rows
that ``network.access.recompute_permissions`` would write for each of them.

How it stays fast (about 4 minutes on 2 cores, under 100 MB) and flat in memory:

* rows are generated one pregnancy at a time in the order they were opened and streamed
  with ``COPY … FROM STDIN``, each table on its own connection, so the server parses and
  stores every table in its own backend while Python generates the next record;
* permissions are not recomputed per record: the codenames come from the very functions
  ``recompute_permissions`` uses (``effective_levels`` and ``_codenames`` of
  ``network.access``, with the role defaults read from the database), computed once per
  (role, consent pattern) and cached, with the ``current_dossier`` marker of the records
  not closed (issue 16); a sample of records is then recomputed for real (and rolled back)
  to prove the rows are identical;
* the loaded tables' secondary indexes and unique constraints are dropped before the load
  and rebuilt after it (their definitions are kept in ``bench_build`` until rebuilt, so an
  interrupted build repairs itself on the next run); the loading sessions run with
  ``session_replication_role = replica``, which skips foreign-key and trigger checks the
  generator guarantees by construction (one active coordinator per network is checked
  afterwards in SQL, uniqueness by rebuilding the unique indexes); CHECK constraints do
  apply;
* the tables are vacuumed (visibility map set, as autovacuum would have done in a
  database that has lived five years) and the build ends with ANALYZE.

The births are complete for the eBirth registration (``ebirth.completeness``): every mother
has a valid INSZ matching her date of birth and an address, every pregnancy its mode of
conception, every newborn its anomalies and neonatal admission answered (Apgar scores for
the live-born), except ``INCOMPLETE_SHARE`` (≈1 %) of the records, whose mode of conception
is left empty on purpose: the export holds those births back.

Re-running: a complete build of the same scale and generator version is left as it is
(``FORCE=1`` rebuilds it); an incomplete one is rebuilt. A rebuild truncates the generated
tables (users, organisations, professionals, mothers, records, deliveries, newborns,
memberships, consent rules, permissions, the access log, notifications and sessions, with
CASCADE) in the bench database only."""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import json
import random
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import psycopg
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import connection, models, transaction
from psycopg import sql

from dossier.geography import Province
from dossier.insz import build_insz
from dossier.models import (
    Anomaly,
    Conception,
    Delivery,
    DeliveryMode,
    Dossier,
    DossierStatus,
    Feeding,
    HealthInsurer,
    Language,
    Mother,
    Newborn,
    NewbornStatus,
    PlaceOfBirth,
    Presentation,
    RiskFactor,
    VitalStatus,
)
from dossier.sections import COORDINATING_CODENAME, CURRENT_CODENAME, Section
from network.access import MOTHER_LEVELS, _codenames, effective_levels, limit
from network.models import (
    ConsentRule,
    DossierUserObjectPermission,
    EndReason,
    Level,
    Membership,
    Organisation,
    OrganisationKind,
    Profession,
    Professional,
    Role,
    RoleDefault,
)

GENERATOR_VERSION = 2  # 2: the eBirth fields (conception, anomalies, admission)
SEED = 20261123
ZONE = ZoneInfo("Europe/Brussels")
UTC = dt.UTC
BENCH_PASSWORD = "bench-password-123"
PERSONA_USERNAMES = {Profession.MIDWIFE: "bench-midwife", Profession.GP: "bench-gp"}
P = Profession


@dataclass(frozen=True)
class Scale:
    name: str
    dossiers: int
    professionals: dict[str, int]
    personas: dict[str, int]  # profession → dossiers the bench persona should have


NATIONAL_PROFESSIONALS = {
    P.MIDWIFE: 9000,
    P.GYNAECOLOGIST: 1500,
    P.GP: 12000,
    P.PAEDIATRICIAN: 1000,
    P.MATERNITY_ASSISTANT: 3000,
    P.CHILD_HEALTH_NURSE: 1500,
    P.LACTATION_CONSULTANT: 400,
    P.PHYSIOTHERAPIST: 2500,
    P.SOCIAL_WORKER: 800,
}


def make_scale(name: str) -> Scale:
    if name == "national":
        return Scale("national", 550_000, NATIONAL_PROFESSIONALS, {P.MIDWIFE: 2000, P.GP: 200})
    share = 10_000 / 550_000
    return Scale(
        "small",
        10_000,
        {p: max(4, round(n * share)) for p, n in NATIONAL_PROFESSIONALS.items()},
        {P.MIDWIFE: 60, P.GP: 30},
    )


# --- Belgium -------------------------------------------------------------------------------

# (province, share of births, [(postcode, municipality)]) — Statbel's births by province.
PLACES = [
    (
        Province.ANTWERPEN,
        17.0,
        [
            (2000, "Antwerpen"),
            (2060, "Antwerpen"),
            (2100, "Deurne"),
            (2800, "Mechelen"),
            (2300, "Turnhout"),
            (2200, "Herentals"),
            (2400, "Mol"),
            (2900, "Schoten"),
        ],
    ),
    (
        Province.OOST_VLAANDEREN,
        13.0,
        [
            (9000, "Gent"),
            (9300, "Aalst"),
            (9100, "Sint-Niklaas"),
            (9200, "Dendermonde"),
            (9700, "Oudenaarde"),
            (9900, "Eeklo"),
        ],
    ),
    (
        Province.WEST_VLAANDEREN,
        9.5,
        [
            (8000, "Brugge"),
            (8500, "Kortrijk"),
            (8400, "Oostende"),
            (8800, "Roeselare"),
            (8900, "Ieper"),
        ],
    ),
    (
        Province.VLAAMS_BRABANT,
        10.0,
        [
            (3000, "Leuven"),
            (1800, "Vilvoorde"),
            (1500, "Halle"),
            (3300, "Tienen"),
            (1700, "Dilbeek"),
            (3200, "Aarschot"),
        ],
    ),
    (
        Province.LIMBURG,
        7.5,
        [
            (3500, "Hasselt"),
            (3600, "Genk"),
            (3700, "Tongeren"),
            (3900, "Pelt"),
            (3800, "Sint-Truiden"),
        ],
    ),
    (
        Province.BRUSSEL,
        13.0,
        [
            (1000, "Brussel"),
            (1030, "Schaarbeek"),
            (1080, "Sint-Jans-Molenbeek"),
            (1070, "Anderlecht"),
            (1190, "Vorst"),
            (1050, "Elsene"),
            (1200, "Sint-Lambrechts-Woluwe"),
        ],
    ),
    (
        Province.HENEGOUWEN,
        12.0,
        [
            (6000, "Charleroi"),
            (7000, "Mons"),
            (7500, "Tournai"),
            (7100, "La Louvière"),
            (7700, "Mouscron"),
        ],
    ),
    (
        Province.LUIK,
        9.5,
        [
            (4000, "Liège"),
            (4020, "Liège"),
            (4800, "Verviers"),
            (4500, "Huy"),
            (4100, "Seraing"),
            (4700, "Eupen"),
        ],
    ),
    (
        Province.WAALS_BRABANT,
        3.2,
        [
            (1300, "Wavre"),
            (1340, "Ottignies-Louvain-la-Neuve"),
            (1400, "Nivelles"),
            (1410, "Waterloo"),
        ],
    ),
    (Province.NAMEN, 4.3, [(5000, "Namur"), (5500, "Dinant"), (5300, "Andenne")]),
    (Province.LUXEMBURG, 2.6, [(6700, "Arlon"), (6600, "Bastogne"), (6900, "Marche-en-Famenne")]),
]
FLEMISH = {
    Province.ANTWERPEN,
    Province.OOST_VLAANDEREN,
    Province.WEST_VLAANDEREN,
    Province.VLAAMS_BRABANT,
    Province.LIMBURG,
}
SURNAMES_NL = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Vermeulen",
    "Van den Broeck",
    "Hermans",
    "Dubois",
    "Aerts",
    "Pauwels",
    "Van Damme",
    "Desmet",
    "Verstraete",
    "Michiels",
    "De Clercq",
    "Martens",
    "Smets",
    "Claeys",
    "Stevens",
    "Van Dyck",
    "De Vos",
]
SURNAMES_FR = [
    "Dubois",
    "Lambert",
    "Dupont",
    "Martin",
    "Simon",
    "Laurent",
    "Leclercq",
    "Lejeune",
    "Renard",
    "Dumont",
    "Denis",
    "Lemaire",
    "François",
    "Gilles",
    "Mathieu",
    "Collard",
    "Lefebvre",
    "Wauters",
    "Jacquet",
    "Mertens",
]
SURNAMES_OTHER = [
    "El Amrani",
    "Benali",
    "Yilmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Diallo",
    "Bah",
    "Popescu",
    "Ferreira",
    "Rossi",
    "Haddad",
    "Ouali",
    "Achahbar",
]
GIVEN_F = [
    "An",
    "Sofie",
    "Lotte",
    "Marie",
    "Julie",
    "Emma",
    "Fatima",
    "Sarah",
    "Elise",
    "Laura",
    "Nina",
    "Charlotte",
    "Camille",
    "Léa",
    "Manon",
    "Amira",
    "Yasmina",
    "Hanne",
    "Lien",
    "Eline",
    "Inès",
    "Chloé",
    "Aïcha",
    "Zeynep",
    "Olivia",
    "Louise",
]
GIVEN_M = [
    "Noah",
    "Louis",
    "Arthur",
    "Jules",
    "Lucas",
    "Adam",
    "Mohamed",
    "Liam",
    "Victor",
    "Finn",
    "Matteo",
    "Gabriel",
    "Mathis",
    "Rayan",
    "Vic",
    "Lars",
    "Elias",
    "Nathan",
]


# --- care networks ------------------------------------------------------------------------

COORDINATOR_PROFESSIONS = (P.MIDWIFE, P.GYNAECOLOGIST, P.GP)
COORDINATOR_WEIGHTS = (45, 40, 15)
# (role, weight, joins before the birth)
MEMBER_ROLES = (
    (Role.GYNAECOLOGIST, 0.90, True),
    (Role.MIDWIFE, 0.75, True),
    (Role.GP, 0.50, True),
    (Role.PHYSIOTHERAPIST, 0.08, True),
    (Role.SOCIAL_WORKER, 0.05, True),
    (Role.PAEDIATRICIAN, 0.35, False),
    (Role.MATERNITY_ASSISTANT, 0.35, False),
    (Role.CHILD_HEALTH_NURSE, 0.45, False),
    (Role.LACTATION_CONSULTANT, 0.10, False),
)
OTHER_MEMBER_COUNTS, OTHER_MEMBER_WEIGHTS = (2, 3, 4, 5), (30, 35, 25, 10)
# How unevenly work is spread within a profession (log-normal sigma of the weights).
SPREAD = {
    P.MIDWIFE: 1.0,
    P.GYNAECOLOGIST: 0.8,
    P.GP: 1.0,
    P.PAEDIATRICIAN: 0.8,
    P.MATERNITY_ASSISTANT: 0.7,
    P.CHILD_HEALTH_NURSE: 0.6,
    P.LACTATION_CONSULTANT: 0.8,
    P.PHYSIOTHERAPIST: 1.0,
    P.SOCIAL_WORKER: 0.7,
}
ORGANISATION_OF = {  # profession → (kind, share with an organisation)
    P.MIDWIFE: (None, 1.0),
    P.GYNAECOLOGIST: (OrganisationKind.MATERNITY_WARD, 1.0),
    P.GP: (OrganisationKind.GP_PRACTICE, 0.9),
    P.PAEDIATRICIAN: (OrganisationKind.MATERNITY_WARD, 1.0),
    P.MATERNITY_ASSISTANT: (None, 1.0),
    P.CHILD_HEALTH_NURSE: (OrganisationKind.CHILD_HEALTH_OFFICE, 1.0),
    P.LACTATION_CONSULTANT: (OrganisationKind.MATERNITY_WARD, 0.5),
    P.PHYSIOTHERAPIST: (None, 0.0),
    P.SOCIAL_WORKER: (OrganisationKind.MATERNITY_WARD, 0.5),
}
RIZIV_PREFIX = {
    P.MIDWIFE: "4",
    P.GYNAECOLOGIST: "1",
    P.GP: "1",
    P.PAEDIATRICIAN: "1",
    P.PHYSIOTHERAPIST: "5",
}
INACTIVE_SHARE = 0.015  # professionals whose account was deactivated (retired, moved)
MOTHER_LOGIN_SHARE = 0.25
# The eBirth fields: the mode of conception (≈ 7 % assisted: IVF/ICSI whenever the risk
# factors say so, 4 % of the others), congenital anomalies (≈ 2 %, described), neonatal
# admission (every child under 34 weeks, ≈ 8 % in all). INCOMPLETE_SHARE of the records have
# no mode of conception: births the export holds back.
CONCEPTIONS, CONCEPTION_WEIGHTS = (
    (
        Conception.SPONTANEOUS,
        Conception.IVF_ICSI,
        Conception.INSEMINATION,
        Conception.OVULATION_INDUCTION,
    ),
    (96.0, 2.0, 1.0, 1.0),
)
INCOMPLETE_SHARE = 0.01
ANOMALY_SHARE = 0.02
ANOMALIES = (
    "Cleft lip and palate",
    "Ventricular septal defect",
    "Clubfoot (talipes)",
    "Hypospadias",
    "Trisomy 21",
    "Polydactyly",
    "Congenital hip dysplasia",
    "Spina bifida",
)
ADMISSION_SHARE_AT_TERM = 0.03  # admissions from 34 weeks on (under 34: always)
REPLACEMENT_SHARE = 0.08

S, LV = Section, Level
# The mothers' consent choices: (weight, rules per role, rules per member), a member being
# the n-th active member after the coordinator. Levels above a role's limit are lowered to
# it, as the consent form refuses anything higher.
CONSENT_PATTERNS = (
    (80.0, (), ()),
    (6.0, ((Role.MIDWIFE, S.PSYCHOSOCIAL, LV.VIEW),), ()),
    (4.0, ((Role.GP, S.PSYCHOSOCIAL, LV.VIEW),), ()),
    (
        2.0,
        (
            (Role.PHYSIOTHERAPIST, S.POSTNATAL, LV.NONE),
            (Role.MATERNITY_ASSISTANT, S.DELIVERY, LV.NONE),
        ),
        (),
    ),
    (4.5, (), ((0, S.PSYCHOSOCIAL, LV.EDIT),)),
    (1.5, (), ((1, S.IDENTITY, LV.NONE),)),
    (1.0, ((Role.GP, S.IDENTITY, LV.NONE),), ()),
    (
        1.0,
        ((Role.MIDWIFE, S.PSYCHOSOCIAL, LV.EDIT), (Role.SOCIAL_WORKER, S.PSYCHOSOCIAL, LV.EDIT)),
        ((0, S.NEWBORN, LV.VIEW),),
    ),
)


# --- COPY streams -------------------------------------------------------------------------


class CopyStream:
    """One table's ``COPY … FROM STDIN`` on its own connection. Columns not generated here
    (added by a later migration) get their model default ("" for optional text), or the
    build stops naming them."""

    def __init__(self, params: dict, model: type[models.Model], attnames: list[str]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = [
            f
            for name, f in fields.items()
            if name not in attnames and not isinstance(f, models.AutoField)
        ]
        extra = []
        for field in missing:
            optional_text = field.blank and field.empty_strings_allowed and not field.null
            if field.unique or not (field.has_default() or field.null or optional_text):
                raise SystemExit(
                    f"bench: {model._meta.label}.{field.name} is new and has no "
                    "default; teach bench/generator.py to fill it."
                )
            # a blank text field's default is "" (what a form leaves it)
            extra.append(field.get_default() if field.has_default() or optional_text else None)
        self.table = model._meta.db_table
        self.extra = tuple(extra)
        self.rows = 0
        self.conn = psycopg.connect(**params)
        self.conn.execute("SET session_replication_role = replica")
        columns = [fields[name].column for name in attnames] + [f.column for f in missing]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        self._context = self.conn.cursor().copy(statement)
        self.copy = self._context.__enter__()
        self.write_row = self._row_with_extra if extra else self._row

    def _row(self, values: tuple) -> None:
        self.copy.write_row(values)
        self.rows += 1

    def _row_with_extra(self, values: tuple) -> None:
        self.copy.write_row(values + self.extra)
        self.rows += 1

    def write_text(self, text: str, rows: int) -> None:
        """Rows already in COPY text format (the permissions: 60 a record)."""
        self.copy.write(text)
        self.rows += rows

    def close(self) -> None:
        self._context.__exit__(None, None, None)
        self.conn.commit()
        self.conn.close()

    def abort(self) -> None:
        try:
            self.conn.cancel_safe()
        finally:
            self.conn.close()


COLUMNS = {
    User: [
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    ],
    Organisation: [
        "id",
        "public_id",
        "created_at",
        "updated_at",
        "name",
        "kind",
        "municipality",
        "province",
        "phone",
        "language",
    ],
    Professional: [
        "id",
        "public_id",
        "created_at",
        "updated_at",
        "user_id",
        "profession",
        "riziv_number",
        "organisation_id",
        "phone",
        "municipality",
        "language",
    ],
    Mother: [
        "id",
        "public_id",
        "created_at",
        "updated_at",
        "insz",
        "given_name",
        "family_name",
        "date_of_birth",
        "phone",
        "email",
        "street_address",
        "postcode",
        "municipality",
        "province",
        "preferred_language",
        "health_insurer",
        "user_id",
        "messages_by_email",
        "messages_by_sms",
    ],
    Dossier: [
        "id",
        "public_id",
        "created_at",
        "updated_at",
        "mother_id",
        "last_menstrual_period",
        "expected_due_date",
        "gravidity",
        "parity",
        "fetus_count",
        "status",
        "risk_factors",
        "risk_notes",
        "created_by_id",
        "conception",
    ],
    Delivery: [
        *("id", "public_id", "created_at", "updated_at", "dossier_id"),
        *Delivery.SECTION_FIELDS,  # the section's fields in one place (the model)
    ],
    Newborn: [
        "id",
        "public_id",
        "created_at",
        "updated_at",
        "dossier_id",
        "birth_order",
        "given_name",
        "family_name",
        "sex",
        "insz",
        "vital_status",
        "birth_weight_g",
        "length_cm",
        "head_circumference_cm",
        "apgar_1",
        "apgar_5",
        "feeding",
        "status",
        "congenital_anomaly",
        "anomaly_description",
        "neonatal_admission",
    ],
    Membership: [
        "id",
        "public_id",
        "created_at",
        "updated_at",
        "dossier_id",
        "professional_id",
        "role",
        "started_at",
        "ended_at",
        "end_reason",
        "end_note",
        "added_by_id",
    ],
    ConsentRule: [
        "id",
        "public_id",
        "created_at",
        "updated_at",
        "dossier_id",
        "section",
        "role",
        "membership_id",
        "level",
        "decided_by_id",
    ],
    DossierUserObjectPermission: ["user_id", "permission_id", "content_object_id"],
}
# Largest first: the order indexes are rebuilt and tables vacuumed in.
LOADED = [
    DossierUserObjectPermission,
    Membership,
    Newborn,
    Delivery,
    Dossier,
    Mother,
    User,
    ConsentRule,
    Professional,
    Organisation,
]


# --- the build's own bookkeeping ----------------------------------------------------------


def _state(cursor, key: str):
    cursor.execute("SELECT value FROM bench_build WHERE key = %s", [key])
    row = cursor.fetchone()
    return None if row is None else (json.loads(row[0]) if isinstance(row[0], str) else row[0])


def _set_state(cursor, key: str, value) -> None:
    cursor.execute(
        "INSERT INTO bench_build (key, value) VALUES (%s, %s::jsonb) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [key, json.dumps(value)],
    )


def build_status() -> dict | None:
    """The recorded state of the bench database (None when never built)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_build')")
        if cursor.fetchone()[0] is None:
            return None
        return _state(cursor, "status")


class Clock:
    def __init__(self):
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def __str__(self) -> str:
        seconds = int(self.elapsed())
        return f"{seconds // 60}m{seconds % 60:02d}s"


def say(clock: Clock, text: str) -> None:
    print(f"[{clock}] {text}", flush=True)


# --- the build ----------------------------------------------------------------------------


def build(scale_name: str, *, force: bool = False) -> dict:
    """Build (or keep) this scale's data set in the current database; return its status."""
    scale = make_scale(scale_name)
    clock = Clock()
    database = connection.settings_dict["NAME"]
    say(clock, f"bench data, scale {scale.name}: database {database}; migrating")
    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_build (key text PRIMARY KEY, value jsonb NOT NULL)"
        )
        status = _state(cursor, "status")
    if (
        status
        and status.get("state") == "complete"
        and status.get("scale") == scale.name
        and status.get("version") == GENERATOR_VERSION
        and not force
    ):
        say(
            clock,
            f"already built on {status['built_at']} in {status['elapsed_s']:.0f} s "
            f"({status['counts']['dossiers']:,} records); FORCE=1 rebuilds it",
        )
        return status
    if status and status.get("state") == "building":
        say(clock, "an earlier build did not finish: rebuilding")
    with connection.cursor() as cursor:
        _set_state(
            cursor,
            "status",
            {"state": "building", "scale": scale.name, "version": GENERATOR_VERSION},
        )
    connection.close()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    pending = _drop_indexes(params, clock)
    counts = Generator(scale, params, clock).run()
    _after_load(params, pending, clock)
    _check(scale, clock)
    connection.close()
    _vacuum(params, clock, analyze=True)
    say(clock, "ANALYZE")
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("ANALYZE")
    status = {
        "state": "complete",
        "scale": scale.name,
        "version": GENERATOR_VERSION,
        "built_at": dt.datetime.now(UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(clock.elapsed(), 1),
        "counts": counts,
    }
    with psycopg.connect(**params, autocommit=True) as conn:
        _set_state(conn.cursor(), "status", status)
    say(
        clock,
        f"done: {counts['dossiers']:,} records, {counts['permissions']:,} permission "
        f"rows in {clock.elapsed():.0f} s",
    )
    return status


def _drop_indexes(params: dict, clock: Clock) -> list[list[str]]:
    """Empty the generated tables and drop the loaded tables' secondary indexes, keeping
    their definitions in ``bench_build`` until ``_after_load`` rebuilds them."""
    with psycopg.connect(**params, autocommit=True) as conn:
        cursor = conn.cursor()
        pending = _state(cursor, "pending_indexes")
        if pending is None:
            pending = []
            for model in LOADED:
                pending.extend(_index_definitions(cursor, model._meta.db_table))
            _set_state(cursor, "pending_indexes", pending)
        tables = [m._meta.db_table for m in LOADED] + [
            "network_accessevent",
            "network_notification",
            "django_session",
        ]
        say(
            clock,
            f"truncating {len(tables)} tables (CASCADE) and dropping "
            f"{len(pending)} secondary indexes",
        )
        cursor.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(map(sql.Identifier, tables))
            )
        )
        for _table, drop, _create in pending:
            cursor.execute(drop)
    return pending


def _index_definitions(cursor, table: str) -> list[list[str]]:
    """(table, drop, create) for every index but the primary key and those a foreign key
    relies on."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, c.conname, pg_get_indexdef(i.indexrelid),
               pg_get_constraintdef(c.oid)
          FROM pg_index i
          LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                                   AND c.contype IN ('u', 'x')
         WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                            WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
         ORDER BY 1""",
        [table],
    )
    result = []
    for index, constraint, index_def, constraint_def in cursor.fetchall():
        quoted = sql.Identifier(table).as_string(cursor)
        if constraint:
            name = sql.Identifier(constraint).as_string(cursor)
            result.append(
                [
                    table,
                    f"ALTER TABLE {quoted} DROP CONSTRAINT IF EXISTS {name}",
                    f"ALTER TABLE {quoted} ADD CONSTRAINT {name} {constraint_def}",
                ]
            )
        else:
            result.append([table, f"DROP INDEX IF EXISTS {index}", index_def])
    return result


def _vacuum(params: dict, clock: Clock, *, analyze: bool = False) -> None:
    """Set the loaded tables' visibility maps (and hint bits), two tables at a time."""
    tables = [m._meta.db_table for m in LOADED]
    command = "VACUUM (ANALYZE) {}" if analyze else "VACUUM {}"

    def vacuum(table: str) -> None:
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(sql.SQL(command).format(sql.Identifier(table)))

    say(clock, f"{command.split(' {')[0]} of {len(tables)} tables")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(vacuum, tables))


def _after_load(params: dict, pending: list[list[str]], clock: Clock) -> None:
    """Vacuum the loaded tables, then rebuild their indexes (two at a time: one per core)."""
    tables = [m._meta.db_table for m in LOADED]
    _vacuum(params, clock)
    order = {table: rank for rank, table in enumerate(tables)}
    jobs = sorted(pending, key=lambda job: (order.get(job[0], 99), job[2]))

    def create(job: list[str]) -> None:
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1536MB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")
            conn.execute(job[2])

    say(clock, f"rebuilding {len(jobs)} indexes")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(create, jobs))
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("DELETE FROM bench_build WHERE key = 'pending_indexes'")
        for model in LOADED:
            if model is DossierUserObjectPermission:
                continue  # its ids come from the identity column itself
            table = model._meta.db_table
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({t}, 'id'), "
                    "GREATEST((SELECT max(id) FROM {i}), 1))"
                ).format(t=sql.Literal(table), i=sql.Identifier(table))
            )
    say(clock, "indexes rebuilt")


def _check(scale: Scale, clock: Clock, sample: int = 300) -> None:
    """What the loading sessions did not check: one active coordinator per network, and
    permission rows identical to what ``recompute_permissions`` writes (on a sample,
    recomputed for real inside a transaction that is rolled back)."""
    from network.access import recompute_permissions

    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("""SELECT count(*) FROM (
            SELECT dossier_id FROM network_membership WHERE ended_at IS NULL
             GROUP BY dossier_id HAVING count(*) FILTER (WHERE role = 'coordinator') <> 1) x""")
        wrong = cursor.fetchone()[0]
        cursor.execute("SELECT DISTINCT dossier_id FROM network_consentrule ORDER BY 1 LIMIT 100")
        with_rules = [row[0] for row in cursor.fetchall()]
    if wrong:
        raise SystemExit(f"bench: {wrong} care networks lack exactly one active coordinator")
    rng = random.Random(SEED + 1)
    ids = sorted(
        set(rng.sample(range(1, scale.dossiers + 1), min(sample, scale.dossiers)) + with_rules)
    )
    different = []
    for dossier_id in ids:
        rows = DossierUserObjectPermission.objects.filter(content_object_id=dossier_id)
        before = set(rows.values_list("user_id", "permission_id"))
        with transaction.atomic():
            recompute_permissions(Dossier.objects.select_related("mother").get(pk=dossier_id))
            after = set(rows.values_list("user_id", "permission_id"))
            transaction.set_rollback(True)
        if before != after:
            different.append(dossier_id)
    if different:
        raise SystemExit(
            f"bench: the permission rows of {len(different)} of {len(ids)} "
            f"sampled records differ from recompute_permissions (e.g. record "
            f"{different[0]}): network.access changed; update bench/generator.py"
        )
    say(
        clock,
        f"checked: one coordinator per network; permissions of {len(ids)} records "
        "identical to recompute_permissions",
    )


class Pool:
    """The professionals of one profession, drawn in proportion to how busy each is; the
    bench persona is drawn apart, with the probability that gives it its target count."""

    def __init__(self, ids: list[int], weights: list[float], persona: int | None, share: float):
        self.ids = ids
        self.cumulative = list(_accumulate(weights))
        self.total = self.cumulative[-1]
        self.persona, self.share = persona, share
        self.last = len(ids) - 1

    def pick(self, rng: random.Random, taken: set[int]) -> int:
        if self.persona is not None and self.persona not in taken and rng.random() < self.share:
            return self.persona
        while True:
            index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
            chosen = self.ids[min(index, self.last)]
            if chosen not in taken:
                return chosen


def _accumulate(values: Iterable[float]):
    total = 0.0
    for value in values:
        total += value
        yield total


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator (32 hex digits, as PostgreSQL accepts)."""
    bits = rng.getrandbits(128)
    bits = (bits & ~(0xF << 76)) | (0x4 << 76)
    bits = (bits & ~(0x3 << 62)) | (0x2 << 62)
    return f"{bits:032x}"


def sample_roles(rng: random.Random, coordinator: str, born: bool) -> list[str]:
    """The other members' roles: 2 to 5, weighted, no role twice; the postnatal roles only
    once the baby is born."""
    wanted = rng.choices(OTHER_MEMBER_COUNTS, OTHER_MEMBER_WEIGHTS)[0]
    keyed = []
    for role, weight, prenatal in MEMBER_ROLES:
        if prenatal or born:
            if role == coordinator:
                weight *= 0.3
            keyed.append((rng.random() ** (1.0 / weight), role))
    keyed.sort(reverse=True)
    return [role for _key, role in keyed[:wanted]]


class Generator:
    def __init__(self, scale: Scale, params: dict, clock: Clock):
        self.scale, self.params, self.clock = scale, params, clock
        self.rng = random.Random(SEED)
        self.now = dt.datetime.now(UTC).replace(microsecond=0)
        self.start = self.now - dt.timedelta(days=round(5 * 365.25))
        self.permission_ids = {
            p.codename: str(p.pk)
            for p in Permission.objects.filter(
                content_type__app_label="dossier", content_type__model="dossier"
            )
        }
        self.defaults = {(d.role, d.section): d.level for d in RoleDefault.objects.all()}
        self.grant_cache: dict[tuple, list[str]] = {}
        self.mother_grants = [self.permission_ids[c] for c in _codenames(MOTHER_LEVELS)]
        self.current_grant = [self.permission_ids[CURRENT_CODENAME]]
        # the active coordinator's marker beside it (network.access.recompute_permissions)
        self.coordinating_grant = [self.permission_ids[COORDINATING_CODENAME]]
        self.consent_weights = list(_accumulate(w for w, _r, _m in CONSENT_PATTERNS))
        self.province_weights = list(_accumulate(share for _p, share, _places in PLACES))
        self.insz_serials: dict[tuple, int] = {}
        self.counts = dict.fromkeys(
            [
                "users",
                "organisations",
                "professionals",
                "mothers",
                "dossiers",
                "deliveries",
                "newborns",
                "memberships",
                "consent_rules",
                "permissions",
            ],
            0,
        )

    # -- streams ---------------------------------------------------------------------------

    def run(self) -> dict:
        streams = {model: CopyStream(self.params, model, COLUMNS[model]) for model in LOADED}
        self.streams = streams
        try:
            self._people()
            self._records()
            say(self.clock, "committing the loads")
            for stream in streams.values():
                stream.close()
        except BaseException:
            for stream in streams.values():
                stream.abort()
            raise
        return self.counts

    # -- organisations, professionals and their accounts ------------------------------------

    def _people(self) -> None:
        rng, now = self.rng, self.now
        users, orgs, pros = (
            self.streams[User],
            self.streams[Organisation],
            self.streams[Professional],
        )
        factor = self.scale.dossiers / 550_000
        by_kind: dict[str, list[tuple[int, str]]] = {}
        org_id = 0

        def organisation(name: str, kind: str, municipality: str, province: str) -> None:
            nonlocal org_id
            org_id += 1
            orgs.write_row(
                (
                    org_id,
                    _uuid(rng),
                    now,
                    now,
                    name,
                    kind,
                    municipality,
                    province,
                    "",
                    "nl" if province in FLEMISH else "fr",
                )
            )
            by_kind.setdefault(kind, []).append((org_id, municipality))

        self.wards: dict[str, list[str]] = {}
        for province, _share, places in PLACES:
            flemish = province in FLEMISH
            for municipality in dict.fromkeys(name for _postcode, name in places):
                ward = (
                    f"AZ {municipality} – materniteit"
                    if flemish
                    else f"CHR {municipality} – maternité"
                )
                organisation(ward, OrganisationKind.MATERNITY_WARD, municipality, province)
                self.wards.setdefault(province, []).append(ward)
                office = ("Kind en Gezin" if flemish else "ONE") + f" – {municipality}"
                organisation(office, OrganisationKind.CHILD_HEALTH_OFFICE, municipality, province)
            for kind, label in (
                (OrganisationKind.HOME_HELP_PUBLIC, "OCMW kraamzorg"),
                (OrganisationKind.HOME_HELP_PRIVATE, "Kraamzorg"),
            ):
                organisation(f"{label} {province.label}", kind, places[0][1], province)
        towns = [(province, name) for province, _s, places in PLACES for _c, name in places]
        for kind, label, count in (
            (OrganisationKind.MIDWIFE_PRACTICE, "Vroedvrouwenpraktijk", 800),
            (OrganisationKind.GP_PRACTICE, "Huisartsenpraktijk", 3000),
        ):
            for number in range(1, max(3, round(count * factor)) + 1):
                province, municipality = towns[number % len(towns)]
                organisation(f"{label} {municipality} {number}", kind, municipality, province)
        self.counts["organisations"] = org_id

        password = make_password(BENCH_PASSWORD)
        self.pools: dict[str, Pool] = {}
        self.active = bytearray(1)  # professional (= user) id → account active
        shares = self._persona_shares()
        pro_id = 0
        for profession, count in self.scale.professionals.items():
            ids, weights, persona = [], [], None
            sigma = SPREAD[profession]
            kind, with_org = ORGANISATION_OF[profession]
            for index in range(count):
                pro_id += 1
                username = f"{profession.replace('_', '-')}-{index + 1:05d}"
                first, last = rng.choice(GIVEN_F + GIVEN_M), rng.choice(SURNAMES_NL + SURNAMES_FR)
                active = index == 0 or rng.random() >= INACTIVE_SHARE
                if index == 0 and profession in PERSONA_USERNAMES:
                    persona, username = pro_id, PERSONA_USERNAMES[profession]
                users.write_row(
                    (
                        pro_id,
                        password if persona == pro_id else "!bench",
                        None,
                        False,
                        username,
                        first,
                        last,
                        "",
                        False,
                        active,
                        self.start - dt.timedelta(days=rng.randint(1, 2000)),
                    )
                )
                self.active.append(1 if active else 0)
                if profession in (P.MIDWIFE, P.MATERNITY_ASSISTANT):
                    kind = rng.choice(
                        [OrganisationKind.MATERNITY_WARD, OrganisationKind.MIDWIFE_PRACTICE]
                        if profession == P.MIDWIFE
                        else [OrganisationKind.HOME_HELP_PUBLIC, OrganisationKind.HOME_HELP_PRIVATE]
                    )
                org, municipality = None, rng.choice(towns)[1]
                if kind and rng.random() < with_org:
                    org, municipality = rng.choice(by_kind[kind])
                prefix = RIZIV_PREFIX.get(profession)
                riziv = f"{prefix}{pro_id:010d}" if prefix else ""
                pros.write_row(
                    (
                        pro_id,
                        _uuid(rng),
                        now,
                        now,
                        pro_id,
                        profession,
                        riziv,
                        org,
                        "",
                        municipality,
                        "",
                    )
                )
                if persona != pro_id:
                    ids.append(pro_id)
                    weights.append(rng.lognormvariate(0.0, sigma))
            self.pools[profession] = Pool(ids, weights, persona, shares.get(profession, 0.0))
        self.next_user = pro_id
        self.counts["users"] = self.counts["professionals"] = pro_id
        say(self.clock, f"{org_id:,} organisations, {pro_id:,} professionals")

    def _persona_shares(self) -> dict[str, float]:
        """The probability of drawing the persona for a slot of its profession, from the
        slots per record in a quick simulation of the same role draws."""
        rng, trials = random.Random(SEED + 2), 20_000
        slots = dict.fromkeys(self.scale.personas, 0)
        for _ in range(trials):
            coordinator = rng.choices(COORDINATOR_PROFESSIONS, COORDINATOR_WEIGHTS)[0]
            for profession in [coordinator, *sample_roles(rng, coordinator, rng.random() < 0.88)]:
                if profession in slots:
                    slots[profession] += 1
        return {
            profession: min(1.0, target / (self.scale.dossiers * slots[profession] / trials))
            for profession, target in self.scale.personas.items()
        }

    # -- mothers, records, networks --------------------------------------------------------

    def _insz(self, day: dt.date, female: bool) -> str:
        key = (day, female)
        number = self.insz_serials.get(key, 0) + 1
        self.insz_serials[key] = number
        return build_insz(day, 2 * number if female else 2 * number - 1)

    def _records(self) -> None:
        rng, now, scale = self.rng, self.now, self.scale
        st = self.streams
        users, mothers, dossiers = st[User], st[Mother], st[Dossier]
        deliveries, newborns, members = st[Delivery], st[Newborn], st[Membership]
        rules, grants = st[ConsentRule], st[DossierUserObjectPermission]
        pools = self.pools
        span = (now - self.start).total_seconds()
        returning: list[tuple] = []  # heap of (due, mother) for a next pregnancy
        mother_id = membership_id = rule_id = delivery_id = newborn_id = 0
        permission_text: list[str] = []
        permission_rows = 0
        report_every = max(1, scale.dossiers // 20)
        all_given, all_surnames = GIVEN_F, SURNAMES_NL + SURNAMES_FR + SURNAMES_OTHER
        say(self.clock, f"generating {scale.dossiers:,} records")
        for dossier_id in range(1, scale.dossiers + 1):
            created = self.start + dt.timedelta(
                seconds=span * (dossier_id - 1 + rng.random()) / scale.dossiers
            )
            created_day = created.astimezone(ZONE).date()

            # the mother: one coming back for a next pregnancy, or someone new
            if returning and returning[0][0] <= created:
                mother = heapq.heappop(returning)[1]
                gravidity, parity = mother[5] + 1, mother[6]
            else:
                mother_id += 1
                province, _share, places = PLACES[
                    bisect.bisect_right(
                        self.province_weights, rng.random() * self.province_weights[-1]
                    )
                ]
                postcode, municipality = rng.choice(places)
                age = min(46.0, max(16.5, rng.gauss(31.0, 5.0)))
                born = created_day - dt.timedelta(days=int(age * 365.25))
                if province in FLEMISH:
                    language = Language.GERMAN if municipality == "Eupen" else Language.DUTCH
                    family = rng.choice(SURNAMES_NL if rng.random() < 0.8 else all_surnames)
                else:
                    language = (
                        rng.choice(
                            [Language.FRENCH, Language.FRENCH, Language.DUTCH, Language.ENGLISH]
                        )
                        if province == Province.BRUSSEL
                        else Language.FRENCH
                    )
                    family = rng.choice(SURNAMES_FR if rng.random() < 0.7 else all_surnames)
                given = rng.choice(all_given)
                user_id = None
                if rng.random() < MOTHER_LOGIN_SHARE:
                    self.next_user += 1
                    user_id = self.next_user
                    users.write_row(
                        (
                            user_id,
                            "!bench",
                            None,
                            False,
                            f"mother-{mother_id}",
                            given,
                            family,
                            "",
                            False,
                            True,
                            created,
                        )
                    )
                insz = self._insz(born, True)  # valid, and her date of birth's
                mothers.write_row(
                    (
                        mother_id,
                        _uuid(rng),
                        created,
                        created,
                        insz,
                        given,
                        family,
                        born,
                        f"04{rng.randint(70, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                        f"{rng.randint(10, 99)}",
                        "",
                        f"Kerkstraat {rng.randint(1, 250)}",
                        str(postcode),
                        municipality,
                        province,
                        language,
                        rng.choice(HealthInsurer.values[:5]),
                        user_id,
                        True,
                        True,
                    )
                )
                previous = rng.choices((0, 1, 2, 3, 4), (45, 33, 13, 6, 3))[0]
                gravidity = 1 + previous
                parity = max(0, previous - (1 if rng.random() < 0.15 else 0))
                mother = (mother_id, family, user_id, province, municipality, gravidity, parity)

            # the pregnancy and, once born, the delivery
            lmp = created_day - dt.timedelta(days=rng.randint(49, 98))
            due = lmp + dt.timedelta(days=280 + (rng.randint(-7, 7) if rng.random() < 0.3 else 0))
            fetuses = 1 if rng.random() < 0.983 else (2 if rng.random() < 0.95 else 3)
            lost = rng.random() < 0.025
            if fetuses > 1:
                ga_days = int(rng.gauss(252, 14))
            elif rng.random() < 0.07:
                ga_days = rng.randint(168, 258)
            else:
                ga_days = int(rng.gauss(276, 8))
            ga_days = min(ga_days, 44 * 7 - 1)
            born_day = lmp + dt.timedelta(days=ga_days)
            born_at = dt.datetime.combine(
                born_day, dt.time(rng.randrange(24), rng.randrange(60)), ZONE
            ).astimezone(UTC)
            delivered = not lost and born_at <= now - dt.timedelta(hours=2)
            ended_at = created + dt.timedelta(days=rng.randint(7, 60)) if lost else None
            if lost and ended_at <= now:
                status, updated = DossierStatus.CLOSED, ended_at
            elif not delivered:
                status, updated = DossierStatus.PRENATAL, min(now, created + dt.timedelta(days=30))
            else:
                age_days = (now - born_at).days
                if age_days < 3:
                    status = DossierStatus.DELIVERED
                elif age_days < 42 or rng.random() < 0.05:
                    status = DossierStatus.POSTNATAL
                else:
                    status = DossierStatus.CLOSED
                updated = min(now, born_at + dt.timedelta(days=42 if status == "closed" else 2))
            risks = (
                []
                if rng.random() < 0.8
                else rng.sample(RiskFactor.values[:-1], rng.choice((1, 1, 2)))
            )
            if fetuses > 1 and rng.random() < 0.3 and RiskFactor.ASSISTED_CONCEPTION not in risks:
                risks.append(RiskFactor.ASSISTED_CONCEPTION)
            if rng.random() < INCOMPLETE_SHARE:
                conception = ""  # not filled in yet: the export holds the birth back
            elif RiskFactor.ASSISTED_CONCEPTION in risks:
                conception = Conception.IVF_ICSI
            else:
                conception = rng.choices(CONCEPTIONS, CONCEPTION_WEIGHTS)[0]
            coordinator = rng.choices(COORDINATOR_PROFESSIONS, COORDINATOR_WEIGHTS)[0]
            taken: set[int] = set()
            coordinator_id = pools[coordinator].pick(rng, taken)
            taken.add(coordinator_id)
            dossiers.write_row(
                (
                    dossier_id,
                    _uuid(rng),
                    created,
                    max(created, updated),
                    mother[0],
                    lmp,
                    due,
                    gravidity,
                    parity,
                    fetuses,
                    status,
                    risks,
                    "",
                    coordinator_id,
                    conception,
                )
            )
            if delivered:
                self._delivery(
                    delivery_id := delivery_id + 1,
                    dossier_id,
                    mother,
                    born_at,
                    ga_days,
                    fetuses,
                    deliveries,
                )
                for order in range(1, fetuses + 1):
                    newborn_id += 1
                    self._newborn(
                        newborn_id, dossier_id, order, mother, born_at, ga_days, status, newborns
                    )
            if rng.random() < 0.30 and (lost or delivered or born_at < now):
                due_again = (ended_at if lost else born_at) + dt.timedelta(
                    days=rng.randint(270, 1000)
                )
                if due_again < now:
                    heapq.heappush(
                        returning,
                        (due_again, (*mother[:5], gravidity, parity + (0 if lost else 1))),
                    )

            # the care network
            network = [
                (
                    membership_id := membership_id + 1,
                    Role.COORDINATOR,
                    coordinator_id,
                    created,
                    None,
                )
            ]
            for role in sample_roles(rng, coordinator, delivered):
                pro = pools[role].pick(rng, taken)
                taken.add(pro)
                if role in (
                    Role.GYNAECOLOGIST,
                    Role.MIDWIFE,
                    Role.GP,
                    Role.PHYSIOTHERAPIST,
                    Role.SOCIAL_WORKER,
                ):
                    start = created + dt.timedelta(
                        days=rng.randint(0, 30), minutes=rng.randrange(600)
                    )
                else:
                    start = born_at + dt.timedelta(hours=rng.randint(1, 96))
                network.append(
                    (membership_id := membership_id + 1, role, pro, min(start, now), None)
                )
            if len(network) > 1 and rng.random() < REPLACEMENT_SHARE:
                index = rng.randrange(1, len(network))
                mid, role, pro, start, _end = network[index]
                room = (now - start).total_seconds()
                if room > 86_400:
                    end = start + dt.timedelta(seconds=rng.uniform(3600, min(room, 60 * 86_400)))
                    network[index] = (mid, role, pro, start, end)
                    successor = pools[role].pick(rng, taken)
                    taken.add(successor)
                    network.append((membership_id := membership_id + 1, role, successor, end, None))
            for mid, role, pro, start, end in network:
                reason = (
                    ""
                    if end is None
                    else rng.choice(
                        (EndReason.REPLACED, EndReason.PARENTS_CHOICE, EndReason.UNAVAILABLE)
                    )
                )
                members.write_row(
                    (
                        mid,
                        _uuid(rng),
                        start,
                        end or start,
                        dossier_id,
                        pro,
                        role,
                        start,
                        end,
                        reason,
                        "",
                        coordinator_id,
                    )
                )

            # the mother's consent, then the permissions recompute_permissions would write
            pattern = bisect.bisect_right(
                self.consent_weights, rng.random() * self.consent_weights[-1]
            )
            _weight, by_role, by_member = CONSENT_PATTERNS[pattern]
            active = [m for m in network if m[4] is None]
            member_rules: dict[int, tuple] = {}
            decided = created + dt.timedelta(days=rng.randint(1, 20))
            for role, section, level in by_role:
                rule_id += 1
                rules.write_row(
                    (
                        rule_id,
                        _uuid(rng),
                        decided,
                        decided,
                        dossier_id,
                        section,
                        role,
                        None,
                        min(level, limit(role, section)),
                        mother[2],
                    )
                )
            for slot, section, level in by_member:
                if slot + 1 < len(active):
                    mid, role = active[slot + 1][0], active[slot + 1][1]
                    level = min(level, limit(role, section))
                    member_rules[mid] = (*member_rules.get(mid, ()), (section, level))
                    rule_id += 1
                    rules.write_row(
                        (
                            rule_id,
                            _uuid(rng),
                            decided,
                            decided,
                            dossier_id,
                            section,
                            "",
                            mid,
                            level,
                            mother[2],
                        )
                    )
            suffix = f"\t{dossier_id}\n"
            current = [] if status == DossierStatus.CLOSED else self.current_grant
            coordinating = [] if status == DossierStatus.CLOSED else self.coordinating_grant
            for mid, role, pro, _start, _end in active:
                if not self.active[pro]:
                    continue
                codes = self._grants(role, pattern, member_rules.get(mid, ())) + current
                if role == Role.COORDINATOR:
                    codes = codes + coordinating
                prefix = f"{pro}\t"
                permission_text.append(prefix + (suffix + prefix).join(codes) + suffix)
                permission_rows += len(codes)
            if mother[2]:
                prefix = f"{mother[2]}\t"
                codes = self.mother_grants + current
                permission_text.append(prefix + (suffix + prefix).join(codes) + suffix)
                permission_rows += len(codes)
            if len(permission_text) >= 2000:
                grants.write_text("".join(permission_text), permission_rows)
                permission_text, permission_rows = [], 0

            if dossier_id % report_every == 0:
                rate = dossier_id / max(self.clock.elapsed(), 0.001)
                say(
                    self.clock,
                    f"{dossier_id * 100 // scale.dossiers:3d}% "
                    f"{dossier_id:,} records, {grants.rows:,} permission rows "
                    f"({rate:,.0f} records/s overall)",
                )
        grants.write_text("".join(permission_text), permission_rows)
        for model, key in (
            (User, "users"),
            (Mother, "mothers"),
            (Dossier, "dossiers"),
            (Delivery, "deliveries"),
            (Newborn, "newborns"),
            (Membership, "memberships"),
            (ConsentRule, "consent_rules"),
            (DossierUserObjectPermission, "permissions"),
        ):
            self.counts[key] = self.streams[model].rows

    def _grants(self, role: str, pattern: int, member_rules: tuple) -> list[str]:
        """The permission ids of one member, from network.access's own functions."""
        key = (role, pattern, member_rules)
        cached = self.grant_cache.get(key)
        if cached is None:
            membership = Membership(pk=1, role=role)
            rules = [
                ConsentRule(role=r, section=s, level=min(lv, limit(r, s)))
                for r, s, lv in CONSENT_PATTERNS[pattern][1]
            ]
            rules += [
                ConsentRule(role="", membership_id=1, section=s, level=lv) for s, lv in member_rules
            ]
            levels = effective_levels(membership, self.defaults, rules)
            cached = [self.permission_ids[c] for c in _codenames(levels)]
            self.grant_cache[key] = cached
        return cached

    def _delivery(self, delivery_id, dossier_id, mother, born_at, ga_days, fetuses, stream):
        rng, now = self.rng, self.now
        home = fetuses == 1 and ga_days >= 259 and rng.random() < 0.008
        if fetuses > 1:
            mode = rng.choice(
                (
                    DeliveryMode.PLANNED_CAESAREAN,
                    DeliveryMode.EMERGENCY_CAESAREAN,
                    DeliveryMode.SPONTANEOUS,
                )
            )
        elif home:
            mode = DeliveryMode.SPONTANEOUS
        else:
            mode = rng.choices(list(DeliveryMode.values), (70, 8, 1, 10, 11))[0]
        caesarean = mode.endswith("caesarean")
        admitted = None if home else born_at - dt.timedelta(minutes=rng.randint(60, 1800))
        stay = dt.timedelta(
            hours=rng.choice((50, 60, 72, 84, 96, 120) if not caesarean else (96, 108, 120, 144))
        )
        discharged = born_at + stay if not home and born_at + stay <= now else None
        ward = "" if home else rng.choice(self.wards[mother[3]])
        weeks, days = divmod(ga_days, 7)
        recorded = min(now, born_at + dt.timedelta(hours=rng.randint(1, 12)))
        stream.write_row(
            (
                delivery_id,
                _uuid(rng),
                recorded,
                max(recorded, discharged or recorded),
                dossier_id,
                born_at,
                PlaceOfBirth.HOME if home else PlaceOfBirth.HOSPITAL,
                ward,
                weeks,
                days,
                mode,
                Presentation.BREECH if rng.random() < 0.04 else Presentation.CEPHALIC,
                rng.random() < 0.28,
                not home and rng.random() < 0.7,
                not caesarean and rng.random() < 0.2,
                rng.randint(150, 1200 if caesarean else 800),
                "",
                admitted,
                discharged,
            )
        )

    def _newborn(self, newborn_id, dossier_id, order, mother, born_at, ga_days, status, stream):
        rng, now = self.rng, self.now
        female = rng.random() < 0.49
        live = rng.random() >= 0.003
        weeks = ga_days / 7
        weight = int(min(5500, max(450, rng.gauss(3400 - (40 - weeks) * 210, 420))))
        length = min(60.0, max(25.0, rng.gauss(50.5 - (40 - weeks) * 1.2, 2.0)))
        head = min(40.0, max(20.0, rng.gauss(34.5 - (40 - weeks) * 0.7, 1.2)))
        age = now - born_at
        born_day = born_at.astimezone(ZONE).date()
        insz = (
            self._insz(born_day, female)
            if live and age > dt.timedelta(days=5) and rng.random() < 0.97
            else ""
        )
        if not live:
            state, apgar = NewbornStatus.DECEASED, (None, None)
        else:
            one = rng.choices((9, 8, 7, 6, 4), (60, 25, 8, 5, 2))[0]
            apgar = (one, min(10, one + rng.choice((0, 1, 1, 2))))
            if status == DossierStatus.CLOSED or age > dt.timedelta(days=6):
                state = NewbornStatus.AT_HOME
            elif weeks < 34:
                state = NewbornStatus.NEONATAL_UNIT
            else:
                state = NewbornStatus.WITH_MOTHER
        anomaly, described = Anomaly.NONE, ""
        if rng.random() < ANOMALY_SHARE:
            anomaly, described = Anomaly.PRESENT, rng.choice(ANOMALIES)
        admitted = live and (
            weeks < 34
            or state == NewbornStatus.NEONATAL_UNIT
            or rng.random() < ADMISSION_SHARE_AT_TERM
        )
        recorded = min(now, born_at + dt.timedelta(hours=rng.randint(1, 12)))
        stream.write_row(
            (
                newborn_id,
                _uuid(rng),
                recorded,
                recorded,
                dossier_id,
                order,
                rng.choice(GIVEN_F if female else GIVEN_M) if live else "",
                mother[1],
                "F" if female else "M",
                insz,
                VitalStatus.LIVE_BIRTH if live else VitalStatus.STILLBIRTH,
                weight,
                f"{length:.1f}",
                f"{head:.1f}",
                apgar[0],
                apgar[1],
                rng.choices(Feeding.values, (60, 25, 15))[0] if live else "",
                state,
                anomaly,
                described,
                admitted,
            )
        )
