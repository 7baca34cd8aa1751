"""Two-step sign-in: a code from an authenticator app after the password, required for
professionals and staff, optional for mothers (config/signin.py)."""

from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.auth.helpers import add_device, code_for, password_login, wrong_code
from tests.conftest import sign_in_verified
from tests.factories import MotherFactory, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/dossiers/"


def code_page(next_url=DASHBOARD):
    return f"{reverse('signin_code')}?next={next_url}"


@pytest.fixture
def mother(db):
    return MotherFactory(user=UserFactory(username="lotte")).user


# --- professionals ---------------------------------------------------------------------


def test_after_the_password_a_professional_is_sent_to_the_code_page(client, midwife):
    add_device(midwife)
    response = password_login(client, "griet")
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == code_page()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["next"] == DASHBOARD
    assert 'name="code"' in page.text and 'autocomplete="one-time-code"' in page.text


def test_a_wrong_code_is_refused(client, midwife):
    device = add_device(midwife)
    password_login(client, "griet")
    response = client.post(reverse("signin_code"), {"code": wrong_code(device), "next": DASHBOARD})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert client.get(DASHBOARD)["Location"] == code_page()


@pytest.mark.parametrize("typed", ["12345", "abcdef", "1234567", ""])
def test_something_that_is_no_code_is_refused_without_trying_it(client, midwife, typed):
    device = add_device(midwife)
    password_login(client, "griet")
    response = client.post(reverse("signin_code"), {"code": typed})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_the_right_code_lets_the_professional_in_and_keeps_next(client, midwife):
    device = add_device(midwife)
    password_login(client, "griet")
    before = client.session.session_key
    response = client.post(
        reverse("signin_code"), {"code": code_for(device), "next": DASHBOARD + "?q=Peeters"}
    )
    assert response.status_code == 302 and response["Location"] == DASHBOARD + "?q=Peeters"
    assert client.session.session_key != before  # a new session key once verified
    assert client.get(DASHBOARD).status_code == 200


def test_a_code_works_only_once(client, midwife):
    device = add_device(midwife)
    code = code_for(device)
    password_login(client, "griet")
    assert client.post(reverse("signin_code"), {"code": code}).status_code == 302
    client.post(reverse("logout"))
    password_login(client, "griet")
    assert client.post(reverse("signin_code"), {"code": code}).status_code == 200
    assert client.get(DASHBOARD).status_code == 302


def test_repeated_wrong_codes_are_slowed_down(client, midwife):
    device = add_device(midwife)
    password_login(client, "griet")
    client.post(reverse("signin_code"), {"code": wrong_code(device)})
    # Straight after a wrong code even the right one waits: the device is throttled.
    response = client.post(reverse("signin_code"), {"code": code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_next_never_leads_off_the_site(client, midwife):
    device = add_device(midwife)
    password_login(client, "griet")
    response = client.post(
        reverse("signin_code"), {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == DASHBOARD


def test_until_verified_only_the_sign_in_pages_log_out_and_static_files_answer(client, midwife):
    add_device(midwife)
    password_login(client, "griet")
    assert client.get(reverse("signin_code")).status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get(reverse("healthz")).status_code in {200, 503}
    response = client.post(reverse("set_language"), {"language": "fr", "next": DASHBOARD})
    assert response.status_code == 302
    for url in ("/", DASHBOARD, reverse("network:inbox"), reverse("login")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("signin_code")), url
    assert client.get(reverse("login"))["Location"].startswith(reverse("signin_code"))
    client.post(reverse("logout"))
    assert client.get(DASHBOARD)["Location"].startswith(reverse("login"))


def test_api_routes_answer_403_to_a_session_without_code_and_leave_tokens_alone(client, midwife):
    add_device(midwife)
    password_login(client, "griet")
    response = client.get("/api/anything/")
    assert response.status_code == 403 and response.json()["detail"]
    # Without a session (as with a token) the sign-in middleware does not step in.
    anonymous = client.__class__()
    assert anonymous.get("/api/anything/").status_code != 403


# --- setting up an authenticator app ---------------------------------------------------


def test_a_professional_without_an_app_must_set_one_up(client, midwife):
    password_login(client, "griet")
    response = client.get(DASHBOARD, follow=True)
    setup = reverse("signin_setup")
    assert response.redirect_chain[-1][0] == f"{setup}?next={DASHBOARD}"
    assert response.context["required"] is True
    device = TOTPDevice.objects.get(user=midwife)
    assert not device.confirmed
    secret = response.context["secret"].replace(" ", "")
    assert b32decode(secret) == device.bin_key
    assert "<svg" in response.text and "<path" in response.text
    assert "http" not in response.context["qr_svg"]  # drawn inline, nothing fetched
    # Reloading the page shows the same secret: the app already scanned stays right.
    assert client.get(setup).context["secret"].replace(" ", "") == secret


def test_confirming_the_new_app_with_a_valid_code_lets_the_professional_in(client, midwife):
    password_login(client, "griet")
    client.get(reverse("signin_setup"))
    device = TOTPDevice.objects.get(user=midwife)
    refused = client.post(reverse("signin_setup"), {"code": wrong_code(device)})
    assert refused.status_code == 200 and refused.context["form"].errors["code"]
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()
    response = client.post(reverse("signin_setup"), {"code": code_for(device), "next": DASHBOARD})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(DASHBOARD).status_code == 200


def test_an_account_with_an_app_cannot_add_another_before_giving_a_code(client, midwife):
    add_device(midwife)
    password_login(client, "griet")
    response = client.get(reverse("signin_setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("signin_code"))
    assert TOTPDevice.objects.filter(user=midwife).count() == 1


def test_the_set_up_page_needs_a_password_first(client):
    response = client.get(reverse("signin_setup"))
    assert response["Location"].startswith(reverse("login"))


# --- mothers ---------------------------------------------------------------------------


def test_a_mother_without_an_app_gets_in_with_her_password(client, mother):
    response = password_login(client, "lotte")
    assert response["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    assert client.get(reverse("signin_code"))["Location"] == DASHBOARD


def test_a_mother_may_set_up_an_app_herself(client, mother):
    password_login(client, "lotte")
    response = client.get(reverse("signin_setup"))
    assert response.status_code == 200 and response.context["required"] is False
    device = TOTPDevice.objects.get(user=mother)
    client.post(reverse("signin_setup"), {"code": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed


def test_a_mother_with_an_app_must_give_its_code(client, mother):
    device = add_device(mother)
    password_login(client, "lotte")
    assert client.get(DASHBOARD)["Location"] == code_page()
    client.post(reverse("signin_code"), {"code": code_for(device)})
    assert client.get(DASHBOARD).status_code == 200


def test_an_unconfirmed_app_does_not_count(client, mother):
    add_device(mother, confirmed=False)
    password_login(client, "lotte")
    assert client.get(DASHBOARD).status_code == 200


# --- the admin -------------------------------------------------------------------------


def test_the_admin_needs_the_code_too(client):
    admin = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    device = add_device(admin)
    password_login(client, "beheerder")
    response = client.get("/beheer/")
    assert response.status_code == 302
    assert response["Location"] == code_page("/beheer/")
    client.post(reverse("signin_code"), {"code": code_for(device)})
    assert client.get("/beheer/").status_code == 200


def test_the_administrator_can_remove_a_lost_app_and_lift_a_lock_but_not_read_keys(client):
    admin = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    sign_in_verified(client, admin)
    device = add_device(UserFactory(username="vergeten"))
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200 and device.key not in page.text
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200


def test_the_admin_login_form_leads_to_the_code_page_as_well(client):
    UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    response = client.post(
        "/beheer/login/?next=/beheer/",
        {"username": "beheerder", "password": "correct-horse-battery", "next": "/beheer/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(reverse("signin_setup"))


# --- the test helper every other test uses ---------------------------------------------


def test_sign_in_verified_gives_a_professional_a_verified_session(client, midwife):
    sign_in_verified(client, midwife)
    assert client.get(DASHBOARD).status_code == 200
    assert TOTPDevice.objects.get(user=midwife).confirmed


def test_sign_in_verified_leaves_a_mother_without_an_app_as_she_is(client, mother):
    sign_in_verified(client, mother)
    assert client.get(DASHBOARD).status_code == 200
    assert not TOTPDevice.objects.filter(user=mother).exists()
