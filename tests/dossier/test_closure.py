"""A record is not closed while care is open (R23, R42): a newborn's screening not done, the
physician consultation of day 7–10 not done for each baby, or the 6-week check — unless the
care coordinator records why."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from careplan import content
from careplan import services as plan_services
from dossier import services
from dossier.models import Dossier, DossierStatus, Screening
from dossier.screenings import SCHEDULE
from tests.personas import build_network

pytestmark = pytest.mark.django_db


def close(net, actor="coordinator", reason=""):
    dossier = Dossier.objects.get(pk=net.a.pk)
    dossier.status, dossier.closure_reason = DossierStatus.CLOSED, reason
    return services.dossier_update(actor=net.users[actor], dossier=dossier, reason="einde")


def refused_code(net, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        close(net, **kwargs)
    return refused.value.error_dict["closure_reason"][0].code


def test_open_care_keeps_the_record_open_unless_the_coordinator_says_why():
    net = build_network()
    still_open = services.open_care(net.a)
    assert any("Heel prick" in item or "Hielprik" in item for item in still_open)
    assert len(still_open) == len(SCHEDULE) + 2  # every screening, physician, 6 weeks
    assert refused_code(net) == "care_open"
    assert refused_code(net, actor="gp", reason="Verhuisd naar Nederland") == "coordinator_only"
    assert Dossier.objects.get(pk=net.a.pk).status != DossierStatus.CLOSED
    close(net, reason="Verhuisd naar Nederland; overgedragen aan de huisarts daar")
    closed = Dossier.objects.get(pk=net.a.pk)
    assert closed.status == DossierStatus.CLOSED and closed.closure_reason.startswith("Verhuisd")


def test_a_record_whose_care_is_done_closes_without_a_reason():
    net = build_network()
    born = net.a.delivery.born_at
    for kind in SCHEDULE:
        Screening.objects.create(
            newborn=net.newborn,
            kind=kind,
            result="normal",
            done_at=born + datetime.timedelta(hours=1),
        )
    day = timezone.localdate(born)
    plan = content.empty_plan()
    plan["appointments"] = [
        {**content.new_appointment(kind, day, day), "status": "done"}
        for kind in ("paediatric", "six_week_check")
    ]
    plan_services.plan_save(
        actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0
    )
    assert services.open_care(net.a) == []
    close(net, actor="gp")
    assert Dossier.objects.get(pk=net.a.pk).status == DossierStatus.CLOSED
