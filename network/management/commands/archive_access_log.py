"""``manage.py archive_access_log YYYY-MM``: move the oldest month of the access log out of
the database into ``ACCESS_LOG_ARCHIVE_DIR`` (a gzipped CSV with its SHA-256 recorded),
after verifying the whole log; verification goes on from where each record's chain left
the month. Keep the file with the backups: it is part of the log."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from network import audit, partitions


class Command(BaseCommand):
    help = "Archive the oldest month of the access log (YYYY-MM) to a file and drop it."

    def add_arguments(self, parser):
        parser.add_argument("month", nargs="?", help="YYYY-MM; without it, list the months")
        parser.add_argument("--to", default=None, help="folder (default ACCESS_LOG_ARCHIVE_DIR)")

    def handle(self, *args, month=None, to=None, **options):
        if not month:
            for start, table in sorted(partitions.existing().items()):
                self.stdout.write(f"{start:%Y-%m}  {table}")
            return
        try:
            chosen = datetime.datetime.strptime(month, "%Y-%m").date()
        except ValueError as error:
            raise CommandError(f"month: {month!r} is not YYYY-MM (e.g. 2024-01).") from error
        folder = settings.ACCESS_LOG_ARCHIVE_DIR if to is None else Path(to)
        try:
            done = audit.archive(chosen, folder=folder)
        except audit.ArchiveRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(
            self.style.SUCCESS(
                f"{done.month:%Y-%m}: {done.events} events archived to {done.file_name} "
                f"(SHA-256 {done.file_sha256})."
            )
        )
