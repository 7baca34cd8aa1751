"""The entry pages as people use them: a form on a phone, the list with its comments, an
amendment that asks why, the history of one entry, and the overview's summary."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from dossier.models import (
    Comment,
    EntryChange,
    HomeVisit,
    PrenatalConsultation,
    SelfMonitoring,
)
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def net():
    return build_network()


def url(net, kind, *args, name="dossier:entries"):
    return reverse(name, args=[net.a.public_id, kind, *args])


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_unknown_kind_of_entry_is_not_a_page(client, net):
    sign_in(client, net.users["coordinator"])
    response = client.get(f"/dossiers/{net.a.public_id}/bestaat-niet/")
    assert response.status_code == 404


def test_a_consultation_is_added_amended_with_a_reason_and_its_history_shown(client, net):
    sign_in(client, net.users["coordinator"])
    day = timezone.localdate(net.a.delivery.born_at) - datetime.timedelta(days=20)
    response = client.post(
        url(net, "consultaties"),
        {
            "consulted_on": day.isoformat(),
            "weight_kg": "71.5",
            "bp_systolic": "118",
            "bp_diastolic": "76",
            "fetal_heart_rate": "138",
        },
    )
    assert response.status_code == 302
    consultation = PrenatalConsultation.objects.get()
    page = client.get(url(net, "consultaties"))
    assert "71,5" in page.text and "118/76 mmHg" in page.text
    amend = url(net, "consultaties", consultation.public_id, name="dossier:entry_edit")
    without_reason = client.post(amend, {"consulted_on": day.isoformat(), "weight_kg": "72"})
    assert without_reason.status_code == 200
    assert "change_reason" in without_reason.context["form"].errors
    client.post(
        amend,
        {
            "consulted_on": day.isoformat(),
            "weight_kg": "72.5",
            "bp_systolic": "118",
            "bp_diastolic": "76",
            "change_reason": "weegschaal nagekeken",
        },
    )
    consultation.refresh_from_db()
    assert str(consultation.weight_kg) == "72.5"
    history = client.get(
        reverse("dossier:history", args=[net.a.public_id, "prenatal"])
        + f"?regel={consultation.public_id}"
    )
    assert "weegschaal nagekeken" in history.text and "71,5" in history.text
    assert len(history.context["entries"]) == 2  # only this entry's two versions


def test_the_midwife_records_a_home_visit_with_the_baby_weight_on_her_phone(client, net):
    sign_in(client, net.users["coordinator"])
    form = client.get(url(net, "huisbezoeken")).context["form"]
    assert "baby1_weight_g" in form.fields
    moment = timezone.now() - datetime.timedelta(minutes=10)
    response = client.post(
        url(net, "huisbezoeken"),
        {
            "visited_at": local(moment),
            "temperature_c": "37.1",
            "epds_score": "14",
            "baby1_weight_g": "3050",
            "baby1_jaundice": "mild",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(url(net, "huisbezoeken"))
    assert "3.050 g" in page.text and "EPDS" in page.text
    weight_page = client.get(
        reverse("dossier:weight", args=[net.a.public_id, net.newborn.public_id])
    )
    assert "3.050 g" in weight_page.text


def test_a_gp_without_the_newborn_section_records_the_mother_part_only(client, net):
    from dossier.sections import Section
    from network import services
    from network.models import Level

    gp = net.users["gp"]
    services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.NEWBORN,
        level=Level.VIEW,
        membership=net.a.memberships.get(professional__user=gp),
    )
    sign_in(client, gp)
    form = client.get(url(net, "huisbezoeken")).context["form"]
    assert "baby1_weight_g" not in form.fields and "temperature_c" in form.fields


def test_the_mother_adds_her_temperature_and_comments_on_a_visit(client, net):
    visit = HomeVisit.objects.create(dossier=net.a, visited_at=timezone.now())
    sign_in(client, net.users["mother"])
    response = client.post(
        url(net, "eigen-metingen"),
        {"kind": "temperature", "noted_at": local(timezone.now()), "value": "38.2"},
    )
    assert response.status_code == 302
    assert SelfMonitoring.objects.get().recorded_by == net.users["mother"]
    assert "38,2 °C" in client.get(url(net, "eigen-metingen")).text
    client.post(
        url(net, "huisbezoeken", visit.public_id, name="dossier:entry_comment"),
        {"text": "Ik had vannacht koorts."},
    )
    assert Comment.objects.get().author == net.users["mother"]
    assert "Ik had vannacht koorts." in client.get(url(net, "huisbezoeken")).text
    assert client.get(url(net, "huisbezoeken")).context["form"] is None  # not hers to write


def test_an_out_of_range_value_comes_back_with_a_message_and_nothing_saved(client, net):
    sign_in(client, net.users["mother"])
    response = client.post(
        url(net, "eigen-metingen"),
        {"kind": "temperature", "noted_at": local(timezone.now()), "value": "45"},
    )
    assert response.status_code == 200
    assert "34" in str(response.context["form"].errors) and not SelfMonitoring.objects.exists()


def test_confirming_a_discharge_with_open_steps_says_which(client, net):
    sign_in(client, net.users["coordinator"])
    response = client.post(
        url(net, "ontslag"),
        {"needs_mother_assessed": "on", "discharged_at": local(timezone.now()), "confirm": "on"},
    )
    assert response.status_code == 200
    with translation.override("nl"):
        assert gettext("Inform the GP") in str(response.context["form"].errors)
    net.a.delivery.refresh_from_db()
    assert net.a.delivery.discharged_at is None


def test_the_overview_lists_entries_with_a_constant_number_of_queries(client, net):
    """One entry of a kind or thirty: the same queries (the bench measures it at scale)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, net.users["coordinator"])
    detail = reverse("dossier:detail", args=[net.a.public_id])
    HomeVisit.objects.create(dossier=net.a, visited_at=timezone.now())
    client.get(detail)
    with CaptureQueriesContext(connection) as one:
        client.get(detail)
    for minutes in range(5, 34):
        HomeVisit.objects.create(
            dossier=net.a, visited_at=timezone.now() - datetime.timedelta(minutes=minutes)
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(detail)
    assert len(many) == len(one)
    assert "Home visits" in page.text or "Huisbezoeken" in page.text


def test_the_history_of_an_entry_is_reached_from_the_entry(client, net):
    sign_in(client, net.users["coordinator"])
    client.post(
        url(net, "telefoon"),
        {
            "started_at": local(timezone.now()),
            "duration_minutes": "12",
            "caller": "mother",
            "reason": "baby_feeding",
            "outcome": "advice",
        },
    )
    page = client.get(url(net, "telefoon"))
    assert "?regel=" in page.text
    assert page.context["summary"] == {"calls": 1, "minutes": 12}
    assert EntryChange.objects.filter(table_name="dossier_phonecontact").count() == 1


def test_the_mother_comments_on_a_weighing_and_the_midwife_reads_it(client, net):
    from dossier.models import Measurement

    weighing = Measurement.objects.create(
        newborn=net.newborn, measured_at=timezone.now(), weight_g=3000
    )
    weight_page = reverse("dossier:weight", args=[net.a.public_id, net.newborn.public_id])
    comment_url = reverse("dossier:record_comment", args=[net.a.public_id, "wegingen"])
    sign_in(client, net.users["mother"])
    response = client.post(
        comment_url, {"entry": str(weighing.public_id), "text": "Thuis woog ze 20 g meer."}
    )
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    assert Comment.objects.get().entry_id == weighing.public_id
    sign_in(client, net.users["coordinator"])
    page = client.get(weight_page)
    assert "Thuis woog ze 20 g meer." in page.text and "3.000 g" in page.text
    assert client.post(comment_url, {"entry": "not-a-uuid", "text": "x"}).status_code == 404


def test_a_comment_on_a_screening_of_another_newborn_is_not_found(client, net):
    from dossier.models import Screening
    from tests.factories import NewbornFactory

    other = NewbornFactory()
    screening = Screening.objects.create(
        newborn=other, kind="hearing", result="normal", done_at=timezone.now()
    )
    sign_in(client, net.users["mother"])
    response = client.post(
        reverse("dossier:record_comment", args=[net.a.public_id, "screenings"]),
        {"entry": str(screening.public_id), "text": "?"},
    )
    assert response.status_code == 404 and not Comment.objects.exists()


def test_the_mother_comments_on_her_delivery_record_from_the_overview(client, net):
    sign_in(client, net.users["mother"])
    detail = reverse("dossier:detail", args=[net.a.public_id])
    response = client.post(
        reverse("dossier:record_comment", args=[net.a.public_id, "bevalling"]),
        {"entry": str(net.a.delivery.public_id), "text": "Het uur van de geboorte klopt niet."},
    )
    assert response["Location"].endswith("#h-delivery")
    sign_in(client, net.users["coordinator"])
    assert "Het uur van de geboorte klopt niet." in client.get(detail).text
    sign_in(client, net.users["gp"])  # sees the delivery in this network: the comment too
    assert "Het uur van de geboorte klopt niet." in client.get(detail).text


def test_the_overview_shows_each_comment_under_its_own_card_from_one_query(client, net):
    """The delivery's and the babies' comments are read in one query and each shown on its
    own card of the overview, once."""
    sign_in(client, net.users["mother"])
    for about, entry, text in (
        ("bevalling", net.a.delivery, "Het uur van de geboorte klopt niet."),
        ("pasgeborenen", net.newborn, "Zijn tweede voornaam is Jan."),
    ):
        client.post(
            reverse("dossier:record_comment", args=[net.a.public_id, about]),
            {"entry": str(entry.public_id), "text": text},
        )
    sign_in(client, net.users["coordinator"])
    page = client.get(reverse("dossier:detail", args=[net.a.public_id]))
    delivery = page.context["delivery_comments"]["comments"]
    babies = page.context["newborn_comments"]["comments"]
    assert [c.text for _label, c in delivery] == ["Het uur van de geboorte klopt niet."]
    assert [c.text for _label, c in babies] == ["Zijn tweede voornaam is Jan."]
    assert page.text.count("Zijn tweede voornaam is Jan.") == 1


def test_each_kind_on_the_overview_links_to_its_list_and_flags_what_matters(client, net):
    """The overview's line per kind (``selectors.entry_overview``): its address is the
    kind's list as ``reverse`` makes it, for every kind; a vulnerable family and an EPDS of
    13 or more are flagged on the line, a lower score is not."""
    from dossier.entries import KINDS
    from dossier.selectors import entry_list_url

    for kind in KINDS.values():
        assert entry_list_url(net.a, kind) == url(net, kind.slug)
    sign_in(client, net.users["coordinator"])
    detail = reverse("dossier:detail", args=[net.a.public_id])
    with translation.override("en"):
        page = client.get(detail, HTTP_ACCEPT_LANGUAGE="en")
    assert f'href="{url(net, "huisbezoeken")}"' in page.text
    assert "EPDS ≥ 13" not in page.text
    HomeVisit.objects.create(dossier=net.a, visited_at=timezone.now(), epds_score=12)
    assert "EPDS ≥ 13" not in client.get(detail).text
    HomeVisit.objects.create(dossier=net.a, visited_at=timezone.now(), epds_score=13)
    assert "EPDS ≥ 13" in client.get(detail).text


def test_the_overview_line_shows_the_latest_entry_s_first_facts_escaped(client, net):
    """A kind's line on the overview: the latest entry's first three facts, each cut at 60
    characters, escaped, between middle dots; a kind without entries says so."""
    from django.utils.html import escape

    from dossier.entries import KINDS
    from dossier.entries import facts as entry_facts

    sign_in(client, net.users["coordinator"])
    detail = reverse("dossier:detail", args=[net.a.public_id])
    assert "Nog niets geregistreerd." in client.get(detail).text
    visit = HomeVisit.objects.create(
        dossier=net.a,
        visited_at=timezone.now(),
        advice="<b>stevig</b> & " + "goed " * 20,
    )
    page = client.get(detail).text
    with translation.override("nl"):
        shown = entry_facts(KINDS["huisbezoeken"], visit)[:3]
    assert shown[-1][1].startswith("<b>stevig</b>")
    cut = [(label, value if len(value) <= 60 else value[:59] + "…") for label, value in shown]
    assert " · ".join(f"{escape(label)}: {escape(value)}" for label, value in cut) in page
    assert "<b>stevig</b>" not in page and "&lt;b&gt;stevig&lt;/b&gt; &amp; goed" in page
