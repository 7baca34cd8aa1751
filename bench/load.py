"""``make bench-load``: the app under load, as a hospital runs it — gunicorn with the
production settings on the bench data, many signed-in people at once.

``make bench-load SCALE=national`` measures the national data set that ``make bench-data``
built (it stops when that is missing); ``SCALE=small`` (the default) the small one, built
first when missing, for a quick check. What it does:

1. ``manage.py collectstatic`` with the production settings (their static files storage
   needs the manifest; into ``staticfiles/``, as the Dockerfile does), when a static file
   changed since the last run;
2. picks the people: the persona ``bench-midwife`` first (≈2,000 records nationally, the one
   user of the first level), then professionals drawn (seeded) among those with at least
   ``MIN_RECORDS`` records in their current networks, and every fifth person a mother with
   her own login; for each, up to ``RECORDS`` records she may open (newest first), the ones
   whose care plan she may see and the newborns whose weight curve she may see;
3. signs each of them in by writing a session straight into the session store, as the
   real sign-in leaves it (``django.contrib.auth``'s keys; for whoever needs a second
   factor the id of a confirmed TOTP device named "bench", as ``bench/__main__.py``'s
   ``login()`` does) and sends its cookie; mothers get their preferred language's cookie;
4. for each worker kind — ``sync`` (2 workers) and ``gthread`` (2 workers × 4 threads) —
   starts gunicorn on a free port of 127.0.0.1 (``DJANGO_ENV=production``, SSL redirect off
   for plain HTTP, access log to ``.data/bench/load-gunicorn-<kind>.log``) in its own
   process group, and stops it whatever happens;
5. at each number of users (``LOAD_USERS``, default 1, 10 and 50), one thread per person
   sends requests back to back (no think time) over a kept-alive connection for
   ``LOAD_WARMUP_SECONDS`` (default 3, not measured) and then ``LOAD_SECONDS`` (default 20
   nationally, 5 on the small data set). Every request picks a page at random by the mix
   below and a record among the person's; the time is the client's, from the request to
   the last byte of the answer, and a request counts when its answer arrives in the
   measured window. Anything but a 200 (a redirect too) is an error.

The mix (weights in ``PROFESSIONAL_MIX`` and ``MOTHER_MIX``): a professional's "Mijn
dossiers" (``my_dossiers``, the list), the record overview (``overview``), the care plan
(``care_plan``), a newborn's weight curve (``weight_curve``), the API's list and record
(``api_list``, ``api_detail``) and the floor (``floor``): ``/ik.json``, a signed-in view
through the same middleware that does nothing else (``config/views.py``). A mother has no
list page (she lands on her record).

Printed (``BENCH <name> <value> <unit>``, ``<w>`` the worker kind):

* ``load_rps_<n>_users_<w>``: answers per second at n users; ``load_p50_ms_<n>_users_<w>``
  and ``load_p95_ms_…``: their times over the whole mix;
* ``load_errors_<w>``: requests not answered 200, all levels and warm-ups included (target
  0; the most frequent are printed as ``#`` lines);
* at the first level (one user): ``load_page_p50_ms_<page>_<w>`` per page, and
  ``page_floor_ratio_overview`` / ``page_floor_ratio_my_dossiers``: the page's median over
  the floor's, same run (the first worker kind's; ``…_<w>`` for the others). Target ≤ 3;
* ``#`` lines per level: requests, the CPU gunicorn used (cores), the load generator's own
  CPU, how busy the machine was (others' work included) and the database's average
  number of active connections (sampled every 0.25 s).

Targets (``# target …`` lines, never asserted): the two floor ratios ≤ 3 (national scale),
``load_rps_50_users_<w>`` ≥ 2× the baseline — ``LOAD_BASELINE_RPS`` when set, else the
baseline kept for this scale (``LOAD_SAVE_BASELINE=1`` keeps this run's, in
``.data/bench/load-baseline-<scale>.json``), else nationally issue 16's 45 requests/s (two
sync workers before the work on it) — and no errors. The last run's figures are kept in
``.data/bench/load-last-<scale>.json``.

The sessions and TOTP devices made for the run are deleted at the end. The pages' reads
stay in the access log, as any real reading does: the national log grows with every run."""

from __future__ import annotations

import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.database import scale_from_environment, use_bench_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / ".data" / "bench"
STATIC_ROOT = ROOT / "staticfiles"  # config/settings.py's in production
# The key the other benchmarks run with (DJANGO_ENV=test's): the sessions written here, the
# session hashes and the access log's keys then match what the server computes.
SECRET_KEY = "insecure-test-key-never-use-in-production"
SEED = 16
PEOPLE = 50  # distinct people: the largest level's users
MOTHER_EVERY = 5  # every fifth person is a mother
MIN_RECORDS = 5  # a sampled professional's records in her current networks, at least
RECORDS = 5  # records (and newborns) per person and page
WORKERS = 2
THREADS = 4
WORKER_KINDS = {
    "sync": ["--worker-class", "sync", "--workers", str(WORKERS)],
    "gthread": ["--worker-class", "gthread", "--workers", str(WORKERS), "--threads", str(THREADS)],
}
PROFESSIONAL_MIX = {
    "my_dossiers": 25,
    "overview": 25,
    "care_plan": 10,
    "weight_curve": 10,
    "api_list": 10,
    "api_detail": 10,
    "floor": 10,
}
MOTHER_MIX = {
    "overview": 40,
    "care_plan": 15,
    "weight_curve": 15,
    "api_list": 5,
    "api_detail": 15,
    "floor": 10,
}
FLOOR_TARGET = 3.0
RPS_FACTOR = 2.0
ISSUE_BASELINE_RPS = 45.0  # issue 16: 34–45 requests/s, two (sync) workers, national data
SHOWN_ERRORS = 5
READY_SECONDS = 90


def emit(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.2f} {unit}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a number.") from None


# --- the people -----------------------------------------------------------------------------


@dataclass
class Person:
    username: str
    mother: bool
    urls: dict[str, list[str]]  # page → the URLs it may ask
    cookie: str = ""

    @property
    def mix(self) -> tuple[list[str], list[int]]:
        weights = MOTHER_MIX if self.mother else PROFESSIONAL_MIX
        pages = [page for page in weights if self.urls.get(page)]
        return pages, [weights[page] for page in pages]


def choose_people(count: int) -> tuple[list[Person], list]:
    """The persona first, then sampled professionals and (every fifth) mothers. Returns the
    people and the users behind them, in the same order."""
    from django.contrib.auth.models import User
    from django.db.models import Count

    from dossier.models import Dossier
    from network.models import Membership

    rng = random.Random(SEED)
    persona = User.objects.get(username="bench-midwife")
    pro_ids = list(
        Membership.objects.filter(ended_at__isnull=True, professional__user__is_active=True)
        .exclude(professional__user=persona)
        .values("professional__user_id")
        .annotate(records=Count("id"))
        .filter(records__gte=MIN_RECORDS)
        .order_by("professional__user_id")
        .values_list("professional__user_id", flat=True)
    )
    mothers_wanted = count // MOTHER_EVERY
    mother_ids = list(
        dict.fromkeys(
            Dossier.objects.filter(mother__user__isnull=False, mother__user__is_active=True)
            .order_by("-created_at")
            .values_list("mother__user_id", flat=True)[: max(50, mothers_wanted * 20)]
        )
    )
    pros = [persona.pk, *rng.sample(pro_ids, min(len(pro_ids), count))]
    mothers = rng.sample(mother_ids, min(len(mother_ids), mothers_wanted))
    order = []
    for index in range(count):
        if (index + 1) % MOTHER_EVERY == 0 and mothers:
            order.append(mothers[(index // MOTHER_EVERY) % len(mothers)])
        else:
            order.append(pros[(index - index // MOTHER_EVERY) % len(pros)])
    users = User.objects.select_related("mother").in_bulk(set(order))
    ordered_users = [users[user_id] for user_id in order]
    return [person_urls(user) for user in ordered_users], ordered_users


def person_urls(user) -> Person:
    """The URLs of the mix for this user: records she may open, newest first."""
    from django.urls import reverse

    from dossier.sections import Section
    from network import access

    mother = access.is_mother(user) and not access.is_care_provider(user)
    visible = access.visible_dossiers(user)
    records = list(
        access.with_section_flags(visible, user, sections=[Section.CAREPLAN])
        .order_by("-created_at")
        .values_list("public_id", "can_view_careplan")[: RECORDS * 4]
    )
    born = list(
        access.with_section_flags(
            visible.filter(newborns__isnull=False), user, sections=[Section.NEWBORN]
        )
        .filter(can_view_newborn=True)
        .order_by("-created_at")
        .values_list("public_id", "newborns__public_id")[:RECORDS]
    )
    shown = [public_id for public_id, _plan in records[:RECORDS]]
    urls = {
        "overview": [reverse("dossier:detail", args=[p]) for p in shown],
        "care_plan": [reverse("careplan:plan", args=[p]) for p, plan in records if plan][:RECORDS],
        "weight_curve": [reverse("dossier:weight", args=[p, n]) for p, n in born],
        "api_list": [reverse("api:dossier-list")],
        "api_detail": [reverse("api:dossier-detail", args=[p]) for p in shown],
        "floor": [reverse("whoami")],
    }
    if not mother:
        urls["my_dossiers"] = [reverse("dossier:dashboard")]
    return Person(user.get_username(), mother, urls)


def sign_in(people: list[Person], users: list) -> tuple[list[str], list[int]]:
    """A session per person in the session store, as the sign-in leaves it. Returns the
    session keys and the ids of the TOTP devices made for the run (to delete after it)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from config.signin import must_verify

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    languages = {code for code, _name in settings.LANGUAGES}
    keys, made = [], []
    for person, user in zip(people, users, strict=True):
        store = store_class()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if must_verify(user):
            device, created = TOTPDevice.objects.get_or_create(
                user=user, name="bench", defaults={"confirmed": True}
            )
            if created:
                made.append(device.pk)
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.save()
        cookies = [f"{settings.SESSION_COOKIE_NAME}={store.session_key}"]
        language = getattr(getattr(user, "mother", None), "preferred_language", "")
        if person.mother and language in languages:
            cookies.append(f"{settings.LANGUAGE_COOKIE_NAME}={language}")
        person.cookie = "; ".join(cookies)
        keys.append(store.session_key)
    return keys, made


def sign_out(keys: list[str], devices: list[int]) -> None:
    from importlib import import_module

    from django.conf import settings
    from django_otp.plugins.otp_totp.models import TOTPDevice

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store_class().delete(key)
    TOTPDevice.objects.filter(pk__in=devices).delete()


# --- the server -----------------------------------------------------------------------------


def server_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SENTRY_DSN", None)  # the bench's errors go nowhere but its own report
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",  # plain HTTP on 127.0.0.1, no proxy in front
        DJANGO_DEBUG="0",
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/15",
    )
    return env


def collect_static(env: dict[str, str]) -> None:
    """``collectstatic`` with the production settings, when a static file changed since the
    last run (it takes minutes on a busy machine: every file is hashed and compressed)."""
    import hashlib

    from django.contrib.staticfiles import finders

    files = []
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            files.append(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}")
    fingerprint = hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest()
    stamp = RESULTS / "load-static.fingerprint"
    manifest = STATIC_ROOT / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        note("static files unchanged since the last collectstatic")
        return
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"collectstatic with the production settings failed:\n{done.stderr[-3000:]}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)
    note(f"static files collected (production settings) in {time.perf_counter() - start:.0f} s")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _proc_stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command's name (Linux); [] when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return stat[stat.rfind(")") + 2 :].split()


class Gunicorn:
    """gunicorn in its own process group; ``stop()`` ends the group (TERM, then KILL)."""

    def __init__(self, kind: str, env: dict[str, str]):
        self.kind, self.port = kind, free_port()
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.log_path = RESULTS / f"load-gunicorn-{kind}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--access-logfile",
                "-",
                *WORKER_KINDS[kind],
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        import urllib3

        pool = urllib3.HTTPConnectionPool("127.0.0.1", self.port, retries=False, timeout=2)
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn ({self.kind}) stopped at start:\n{self.tail()}")
            try:
                if pool.request("GET", "/healthz/live").status == 200:
                    return
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(
            f"gunicorn ({self.kind}) did not answer in {READY_SECONDS} s:\n{self.tail()}"
        )

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """User and system CPU of the master and its workers (the process group)."""
        total, tick = 0, os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                fields = _proc_stat(entry.name)
                if fields and int(fields[2]) == self.process.pid:
                    total += int(fields[11]) + int(fields[12])
        return total / tick

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.log.close()


# --- the load -------------------------------------------------------------------------------


@dataclass
class Sample:
    page: str
    ms: float


@dataclass
class Level:
    users: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    server_cores: float = 0.0
    client_cores: float = 0.0
    machine_busy: float = 0.0
    database_active: float = 0.0


def machine_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat; (0, 0) elsewhere."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class DatabaseSampler(threading.Thread):
    """The bench database's active connections (other than its own), every 0.25 s."""

    def __init__(self, url: str, database: str):
        super().__init__(daemon=True)
        self.url, self.database = url, database
        self.counts: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                while not self.done.wait(0.25):
                    row = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                        "AND state = 'active' AND pid <> pg_backend_pid()",
                        [self.database],
                    ).fetchone()
                    self.counts.append(row[0] if row else 0)
        except psycopg.Error:
            pass

    def mean(self) -> float:
        self.done.set()
        self.join(timeout=5)
        return statistics.fmean(self.counts) if self.counts else 0.0


def _headers(person: Person, page: str) -> dict[str, str]:
    """What a browser sends for a page, and the offline app or another system for the API
    and ``/ik.json``: JSON (not the browsable API's HTML)."""
    json_wanted = page.startswith("api_") or page == "floor"
    return {
        "Cookie": person.cookie,
        "Accept": "application/json" if json_wanted else "text/html,application/xhtml+xml",
    }


def user_loop(port: int, person: Person, seed: int, window: tuple, level: Level) -> None:
    """One person's requests, back to back, until the window closes. A request is counted
    (and timed) when its answer arrives inside the window, an error always."""
    import urllib3

    start_at, stop_at = window
    rng = random.Random(seed)
    pages, weights = person.mix
    pool = urllib3.HTTPConnectionPool(
        "127.0.0.1",
        port,
        maxsize=1,
        retries=False,
        timeout=urllib3.Timeout(connect=10, read=60),
    )
    try:
        while time.perf_counter() < stop_at:
            page = rng.choices(pages, weights)[0]
            url = rng.choice(person.urls[page])
            start = time.perf_counter()
            try:
                response = pool.request("GET", url, headers=_headers(person, page), redirect=False)
            except urllib3.exceptions.HTTPError as exc:
                level.errors.append(f"{person.username} GET {url}: {exc.__class__.__name__}")
                continue
            end = time.perf_counter()
            if response.status != 200:
                where = response.headers.get("Location", "")
                level.errors.append(f"{person.username} GET {url}: {response.status} {where}")
            elif start_at <= end <= stop_at:
                level.samples.append(Sample(page, (end - start) * 1000))
    finally:
        pool.close()


def run_level(server: Gunicorn, people: list[Person], users: int, timing: tuple, db) -> Level:
    seconds, warmup = timing
    level = Level(users, seconds)
    start_at = time.perf_counter() + warmup
    window = (start_at, start_at + seconds)
    threads = [
        threading.Thread(
            target=user_loop,
            args=(
                server.port,
                people[i % len(people)],
                SEED * 10_000 + users * 100 + i,
                window,
                level,
            ),
            daemon=True,
        )
        for i in range(users)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, start_at - time.perf_counter()))
    sampler = DatabaseSampler(*db)
    sampler.start()
    server_before, client_before = server.cpu_seconds(), time.process_time()
    busy_before, total_before = machine_times()
    time.sleep(max(0.0, window[1] - time.perf_counter()))
    level.server_cores = (server.cpu_seconds() - server_before) / seconds
    level.client_cores = (time.process_time() - client_before) / seconds
    busy_after, total_after = machine_times()
    if total_after > total_before:
        level.machine_busy = (busy_after - busy_before) / (total_after - total_before)
    level.database_active = sampler.mean()
    for thread in threads:
        thread.join(timeout=90)
    return level


def check_sessions(server: Gunicorn, people: list[Person]) -> None:
    """Every person's floor once: a refused session stops the run before it measures."""
    import urllib3

    pool = urllib3.HTTPConnectionPool("127.0.0.1", server.port, retries=False, timeout=60)
    for person in people:
        response = pool.request(
            "GET", person.urls["floor"][0], headers={"Cookie": person.cookie}, redirect=False
        )
        if response.status != 200:
            raise SystemExit(
                f"{person.username}'s session was refused ({response.status} "
                f"{response.headers.get('Location', '')}): the sessions written for the run "
                f"do not sign in.\n{server.tail()}"
            )


# --- the run --------------------------------------------------------------------------------


def measure(kind: str, env, people, levels, timing, db, results: dict) -> None:
    server = Gunicorn(kind, env)
    errors: list[str] = []
    try:
        server.wait_ready()
        check_sessions(server, people)
        threads = f" × {THREADS} threads" if kind == "gthread" else ""
        note(f"gunicorn {kind}: {WORKERS} workers{threads} on 127.0.0.1:{server.port}")
        for users in levels:
            level = run_level(server, people, users, timing, db)
            errors += level.errors
            report_level(kind, level, results, first=users == levels[0])
    finally:
        server.stop()
    emit(f"load_errors_{kind}", len(errors), "requests")
    results[f"load_errors_{kind}"] = len(errors)
    for text, times in Counter(errors).most_common(SHOWN_ERRORS):
        note(f"error ({times}×): {text}")
    if errors:
        note(f"gunicorn's log: {server.log_path}")


def report_level(kind: str, level: Level, results: dict, *, first: bool) -> None:
    times = [sample.ms for sample in level.samples]
    n, suffix = level.users, f"{level.users}_users_{kind}"
    if not times:
        note(f"{kind}, {n} users: no request answered in {level.seconds:.0f} s")
        return
    figures = {
        f"load_rps_{suffix}": (len(times) / level.seconds, "req/s"),
        f"load_p50_ms_{suffix}": (statistics.median(times), "ms"),
        f"load_p95_ms_{suffix}": (percentile(times, 0.95), "ms"),
    }
    for name, (value, unit) in figures.items():
        emit(name, value, unit)
        results[name] = round(value, 2)
    note(
        f"{kind}, {n} user{'s' if n > 1 else ''}: {len(times):,} requests in "
        f"{level.seconds:.0f} s; gunicorn used {level.server_cores:.2f} cores, the load "
        f"generator {level.client_cores:.2f}; machine {level.machine_busy:.0%} busy; database "
        f"{level.database_active:.2f} active connections on average"
    )
    if not first:
        return
    by_page: dict[str, list[float]] = {}
    for sample in level.samples:
        by_page.setdefault(sample.page, []).append(sample.ms)
    medians = {page: statistics.median(values) for page, values in by_page.items()}
    for page, median in sorted(medians.items()):
        emit(f"load_page_p50_ms_{page}_{kind}", median, "ms")
        results[f"load_page_p50_ms_{page}_{kind}"] = round(median, 2)
    note(
        f"requests per page at {n} user{'s' if n > 1 else ''}: "
        + ", ".join(f"{page} {len(values)}" for page, values in sorted(by_page.items()))
    )
    floor = medians.get("floor")
    for page in ("overview", "my_dossiers"):
        if floor and page in medians:
            name = f"page_floor_ratio_{page}"
            if name in results:  # the first worker kind's is the target's figure
                name += f"_{kind}"
            emit(name, medians[page] / floor, "x")
            results[name] = round(medians[page] / floor, 2)


def baseline_rps(scale: str) -> tuple[dict[str, float], str]:
    path = RESULTS / f"load-baseline-{scale}.json"
    if os.environ.get("LOAD_BASELINE_RPS", "").strip():
        value = _env_number("LOAD_BASELINE_RPS", 0.0)
        return dict.fromkeys(WORKER_KINDS, value), "LOAD_BASELINE_RPS"
    if path.exists():
        saved = json.loads(path.read_text())
        return saved["rps"], f"the baseline kept on {saved['saved_at']}"
    if scale == "national":
        return dict.fromkeys(WORKER_KINDS, ISSUE_BASELINE_RPS), "issue 16's figure"
    return {}, ""


def targets(scale: str, levels: list[int], results: dict) -> None:
    for page in ("overview", "my_dossiers"):
        ratio = results.get(f"page_floor_ratio_{page}")
        if ratio is not None:
            met = "met" if ratio <= FLOOR_TARGET else "NOT met"
            note(
                f"target page_floor_ratio_{page} ≤ {FLOOR_TARGET:.0f} (national scale): "
                f"{ratio:.2f} ({met})"
            )
    baseline, source = baseline_rps(scale)
    for kind in WORKER_KINDS:
        rps = results.get(f"load_rps_{PEOPLE}_users_{kind}")
        if rps is not None and kind in baseline:
            wanted = RPS_FACTOR * baseline[kind]
            note(
                f"target load_rps_{PEOPLE}_users_{kind} ≥ {RPS_FACTOR:.0f} × {baseline[kind]:.1f}"
                f" ({source}) = {wanted:.1f}: {rps:.1f} ({'met' if rps >= wanted else 'NOT met'})"
            )
        elif rps is not None:
            note(
                f"target load_rps_{PEOPLE}_users_{kind} ≥ {RPS_FACTOR:.0f} × the baseline: no "
                f"baseline for SCALE={scale} (LOAD_SAVE_BASELINE=1 keeps this run's)"
            )
        if f"load_errors_{kind}" in results:
            errors = results[f"load_errors_{kind}"]
            note(f"target load_errors_{kind} = 0: {errors} ({'NOT met' if errors else 'met'})")
    if os.environ.get("LOAD_SAVE_BASELINE", "").strip().lower() in {"1", "true", "yes"}:
        kept = {
            kind: results[f"load_rps_{PEOPLE}_users_{kind}"]
            for kind in WORKER_KINDS
            if f"load_rps_{PEOPLE}_users_{kind}" in results
        }
        path = RESULTS / f"load-baseline-{scale}.json"
        saved_at = time.strftime("%Y-%m-%d %H:%M")
        path.write_text(json.dumps({"saved_at": saved_at, "rps": kept}, indent=1))
        note(f"this run's requests per second at {PEOPLE} users kept as the baseline: {path}")


def prepare(scale: str) -> None:
    """Django on the bench database, with the data set there and its schema current."""
    import django

    django.setup()
    from bench.generator import build, build_status

    if scale == "small":
        build("small")  # kept when complete (``make bench`` rebuilds it)
        return
    status = build_status()
    if not status or status.get("state") != "complete" or status.get("scale") != scale:
        sys.exit(
            "The national data set is missing or incomplete: build it first with "
            "`make bench-data` (≈10 minutes), then run `make bench-load SCALE=national`."
        )
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    note(
        f"national data set built {status['built_at']}: {status['counts']['dossiers']:,} "
        f"records, {status['counts']['permissions']:,} permission rows"
    )


def main() -> None:
    scale = scale_from_environment("small")
    try:
        levels = sorted({int(n) for n in (os.environ.get("LOAD_USERS") or "1,10,50").split(",")})
    except ValueError:
        levels = []
    if not levels or levels[0] < 1 or levels[-1] > PEOPLE:
        sys.exit(f"LOAD_USERS: numbers of users from 1 to {PEOPLE}, comma-separated.")
    seconds = _env_number("LOAD_SECONDS", 20.0 if scale == "national" else 5.0)
    warmup = _env_number("LOAD_WARMUP_SECONDS", 3.0)
    if seconds <= 0 or warmup < 0:
        sys.exit("LOAD_SECONDS must be above 0 and LOAD_WARMUP_SECONDS at least 0.")
    kinds = [k.strip() for k in (os.environ.get("LOAD_WORKERS") or "sync,gthread").split(",")]
    if unknown := [k for k in kinds if k not in WORKER_KINDS]:
        sys.exit(f"LOAD_WORKERS: unknown {unknown}; use {', '.join(WORKER_KINDS)}.")
    try:
        import gunicorn  # noqa: F401
        import urllib3  # noqa: F401
    except ImportError as exc:
        sys.exit(f"{exc.name} is missing: run `make install`.")

    os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY  # sessions signed as the server checks them
    database = use_bench_database(scale, create=scale == "small")
    prepare(scale)
    # gunicorn is stopped and the sessions deleted on a TERM too (Ctrl+C raises anyway)
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    env = server_environment()
    collect_static(env)
    from django.db import connection

    people, users = choose_people(PEOPLE)
    keys, devices = sign_in(people, users)
    connection.close()  # no idle connection of ours during the run
    pros = sum(1 for person in people if not person.mother)
    note(
        f"{len({p.username for p in people})} people ({pros} professionals, "
        f"{len(people) - pros} mothers; the first level's is {people[0].username}); "
        f"{seconds:.0f} s per level after {warmup:.0f} s of warm-up"
    )
    results: dict = {"scale": scale, "levels": levels, "seconds": seconds}
    try:
        for kind in kinds:
            measure(
                kind,
                env,
                people,
                levels,
                (seconds, warmup),
                (env["DATABASE_URL"], database),
                results,
            )
    finally:
        sign_out(keys, devices)
    targets(scale, levels, results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"load-last-{scale}.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
