"""``manage.py retention``: the closed records past their retention period
(``RETENTION_YEARS`` after closure; dossier/retention.py), and the decisions about them.

    manage.py retention                                   list them (and why one is kept)
    manage.py retention --pseudonymise --decided-by USER --reason TEXT [--record ID ...]
    manage.py retention --hold ID --decided-by USER --reason TEXT
    manage.py retention --release ID --decided-by USER --reason TEXT

Each pseudonymisation is one transaction with its recorded decision; a record under legal
hold (or whose mother has a record still within its period) is refused. USER is an
administrator's user name (staff)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dossier import retention
from dossier.models import Dossier


class Command(BaseCommand):
    help = "List the records past their retention period; pseudonymise them or hold them."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--pseudonymise",
            action="store_true",
            help="Pseudonymise the records past their period (or --record).",
        )
        action.add_argument("--hold", metavar="ID", help="Place a legal hold on a record.")
        action.add_argument("--release", metavar="ID", help="Lift a record's legal hold.")
        parser.add_argument(
            "--record",
            action="append",
            default=[],
            metavar="ID",
            help="With --pseudonymise: only this record (repeatable).",
        )
        parser.add_argument("--decided-by", metavar="USER", help="Who decides (staff).")
        parser.add_argument("--reason", default="", help="Why (recorded with the decision).")

    def _decider(self, username):
        if not username:
            raise CommandError(
                "--decided-by USER is required: the decision is recorded with who made it."
            )
        user = (
            get_user_model()
            .objects.filter(username=username, is_active=True, is_staff=True)
            .first()
        )
        if user is None:
            raise CommandError(f"--decided-by: {username!r} is no active administrator.")
        return user

    def _record(self, public_id) -> Dossier:
        try:
            return Dossier.objects.get(public_id=public_id)
        except (Dossier.DoesNotExist, ValidationError) as error:
            raise CommandError(f"No record with the id {public_id!r}.") from error

    def handle(
        self,
        *args,
        pseudonymise=False,
        hold=None,
        release=None,
        record=(),
        decided_by=None,
        reason="",
        **options,
    ):
        if not (pseudonymise or hold or release):
            return self._list()
        user = self._decider(decided_by)
        if not reason.strip():
            raise CommandError("--reason TEXT is required: the decision is recorded with why.")
        try:
            if hold:
                retention.place_hold(self._record(hold), by=user, reason=reason)
                self.stdout.write(self.style.SUCCESS(f"Legal hold placed on {hold}."))
                return
            if release:
                retention.release_hold(self._record(release), by=user, reason=reason)
                self.stdout.write(self.style.SUCCESS(f"Legal hold lifted from {release}."))
                return
        except retention.RetentionRefused as error:
            raise CommandError(str(error)) from error
        targets = (
            [self._record(public_id) for public_id in record]
            if record
            else [item.dossier for item in retention.past_retention() if not item.blocked]
        )
        refused = 0
        for dossier in targets:
            try:
                retention.pseudonymise(dossier, by=user, reason=reason)
            except retention.RetentionRefused as error:
                refused += 1
                self.stderr.write(str(error))
            else:
                self.stdout.write(f"Pseudonymised {dossier.public_id}.")
        if refused:
            raise CommandError(f"{refused} of {len(targets)} records were refused (above).")
        self.stdout.write(self.style.SUCCESS(f"{len(targets)} records pseudonymised."))

    def _list(self):
        due = retention.past_retention()
        years = retention.retention_years()
        if not due:
            self.stdout.write(f"No closed record is past its retention period ({years} years).")
            return
        self.stdout.write(
            f"{len(due)} records past their retention period ({years} years after closure):"
        )
        for item in due:
            state = f"kept: {item.blocked}" if item.blocked else "may be pseudonymised"
            self.stdout.write(
                f"  {item.dossier.public_id}  closed {item.closed_at:%Y-%m-%d}  {state}"
            )
