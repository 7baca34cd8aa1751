"""The births the registration is about, read from the record in one flat query each: one
row per newborn with its delivery, pregnancy and mother. The messages, the completeness
rules and the worklist all start from a ``Birth``; nothing is typed twice (R8)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from uuid import UUID

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from dossier.models import Newborn, NewbornStatus, VitalStatus

# Belgium registers a birth from 22 weeks of pregnancy or a weight of 500 g; a loss before
# both is not a birth for the civil registry nor for the perinatal registries.
REGISTRABLE = Q(dossier__delivery__gestational_weeks__gte=22) | Q(birth_weight_g__gte=500)
# The civil registry must be told within 24 hours of the birth.
NOTIFICATION_DUE = datetime.timedelta(hours=24)

# The newborn's own columns keep their names; the others are named for the birth.
_OWN = (
    "birth_order",
    "sex",
    "vital_status",
    "birth_weight_g",
    "apgar_1",
    "apgar_5",
    "congenital_anomaly",
    "anomaly_description",
    "neonatal_admission",
)
_FIELDS = {
    "newborn_id": F("id"),
    "newborn_public_id": F("public_id"),
    "newborn_status": F("status"),
    "dossier_pk": F("dossier_id"),
    "dossier_public_id": F("dossier__public_id"),
    "fetus_count": F("dossier__fetus_count"),
    "parity": F("dossier__parity"),
    "conception": F("dossier__conception"),
    "born_at": F("dossier__delivery__born_at"),
    "place": F("dossier__delivery__place"),
    "maternity_ward": F("dossier__delivery__maternity_ward"),
    "gestational_weeks": F("dossier__delivery__gestational_weeks"),
    "gestational_days": F("dossier__delivery__gestational_days"),
    "mode": F("dossier__delivery__mode"),
    "presentation": F("dossier__delivery__presentation"),
    "induction": F("dossier__delivery__induction"),
    "epidural": F("dossier__delivery__epidural"),
    "episiotomy": F("dossier__delivery__episiotomy"),
    "mother_insz": F("dossier__mother__insz"),
    "mother_given_name": F("dossier__mother__given_name"),
    "mother_family_name": F("dossier__mother__family_name"),
    "mother_date_of_birth": F("dossier__mother__date_of_birth"),
    "mother_street": F("dossier__mother__street_address"),
    "mother_postcode": F("dossier__mother__postcode"),
    "mother_municipality": F("dossier__mother__municipality"),
    "mother_province": F("dossier__mother__province"),
}
# When any of the rows a birth's messages are built from last changed: stored with each
# message, so that a change committed while the export read the birth is seen next time.
CHANGED_AT = Greatest(
    "updated_at",
    "dossier__delivery__updated_at",
    "dossier__updated_at",
    "dossier__mother__updated_at",
)


@dataclass(frozen=True, slots=True)
class Birth:
    """One newborn's birth as the registration sees it (the fields of ``births()``)."""

    newborn_id: int
    newborn_public_id: UUID
    birth_order: int
    sex: str
    vital_status: str
    birth_weight_g: int
    apgar_1: int | None
    apgar_5: int | None
    congenital_anomaly: str
    anomaly_description: str
    neonatal_admission: bool | None
    newborn_status: str
    dossier_pk: int
    dossier_public_id: UUID
    fetus_count: int
    parity: int
    conception: str
    born_at: datetime.datetime
    place: str
    maternity_ward: str
    gestational_weeks: int
    gestational_days: int
    mode: str
    presentation: str
    induction: bool
    epidural: bool
    episiotomy: bool
    mother_insz: str
    mother_given_name: str
    mother_family_name: str
    mother_date_of_birth: datetime.date
    mother_street: str
    mother_postcode: str
    mother_municipality: str
    mother_province: str
    newborns_recorded: int
    changed_at: datetime.datetime
    # ``local_birth``, once asked (the current time zone is slow to look up; the messages
    # and the completeness rules ask it a few times per birth).
    _local_birth: datetime.datetime | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def stillborn(self) -> bool:
        return self.vital_status == VitalStatus.STILLBIRTH

    @property
    def perinatal_death(self) -> str:
        """ "stillbirth", "neonatal" (born alive, died in the record's weeks) or "none"."""
        if self.stillborn:
            return "stillbirth"
        return "neonatal" if self.newborn_status == NewbornStatus.DECEASED else "none"

    @property
    def local_birth(self) -> datetime.datetime:
        if self._local_birth is None:
            object.__setattr__(self, "_local_birth", timezone.localtime(self.born_at))
        return self._local_birth

    @property
    def notification_due(self) -> datetime.datetime:
        return self.born_at + NOTIFICATION_DUE

    def maternal_age(self) -> int:
        born, mother = self.local_birth.date(), self.mother_date_of_birth
        return born.year - mother.year - ((born.month, born.day) < (mother.month, mother.day))


def births(newborns: QuerySet[Newborn] | None = None) -> QuerySet:
    """The registrable births as ``values()`` rows (turn them into ``Birth`` with
    ``Birth(**row)``), with how many newborns the pregnancy has recorded."""
    recorded = (
        Newborn.objects.filter(dossier_id=OuterRef("dossier_id"))
        .order_by()
        .values("dossier_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    queryset = Newborn.objects.all() if newborns is None else newborns
    return (
        queryset.filter(REGISTRABLE)
        .order_by("id")
        .values(*_OWN, **_FIELDS, newborns_recorded=Subquery(recorded), changed_at=CHANGED_AT)
    )


def as_births(rows) -> list[Birth]:
    return [Birth(**row) for row in rows]


def birth_maker(columns: Sequence[str]) -> Callable[[Sequence], Birth]:
    """``make(row)``: ``Birth(**dict(zip(columns, row)))`` for rows of ``births()`` read
    through a cursor, several times faster (the export reads a year's births): the frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__``; this sets the
    slots themselves. The columns must be the ``Birth``'s fields, each once."""
    wanted = [f.name for f in fields(Birth) if f.init]
    if sorted(columns) != sorted(wanted):
        raise ValueError(f"the columns are not Birth's fields: {sorted(columns)}")
    setters = [getattr(Birth, name).__set__ for name in columns]
    set_local_birth = Birth._local_birth.__set__

    def make(row: Sequence) -> Birth:
        birth = object.__new__(Birth)
        for setter, value in zip(setters, row, strict=True):
            setter(birth, value)
        set_local_birth(birth, None)
        return birth

    return make
