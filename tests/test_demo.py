import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from demo.scenarios import DEMO_PASSWORD, PROFESSIONALS
from dossier.geography import Province
from dossier.models import Delivery, Dossier, DossierStatus, Mother, Newborn
from network.models import Profession, Professional

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Mother, Dossier, Delivery, Newborn, Professional)
    }


def test_load_demo_twice_duplicates_nothing(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    assert first["Mother"] == 12
    out = capsys.readouterr().out
    assert "0 mothers added, 12 already present" in out
    assert f"password for all: {DEMO_PASSWORD}" in out


def test_the_demo_covers_every_stage_province_and_profession():
    call_command("load_demo")
    assert set(Dossier.objects.values_list("status", flat=True)) == set(DossierStatus.values)
    regions = set(Mother.objects.values_list("province", flat=True))
    assert Province.BRUSSEL in regions and len(regions) >= 9
    assert set(Professional.objects.values_list("profession", flat=True)) == set(Profession.values)
    assert Dossier.objects.filter(fetus_count=2, newborns__birth_order=2).exists()
    short_stays = [d for d in Delivery.objects.all() if d.stay_hours and d.stay_hours <= 50]
    assert short_stays


def test_the_demo_shows_a_consult_answered_by_the_ward_and_one_waiting():
    from dossier.models import ConsultRequest, ConsultStatus

    call_command("load_demo")
    consults = ConsultRequest.objects.filter(dossier__mother__user__username="lotte")
    assert sorted(consults.values_list("status", flat=True)) == [
        ConsultStatus.ANSWERED,
        ConsultStatus.OPEN,
    ]
    answered = consults.get(status=ConsultStatus.ANSWERED)
    assert answered.newborn is None and answered.answered_by.username == "pieter"
    assert answered.ward.ward_phone  # the ward can be called


def test_every_printed_login_works():
    call_command("load_demo")
    for username, *_rest in PROFESSIONALS:
        request = RequestFactory().post("/aanmelden/")  # django-axes watches every login
        assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None


def test_the_demo_never_enters_a_production_record(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo")
    assert Mother.objects.count() == 0


def test_the_demo_registers_its_births_and_keeps_one_on_the_worklist(settings, tmp_path):
    """Every delivered demo birth is complete for eBirth but Sofie's Lena (conception and
    anomalies left open), which waits on Griet's worklist; Rita the registrar exports."""
    from django.contrib.auth.models import User
    from django.utils import translation

    from ebirth import export, worklist
    from ebirth.models import ExportedMessage

    settings.EBIRTH_EXPORT_DIR = tmp_path
    call_command("load_demo")
    griet = User.objects.get(username="griet")
    (item,) = worklist.worklist(griet)
    assert item.birth.mother_given_name == "Sofie"
    with translation.override("en"):
        assert {str(p.field) for p in item.problems} == {
            "mode of conception",
            "congenital anomalies",
        }
    assert User.objects.get(username="rita").has_perm("ebirth.run_export")
    (batch,) = export.export(scheduled=True)
    registrable = Newborn.objects.exclude(dossier__mother__given_name="Sofie").count()
    assert batch.births_held_back == 1
    assert ExportedMessage.objects.count() == 2 * registrable
