"""What keeps a birth from being registered: the fields still missing and the ones that
contradict each other. A birth with any problem is not exported; the worklist shows the
same problems to who can complete them, each with the page where it is mended. One list
of rules, used by the export and by the worklist alike."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dossier.insz import check_insz_matches_birth_date, validate_insz
from dossier.models import Anomaly, PlaceOfBirth
from dossier.sections import Section
from ebirth.births import Birth

MISSING, INCONSISTENT = "missing", "inconsistent"
# A mother's age at the birth outside these bounds is a mistyped date of birth.
MOTHER_AGE = (10, 60)

# Where each section's fields are mended: the page's URL name (the dossier's id first).
PAGE_OF = {
    Section.IDENTITY: "dossier:mother_edit",
    Section.PRENATAL: "dossier:edit",
    Section.DELIVERY: "dossier:delivery",
    Section.NEWBORN: "dossier:newborn_edit",
}


@dataclass(frozen=True)
class Problem:
    kind: str  # MISSING or INCONSISTENT
    field: str  # the field's label, as on the page where it is mended
    message: str
    section: str
    input: str = ""  # the form field's name: "Complete" goes straight to it (issue 14)

    @property
    def url_name(self) -> str:
        return PAGE_OF[self.section]


FILL_IT_IN = _("Fill it in.")


def _missing(field, section, message=FILL_IT_IN, *, input="") -> Problem:
    return Problem(MISSING, field, message, section, input)


def _mother(birth: Birth) -> list[Problem]:
    problems = []
    if not birth.mother_insz:
        problems.append(
            _missing(
                _("INSZ number"),
                Section.IDENTITY,
                _("The civil registry needs the mother's INSZ (or BIS) number."),
                input="insz",
            )
        )
    else:
        try:
            validate_insz(birth.mother_insz)
            check_insz_matches_birth_date(birth.mother_insz, birth.mother_date_of_birth)
        except ValidationError as error:
            problems.append(
                Problem(
                    INCONSISTENT,
                    _("INSZ number"),
                    " ".join(error.messages),
                    Section.IDENTITY,
                    "insz",
                )
            )
    if not birth.mother_street.strip():
        problems.append(
            _missing(
                _("street and number"),
                Section.IDENTITY,
                _("The civil registry needs the mother's address."),
                input="street_address",
            )
        )
    low, high = MOTHER_AGE
    if not low <= birth.maternal_age() <= high:
        problems.append(
            Problem(
                INCONSISTENT,
                _("date of birth"),
                _("The mother would be %(age)s at the birth: check her date of birth.")
                % {"age": birth.maternal_age()},
                Section.IDENTITY,
                "date_of_birth",
            )
        )
    return problems


def _pregnancy(birth: Birth) -> list[Problem]:
    problems = []
    if not birth.conception:
        problems.append(_missing(_("mode of conception"), Section.PRENATAL, input="conception"))
    if birth.newborns_recorded < birth.fetus_count:
        problems.append(
            Problem(
                INCONSISTENT,
                _("number of fetuses"),
                _(
                    "The pregnancy has %(fetuses)s fetuses but %(recorded)s newborn(s) recorded: "
                    "add "
                    "the other newborn or correct the number of fetuses."
                )
                % {"fetuses": birth.fetus_count, "recorded": birth.newborns_recorded},
                Section.PRENATAL,
                "fetus_count",
            )
        )
    if birth.place == PlaceOfBirth.HOSPITAL and not birth.maternity_ward.strip():
        problems.append(
            _missing(
                _("maternity ward"),
                Section.DELIVERY,
                _("Name the hospital of a birth in hospital."),
                input="maternity_ward",
            )
        )
    return problems


def _newborn(birth: Birth) -> list[Problem]:
    problems = []
    if birth.stillborn:
        if any(score for score in (birth.apgar_1, birth.apgar_5)):
            problems.append(
                Problem(
                    INCONSISTENT,
                    _("Apgar at 5 minutes"),
                    _(
                        "A stillborn child has an Apgar score of 0: correct the score or whether "
                        "the "
                        "child was born alive."
                    ),
                    Section.NEWBORN,
                    "apgar_5",
                )
            )
        if birth.neonatal_admission:
            problems.append(
                Problem(
                    INCONSISTENT,
                    _("admitted to a neonatal unit (N*/NICU)"),
                    _(
                        "A stillborn child is not admitted to a neonatal unit: correct one of the "
                        "two."
                    ),
                    Section.NEWBORN,
                    "neonatal_admission",
                )
            )
    else:
        if birth.apgar_1 is None:
            problems.append(_missing(_("Apgar at 1 minute"), Section.NEWBORN, input="apgar_1"))
        if birth.apgar_5 is None:
            problems.append(_missing(_("Apgar at 5 minutes"), Section.NEWBORN, input="apgar_5"))
    if not birth.congenital_anomaly:
        problems.append(
            _missing(
                _("congenital anomalies"),
                Section.NEWBORN,
                _("Say whether anomalies were seen (“none seen” is an answer)."),
                input="congenital_anomaly",
            )
        )
    elif birth.congenital_anomaly == Anomaly.PRESENT and not birth.anomaly_description.strip():
        problems.append(
            _missing(_("which anomalies"), Section.NEWBORN, input="anomaly_description")
        )
    if birth.neonatal_admission is None and not birth.stillborn:
        problems.append(
            _missing(
                _("admitted to a neonatal unit (N*/NICU)"),
                Section.NEWBORN,
                _("Answer yes or no."),
                input="neonatal_admission",
            )
        )
    return problems


def problems(birth: Birth) -> list[Problem]:
    """Every reason this birth cannot be registered yet; empty when it is complete."""
    return [*_mother(birth), *_pregnancy(birth), *_newborn(birth)]
