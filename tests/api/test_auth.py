"""Token and session authentication; nobody else gets in."""

from rest_framework.test import APIClient

from tests.api.conftest import token_client
from tests.conftest import sign_in_verified

LIST = "/api/dossiers/"


def test_it_accepts_a_token(network):
    response = token_client(network.users["gp"]).get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_it_accepts_the_pages_session(network):
    client = sign_in_verified(APIClient(), network.users["gp"])
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_it_refuses_an_unknown_token(network):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get(LIST).status_code == 401


def test_it_refuses_anonymous_with_a_token_challenge(network):
    response = APIClient().get(f"/api/dossiers/{network.a.public_id}/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_it_refuses_the_token_of_a_deactivated_user(network):
    user = network.users["gp"]
    client = token_client(user)
    user.is_active = False
    user.save()
    assert client.get(LIST).status_code == 401


def test_a_session_write_needs_the_csrf_token(network):
    client = sign_in_verified(APIClient(enforce_csrf_checks=True), network.users["coordinator"])
    response = client.patch(
        f"/api/dossiers/{network.a.public_id}/", {"risk_notes": "x"}, format="json"
    )
    assert response.status_code == 403
    network.a.refresh_from_db()
    assert network.a.risk_notes == ""


def test_a_password_only_session_of_a_professional_is_refused(network):
    """Without the second factor a session reaches no data (config/signin.py)."""
    client = APIClient()
    client.force_login(network.users["gp"])
    response = client.get(f"/api/dossiers/{network.a.public_id}/")
    assert response.status_code == 403
    assert network.a.mother.family_name not in response.content.decode()
