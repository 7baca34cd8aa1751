"""The care plan's pages as the mother and the midwife use them: a change highlighted for
the others, the merge when two edit at once, the schedule's proposal accepted, versions
compared and restored, and the dialogue under a part."""

import pytest
from django.urls import reverse
from django.utils import translation

from careplan.models import Annotation, PlanVersion
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """The pages in English (the language switch's cookie), so the texts read as in code."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def net():
    return build_network()


def url(net, name, *args):
    return reverse(f"careplan:{name}", args=[net.a.public_id, *args])


def plan_form(base, **changes):
    data = {
        "base_version": base,
        "stay": "undecided",
        "feeding": "undecided",
        "visitors": "",
        "expected_course": "",
        "home_help_wish": "undecided",
        "home_help_hours": "",
        "reason": "",
    }
    data.update(changes)
    return data


def test_the_mother_changes_a_preference_and_the_midwife_sees_it_highlighted(client, net):
    sign_in(client, net.users["mother"])
    assert client.post(url(net, "edit"), plan_form(0, feeding="breast")).status_code == 302
    assert (
        client.post(
            url(net, "edit"),
            plan_form(1, feeding="breast", stay="short", reason="Liefst snel naar huis"),
        ).status_code
        == 302
    )
    sign_in(client, net.users["coordinator"])
    page = client.get(url(net, "plan"))
    assert "Changed by the mother in this version:" in page.text
    part = next(
        p for g in page.context["groups"] for p in g["parts"] if p["path"] == "preferences.stay"
    )
    assert part["changed"] and part["value"].startswith("Short stay")
    assert 'class="plan-part changed"' in page.text


def test_an_edit_from_an_old_version_shows_what_changed_and_keeps_both(client, net):
    sign_in(client, net.users["mother"])
    client.post(url(net, "edit"), plan_form(0, feeding="breast"))
    client.post(url(net, "edit"), plan_form(1, feeding="breast", visitors="Enkel oma"))
    sign_in(client, net.users["coordinator"])  # she opened the form at version 1
    response = client.post(
        url(net, "edit"),
        plan_form(1, feeding="breast", expected_course="Kort verblijf als alles vlot verloopt."),
    )
    assert response.status_code == 200 and PlanVersion.objects.count() == 2
    assert [row["label"] for row in response.context["meanwhile"]] == ["Who may visit"]
    merged = response.context["form"].initial
    assert merged["visitors"] == "Enkel oma"
    assert merged["expected_course"] == "Kort verblijf als alles vlot verloopt."
    assert merged["base_version"] == 2 and not response.context["conflicts"]
    data = plan_form(
        2, feeding="breast", visitors=merged["visitors"], expected_course=merged["expected_course"]
    )
    assert client.post(url(net, "edit"), data).status_code == 302
    latest = PlanVersion.objects.get(number=3).content
    assert latest["preferences"]["visitors"] == "Enkel oma"
    assert latest["expected_course"].startswith("Kort verblijf")


def test_the_schedule_is_proposed_and_only_added_when_accepted(client, net):
    sign_in(client, net.users["coordinator"])
    page = client.get(url(net, "proposal"))
    proposals = page.context["proposals"]
    assert proposals and not PlanVersion.objects.exists()
    first, second = proposals[0][0]["id"], proposals[1][0]["id"]
    response = client.post(url(net, "proposal"), {"base_version": 0, "accept": [first, second]})
    assert response.status_code == 302
    appointments = PlanVersion.objects.get().content["appointments"]
    assert {a["id"] for a in appointments} == {first, second}
    assert {a["status"] for a in appointments} == {"planned"}
    assert len(client.get(url(net, "proposal")).context["proposals"]) == len(proposals) - 2


def test_versions_are_compared_side_by_side_and_restored(client, net):
    sign_in(client, net.users["mother"])
    client.post(url(net, "edit"), plan_form(0, feeding="breast"))
    client.post(url(net, "edit"), plan_form(1, feeding="formula"))
    compare = client.get(url(net, "compare") + "?a=1&b=2")
    changed = [row for row in compare.context["rows"] if row["changed"]]
    assert [(r["before"], r["after"]) for r in changed] == [("Breastfeeding", "Formula")]
    assert client.post(url(net, "restore", 1), {"base_version": 2}).status_code == 302
    restored = PlanVersion.objects.get(number=3)
    assert restored.restored_from == 1 and restored.content["preferences"]["feeding"] == "breast"


def test_the_dialogue_stays_with_the_version_and_part(client, net):
    sign_in(client, net.users["mother"])
    client.post(url(net, "edit"), plan_form(0, feeding="breast"))
    client.post(
        url(net, "annotate", 1),
        {"path": "preferences.feeding", "text": "Wie helpt me bij het aanleggen?"},
    )
    question = Annotation.objects.get()
    sign_in(client, net.users["coordinator"])
    client.post(
        url(net, "annotate", 1),
        {
            "path": "preferences.feeding",
            "reply_to": str(question.public_id),
            "text": "Ellen, de lactatiekundige.",
        },
    )
    client.post(url(net, "edit"), plan_form(1, feeding="breast", visitors="Oma"))
    page = client.get(url(net, "plan"))  # version 2 shows the thread written on version 1
    assert "Wie helpt me bij het aanleggen?" in page.text and "on version 1" in page.text
    assert Annotation.objects.get(reply_to=question).version.number == 1


def test_who_may_open_which_plan_page(client, net):
    sign_in(client, net.users["assistant"])
    assert client.get(url(net, "plan")).status_code == 200
    assert client.get(url(net, "edit")).status_code == 403
    assert client.post(url(net, "edit"), plan_form(0, feeding="breast")).status_code == 403
    assert not PlanVersion.objects.exists()
    sign_in(client, net.users["outsider"])
    assert client.get(url(net, "plan")).status_code == 404
