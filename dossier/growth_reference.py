"""The reference a baby's growth is read against: the WHO Child Growth Standards, as LMS
parameters by age in days (one table, ``data/who_lms.csv``, copied unchanged from WHO's
reference files; its header names the source), and the LMS method to turn a weight, a
length or a head circumference into a z-score and a percentile, and back.

- **Source**: WHO Multicentre Growth Reference Study Group, *WHO Child Growth Standards:
  length/height-for-age, weight-for-age, weight-for-length, weight-for-height and body mass
  index-for-age. Methods and development* (Geneva, WHO, 2006) and *… head
  circumference-for-age … Methods and development* (WHO, 2007); the LMS values by day are
  WHO's "expanded tables" (https://www.who.int/tools/child-growth-standards/standards,
  ``wfa_boys_p_exp.txt`` …), here from the WHO Anthro/igrowup reference files
  ``weianthro.txt``, ``lenanthro.txt`` and ``hcanthro.txt``.
- **z-score** (Methods and development 2006, chapter 7, "Computation of centiles and
  z-scores"): ``z = ((y / M) ** L - 1) / (L * S)``; beyond ±3 WHO's *restricted
  application* measures the distance in the spacing between the 2 and 3 SD lines, so the
  skewed tail does not stretch: above 3, ``z = 3 + (y - SD3) / (SD3 - SD2)``; below −3,
  ``z = -3 + (y - SD3neg) / (SD2neg - SD3neg)``. (For length and head circumference L = 1
  and the two are the same.)
- **Percentile lines** drawn on the charts: P3, P15, P50, P85 and P97, the set of WHO's own
  percentile charts and tables (``PERCENTILE_LINES``).
- **Preterm babies** (born before 37 weeks, WHO's definition of preterm birth): the WHO
  standard is read at the *corrected age*, the age counted from the due date (40 weeks):
  ``corrected = days since birth - (280 - gestational age at birth in days)``, as WHO and
  the AAP recommend until 2 years. Before term-equivalent age (corrected age below 0) the
  WHO standard has no reference. The Fenton 2013 preterm chart (Fenton & Kim, BMC Pediatrics
  2013;13:59) would cover 22 to 50 weeks postmenstrual age, but its LMS values are
  distributed by the University of Calgary under its own terms, not published openly: they
  are read from ``data/fenton2013_lms.csv`` *when the project has put that file there under
  that licence* (columns ``measure,sex,day,L,M,S`` with ``day`` the postmenstrual age in
  days and weight in kg, like the WHO table); without it a preterm baby has no percentile
  until term-equivalent age.
"""

from __future__ import annotations

import bisect
import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

DATA = Path(__file__).resolve().parent / "data"
WHO_FILE = DATA / "who_lms.csv"
FENTON_FILE = DATA / "fenton2013_lms.csv"

WEIGHT, LENGTH, HEAD = "weight", "length", "head"
MEASURES = (WEIGHT, LENGTH, HEAD)
UNITS = {WEIGHT: "kg", LENGTH: "cm", HEAD: "cm"}

TERM_DAYS = 280  # 40 weeks: corrected age counts from here
PRETERM_BEFORE_DAYS = 37 * 7  # born before 37+0 weeks: preterm (WHO)
FENTON_UNTIL_DAYS = 50 * 7  # the Fenton 2013 chart ends at 50 weeks postmenstrual age

_NORMAL = NormalDist()

# The lines on the charts: WHO's percentile set, each with its z-score.
PERCENTILE_LINES: tuple[tuple[int, float], ...] = tuple(
    (p, _NORMAL.inv_cdf(p / 100)) for p in (3, 15, 50, 85, 97)
)


@dataclass(frozen=True)
class LMS:
    L: float
    M: float
    S: float

    def value(self, z: float) -> float:
        """The measurement at z-score ``z`` (the percentile curve's value)."""
        if self.L == 0:
            return self.M * math.exp(self.S * z)
        return self.M * (1 + self.L * self.S * z) ** (1 / self.L)

    def z(self, y: float) -> float:
        """The z-score of measurement ``y``, with WHO's restricted application beyond ±3."""
        if self.L == 0:
            z = math.log(y / self.M) / self.S
        else:
            z = ((y / self.M) ** self.L - 1) / (self.L * self.S)
        if z > 3:
            sd3, sd2 = self.value(3), self.value(2)
            return 3 + (y - sd3) / (sd3 - sd2)
        if z < -3:
            sd3, sd2 = self.value(-3), self.value(-2)
            return -3 + (y - sd3) / (sd2 - sd3)
        return z


class Table:
    """LMS rows by (measure, sex), ordered by age in days; between two rows the parameters
    are interpolated linearly (the WHO table has a row per day, so a whole day is exact)."""

    def __init__(self, name: str, path: Path):
        self.name = name
        rows: dict[tuple[str, str], list[tuple[int, LMS]]] = {}
        with path.open(encoding="utf-8") as handle:
            lines = (line for line in handle if not line.startswith("#"))
            for row in csv.DictReader(lines):
                key = (row["measure"], row["sex"])
                lms = LMS(float(row["L"]), float(row["M"]), float(row["S"]))
                rows.setdefault(key, []).append((int(row["day"]), lms))
        for series in rows.values():
            series.sort(key=lambda row: row[0])
        self._days = {key: [day for day, _lms in series] for key, series in rows.items()}
        self._lms = {key: [lms for _day, lms in series] for key, series in rows.items()}

    def span(self, measure: str, sex: str) -> tuple[int, int] | None:
        days = self._days.get((measure, sex))
        return (days[0], days[-1]) if days else None

    def lms(self, measure: str, sex: str, day: float) -> LMS | None:
        days = self._days.get((measure, sex))
        if not days or not days[0] <= day <= days[-1]:
            return None
        rows = self._lms[(measure, sex)]
        i = bisect.bisect_left(days, day)
        if days[i] == day:
            return rows[i]
        (d0, a), (d1, b) = (days[i - 1], rows[i - 1]), (days[i], rows[i])
        t = (day - d0) / (d1 - d0)
        return LMS(a.L + t * (b.L - a.L), a.M + t * (b.M - a.M), a.S + t * (b.S - a.S))


@functools.cache
def who() -> Table:
    return Table("WHO", WHO_FILE)


@functools.cache
def fenton() -> Table | None:
    return Table("Fenton 2013", FENTON_FILE) if FENTON_FILE.exists() else None


def is_preterm(gestation_days: int | None) -> bool:
    return gestation_days is not None and gestation_days < PRETERM_BEFORE_DAYS


def reference_age(day: int, gestation_days: int | None = None) -> tuple[Table, int] | None:
    """Which table and which age in it for a baby ``day`` days old: a term baby's own age on
    the WHO standard; a preterm baby's postmenstrual age on Fenton (when the file is there)
    up to 50 weeks, else the corrected age on WHO; ``None`` before term-equivalent age
    without Fenton."""
    if gestation_days is None or not is_preterm(gestation_days):
        return who(), day
    postmenstrual = gestation_days + day
    preterm_table = fenton()
    if preterm_table is not None and postmenstrual < FENTON_UNTIL_DAYS:
        return preterm_table, postmenstrual
    corrected = postmenstrual - TERM_DAYS
    return (who(), corrected) if corrected >= 0 else None


def lms_for(measure: str, sex: str, day: int, gestation_days: int | None = None) -> LMS | None:
    """The LMS parameters for a baby of this sex (``"M"``/``"F"``; an undetermined sex has
    no reference) at ``day`` days after birth."""
    where = reference_age(day, gestation_days)
    if where is None or sex not in ("M", "F"):
        return None
    table, age = where
    return table.lms(measure, sex, age)


def z_score(
    measure: str, sex: str, value: float, day: int, gestation_days: int | None = None
) -> float | None:
    """``value`` in the table's unit (kg for weight, cm for length and head circumference)."""
    lms = lms_for(measure, sex, day, gestation_days)
    return None if lms is None or value <= 0 else lms.z(value)


def percentile(z: float) -> float:
    """The percentile (0–100) of a z-score."""
    return _NORMAL.cdf(z) * 100
