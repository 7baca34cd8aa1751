"""Names through one door (issue 13): a GP whose identity section the mother closed walks
every page, API route and PDF of a filled-in record, and her first name, surname, INSZ
and account name appear in none of them — although she wrote comments, her own
observations, a home visit, a care-plan version and a remark under her own account. The
same walk by the same GP with the identity open finds her name (the test can fail)."""

import datetime
import io
import json
import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from careplan import content as plan_content
from careplan import services as plan_services
from dossier import services as dossier_services
from dossier.entries import KINDS
from dossier.history import attribute
from dossier.models import HomeVisit, Measurement, Newborn, SelfMonitoring
from dossier.sections import Section
from network import names, services
from network.models import Level, Profession, Role, Urgency
from tests.api.conftest import token_client
from tests.factories import ProfessionalFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db

GIVEN, FAMILY = "Wilhelmina", "Zwartvleugel"
ACCOUNT = "w.zwartvleugel@voorbeeld.be"


def _as(actor, write):
    with transaction.atomic():
        attribute(actor, "test")
        return write()


def fill(net):
    """A record as it is after a few weeks: entries by the coordinator and by the mother,
    her comments, her own observations, a visit recorded under her account, a care plan
    she changed and annotated, a worrying situation she signalled, a new member."""
    a, coordinator, mother = net.a, net.users["coordinator"], net.users["mother"]
    now = timezone.now()
    visit = dossier_services.home_visit_record(
        actor=coordinator,
        visit=HomeVisit(
            dossier=a, visited_at=now - datetime.timedelta(hours=2), temperature_c="37.2"
        ),
        babies=[],
        reason="",
    )
    _as(
        mother,
        lambda: HomeVisit.objects.create(  # a visit recorded under her account
            dossier=a, visited_at=now - datetime.timedelta(hours=1), recorded_by=mother
        ),
    )
    dossier_services.own_entry_record(
        actor=mother,
        entry=SelfMonitoring(
            dossier=a,
            kind="temperature",
            noted_at=now - datetime.timedelta(minutes=30),
            value="37.9",
        ),
        reason="",
    )
    dossier_services.measurement_record(
        actor=coordinator,
        measurement=Measurement(
            newborn=net.newborn,
            measured_at=now - datetime.timedelta(minutes=20),
            weight_g=net.newborn.birth_weight_g - 100,
        ),
    )
    for section, entry_id in (
        (Section.POSTNATAL, visit.public_id),
        (Section.NEWBORN, net.newborn.public_id),
        (Section.DELIVERY, a.delivery.public_id),
    ):
        dossier_services.comment_add(
            actor=mother, dossier=a, section=section, entry_id=entry_id, text="Een vraag van mij."
        )
    plan = plan_content.empty_plan()
    plan["checklist"]["car_seat"] = True
    first = plan_services.plan_save(actor=coordinator, dossier=a, content=plan, base_number=0)
    changed = plan_content.empty_plan()
    changed["checklist"]["car_seat"] = True
    changed["expected_course"] = "Graag vroeg naar huis."
    second = plan_services.plan_save(
        actor=mother, dossier=a, content=changed, base_number=first.number
    )
    plan_services.annotation_add(
        actor=mother, version=second, path="expected_course", text="Zo wil ik het."
    )
    services.concern_raise(actor=mother, dossier=a, text="Ik slaap slecht.", urgency=Urgency.TODAY)
    services.membership_add(
        actor=coordinator,
        dossier=a,
        professional=ProfessionalFactory(profession=Profession.LACTATION_CONSULTANT),
    )


@pytest.fixture
def net():
    net = build_network()
    mother = net.a.mother
    mother.given_name, mother.family_name = GIVEN, FAMILY
    mother.save()
    account = net.users["mother"]
    account.username, account.email = ACCOUNT, ACCOUNT
    account.first_name, account.last_name = GIVEN, FAMILY
    account.save()
    # the newborn has a name of its own (the newborn section is not her identity)
    Newborn.objects.filter(pk=net.newborn.pk).update(given_name="Noor", family_name="Vandenbroucke")
    net.newborn.refresh_from_db()
    fill(net)
    net.a.refresh_from_db()
    return net


def close_identity_for_gps(net):
    services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        role=Role.GP,
    )


def forbidden(net) -> list[str]:
    mother = net.a.mother
    return [GIVEN, FAMILY, ACCOUNT, mother.insz, mother.insz_display, ACCOUNT.split("@")[0]]


def page_urls(net) -> list[str]:
    a, newborn = net.a.public_id, net.newborn.public_id
    urls = [
        reverse("dossier:dashboard"),
        reverse("dossier:detail", args=[a]),
        reverse("dossier:edit", args=[a]),
        reverse("dossier:mother_edit", args=[a]),
        reverse("dossier:delivery", args=[a]),
        reverse("dossier:alerts", args=[a]),
        reverse("dossier:newborn_create", args=[a]),
        reverse("dossier:newborn_edit", args=[a, newborn]),
        reverse("dossier:weight", args=[a, newborn]),
        reverse("dossier:screenings", args=[a, newborn]),
        reverse("careplan:plan", args=[a]),
        reverse("careplan:versions", args=[a]),
        reverse("careplan:compare", args=[a]) + "?a=1&b=2",
        reverse("careplan:watch"),
        reverse("network:concerns", args=[a]),
        reverse("network:manage", args=[a]),
        reverse("network:inbox"),
    ]
    for section in Section:
        urls.append(reverse("dossier:history", args=[a, section]))
    for slug, kind in KINDS.items():
        urls.append(reverse("dossier:entries", args=[a, slug]))
        for entry in kind.entries(net.a):
            urls.append(reverse("dossier:entry_edit", args=[a, slug, entry.public_id]))
            urls.append(
                reverse("dossier:history", args=[a, kind.section]) + f"?regel={entry.public_id}"
            )
    return urls


def api_urls(net) -> list[str]:
    a, newborn = net.a.public_id, net.newborn.public_id
    urls = [
        reverse("api:dossier-list"),
        reverse("api:dossier-detail", args=[a]),
        reverse("api:newborn-list", args=[a]),
        reverse("api:newborn-detail", args=[a, newborn]),
        reverse("api:measurement-list", args=[a, newborn]),
        reverse("api:screening-list", args=[a, newborn]),
        reverse("api:membership-list", args=[a]),
        reverse("api:consent", args=[a]),
        reverse("api:careplan", args=[a]),
        reverse("api:careplan-versions", args=[a]),
        reverse("api:careplan-version", args=[a, 1]),
        reverse("api:careplan-version", args=[a, 2]),
    ]
    for kind in KINDS.values():
        if kind.single:
            urls.append(reverse(f"api:{kind.api_name}", args=[a]))
            continue
        urls.append(reverse(f"api:{kind.api_name}-list", args=[a]))
        urls += [
            reverse(f"api:{kind.api_name}-detail", args=[a, entry.public_id])
            for entry in kind.entries(net.a)
        ]
    return urls


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def walk(client, net, reader) -> dict[str, str]:
    """Every body the reader gets: pages, the care-plan PDF's text, the API."""
    sign_in(client, reader)
    client.raise_request_exception = False
    bodies, failed = {}, []
    for url in page_urls(net):
        response = client.get(url)
        if response.status_code >= 500:
            failed.append(url)
        bodies[url] = response.content.decode()
    pdf = client.get(reverse("careplan:pdf", args=[net.a.public_id]))
    assert pdf.status_code == 200
    bodies["pdf"] = pdf_text(pdf.content)
    api = token_client(reader)
    api.raise_request_exception = False
    for url in api_urls(net):
        response = api.get(url)
        if response.status_code >= 500:
            failed.append(url)
        bodies[url] = response.content.decode()
    bodies["5xx"] = " ".join(failed)  # checked by each test, after what it is about
    return bodies


def leaks(bodies: dict[str, str], words: list[str]) -> list[tuple[str, str]]:
    return [
        (url, word)
        for url, body in bodies.items()
        for word in words
        if re.search(re.escape(word), body, re.IGNORECASE)
    ]


def test_a_gp_without_her_identity_meets_her_name_nowhere(client, net):
    close_identity_for_gps(net)
    gp = net.users["gp"]
    assert not names.identity_readable(gp, [net.a.pk])
    bodies = walk(client, net, gp)
    assert leaks(bodies, forbidden(net)) == []
    # she is "the mother" where she acted: her comments, her observations, her version
    entries = bodies[reverse("dossier:entries", args=[net.a.public_id, "eigen-metingen"])]
    assert "de moeder" in entries
    assert "de moeder" in bodies[reverse("careplan:versions", args=[net.a.public_id])]
    assert "De moeder" in bodies[reverse("dossier:edit", args=[net.a.public_id])]  # crumb
    own = reverse("api:own-observations-list", args=[net.a.public_id])
    assert {row["recorded_by"] for row in json.loads(bodies[own])["results"]} == {"de moeder"}
    # the new-newborn form does not fill in her surname
    form = client.get(reverse("dossier:newborn_create", args=[net.a.public_id]))
    assert form.context["form"].initial.get("family_name", "") == ""
    assert bodies["5xx"] == ""


def test_the_same_gp_with_her_identity_meets_her_name(client, net):
    """The positive control: the walk finds her name when the rule allows it."""
    gp = net.users["gp"]
    bodies = walk(client, net, gp)
    found = {word for _url, word in leaks(bodies, [GIVEN, FAMILY])}
    assert found == {GIVEN, FAMILY}
    where = {url for url, word in leaks(bodies, [FAMILY])}
    a = net.a.public_id
    for url in (
        reverse("dossier:edit", args=[a]),
        reverse("careplan:versions", args=[a]),
        reverse("dossier:entries", args=[a, "eigen-metingen"]),
        reverse("dossier:history", args=[a, Section.POSTNATAL]),
        reverse("network:inbox"),
        "pdf",
        reverse("api:own-observations-list", args=[a]),
        reverse("api:careplan-version", args=[a, 2]),
    ):
        assert url in where, url
    form = client.get(reverse("dossier:newborn_create", args=[a]))
    assert form.context["form"].initial.get("family_name") == FAMILY
    assert bodies["5xx"] == ""


def test_the_helper_names_professionals_and_the_mother_by_the_rule(net):
    close_identity_for_gps(net)
    a, gp, mother = net.a, net.users["gp"], net.users["mother"]
    coordinator = net.users["coordinator"]
    assert names.shown_name(mother, reader=gp, dossier=a) == "de moeder"
    assert names.shown_name(a.mother, reader=gp, dossier=a) == "de moeder"
    assert names.shown_name(mother, reader=coordinator, dossier=a) == f"{GIVEN} {FAMILY}"
    assert names.shown_name(mother, reader=mother, dossier=a) == f"{GIVEN} {FAMILY}"
    # professionals by name, to everyone who sees the page
    assert names.shown_name(coordinator, reader=gp, dossier=a) == (
        coordinator.get_full_name() or coordinator.get_username()
    )
    assert names.shown_name(None, reader=gp, dossier=a) == ""
