"""The care plan's versions: checked, numbered without gaps, never overwritten, compared,
restored, merged when two people edit at once; annotations on a version's part; who may
change the plan (the mother, and the members she lets) and who may only read it."""

import copy
import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import translation

from careplan import content, services
from careplan.models import Annotation, CarePlan, PlanVersion
from network import access
from network.models import Notification
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def net():
    return build_network()


def member_id(net, persona):
    return str(net.users[persona].professional.public_id)


def save(net, persona="coordinator", base=0, **changes):
    plan = copy.deepcopy(
        services.version_content(CarePlan.objects.filter(dossier=net.a).first(), base)
    )
    for path, value in changes.items():
        head, _sep, key = path.partition("__")
        if key:
            plan[head][key] = value
        else:
            plan[head] = value
    return services.plan_save(
        actor=net.users[persona], dossier=net.a, content=plan, base_number=base
    )


def test_versions_are_numbered_and_keep_what_changed(net):
    first = save(net, preferences__feeding="breast")
    second = save(net, "mother", base=1, preferences__stay="short")
    assert (first.number, second.number) == (1, 2)
    assert second.changed == ["preferences.stay"] and second.by_mother
    assert first.content["preferences"]["stay"] == "undecided"  # v1 untouched
    assert CarePlan.objects.get(dossier=net.a).current_number == 2


def test_an_unchanged_plan_is_not_a_new_version(net):
    save(net, preferences__feeding="breast")
    with pytest.raises(ValidationError, match="Nothing has changed"):
        save(net, base=1)


def test_a_version_is_never_changed_or_removed(net):
    version = save(net, preferences__feeding="breast")
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        PlanVersion.objects.filter(pk=version.pk).update(reason="rewritten")
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        PlanVersion.objects.filter(pk=version.pk).delete()


def test_a_stale_edit_is_refused_and_writes_nothing(net):
    save(net, preferences__feeding="breast")
    save(net, "gp", base=1, expected_course="Kort verblijf als alles goed gaat.")
    with pytest.raises(services.PlanConflict) as conflict:
        save(net, "mother", base=1, preferences__visitors="Enkel grootouders")
    assert conflict.value.current.number == 2
    assert PlanVersion.objects.count() == 2


def test_restoring_makes_a_new_version_with_the_old_content(net):
    save(net, preferences__feeding="breast")
    save(net, base=1, preferences__feeding="formula")
    restored = services.plan_restore(
        actor=net.users["mother"], dossier=net.a, number=1, base_number=2
    )
    assert restored.number == 3 and restored.restored_from == 1
    assert restored.content["preferences"]["feeding"] == "breast"


@pytest.mark.parametrize(
    ("plan_change", "message"),
    [
        ({"discharge_notify": ["not-a-member"]}, "members of the care network"),
        (
            {
                "appointments": [
                    content.new_appointment(
                        "paediatric", datetime.date(2026, 3, 20), datetime.date(2026, 3, 17)
                    )
                ]
            },
            "ends before",
        ),
        ({"checklist": {"pony": True}}, "unknown item"),
        ({"home_help": {"wish": "wanted", "estimated_hours": 500}}, "between 0 and 200"),
        ({"preferences": {"stay": "forever", "feeding": "breast"}}, "unknown value"),
    ],
)
def test_a_wrong_plan_is_refused_with_what_to_correct(net, plan_change, message):
    plan = {**content.empty_plan(), **plan_change}
    with pytest.raises(ValidationError, match=message):
        services.plan_save(
            actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0
        )
    assert not PlanVersion.objects.exists()


def test_an_appointment_names_a_member_of_the_network(net):
    appointment = content.new_appointment(
        "first_home_visit",
        datetime.date(2026, 3, 12),
        datetime.date(2026, 3, 13),
        member=member_id(net, "gp"),
    )
    version = save(net, appointments=[appointment])
    assert version.content["appointments"][0]["member"] == member_id(net, "gp")


def test_the_three_way_merge():
    base = content.empty_plan()
    theirs = copy.deepcopy(base)
    theirs["preferences"]["feeding"] = "breast"
    theirs["expected_course"] = "Hun tekst"
    mine = copy.deepcopy(base)
    mine["preferences"]["visitors"] = "Grootouders"
    mine["expected_course"] = "Mijn tekst"
    merged = content.merge(base, theirs, mine)
    assert merged.plan["preferences"] == {
        "stay": "undecided",
        "feeding": "breast",
        "visitors": "Grootouders",
    }
    assert merged.plan["expected_course"] == "Hun tekst"
    assert merged.conflicts == {"expected_course"}


def test_comparing_two_versions_marks_the_differences(net):
    one = save(net, preferences__feeding="breast")
    two = save(net, base=1, preferences__feeding="mixed", checklist__car_seat=True)
    rows = content.compare(one.content, two.content, services.member_names(net.a))
    changed = {row["label"]: (row["before"], row["after"]) for row in rows if row["changed"]}
    assert changed == {
        "Feeding": ("Breastfeeding", "Mixed feeding"),
        "A car seat for the way home": ("to do", "done"),
    }


# --- who may do what --------------------------------------------------------------------------


def test_the_mother_and_the_members_with_edit_change_the_plan_others_annotate(net):
    save(net, "mother", preferences__feeding="breast")
    save(net, "gp", base=1, preferences__stay="short")
    with pytest.raises(access.AccessDenied):
        save(net, "assistant", base=2, preferences__visitors="?")
    version = PlanVersion.objects.get(number=2)
    note = services.annotation_add(
        actor=net.users["assistant"],
        version=version,
        path="preferences.stay",
        text="Kraamhulp kan vanaf dag 2.",
    )
    reply = services.annotation_add(
        actor=net.users["mother"],
        version=version,
        path="preferences.stay",
        text="Graag!",
        reply_to=note,
    )
    assert reply.reply_to == note
    with pytest.raises(ValidationError):
        services.annotation_add(
            actor=net.users["mother"], version=version, path="preferences.nonsense", text="?"
        )
    with pytest.raises(access.AccessDenied):
        services.annotation_add(
            actor=net.users["outsider"], version=version, path="preferences.stay", text="?"
        )


def test_an_annotation_is_never_changed(net):
    version = save(net, preferences__feeding="breast")
    note = services.annotation_add(
        actor=net.users["mother"],
        version=version,
        path="preferences.feeding",
        text="Ik wil het proberen.",
    )
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        Annotation.objects.filter(pk=note.pk).update(text="anders")


def test_everyone_who_reads_the_plan_is_told_of_a_new_version_but_the_author(net):
    save(net, "mother", preferences__feeding="breast")
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"griet", "karim", "anne", "ingrid"}  # every member who sees the plan
    assert "lotte" not in told


# --- two people at once -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_edits_from_the_same_version_exactly_one_wins():
    net = build_network()
    save(net, preferences__feeding="breast")
    barrier, outcomes = threading.Barrier(2, timeout=30), []

    def edit(persona, visitors):
        try:
            barrier.wait()
            save(net, persona, base=1, preferences__visitors=visitors)
            outcomes.append("saved")
        except services.PlanConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=("mother", "Oma")),
        threading.Thread(target=edit, args=("coordinator", "Opa")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert list(PlanVersion.objects.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_a_version_number_is_unique_in_the_database(net):
    version = save(net, preferences__feeding="breast")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.create(
            plan=version.plan, number=1, author=version.author, content=version.content
        )


def test_a_form_naming_no_version_of_the_plan_gets_a_message(net):
    with pytest.raises(ValidationError, match="reload the plan"):
        services.plan_save(
            actor=net.users["mother"], dossier=net.a, content=content.empty_plan(), base_number=-1
        )
