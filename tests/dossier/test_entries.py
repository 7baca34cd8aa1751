"""The clinical entries of issue 5: each validation rule (with a case that passes and one
that fails), who may write which kind, the discharge pathway, home visits feeding the
weight curve, the mother's own observations, comments, and the history of every entry."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from dossier import psychosocial, services
from dossier.models import (
    Admission,
    AdmissionReason,
    BabyCheck,
    Comment,
    Delivery,
    DischargeChecklist,
    DossierStatus,
    EntryChange,
    HomeHelpChoice,
    HomeHelpDay,
    HomeHelpNeed,
    HomeVisit,
    Measurement,
    MeasurementSource,
    Patient,
    PhoneContact,
    PrenatalConsultation,
    PsychosocialAnamnesis,
    SelfMonitoring,
    ShortStayAssessment,
    ShortStayCriterion,
    ShortStayDecision,
)
from dossier.selfcare import SelfKind
from network import access
from network.models import Organisation, OrganisationKind
from tests.factories import noon_days_ago
from tests.personas import build_network

pytestmark = pytest.mark.django_db
NOW = timezone.now
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def english():
    """The messages are checked by their English words (the pages show them in Dutch)."""
    with translation.override("en"):
        yield


@pytest.fixture
def net():
    return build_network()


def midwife(net):
    return net.users["coordinator"]


def record(net, entry, user=None, **kwargs):
    entry.dossier = net.a
    return services.entry_record(actor=user or midwife(net), entry=entry, **kwargs)


def errors_of(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# --- prenatal consultations ----------------------------------------------------------------


def consultation(net, **values):
    born = timezone.localdate(net.a.delivery.born_at)
    return PrenatalConsultation(consulted_on=born - datetime.timedelta(days=30), **values)


def test_a_consultation_shows_the_gestational_age_computed_from_the_due_date(net):
    net.a.expected_due_date = timezone.localdate() + datetime.timedelta(days=10)
    net.a.save()
    saved = record(
        net,
        PrenatalConsultation(
            consulted_on=timezone.localdate() - DAY * 3,
            weight_kg=Decimal("72.5"),
            bp_systolic=120,
            bp_diastolic=80,
            fetal_heart_rate=140,
        ),
    )
    assert saved.gestational_age == (38, 1)  # 280 − 13 days = 267 days
    assert saved.recorded_by == midwife(net)


@pytest.mark.parametrize(
    ("field", "values", "word"),
    [
        ("weight_kg", {"weight_kg": Decimal("29.9")}, "30"),
        ("bp_diastolic", {"bp_systolic": 120}, "both"),
        ("bp_systolic", {"bp_systolic": 80, "bp_diastolic": 120}, "higher"),
        ("fetal_heart_rate", {"fetal_heart_rate": 230}, "220"),
    ],
)
def test_consultation_values_are_checked_with_a_message_naming_the_rule(net, field, values, word):
    messages = errors_of(lambda: record(net, consultation(net, **values)))
    assert word in " ".join(messages[field])
    assert not PrenatalConsultation.objects.exists()


def test_a_consultation_lies_within_the_pregnancy(net):
    start = net.a.expected_due_date - datetime.timedelta(days=280)
    before = PrenatalConsultation(consulted_on=start - DAY)
    assert "consulted_on" in errors_of(lambda: record(net, before))
    after_birth = PrenatalConsultation(consulted_on=timezone.localdate())
    assert "home visits" in errors_of(lambda: record(net, after_birth))["consulted_on"][0]


def test_the_database_refuses_an_impossible_blood_pressure_whatever_the_path(net):
    with pytest.raises(IntegrityError), transaction.atomic():
        PrenatalConsultation.objects.bulk_create(
            [consultation(net, dossier=net.a, bp_systolic=70, bp_diastolic=90)]
        )


# --- psychosocial anamnesis and the vulnerability flag --------------------------------------


@pytest.mark.parametrize(
    ("answers", "vulnerable"),
    [
        ({}, False),
        ({"housing": "stable", "income": "sufficient"}, False),
        ({"income": "difficult"}, False),  # one concern
        ({"income": "difficult", "language": "partly"}, True),  # two concerns
        ({"violence": "now"}, True),  # one serious concern
    ],
)
def test_the_vulnerability_rule(answers, vulnerable):
    assert psychosocial.is_vulnerable(answers) is vulnerable


def test_the_anamnesis_stores_the_flag_and_needs_an_answer(net):
    empty = PsychosocialAnamnesis(interviewed_on=timezone.localdate())
    assert "social_support" in errors_of(lambda: record(net, empty))
    saved = record(
        net, PsychosocialAnamnesis(interviewed_on=timezone.localdate(), social_support="none")
    )
    assert saved.vulnerable and saved.concerns()
    saved.social_support = "enough"
    record(net, saved, reason="partner komt terug")
    saved.refresh_from_db()
    assert saved.vulnerable is False


def test_the_anamnesis_is_recorded_once_per_record(net):
    record(net, PsychosocialAnamnesis(interviewed_on=timezone.localdate(), income="difficult"))
    second = PsychosocialAnamnesis(interviewed_on=timezone.localdate(), income="sufficient")
    assert errors_of(lambda: record(net, second))


def test_a_maternity_assistant_never_writes_or_reads_the_psychosocial_answers(net):
    assistant = net.users["assistant"]
    with pytest.raises(access.AccessDenied):
        record(
            net,
            PsychosocialAnamnesis(interviewed_on=timezone.localdate(), income="difficult"),
            user=assistant,
        )
    assert not access.can_view(assistant, net.a, "psychosocial")


# --- short stay (R18) ---------------------------------------------------------------------


def test_only_the_coordinator_assesses_the_short_stay(net):
    assessment = ShortStayAssessment(
        assessed_on=timezone.localdate(), decision=ShortStayDecision.NOT_ELIGIBLE
    )
    assert access.can_edit(net.users["gp"], net.a, "prenatal")
    with pytest.raises(access.AccessDenied) as refused:
        record(net, assessment, user=net.users["gp"])
    assert "coordinator" in str(refused.value)
    assert record(net, assessment).pk


def test_eligible_needs_every_criterion(net):
    some = ShortStayAssessment(
        assessed_on=timezone.localdate(),
        decision=ShortStayDecision.ELIGIBLE,
        criteria_met=[ShortStayCriterion.MOTHER_WISHES],
    )
    message = errors_of(lambda: record(net, some))["criteria_met"][0]
    assert str(ShortStayCriterion.HOME_MIDWIFE.label) in message
    some.criteria_met = list(ShortStayCriterion.values)
    assert record(net, some).pk


# --- the discharge pathway (R21) ------------------------------------------------------------


def complete_checklist(net, **changes):
    born = net.a.delivery.born_at
    values = {
        "needs_mother_assessed": True,
        "needs_child_assessed": True,
        "first_home_visit_at": NOW() + datetime.timedelta(hours=2),
        "first_home_visit_midwife": midwife(net),
        "paediatric_consultation_on": timezone.localdate(born) + datetime.timedelta(days=8),
        "home_help": HomeHelpChoice.REQUESTED,
        "gp_informed": True,
        **changes,
    }
    return DischargeChecklist(dossier=net.a, **values)


def confirm(net, checklist, discharged_at=None):
    return services.discharge_checklist_save(
        actor=midwife(net), checklist=checklist, discharged_at=discharged_at or NOW(), confirm=True
    )


def test_a_complete_checklist_confirms_the_discharge_and_opens_the_postnatal_module(net):
    leaving = NOW() - datetime.timedelta(minutes=5)
    checklist = confirm(net, complete_checklist(net), leaving)
    net.a.refresh_from_db()
    assert checklist.is_confirmed and checklist.confirmed_by == midwife(net)
    assert net.a.delivery.discharged_at == leaving
    assert net.a.status == DossierStatus.POSTNATAL


@pytest.mark.parametrize(
    ("changes", "step"),
    [
        ({"needs_child_assessed": False}, "needs"),
        ({"first_home_visit_midwife": None}, "first home visit"),
        ({"paediatric_consultation_on": None}, "paediatric"),
        ({"home_help": ""}, "home help"),
        ({"gp_informed": False}, "GP"),
    ],
)
def test_the_discharge_cannot_be_confirmed_with_an_open_step(net, changes, step):
    message = errors_of(lambda: confirm(net, complete_checklist(net, **changes)))
    assert step in message["open_steps_reason"][0]
    net.a.refresh_from_db()
    assert net.a.status == DossierStatus.DELIVERED  # nothing half-saved
    assert net.a.delivery.discharged_at is None
    assert not DischargeChecklist.objects.exists()


def test_an_open_step_with_its_reason_recorded_does_not_block(net):
    checklist = complete_checklist(
        net, gp_informed=False, open_steps_reason="Moeder heeft geen huisarts"
    )
    assert confirm(net, checklist).is_confirmed


def test_the_first_visit_must_fall_within_24_hours_of_discharge(net):
    leaving = NOW() - datetime.timedelta(hours=1)
    late = complete_checklist(net, first_home_visit_at=leaving + datetime.timedelta(hours=25))
    assert "24 hours" in errors_of(lambda: confirm(net, late, leaving))["open_steps_reason"][0]
    in_time = complete_checklist(net, first_home_visit_at=leaving + datetime.timedelta(hours=23))
    assert confirm(net, in_time, leaving).is_confirmed


@pytest.mark.parametrize(("day", "open_step"), [(6, True), (7, False), (10, False), (11, True)])
def test_the_paediatric_consultation_falls_on_day_7_to_10(net, day, open_step):
    born = timezone.localdate(net.a.delivery.born_at)
    checklist = complete_checklist(
        net, paediatric_consultation_on=born + datetime.timedelta(days=day)
    )
    assert any("day 7–10" in step for step in checklist.open_steps()) is open_step


# --- home visits and the weight curve ------------------------------------------------------


def visit(net, **values):
    return HomeVisit(dossier=net.a, visited_at=NOW() - datetime.timedelta(minutes=30), **values)


def test_a_home_visit_puts_the_baby_weight_on_the_curve_once(net):
    # born and visited at noon in Belgium: "day 1" whatever the hour the test runs at
    born = noon_days_ago(2)
    Delivery.objects.filter(dossier=net.a).update(
        born_at=born, admitted_at=born - datetime.timedelta(hours=8)
    )
    # new instances: the record's object still holds the delivery as the factory made it
    # (born a day ago at this hour, which is after yesterday noon every afternoon)
    net = net.fresh()
    saved = services.home_visit_record(
        actor=midwife(net),
        visit=HomeVisit(
            dossier=net.a,
            visited_at=noon_days_ago(1),
            temperature_c=Decimal("37.2"),
            epds_score=8,
        ),
        babies=[{"newborn": net.newborn, "weight_g": 3100, "jaundice": "mild"}],
    )
    assert saved.day == 1
    check = BabyCheck.objects.get(home_visit=saved)
    assert check.measurement.weight_g == 3100
    assert check.measurement.source == MeasurementSource.HOME_VISIT
    saved.visited_at -= datetime.timedelta(minutes=5)
    services.home_visit_record(
        actor=midwife(net),
        visit=saved,
        reason="tikfout",
        babies=[{"newborn": net.newborn, "weight_g": 3080}],
    )
    assert list(net.newborn.measurements.values_list("weight_g", flat=True)) == [3080]
    assert BabyCheck.objects.get().jaundice == ""


def test_a_baby_without_any_finding_gets_no_check(net):
    services.home_visit_record(
        actor=midwife(net), visit=visit(net), babies=[{"newborn": net.newborn}]
    )
    assert not BabyCheck.objects.exists()


def test_writing_about_the_baby_needs_the_newborn_section(net):
    # the assistant may not write the postnatal section at all: refused as a whole
    with pytest.raises(access.AccessDenied):
        services.home_visit_record(
            actor=net.users["assistant"],
            visit=visit(net),
            babies=[{"newborn": net.newborn, "weight_g": 3000}],
        )
    assert not HomeVisit.objects.exists() and not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"temperature_c": Decimal("42.1")}, "temperature_c"),
        ({"epds_score": 31}, "epds_score"),
        ({"next_visit_at": NOW() - datetime.timedelta(hours=2)}, "next_visit_at"),
    ],
)
def test_home_visit_values_are_checked(net, values, field):
    assert field in errors_of(
        lambda: services.entry_record(actor=midwife(net), entry=visit(net, **values))
    )


def test_a_home_visit_before_the_birth_is_refused(net):
    early = HomeVisit(
        dossier=net.a, visited_at=net.a.delivery.born_at - datetime.timedelta(hours=1)
    )
    assert "visited_at" in errors_of(lambda: services.entry_record(actor=midwife(net), entry=early))


@pytest.mark.parametrize(("score", "alarming"), [(12, False), (13, True)])
def test_the_epds_flag_from_13(score, alarming):
    assert HomeVisit(epds_score=score).epds_alarming is alarming


# --- phone contacts, admissions, home help -------------------------------------------------


def test_phone_contacts_need_a_described_other_reason_and_a_real_duration(net):
    call = PhoneContact(
        started_at=NOW(), duration_minutes=0, caller="mother", reason="other", outcome="advice"
    )
    messages = errors_of(lambda: record(net, call))
    assert {"duration_minutes", "reason_detail"} <= set(messages)


def test_an_admission_fits_its_patient(net):
    wrong = Admission(
        patient=Patient.MOTHER,
        admitted_on=timezone.localdate(),
        hospital="AZ Groeninge",
        reason=AdmissionReason.JAUNDICE,
        days=2,
    )
    assert "reason" in errors_of(lambda: record(net, wrong))
    unnamed = Admission(
        patient=Patient.NEWBORN,
        admitted_on=timezone.localdate(),
        hospital="AZ Groeninge",
        reason=AdmissionReason.JAUNDICE,
        days=2,
    )
    assert "newborn" in errors_of(lambda: record(net, unnamed))
    unnamed.newborn = net.newborn
    saved = record(net, unnamed)
    assert saved.day_after_birth == 1 and saved.within_28_days


def test_an_admission_before_the_birth_is_refused(net):
    early = Admission(
        patient=Patient.MOTHER,
        reason=AdmissionReason.INFECTION,
        admitted_on=timezone.localdate(net.a.delivery.born_at) - DAY,
        hospital="AZ Delta",
    )
    assert "admitted_on" in errors_of(lambda: record(net, early))


@pytest.fixture
def kraamzorg():
    return Organisation.objects.create(
        name="Kraamzorg Familiehulp", kind=OrganisationKind.HOME_HELP_PUBLIC, province="VWV"
    )


def test_home_help_above_the_basic_package_needs_a_reason(net, kraamzorg):
    need = HomeHelpNeed(estimated_hours=60, organisation=kraamzorg)
    assert "reasons" in errors_of(lambda: record(net, need))
    need.reasons = ["multiples"]
    assert record(net, need).pk
    too_little = HomeHelpNeed(estimated_hours=23)
    assert "estimated_hours" in errors_of(lambda: too_little.full_clean(exclude=["dossier"]))


def test_home_help_hours_are_counted_once_per_service_and_day(net, kraamzorg):
    day = timezone.localdate()
    record(net, HomeHelpDay(day=day, hours=Decimal("4.5"), organisation=kraamzorg))
    again = HomeHelpDay(day=day, hours=Decimal("2"), organisation=kraamzorg)
    assert errors_of(lambda: record(net, again))
    assert "hours" in errors_of(
        lambda: record(
            net, HomeHelpDay(day=day - DAY, hours=Decimal("0.2"), organisation=kraamzorg)
        )
    )


# --- the mother's own observations and comments ---------------------------------------------


def own(net, kind, value, **values):
    return SelfMonitoring(dossier=net.a, kind=kind, value=Decimal(value), noted_at=NOW(), **values)


def test_the_mother_notes_her_temperature_and_nobody_else_does(net):
    mother = net.users["mother"]
    saved = services.own_entry_record(actor=mother, entry=own(net, SelfKind.TEMPERATURE, "37.8"))
    assert saved.recorded_by == mother and saved.value_display.endswith("°C")
    with pytest.raises(access.AccessDenied):
        services.own_entry_record(actor=midwife(net), entry=own(net, SelfKind.PAIN, "3"))


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [
        (SelfKind.TEMPERATURE, "42.5", "value"),
        (SelfKind.PAIN, "11", "value"),
        (SelfKind.BABY_WEIGHT, "3200", "newborn"),  # which baby?
    ],
)
def test_own_observations_are_checked(net, kind, value, field):
    assert field in errors_of(
        lambda: services.own_entry_record(actor=net.users["mother"], entry=own(net, kind, value))
    )


def test_the_database_refuses_an_own_value_out_of_bounds(net):
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfMonitoring.objects.bulk_create([own(net, SelfKind.MOOD, "12")])


def test_a_baby_weight_at_home_joins_the_weight_curve(net):
    services.own_entry_record(
        actor=net.users["mother"], entry=own(net, SelfKind.BABY_WEIGHT, "3150", newborn=net.newborn)
    )
    weighing = net.newborn.measurements.get()
    assert (weighing.weight_g, weighing.source) == (3150, MeasurementSource.MOTHER)


def test_comments_follow_the_section_of_the_entry(net):
    anamnesis = record(
        net, PsychosocialAnamnesis(interviewed_on=timezone.localdate(), income="difficult")
    )

    def comment(persona, text):
        return services.comment_add(
            actor=net.users[persona],
            dossier=net.a,
            section=anamnesis.section,
            entry_id=anamnesis.public_id,
            text=text,
        )

    comment("mother", "Klopt, dank u.")
    with pytest.raises(access.AccessDenied):
        comment("assistant", "?")
    with pytest.raises(ValidationError):
        comment("mother", "   ")
    assert Comment.objects.count() == 1


# --- history ---------------------------------------------------------------------------------


def test_every_entry_change_is_kept_even_in_bulk(net):
    saved = services.entry_record(
        actor=midwife(net), entry=visit(net, temperature_c=Decimal("37.0"))
    )
    saved.temperature_c = Decimal("37.4")
    services.entry_record(actor=midwife(net), entry=saved, reason="verkeerd afgelezen")
    HomeVisit.objects.filter(dossier=net.a).update(advice="Meer drinken")  # bulk, no service
    changes = EntryChange.objects.filter(table_name="dossier_homevisit").order_by("id")
    assert [c.operation for c in changes] == ["INSERT", "UPDATE", "UPDATE"]
    assert changes[1].reason == "verkeerd afgelezen" and changes[1].actor == midwife(net)
    assert changes[1].old_values["temperature_c"] == 37.0
    assert changes[2].new_values["advice"] == "Meer drinken"


@pytest.mark.parametrize(("day", "counted"), [(28, True), (29, False)])
def test_a_readmission_counts_within_28_days_of_the_birth(net, day, counted):
    born = timezone.localdate(net.a.delivery.born_at)
    admission = Admission(
        dossier=net.a,
        patient=Patient.MOTHER,
        hospital="AZ Delta",
        reason=AdmissionReason.INFECTION,
        admitted_on=born + datetime.timedelta(days=day),
    )
    assert admission.day_after_birth == day
    assert admission.within_28_days is counted


def test_an_own_observation_keeps_its_kind_when_amended(net):
    """A baby's weight turned into a temperature would leave its point on the curve."""
    saved = services.own_entry_record(
        actor=net.users["mother"], entry=own(net, SelfKind.BABY_WEIGHT, "3150", newborn=net.newborn)
    )
    saved.kind, saved.value = SelfKind.TEMPERATURE, Decimal("37.0")
    assert "kind" in errors_of(
        lambda: services.own_entry_record(actor=net.users["mother"], entry=saved, reason="vergist")
    )


# --- the remaining rules, one case each that the rule alone refuses -------------------------


@pytest.fixture
def other_newborn():
    from tests.factories import NewbornFactory

    return NewbornFactory()


def test_the_remaining_rules_each_refuse_their_case(net, kraamzorg, other_newborn):
    born = net.a.delivery.born_at
    cases = [
        (consultation(net, fundal_height_cm=Decimal("55")), "fundal_height_cm"),
        (PrenatalConsultation(consulted_on=timezone.localdate() + DAY), "consulted_on"),
        (
            Admission(
                patient=Patient.MOTHER,
                admitted_on=timezone.localdate(),
                hospital="AZ Delta",
                reason=AdmissionReason.OTHER,
            ),
            "reason_detail",
        ),
        (
            Admission(
                patient=Patient.MOTHER,
                admitted_on=timezone.localdate(),
                hospital="AZ Delta",
                reason=AdmissionReason.INFECTION,
                days=400,
            ),
            "days",
        ),
        (
            Admission(
                patient=Patient.NEWBORN,
                newborn=other_newborn,
                hospital="AZ Delta",
                admitted_on=timezone.localdate(),
                reason=AdmissionReason.JAUNDICE,
            ),
            "newborn",
        ),
        (
            HomeHelpDay(
                day=timezone.localdate(born) - DAY, hours=Decimal("3"), organisation=kraamzorg
            ),
            "day",
        ),
        (
            HomeHelpDay(day=timezone.localdate() + DAY, hours=Decimal("3"), organisation=kraamzorg),
            "day",
        ),
    ]
    for entry, field in cases:
        assert field in errors_of(lambda entry=entry: record(net, entry)), field
    baby = own(net, SelfKind.BABY_WEIGHT, "3200", newborn=other_newborn)
    assert "newborn" in errors_of(
        lambda: services.own_entry_record(actor=net.users["mother"], entry=baby)
    )


def test_entries_after_the_birth_wait_for_the_delivery(net):
    from tests.factories import DossierFactory

    prenatal = DossierFactory(coordinator=midwife(net))
    for entry in (
        HomeVisit(visited_at=NOW()),
        DischargeChecklist(),
        HomeHelpDay(day=timezone.localdate(), hours=Decimal("2")),
    ):
        entry.dossier = prenatal
        with pytest.raises(ValidationError) as refused:
            services.entry_record(actor=midwife(net), entry=entry)
        assert "delivery" in str(refused.value)


def test_confirming_needs_the_moment_of_discharge(net):
    checklist = complete_checklist(net)
    checklist.confirmed_at = NOW()
    assert "confirmed_at" in errors_of(lambda: record(net, checklist))


def test_a_baby_check_names_a_baby_of_this_record(net, other_newborn):
    with pytest.raises(ValidationError):
        services.home_visit_record(
            actor=midwife(net),
            visit=visit(net),
            babies=[{"newborn": other_newborn, "jaundice": "mild"}],
        )
    assert not HomeVisit.objects.exists()


def test_the_first_home_visit_is_planned_with_a_midwife_or_gp_of_the_network(net):
    from tests.factories import ProfessionalFactory

    stranger = ProfessionalFactory().user
    assert "first_home_visit_midwife" in errors_of(
        lambda: confirm(net, complete_checklist(net, first_home_visit_midwife=stranger))
    )
    assistant = net.users["assistant"]  # a member, but not one who makes home visits
    assert "first_home_visit_midwife" in errors_of(
        lambda: confirm(net, complete_checklist(net, first_home_visit_midwife=assistant))
    )
    assert confirm(net, complete_checklist(net, first_home_visit_midwife=net.users["gp"]))


def test_the_latest_entries_statement_is_compiled_once_and_reads_each_record_s_own(net):
    """``dossier.latest`` compiles its one statement once per process with a stand-in id:
    every record still gets its own entries and counts."""
    from dossier import latest
    from dossier.entries import KINDS

    kinds = [KINDS["huisbezoeken"], KINDS["telefoon"]]
    for _ in range(2):
        services.home_visit_record(actor=midwife(net), visit=visit(net), babies=[])
    first = latest.latest_of(net.a, kinds)
    assert first["huisbezoeken"].count == 2 and first["telefoon"].count == 0
    assert first["huisbezoeken"].entry.dossier_id == net.a.pk
    other = latest.latest_of(net.b, kinds)  # the cached statement, another record
    assert other["huisbezoeken"].count == 0 and other["huisbezoeken"].entry is None
    assert tuple(k.slug for k in kinds) in latest._STATEMENTS
