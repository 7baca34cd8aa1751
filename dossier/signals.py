"""What the record announces to the apps built on it (DESIGN.md §1: ``dossier`` imports
none of them; they listen). Sent inside the transaction of the change, so a listener's
writes (an outbox message) commit or roll back with it."""

from django.dispatch import Signal

# The discharge from the maternity ward was confirmed: dossier, discharged_at, actor.
discharge_confirmed = Signal()

# Clinical alerts were raised by one entry (dossier.alerts): alerts (a list), actor. Inside
# the entry's transaction.
alerts_raised = Signal()

# The record is about to be closed: dossier. A receiver returns a list of what is still open
# in its part of the care (e.g. the care plan's physician consultation), each as a short text.
closing = Signal()

# Someone who may open a record typed the INSZ of a mother already registered, whose records
# they do not see: mother, actor. Not an error (that would tell them she is registered): a
# receiver turns it into a request to join her record (``network.joins``). Inside the
# transaction of the attempt.
known_mother_opening = Signal()
