"""``manage.py verify_access_log``: walk the hash chain of the access log and report the
first broken link (an edited, removed or reordered row). Exit status 1 when broken."""

from django.core.management.base import BaseCommand, CommandError

from network.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the access log's hash chain; report the first broken link."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"The access log is broken at event {broken.event_id}: {broken.reason}. "
                f"{checked} events before it are intact. Keep a copy of the database and "
                "report this to the data protection officer."
            )
        self.stdout.write(self.style.SUCCESS(f"The access log is intact: {checked} events."))
