"""Prenatal laboratory tests (issue 18): what is tested in pregnancy, in which unit, what a
result may be and what is abnormal — one reference table (``REFERENCE``), each row with the
guideline it comes from, tested at its edges (tests/dossier/test_prenatal_labs.py), and
the LOINC code of what it measures (the mother's own copy codes her results with it).

An abnormal result raises an alert through ``dossier.alerts`` (its rules are made from the
``findings`` of this table). Three results decide care at the birth and are carried forward
to the delivery and the newborn (``carried_forward``): the Rhesus D with the anti-D given,
the HBsAg (the baby's hepatitis B immunisation at birth) and the group B streptococcus (the
antibiotics in labour and the baby's observation)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class LabTest(models.TextChoices):
    BLOOD_GROUP = "blood_group", _("Blood group and Rhesus D")
    ANTIBODIES = "antibodies", _("Irregular antibodies (indirect Coombs test)")
    HBSAG = "hbsag", _("Hepatitis B (HBsAg)")
    HIV = "hiv", _("HIV")
    SYPHILIS = "syphilis", _("Syphilis")
    TOXOPLASMOSIS = "toxoplasmosis", _("Toxoplasmosis")
    RUBELLA = "rubella", _("Rubella immunity")
    GBS = "gbs", _("Group B streptococcus (vaginal-rectal swab)")
    HAEMOGLOBIN = "haemoglobin", _("Haemoglobin")
    GCT = "gct", _("Glucose challenge test (50 g, 1 hour)")
    OGTT = "ogtt", _("Oral glucose tolerance test (75 g)")


class LabResult(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INDETERMINATE = "indeterminate", _("Indeterminate: to repeat")
    IMMUNE = "immune", _("Immune (IgG positive)")
    NOT_IMMUNE = "not_immune", _("Not immune (IgG negative)")
    RECENT = "recent", _("Recent infection possible (IgM positive)")


class BloodGroup(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    AB = "AB", "AB"
    O = "O", "O"  # noqa: E741 - the blood group's own name


class Rhesus(models.TextChoices):
    POSITIVE = "positive", _("Rhesus D positive")
    NEGATIVE = "negative", _("Rhesus D negative")


class LabSource(models.TextChoices):
    """Where the result comes from: a result read off a lab report weighs more than one
    the mother remembers."""

    LAB_REPORT = "lab_report", _("Laboratory report")
    OTHER_RECORD = "other_record", _("Another record (hospital, GP)")
    BOOKLET = "booklet", _("The mother's pregnancy booklet")
    TOLD = "told", _("Told by the mother")


class Measure:
    """What a test records: a result from a list, a value, the blood group, or the three
    values of a glucose tolerance test."""

    RESULT = "result"
    VALUE = "value"
    BLOOD_GROUP = "blood_group"
    OGTT = "ogtt"


# Severities as dossier.alerts.Severity names them (that module imports this one).
URGENT, TODAY, SOON = "urgent", "today", "soon"


@dataclass(frozen=True)
class Finding:
    """An abnormal result: raised as an alert ``code`` with this severity and title."""

    code: str
    severity: str
    title: str
    test: Callable  # the entry → whether it is found (the entry is of the row's test)


@dataclass(frozen=True)
class Reference:
    test: str
    measure: str
    when: str  # when it is done, for people
    normal: str  # what is normal and what is not, in words, for people
    why: str  # the guideline the row comes from
    results: tuple = ()  # the results a RESULT test may have
    unit: str = ""
    low: Decimal | None = None  # the plausible values of a VALUE (a typing error outside)
    high: Decimal | None = None
    limits: dict | None = None  # the thresholds the findings read, by name
    findings: tuple = ()
    # The LOINC code(s) of what is measured, as (code, display): one per value recorded —
    # the tolerance test's three (fasting, 1 hour, 2 hours). The mother's own copy codes her
    # results with them (``dossier.own_copy``).
    loinc: tuple[tuple[str, str], ...] = ()
    # How a result with a finding of this row is read against its reference (the HL7 v3
    # ObservationInterpretation code: A abnormal, L low, H high); None when the row gives no
    # reference to read it against (any blood group is normal).
    interpretation: str | None = "A"


def limit(test: str, name: str) -> Decimal:
    return REFERENCE[test].limits[name]


def _result(*results: str) -> Callable:
    return lambda lab: lab.result in results


def _hb_anaemia(lab) -> bool:
    """Below the anaemia threshold of its trimester (the first when the age is unknown)."""
    if lab.value is None:
        return False
    weeks = lab.gestational_weeks
    later = weeks is not None and weeks >= limit(LabTest.HAEMOGLOBIN, "later_from_week")
    return lab.value < limit(LabTest.HAEMOGLOBIN, "anaemia_later" if later else "anaemia_first")


def _at_or_above(value, threshold) -> bool:
    return value is not None and threshold is not None and value >= threshold


def _ogtt(kind: str) -> Callable:
    """Any of the three values at or above the threshold of ``kind`` (gdm, overt)."""
    return lambda lab: any(
        _at_or_above(getattr(lab, field), limit(LabTest.OGTT, f"{kind}_{name}"))
        for field, name in (("value", "fasting"), ("value_1h", "1h"), ("value_2h", "2h"))
        if f"{kind}_{name}" in REFERENCE[LabTest.OGTT].limits
    )


KCE_248 = (
    "KCE Report 248 (2015), What are the recommended clinical assessment and screening "
    "tests during pregnancy? (the Belgian guideline for a low-risk pregnancy): at the first "
    "contact the blood group, Rhesus D and irregular antibodies, HBsAg, HIV and syphilis "
    "serology, rubella and toxoplasmosis serology (not repeated in non-immune women), "
    "haemoglobin; a positive screening result is referred."
)
RHESUS = (
    "KCE Report 248 (2015) and NICE TA156 (2008): a Rhesus-D-negative woman gets routine "
    "antenatal anti-D prophylaxis at 28 weeks (one dose of 1500 IU / 300 µg, or two doses "
    "at 28 and 34 weeks) and anti-D within 72 hours after the birth of a Rhesus-D-positive "
    "baby; her irregular antibodies are tested again at 28 weeks (before the anti-D)."
)
ANTIBODIES = (
    "KCE Report 248 (2015); BSH guideline for blood grouping and red cell antibody testing "
    "in pregnancy (White et al., Transfus Med 2016): a clinically significant antibody "
    "(anti-D, anti-c, anti-Kell…) is referred to fetal medicine for follow-up of the fetus."
)
HEPATITIS_B = (
    "KCE Report 248 (2015): HBsAg at the first contact. Superior Health Council (HGR/CSS) "
    "vaccination guide, hepatitis B: the baby of an HBsAg-positive mother gets hepatitis B "
    "immunoglobulin (HBIG) and the first vaccine dose within 12 hours of birth (at the "
    "latest 24 hours); an unknown status at the birth is tested at once."
)
HIV = (
    "KCE Report 248 (2015): HIV serology at the first contact; a positive woman is "
    "referred to an HIV reference centre (antiretroviral treatment in pregnancy, the plan "
    "for the birth and the baby's prophylaxis)."
)
SYPHILIS = (
    "KCE Report 248 (2015): syphilis serology at the first contact; a positive screening "
    "test is confirmed (treponemal test) and treated in pregnancy (WHO ANC 2016 C.4)."
)
TOXOPLASMOSIS = (
    "KCE Report 248 (2015): toxoplasmosis serology at the first contact, hygiene advice to "
    "a non-immune woman; a possible recent infection (IgM positive) is referred at once "
    "(avidity test, treatment, follow-up of the fetus)."
)
RUBELLA = (
    "KCE Report 248 (2015): rubella immunity at the first contact; a non-immune woman is "
    "vaccinated (MMR) after the birth, never in pregnancy (Superior Health Council)."
)
GBS = (
    "Superior Health Council (HGR/CSS), Prevention of perinatal group B streptococcal "
    "infections (2003) and CDC 2010 / ACOG Committee Opinion 797 (2020): a vaginal-rectal "
    "swab at 35–37 weeks; a positive woman gets antibiotics in labour (at least 4 hours "
    "before the birth); a swab older than 5 weeks at the birth no longer counts; the baby "
    "of a positive or unknown mother is observed for signs of infection (NICE NG195, 2021)."
)
HAEMOGLOBIN = (
    "WHO recommendations on antenatal care (2016): anaemia in pregnancy is a haemoglobin "
    "below 11.0 g/dL, severe below 7.0 g/dL; BSH guideline on iron deficiency in pregnancy "
    "(Pavord et al., Br J Haematol 2020) and NICE NG201: below 11.0 g/dL in the first "
    "trimester, below 10.5 g/dL from the second on. Tested at the first contact and at 28 "
    "weeks (KCE Report 248)."
)
GLUCOSE = (
    "The Flemish consensus on screening for gestational diabetes (Benhalima et al., Acta "
    "Clin Belg 2020;75:340–7): a 50 g glucose challenge test at 24–28 weeks; 140 mg/dL or "
    "more after 1 hour → a 75 g OGTT; 200 mg/dL or more → gestational diabetes. The OGTT "
    "read by the IADPSG / WHO 2013 criteria: gestational diabetes when fasting ≥ 92, 1 hour "
    "≥ 180 or 2 hours ≥ 153 mg/dL; overt diabetes when fasting ≥ 126 or 2 hours ≥ 200 mg/dL."
)

SEROLOGY = (LabResult.NEGATIVE, LabResult.POSITIVE, LabResult.INDETERMINATE)
IMMUNITY = (LabResult.IMMUNE, LabResult.NOT_IMMUNE, LabResult.RECENT, LabResult.INDETERMINATE)


def _repeat(test: str) -> Finding:
    return Finding(
        f"lab_{test}_indeterminate",
        SOON,
        _("Prenatal lab result indeterminate: repeat the test"),
        _result(LabResult.INDETERMINATE),
    )


REFERENCE = {
    row.test: row
    for row in (
        Reference(
            LabTest.BLOOD_GROUP,
            Measure.BLOOD_GROUP,
            when=_("First contact"),
            normal=_(
                "Any ABO group. Rhesus D negative: anti-D prophylaxis at 28 weeks and "
                "after the birth of a Rhesus-positive baby."
            ),
            why=RHESUS,
            loinc=(("882-1", "ABO and Rh group [Type] in Blood"),),
            interpretation=None,
            findings=(
                Finding(
                    "lab_rhesus_negative",
                    SOON,
                    _("Rhesus D negative: plan the anti-D prophylaxis"),
                    lambda lab: lab.rhesus == Rhesus.NEGATIVE and lab.anti_d_given_on is None,
                ),
            ),
        ),
        Reference(
            LabTest.ANTIBODIES,
            Measure.RESULT,
            when=_("First contact; Rhesus D negative: again at 28 weeks"),
            normal=_("Negative"),
            why=ANTIBODIES,
            loinc=(("890-4", "Blood group antibody screen [Presence] in Serum or Plasma"),),
            results=SEROLOGY,
            findings=(
                Finding(
                    "lab_antibodies_positive",
                    TODAY,
                    _("Irregular antibodies found: refer to fetal medicine"),
                    _result(LabResult.POSITIVE),
                ),
                _repeat("antibodies"),
            ),
        ),
        Reference(
            LabTest.HBSAG,
            Measure.RESULT,
            when=_("First contact"),
            normal=_("Negative"),
            why=HEPATITIS_B,
            loinc=(("5195-3", "Hepatitis B virus surface Ag [Presence] in Serum"),),
            results=SEROLOGY,
            findings=(
                Finding(
                    "lab_hbsag_positive",
                    TODAY,
                    _("HBsAg positive: the baby needs HBIG and the vaccine at birth"),
                    _result(LabResult.POSITIVE),
                ),
                _repeat("hbsag"),
            ),
        ),
        Reference(
            LabTest.HIV,
            Measure.RESULT,
            when=_("First contact"),
            normal=_("Negative"),
            why=HIV,
            loinc=(
                (
                    "56888-1",
                    "HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma by Immunoassay",
                ),
            ),
            results=SEROLOGY,
            findings=(
                Finding(
                    "lab_hiv_positive",
                    TODAY,
                    _("HIV positive: refer to an HIV reference centre"),
                    _result(LabResult.POSITIVE),
                ),
                _repeat("hiv"),
            ),
        ),
        Reference(
            LabTest.SYPHILIS,
            Measure.RESULT,
            when=_("First contact"),
            normal=_("Negative"),
            why=SYPHILIS,
            loinc=(("22587-0", "Treponema pallidum Ab [Presence] in Serum"),),
            results=SEROLOGY,
            findings=(
                Finding(
                    "lab_syphilis_positive",
                    TODAY,
                    _("Syphilis serology positive: confirm and treat"),
                    _result(LabResult.POSITIVE),
                ),
                _repeat("syphilis"),
            ),
        ),
        Reference(
            LabTest.TOXOPLASMOSIS,
            Measure.RESULT,
            when=_("First contact"),
            normal=_("Immune, or not immune with hygiene advice"),
            why=TOXOPLASMOSIS,
            loinc=(("22580-5", "Toxoplasma gondii IgG Ab [Presence] in Serum"),),
            results=IMMUNITY,
            findings=(
                Finding(
                    "lab_toxoplasmosis_recent",
                    TODAY,
                    _("Toxoplasmosis: possible infection in pregnancy, refer"),
                    _result(LabResult.RECENT),
                ),
                _repeat("toxoplasmosis"),
            ),
        ),
        Reference(
            LabTest.RUBELLA,
            Measure.RESULT,
            when=_("First contact"),
            normal=_("Immune"),
            why=RUBELLA,
            loinc=(("25514-1", "Rubella virus IgG Ab [Presence] in Serum"),),
            results=IMMUNITY,
            findings=(
                Finding(
                    "lab_rubella_recent",
                    TODAY,
                    _("Rubella: possible infection in pregnancy, refer"),
                    _result(LabResult.RECENT),
                ),
                Finding(
                    "lab_rubella_not_immune",
                    SOON,
                    _("Not immune to rubella: vaccinate after the birth"),
                    _result(LabResult.NOT_IMMUNE),
                ),
                _repeat("rubella"),
            ),
        ),
        Reference(
            LabTest.GBS,
            Measure.RESULT,
            when=_("35 to 37 weeks"),
            normal=_("Negative; a swab counts for 5 weeks"),
            why=GBS,
            loinc=(
                (
                    "72607-5",
                    "Streptococcus agalactiae [Presence] in Vaginal fluid+Rectum by "
                    "Organism specific culture",
                ),
            ),
            results=(LabResult.NEGATIVE, LabResult.POSITIVE),
            limits={"valid_days": 35},
            findings=(
                Finding(
                    "lab_gbs_positive",
                    SOON,
                    _("Group B streptococcus: antibiotics during labour"),
                    _result(LabResult.POSITIVE),
                ),
            ),
        ),
        Reference(
            LabTest.HAEMOGLOBIN,
            Measure.VALUE,
            when=_("First contact and 28 weeks"),
            normal=_(
                "11.0 g/dL or more before 14 weeks, 10.5 g/dL or more from 14 weeks; "
                "below 7.0 g/dL is severe anaemia"
            ),
            why=HAEMOGLOBIN,
            loinc=(("718-7", "Hemoglobin [Mass/volume] in Blood"),),
            interpretation="L",
            unit="g/dL",
            low=Decimal("3.0"),
            high=Decimal("20.0"),
            limits={
                "anaemia_first": Decimal("11.0"),
                "anaemia_later": Decimal("10.5"),
                "later_from_week": 14,
                "severe": Decimal("7.0"),
            },
            findings=(
                Finding(
                    "lab_haemoglobin_severe",
                    TODAY,
                    _("Haemoglobin below 7.0 g/dL: severe anaemia"),
                    lambda lab: (
                        lab.value is not None and lab.value < limit(LabTest.HAEMOGLOBIN, "severe")
                    ),
                ),
                Finding(
                    "lab_haemoglobin_low",
                    SOON,
                    _("Haemoglobin low for the term: anaemia"),
                    _hb_anaemia,
                ),
            ),
        ),
        Reference(
            LabTest.GCT,
            Measure.VALUE,
            when=_("24 to 28 weeks"),
            normal=_(
                "Below 140 mg/dL after 1 hour; 140 to 199: a 75 g OGTT; 200 or more: "
                "gestational diabetes"
            ),
            why=GLUCOSE,
            loinc=(
                (
                    "1504-0",
                    "Glucose [Mass/volume] in Serum or Plasma --1 hour post 50 g glucose PO",
                ),
            ),
            interpretation="H",
            unit="mg/dL",
            low=Decimal("20"),
            high=Decimal("600"),
            limits={"ogtt": Decimal("140"), "gdm": Decimal("200")},
            findings=(
                Finding(
                    "lab_gct_diabetes",
                    SOON,
                    _("Glucose challenge test 200 mg/dL or more: gestational diabetes"),
                    lambda lab: _at_or_above(lab.value, limit(LabTest.GCT, "gdm")),
                ),
                Finding(
                    "lab_gct_raised",
                    SOON,
                    _("Glucose challenge test 140 mg/dL or more: plan a 75 g OGTT"),
                    lambda lab: _at_or_above(lab.value, limit(LabTest.GCT, "ogtt")),
                ),
            ),
        ),
        Reference(
            LabTest.OGTT,
            Measure.OGTT,
            when=_("24 to 28 weeks, after a raised challenge test"),
            normal=_(
                "Fasting below 92, after 1 hour below 180, after 2 hours below 153 mg/dL; "
                "fasting 126 or more, or 200 or more after 2 hours: overt diabetes"
            ),
            why=GLUCOSE,
            loinc=(
                ("1552-9", "Glucose [Mass/volume] in Serum or Plasma --pre 75 g glucose PO"),
                (
                    "1507-3",
                    "Glucose [Mass/volume] in Serum or Plasma --1 hour post 75 g glucose PO",
                ),
                (
                    "1518-0",
                    "Glucose [Mass/volume] in Serum or Plasma --2 hours post 75 g glucose PO",
                ),
            ),
            interpretation="H",
            unit="mg/dL",
            low=Decimal("20"),
            high=Decimal("600"),
            limits={
                "gdm_fasting": Decimal("92"),
                "gdm_1h": Decimal("180"),
                "gdm_2h": Decimal("153"),
                "overt_fasting": Decimal("126"),
                "overt_2h": Decimal("200"),
            },
            findings=(
                Finding(
                    "lab_ogtt_overt_diabetes",
                    TODAY,
                    _("Glucose tolerance test: overt diabetes"),
                    _ogtt("overt"),
                ),
                Finding(
                    "lab_ogtt_gestational_diabetes",
                    SOON,
                    _("Glucose tolerance test: gestational diabetes"),
                    _ogtt("gdm"),
                ),
            ),
        ),
    )
}


def findings(lab) -> list[Finding]:
    """Every finding of the lab's row that this result shows (an alert rule each)."""
    reference = REFERENCE.get(lab.test)
    return [f for f in reference.findings if f.test(lab)] if reference else []


# --- coded, for the mother's own copy (FHIR) ------------------------------------------------

# A serology result as SNOMED CT codes it (the qualifier values labs report); the immunity
# results have no single code and keep the record's own.
RESULT_SNOMED = {
    LabResult.NEGATIVE: ("260385009", "Negative"),
    LabResult.POSITIVE: ("10828004", "Positive"),
    LabResult.INDETERMINATE: ("82334004", "Indeterminate"),
}
# The ABO and Rhesus D group as LOINC's answer list LL2972-9 codes it (the answers of 882-1).
BLOOD_GROUP_ANSWERS = {
    ("O", Rhesus.POSITIVE): ("LA21321-7", "O Pos"),
    ("O", Rhesus.NEGATIVE): ("LA21322-5", "O Neg"),
    ("A", Rhesus.POSITIVE): ("LA21325-8", "A Pos"),
    ("A", Rhesus.NEGATIVE): ("LA21326-6", "A Neg"),
    ("B", Rhesus.POSITIVE): ("LA21327-4", "B Pos"),
    ("B", Rhesus.NEGATIVE): ("LA21328-2", "B Neg"),
    ("AB", Rhesus.POSITIVE): ("LA21323-3", "AB Pos"),
    ("AB", Rhesus.NEGATIVE): ("LA21324-1", "AB Neg"),
}


def interpretation(lab) -> str | None:
    """The result read against its row (an HL7 v3 ObservationInterpretation code): "IND" for
    an indeterminate result, the row's ``interpretation`` (A, L, H) when the result shows one
    of the row's findings, else "N"; None when the row gives no reference."""
    reference = REFERENCE.get(lab.test)
    if reference is None or reference.interpretation is None:
        return None
    if lab.result == LabResult.INDETERMINATE:
        return "IND"
    return reference.interpretation if findings(lab) else "N"


def alert_rules() -> list[tuple[str, Finding]]:
    """(the test, a finding) for every finding of the table: ``dossier.alerts`` makes a
    rule of each, with the test's row as its ``why``."""
    return [(test, finding) for test, row in REFERENCE.items() for finding in row.findings]


# --- carried forward to the birth and the newborn -------------------------------------------

CARRIED_TESTS = (LabTest.BLOOD_GROUP, LabTest.HBSAG, LabTest.GBS)


class State(models.TextChoices):
    ACT = "act", _("decides care")
    CLEAR = "clear", _("nothing to do")
    UNKNOWN = "unknown", _("not known")


@dataclass(frozen=True)
class Carried:
    """A prenatal result where it decides care: at the birth (``care``) and for the baby
    (``baby``); ``state`` says whether it asks for something (act), is reassuring (clear)
    or is missing (unknown, which asks for something too)."""

    key: str
    state: str
    finding: str
    care: str = ""
    baby: str = ""

    @property
    def needs_action(self) -> bool:
        return self.state != State.CLEAR


def _day(value: datetime.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else "—"


def _rhesus(lab) -> Carried:
    if lab is None or not lab.rhesus:
        return Carried(
            "rhesus",
            State.UNKNOWN,
            gettext("Blood group and Rhesus D: not recorded"),
            gettext("Determine the mother's blood group and Rhesus D at the birth."),
            gettext("Mother's Rhesus D not known: the baby's blood group from cord blood."),
        )
    group = f"{lab.abo} {Rhesus(lab.rhesus).label}".strip()
    if lab.rhesus == Rhesus.POSITIVE:
        return Carried("rhesus", State.CLEAR, gettext("Blood group %(group)s") % {"group": group})
    anti_d = (
        gettext("anti-D given on %(day)s (%(dose)s µg)")
        % {"day": _day(lab.anti_d_given_on), "dose": lab.anti_d_dose_ug}
        if lab.anti_d_given_on
        else gettext("no anti-D recorded in pregnancy")
    )
    return Carried(
        "rhesus",
        State.ACT,
        gettext("Blood group %(group)s · %(anti_d)s") % {"group": group, "anti_d": anti_d},
        gettext(
            "Rhesus D negative: the baby's blood group from cord blood; anti-D for the "
            "mother within 72 hours when the baby is Rhesus D positive."
        ),
        gettext(
            "Mother Rhesus D negative: the baby's blood group (and direct Coombs test) from "
            "cord blood, so the mother gets anti-D within 72 hours if needed."
        ),
    )


def _hbsag(lab) -> Carried:
    if lab is not None and lab.result == LabResult.POSITIVE:
        return Carried(
            "hbsag",
            State.ACT,
            gettext("HBsAg positive (%(day)s)") % {"day": _day(lab.taken_on)},
            gettext("HBsAg positive: tell the paediatrician before the birth."),
            gettext(
                "Mother HBsAg positive: hepatitis B immunoglobulin (HBIG) and the first "
                "hepatitis B vaccine within 12 hours of birth."
            ),
        )
    if lab is not None and lab.result == LabResult.NEGATIVE:
        return Carried(
            "hbsag", State.CLEAR, gettext("HBsAg negative (%(day)s)") % {"day": _day(lab.taken_on)}
        )
    return Carried(
        "hbsag",
        State.UNKNOWN,
        gettext("HBsAg: not known"),
        gettext("HBsAg not known: test the mother at once."),
        gettext(
            "Mother's HBsAg not known: decide the baby's hepatitis B immunisation within "
            "12 hours of birth."
        ),
    )


def _gbs(lab, on: datetime.date) -> Carried:
    valid = datetime.timedelta(days=limit(LabTest.GBS, "valid_days"))
    if lab is not None and lab.result == LabResult.POSITIVE:
        return Carried(
            "gbs",
            State.ACT,
            gettext("Group B streptococcus positive (swab %(day)s)") % {"day": _day(lab.taken_on)},
            gettext("GBS positive: antibiotics during labour, at least 4 hours before the birth."),
            gettext(
                "Mother GBS positive: observe the baby for signs of infection (breathing, "
                "temperature, feeding), longer when the antibiotics came less than 4 hours "
                "before the birth."
            ),
        )
    if lab is not None and lab.result == LabResult.NEGATIVE and on - lab.taken_on <= valid:
        return Carried(
            "gbs",
            State.CLEAR,
            gettext("Group B streptococcus negative (swab %(day)s)") % {"day": _day(lab.taken_on)},
        )
    finding = (
        gettext("Group B streptococcus: swab of %(day)s older than 5 weeks")
        % {"day": _day(lab.taken_on)}
        if lab is not None and lab.result == LabResult.NEGATIVE
        else gettext("Group B streptococcus: not known")
    )
    return Carried(
        "gbs",
        State.UNKNOWN,
        finding,
        gettext("GBS not known: antibiotics during labour by the risk factors."),
        gettext("Mother's GBS not known: observe the baby for signs of infection."),
    )


def carried_forward(latest: dict, *, on: datetime.date) -> list[Carried]:
    """The Rhesus D, HBsAg and GBS status from the latest result of each (``latest``: test →
    entry), as it stands ``on`` a day (the birth, or today before it)."""
    return [
        _rhesus(latest.get(LabTest.BLOOD_GROUP)),
        _hbsag(latest.get(LabTest.HBSAG)),
        _gbs(latest.get(LabTest.GBS), on),
    ]


def value_display(value: Decimal | None, unit: str) -> str:
    return f"{number_format(value)} {unit}" if value is not None else "—"
