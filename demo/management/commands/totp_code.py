"""``manage.py totp_code <user name>``: the current sign-in code of a demo account, for
signing in to the demo without a phone. Refuses in production and for real accounts."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.totp import current_code, demo_device


class Command(BaseCommand):
    help = (
        "Print the current 6-digit sign-in code of a demo account (as its authenticator "
        "app would show it). A code works once; the next one comes within 30 seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="a demo login, e.g. griet or beheerder")

    def handle(self, *args, username: str, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "totp_code only serves the demo: in production every code comes from the "
                "user's own authenticator app."
            )
        device = demo_device(username)
        if device is None:
            raise CommandError(
                f"{username!r} has no demo authenticator: only the demo's professionals and "
                "beheerder have one (run `manage.py load_demo` first)."
            )
        self.stdout.write(current_code(device))
