"""The hand-over's hepatitis B at birth follows the mother's HBsAg (issue 18): the form
proposes the choice from her latest result (positive: the vaccine and the immunoglobulin;
negative: nothing at birth; not known: nothing proposed, a hint to test her at once) — one
table, ``closure.HEPATITIS_B_AT_BIRTH`` — the coordinator may still choose otherwise, and a
choice that does not follow a positive HBsAg is warned about on the hand-over page, never
refused. Only for a reader of the prenatal section, and logged as its read."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from dossier import closure, services
from dossier.labs import LabResult, LabTest, State
from dossier.models import HepatitisB, NewbornHandover, PrenatalLab
from dossier.sections import Section
from network.models import AccessEvent, Action
from tests.conftest import sign_in_verified
from tests.personas import build_network

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def net():
    return build_network()


def hbsag(net, result, days_before_birth=20):
    born = timezone.localdate(net.a.delivery.born_at)
    return services.entry_record(
        actor=net.users["coordinator"],
        entry=PrenatalLab(
            dossier=net.a,
            test=LabTest.HBSAG,
            result=result,
            taken_on=born - days_before_birth * DAY,
        ),
    )


def prepare_url(net):
    return reverse("dossier:handover_prepare", args=[net.a.public_id])


def page_url(net):
    return reverse("dossier:handover", args=[net.a.public_id])


def last_read(user, dossier):
    return AccessEvent.objects.filter(actor=user, dossier=dossier, action=Action.READ).latest("id")


# --- the table at its edges -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("results", "state", "proposed"),
    [
        ([], State.UNKNOWN, ""),
        ([LabResult.POSITIVE], State.ACT, HepatitisB.VACCINE_AND_HBIG),
        ([LabResult.NEGATIVE], State.CLEAR, HepatitisB.NOT_INDICATED),
        ([LabResult.INDETERMINATE], State.UNKNOWN, ""),  # to repeat: not known
        ([LabResult.POSITIVE, LabResult.NEGATIVE], State.CLEAR, HepatitisB.NOT_INDICATED),
        ([LabResult.NEGATIVE, LabResult.POSITIVE], State.ACT, HepatitisB.VACCINE_AND_HBIG),
    ],
)
def test_the_latest_hbsag_proposes_the_choice(net, results, state, proposed):
    for days, result in zip((60, 20), results, strict=False):  # the later one last
        hbsag(net, result, days_before_birth=days)
    status = closure.hbsag_status(net.a)
    assert status.state == state
    assert closure.hepatitis_b_prefill(net.newborn, status) == proposed
    rule = closure.HEPATITIS_B_AT_BIRTH[state]
    assert rule.prefill == proposed and "Superior Health Council" in rule.why


def test_every_state_has_a_rule_and_only_a_positive_one_warns():
    assert set(closure.HEPATITIS_B_AT_BIRTH) == set(State)
    warned = {state for state, rule in closure.HEPATITIS_B_AT_BIRTH.items() if rule.agrees}
    assert warned == {State.ACT}
    assert closure.HEPATITIS_B_AT_BIRTH[State.ACT].agrees == (HepatitisB.VACCINE_AND_HBIG,)


def test_a_recorded_choice_is_not_proposed_over_nor_for_a_stillborn_baby(net):
    hbsag(net, LabResult.POSITIVE)
    NewbornHandover.objects.create(
        newborn=net.newborn, hepatitis_b=HepatitisB.VACCINE, recorded_by=net.users["coordinator"]
    )
    net.newborn.refresh_from_db()
    status = closure.hbsag_status(net.a)
    assert closure.hepatitis_b_prefill(net.newborn, status) == ""
    net.newborn.handover.delete()
    net.newborn.refresh_from_db()
    net.newborn.vital_status = "stillbirth"
    assert closure.hepatitis_b_prefill(net.newborn, status) == ""


# --- the form -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "state", "proposed"),
    [
        (LabResult.POSITIVE, State.ACT, HepatitisB.VACCINE_AND_HBIG),
        (LabResult.NEGATIVE, State.CLEAR, HepatitisB.NOT_INDICATED),
        (None, State.UNKNOWN, None),
    ],
)
def test_the_form_proposes_it_with_its_hint_and_logs_the_pregnancy_read(
    client, net, result, state, proposed
):
    if result:
        hbsag(net, result)
    coordinator = net.users["coordinator"]
    sign_in_verified(client, coordinator)
    response = client.get(prepare_url(net))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["1-hepatitis_b"].value() == proposed
    assert form["1-vitamin_k"].value() is None  # nothing else is proposed
    hint = str(closure.HEPATITIS_B_AT_BIRTH[state].hint)
    assert form.fields["1-hepatitis_b"].help_text == closure.HEPATITIS_B_AT_BIRTH[state].hint
    text = response.content.decode()
    assert escape(hint) in text  # visible beside the field
    assert f'data-carried-item="hbsag" data-state="{state}"' in text
    assert Section.PRENATAL in last_read(coordinator, net.a).sections


def test_the_coordinator_may_choose_otherwise_and_is_warned_not_refused(client, net):
    """The edge "changed after": a choice against a positive HBsAg is saved, kept in the
    form instead of the proposal, and warned about on the hand-over page."""
    hbsag(net, LabResult.POSITIVE)
    coordinator = net.users["coordinator"]
    sign_in_verified(client, coordinator)
    saved = client.post(prepare_url(net), {"1-hepatitis_b": HepatitisB.NOT_INDICATED})
    assert saved.status_code == 302  # not a block
    assert NewbornHandover.objects.get(newborn=net.newborn).hepatitis_b == "not_indicated"
    form = client.get(prepare_url(net)).context["form"]
    assert form["1-hepatitis_b"].value() == HepatitisB.NOT_INDICATED  # hers, not the proposal
    page = client.get(page_url(net))
    assert page.status_code == 200
    [warning] = page.context["warnings"]
    assert str(net.newborn) in warning and str(HepatitisB.NOT_INDICATED.label) in warning
    assert "data-handover-warnings" in page.content.decode()
    assert escape(warning) in page.content.decode()
    assert Section.PRENATAL in last_read(coordinator, net.a).sections
    # the vaccine alone does not follow it either; the vaccine with HBIG does
    client.post(prepare_url(net), {"1-hepatitis_b": HepatitisB.VACCINE})
    assert len(client.get(page_url(net)).context["warnings"]) == 1
    client.post(prepare_url(net), {"1-hepatitis_b": HepatitisB.VACCINE_AND_HBIG})
    page = client.get(page_url(net))
    assert page.context["warnings"] == [] and "data-handover-warnings" not in page.content.decode()
    assert Section.PRENATAL not in last_read(coordinator, net.a).sections  # nothing shown of it


def test_a_positive_result_after_the_choice_raises_the_warning(client, net):
    hbsag(net, LabResult.NEGATIVE, days_before_birth=60)
    coordinator = net.users["coordinator"]
    sign_in_verified(client, coordinator)
    client.post(prepare_url(net), {"1-hepatitis_b": HepatitisB.NOT_INDICATED})
    assert client.get(page_url(net)).context["warnings"] == []
    hbsag(net, LabResult.POSITIVE, days_before_birth=5)  # a later test, positive
    [warning] = client.get(page_url(net)).context["warnings"]
    assert str(net.newborn) in warning
    # nothing recorded at all for a baby of a positive mother is warned about too
    NewbornHandover.objects.filter(newborn=net.newborn).update(hepatitis_b="")
    assert len(client.get(page_url(net)).context["warnings"]) == 1
    # the mother reads her hand-over with the same warning
    client.logout()
    sign_in_verified(client, net.users["mother"])
    assert len(client.get(page_url(net)).context["warnings"]) == 1


def test_a_reader_without_the_pregnancy_gets_no_proposal_and_no_warning(client, net):
    """The mother closes the prenatal section to her coordinator: the form proposes
    nothing, the page warns of nothing, and no read of the pregnancy is logged."""
    from network import services as network_services
    from network.models import Level

    hbsag(net, LabResult.POSITIVE)
    coordinator = net.users["coordinator"]
    NewbornHandover.objects.create(
        newborn=net.newborn, hepatitis_b=HepatitisB.NOT_INDICATED, recorded_by=coordinator
    )
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.PRENATAL,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=coordinator),
    )
    sign_in_verified(client, coordinator)
    response = client.get(prepare_url(net))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["1-hepatitis_b"].value() == HepatitisB.NOT_INDICATED
    assert not form.fields["1-hepatitis_b"].help_text
    assert "data-carried" not in response.content.decode()
    assert Section.PRENATAL not in last_read(coordinator, net.a).sections
    page = client.get(page_url(net))
    assert page.status_code == 200 and page.context["warnings"] == []
    assert Section.PRENATAL not in last_read(coordinator, net.a).sections
