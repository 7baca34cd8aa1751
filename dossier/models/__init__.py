"""The record's tables. ``record`` holds the mother, the dossier, the delivery and the
newborn; the other modules hold the entries of each part of the record, all on the
``ClinicalEntry`` base (``entry``)."""

from dossier.models.alert import Alert  # noqa: F401
from dossier.models.closure import *  # noqa: F403
from dossier.models.consult import *  # noqa: F403
from dossier.models.entry import ClinicalEntry, Writer, day_post_partum  # noqa: F401
from dossier.models.followup import *  # noqa: F403
from dossier.models.own import *  # noqa: F403
from dossier.models.prenatal import *  # noqa: F403
from dossier.models.record import *  # noqa: F403
from dossier.models.record import _local  # noqa: F401
from dossier.models.stay import *  # noqa: F403
