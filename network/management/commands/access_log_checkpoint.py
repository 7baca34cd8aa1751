"""``manage.py access_log_checkpoint``: sign the chain heads that moved now (the beat does
it every ten minutes) and make the coming months' partitions."""

from django.core.management.base import BaseCommand

from network import audit, partitions


class Command(BaseCommand):
    help = "Write a signed checkpoint of the access log's chain heads that moved."

    def handle(self, *args, **options):
        made = partitions.ensure()
        point = audit.checkpoint()
        if made:
            self.stdout.write(f"Partitions made: {', '.join(made)}")
        if point is None:
            self.stdout.write("No chain moved since the last checkpoint.")
        else:
            self.stdout.write(f"Checkpoint {point.pk}: {point.chains} chain heads signed.")
