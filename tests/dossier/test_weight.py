"""The weight curve: percentage since birth, the 10 % loss flag at its boundary, weighings
as entries with rules, access and history, and the page a midwife uses on a home visit."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dossier import growth, services
from dossier.models import EntryChange, Measurement
from tests.factories import NewbornFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("weight", "change", "alarming"),
    [
        (2703, Decimal("-9.9"), False),  # 9.9 % lost
        (2700, Decimal("-10.0"), False),  # exactly 10 %: not more than 10 %
        (2697, Decimal("-10.1"), True),  # 10.1 % lost
        (3150, Decimal("5.0"), False),
    ],
)
def test_loss_since_birth_and_the_10_percent_flag(weight, change, alarming):
    assert growth.percent_change(3000, weight) == change
    assert growth.is_alarming(3000, weight) is alarming


def test_the_flag_uses_the_exact_loss_not_the_rounded_figure():
    assert growth.percent_change(3000, 2699) == Decimal("-10.0")
    assert growth.is_alarming(3000, 2699)


def test_the_curve_starts_at_birth_and_keeps_the_10_percent_line_in_view():
    born = timezone.now() - datetime.timedelta(days=3)
    newborn = NewbornFactory.build(birth_weight_g=3000)
    weighings = [
        Measurement(measured_at=born + datetime.timedelta(days=d), weight_g=w)
        for d, w in [(2, 2690), (1, 2850)]
    ]
    points = growth.weight_points(newborn, born, weighings)
    assert [p.weight_g for p in points] == [3000, 2850, 2690]
    assert [p.day for p in points] == [0, 1, 2]
    chart = growth.curve(points, 3000)
    assert chart.days == 10 and chart.low_g <= 2600 and chart.high_g >= 3100
    assert all(32 <= p.x <= chart.width - 32 and 32 <= p.y <= chart.height - 32 for p in points)
    assert points[-1].alarming and points[-1].y > chart.alert_y  # below the line


def test_a_weighing_before_the_birth_or_out_of_bounds_is_refused(midwife):
    newborn = NewbornFactory(coordinator=midwife)
    early = Measurement(
        newborn=newborn,
        weight_g=3000,
        measured_at=newborn.dossier.delivery.born_at - datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as caught:
        services.measurement_record(actor=midwife, measurement=early)
    assert "geboorte" in caught.value.message_dict["measured_at"][0]
    heavy = Measurement(newborn=newborn, weight_g=9000, measured_at=timezone.now())
    with pytest.raises(ValidationError) as caught:
        services.measurement_record(actor=midwife, measurement=heavy)
    assert "Gewicht (g) moet tussen 300 en 7.000 g" in caught.value.message_dict["weight_g"][0]
    assert not Measurement.objects.exists()


def test_weighings_are_entries_with_history(midwife):
    newborn = NewbornFactory(coordinator=midwife)
    weighing = services.measurement_record(
        actor=midwife,
        measurement=Measurement(newborn=newborn, weight_g=3200, measured_at=timezone.now()),
    )
    weighing.weight_g = 3250
    services.measurement_record(actor=midwife, measurement=weighing, reason="tarra vergeten")
    change = EntryChange.objects.filter(table_name="dossier_measurement").latest("id")
    assert (change.actor, change.reason, change.old_values["weight_g"]) == (
        midwife,
        "tarra vergeten",
        3200,
    )
    assert weighing.recorded_by == midwife


def test_the_midwife_adds_a_weighing_and_sees_the_flag(midwife_client, midwife):
    newborn = NewbornFactory(coordinator=midwife, birth_weight_g=3000)
    url = reverse("dossier:weight", args=[newborn.dossier.public_id, newborn.public_id])
    response = midwife_client.post(
        url,
        {
            "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "weight_g": "2690",
            "source": "home_visit",
        },
    )
    assert response.status_code == 302
    page = midwife_client.get(url)
    assert page.context["latest"].alarming and "-10,3" in page.text.replace("-10.3", "-10,3")
    detail = midwife_client.get(reverse("dossier:detail", args=[newborn.dossier.public_id]))
    assert "2690 g" in detail.text.replace("2.690", "2690")


def test_the_curve_follows_the_newborn_section_rights(client):
    network = build_network()
    newborn = network.newborn
    url = reverse("dossier:weight", args=[network.a.public_id, newborn.public_id])
    expected = {
        "assistant": (200, False),
        "mother": (200, False),
        "gp": (200, True),
        "outsider": (404, None),
        "other_mother": (404, None),
    }
    for persona, (status, can_add) in expected.items():
        sign_in(client, network.users[persona])
        page = client.get(url)
        assert page.status_code == status, persona
        if status == 200:
            assert (page.context["form"] is not None) is can_add, persona
    sign_in(client, network.users["assistant"])
    refused = client.post(
        url, {"measured_at": "2026-01-01T10:00", "weight_g": "3000", "source": "home_visit"}
    )
    assert refused.status_code == 403 and not Measurement.objects.exists()


def test_the_api_lists_and_adds_weighings_with_the_same_rules():
    from tests.api.conftest import token_client

    network = build_network()
    newborn = network.newborn
    url = f"/api/dossiers/{network.a.public_id}/newborns/{newborn.public_id}/measurements/"
    loss = int(newborn.birth_weight_g * 0.88)
    created = token_client(network.users["coordinator"]).post(
        url, {"measured_at": timezone.now().isoformat(), "weight_g": loss}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["loss_alert"] is True
    listed = token_client(network.users["assistant"]).get(url)
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert (
        token_client(network.users["assistant"])
        .post(url, {"measured_at": timezone.now().isoformat(), "weight_g": 3000}, format="json")
        .status_code
        == 403
    )
    assert token_client(network.users["outsider"]).get(url).status_code == 404
    bad = token_client(network.users["coordinator"]).post(
        url, {"measured_at": timezone.now().isoformat(), "weight_g": 100}, format="json"
    )
    assert bad.status_code == 400 and "weight_g" in bad.json()
