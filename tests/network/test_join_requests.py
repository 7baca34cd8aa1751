"""No existence oracle on the INSZ (issue 13): opening a record with the INSZ of a mother
already registered gets the same answer as with a new one and becomes a request to join her
record, logged on it, that her coordinator or she approves or refuses. A pending request
gives no access at all."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from dossier.insz import build_insz, format_insz
from dossier.models import Dossier, DossierStatus, Mother
from network import joins
from network.models import AccessEvent, Action, JoinDecision, JoinRequest, Membership, Notification
from tests.api.conftest import token_client
from tests.factories import DossierFactory, ProfessionalFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
NEW_BIRTH_DATE = datetime.date(1991, 3, 14)
NEW_INSZ = build_insz(NEW_BIRTH_DATE, 124)


def opening_fields(insz: str, birth_date: datetime.date, **overrides) -> dict:
    """The "new record" form as a midwife fills it in: the same for both mothers but for
    her INSZ and the birth date it encodes."""
    data = {
        "mother-given_name": "Jana",
        "mother-family_name": "Vermeulen",
        "mother-date_of_birth": birth_date.isoformat(),
        "mother-insz": format_insz(insz),
        "mother-postcode": "9000",
        "mother-municipality": "Gent",
        "mother-province": "",
        "mother-preferred_language": "nl",
        "mother-phone": "0470 12 34 56",
        "dossier-last_menstrual_period": (TODAY - datetime.timedelta(weeks=8)).isoformat(),
        "dossier-gravidity": "1",
        "dossier-parity": "0",
        "dossier-fetus_count": "1",
    }
    data.update(overrides)
    return data


VOLATILE_HEADERS = {"X-Request-ID", "Date", "Set-Cookie"}


def normalised(response, *typed: str) -> tuple:
    """What a requester can compare of an answer: status, headers (but the request id),
    cookies by name, and the body without the CSRF tokens and the values they typed."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", body)
    for value in typed:
        body = body.replace(value, "TYPED")
    headers = {k: v for k, v in response.headers.items() if k not in VOLATILE_HEADERS}
    return response.status_code, headers, sorted(response.cookies), body


def at_the_form(client, user):
    """Signed in and on the form, as a requester is before posting it (the first page after
    signing in sets the browser's cookies, so both answers compared come after it)."""
    sign_in(client, user)
    client.get(reverse("dossier:create"))
    return client


def known_fields(network, **overrides):
    mother = network.a.mother
    return opening_fields(mother.insz, mother.date_of_birth, **overrides)


def test_a_known_insz_gets_the_same_answer_as_a_new_one(client, network):
    olivia = network.users["outsider"]
    at_the_form(client, olivia)
    her = Mother.objects.values().get(pk=network.a.mother.pk)
    dossiers = Dossier.objects.count()

    new = client.post(reverse("dossier:create"), opening_fields(NEW_INSZ, NEW_BIRTH_DATE))
    known = client.post(reverse("dossier:create"), known_fields(network))

    assert new.status_code == known.status_code == 302
    assert normalised(new) == normalised(known)
    assert new["Location"] == known["Location"] == reverse("network:opening")
    # the new mother has her record; the known one is untouched and has a request instead
    assert Dossier.objects.count() == dossiers + 1
    assert Mother.objects.filter(insz=NEW_INSZ).exists()
    assert Mother.objects.values().get(pk=network.a.mother.pk) == her
    request = JoinRequest.objects.get()
    assert (request.dossier, request.professional.user, request.role, request.decision) == (
        network.a,
        olivia,
        "midwife",
        "",
    )


def test_a_refused_form_reads_the_same_for_a_known_and_a_new_insz(client, network):
    """A form with another mistake: no word about her being registered either."""
    at_the_form(client, network.users["outsider"])
    mother = network.a.mother
    bad = {"mother-postcode": "12"}
    new = client.post(reverse("dossier:create"), opening_fields(NEW_INSZ, NEW_BIRTH_DATE, **bad))
    known = client.post(reverse("dossier:create"), known_fields(network, **bad))
    assert new.status_code == known.status_code == 200
    assert "postcode" in new.context["mother_form"].errors
    assert "insz" not in known.context["mother_form"].errors
    assert normalised(new, format_insz(NEW_INSZ), NEW_BIRTH_DATE.isoformat()) == normalised(
        known, format_insz(mother.insz), mother.date_of_birth.isoformat()
    )
    assert not JoinRequest.objects.exists()


def test_a_wrong_insz_is_still_refused_on_its_field(client, network):
    sign_in(client, network.users["outsider"])
    response = client.post(
        reverse("dossier:create"),
        opening_fields(NEW_INSZ[:-2] + f"{(int(NEW_INSZ[-2:]) + 1) % 100:02d}", NEW_BIRTH_DATE),
    )
    assert response.status_code == 200
    assert "insz" in response.context["mother_form"].errors


def test_where_the_answer_leads_a_new_record_opens_a_request_waits(client, network):
    sign_in(client, network.users["outsider"])
    new = client.post(
        reverse("dossier:create"), opening_fields(NEW_INSZ, NEW_BIRTH_DATE), follow=True
    )
    created = Dossier.objects.get(mother__insz=NEW_INSZ)
    assert new.redirect_chain[-1][0] == reverse("dossier:detail", args=[created.public_id])

    known = client.post(reverse("dossier:create"), known_fields(network), follow=True)
    assert known.redirect_chain == [(reverse("network:opening"), 302)]
    page = known.content.decode()
    assert known.status_code == 200 and known.context["just_asked"]
    assert [r.decision for r in known.context["requests"]] == [""]
    mother = network.a.mother
    for secret in (mother.family_name, mother.given_name, str(network.a.public_id)):
        assert secret not in page


def test_a_pending_request_gives_no_access(client, network):
    olivia = network.users["outsider"]
    joins.join_request_create(actor=olivia, dossier=network.a)
    sign_in(client, olivia)
    assert client.get(reverse("dossier:detail", args=[network.a.public_id])).status_code == 404
    assert client.get(reverse("network:manage", args=[network.a.public_id])).status_code == 404
    assert token_client(olivia).get(f"/api/dossiers/{network.a.public_id}/").status_code == 404
    assert network.a not in client.get(reverse("dossier:dashboard")).context["page"].object_list


def test_the_request_is_logged_on_her_record_and_she_and_the_coordinator_are_told(client, network):
    olivia = network.users["outsider"]
    sign_in(client, olivia)
    client.post(reverse("dossier:create"), known_fields(network))

    event = AccessEvent.objects.filter(dossier=network.a, action=Action.JOIN).get()
    assert (event.actor, event.sections, event.outcome) == (olivia, [], "allowed")
    told = set(
        Notification.objects.filter(dossier=network.a).values_list("recipient__username", flat=True)
    )
    assert told == {"griet", "lotte"}  # the coordinator and the mother, nobody else

    sign_in(client, network.users["mother"])
    with translation.override("nl"):
        label = str(Action.JOIN.label)
    log = client.get(reverse("network:access_log", args=[network.a.public_id]))
    assert log.status_code == 200
    row = next(line for line in log.content.decode().split('<li class="visit') if label in line)
    assert olivia.get_full_name() in row


def test_a_request_twice_is_one_request_told_once_and_logged_twice(client, network):
    sign_in(client, network.users["outsider"])
    for _attempt in range(2):
        assert client.post(reverse("dossier:create"), known_fields(network)).status_code == 302
    assert JoinRequest.objects.count() == 1
    assert Notification.objects.filter(dossier=network.a).count() == 2  # griet and lotte, once
    assert AccessEvent.objects.filter(dossier=network.a, action=Action.JOIN).count() == 2


@pytest.mark.parametrize("decider", ["coordinator", "mother"])
def test_an_approved_request_makes_a_member_who_then_opens_the_record(client, network, decider):
    olivia = network.users["outsider"]
    request = joins.join_request_create(actor=olivia, dossier=network.a)
    sign_in(client, network.users[decider])
    page = client.get(reverse("network:join_requests", args=[network.a.public_id]))
    assert page.status_code == 200 and olivia.get_full_name() in page.content.decode()
    response = client.post(
        reverse("network:join_request_decide", args=[network.a.public_id, request.public_id]),
        {"decision": "approve", "note": "Her new midwife at home"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (
        request.decision == JoinDecision.APPROVED and request.decided_by == network.users[decider]
    )
    membership = Membership.objects.get(
        dossier=network.a, professional__user=olivia, ended_at__isnull=True
    )
    assert membership.role == "midwife"
    assert Notification.objects.filter(recipient=olivia, dossier=network.a).exists()
    sign_in(client, olivia)
    assert client.get(reverse("dossier:detail", args=[network.a.public_id])).status_code == 200


def test_a_refused_request_gives_nothing_and_the_requester_is_told_without_her_name(
    client, network
):
    olivia = network.users["outsider"]
    request = joins.join_request_create(actor=olivia, dossier=network.a)
    sign_in(client, network.users["coordinator"])
    response = client.post(
        reverse("network:join_request_decide", args=[network.a.public_id, request.public_id]),
        {"decision": "refuse"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.decision == JoinDecision.REFUSED
    assert not Membership.objects.filter(dossier=network.a, professional__user=olivia).exists()
    notice = Notification.objects.get(recipient=olivia)
    assert notice.dossier is None  # nothing to open, nothing named
    sign_in(client, olivia)
    assert client.get(reverse("dossier:detail", args=[network.a.public_id])).status_code == 404
    inbox = client.get(reverse("network:inbox")).content.decode()
    mine = client.get(reverse("network:opening")).content.decode()
    for page in (inbox, mine):
        assert network.a.mother.family_name not in page
        assert str(network.a.public_id) not in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("gp", 403),
        ("paediatrician", 403),
        ("outsider", 404),
        ("other_mother", 404),
        ("anonymous", 302),
    ],
)
def test_only_the_coordinator_and_the_mother_decide(client, network, persona, status):
    request = joins.join_request_create(
        actor=ProfessionalFactory(user__username="zoe").user, dossier=network.a
    )
    sign_in(client, network.users[persona])
    assert (
        client.get(reverse("network:join_requests", args=[network.a.public_id])).status_code
        == status
    )
    decide = client.post(
        reverse("network:join_request_decide", args=[network.a.public_id, request.public_id]),
        {"decision": "approve"},
    )
    assert decide.status_code == status
    request.refresh_from_db()
    assert request.is_pending
    assert not Membership.objects.filter(professional__user__username="zoe").exists()


def test_a_bad_decision_is_refused_naming_the_field(client, network):
    request = joins.join_request_create(actor=network.users["outsider"], dossier=network.a)
    sign_in(client, network.users["coordinator"])
    url = reverse("network:join_request_decide", args=[network.a.public_id, request.public_id])
    for data, field in (
        ({"decision": "maybe"}, "decision"),
        ({"decision": "approve", "note": "x" * 301}, "note"),
        ({"decision": "refuse", "note": "a\x00b"}, "note"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        if "requests" in response.context:
            form = next(r.form for r in response.context["requests"] if r.pk == request.pk)
            assert field in form.errors, data
        else:  # a NUL byte: refused before any view (config.inputs), the field named
            assert field in response.content.decode(), data
    request.refresh_from_db()
    assert request.is_pending


def test_a_request_already_decided_is_not_decided_again(client, network):
    olivia = network.users["outsider"]
    request = joins.join_request_create(actor=olivia, dossier=network.a)
    joins.join_request_decide(actor=network.users["mother"], join_request=request, approve=False)
    sign_in(client, network.users["coordinator"])
    response = client.post(
        reverse("network:join_request_decide", args=[network.a.public_id, request.public_id]),
        {"decision": "approve"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.decision == JoinDecision.REFUSED
    assert not Membership.objects.filter(professional__user=olivia).exists()


def test_the_network_page_counts_the_pending_requests(client, network):
    joins.join_request_create(actor=network.users["outsider"], dossier=network.a)
    sign_in(client, network.users["coordinator"])
    page = client.get(reverse("network:manage", args=[network.a.public_id])).content.decode()
    assert reverse("network:join_requests", args=[network.a.public_id]) in page
    assert "1 " in page.split(reverse("network:join_requests", args=[network.a.public_id]))[1]


def test_a_member_typing_her_insz_again_lands_on_her_record_without_a_request(client, network):
    sign_in(client, network.users["coordinator"])
    response = client.post(reverse("dossier:create"), known_fields(network), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dossier:detail", args=[network.a.public_id])
    assert not JoinRequest.objects.exists()


def test_a_request_goes_to_her_current_record_not_a_closed_one(network):
    earlier = DossierFactory(mother=network.a.mother, status=DossierStatus.CLOSED)
    assert joins.target_dossier(network.a.mother) == network.a
    network.a.status = DossierStatus.CLOSED
    network.a.save()
    assert joins.target_dossier(network.a.mother) in {network.a, earlier}


# --- the same rule elsewhere ----------------------------------------------------------------


def test_the_api_opens_no_record_so_it_answers_alike_for_a_known_and_a_new_insz(network):
    """The API has no route that opens a record (README, "The API"): a POST is refused the
    same way whatever the INSZ. Should one be added, this test asks for the same rule."""
    api = token_client(network.users["outsider"])
    mother = network.a.mother
    answers = [
        api.post(
            "/api/dossiers/", {"mother": {"insz": insz, "date_of_birth": str(born)}}, format="json"
        )
        for insz, born in ((NEW_INSZ, NEW_BIRTH_DATE), (mother.insz, mother.date_of_birth))
    ]
    assert answers[0].status_code == answers[1].status_code == 405
    assert normalised(answers[0]) == normalised(answers[1])
    assert not JoinRequest.objects.exists() and not Mother.objects.filter(insz=NEW_INSZ).exists()


def test_a_new_pregnancy_answers_alike_whether_she_has_a_record_elsewhere(client, network):
    """From a record the user sees; her record in another network changes nothing."""
    griet = network.users["coordinator"]
    sign_in(client, griet)
    fields = {
        "dossier-last_menstrual_period": (TODAY - datetime.timedelta(weeks=6)).isoformat(),
        "dossier-gravidity": "2",
        "dossier-parity": "1",
        "dossier-fetus_count": "1",
    }
    url = reverse("dossier:new_pregnancy", args=[network.b.public_id])
    alone = client.post(url, fields)
    DossierFactory(mother=network.b.mother)  # now she also has a record in another network
    elsewhere = client.post(url, fields)
    assert alone.status_code == elsewhere.status_code == 302
    shape = re.compile(r"^/dossiers/[0-9a-f-]{36}/$")
    assert shape.match(alone["Location"]) and shape.match(elsewhere["Location"])
    assert not JoinRequest.objects.exists()
