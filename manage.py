#!/usr/bin/env python
"""Django's command-line utility for the maternity record."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Commands typed at a developer's prompt run in development (embedded PostgreSQL, no
    # secrets needed). The servers (gunicorn's config.wsgi, Celery's config.celery) default
    # to production; the Docker image sets DJANGO_ENV=production for manage.py too.
    os.environ.setdefault("DJANGO_ENV", "development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
