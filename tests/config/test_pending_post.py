"""A save after the session expired keeps the data through the sign-in (issue 14): kept
for the person who was signed in, shown back pre-filled with a notice, saved only when she
presses the button again; nobody else gets it; a stale or logged-out copy is dropped."""

import datetime
import json
import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from config import pending_post
from dossier.models import HomeVisit
from tests.conftest import sign_in_verified
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def net():
    return build_network()


def visit_url(net):
    return reverse("dossier:entries", args=[net.a.public_id, "huisbezoeken"])


def visit_data():
    moment = timezone.localtime(timezone.now() - datetime.timedelta(minutes=10))
    return {
        "visited_at": moment.strftime("%Y-%m-%dT%H:%M"),
        "temperature_c": "37.4",
        "notes": "Borstvoeding loopt goed",
        "baby1_weight_g": "3310",
    }


def expire_session_after_typing(client, net, user=None):
    """Signed in, on the form; then the idle timeout passes (the session is gone on the
    server; the browser still sends its cookies) and the form is posted."""
    url = visit_url(net)
    sign_in_verified(client, user or net.users["coordinator"])
    assert client.get(url).status_code == 200
    assert pending_post.COOKIE in client.cookies
    Session.objects.all().delete()
    return client.post(url, visit_data(), HTTP_REFERER="http://testserver" + url)


def kept(text: str) -> dict | None:
    found = re.search(
        r'<script id="pending-post" type="application/json">(.*?)</script>', text, re.S
    )
    return json.loads(found.group(1)) if found else None


def test_the_visit_is_kept_through_the_sign_in_and_saved_only_when_she_saves(client, net):
    url = visit_url(net)
    response = expire_session_after_typing(client, net)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login")) and "next=" in response["Location"]
    assert HomeVisit.objects.count() == 0
    sign_in_verified(client, net.users["coordinator"])  # password and code again
    page = client.get(url)
    assert page.status_code == 200
    assert HomeVisit.objects.count() == 0  # never saved without her confirmation
    data = kept(page.text)
    assert data["temperature_c"] == ["37.4"] and data["notes"] == ["Borstvoeding loopt goed"]
    assert "csrfmiddlewaretoken" not in data
    assert "Your home visit is not saved yet" in page.text or "nog niet bewaard" in page.text
    saved = client.post(url, {key: values[0] for key, values in data.items()})
    assert saved.status_code == 302
    visit = HomeVisit.objects.get()
    assert str(visit.temperature_c) == "37.4" and "Borstvoeding" in visit.notes
    assert kept(client.get(url).text) is None  # dropped once she saved


def test_another_person_signing_in_on_this_browser_does_not_get_it(client, net):
    expire_session_after_typing(client, net)
    sign_in_verified(client, net.users["gp"])  # a GP of the same network, same tablet
    page = client.get(visit_url(net))
    assert page.status_code == 200 and kept(page.text) is None
    assert pending_post.SESSION_KEY not in client.session


def test_without_the_signed_in_mark_nothing_is_kept(client, net):
    url = visit_url(net)
    response = client.post(url, visit_data(), HTTP_REFERER="http://testserver" + url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert pending_post.SESSION_KEY not in client.session


def test_a_post_from_another_page_is_not_kept(client, net):
    url = visit_url(net)
    sign_in_verified(client, net.users["coordinator"])
    client.get(url)
    Session.objects.all().delete()
    client.post(url, visit_data(), HTTP_REFERER="http://testserver/dossiers/")
    assert pending_post.SESSION_KEY not in client.session


def test_a_stale_copy_is_dropped(client, net, monkeypatch):
    expire_session_after_typing(client, net)
    monkeypatch.setattr(pending_post, "MAX_AGE", -1)
    sign_in_verified(client, net.users["coordinator"])
    assert kept(client.get(visit_url(net)).text) is None
    assert pending_post.SESSION_KEY not in client.session


def test_a_tampered_copy_is_dropped(client, net):
    expire_session_after_typing(client, net)
    session = client.session
    session[pending_post.SESSION_KEY] = session[pending_post.SESSION_KEY][:-2] + "xx"
    session.save()
    sign_in_verified(client, net.users["coordinator"])
    assert kept(client.get(visit_url(net)).text) is None


def test_log_out_forgets_who_was_signed_in(client, net):
    sign_in_verified(client, net.users["coordinator"])
    client.get(visit_url(net))
    assert client.cookies[pending_post.COOKIE].value
    client.post(reverse("logout"))
    assert client.cookies[pending_post.COOKIE].value == ""


def test_a_visit_sent_twice_with_its_client_key_is_saved_once(client, net):
    """The offline outbox (drafts.js) may send a visit again when the first answer was lost:
    the client_key makes it one visit."""
    import uuid

    url = visit_url(net)
    sign_in_verified(client, net.users["coordinator"])
    data = {**visit_data(), "client_key": str(uuid.uuid4())}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert HomeVisit.objects.count() == 1
    assert HomeVisit.objects.get().client_key == uuid.UUID(data["client_key"])
    other = {**visit_data(), "client_key": str(uuid.uuid4())}
    assert client.post(url, other).status_code == 302
    assert HomeVisit.objects.count() == 2


def test_a_bad_client_key_names_the_field(client, net):
    url = visit_url(net)
    sign_in_verified(client, net.users["coordinator"])
    response = client.post(url, {**visit_data(), "client_key": "not-a-uuid"})
    assert response.status_code == 200 and "client_key" in response.context["form"].errors
    assert HomeVisit.objects.count() == 0
