"""Closing the record (issue 18): the hand-over summary to Kind & Gezin / ONE and the GP, as
a PDF and a FHIR R4 document, only under the mother's consent, sent once per recipient
through the outbox, read only by the coordinator and the mother, and logged."""

import datetime
import importlib
import io
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from dossier import closure_services, services
from dossier.closure import SECTIONS
from dossier.models import (
    Alert,
    Dossier,
    DossierStatus,
    HandoverSend,
    Measurement,
    NewbornHandover,
    Screening,
)
from network.models import AccessEvent, Action, Concern, OutboxMessage, Outcome
from tests.conftest import sign_in_verified
from tests.personas import build_network

pytestmark = pytest.mark.django_db

KG = "kind-en-gezin@example.org"
CONCERN_TEXT = "Partner dreigt, zeer vertrouwelijk"


@pytest.fixture
def net(settings):
    settings.HANDOVER_KIND_EN_GEZIN_EMAIL = KG
    settings.HANDOVER_ONE_EMAIL = "one@example.org"
    settings.HANDOVER_CHILD_HEALTH_BY_PROVINCE = {}
    net = build_network()
    gp = net.users["gp"]
    gp.email = "karim@example.org"
    gp.save()
    coordinator = net.users["coordinator"]
    born = net.a.delivery.born_at
    baby = net.newborn  # 3400 g at birth
    for hours, grams in ((10, 3000), (20, 3050)):  # -11.8 % (an alert), then -10.3 %
        services.measurement_record(
            actor=coordinator,
            measurement=Measurement(
                newborn=baby, weight_g=grams, measured_at=born + datetime.timedelta(hours=hours)
            ),
        )
    services.screening_record(
        actor=coordinator,
        screening=Screening(
            newborn=baby,
            kind="hearing",
            result="normal",
            done_at=born + datetime.timedelta(hours=12),
        ),
    )
    Concern.objects.create(dossier=net.a, raised_by=coordinator, urgency="today", text=CONCERN_TEXT)
    closure_services.handover_prepare(
        actor=coordinator,
        dossier=net.a,
        remarks="Mama wil borstvoeding volhouden.",
        babies={
            baby.pk: {
                "vitamin_k": "im",
                "vitamin_k_on": timezone.localdate(born),
                "hepatitis_b": "vaccine_hbig",
                "hepatitis_b_on": timezone.localdate(born),
                "feeding": "breast",
            }
        },
    )
    return net


def consent(net, *, to_child_health=True, to_gp=True, who="mother"):
    return closure_services.handover_consent_set(
        actor=net.users[who], dossier=net.a, to_child_health=to_child_health, to_gp=to_gp
    )


def close(net):
    dossier = Dossier.objects.get(pk=net.a.pk)
    dossier.status, dossier.closure_reason = DossierStatus.CLOSED, "Zorg afgerond"
    return services.dossier_update(actor=net.users["coordinator"], dossier=dossier, reason="einde")


def handover_messages():
    return OutboxMessage.objects.filter(key__startswith="handover:")


def _resources(data, kind=None):
    return [
        e["resource"]
        for e in data["entry"]
        if kind is None or e["resource"]["resourceType"] == kind
    ]


def test_without_her_consent_nothing_is_sent(client, net):
    close(net)
    assert not HandoverSend.objects.exists() and not handover_messages().exists()
    sign_in_verified(client, net.users["coordinator"])
    url = reverse("dossier:handover_send", args=[net.a.public_id])
    page = client.post(url, follow=True).content.decode()
    refused = gettext("The mother has not agreed to send the summary to anyone: nothing is sent.")
    assert escape(refused) in page
    assert not HandoverSend.objects.exists() and not handover_messages().exists()
    # a consent to nobody is none either
    consent(net, to_child_health=False, to_gp=False)
    client.post(url)
    assert not HandoverSend.objects.exists()


def test_closing_sends_to_the_gp_and_kind_en_gezin_exactly_once(
    client, net, django_capture_on_commit_callbacks
):
    consent(net)
    with django_capture_on_commit_callbacks(execute=True):
        close(net)
    sends = {s.recipient: s for s in HandoverSend.objects.filter(dossier=net.a)}
    assert set(sends) == {"gp", "child_health"}
    assert sends["gp"].address == "karim@example.org"
    assert (sends["child_health"].address, sends["child_health"].language) == (KG, "nl")
    assert handover_messages().count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([KG, "karim@example.org"])
    body = mail.outbox[0].body
    assert "/dossiers/overdracht/" in body
    assert net.a.mother.family_name not in body and "3000" not in body  # no clinical detail
    # sending again: nothing new, the page says why
    sign_in_verified(client, net.users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dossier:handover_send", args=[net.a.public_id]))
    assert HandoverSend.objects.count() == 2 and handover_messages().count() == 2
    assert len(mail.outbox) == 2


def test_the_coordinator_sends_on_demand_to_whom_she_agreed(client, net):
    consent(net, to_child_health=False, to_gp=True, who="coordinator")  # as she told it
    sign_in_verified(client, net.users["coordinator"])
    client.post(reverse("dossier:handover_send", args=[net.a.public_id]))
    assert list(HandoverSend.objects.values_list("recipient", flat=True)) == ["gp"]
    assert not HandoverSend.objects.get().consent.by_mother


def test_the_fhir_document_validates(client, net):
    sign_in_verified(client, net.users["coordinator"])
    response = client.get(f"/api/dossiers/{net.a.public_id}/handover/")
    assert response.status_code == 200, response.content[:300]
    data = response.json()
    assert data["type"] == "document"
    Bundle.model_validate(data)
    for resource in _resources(data):
        module = importlib.import_module(f"fhir.resources.R4B.{resource['resourceType'].lower()}")
        getattr(module, resource["resourceType"]).model_validate(resource)
    composition = data["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    types = [r["resourceType"] for r in _resources(data)]
    assert types.count("Patient") == 2  # the mother and the baby
    assert {"Encounter", "Observation", "Condition", "Immunization"} <= set(types)
    urls = [e["fullUrl"] for e in data["entry"]]
    assert len(set(urls)) == len(urls)
    for section in composition["section"]:
        for entry in section.get("entry", []):
            assert entry["reference"] in urls
    for resource in _resources(data):
        for key in ("subject", "patient", "encounter"):
            if key in resource:
                assert resource[key]["reference"] in urls
    vaccines = {r["vaccineCode"]["coding"][0]["code"] for r in _resources(data, "Immunization")}
    assert vaccines == {"08", "30"}  # hepatitis B vaccine and immunoglobulin
    conditions = [r["code"]["text"] for r in _resources(data, "Condition")]
    alerts = Alert.objects.filter(dossier=net.a, resolved_at__isnull=True).count()
    assert alerts >= 1 and len(conditions) == alerts + 1  # the alerts, and that one is open
    assert CONCERN_TEXT not in json.dumps(data)


def test_the_pdf_sent_holds_the_key_facts_and_opens_once_per_link(client, net, settings):
    consent(net)
    sent = closure_services.handover_send(actor=net.users["coordinator"], dossier=net.a)
    assert len(sent) == 2
    gp_send = next(s for s in sent if s.recipient == "gp")
    # the token itself is only in the e-mail: read it from the outbox
    message = handover_messages().get(key__contains=":gp:")
    token = message.body.split("/dossiers/overdracht/")[1].split("/")[0]
    client.logout()
    response = client.get(reverse("dossier:handover_link", args=[token]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for fact in ("3400 g", "3000 g", "-11,8 %", "3050 g", "Borstvoeding", net.a.mother.family_name):
        assert fact in text, fact
    assert "Hepatitis B" in text or "hepatitis B" in text
    assert "Mama wil borstvoeding volhouden." in text
    assert CONCERN_TEXT not in text
    fhir = client.get(reverse("dossier:handover_link", args=[token]) + "?fhir")
    assert fhir.json()["type"] == "document"
    gp_send.refresh_from_db()
    assert gp_send.downloads == 2
    opened = AccessEvent.objects.filter(dossier=net.a, actor=None, action=Action.DOWNLOAD)
    assert opened.count() == 2
    assert all(net.users["gp"].get_full_name() in e.actor_label for e in opened)
    assert client.get(reverse("dossier:handover_link", args=["not-a-token"])).status_code == 404
    HandoverSend.objects.filter(pk=gp_send.pk).update(expires_at=timezone.now())
    assert client.get(reverse("dossier:handover_link", args=[token])).status_code == 404


def test_withdrawing_her_consent_ends_a_link_not_yet_opened(net):
    consent(net)
    closure_services.handover_send(actor=net.users["coordinator"], dossier=net.a)
    consent(net, to_child_health=True, to_gp=False)
    sends = {s.recipient: s for s in HandoverSend.objects.all()}
    assert sends["gp"].expires_at <= timezone.now() < sends["child_health"].expires_at


@pytest.mark.parametrize(
    ("persona", "status"),
    [("outsider", 404), ("other_mother", 404), ("gp", 403), ("mother", 200), ("coordinator", 200)],
)
def test_only_the_coordinator_and_the_mother_read_it(client, net, persona, status):
    sign_in_verified(client, net.users[persona])
    for name in ("dossier:handover", "dossier:handover_pdf"):
        response = client.get(reverse(name, args=[net.a.public_id]))
        assert response.status_code == status, (name, persona)
    api = client.get(f"/api/dossiers/{net.a.public_id}/handover/")
    assert api.status_code == status


def test_only_the_mother_or_her_coordinator_records_the_consent(client, net):
    sign_in_verified(client, net.users["gp"])
    url = reverse("dossier:handover_consent", args=[net.a.public_id])
    assert client.post(url, {"to_gp": "on"}).status_code == 403
    client.logout()
    sign_in_verified(client, net.users["mother"])
    assert client.post(url, {"to_gp": "on"}).status_code == 302
    choice = closure_services.current_consent(net.a)
    assert (choice.to_gp, choice.to_child_health, choice.by_mother) == (True, False, True)
    # she does not send: that is her coordinator's
    send = client.post(reverse("dossier:handover_send", args=[net.a.public_id]))
    assert send.status_code == 403 and not HandoverSend.objects.exists()


def test_every_step_is_in_the_access_log(client, net):
    sign_in_verified(client, net.users["coordinator"])
    before = AccessEvent.objects.filter(dossier=net.a).count()
    client.get(reverse("dossier:handover", args=[net.a.public_id]))
    read = AccessEvent.objects.filter(dossier=net.a).latest("id")
    assert (read.action, sorted(read.sections)) == (Action.READ, sorted(SECTIONS))
    consent(net)
    choice = AccessEvent.objects.filter(dossier=net.a).latest("id")
    assert (choice.actor, choice.action) == (net.users["mother"], Action.UPDATE)
    client.post(reverse("dossier:handover_send", args=[net.a.public_id]))
    sent = AccessEvent.objects.filter(dossier=net.a).latest("id")
    assert (sent.actor, sent.action, sent.outcome) == (
        net.users["coordinator"],
        Action.DOWNLOAD,
        Outcome.ALLOWED,
    )
    assert sorted(sent.sections) == sorted(SECTIONS)
    assert AccessEvent.objects.filter(dossier=net.a).count() == before + 3


def test_the_prepare_form_refuses_a_date_before_the_birth(client, net):
    sign_in_verified(client, net.users["coordinator"])
    url = reverse("dossier:handover_prepare", args=[net.a.public_id])
    before_birth = timezone.localdate(net.a.delivery.born_at) - datetime.timedelta(days=2)
    response = client.post(
        url, {"1-vitamin_k": "im", "1-vitamin_k_on": before_birth.isoformat(), "remarks": ""}
    )
    assert response.status_code == 400
    assert 'id="id_1-vitamin_k_on_error"' in response.content.decode()
    response = client.post(url, {"1-vitamin_k": "oral", "1-hepatitis_b": "vaccine"})
    assert response.status_code == 302
    row = NewbornHandover.objects.get(newborn=net.newborn)
    assert (row.vitamin_k, row.hepatitis_b, row.vitamin_k_on) == ("oral", "vaccine", None)
    # the mother reads it but does not prepare it
    client.logout()
    sign_in_verified(client, net.users["mother"])
    assert client.get(url).status_code == 403


def test_no_address_no_send(net, settings):
    settings.HANDOVER_KIND_EN_GEZIN_EMAIL = ""
    consent(net, to_child_health=True, to_gp=False)
    with pytest.raises(ValidationError):
        closure_services.handover_send(actor=net.users["coordinator"], dossier=net.a)
    assert not HandoverSend.objects.exists()


@pytest.mark.parametrize(
    ("province", "language", "service"),
    [
        ("VOV", "nl", "Kind & Gezin"),
        ("WLG", "nl", "ONE"),
        ("BRU", "fr", "ONE"),
        ("BRU", "nl", "Kind & Gezin"),
        ("VAN", "fr", "Kind & Gezin"),
    ],
)
def test_the_child_health_service_follows_her_address(net, province, language, service):
    mother = net.a.mother
    mother.province, mother.preferred_language = province, language
    target = closure_services.child_health_target(net.a)
    assert target.name == service
    assert target.address == (KG if service == "Kind & Gezin" else "one@example.org")


def test_an_address_per_province_comes_first(net, settings):
    settings.HANDOVER_CHILD_HEALTH_BY_PROVINCE = {"VOV": "gent@example.org"}
    assert closure_services.child_health_target(net.a).address == "gent@example.org"


def test_the_record_page_offers_it_to_the_coordinator_and_the_mother_only(client, net):
    url = reverse("dossier:handover", args=[net.a.public_id])
    for persona, offered in (("coordinator", True), ("mother", True), ("gp", False)):
        client.logout()
        sign_in_verified(client, net.users[persona])
        page = client.get(reverse("dossier:detail", args=[net.a.public_id])).content.decode()
        assert (url in page) is offered, persona


def test_the_consults_with_the_ward_are_handed_over_and_an_unanswered_one_is_open(client, net):
    from dossier import closure, consult_services
    from network.models import Organisation, OrganisationKind
    from tests.factories import ProfessionalFactory, join

    Organisation.objects.create(
        name="UZ Gent – materniteit",
        kind=OrganisationKind.MATERNITY_WARD,
        ward_phone="09 332 11 11",
        ward_email="materniteit@uzgent.example",
    )
    ward = Organisation.objects.get(name="UZ Gent – materniteit")
    wendy = ProfessionalFactory(user__username="wendy", organisation=ward).user
    join(net.a, wendy)
    coordinator = net.users["coordinator"]

    def ask(question, newborn=None):
        return consult_services.consult_ask(
            actor=coordinator, dossier=net.a, question=question, urgency="today", newborn=newborn
        )

    answered = ask("Geelzucht dag 4: bilirubine prikken?", newborn=net.newborn)
    consult_services.consult_answer(actor=wendy, consult=answered, answer="Ja, vandaag nog.")
    consult_services.consult_note_add(actor=wendy, consult=answered, text="Waarde was 14 mg/dl.")
    waiting = ask("Moeder koorts 38,4: terugkomen?")
    withdrawn = ask("Vraag in vergissing gesteld")
    consult_services.consult_withdraw(actor=coordinator, consult=withdrawn)

    made = closure.summary(Dossier.objects.get(pk=net.a.pk))
    assert [c.pk for c in made.consults] == [answered.pk, waiting.pk]  # withdrawn left out
    shown = {part["title"]: part for part in closure.parts(made)}
    rows = shown[gettext("Consults with the maternity ward")]["rows"]
    assert [row[2] for row in rows] == [answered.question, waiting.question]
    assert "Ja, vandaag nog." in rows[0][3] and "14 mg/dl" in rows[0][3] and rows[1][3] == "—"
    problems = shown[gettext("Open problems")]["rows"]
    assert [row[1] for row in problems].count(closure.open_consult_text()) == 1
    assert made.open_problems == len(problems)

    sign_in_verified(client, coordinator)
    data = client.get(f"/api/dossiers/{net.a.public_id}/handover/").json()
    Bundle.model_validate(data)
    communications = _resources(data, "Communication")
    for resource in communications:
        module = importlib.import_module("fhir.resources.R4B.communication")
        module.Communication.model_validate(resource)
    assert len(communications) == 4  # two questions, one answer, one note
    assert "Vraag in vergissing gesteld" not in json.dumps(data)
    section = next(
        s
        for s in data["entry"][0]["resource"]["section"]
        if s["title"] == gettext("Consults with the maternity ward")
    )
    questions = [r for r in communications if "inResponseTo" not in r]
    urls = {e["fullUrl"] for e in data["entry"]}
    assert len(section["entry"]) == len(questions) == 2
    assert {e["reference"] for e in section["entry"]} <= urls
    waiting_condition = [
        r for r in _resources(data, "Condition") if r["code"]["text"] == closure.open_consult_text()
    ]
    assert len(waiting_condition) == 1 and "38,4" not in json.dumps(waiting_condition)
