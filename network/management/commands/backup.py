"""``manage.py backup [FOLDER]``: back up the database and the eBirth export files into one
folder with a manifest (see ``network/management/backup.py``). Without FOLDER:
``BACKUP_DIR/moederschapsdossier-<date>T<time>``."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from network.management.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the eBirth export files, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", nargs="?", help="The new folder to write (default: in BACKUP_DIR)."
        )

    def handle(self, *args, folder=None, **options):
        if folder is None:
            stamp = timezone.localtime().strftime("%Y%m%dT%H%M%S")
            folder = Path(settings.BACKUP_DIR) / f"moederschapsdossier-{stamp}"
        try:
            manifest = backup(Path(folder))
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {folder}: {rows} rows in {len(manifest['tables'])} tables, "
                f"{len(manifest['files']) - 1} export files (version {manifest['version']})."
            )
        )
