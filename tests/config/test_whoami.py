"""``/ik.json`` (config/views.py): the signed-in user's own name and interface language, for
the offline app and as the load benchmark's floor. Only after every step of signing in;
never cached; it names no record, so it writes nothing to the access log."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import sign_in_verified
from tests.factories import ProfessionalFactory, UserFactory
from tests.personas import build_network

pytestmark = pytest.mark.django_db

URL = "/ik.json"


def test_the_url_is_ik_json():
    assert reverse("whoami") == URL


def test_a_professional_gets_her_name_and_language(client):
    griet = ProfessionalFactory(
        user__username="griet", user__first_name="Griet", user__last_name="Peeters"
    ).user
    sign_in_verified(client, griet)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"name": "Griet Peeters", "language": "nl"}
    assert response["Cache-Control"] == "no-store"


def test_the_language_is_the_one_she_chose(client):
    sign_in_verified(client, ProfessionalFactory(user__first_name="Anne").user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert client.get(URL).json()["language"] == "fr"


def test_without_a_full_name_the_user_name(client):
    user = ProfessionalFactory(
        user__username="k.peeters", user__first_name="", user__last_name=""
    ).user
    sign_in_verified(client, user)
    assert client.get(URL).json()["name"] == "k.peeters"


def test_a_mother_gets_her_own_name_not_the_mother(client):
    net = build_network()
    lotte = net.users["mother"]
    lotte.first_name, lotte.last_name = "Lotte", "Janssens"
    lotte.save()
    client.force_login(lotte)  # no authenticator app of her own: the password suffices
    assert client.get(URL).json()["name"] == "Lotte Janssens"


def test_nobody_signed_in_is_sent_to_the_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_professional_without_her_code_is_sent_to_the_code_page(client):
    client.force_login(ProfessionalFactory().user)  # the password, not yet the code
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("signin_code"))


def test_only_get_and_head(client):
    sign_in_verified(client, UserFactory())
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_it_writes_nothing_but_the_session(client):
    sign_in_verified(client, build_network().users["coordinator"])
    client.get(URL)  # the first request may set up what a session keeps
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert all("django_session" in sql for sql in writes), writes
