"""A consult request from the home midwife to the maternity ward, answered in the record
(R13, R34; issue 18): the response windows at their edges, who asks / reads / answers /
withdraws (the personas, the ward's midwife, the GP with narrowed consent, an outsider's
404), errors that name their field, an answer given once and corrected by a note, the
messages (inbox in the reader's language; e-mail and SMS through the outbox, with nothing
of the record in them), the history, the record's card and header, the ward's inbox, the
API, and the reminder when no answer came in time (once, also with two runs at once)."""

import datetime
import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from dossier import consult_services, consults
from dossier.models import (
    ConsultNote,
    ConsultRequest,
    ConsultStatus,
    ConsultUrgency,
    EntryChange,
)
from dossier.sections import Section
from dossier.tasks import remind_overdue_consults
from network import access, notices, selectors, services
from network.models import (
    AccessEvent,
    Channel,
    Level,
    Notification,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    Outcome,
    Profession,
)
from tests.conftest import sign_in_verified
from tests.factories import NewbornFactory, ProfessionalFactory, join
from tests.personas import build_network

pytestmark = pytest.mark.django_db

QUESTION = "Moeder 38,4 °C op dag 3, lochia ruiken: antibiotica starten of terugkomen?"
ASK_MSGID = (
    "%(asker)s asks the maternity ward a question (%(urgency)s) in the record of %(mother)s. "
    "Open it to answer."
)
ANSWERED_MSGID = "The maternity ward answered your consult request of %(moment)s."


def sign_in(client, user):
    if user is not None:
        sign_in_verified(client, user)
    return client


@pytest.fixture
def net():
    """The personas' network A (delivered at "UZ Gent – materniteit", one baby); that ward
    as an organisation with its contact; Griet (coordinator) at a midwife practice; Wendy, a
    midwife of the ward who reads French, a member of A's network; Walter, a midwife of the
    same ward outside the network."""
    network = build_network()
    ward = Organisation.objects.create(
        name="UZ Gent – materniteit",
        kind=OrganisationKind.MATERNITY_WARD,
        ward_phone="09 332 11 11",
        ward_email="materniteit@uzgent.example",
    )
    practice = Organisation.objects.create(
        name="Vroedvrouwenpraktijk De Wieg", kind=OrganisationKind.MIDWIFE_PRACTICE
    )
    griet = network.users["coordinator"].professional
    griet.organisation, griet.phone = practice, "0470 11 22 33"
    griet.save()
    network.users["coordinator"].email = "griet@dewieg.example"
    network.users["coordinator"].save()
    wendy = ProfessionalFactory(
        user__username="wendy",
        user__email="wendy@uzgent.example",
        organisation=ward,
        phone="0470 55 66 77",
        language="fr",
    ).user
    walter = ProfessionalFactory(user__username="walter", organisation=ward).user
    network.users.update(ward=wendy, ward_outsider=walter)
    network.ward = ward
    return network


@pytest.fixture
def joined(net):
    join(net.a, net.users["ward"])
    return net


def ask(net, *, by="coordinator", newborn=None, urgency=ConsultUrgency.HOUR, question=QUESTION):
    return consult_services.consult_ask(
        actor=net.users[by], dossier=net.a, question=question, urgency=urgency, newborn=newborn
    )


def outbox(consult):
    return OutboxMessage.objects.filter(key__startswith=f"consult:{consult.public_id}:")


# --- how fast: the windows table ------------------------------------------------------------


def test_every_window_says_why_and_the_answer_is_late_only_after_it():
    assert set(consults.WINDOWS) == set(ConsultUrgency.values)
    for window in consults.WINDOWS.values():
        assert "KCE" in window.why and "AP 4.1" in window.why
    asked = timezone.now()
    assert consults.due_at(ConsultUrgency.HOUR, asked) == asked + datetime.timedelta(hours=1)
    assert consults.due_at(ConsultUrgency.TODAY, asked) == asked + datetime.timedelta(hours=8)
    consult = ConsultRequest(status=ConsultStatus.OPEN, due_at=asked + datetime.timedelta(hours=1))
    second = datetime.timedelta(seconds=1)
    assert not consults.is_overdue(consult, consult.due_at - second)
    assert not consults.is_overdue(consult, consult.due_at)  # expected BY then: not late yet
    assert consults.is_overdue(consult, consult.due_at + second)
    consult.status = ConsultStatus.ANSWERED
    assert not consults.is_overdue(consult, consult.due_at + datetime.timedelta(days=3))


def test_a_question_is_due_by_its_urgency_s_window(joined):
    before = timezone.now()
    consult = ask(joined, urgency=ConsultUrgency.TODAY)
    assert before + datetime.timedelta(hours=8) <= consult.due_at
    assert consult.due_at <= timezone.now() + datetime.timedelta(hours=8)
    assert consult.ward == joined.ward and consult.section == Section.POSTNATAL


# --- who: the pages -------------------------------------------------------------------------

# Network A with the ward's midwife: who opens each page (GET). Everyone who reads the
# postnatal or newborn section reads the consults; a care provider who may change one asks;
# only the ward's midwife answers; outsiders get the unknown record's 404.
READS = {"coordinator", "gp", "paediatrician", "assistant", "mother", "ward"}
ASKS = {"coordinator", "gp", "paediatrician", "ward"}
ANSWERS = {"ward"}
PERSONAS = [*sorted(READS), "outsider", "other_mother", "ward_outsider", "anonymous"]


def expected(persona, allowed):
    if persona == "anonymous":
        return 302
    if persona in {"outsider", "other_mother", "ward_outsider"}:
        return 404
    return 200 if allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_opens_which_consult_page(client, joined, persona):
    consult = ask(joined)
    pid = joined.a.public_id
    sign_in(client, joined.users[persona])
    pages = {
        reverse("dossier:consults", args=[pid]): persona in READS,
        reverse("dossier:consult_ask", args=[pid]): persona in ASKS,
        reverse("dossier:consult_answer", args=[pid, consult.public_id]): persona in ANSWERS,
    }
    for url, allowed in pages.items():
        before = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.get(url)
        assert response.status_code == expected(persona, allowed), (persona, url)
        if response.status_code in (403, 404):
            denied = AccessEvent.objects.filter(id__gt=before, outcome=Outcome.DENIED)
            assert [e.dossier_id for e in denied] == [joined.a.pk], (persona, url)
    if persona in READS:
        page = client.get(reverse("dossier:consults", args=[pid])).content.decode()
        assert QUESTION.split(":")[0] in page


def test_the_record_s_card_shows_the_question_and_offers_what_each_may_do(client, joined):
    consult = ask(joined)
    url = reverse("dossier:detail", args=[joined.a.public_id])
    ask_url = reverse("dossier:consult_ask", args=[joined.a.public_id])
    answer_url = reverse("dossier:consult_answer", args=[joined.a.public_id, consult.public_id])
    withdraw_url = reverse("dossier:consult_withdraw", args=[joined.a.public_id, consult.public_id])
    for persona, offers in {
        "coordinator": {ask_url, withdraw_url},
        "ward": {ask_url, answer_url},
        "assistant": set(),
        "mother": set(),
    }.items():
        page = sign_in(client, joined.users[persona]).get(url).content.decode()
        assert 'id="s-consult"' in page and f'data-consult="{consult.public_id}"' in page
        assert QUESTION.split(":")[0] in page
        assert {u for u in (ask_url, answer_url, withdraw_url) if f'"{u}"' in page} == offers


def test_an_outsider_meets_the_unknown_record_on_every_consult_route(client, joined):
    consult = ask(joined)
    pid = joined.a.public_id
    sign_in(client, joined.users["outsider"])
    for url in (
        reverse("dossier:consults", args=[pid]),
        reverse("dossier:consult_ask", args=[pid]),
        reverse("dossier:consult_answer", args=[pid, consult.public_id]),
        reverse("dossier:consult_withdraw", args=[pid, consult.public_id]),
        reverse("api:consult-list", args=[pid]),
        reverse("api:consult-answer", args=[pid, consult.public_id]),
    ):
        assert client.post(url, {"answer": "x", "question": "x"}).status_code == 404, url
    assert ConsultRequest.objects.get(pk=consult.pk).status == ConsultStatus.OPEN


def test_a_reader_of_only_one_section_sees_only_its_questions(joined):
    """A physiotherapist reads the mother's follow-up, not the newborn section: the question
    about the baby stays hidden from her, on the page and in the API."""
    physio = ProfessionalFactory(user__username="pia", profession=Profession.PHYSIOTHERAPIST).user
    join(joined.a, physio)
    about_mother = ask(joined)
    about_baby = ask(joined, newborn=joined.newborn, urgency=ConsultUrgency.TODAY)
    assert about_baby.section == Section.NEWBORN
    levels = access.section_levels(physio, joined.a)
    assert consults.readable_sections(levels) == [Section.POSTNATAL]
    shown = list(consults.consults_of(joined.a, consults.readable_sections(levels)))
    assert shown == [about_mother]
    assert not consults.may_ask(physio, joined.a, Section.NEWBORN)


def test_the_gp_with_narrowed_consent_asks_only_what_he_may_change(client, joined):
    gp = joined.users["gp"]
    membership = joined.a.memberships.get(professional__user=gp)

    def consent(section, level):
        services.consent_set(
            actor=joined.users["mother"],
            dossier=joined.a,
            section=section,
            level=level,
            membership=membership,
        )

    consent(Section.POSTNATAL, Level.VIEW)  # he reads her follow-up, no longer changes it
    with pytest.raises(access.AccessDenied):
        ask(joined, by="gp")
    assert ask(joined, by="gp", newborn=joined.newborn).section == Section.NEWBORN
    sign_in(client, gp)
    form = client.get(reverse("dossier:consult_ask", args=[joined.a.public_id]))
    assert [value for value, _label in form.context["form"].fields["about"].choices] == [
        str(joined.newborn.public_id)
    ]
    refused = client.post(
        reverse("dossier:consult_ask", args=[joined.a.public_id]),
        {"about": "mother", "urgency": "hour", "question": "Mag dit?"},
    )
    assert refused.status_code == 400 and "about" in refused.context["form"].errors
    consent(Section.NEWBORN, Level.NONE)
    consent(Section.POSTNATAL, Level.NONE)
    assert client.get(reverse("dossier:consults", args=[joined.a.public_id])).status_code == 403
    assert client.get(reverse("api:consult-list", args=[joined.a.public_id])).status_code == 403


def test_the_mother_and_the_assistant_read_but_do_not_ask(joined):
    for persona in ("mother", "assistant"):
        with pytest.raises(access.AccessDenied):
            ask(joined, by=persona)
    assert ConsultRequest.objects.count() == 0


# --- errors that name their field -----------------------------------------------------------


def test_a_form_without_its_answers_names_each_field(client, joined):
    sign_in(client, joined.users["coordinator"])
    url = reverse("dossier:consult_ask", args=[joined.a.public_id])
    response = client.post(url, {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"about", "urgency", "question"}
    too_long = client.post(url, {"about": "mother", "urgency": "hour", "question": "x" * 2001})
    assert too_long.status_code == 400 and set(too_long.context["form"].errors) == {"question"}
    bad_choice = client.post(url, {"about": "vader", "urgency": "week", "question": "Vraag?"})
    assert set(bad_choice.context["form"].errors) == {"about", "urgency"}
    assert ConsultRequest.objects.count() == 0


def test_the_service_names_the_field_and_saves_nothing(joined):
    for kwargs, field in (
        ({"question": "   "}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({"urgency": "week"}, "urgency"),
        ({"newborn": NewbornFactory()}, "newborn"),  # a baby of another record
    ):
        with pytest.raises(ValidationError) as refused:
            ask(joined, **kwargs)
        assert set(refused.value.error_dict) == {field}, kwargs
    assert ConsultRequest.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_without_a_ward_contact_nothing_is_sent_and_the_asker_is_told_why(joined):
    Organisation.objects.filter(pk=joined.ward.pk).update(ward_phone="", ward_email="")
    with pytest.raises(ValidationError) as refused:
        ask(joined)
    assert refused.value.code == "no_ward"
    assert ConsultRequest.objects.count() == 0


def test_the_api_answers_400_naming_the_fields(api_client, joined):
    client = api_client(joined.users["coordinator"])
    url = reverse("api:consult-list", args=[joined.a.public_id])
    assert set(client.post(url, {}, format="json").json()) == {"urgency", "question"}
    response = client.post(
        url,
        {"urgency": "hour", "question": "Vraag?", "newborn": str(NewbornFactory().public_id)},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()) == {"newborn"}
    response = client.post(url, {"urgency": "hour", "question": "x" * 2001}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"question"}


# --- asked: who is told, and how ------------------------------------------------------------


def test_the_ward_s_member_is_told_in_her_language_with_nothing_of_the_record_by_message(
    joined,
):
    consult = ask(joined, newborn=joined.newborn)
    wendy = joined.users["ward"]
    notice = Notification.objects.get(recipient=wendy)
    assert notice.message == ASK_MSGID and notice.section == Section.NEWBORN
    assert Notification.objects.filter(recipient=joined.users["coordinator"]).count() == 0
    with translation.override("fr"):
        shown = notices.render([notice], wendy)[0]
        assert shown.shown == gettext(ASK_MSGID) % {
            "asker": joined.users["coordinator"].get_full_name(),
            "urgency": str(ConsultUrgency.HOUR.label).lower(),
            "mother": joined.a.mother.full_name,
        }
        assert shown.link == reverse("dossier:consults", args=[joined.a.public_id])
    messages = {m.channel: m for m in outbox(consult)}
    assert set(messages) == {Channel.EMAIL, Channel.SMS}
    assert messages[Channel.EMAIL].address == "wendy@uzgent.example"
    assert messages[Channel.SMS].address == "0470 55 66 77"
    for message in messages.values():
        assert message.language == "fr" and message.recipient == wendy
        text = f"{message.subject} {message.body} {message.html_body}"
        assert "38,4" not in text and "lochia" not in text  # not the question
        assert str(joined.newborn) not in text  # not the baby
    with translation.override("fr"):
        assert messages[Channel.EMAIL].subject == gettext(
            "Consult request for the maternity ward (%(urgency)s)"
        ) % {"urgency": str(ConsultUrgency.HOUR.label).lower()}
    assert ConsultRequest.objects.get(pk=consult.pk).ward_messaged_at is None


def test_without_a_member_of_the_ward_its_contact_is_asked_to_call_back(net):
    consult = ask(net)
    assert ConsultRequest.objects.get(pk=consult.pk).ward_messaged_at is not None
    assert Notification.objects.count() == 0
    messages = {m.channel: m for m in outbox(consult)}
    assert messages[Channel.EMAIL].address == "materniteit@uzgent.example"
    assert messages[Channel.SMS].address == "09 332 11 11"
    for message in messages.values():
        assert message.recipient is None and message.language == "nl"
        text = f"{message.subject} {message.body} {message.html_body}"
        assert "0470 11 22 33" in text  # whom to call back
        assert net.a.mother.family_name not in text and "lochia" not in text
        assert str(net.a.public_id) not in text  # the link needs signing in: the inbox
    assert reverse("network:inbox") in messages[Channel.EMAIL].body


def test_the_ward_s_inbox_lists_its_open_questions_and_elsewhere_only_whom_to_call(client, joined):
    consult = ask(joined)
    page = sign_in(client, joined.users["ward"]).get(reverse("network:inbox")).content.decode()
    assert f'data-consult="{consult.public_id}"' in page
    assert joined.a.mother.full_name in page
    assert reverse("dossier:consult_answer", args=[joined.a.public_id, consult.public_id]) in page
    # a midwife of the same ward outside the network: who asks and her number, no record
    page = sign_in(client, joined.users["ward_outsider"]).get(reverse("network:inbox"))
    text = page.content.decode()
    assert f'data-consult-elsewhere="{consult.public_id}"' in text
    assert 'href="tel:0470 11 22 33"' in text
    assert joined.a.mother.family_name not in text and str(joined.a.public_id) not in text
    assert "lochia" not in text
    # and nobody else's inbox lists it
    text = sign_in(client, joined.users["gp"]).get(reverse("network:inbox")).content.decode()
    assert "data-consult" not in text


# --- answered once, corrected by a note -----------------------------------------------------


def test_an_answer_is_given_once_and_corrected_by_a_note(joined):
    consult = ask(joined)
    wendy, griet = joined.users["ward"], joined.users["coordinator"]
    with pytest.raises(access.AccessDenied):
        consult_services.consult_answer(actor=griet, consult=consult, answer="Zelf beantwoord")
    with pytest.raises(ValidationError) as refused:
        consult_services.consult_answer(actor=wendy, consult=consult, answer="  ")
    assert set(refused.value.error_dict) == {"answer"}
    consult_services.consult_answer(
        actor=wendy, consult=consult, answer="Laat haar vandaag langskomen op de materniteit."
    )
    with pytest.raises(ValidationError) as refused:
        consult_services.consult_answer(actor=wendy, consult=consult, answer="Toch niet")
    assert refused.value.code == "answered"
    consult_services.consult_note_add(
        actor=wendy, consult=consult, text="Correctie: kom naar de spoed, niet de materniteit."
    )
    consult.refresh_from_db()
    assert consult.status == ConsultStatus.ANSWERED and consult.answered_by == wendy
    assert consult.answer == "Laat haar vandaag langskomen op de materniteit."
    assert [n.text[:10] for n in consult.notes.all()] == ["Correctie:"]
    # the asker is told of each, in the inbox and by message, without the answer
    told = Notification.objects.filter(recipient=griet)
    assert told.filter(message=ANSWERED_MSGID).count() == 1 and told.count() == 2
    messages = OutboxMessage.objects.filter(recipient=griet)
    assert {m.channel for m in messages} == {Channel.EMAIL, Channel.SMS}
    assert all("langskomen" not in m.body and "spoed" not in m.body for m in messages)


def test_the_answer_page_answers_once_then_offers_a_note(client, joined):
    consult = ask(joined)
    url = reverse("dossier:consult_answer", args=[joined.a.public_id, consult.public_id])
    sign_in(client, joined.users["ward"])
    empty = client.post(url, {"answer": ""})
    assert empty.status_code == 400 and set(empty.context["form"].errors) == {"answer"}
    done = client.post(url, {"answer": "Bel de gynaecoloog van wacht."})
    assert done.status_code == 302
    again = client.post(url, {"answer": "Overschreven?"}, follow=True)
    assert "Overschreven" not in again.content.decode()
    assert ConsultRequest.objects.get(pk=consult.pk).answer == "Bel de gynaecoloog van wacht."
    assert "text" in client.get(url).context["form"].fields  # the note's form now
    assert client.post(url, {"text": "Aanvulling: nuchter blijven."}).status_code == 302
    assert ConsultNote.objects.get().written_by == joined.users["ward"]


def test_notes_and_requests_are_never_deleted(joined):
    consult = ask(joined)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsultRequest.objects.filter(pk=consult.pk).delete()
    assert ConsultRequest.objects.filter(pk=consult.pk).exists()


# --- withdrawn ------------------------------------------------------------------------------


def test_whoever_asked_withdraws_an_open_question_and_the_ward_is_told(client, net):
    consult = ask(net)  # no ward member: its contact was messaged
    url = reverse("dossier:consult_withdraw", args=[net.a.public_id, consult.public_id])
    assert sign_in(client, net.users["gp"]).post(url).status_code == 403
    assert (
        sign_in(client, net.users["coordinator"]).post(url, {"reason": "Opgelost"}).status_code
        == 302
    )
    consult.refresh_from_db()
    assert consult.status == ConsultStatus.WITHDRAWN and consult.withdraw_reason == "Opgelost"
    withdrawn = outbox(consult).filter(key__contains=":withdrawn:")
    assert {m.address for m in withdrawn} == {"materniteit@uzgent.example", "09 332 11 11"}
    join(net.a, net.users["ward"])
    with pytest.raises(ValidationError) as refused:
        consult_services.consult_answer(actor=net.users["ward"], consult=consult, answer="Ja")
    assert refused.value.code == "withdrawn"
    with pytest.raises(ValidationError):
        consult_services.consult_withdraw(actor=net.users["coordinator"], consult=consult)


def test_the_ward_s_member_hears_of_a_withdrawal_in_her_inbox(joined):
    consult = ask(joined)
    consult_services.consult_withdraw(actor=joined.users["coordinator"], consult=consult)
    assert Notification.objects.filter(
        recipient=joined.users["ward"], message__contains="withdrew"
    ).exists()
    assert not outbox(consult).filter(key__contains=":withdrawn:").exists()


# --- the history, the header ----------------------------------------------------------------


def test_the_history_keeps_each_step_in_the_question_s_own_section(client, joined):
    about_baby = ask(joined, newborn=joined.newborn)
    consult_services.consult_answer(actor=joined.users["ward"], consult=about_baby, answer="Ja")
    rows = EntryChange.objects.filter(table_name="dossier_consultrequest", row_id=about_baby.pk)
    assert [(r.operation, r.actor) for r in rows.order_by("at")] == [
        ("INSERT", joined.users["coordinator"]),
        ("UPDATE", joined.users["ward"]),
    ]
    sign_in(client, joined.users["coordinator"])
    newborn = client.get(reverse("dossier:history", args=[joined.a.public_id, "newborn"]))
    postnatal = client.get(reverse("dossier:history", args=[joined.a.public_id, "postnatal"]))
    ids = {change.row_id for change, _fields in newborn.context["entries"]}
    assert about_baby.pk in ids
    assert all(
        change.table_name != "dossier_consultrequest"
        for change, _fields in postnatal.context["entries"]
    )
    labels = {field.label for _change, fields in newborn.context["entries"] for field in fields}
    assert str(ConsultRequest._meta.get_field("answer").verbose_name).capitalize() in {
        label.capitalize() for label in labels
    }


def test_an_unanswered_question_past_its_window_shows_on_the_header(client, joined):
    consult = ask(joined)
    url = reverse("dossier:detail", args=[joined.a.public_id])
    sign_in(client, joined.users["coordinator"])
    assert 'data-now="consult"' not in client.get(url).content.decode()
    past = timezone.now() - datetime.timedelta(hours=2)
    ConsultRequest.objects.filter(pk=consult.pk).update(
        created_at=past, due_at=past + datetime.timedelta(hours=1)
    )
    page = client.get(url).content.decode()
    header = page[page.index('class="card now-header"') : page.index('class="record-nav"')]
    assert 'data-now="consult"' in header and 'data-consult-status="overdue"' in page
    consult_services.consult_answer(actor=joined.users["ward"], consult=consult, answer="Ja")
    assert 'data-now="consult"' not in client.get(url).content.decode()


def test_the_card_and_header_cost_the_same_queries_however_many_questions(client, joined):
    from django.test.utils import CaptureQueriesContext

    url = reverse("dossier:detail", args=[joined.a.public_id])
    sign_in(client, joined.users["ward"])
    ask(joined)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for _ in range(4):
        consult = ask(joined, urgency=ConsultUrgency.TODAY)
        consult_services.consult_answer(actor=joined.users["ward"], consult=consult, answer="Ja")
        consult_services.consult_note_add(actor=joined.users["ward"], consult=consult, text="En")
    assert count() == few


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def api_client():
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def test_the_api_asks_lists_answers_once_adds_a_note_and_withdraws(api_client, joined):
    pid = joined.a.public_id
    griet, wendy = api_client(joined.users["coordinator"]), api_client(joined.users["ward"])
    created = griet.post(
        reverse("api:consult-list", args=[pid]),
        {"urgency": "today", "question": QUESTION, "newborn": str(joined.newborn.public_id)},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "open" and body["section"] == "newborn" and not body["overdue"]
    assert body["newborn"] == str(joined.newborn.public_id) and body["ward"] == joined.ward.name
    consult_id = body["id"]
    listed = wendy.get(reverse("api:consult-list", args=[pid])).json()
    assert [row["id"] for row in listed["results"]] == [consult_id]
    answer_url = reverse("api:consult-answer", args=[pid, consult_id])
    assert griet.post(answer_url, {"answer": "Zelf"}, format="json").status_code == 403
    assert wendy.post(answer_url, {}, format="json").json().keys() == {"answer"}
    answered = wendy.post(answer_url, {"answer": "Kom vandaag langs."}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    again = wendy.post(answer_url, {"answer": "Anders"}, format="json")
    assert again.status_code == 400 and "non_field_errors" in again.json()
    noted = wendy.post(
        reverse("api:consult-notes", args=[pid, consult_id]), {"text": "Nuchter."}, format="json"
    )
    assert noted.status_code == 201 and [n["text"] for n in noted.json()["notes"]] == ["Nuchter."]
    withdraw = reverse("api:consult-withdraw", args=[pid, consult_id])
    assert griet.post(withdraw, {}, format="json").status_code == 400  # answered: not open
    assert wendy.post(withdraw, {}, format="json").status_code == 403  # she did not ask
    assistant = api_client(joined.users["assistant"])
    refused = assistant.post(
        reverse("api:consult-list", args=[pid]), {"urgency": "hour", "question": "?"}, format="json"
    )
    assert refused.status_code == 403
    assert assistant.get(reverse("api:consult-list", args=[pid])).status_code == 200


def test_the_inbox_notice_goes_away_with_the_section(joined):
    """Rendered under the reader's rights of the moment: the mother closes the newborn
    section to the ward's midwife, and the notice about the baby's question is gone."""
    ask(joined, newborn=joined.newborn)
    wendy = joined.users["ward"]
    assert selectors.notifications_for(wendy).count() == 1
    services.consent_set(
        actor=joined.users["mother"],
        dossier=joined.a,
        section=Section.NEWBORN,
        level=Level.NONE,
        membership=joined.a.memberships.get(professional__user=wendy),
    )
    assert selectors.notifications_for(wendy).count() == 0


def test_a_nul_byte_in_the_question_is_refused_on_its_field(client, api_client, joined):
    sign_in(client, joined.users["coordinator"])
    response = client.post(
        reverse("dossier:consult_ask", args=[joined.a.public_id]),
        {"about": "mother", "urgency": "hour", "question": "a\x00b"},
    )
    assert response.status_code == 400 and "question" in response.content.decode()
    response = api_client(joined.users["coordinator"]).post(
        reverse("api:consult-list", args=[joined.a.public_id]),
        {"urgency": "hour", "question": "a\x00b"},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()) == {"question"}
    assert ConsultRequest.objects.count() == 0


# --- no answer in time: the reminder -------------------------------------------------------

REMINDED_ASKER = (
    "%(ward)s has not answered your consult request of %(moment)s in time. Call the "
    "maternity ward: %(phone)s."
)
REMINDED_WARD = (
    "The consult request of %(asker)s of %(moment)s (%(urgency)s) has not been answered in "
    "time. Open it to answer."
)


def reminders(consult):
    return outbox(consult).filter(key__startswith=f"consult:{consult.public_id}:overdue:")


@pytest.mark.parametrize("urgency", list(ConsultUrgency))
def test_a_question_is_followed_up_only_after_its_window(joined, urgency):
    consult = ask(joined, urgency=urgency)
    window = consults.WINDOWS[urgency].within
    assert abs(consult.due_at - consult.created_at - window) < datetime.timedelta(seconds=1)
    assert consult_services.remind_overdue(now=consult.due_at) == 0  # at the edge: not yet
    assert not reminders(consult).exists()
    later = consult.due_at + datetime.timedelta(microseconds=1)
    assert consult_services.remind_overdue(now=later) == 1
    assert ConsultRequest.objects.get(pk=consult.pk).reminded_at == later


def test_the_asker_and_the_ward_s_member_are_reminded_once(joined):
    consult = ask(joined, newborn=joined.newborn)
    later = consult.due_at + datetime.timedelta(minutes=1)
    assert consult_services.remind_overdue(now=later) == 1
    assert consult_services.remind_overdue(now=later + datetime.timedelta(hours=1)) == 0
    griet, wendy = joined.users["coordinator"], joined.users["ward"]
    mine = Notification.objects.get(recipient=griet, message=REMINDED_ASKER)
    assert mine.params["ward"] == "UZ Gent – materniteit" and mine.params["phone"] == "09 332 11 11"
    assert Notification.objects.filter(recipient=wendy, message=REMINDED_WARD).count() == 1
    sent = {(m.recipient_id, m.channel): m for m in reminders(consult)}
    assert set(sent) == {
        (griet.pk, Channel.EMAIL),
        (griet.pk, Channel.SMS),
        (wendy.pk, Channel.EMAIL),
        (wendy.pk, Channel.SMS),
    }
    for message in sent.values():
        text = f"{message.subject} {message.body} {message.html_body}"
        assert "lochia" not in text and str(joined.newborn) not in text  # nothing of the record
    assert "09 332 11 11" in sent[griet.pk, Channel.SMS].body  # the ward's number, to call
    assert "0470 11 22 33" in sent[wendy.pk, Channel.EMAIL].body  # whom to call back
    assert reverse("dossier:consult_answer", args=[joined.a.public_id, consult.public_id]) in (
        sent[wendy.pk, Channel.EMAIL].body
    )


def test_without_a_member_of_the_ward_its_contact_is_reminded_to_call_back(net):
    consult = ask(net)
    consult_services.remind_overdue(now=consult.due_at + datetime.timedelta(minutes=1))
    sent = {m.channel: m for m in reminders(consult)}
    assert sent[Channel.EMAIL].address == "materniteit@uzgent.example"
    assert sent[Channel.SMS].address == "09 332 11 11"
    for message in sent.values():
        text = f"{message.subject} {message.body} {message.html_body}"
        assert message.recipient is None
        assert net.a.mother.family_name not in text and "lochia" not in text
        assert str(net.a.public_id) not in text and "0470 11 22 33" in text
    assert Notification.objects.filter(recipient=net.users["coordinator"]).count() == 1


def test_an_answered_or_withdrawn_question_is_not_followed_up(joined):
    answered, withdrawn = ask(joined), ask(joined)
    consult_services.consult_answer(actor=joined.users["ward"], consult=answered, answer="Ja")
    consult_services.consult_withdraw(actor=joined.users["coordinator"], consult=withdrawn)
    later = timezone.now() + datetime.timedelta(hours=2)
    assert consult_services.remind_overdue(now=later) == 0
    assert not OutboxMessage.objects.filter(key__endswith=":overdue").exists()


def test_an_asker_who_no_longer_reads_the_section_is_not_told_but_the_ward_is(joined):
    consult = ask(joined)
    outsider = joined.users["outsider"]  # as if the asker had since left the network
    ConsultRequest.objects.filter(pk=consult.pk).update(asked_by=outsider)
    consult_services.remind_overdue(now=consult.due_at + datetime.timedelta(minutes=1))
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert not reminders(consult).filter(recipient=outsider).exists()
    assert reminders(consult).filter(recipient=joined.users["ward"]).exists()


def test_the_reminder_is_in_the_history_by_the_system_and_on_the_card(client, joined):
    consult = ask(joined)
    later = consult.due_at + datetime.timedelta(minutes=1)
    consult_services.remind_overdue(now=later)
    change = EntryChange.objects.filter(
        table_name="dossier_consultrequest", row_id=consult.pk, operation="UPDATE"
    ).get()
    assert change.actor_id is None and change.new_values["reminded_at"]
    sign_in(client, joined.users["coordinator"])
    page = client.get(reverse("dossier:consults", args=[joined.a.public_id])).content.decode()
    assert "data-consult-reminded" in page and 'href="tel:09 332 11 11"' in page


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_remind_once(joined):
    consult = ask(joined)
    later = consult.due_at + datetime.timedelta(minutes=1)
    results, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(consult_services.remind_overdue(now=later))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    assert reminders(consult).filter(recipient=joined.users["ward"]).count() == 2  # e-mail, SMS


def test_the_beat_runs_the_reminder_every_five_minutes(joined):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "dossier.tasks.remind_overdue_consults"
    )
    assert entry["schedule"] <= 300
    consult = ask(joined)
    ConsultRequest.objects.filter(pk=consult.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=2),
        due_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert remind_overdue_consults.apply().get() == 1
