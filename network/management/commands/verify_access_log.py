"""``manage.py verify_access_log``: walk every record's hash chain against its head, then
the signed checkpoints, and report the first broken link (an edited, removed or reordered
row, a chain cut at its end or deleted whole, an altered checkpoint). Exit status 1 when
broken. The last checkpoint's signature is printed: kept outside (a ticket, a mail to the
data protection officer), it also shows whether checkpoints were later removed."""

from django.core.management.base import BaseCommand, CommandError

from network.audit import verify


class Command(BaseCommand):
    help = "Verify the access log's hash chains and checkpoints; report the first broken link."

    def handle(self, *args, **options):
        result = verify()
        broken = result.broken
        if broken is not None:
            where = f"event {broken.event_id}" if broken.event_id else "a chain"
            record = f" (record chain {broken.chain})" if broken.chain is not None else ""
            raise CommandError(
                f"The access log is broken at {where}{record}: {broken.reason}. "
                f"{result.events} events before it are intact. Keep a copy of the database "
                "and report this to the data protection officer."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"The access log is intact: {result.events} events in {result.chains} "
                f"record chains, {result.checkpoints} checkpoints."
            )
        )
        if result.last_checkpoint is not None:
            point = result.last_checkpoint
            self.stdout.write(
                f"Last checkpoint: {point.at:%Y-%m-%d %H:%M:%S} UTC, signature {point.signature}"
            )
