"""Acting on what is recorded (R42, DESIGN.md §5): the clinical alert rules, in one table.

Each rule reads one kind of entry — a prenatal consultation, a prenatal lab result, a home
visit, a baby check, a weighing, a screening, a phone contact or the mother's own
observation — and says when it
fires, how urgent it is, which section of the record it belongs to (whoever may read that
section is told, and nobody else), what the mother is advised when she is the source, and
``why``: the guideline its threshold comes from. The thresholds themselves are data
(``THRESHOLDS``), tested at their edges.

Severity: **urgent** — act now (an unacknowledged urgent alert is escalated, see
``network.alerting``); **today** — the same day; **soon** — within a few days. In one group
(e.g. the blood pressure of one entry) only the most severe rule that fires is raised.

``evaluate(entry, actor)`` runs inside the transaction that saves the entry: the alerts it
raises commit or roll back with it. An alert already raised for the same entry and rule
is not raised again when the entry is amended; alerts are never deleted, only
acknowledged and resolved by people."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossier import growth, labs
from dossier.sections import Section


class Severity(models.TextChoices):
    URGENT = "urgent", _("Urgent: act now")
    TODAY = "today", _("Today")
    SOON = "soon", _("Within a few days")


RANK = {Severity.URGENT: 0, Severity.TODAY: 1, Severity.SOON: 2}


@dataclass(frozen=True)
class Threshold:
    value: Decimal | int
    unit: str
    why: str


NICE_NG133 = (
    "NICE NG133 Hypertension in pregnancy (2019, updated 2023): new hypertension "
    "≥ 140/90 mmHg needs same-day assessment for pre-eclampsia; severe "
    "hypertension ≥ 160/110 mmHg needs admission. The same values hold in the "
    "postnatal period (NG133 §1.10)."
)
NICE_NG194 = (
    "NICE NG194 Postnatal care (2021) §1.2: temperature ≥ 38 °C, sudden or heavy "
    "vaginal blood loss and foul-smelling lochia are signs of sepsis or "
    "postpartum haemorrhage to assess the same day or at once."
)
EPDS = (
    "Cox, Holden & Sagovsky 1987 (the EPDS); NICE CG192 Antenatal and postnatal mental "
    "health (2014, 2020); KCE Report 232 (2014). A total ≥ 13 after the birth and ≥ 15 "
    "in pregnancy suggest a depression to refer; any positive answer to question 10 "
    "(self-harm) needs an urgent assessment whatever the total."
)

THRESHOLDS = {
    "bp_systolic": Threshold(140, "mmHg", NICE_NG133),
    "bp_diastolic": Threshold(90, "mmHg", NICE_NG133),
    "bp_systolic_severe": Threshold(160, "mmHg", NICE_NG133),
    "bp_diastolic_severe": Threshold(110, "mmHg", NICE_NG133),
    "maternal_fever_c": Threshold(Decimal("38.0"), "°C", NICE_NG194),
    "epds_postnatal": Threshold(13, "/30", EPDS),
    "epds_prenatal": Threshold(15, "/30", EPDS),
    "epds_self_harm": Threshold(1, "/3", EPDS),
    "jaundice_first_hours": Threshold(
        24,
        "h",
        (
            "NICE CG98 Jaundice in newborn babies under 28 days (2010, 2016) §1.2: visible "
            "jaundice in the first 24 hours is pathological until proven otherwise — measure "
            "the bilirubin within 2 hours."
        ),
    ),
    "baby_fever_c": Threshold(
        Decimal("38.0"),
        "°C",
        (
            "NICE NG143 Fever in under 5s (2019): an infant under 3 months with a temperature "
            "≥ 38 °C is at high risk of serious illness (red); below 36 °C hypothermia needs "
            "assessment the same day (WHO Thermal protection of the newborn, 1997)."
        ),
    ),
    "baby_cold_c": Threshold(
        Decimal("36.0"),
        "°C",
        ("WHO Thermal protection of the newborn (1997): below 36.0 °C is moderate hypothermia."),
    ),
    "weight_loss_percent": Threshold(
        growth.ALERT_LOSS_PERCENT,
        "%",
        (
            "NICE NG194 §1.3 and the Academy of Breastfeeding Medicine protocol 3 (2017): a "
            "loss of more than 10 % of the birth weight needs a feeding assessment and a "
            "medical review."
        ),
    ),
    "back_to_birth_weight_day": Threshold(
        growth.BACK_TO_BIRTH_WEIGHT_DAY,
        "days",
        (
            "NICE NG194 §1.3.18: most babies are back to their birth weight by 3 weeks; a baby "
            "who is not needs a review (likewise NICE NG75 Faltering growth, 2017)."
        ),
    ),
    # not an alert: a note on the weight page (dossier.growth.birth_weight_status)
    "back_to_birth_weight_note_day": Threshold(
        growth.BACK_TO_BIRTH_WEIGHT_NOTE_DAY,
        "days",
        (
            "Most healthy term babies are back to their birth weight by 10 to 14 days (Kind & "
            "Gezin; Academy of Breastfeeding Medicine protocol 3, 2017): one who is not at two "
            "weeks gets a closer look at feeding, before the 3-week limit of NICE NG194/NG75."
        ),
    ),
    "growth_crossing_lines": Threshold(
        growth.CROSSING_LINES,
        "percentile lines",
        (
            "NICE NG75 Faltering growth (2017): a fall across two or more centile spaces is a "
            "reason to assess feeding and growth; WHO Training Course on Child Growth "
            "Assessment (2008): a growth line crossing percentile lines downward may point to a "
            "problem. Counted on the lines the chart draws (WHO P3, P15, P50, P85, P97), "
            "against the highest position from day 14 on."
        ),
    ),
    "growth_crossing_from_day": Threshold(
        growth.CROSSING_FROM_DAY,
        "days",
        (
            "The early weight loss is judged by the 10 % and the birth-weight rules; the "
            "UK-WHO charts (RCPCH 2009) plot the WHO percentiles from 2 weeks for that reason."
        ),
    ),
    "own_fever_c": Threshold(Decimal("38.0"), "°C", NICE_NG194),
    "own_heavy_bleeding": Threshold(3, "/3", NICE_NG194),
    "own_low_mood": Threshold(2, "/10", EPDS),
}


def _t(name: str):
    return THRESHOLDS[name].value


# --- the conditions -------------------------------------------------------------------------


def _bp_severe(entry) -> bool:
    return entry.bp_systolic is not None and (
        entry.bp_systolic >= _t("bp_systolic_severe")
        or entry.bp_diastolic >= _t("bp_diastolic_severe")
    )


def _bp_high(entry) -> bool:
    return entry.bp_systolic is not None and (
        entry.bp_systolic >= _t("bp_systolic") or entry.bp_diastolic >= _t("bp_diastolic")
    )


def _self_harm(entry) -> bool:
    return entry.epds_self_harm is not None and entry.epds_self_harm >= _t("epds_self_harm")


def _epds(threshold: str) -> Callable:
    return lambda entry: entry.epds_score is not None and entry.epds_score >= _t(threshold)


def _fever(entry) -> bool:
    return entry.temperature_c is not None and entry.temperature_c >= _t("maternal_fever_c")


def _early_jaundice(check) -> bool:
    from dossier.models import Jaundice

    delivery = check.newborn.dossier.delivery if check.newborn_id else None
    if not check.jaundice or check.jaundice == Jaundice.NONE or delivery is None:
        return False
    age = check.home_visit.visited_at - delivery.born_at
    return age < datetime.timedelta(hours=_t("jaundice_first_hours"))


def _baby_temperature(check) -> bool:
    return check.temperature_c is not None and (
        check.temperature_c >= _t("baby_fever_c") or check.temperature_c < _t("baby_cold_c")
    )


def _weight_loss(weighing) -> bool:
    return growth.is_alarming(weighing.newborn.birth_weight_g, weighing.weight_g)


def _not_back(weighing) -> bool:
    delivery = getattr(weighing.newborn.dossier, "delivery", None)
    birth = weighing.newborn.birth_weight_g
    if delivery is None or not birth or weighing.measured_at is None:
        return False
    day = (timezone.localdate(weighing.measured_at) - timezone.localdate(delivery.born_at)).days
    return day >= _t("back_to_birth_weight_day") and weighing.weight_g < birth


def _crossing(weighing) -> bool:
    """A fall across two percentile lines (``dossier.growth.crosses_down``), from day 14:
    reads the newborn's earlier weighings (one query, only from day 14 on)."""
    newborn = weighing.newborn
    delivery = getattr(newborn.dossier, "delivery", None)
    if delivery is None or weighing.measured_at is None or newborn.sex not in ("M", "F"):
        return False
    day = growth.calendar_day(delivery.born_at, weighing.measured_at)
    if day < _t("growth_crossing_from_day"):
        return False
    earlier = (
        list(newborn.measurements.filter(measured_at__lt=weighing.measured_at))
        if newborn.pk
        else []
    )
    return growth.crosses_down(
        newborn,
        delivery.born_at,
        weighing,
        earlier,
        gestation=growth.gestation_days(delivery),
    )


def _own(kind: str, test: Callable) -> Callable:
    return lambda entry: entry.kind == kind and test(entry.value)


@dataclass(frozen=True)
class Rule:
    """One line of the table. ``source``: the entry model's name; ``group``: in one group
    only the most severe rule that fires is raised; ``newborn``: the rule is about a baby
    (the alert names which); ``advice``: shown to the mother when she is the source."""

    code: str
    source: str
    severity: str
    title: str
    test: Callable
    why: str
    group: str = ""
    newborn: bool = False
    advice: str = ""


CALL_NOW = _(
    "Call your midwife now. If she cannot be reached, or if you feel very unwell, call 112."
)
CALL_112 = _("Call 112 now, then your midwife. Lie down and do not stay alone.")
CALL_TODAY = _(
    "Call your midwife today. If you think of harming yourself or your baby, call "
    "112 or the suicide line: 1813 (Dutch) or 0800 32 123 (French), day and night."
)

RULES = (
    Rule(
        "prenatal_bp_severe",
        "PrenatalConsultation",
        Severity.URGENT,
        _("Blood pressure ≥ 160/110 mmHg in pregnancy"),
        _bp_severe,
        NICE_NG133,
        group="bp",
    ),
    Rule(
        "prenatal_bp_high",
        "PrenatalConsultation",
        Severity.TODAY,
        _("Blood pressure ≥ 140/90 mmHg in pregnancy"),
        _bp_high,
        NICE_NG133,
        group="bp",
    ),
    Rule(
        "prenatal_epds_self_harm",
        "PrenatalConsultation",
        Severity.URGENT,
        _("EPDS question 10: thoughts of self-harm"),
        _self_harm,
        EPDS,
        group="epds",
    ),
    Rule(
        "prenatal_epds",
        "PrenatalConsultation",
        Severity.SOON,
        _("EPDS ≥ 15 in pregnancy: possible depression"),
        _epds("epds_prenatal"),
        EPDS,
        group="epds",
    ),
    # an abnormal prenatal lab result: the findings of the lab reference table (dossier.labs),
    # its thresholds and sources there; one alert per test (the most severe finding)
    *(
        Rule(
            finding.code,
            "PrenatalLab",
            finding.severity,
            finding.title,
            lambda lab, test=test, finding=finding: lab.test == test and finding.test(lab),
            labs.REFERENCE[test].why,
            group=f"lab_{test}",
        )
        for test, finding in labs.alert_rules()
    ),
    Rule(
        "postnatal_bp_severe",
        "HomeVisit",
        Severity.URGENT,
        _("Blood pressure ≥ 160/110 mmHg after the birth"),
        _bp_severe,
        NICE_NG133,
        group="bp",
    ),
    Rule(
        "postnatal_bp_high",
        "HomeVisit",
        Severity.TODAY,
        _("Blood pressure ≥ 140/90 mmHg after the birth"),
        _bp_high,
        NICE_NG133,
        group="bp",
    ),
    Rule(
        "postnatal_fever",
        "HomeVisit",
        Severity.TODAY,
        _("Mother's temperature ≥ 38.0 °C"),
        _fever,
        NICE_NG194,
    ),
    Rule(
        "heavy_lochia",
        "HomeVisit",
        Severity.URGENT,
        _("Heavy blood loss"),
        lambda visit: visit.lochia == "heavy",
        NICE_NG194,
        group="lochia",
    ),
    Rule(
        "foul_lochia",
        "HomeVisit",
        Severity.TODAY,
        _("Foul-smelling lochia"),
        lambda visit: visit.lochia == "foul",
        NICE_NG194,
        group="lochia",
    ),
    Rule(
        "postnatal_epds_self_harm",
        "HomeVisit",
        Severity.URGENT,
        _("EPDS question 10: thoughts of self-harm"),
        _self_harm,
        EPDS,
        group="epds",
    ),
    Rule(
        "postnatal_epds",
        "HomeVisit",
        Severity.SOON,
        _("EPDS ≥ 13 after the birth: possible depression"),
        _epds("epds_postnatal"),
        EPDS,
        group="epds",
    ),
    Rule(
        "early_jaundice",
        "BabyCheck",
        Severity.URGENT,
        _("Jaundice visible in the first 24 hours"),
        _early_jaundice,
        THRESHOLDS["jaundice_first_hours"].why,
        newborn=True,
    ),
    Rule(
        "baby_temperature",
        "BabyCheck",
        Severity.URGENT,
        _("Baby's temperature ≥ 38.0 °C or below 36.0 °C"),
        _baby_temperature,
        THRESHOLDS["baby_fever_c"].why,
        newborn=True,
    ),
    Rule(
        "weight_loss",
        "Measurement",
        Severity.TODAY,
        _("Weight loss over 10 percent of the birth weight"),
        _weight_loss,
        THRESHOLDS["weight_loss_percent"].why,
        newborn=True,
        group="weight",
    ),
    Rule(
        "not_back_to_birth_weight",
        "Measurement",
        Severity.SOON,
        _("Not back to the birth weight at 3 weeks"),
        _not_back,
        THRESHOLDS["back_to_birth_weight_day"].why,
        newborn=True,
        group="weight",
    ),
    Rule(
        "growth_crossing",
        "Measurement",
        Severity.SOON,
        _("Weight fell across two percentile lines"),
        _crossing,
        THRESHOLDS["growth_crossing_lines"].why,
        newborn=True,
        group="weight",
    ),
    Rule(
        "screening_referred",
        "Screening",
        Severity.TODAY,
        _("Screening abnormal: referred"),
        lambda screening: screening.result == "refer",
        "Flemish neonatal screening procedures (Kind & Gezin; heel prick, hearing, CCHD): "
        "an abnormal result is followed up by the referral centre; the network must know.",
        newborn=True,
    ),
    Rule(
        "phone_referral",
        "PhoneContact",
        Severity.TODAY,
        _("Phone call ended in a referral or an admission"),
        lambda call: call.outcome in ("referral", "admission"),
        "KCE Report 232 (2014) R12, R28: what the 24/7 line decides reaches the network.",
    ),
    Rule(
        "own_heavy_bleeding",
        "SelfMonitoring",
        Severity.URGENT,
        _("The mother notes heavy blood loss"),
        _own("blood_loss", lambda v: v >= _t("own_heavy_bleeding")),
        NICE_NG194,
        advice=CALL_112,
    ),
    Rule(
        "own_fever",
        "SelfMonitoring",
        Severity.TODAY,
        _("The mother notes a temperature ≥ 38.0 °C"),
        _own("temperature", lambda v: v >= _t("own_fever_c")),
        NICE_NG194,
        advice=CALL_NOW,
    ),
    Rule(
        "own_low_mood",
        "SelfMonitoring",
        Severity.TODAY,
        _("The mother notes a very low mood"),
        _own("mood", lambda v: v <= _t("own_low_mood")),
        EPDS,
        advice=CALL_TODAY,
    ),
)
BY_CODE = {rule.code: rule for rule in RULES}


def section_of(entry) -> str:
    """The section an entry's alert belongs to: the entry's own section (a weighing and a
    screening are the newborn's)."""
    return getattr(entry, "SECTION", Section.NEWBORN)


def firing(entry) -> list[Rule]:
    """The rules this entry fires, the most severe of each group only."""
    name = type(entry).__name__
    fired = sorted(
        (rule for rule in RULES if rule.source == name and rule.test(entry)),
        key=lambda rule: RANK[rule.severity],
    )
    chosen, groups = [], set()
    for rule in fired:
        if rule.group and rule.group in groups:
            continue
        groups.add(rule.group)
        chosen.append(rule)
    return chosen


def evaluate(entry, actor, *, new: bool = False) -> list:
    """Raise the alerts this saved entry fires (inside its transaction; the record is
    locked by the service, so two saves of one entry take turns); returns the new ``Alert``
    rows, announced together through ``dossier.signals.alerts_raised``. A rule that already
    raised an alert for this entry raises none again (``new``: the entry was just created,
    so it has none yet and nothing needs looking up)."""
    from dossier.models import Alert
    from dossier.signals import alerts_raised

    rules = firing(entry)
    if not rules:
        return []
    kind = type(entry).__name__
    known = (
        set()
        if new
        else set(
            Alert.objects.filter(
                entry_kind=kind, entry_id=entry.public_id, rule__in=[rule.code for rule in rules]
            ).values_list("rule", flat=True)
        )
    )
    dossier = entry.newborn.dossier if kind in {"Measurement", "Screening"} else entry.dossier
    raised = Alert.objects.bulk_create(
        [
            Alert(
                rule=rule.code,
                entry_kind=kind,
                entry_id=entry.public_id,
                dossier=dossier,
                newborn=getattr(entry, "newborn", None) if rule.newborn else None,
                severity=rule.severity,
                section=section_of(entry),
                raised_by=actor,
            )
            for rule in rules
            if rule.code not in known
        ]
    )
    if raised:
        alerts_raised.send(sender=Alert, alerts=raised, actor=actor)
    return raised
