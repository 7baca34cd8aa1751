"""Dating the pregnancy (issue 18): how the expected due date was set, and the due date each
method gives. One table (``METHODS``) names each method, the fields it needs and its source;
``Dossier.clean()`` applies it, so the pages, the API and the demo date a pregnancy alike.

- the last menstrual period: + 280 days (Naegele's rule);
- an ultrasound: the crown-rump length (CRL) gives the gestational age on the day of the
  scan (Robinson & Fleming 1975), the due date is 280 days after the day it gives as day 0;
- an IVF pregnancy: the embryo transfer date + 266 days − the embryo's age at transfer;
- a due date typed in (from another record, a later scan): kept as typed, recorded as such.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

PREGNANCY_DAYS = 280  # from the first day of the last period to the due date
CONCEPTION_TO_BIRTH_DAYS = 266  # 280 − the 14 days from the period to the ovulation

# Robinson & Fleming's CRL formula, in days, with the 1.037 correction for a sound speed of
# 1540 m/s in the machines of today: GA = 8.052 × √(1.037 × CRL in mm) + 23.73.
ROBINSON_SLOPE = Decimal("8.052")
ROBINSON_SPEED = Decimal("1.037")
ROBINSON_INTERCEPT = Decimal("23.73")
CRL_LOWEST_MM = Decimal("10.0")  # ≈ 7+1 weeks: a smaller embryo is measured too roughly
CRL_HIGHEST_MM = Decimal("84.0")  # ≈ 14+1 weeks: beyond it the head circumference dates
EMBRYO_AGE_DAYS = (2, 6)  # a cleavage embryo (day 2–3) to a blastocyst (day 5–6)

ROBINSON = (
    "Robinson HP, Fleming JEE. A critical evaluation of sonar crown-rump length "
    "measurements. BJOG 1975;82:702–10, as recommended with the 1540 m/s correction by the "
    "BMUS (Loughna et al., Fetal size and dating: charts recommended for clinical obstetric "
    "practice. Ultrasound 2009;17:161–7): CRL dating between 45 and 84 mm, the Robinson "
    "chart used from 10 mm on in early dating scans; above 84 mm (14+1 weeks) the head "
    "circumference dates the pregnancy. NICE NG201 (2021) §1.2: date the pregnancy by the "
    "CRL at 10+0 to 13+6 weeks."
)
IVF = (
    "ACOG Committee Opinion 700 (2017), Methods for estimating the due date: an IVF "
    "pregnancy is dated by the transfer — the due date is 266 days after the transfer "
    "minus the embryo's age (261 days for a day-5 blastocyst, 263 for a day-3 embryo)."
)
NAEGELE = (
    "Naegele's rule: the due date is 280 days (40 weeks) after the first day of the last "
    "menstrual period, for a regular cycle of 28 days (KCE Report 248, 2015; NICE NG201)."
)


class DatingMethod(models.TextChoices):
    LMP = "lmp", _("Last menstrual period (+ 280 days)")
    ULTRASOUND = "ultrasound", _("Ultrasound: crown-rump length")
    IVF = "ivf", _("IVF: date of the embryo transfer")
    TYPED = "typed", _("Due date typed in")


@dataclass(frozen=True)
class Method:
    needs: tuple[str, ...]  # the Dossier fields the method reads
    why: str


METHODS = {
    DatingMethod.LMP: Method(("last_menstrual_period",), NAEGELE),
    DatingMethod.ULTRASOUND: Method(("crown_rump_length_mm", "dating_scan_on"), ROBINSON),
    DatingMethod.IVF: Method(("embryo_transfer_on", "embryo_age_days"), IVF),
    DatingMethod.TYPED: Method((), "A due date from elsewhere (another record, a later scan)."),
}
# The fields that only one method reads (the last period is kept whatever the method).
METHOD_ONLY_FIELDS = {
    name: method
    for method, spec in METHODS.items()
    if method != DatingMethod.LMP
    for name in spec.needs
}
DATING_FIELDS = frozenset(
    {"dating_method", *(name for spec in METHODS.values() for name in spec.needs)}
)


def gestational_days_from_crl(crl_mm: Decimal) -> int:
    """The gestational age in days on the day of the scan, rounded to the nearest day: a CRL
    of 45.0 mm is 79 days (11+2 weeks), 84.0 mm is 99 days (14+1 weeks)."""
    days = ROBINSON_SLOPE * (ROBINSON_SPEED * Decimal(crl_mm)).sqrt() + ROBINSON_INTERCEPT
    return int(days.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def due_date_from_lmp(lmp: datetime.date) -> datetime.date:
    return lmp + datetime.timedelta(days=PREGNANCY_DAYS)


def due_date_from_crl(crl_mm: Decimal, scan_on: datetime.date) -> datetime.date:
    return scan_on + datetime.timedelta(days=PREGNANCY_DAYS - gestational_days_from_crl(crl_mm))


def due_date_from_transfer(transfer_on: datetime.date, embryo_age_days: int) -> datetime.date:
    return transfer_on + datetime.timedelta(days=CONCEPTION_TO_BIRTH_DAYS - embryo_age_days)


def due_date(method: str, record) -> datetime.date | None:
    """The due date ``method`` gives from the record's fields (None for a typed one, or
    when a field it needs is missing)."""
    if method not in METHODS or method == DatingMethod.TYPED:
        return None
    values = [getattr(record, name) for name in METHODS[method].needs]
    if any(value is None for value in values):
        return None
    compute = {
        DatingMethod.LMP: due_date_from_lmp,
        DatingMethod.ULTRASOUND: due_date_from_crl,
        DatingMethod.IVF: due_date_from_transfer,
    }[method]
    try:
        return compute(*values)
    except (OverflowError, ArithmeticError):  # year 9999, a negative length: refused elsewhere
        return None
