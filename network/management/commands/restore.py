"""``manage.py restore FOLDER``: restore a backup (``manage.py backup``) into an EMPTY
database — the configured one, or ``--database-url`` — and its eBirth export files into
EBIRTH_EXPORT_DIR (or ``--files-dir``), then check the rows per table, the access log's
hash chain and the files against the manifest. Exit status 1 on any difference."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from network.management.backup import BackupError, Target, restore


class Command(BaseCommand):
    help = "Restore a backup into an empty database and check it against its manifest."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="The backup's folder (with manifest.json).")
        parser.add_argument(
            "--database-url", help="The empty database to restore into (default: DATABASE_URL)."
        )
        parser.add_argument(
            "--files-dir", help="Where the export files go (default: EBIRTH_EXPORT_DIR)."
        )

    def handle(self, *args, folder, database_url=None, files_dir=None, **options):
        target = Target.from_url(database_url) if database_url else Target.default()
        try:
            manifest = restore(Path(folder), target, Path(files_dir or settings.EBIRTH_EXPORT_DIR))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {folder} into {target.name} and checked it: "
                f"{sum(manifest['tables'].values())} rows as in the manifest, the access log "
                f"intact, {len(manifest['files']) - 1} export files identical."
            )
        )
