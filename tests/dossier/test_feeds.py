"""Feeds and nappies per baby (issue 18): the mother logs them in a tap per baby, only she
writes them, only who sees the newborn section reads them, and the midwife reads the last
24 hours per baby on the record — counted in one query, however many babies and logs."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossier import feeds, services
from dossier.models import BabyLog, EntryChange
from network.access import AccessDenied
from network.models import Profession
from tests.factories import NewbornFactory, ProfessionalFactory, join
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def net():
    network = build_network()
    network.a.fetus_count = 2
    network.a.save(update_fields=["fetus_count"])
    network.twin = NewbornFactory(dossier=network.a, birth_order=2, given_name="Tweeling")
    physio = ProfessionalFactory(user__username="pieter", profession=Profession.PHYSIOTHERAPIST)
    join(network.a, physio.user)
    network.users["physiotherapist"] = physio.user
    return network


def page(net):
    return reverse("dossier:feeds", args=[net.a.public_id])


def tap(client, net, newborn, what, **fields):
    prefix = f"baby{newborn.birth_order}"
    data = {"baby": str(newborn.public_id), f"{prefix}-what": what}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return client.post(page(net), data)


def test_the_mother_logs_a_feed_or_a_nappy_per_baby_in_one_tap(client, net):
    sign_in(client, net.users["mother"])
    shown = client.get(page(net))
    assert shown.status_code == 200
    assert [baby["form"] is not None for baby in shown.context["babies"]] == [True, True]
    assert shown.text.count('name="baby"') == 2  # a tiny form for each twin
    before = timezone.now()
    assert tap(client, net, net.newborn, "breast_left").status_code == 302
    assert tap(client, net, net.twin, "bottle", bottle_ml="60").status_code == 302
    assert tap(client, net, net.twin, "wet_dirty").status_code == 302
    logs = {
        (log.newborn_id, log.kind, log.bottle_ml, log.wet, log.dirty)
        for log in BabyLog.objects.all()
    }
    assert logs == {
        (net.newborn.pk, "breast_left", None, False, False),
        (net.twin.pk, "bottle", 60, False, False),
        (net.twin.pk, "nappy", None, True, True),
    }
    first = BabyLog.objects.get(kind="breast_left")
    assert first.recorded_by == net.users["mother"] and first.noted_at >= before  # now
    assert first.dossier == net.a
    # history, like every entry of the record
    assert EntryChange.objects.filter(table_name="dossier_babylog", row_id=first.pk).exists()
    shown = client.get(page(net))
    assert [baby["day"].feeds for baby in shown.context["babies"]] == [1, 1]


def test_a_typed_time_and_the_messages_naming_the_field(client, net):
    sign_in(client, net.users["mother"])
    earlier = timezone.localtime() - datetime.timedelta(hours=2)
    response = tap(client, net, net.newborn, "wet", noted_at=earlier.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 302
    log = BabyLog.objects.get()
    assert timezone.localtime(log.noted_at).strftime("%H:%M") == earlier.strftime("%H:%M")
    no_ml = tap(client, net, net.newborn, "bottle")
    assert no_ml.status_code == 200
    form = no_ml.context["babies"][0]["form"]
    assert "bottle_ml" in form.errors and "ml" in form.errors["bottle_ml"][0]
    too_much = tap(client, net, net.newborn, "bottle", bottle_ml="900")
    assert "bottle_ml" in too_much.context["babies"][0]["form"].errors
    future = timezone.localtime() + datetime.timedelta(days=1)
    later = tap(client, net, net.newborn, "wet", noted_at=future.strftime("%Y-%m-%dT%H:%M"))
    assert "noted_at" in later.context["babies"][0]["form"].errors
    assert BabyLog.objects.count() == 1
    unknown = client.post(page(net), {"baby": "not-a-baby", "baby1-what": "wet"})
    assert unknown.status_code == 302 and BabyLog.objects.count() == 1


def test_only_the_mother_writes_and_only_readers_of_the_newborn_section_see(client, net):
    griet = net.users["coordinator"]
    sign_in(client, griet)
    shown = client.get(page(net))
    assert shown.status_code == 200 and shown.context["can_log"] is False
    assert 'name="baby"' not in shown.text
    assert tap(client, net, net.newborn, "wet").status_code == 403
    assert not BabyLog.objects.exists()
    with pytest.raises(AccessDenied):
        services.entry_record(
            actor=griet,
            entry=BabyLog(
                dossier=net.a, newborn=net.newborn, noted_at=timezone.now(), kind="breast_left"
            ),
        )
    # the physiotherapist is in the network, but the newborn section is not hers
    sign_in(client, net.users["physiotherapist"])
    assert client.get(page(net)).status_code == 403
    entries = reverse("dossier:entries", args=[net.a.public_id, "voeding-luiers"])
    assert client.get(entries).status_code == 403
    record = client.get(reverse("dossier:detail", args=[net.a.public_id]))
    assert record.status_code == 200 and 'class="feeds-24h"' not in record.text


def test_the_model_keeps_a_feed_and_a_nappy_apart(net):
    def log(**values):
        return BabyLog(dossier=net.a, newborn=net.newborn, noted_at=timezone.now(), **values)

    with pytest.raises(ValidationError) as caught:
        log(kind="nappy").full_clean()
    assert "wet" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        log(kind="bottle", bottle_ml=4).full_clean()
    assert "bottle_ml" in caught.value.message_dict
    breast = log(kind="breast_right", bottle_ml=80, wet=True)
    breast.full_clean()
    assert (breast.bottle_ml, breast.wet) == (None, False)  # only a bottle has millilitres
    elsewhere = NewbornFactory()  # a baby of another record
    with pytest.raises(ValidationError) as caught:
        BabyLog(
            dossier=net.a, newborn=elsewhere, noted_at=timezone.now(), kind="breast_left"
        ).full_clean()
    assert "newborn" in caught.value.message_dict


def test_the_last_24_hours_per_baby(net):
    now = timezone.now()

    def at(hours, **values):
        return BabyLog(dossier=net.a, noted_at=now - datetime.timedelta(hours=hours), **values)

    BabyLog.objects.bulk_create(
        [
            at(1, newborn=net.newborn, kind="breast_left"),
            at(3, newborn=net.newborn, kind="breast_right"),
            at(5, newborn=net.newborn, kind="bottle", bottle_ml=40),
            at(6, newborn=net.newborn, kind="bottle", bottle_ml=35),
            at(2, newborn=net.newborn, kind="nappy", wet=True),
            at(4, newborn=net.newborn, kind="nappy", wet=True, dirty=True),
            at(23.9, newborn=net.newborn, kind="nappy", dirty=True),  # just inside
            at(24, newborn=net.newborn, kind="breast_left"),  # 24 hours ago: out
            at(30, newborn=net.newborn, kind="nappy", wet=True),
            at(2, newborn=net.twin, kind="nappy", wet=True),
        ]
    )
    with CaptureQueriesContext(connection) as queries:
        days = feeds.last_24h([net.newborn, net.twin], now=now)
    assert len(queries) == 1
    one = days[net.newborn.pk]
    assert (one.feeds, one.breast, one.bottles, one.bottle_ml) == (4, 2, 2, 75)
    assert (one.wet, one.dirty) == (2, 2)
    assert one.last_feed_at == now - datetime.timedelta(hours=1)
    twin = days[net.twin.pk]
    assert (twin.feeds, twin.wet, twin.dirty, twin.last_feed_at) == (0, 1, 0, None)


def test_the_record_shows_each_baby_s_day_in_the_same_queries(client, net):
    sign_in(client, net.users["coordinator"])
    url = reverse("dossier:detail", args=[net.a.public_id])
    BabyLog.objects.create(  # one already: the overview reads its baby (once, however many)
        dossier=net.a, newborn=net.twin, noted_at=timezone.now(), kind="nappy", dirty=True
    )
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response

    few, _response = count()
    BabyLog.objects.bulk_create(
        [
            BabyLog(
                dossier=net.a,
                newborn=baby,
                noted_at=timezone.now() - datetime.timedelta(minutes=10 * n),
                kind="breast_left" if n % 2 else "nappy",
                wet=not n % 2,
            )
            for n in range(1, 21)
            for baby in (net.newborn, net.twin)
        ]
    )
    many, response = count()
    assert many == few
    assert response.text.count('class="feeds-24h"') == 2
    assert 'data-feeds="10" data-wet="10" data-dirty="0"' in response.text
    assert 'data-feeds="10" data-wet="10" data-dirty="1"' in response.text  # the twin
