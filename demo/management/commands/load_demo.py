"""``manage.py load_demo``: the demo's care network and a dozen mothers. Safe to run twice."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from demo.scenarios import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo care network and mothers (idempotent); prints the demo logins."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "The demo data have a shared, printed password and must not enter a production "
                "record. Run it with DJANGO_ENV=development (as `make demo` does)."
            )
        # The demo's own e-mails (invitations, appointments) go to files, not between the
        # command's output and the logins it prints (issue 14).
        console = settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend"
            if console
            else settings.EMAIL_BACKEND
        ):
            result = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {result.created_mothers} mothers added, "
                f"{result.existing_mothers} already present."
            )
        )
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write(f"  {'user name':<10} {'TOTP secret (authenticator app)':<32}  who")
        for username, who in [*result.logins, *result.mother_logins]:
            secret = result.totp_secrets.get(username, "- (password only)")
            self.stdout.write(f"  {username:<10} {secret:<32}  {who}")
        self.stdout.write(
            "\nAfter the password, professionals and beheerder type a 6-digit code: add their "
            "secret to an authenticator app, or run `manage.py totp_code <user name>`."
        )
        if console:
            self.stdout.write(f"The demo's e-mails are in {settings.EMAIL_FILE_PATH}.")
