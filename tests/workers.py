"""A real Celery worker for the tests that need one: a subprocess on the test database and
the given broker, with the settings a test passes as environment variables."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def start_worker(broker: str, **environment: str) -> subprocess.Popen:
    database = connection.settings_dict
    env = {**os.environ, "DJANGO_ENV": "test", "REDIS_URL": broker,
           "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:"
                           f"{database['PORT']}/{database['NAME']}", **environment}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until(condition, seconds=60):
    """The condition's first true value, polled until it comes or the time is up (None)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    return None
