"""``{% topbar %}`` (every page's header) writes what the template it replaced wrote
(``topbar_template.html``, the header as templates/base.html had it): for the anonymous
visitor, a professional with and without an organisation, a mother, the registrar and the
analyst (permissions given in the admin), with and without unread notifications, in nl,
fr and en, on an address whose query must be escaped."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import translation

from network.models import Organisation
from tests.factories import MotherFactory, ProfessionalFactory, UserFactory

pytestmark = pytest.mark.django_db

OLD = Template((Path(__file__).parent / "topbar_template.html").read_text())
NEW = Template("{% load topbar %}{% topbar %}")


def _collapsed(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "> <", html)).strip()


def _given(user, *codenames: str) -> User:
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return User.objects.get(pk=user.pk)  # the permissions read anew


def _readers() -> dict[str, object]:
    with_org = ProfessionalFactory(
        organisation=Organisation.objects.create(name="Vroedvrouwen Gent")
    )
    without_org = ProfessionalFactory(profession="gp")
    mother = MotherFactory(user=UserFactory(first_name="Ann <b>", last_name="D'Hondt"))
    return {
        "anonymous": AnonymousUser(),
        "midwife": User.objects.get(pk=with_org.user.pk),
        "gp without organisation": User.objects.get(pk=without_org.user.pk),
        "mother": User.objects.get(pk=mother.user.pk),
        "registrar": _given(UserFactory(), "run_export"),
        "analyst": _given(UserFactory(first_name="", last_name=""), "view_figures"),
    }


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_header_reads_as_the_template_it_replaces(language):
    readers = _readers()
    assert readers["gp without organisation"].professional.organisation_id is None
    for name, user in readers.items():
        for unread in (0, 3, 1234):
            request = RequestFactory().get("/dossiers/", {"q": '"><script>x</script>', "p": "2"})
            request.user = user
            with translation.override(language):
                context = RequestContext(request, {"user": user, "unread_notifications": unread})
                new, old = NEW.render(context), OLD.render(context)
            assert _collapsed(new) == _collapsed(old), (name, unread)
            assert "<script>x" not in new  # the address escaped in the form
            if not user.is_authenticated:
                assert "Log" not in new and "inbox-link" not in new


def test_the_links_follow_the_role():
    readers = _readers()

    def header(user):
        request = RequestFactory().get("/")
        request.user = user
        with translation.override("en"):
            return NEW.render(RequestContext(request, {"user": user}))

    assert "On-call rota" in header(readers["midwife"])
    assert "On-call rota" not in header(readers["gp without organisation"])
    assert "Watch list" not in header(readers["mother"]) and "My messages" in header(
        readers["mother"]
    )
    assert "eBirth exports" in header(readers["registrar"])
    assert "Figures" in header(readers["analyst"]) and "My messages" not in header(
        readers["analyst"]
    )
    assert "Ann &lt;b&gt;" in header(readers["mother"])
