"""Personas and service fixtures shared by every test.

Personas (DESIGN.md §7): ``midwife`` (a professional), ``staff`` (an administrator) and
``outsider`` (a signed-in account that is no care provider). The network issue adds the
coordinator, the GP with narrower consent and the mothers."""

import contextlib
import os

import pytest
from django.conf import settings
from django.utils import translation

from tests.factories import ProfessionalFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(name: str, reason: str) -> None:
    """Skip on a developer's machine without the service; in CI, fail: CI has it."""
    message = f"{name} is not available: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(message)


@pytest.fixture
def redis_url():
    import redis

    url = settings.REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        require_service("Redis", f"{url}: {error}")
    return url


@pytest.fixture(autouse=True, scope="session")
def axes_sees_client_login():
    """django-axes (on in every test) needs the request in ``authenticate()``; the test
    client's ``login()`` passes none. Give it one from 127.0.0.1, so ``client.login`` works
    and counts toward a lock-out like a real login would."""
    from django.test import Client, RequestFactory

    original = Client.login

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/aanmelden/"))
        return original(self, **credentials)

    Client.login = login
    yield
    Client.login = original


@pytest.fixture(autouse=True)
def dutch():
    """Every test starts in the interface's default language."""
    with translation.override("nl"):
        yield


@pytest.fixture
def midwife(db):
    return ProfessionalFactory(user__username="griet", user__first_name="Griet").user


@pytest.fixture
def staff(db):
    return UserFactory(username="beheerder", is_staff=True)


@pytest.fixture
def outsider(db):
    return UserFactory(username="buitenstaander")


def sign_in_verified(client, user):
    """Log a user in as the app would after every required step of signing in: the
    password and, for whoever must give one (professionals, staff, a mother with her own
    authenticator app), a code from a confirmed TOTP device, marked in the session exactly
    as ``django_otp.login`` does. Returns the client."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from config.signin import must_verify

    client.force_login(user)
    if must_verify(user):
        device = TOTPDevice.objects.devices_for_user(
            user, confirmed=True
        ).first() or TOTPDevice.objects.create(user=user, name="test app", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def midwife_client(client, midwife):
    return sign_in_verified(client, midwife)


def route_celery(url: str, *, eager: bool) -> None:
    """Point the Celery app at a broker (the real Redis, or a port where nothing listens to
    play an outage) and choose whether tasks run in-process. The connection pools are
    dropped, kombu's shared ones too, so the next publish really goes to ``url``."""
    from kombu import pools

    from config.celery import app
    from network import outbox

    # a hand-over still publishing from the outbox's thread would take a producer pool
    # while the pools are replaced, and keep one that is closed below ("Acquire on closed
    # pool" at the next publish): let it finish first
    outbox.drain()
    # the settings' own (namespaced) names: with CELERY_-prefixed settings loaded, celery
    # 5.5 reads those before the short ones
    app.conf.update(CELERY_BROKER_URL=url, CELERY_TASK_ALWAYS_EAGER=eager)
    app.pool.force_close_all()
    pools.reset()
    # dropped after kombu's pools are closed, so no pool made in between is kept
    app._pool = None
    app.amqp._producer_pool = None


# The inner loop (`make test-fast`) leaves out what starts processes, walks every field of
# every route or every page, or drives a browser: the modules and tests below are marked
# "slow"; CI's `make test` runs everything.
SLOW_MODULES = {
    "tests/network/test_outbox_faults.py",  # real Celery workers killed at each step
    "tests/dossier/test_alert_escalation_worker.py",
    "tests/ebirth/test_export_worker.py",
    "tests/careplan/test_outbox_outage.py",
    "tests/ops/test_backup.py",  # pg_dump / pg_restore into a new database
    "tests/api/test_schemathesis.py",  # generated requests against every operation
    "tests/hardening/test_api_inputs.py",  # every field of every write route
    "tests/hardening/test_pages.py",
    "tests/test_demo.py",
    "tests/auth/test_demo_codes.py",  # loads the whole demo, test after test
}
SLOW_TESTS = {
    # fifty threads writing one plan (test_plan.py keeps the two-writer conflict)
    "tests/careplan/test_api.py::test_fifty_writers_at_once_leave_versions_without_gaps_or_duplicates",
    # initdb of a new embedded PostgreSQL cluster
    "tests/config/test_settings.py::test_development_without_database_url_starts_an_embedded_postgresql",
    # walks of every page
    "tests/test_page_text.py::test_the_main_pages_show_no_requirement_code_nor_raw_id",
    "tests/test_page_text.py::test_the_demo_prints_the_logins_with_no_raw_email_before_them",
    "tests/network/test_names.py::test_a_gp_without_her_identity_meets_her_name_nowhere",
    "tests/network/test_names.py::test_the_same_gp_with_her_identity_meets_her_name",
}


def _leaves_out_slow(config) -> bool:
    return "not slow" in (config.getoption("markexpr", "") or "")


def pytest_ignore_collect(collection_path, config):
    """Without the slow tests, their modules are not even imported (schemathesis, the demo)."""
    if (
        _leaves_out_slow(config)
        and collection_path.is_relative_to(config.rootpath)
        and str(collection_path.relative_to(config.rootpath)) in SLOW_MODULES
    ):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    root = config.rootpath
    for item in items:
        if (
            str(item.path.relative_to(root)) in SLOW_MODULES
            or item.nodeid.split("[")[0] in SLOW_TESTS
        ):
            item.add_marker(pytest.mark.slow)


# The rows the migrations seed, put back at the start of a session: a transactional test
# ends by emptying every table, and `make test-fast` keeps its test database (--reuse-db)
# for the next run. A migration that seeds rows adds its function here.
MIGRATION_SEEDS = [
    ("network.migrations.0003_database_guarantees_and_role_defaults", "seed_defaults"),
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    import importlib

    from django.apps import apps

    with django_db_blocker.unblock():
        for module, function in MIGRATION_SEEDS:  # each adds only what is missing
            getattr(importlib.import_module(module), function)(apps, None)


@contextlib.contextmanager
def module_rows(django_db_blocker):
    """Rows a module's tests share, made once (Django's ``setUpTestData`` for pytest): the
    block runs in a transaction each test nests its own in (a savepoint, rolled back after
    it, as usual), and the transaction is rolled back when the module's tests are done. For
    modules without transactional tests only (a transactional test would run inside it);
    each test should take fresh instances of the shared rows (``Network.fresh``), so what
    one test changes in memory never reaches the next."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def shared_rows(builder, *, name: str):
    """Two fixtures for a module whose tests all read the same rows: ``_shared_<name>``
    (module scope, autouse, so its transaction opens before any test's) runs ``builder()``
    once inside ``module_rows``; ``<name>`` gives each test ``built.fresh()``. In the
    module: ``_shared, network = shared_rows(build, name="network")``."""

    @pytest.fixture(scope="module", autouse=True, name=f"_shared_{name}")
    def built(django_db_setup, django_db_blocker):
        with module_rows(django_db_blocker):
            yield builder()

    @pytest.fixture(name=name)
    def fresh(db, request):
        return request.getfixturevalue(f"_shared_{name}").fresh()

    return built, fresh
