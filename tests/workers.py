"""A real Celery worker for the tests that need one: a subprocess on the test database and
the given broker, with the settings a test passes as environment variables."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def start_worker(broker: str, *, module: str = "celery", **environment: str) -> subprocess.Popen:
    """``module``: "celery" for the real worker, or a wrapper such as
    "tests.fault_worker" that starts the same worker with a fault planted."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "REDIS_URL": broker,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:"
        f"{database['PORT']}/{database['NAME']}",
        **environment,
    }
    arguments = (
        []
        if module != "celery"
        else [
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ]
    )
    return subprocess.Popen(
        [sys.executable, "-m", module, *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_until(condition, seconds=60):
    """The condition's first true value, polled until it comes or the time is up (None)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    return None


class RedisServer:
    """A Redis of the test's own on a free port (the shared one is never stopped): started,
    stopped and started again on the same port, keeping nothing on disk — as the
    machine's Redis does, so a restart loses what was queued."""

    def __init__(self, folder: Path):
        import shutil

        from tests.smtp import free_port

        self.binary = shutil.which("redis-server")
        self.folder, self.port, self.process = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        assert wait_until(lambda: _answers(client), 20), "own Redis did not start"

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=20)

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.stop()


def _answers(client) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.exceptions.RedisError:
        return False
