"""Landing per role (issue 14): the mother with one record on it (several: her list), the
registrar on the exports, the professional's list with what needs attention first; the
closed records only in a search, last (issue 16)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from dossier.models import DossierStatus
from network.access import recompute_permissions
from tests.factories import AlertFactory, DossierFactory, ProfessionalFactory, UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db


def land(client, user):
    sign_in(client, user)
    return client.get("/", follow=True)


def with_login(dossier):
    dossier.mother.user = UserFactory()
    dossier.mother.save(update_fields=["user"])
    recompute_permissions(dossier)
    return dossier


def test_a_mother_with_one_record_lands_on_it(client):
    dossier = with_login(DossierFactory())
    page = land(client, dossier.mother.user)
    assert page.redirect_chain[-1][0] == reverse("dossier:detail", args=[dossier.public_id])


def test_a_mother_with_two_records_lands_on_her_list(client):
    first = with_login(DossierFactory())
    recompute_permissions(DossierFactory(mother=first.mother))
    page = land(client, first.mother.user)
    assert page.redirect_chain[-1][0] == reverse("dossier:dashboard")
    assert page.context["page"].paginator.count == 2


def test_the_registrar_lands_on_the_exports_not_on_an_unlinked_account(client):
    registrar = UserFactory()
    registrar.user_permissions.add(Permission.objects.get(codename="run_export"))
    page = land(client, registrar)
    assert page.redirect_chain[-1][0] == reverse("ebirth:exports")
    assert page.status_code == 200
    # an account without any role is still told so
    page = land(client, UserFactory())
    assert page.redirect_chain[-1][0] == reverse("dossier:dashboard")
    assert page.context["has_role"] is False


def test_the_list_puts_urgent_alerts_first_then_due_dates_closed_last(client):
    midwife = ProfessionalFactory().user
    today = datetime.date.today()

    def due_in(days, **extra):
        lmp = today + datetime.timedelta(days=days - 280)
        return DossierFactory(coordinator=midwife, last_menstrual_period=lmp, **extra)

    # created in an order the newest-first list would not give
    urgent = due_in(150)
    sooner = due_in(10)
    closed = due_in(-100, status=DossierStatus.CLOSED)
    later = due_in(90)
    AlertFactory(dossier=urgent, section="prenatal", raised_by=midwife)
    page = land(client, midwife)
    order = [d.pk for d in page.context["page"].object_list]
    assert order == [urgent.pk, sooner.pk, later.pk]  # the closed one only in a search
    found = client.get(reverse("dossier:dashboard"), {"q": "Gent"}).context["page"]
    assert [d.pk for d in found.object_list] == [sooner.pk, later.pk, urgent.pk, closed.pk]
