"""The Celery application. With REDIS_URL it talks to Redis; without it (the demo) the
settings make every task run in-process, so nothing needs to be installed."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("moederschapsdossier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
