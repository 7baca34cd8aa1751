"""The pages: who gets what, forms that save everything or nothing, and the language."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from dossier.models import Delivery, Dossier, DossierStatus, Mother, Newborn
from tests.factories import DeliveryFactory, DossierFactory, NewbornFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def mother_fields(**overrides):
    data = {
        "mother-given_name": "An",
        "mother-family_name": "Peeters",
        "mother-date_of_birth": "1985-07-30",
        "mother-insz": "85.07.30-033.28",
        "mother-postcode": "9000",
        "mother-municipality": "Gent",
        "mother-province": "",
        "mother-preferred_language": "nl",
        "mother-phone": "0470 12 34 56",
        "dossier-last_menstrual_period": (TODAY - datetime.timedelta(weeks=8)).isoformat(),
        "dossier-gravidity": "1",
        "dossier-parity": "0",
        "dossier-fetus_count": "1",
    }
    data.update(overrides)
    return data


# --- who gets what ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    dossier = DossierFactory()
    for url in (reverse("dossier:dashboard"), reverse("dossier:detail", args=[dossier.public_id])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_login_page_is_dutch_by_default(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "nl"
    assert "Aanmelden" in response.text and 'lang="nl"' in response.text


def test_a_professional_sees_the_dossiers(midwife_client, midwife):
    dossier = DossierFactory(mother__given_name="Saartje", coordinator=midwife)
    response = midwife_client.get(reverse("dossier:dashboard"))
    assert "Saartje" in response.text
    assert response.context["page"].paginator.count == 1
    detail = midwife_client.get(reverse("dossier:detail", args=[dossier.public_id]))
    assert detail.status_code == 200


def test_an_account_without_care_role_sees_nothing_and_is_told_why(client, outsider):
    dossier = DossierFactory(mother__family_name="Zwartvleugel")
    client.force_login(outsider)
    response = client.get(reverse("dossier:dashboard"))
    assert "nog niet gekoppeld" in response.text
    assert dossier.mother.family_name not in response.text


@pytest.mark.parametrize(
    "name",
    [
        "dossier:detail",
        "dossier:edit",
        "dossier:mother_edit",
        "dossier:delivery",
        "dossier:newborn_create",
        "dossier:new_pregnancy",
    ],
)
def test_a_dossier_out_of_reach_is_404_not_403(client, outsider, name):
    dossier = DossierFactory()
    client.force_login(outsider)
    assert client.get(reverse(name, args=[dossier.public_id])).status_code == 404


def test_an_unknown_dossier_is_404(midwife_client, midwife):
    assert midwife_client.get(reverse("dossier:detail", args=[uuid.uuid4()])).status_code == 404


def test_a_newborn_of_another_dossier_is_404(midwife_client, midwife):
    newborn = NewbornFactory(coordinator=midwife)
    other = DeliveryFactory(dossier__coordinator=midwife).dossier
    url = reverse("dossier:newborn_edit", args=[other.public_id, newborn.public_id])
    assert midwife_client.get(url).status_code == 404


def test_an_outsider_cannot_open_a_dossier(client, outsider):
    client.force_login(outsider)
    assert client.post(reverse("dossier:create"), mother_fields()).status_code == 403
    assert Mother.objects.count() == 0


# --- the dashboard ---------------------------------------------------------------------


def test_search_by_name_insz_and_status(midwife_client, midwife):
    an = DossierFactory(
        mother__given_name="An",
        mother__family_name="Peeters",
        mother__municipality="Gent",
        coordinator=midwife,
    )
    DossierFactory(
        mother__given_name="Marie",
        mother__family_name="Dubois",
        mother__municipality="Namur",
        coordinator=midwife,
    )
    delivered = DeliveryFactory(
        dossier__mother__given_name="Lotte",
        dossier__mother__family_name="Claes",
        dossier__mother__municipality="Hasselt",
        dossier__coordinator=midwife,
    ).dossier

    def found(**params):
        page = midwife_client.get(reverse("dossier:dashboard"), params).context["page"]
        return {d.pk for d in page.object_list}

    assert found(q="peet") == {an.pk}
    assert found(q="An Peeters") == {an.pk}
    assert found(q=an.mother.insz_display[:8]) == {an.pk}
    assert found(status="delivered") == {delivered.pk}
    assert found(q="niemand") == set()


def test_an_empty_search_says_what_to_do(midwife_client, midwife):
    DossierFactory(coordinator=midwife)
    response = midwife_client.get(reverse("dossier:dashboard"), {"q": "niemand"})
    assert "Geen dossier gevonden" in response.text


@pytest.mark.parametrize("params,field", [({"status": "bogus"}, "status"), ({"q": "x" * 101}, "q")])
def test_a_search_that_cannot_be_done_says_why_beside_its_field(
    midwife_client, midwife, params, field
):
    """A status that does not exist or a text that is too long (typed into the address):
    the list is shown unfiltered and the field's error is on the page, where the field's
    aria-describedby points."""
    DossierFactory(coordinator=midwife)
    page = midwife_client.get(reverse("dossier:dashboard"), params)
    assert page.status_code == 200
    text = page.text
    assert f'aria-describedby="id_{field}_error"' in text
    assert f'<p class="error" id="id_{field}_error">' in text
    assert len(page.context["page"].object_list) == 1


def test_the_dashboard_is_paginated_with_a_fixed_number_of_queries(
    midwife_client, midwife, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    DossierFactory.create_batch(3, coordinator=midwife)
    midwife_client.get(reverse("dossier:dashboard"))  # the idle timer's once-a-minute save
    with CaptureQueriesContext(connection) as few:
        midwife_client.get(reverse("dossier:dashboard"))
    DossierFactory.create_batch(42, coordinator=midwife)
    with django_assert_num_queries(len(few)):
        response = midwife_client.get(reverse("dossier:dashboard"), {"page": 3})
    assert len(response.context["page"].object_list) == 5
    assert "Pagina 3 van 3" in response.text


# --- forms: everything or nothing ------------------------------------------------------


def test_opening_a_record_saves_mother_and_pregnancy(midwife_client, midwife):
    response = midwife_client.post(reverse("dossier:create"), mother_fields())
    dossier = Dossier.objects.get()
    assert response.status_code == 302  # the same answer as for a known INSZ (no oracle):
    assert response["Location"] == reverse("network:opening")  # that page opens the record
    landing = midwife_client.get(response["Location"])
    assert landing["Location"] == reverse("dossier:detail", args=[dossier.public_id])
    assert dossier.mother.insz == "85073003328"
    assert dossier.mother.province == "VOV"
    assert dossier.expected_due_date == dossier.last_menstrual_period + datetime.timedelta(280)
    assert dossier.created_by == midwife


def test_an_invalid_pregnancy_saves_no_mother_either(midwife_client, midwife):
    lmp = TODAY - datetime.timedelta(weeks=8)
    response = midwife_client.post(
        reverse(
            "dossier:create",
        ),
        mother_fields(
            **{"dossier-expected_due_date": (lmp + datetime.timedelta(weeks=45)).isoformat()}
        ),
    )
    assert response.status_code == 200
    assert "Er is niets bewaard" in response.text
    assert "44 weken" in response.text
    assert Mother.objects.count() == 0 and Dossier.objects.count() == 0


def test_an_impossible_insz_is_refused_with_a_dutch_message(midwife_client, midwife):
    response = midwife_client.post(
        reverse("dossier:create"), mother_fields(**{"mother-insz": "85.07.30-033.29"})
    )
    assert "controlecijfers" in response.text
    assert Mother.objects.count() == 0


def test_a_future_date_of_birth_is_refused(midwife_client, midwife):
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    response = midwife_client.post(
        reverse("dossier:create"),
        mother_fields(**{"mother-insz": "", "mother-date_of_birth": future}),
    )
    assert "Geboortedatum kan niet in de toekomst liggen" in response.text


def test_recording_the_delivery_moves_the_dossier_to_delivered(midwife_client, midwife):
    dossier = DossierFactory(
        last_menstrual_period=TODAY - datetime.timedelta(days=275), coordinator=midwife
    )
    born = timezone.localtime() - datetime.timedelta(hours=3)
    response = midwife_client.post(
        reverse("dossier:delivery", args=[dossier.public_id]),
        {
            "born_at": born.strftime("%Y-%m-%dT%H:%M"),
            "place": "hospital",
            "maternity_ward": "AZ Groeninge",
            "gestational_weeks": "39",
            "gestational_days": "2",
            "mode": "spontaneous",
            "presentation": "cephalic",
            "blood_loss_ml": "350",
            "admitted_at": (born - datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DELIVERED
    assert dossier.delivery.maternity_ward == "AZ Groeninge"


def test_a_discharge_before_the_admission_is_refused_and_nothing_changes(midwife_client, midwife):
    delivery = DeliveryFactory(dossier__coordinator=midwife)
    url = reverse("dossier:delivery", args=[delivery.dossier.public_id])
    response = midwife_client.post(
        url,
        {
            "born_at": timezone.localtime(delivery.born_at).strftime("%Y-%m-%dT%H:%M"),
            "place": "hospital",
            "maternity_ward": "Elders",
            "gestational_weeks": "39",
            "gestational_days": "6",
            "mode": "spontaneous",
            "presentation": "cephalic",
            "admitted_at": timezone.localtime(delivery.admitted_at).strftime("%Y-%m-%dT%H:%M"),
            "discharged_at": timezone.localtime(
                delivery.admitted_at - datetime.timedelta(hours=1)
            ).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert "het ontslag moet na de opname komen" in response.text
    assert Delivery.objects.get().maternity_ward == "UZ Gent – materniteit"


def test_adding_twins_one_after_the_other(midwife_client, midwife):
    dossier = DeliveryFactory(dossier__fetus_count=2, dossier__coordinator=midwife).dossier
    url = reverse("dossier:newborn_create", args=[dossier.public_id])
    base = {
        "sex": "F",
        "vital_status": "live",
        "birth_weight_g": "2450",
        "apgar_1": "8",
        "apgar_5": "9",
        "status": "with_mother",
    }
    assert midwife_client.get(url).context["form"].initial["birth_order"] == 1
    assert midwife_client.post(url, {**base, "birth_order": "1"}).status_code == 302
    assert midwife_client.get(url).context["form"].initial["birth_order"] == 2
    assert midwife_client.post(url, {**base, "birth_order": "2"}).status_code == 302
    third = midwife_client.post(url, {**base, "birth_order": "3"})
    assert "Geboorterang 3 is niet mogelijk" in third.text
    assert Newborn.objects.filter(dossier=dossier).count() == 2


def test_a_birth_weight_out_of_bounds_names_the_field_and_the_bounds(midwife_client, midwife):
    dossier = DeliveryFactory(dossier__coordinator=midwife).dossier
    response = midwife_client.post(
        reverse("dossier:newborn_create", args=[dossier.public_id]),
        {
            "birth_order": "1",
            "sex": "M",
            "vital_status": "live",
            "birth_weight_g": "250",
            "apgar_1": "11",
            "apgar_5": "9",
            "status": "with_mother",
        },
    )
    assert "Geboortegewicht (g) moet tussen 300 en 7.000 g liggen; 250 g is niet mogelijk" in (
        response.text
    )
    assert "Apgar na 1 minuut moet tussen 0 en 10 liggen" in response.text
    assert Newborn.objects.count() == 0


def test_status_moves_forward_only_through_the_edit_form(midwife_client, midwife):
    dossier = DeliveryFactory(dossier__coordinator=midwife).dossier
    url = reverse("dossier:edit", args=[dossier.public_id])
    fields = {
        "last_menstrual_period": dossier.last_menstrual_period.isoformat(),
        "expected_due_date": dossier.expected_due_date.isoformat(),
        "gravidity": "1",
        "parity": "0",
        "fetus_count": "1",
        "change_reason": "bevallen",
    }
    refused = midwife_client.post(url, {**fields, "status": "prenatal"})
    assert "alleen vooruit" in refused.text
    assert midwife_client.post(url, {**fields, "status": "postnatal"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.POSTNATAL


def test_a_new_pregnancy_reuses_the_mother(midwife_client, midwife):
    previous = NewbornFactory(coordinator=midwife).dossier
    url = reverse("dossier:new_pregnancy", args=[previous.public_id])
    form = midwife_client.get(url).context["form"]
    assert form.initial == {"gravidity": 2, "parity": 1}
    response = midwife_client.post(
        url,
        {
            "dossier-last_menstrual_period": (TODAY - datetime.timedelta(weeks=6)).isoformat(),
            "dossier-gravidity": "2",
            "dossier-parity": "1",
            "dossier-fetus_count": "1",
        },
    )
    assert response.status_code == 302
    assert Mother.objects.count() == 1 and previous.mother.dossiers.count() == 2


def test_the_overview_shows_mother_pregnancy_delivery_and_each_newborn(midwife_client, midwife):
    newborn = NewbornFactory(given_name="Lena", birth_weight_g=3420, coordinator=midwife)
    dossier = newborn.dossier
    text = midwife_client.get(reverse("dossier:detail", args=[dossier.public_id])).text
    for expected in (
        dossier.mother.full_name,
        dossier.mother.insz_display,
        "Uitgerekende datum",
        "UZ Gent – materniteit",
        "Lena",
        "3.420 g",
        "Meisje",
    ):
        assert expected in text


# --- language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "label"), [("fr", "Mes dossiers"), ("en", "My records"), ("nl", "Mijn dossiers")]
)
def test_the_language_switch(midwife_client, midwife, language, label):
    response = midwife_client.post(
        reverse("set_language"), {"language": language, "next": reverse("dossier:dashboard")}
    )
    assert response.status_code == 302
    page = midwife_client.get(reverse("dossier:dashboard"))
    assert label in page.text
    assert page["Content-Language"] == language


def test_health_check_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_the_first_pages_read_in_one_statement_are_the_pages_of_the_list(
    midwife_client, midwife, monkeypatch
):
    """``selectors.current_list_page`` (one compiled statement per page: its ids and the
    total) gives what the paginator over ``dossier_list`` gives, urgent records first;
    a page past the end or past the compiled ones is left to the paginator."""
    from django.core.paginator import Paginator

    from dossier import selectors

    dossiers = DossierFactory.create_batch(7, coordinator=midwife)
    urgent = [dossiers[3].pk, dossiers[5].pk]
    listing = selectors.dossier_list(midwife, urgent=urgent).values_list("pk", flat=True)
    paginator = Paginator(listing, 3)
    for number in (1, 2, 3):
        ids, total = selectors.current_list_page(midwife, urgent=urgent, number=number, size=3)
        assert ids == list(paginator.page(number).object_list)
        assert total == 7
    assert selectors.current_list_page(midwife, urgent=urgent, number=1, size=3)[0][:2] == sorted(
        urgent, key=lambda pk: list(listing).index(pk)
    )
    assert selectors.current_list_page(midwife, urgent=[], number=4, size=3) is None
    too_far = selectors.COMPILED_PAGES + 1
    assert selectors.current_list_page(midwife, urgent=[], number=too_far, size=3) is None
    from dossier import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    plain = Paginator(selectors.dossier_list(midwife).values_list("pk", flat=True), 3)
    # as Django's paginator answers: not a number → the first, out of range → the last
    for asked, shown in (("2", 2), ("99", 3), ("abc", 1), ("0", 3), ("-1", 3), ("", 1)):
        page = midwife_client.get(reverse("dossier:dashboard"), {"page": asked}).context["page"]
        assert (page.number, page.paginator.count) == (shown, 7), asked
        assert [d.pk for d in page.object_list] == list(plain.page(shown).object_list)
