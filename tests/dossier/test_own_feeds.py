"""One place for a feed (issue 18): feeds are logged per baby (``BabyLog``, /voeding/), so
the mother's own observations no longer take a breastfeed or a bottle — the form does not
offer them and points to the per-baby log, the model and the API refuse a new one with an
error on ``kind`` (the schema says so) — while the feeds she noted there before stay
readable and amendable, and count in the midwife's last 24 hours per baby for a reader of
the postnatal section they belong to."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.test import APIClient

from dossier import feeds, services
from dossier.models import BabyLog, SelfMonitoring
from dossier.sections import Section
from dossier.selfcare import PER_BABY_KINDS, SelfKind
from network import services as network_services
from network.models import AccessEvent, Action, Level
from tests.api.conftest import token_client
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db
# the msgid, compared through gettext
REFUSED = "What: a feed is no longer noted here; log it per baby under “Feeds and nappies”."


@pytest.fixture
def net():
    return build_network()


def ago(**delta):
    return timezone.now() - datetime.timedelta(**delta)


def old_feed(net, kind, value, *, hours=2, now=None):
    """A feed noted as an own observation before feeds were per baby (as the rows already
    in the database are: written without today's rule)."""
    [entry] = SelfMonitoring.objects.bulk_create(
        [
            SelfMonitoring(
                dossier=net.a,
                kind=kind,
                value=Decimal(value),
                newborn=net.newborn,
                noted_at=(now or timezone.now()) - datetime.timedelta(hours=hours),
                recorded_by=net.users["mother"],
            )
        ]
    )
    return entry


def own_url(net):
    return reverse("dossier:entries", args=[net.a.public_id, "eigen-metingen"])


def test_the_kinds_logged_per_baby_are_the_feeds():
    assert set(PER_BABY_KINDS) == {SelfKind.BREASTFEED, SelfKind.BOTTLE}


def test_the_form_offers_no_feed_and_points_to_the_per_baby_log(client, net):
    sign_in(client, net.users["mother"])
    response = client.get(own_url(net))
    assert response.status_code == 200
    offered = {value for value, _label in response.context["form"].fields["kind"].choices}
    assert not offered & set(PER_BABY_KINDS)
    assert {SelfKind.TEMPERATURE, SelfKind.BABY_WEIGHT} <= offered
    text = response.content.decode()
    assert "data-per-baby-log" in text
    assert f'href="{reverse("dossier:feeds", args=[net.a.public_id])}"' in text
    sent = client.post(
        own_url(net),
        {
            "kind": SelfKind.BREASTFEED,
            "noted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "value": "15",
            "newborn": net.newborn.pk,
        },
    )
    assert sent.status_code == 200 and "kind" in sent.context["form"].errors
    assert not SelfMonitoring.objects.exists()


@pytest.mark.parametrize(("kind", "value"), [(SelfKind.BREASTFEED, "15"), (SelfKind.BOTTLE, "90")])
def test_the_model_refuses_a_new_feed_naming_the_field(net, kind, value):
    with pytest.raises(ValidationError) as refused:
        services.own_entry_record(
            actor=net.users["mother"],
            entry=SelfMonitoring(
                dossier=net.a, kind=kind, value=Decimal(value), newborn=net.newborn, noted_at=ago()
            ),
        )
    assert refused.value.message_dict["kind"] == [gettext(REFUSED)]
    assert refused.value.error_dict["kind"][0].code == "logged_per_baby"
    assert not SelfMonitoring.objects.exists()


def test_the_api_refuses_a_new_feed_with_a_field_error_and_the_schema_says_so(net):
    url = f"/api/dossiers/{net.a.public_id}/own-observations/"
    mother = token_client(net.users["mother"])
    refused = mother.post(
        url,
        {
            "kind": "bottle",
            "noted_at": ago().isoformat(),
            "value": "90",
            "newborn": str(net.newborn.public_id),
        },
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["kind"] == [gettext(REFUSED)]
    assert not SelfMonitoring.objects.exists()
    fine = mother.post(
        url, {"kind": "temperature", "noted_at": ago().isoformat(), "value": "37.2"}, format="json"
    )
    assert fine.status_code == 201
    schema = json.loads(APIClient().get("/api/schema/", {"format": "json"}).content)
    kind = schema["components"]["schemas"]["SelfMonitoring"]["properties"]["kind"]
    described = json.dumps(kind) + json.dumps(schema["components"]["schemas"].get("SelfKindEnum"))
    assert "feeds-nappies" in described and "breastfeed" in described


def test_an_old_feed_stays_readable_and_amendable(client, net):
    entry = old_feed(net, SelfKind.BOTTLE, "90")
    sign_in(client, net.users["mother"])
    page = client.get(own_url(net))
    assert str(entry.public_id) in page.content.decode()  # listed where it was
    assert "90 ml" in page.content.decode()
    api = token_client(net.users["mother"]).get(
        f"/api/dossiers/{net.a.public_id}/own-observations/{entry.public_id}/"
    )
    assert api.status_code == 200 and api.json()["kind"] == "bottle"
    entry.value = Decimal("100")
    services.own_entry_record(actor=net.users["mother"], entry=entry, reason="vergist")
    assert SelfMonitoring.objects.get(pk=entry.pk).value == Decimal("100")
    edit = client.get(
        reverse("dossier:entry_edit", args=[net.a.public_id, "eigen-metingen", entry.public_id])
    )
    assert edit.status_code == 200
    assert edit.context["form"]["kind"].value() == "bottle"  # it keeps its kind


def test_the_last_24_hours_count_the_old_feeds_for_a_reader_of_the_postnatal_section(net):
    now = timezone.now()
    BabyLog.objects.create(
        dossier=net.a,
        newborn=net.newborn,
        noted_at=now - datetime.timedelta(hours=3),
        kind="bottle",
        bottle_ml=40,
    )
    old_feed(net, SelfKind.BREASTFEED, "20", hours=1, now=now)
    old_feed(net, SelfKind.BOTTLE, "60.4", hours=5, now=now)
    old_feed(net, SelfKind.BOTTLE, "80", hours=25, now=now)  # out of the window
    SelfMonitoring.objects.bulk_create(  # not a feed: not counted
        [SelfMonitoring(dossier=net.a, kind="temperature", value=Decimal("37.0"), noted_at=now)]
    )
    without = feeds.last_24h([net.newborn], now=now)[net.newborn.pk]
    assert (without.feeds, without.bottle_ml, without.own_feeds) == (1, 40, 0)
    day = feeds.last_24h([net.newborn], now=now, own=True)[net.newborn.pk]
    assert (day.feeds, day.breast, day.bottles, day.bottle_ml) == (3, 1, 2, 100)
    assert day.own_feeds == 2
    assert day.last_feed_at == now - datetime.timedelta(hours=1)  # the old breastfeed
    recent = feeds.recent_by_baby([net.newborn], now=now, own=True)[net.newborn.pk]
    assert [type(log).__name__ for log in recent] == ["SelfMonitoring", "BabyLog", "SelfMonitoring"]
    assert feeds.recent_by_baby([net.newborn], now=now)[net.newborn.pk][0].kind == "bottle"


def test_the_midwife_s_summary_counts_them_and_logs_the_postnatal_read(client, net):
    old_feed(net, SelfKind.BREASTFEED, "20")
    coordinator = net.users["coordinator"]
    sign_in(client, coordinator)
    page = client.get(reverse("dossier:feeds", args=[net.a.public_id]))
    assert page.status_code == 200
    [baby] = page.context["babies"]
    assert baby["day"].feeds == 1 and len(baby["recent"]) == 1
    read = AccessEvent.objects.filter(actor=coordinator, action=Action.READ).latest("id")
    assert Section.POSTNATAL in read.sections and Section.NEWBORN in read.sections
    record = client.get(reverse("dossier:detail", args=[net.a.public_id]))
    assert 'data-feeds="1"' in record.content.decode()


def test_a_reader_without_the_postnatal_section_does_not_count_them(client, net):
    old_feed(net, SelfKind.BREASTFEED, "20")
    paediatrician = net.users["paediatrician"]
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.POSTNATAL,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=paediatrician),
    )
    sign_in(client, paediatrician)
    page = client.get(reverse("dossier:feeds", args=[net.a.public_id]))
    assert page.status_code == 200
    [baby] = page.context["babies"]
    assert baby["day"].feeds == 0 and baby["recent"] == []
    read = AccessEvent.objects.filter(actor=paediatrician, action=Action.READ).latest("id")
    assert Section.POSTNATAL not in read.sections
    record = client.get(reverse("dossier:detail", args=[net.a.public_id]))
    assert 'data-feeds="0"' in record.content.decode()
