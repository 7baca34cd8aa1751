"""Writes go through the services: without the right to edit, 403 and nothing changes;
invalid data, 400 with the model's Dutch message on the field; each write is logged."""

import datetime

from dossier.models import Newborn
from dossier.sections import Section
from network.models import Action, ConsentRule, Membership, Outcome, Profession
from tests.api.conftest import token_client
from tests.factories import ProfessionalFactory


def url(network, rest=""):
    return f"/api/dossiers/{network.a.public_id}/{rest}"


# --- the pregnancy ------------------------------------------------------------------------


def test_the_coordinator_changes_the_pregnancy(api, network, events):
    response = api("coordinator").patch(
        url(network),
        {
            "gravidity": 3,
            "parity": 1,
            "risk_factors": ["smoking"],
            "risk_notes": "Rookt 5/dag",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["prenatal"]["risk_factors"] == ["smoking"]
    network.a.refresh_from_db()
    assert (network.a.gravidity, network.a.parity, network.a.risk_notes) == (3, 1, "Rookt 5/dag")
    written = [e for e in events.since() if e.action != Action.READ]
    assert [(e.sections, e.action, e.outcome) for e in written] == [
        ([Section.PRENATAL], Action.UPDATE, Outcome.ALLOWED)
    ]


def test_a_null_due_date_is_computed_again(api, network):
    lmp = datetime.date.today() - datetime.timedelta(weeks=10)
    response = api("coordinator").patch(
        url(network),
        {"last_menstrual_period": lmp.isoformat(), "expected_due_date": None},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (
        response.json()["prenatal"]["expected_due_date"]
        == (lmp + datetime.timedelta(days=280)).isoformat()
    )


def test_a_write_without_the_right_to_edit_is_403_and_changes_nothing(api, network, events):
    before = network.a.risk_notes, network.a.updated_at
    response = api("paediatrician").patch(url(network), {"risk_notes": "x"}, format="json")
    assert response.status_code == 403
    assert "Prenatale opvolging" in response.json()["detail"]
    network.a.refresh_from_db()
    assert (network.a.risk_notes, network.a.updated_at) == before
    assert [(e.sections, e.action, e.outcome) for e in events.since()] == [
        ([Section.PRENATAL], Action.UPDATE, Outcome.DENIED)
    ]


def test_invalid_data_is_400_with_the_dutch_message_on_the_field(api, network):
    response = api("coordinator").patch(url(network), {"gravidity": 2, "parity": 5}, format="json")
    assert response.status_code == 400
    assert "Pariteit" in response.json()["parity"][0]
    network.a.refresh_from_db()
    assert network.a.parity == 0


def test_the_status_only_moves_forward(api, network):
    response = api("coordinator").patch(url(network), {"status": "prenatal"}, format="json")
    assert response.status_code == 400
    assert "gaat alleen vooruit" in response.json()["status"][0]
    response = api("coordinator").patch(url(network), {"status": "postnatal"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "postnatal"


def test_a_type_error_is_400_naming_the_field(api, network):
    response = api("coordinator").patch(url(network), {"gravidity": "veel"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["gravidity"]


# --- newborns -----------------------------------------------------------------------------

NEWBORN = {"sex": "M", "birth_weight_g": 2900, "apgar_1": 8, "apgar_5": 9}


def test_the_coordinator_adds_a_newborn_with_the_next_birth_order(api, network, events):
    network.a.fetus_count = 2
    network.a.save()
    response = api("coordinator").post(url(network, "newborns/"), NEWBORN, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["birth_order"] == 2
    assert body["url"].endswith(f"/newborns/{body['public_id']}/")
    assert network.a.newborns.count() == 2
    assert [(e.sections, e.action) for e in events.since()] == [
        ([Section.NEWBORN], Action.CREATE),
        ([Section.NEWBORN], Action.READ),
    ]


def test_a_newborn_out_of_bounds_is_400_with_the_dutch_field_name(api, network):
    network.a.fetus_count = 2
    network.a.save()
    response = api("coordinator").post(
        url(network, "newborns/"), {**NEWBORN, "birth_weight_g": 100}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["birth_weight_g"][0]
    assert "Geboortegewicht" in message
    assert "300" in message
    assert network.a.newborns.count() == 1


def test_a_rule_about_the_whole_record_is_a_non_field_error(api, network):
    response = api("coordinator").post(
        f"/api/dossiers/{network.b.public_id}/newborns/", NEWBORN, format="json"
    )
    assert response.status_code == 400
    assert "bevalling" in response.json()["non_field_errors"][0].lower()


def test_a_missing_field_is_400(api, network):
    response = api("coordinator").post(url(network, "newborns/"), {"sex": "M"}, format="json")
    assert response.status_code == 400
    assert "birth_weight_g" in response.json()


def test_a_view_only_member_cannot_add_or_change_a_newborn(api, network, events):
    assistant = api("assistant")
    response = assistant.post(url(network, "newborns/"), NEWBORN, format="json")
    assert response.status_code == 403
    response = assistant.patch(
        url(network, f"newborns/{network.newborn.public_id}/"),
        {"given_name": "Lena"},
        format="json",
    )
    assert response.status_code == 403
    assert Newborn.objects.filter(dossier=network.a).count() == 1
    network.newborn.refresh_from_db()
    assert network.newborn.given_name == ""
    assert [(e.sections, e.outcome) for e in events.since()] == [
        ([Section.NEWBORN], Outcome.DENIED)
    ] * 2


def test_the_gp_completes_the_newborn(api, network):
    response = api("gp").patch(
        url(network, f"newborns/{network.newborn.public_id}/"),
        {"given_name": "Lena", "feeding": "breast"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    network.newborn.refresh_from_db()
    assert (network.newborn.given_name, network.newborn.feeding) == ("Lena", "breast")


def test_an_unknown_newborn_is_404(api, network):
    other = url(network, "newborns/00000000-0000-0000-0000-000000000000/")
    assert api("coordinator").get(other).status_code == 404
    assert api("coordinator").patch(other, {"given_name": "X"}, format="json").status_code == 404


# --- the network --------------------------------------------------------------------------


def test_the_coordinator_adds_a_member_who_then_sees_the_record(api, network):
    newcomer = ProfessionalFactory(profession=Profession.LACTATION_CONSULTANT)
    response = api("coordinator").post(
        url(network, "memberships/"), {"professional": str(newcomer.public_id)}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["role"] == "lactation_consultant"
    assert token_client(newcomer.user).get(url(network)).status_code == 200


def test_a_member_who_does_not_manage_the_network_cannot_change_it(api, network, events):
    before = list(Membership.objects.filter(dossier=network.a).values_list("pk", "ended_at"))
    gp = api("gp")
    response = gp.post(
        url(network, "memberships/"),
        {"professional": str(ProfessionalFactory().public_id)},
        format="json",
    )
    assert response.status_code == 403
    assistant = network.a.memberships.get(professional__user=network.users["assistant"])
    response = gp.post(
        url(network, f"memberships/{assistant.public_id}/end/"),
        {"reason": "care_ended"},
        format="json",
    )
    assert response.status_code == 403
    assert (
        list(Membership.objects.filter(dossier=network.a).values_list("pk", "ended_at")) == before
    )
    assert [e.outcome for e in events.since()] == [Outcome.DENIED] * 2


def test_an_unknown_professional_or_a_bad_role_is_400(api, network):
    coordinator = api("coordinator")
    response = coordinator.post(
        url(network, "memberships/"),
        {"professional": "00000000-0000-0000-0000-000000000000"},
        format="json",
    )
    assert response.status_code == 400
    assert "professional" in response.json()
    physio = ProfessionalFactory(profession=Profession.PHYSIOTHERAPIST)
    response = coordinator.post(
        url(network, "memberships/"),
        {"professional": str(physio.public_id), "role": "gp"},
        format="json",
    )
    assert response.status_code == 400
    assert "role" in response.json()  # keyed by the field it is about


def test_the_coordinator_cannot_simply_leave(api, network):
    coordinator = network.a.memberships.get(role="coordinator")
    response = api("coordinator").post(
        url(network, f"memberships/{coordinator.public_id}/end/"),
        {"reason": "care_ended"},
        format="json",
    )
    assert response.status_code == 400
    coordinator.refresh_from_db()
    assert coordinator.ended_at is None


def test_ending_needs_a_known_reason(api, network):
    gp = network.a.memberships.get(professional__user=network.users["gp"])
    response = api("coordinator").post(
        url(network, f"memberships/{gp.public_id}/end/"), {"reason": "zomaar"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()


# --- consent ------------------------------------------------------------------------------


def test_only_the_mother_sets_consent(api, network, events):
    for persona in ("coordinator", "gp"):
        response = api(persona).post(
            url(network, "consent/"),
            {"section": "identity", "level": 0, "role": "gp"},
            format="json",
        )
        assert response.status_code == 403
    assert not ConsentRule.objects.filter(dossier=network.a).exists()
    assert [e.outcome for e in events.since()] == [Outcome.DENIED] * 2


def test_consent_names_a_role_or_a_member(api, network):
    member = network.a.memberships.get(professional__user=network.users["gp"])
    mother = api("mother")
    for body in (
        {"section": "identity", "level": 1},
        {"section": "identity", "level": 1, "role": "gp", "membership": str(member.public_id)},
    ):
        response = mother.post(url(network, "consent/"), body, format="json")
        assert response.status_code == 400
        assert "role" in response.json()  # keyed by the field it is about
    response = mother.post(
        url(network, "consent/"),
        {"section": "identity", "level": 1, "membership": "00000000-0000-0000-0000-000000000000"},
        format="json",
    )
    assert response.status_code == 400
    assert "membership" in response.json()
    assert not ConsentRule.objects.filter(dossier=network.a).exists()


def test_the_mother_sets_a_rule_for_a_role(api, network):
    response = api("mother").post(
        url(network, "consent/"), {"section": "careplan", "level": 1, "role": "gp"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["rules"] == [
        {
            "section": "careplan",
            "level": 1,
            "role": "gp",
            "membership": None,
            "updated_at": response.json()["rules"][0]["updated_at"],
        }
    ]
    gp = network.a.memberships.get(professional__user=network.users["gp"])
    levels = {m["membership"]: m["levels"] for m in response.json()["members"]}
    assert levels[str(gp.public_id)]["careplan"] == 1
