"""The deployable stack: the compose file (shared export volume, healthchecks that do not
depend on the broker, a grace period for a chunk, services waiting for the migrations, a
non-root image), the beat's heartbeat and session clean-up, and "Exporteren" taking over a
batch whose worker is gone — its counters right after the resume."""

import datetime
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from packaging.requirements import Requirement

from config import tasks
from ebirth import export
from ebirth.models import BatchStatus, ExportBatch, ExportedMessage
from tests.ebirth.conftest import complete_birth
from tests.factories import UserFactory
from tests.network.conftest import sign_in

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("web", "worker", "beat")
EXPORT_DIR = "/var/lib/moederschapsdossier/ebirth"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def seconds(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(text[:-1]) * units[text[-1]]


def test_docker_compose_config_accepts_the_file_when_compose_is_installed(tmp_path):
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0
    ):
        pytest.skip("no docker compose CLI here; the file is checked as YAML below")
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=x\n")
    result = subprocess.run(
        [
            docker,
            "compose",
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(tmp_path / ".env"),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_the_export_files_are_on_one_named_volume_for_web_and_worker(compose):
    assert "ebirth-files" in compose["volumes"]
    for name in ("web", "worker", "backup"):
        service = compose["services"][name]
        assert f"ebirth-files:{EXPORT_DIR}" in service["volumes"], name
        assert service["environment"]["EBIRTH_EXPORT_DIR"] == EXPORT_DIR, name


def test_each_app_service_has_a_healthcheck_that_needs_no_broker(compose):
    services = compose["services"]
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz/live" in web and "/healthz/ready" not in web
    worker = " ".join(services["worker"]["healthcheck"]["test"])
    assert "celery" in worker and "inspect ping" in worker
    beat = " ".join(services["beat"]["healthcheck"]["test"])
    assert "heartbeat/beat" in beat and "getmtime" in beat
    assert services["beat"]["environment"]["HEARTBEAT_DIR"] in beat.replace("/beat'", "'")
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["beat-heartbeat"]["task"] == "config.tasks.beat_heartbeat"
    assert schedule["beat-heartbeat"]["schedule"] < 300  # well inside the check's 5 minutes
    assert schedule["clear-sessions"]["task"] == "config.tasks.clear_sessions"


def test_the_worker_may_finish_a_chunk_and_everyone_waits_for_the_migrations(compose):
    services = compose["services"]
    assert seconds(services["worker"]["stop_grace_period"]) >= 60
    assert services["migrate"]["restart"] == "no"
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
    assert "migrate" not in services["migrate"]["depends_on"]


def test_the_image_runs_as_a_user_that_owns_only_its_data():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert f"-o {users[-1]} -g {users[-1]} {EXPORT_DIR}" in dockerfile
    assert "chown -R" not in dockerfile
    assert "postgresql-client" in dockerfile  # pg_dump for `manage.py backup`


@pytest.mark.django_db
def test_the_heartbeat_is_touched_and_old_sessions_are_cleared(tmp_path, settings):
    settings.HEARTBEAT_DIR = tmp_path / "heartbeat"
    tasks.beat_heartbeat.delay()
    beat = tmp_path / "heartbeat" / "beat"
    assert beat.is_file() and timezone.now().timestamp() - beat.stat().st_mtime < 5
    Session.objects.create(
        session_key="x" * 32,
        session_data="",
        expire_date=timezone.now() - datetime.timedelta(days=1),
    )
    Session.objects.create(
        session_key="y" * 32,
        session_data="",
        expire_date=timezone.now() + datetime.timedelta(days=1),
    )
    tasks.clear_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]


# --- "Exporteren" takes over a batch whose worker is gone -------------------------------------


class WorkerKilled(BaseException):
    """What SIGKILL does to a worker: nothing after it runs (not even ``except``)."""


class Clock:
    def __init__(self, at):
        self.at = at

    def now(self):
        return self.at


@pytest.mark.django_db
def test_exporteren_takes_over_a_batch_whose_lease_ran_out_with_the_counters_right(
    client, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EBIRTH_EXPORT_DIR = tmp_path / "ebirth"
    settings.EBIRTH_EXPORT_CHUNK = 2
    settings.EBIRTH_EXPORT_LEASE_SECONDS = 300
    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock.now)  # the frozen clock, moved by hand
    [incomplete] = complete_birth(newborn={"congenital_anomaly": ""})  # held back
    births = [newborn for _ in range(5) for newborn in complete_birth()]
    registrar = UserFactory(username="rita")
    registrar.user_permissions.add(Permission.objects.get(codename="run_export"))

    # A worker claims the first chunk (the incomplete birth held back), then dies.
    real_chunk, chunks = export._claim_chunk, []

    def dies_after_one_chunk(batch, chunk, pool):
        if chunks:
            raise WorkerKilled
        chunks.append(chunk)
        real_chunk(batch, chunk, pool)

    monkeypatch.setattr(export, "_claim_chunk", dies_after_one_chunk)
    batch = export.new_batch()
    with pytest.raises(WorkerKilled):
        export.run(batch)
    monkeypatch.setattr(export, "_claim_chunk", real_chunk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING and batch.births_checked == 2
    assert batch.births_held_back == 1 and batch.leased_until == clock.at + datetime.timedelta(
        seconds=300
    )

    sign_in(client, registrar)
    client.cookies["django_language"] = "en"
    clock.at += datetime.timedelta(minutes=4)  # within the lease: the worker may be slow
    with django_capture_on_commit_callbacks(execute=True) as handed:
        page = client.post(reverse("ebirth:export_start"), follow=True).content.decode()
    assert "is still running" in page and not handed
    assert ExportBatch.objects.get().status == BatchStatus.RUNNING

    clock.at += datetime.timedelta(minutes=2)  # the lease has run out: the worker is gone
    with django_capture_on_commit_callbacks(execute=True) as handed:
        page = client.post(reverse("ebirth:export_start"), follow=True).content.decode()
    assert "its worker is gone" in page and len(handed) == 1
    batch = ExportBatch.objects.get()  # the same batch, finished: no second one
    assert batch.status == BatchStatus.DONE and batch.leased_until is None
    assert (batch.births_to_check, batch.births_checked, batch.births_held_back) == (6, 6, 1)
    assert batch.messages_written == batch.messages.count() == 10
    sent = ExportedMessage.objects.values_list("newborn_id", flat=True)
    assert sorted(set(sent)) == sorted(n.id for n in births) and len(sent) == 10
    assert not ExportedMessage.objects.filter(newborn=incomplete).exists()


# --- the reproducible build ---------------------------------------------------------------------


def normalised(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def pins(lock: str) -> dict[str, str]:
    """A lock file's pins by normalised name, after checking each carries its hashes."""
    lines = (ROOT / lock).read_text().splitlines()
    found = {}
    for number, line in enumerate(lines):
        if line and not line.startswith(("#", " ")):
            name, version = line.split(" ")[0].split(";")[0].split("==")
            assert lines[number + 1].lstrip().startswith("--hash=sha256:"), line
            found[normalised(name)] = version
    return found


def test_the_lock_files_pin_every_requirement_with_hashes_and_the_builds_use_them():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    for text in project["dependencies"]:
        requirement = Requirement(text)
        name = normalised(requirement.name)
        assert requirement.specifier.contains(runtime[name]), text
        assert dev[name] == runtime[name], name  # the tests run what production runs
    for text in project["optional-dependencies"]["dev"]:
        requirement = Requirement(text)
        assert requirement.specifier.contains(dev[normalised(requirement.name)]), text
    makefile, dockerfile = (ROOT / "Makefile").read_text(), (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert "--require-hashes -r requirements.lock" in dockerfile
