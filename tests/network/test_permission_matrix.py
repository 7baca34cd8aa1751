"""The permission matrix: every persona × every page × every section, against ONE policy
table written here from the requirements (not from network/access.py), so a change in the
access rule that breaks the agreed policy fails here. Zero mismatches allowed."""

import pytest
from django.urls import reverse

from dossier.sections import Section
from network.models import AccessEvent, Outcome
from tests.conftest import shared_rows
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


# The personas' network, built once for the module's ~270 tests (building it was two
# thirds of a test's time); each test changes it only inside its own savepoint.
_shared, network = shared_rows(lambda: build_network(gp_without_delivery=True), name="network")


N, V, E = 0, 1, 2
S = Section
ORDER = [
    S.IDENTITY,
    S.PRENATAL,
    S.PSYCHOSOCIAL,
    S.DELIVERY,
    S.POSTNATAL,
    S.NEWBORN,
    S.CAREPLAN,
    S.HOMEHELP,
]

# The agreed policy for dossier A (R4, R5, R29). Columns in ORDER.
POLICY = {
    "coordinator": (E, E, E, E, E, E, E, E),
    # a GP's default minus the delivery, which the mother closed for him
    "gp": (E, E, N, N, E, E, E, V),
    "paediatrician": (V, V, N, V, V, E, E, V),
    # a maternity assistant never sees the psychosocial answers, nor the prenatal file
    "assistant": (V, N, N, V, V, V, V, E),
    "mother": (V, V, V, V, V, V, V, V),
}
OUTSIDERS = ["outsider", "other_mother"]
PERSONAS = [*POLICY, *OUTSIDERS, "anonymous"]

# Which page needs which section at which level.
EDIT_PAGES = {
    "dossier:mother_edit": S.IDENTITY,
    "dossier:edit": S.PRENATAL,
    "dossier:delivery": S.DELIVERY,
    "dossier:newborn_create": S.NEWBORN,
}
# Pages that are about the network, not a section: who may open them.
NETWORK_PAGES = {
    "network:manage": {"coordinator", "mother"},
    "network:consent": {"coordinator", "mother"},
    "network:access_log": {"mother"},
}
# The consult with the maternity ward (R13): read by whoever reads the postnatal or the
# newborn section; asked by a care provider of the network who may change one of them.
CONSULT_PAGES = {
    "dossier:consults": {"coordinator", "gp", "paediatrician", "assistant", "mother"},
    "dossier:consult_ask": {"coordinator", "gp", "paediatrician"},
}
CARDS = {
    S.IDENTITY: "identity",
    S.PRENATAL: "prenatal",
    S.PSYCHOSOCIAL: "psychosocial",
    S.DELIVERY: "delivery",
    S.POSTNATAL: "postnatal",
    S.NEWBORN: "newborn",
    S.CAREPLAN: "careplan",
    S.HOMEHELP: "homehelp",
}
# Every page of clinical entries (issue 5): the section it belongs to, and who writes it
# when not simply "whoever may change the section": the short stay is the coordinator's
# judgement (R18), the own observations are the mother's (R5).
ENTRY_PAGES = {
    "consultaties": S.PRENATAL,
    "labo": S.PRENATAL,
    "psychosociaal": S.PSYCHOSOCIAL,
    "kort-verblijf": S.PRENATAL,
    "ontslag": S.DELIVERY,
    "huisbezoeken": S.POSTNATAL,
    "telefoon": S.POSTNATAL,
    "opnames": S.POSTNATAL,
    "kraamhulp": S.HOMEHELP,
    "kraamhulp-uren": S.HOMEHELP,
    "eigen-metingen": S.POSTNATAL,
    "voeding-luiers": S.NEWBORN,
}
WRITERS = {
    "kort-verblijf": {"coordinator"},
    "eigen-metingen": {"mother"},
    "voeding-luiers": {"mother"},
}


def may_write(persona, kind):
    if kind in WRITERS:
        return persona in WRITERS[kind]
    return level(persona, ENTRY_PAGES[kind]) >= E


def level(persona, section):
    return POLICY[persona][ORDER.index(section)] if persona in POLICY else N


def expected_status(persona, allowed: bool) -> int:
    if persona == "anonymous":
        return 302  # to the login page
    if persona in OUTSIDERS:
        return 404  # the dossier's existence is itself health data
    return 200 if allowed else 403


def events_since(last_id, **filters):
    return AccessEvent.objects.filter(id__gt=last_id, **filters)


def logged_sections(events) -> list[str]:
    """The sections a request's events name, sorted; at most one event per record."""
    rows = list(events.values_list("dossier_id", "sections"))
    assert len(rows) == len({dossier for dossier, _sections in rows})
    return sorted(section for _dossier, sections in rows for section in sections)


def last_event_id():
    return AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_overview_shows_exactly_the_agreed_sections_and_logs_each_read(
    client, network, persona
):
    user = network.users[persona]
    sign_in(client, user)
    before = last_event_id()
    response = client.get(reverse("dossier:detail", args=[network.a.public_id]))
    assert response.status_code == expected_status(persona, allowed=True)
    if response.status_code != 200:
        if persona in OUTSIDERS:
            denied = events_since(before, dossier=network.a, outcome=Outcome.DENIED)
            assert denied.count() == 1 and denied.get().actor == user
        return
    mismatches = []
    for section, card in CARDS.items():
        shown = f'data-section="{card}"' in response.text
        if shown != (level(persona, section) >= V):
            mismatches.append((section, "shown" if shown else "hidden"))
    assert mismatches == []
    reads = events_since(before, actor=user, dossier=network.a, action="read")
    expected = {s for s in ORDER if level(persona, s) >= V}
    assert logged_sections(reads) == sorted(expected)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("page", "section"), EDIT_PAGES.items())
def test_edit_pages_follow_the_policy(client, network, persona, page, section):
    user = network.users[persona]
    sign_in(client, user)
    before = last_event_id()
    response = client.get(reverse(page, args=[network.a.public_id]))
    assert response.status_code == expected_status(persona, level(persona, section) >= E)
    if response.status_code in (403, 404):
        assert events_since(before, outcome=Outcome.DENIED, dossier=network.a).count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("page", "who"), NETWORK_PAGES.items())
def test_network_pages_follow_the_policy(client, network, persona, page, who):
    sign_in(client, network.users[persona])
    response = client.get(reverse(page, args=[network.a.public_id]))
    assert response.status_code == expected_status(persona, persona in who)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("page", "who"), CONSULT_PAGES.items())
def test_consult_pages_follow_the_policy(client, network, persona, page, who):
    sign_in(client, network.users[persona])
    before = last_event_id()
    response = client.get(reverse(page, args=[network.a.public_id]))
    assert response.status_code == expected_status(persona, persona in who)
    if response.status_code in (403, 404):
        assert events_since(before, outcome=Outcome.DENIED, dossier=network.a).count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_counts_equal_what_each_persona_may_see(client, network, persona):
    sign_in(client, network.users[persona])
    # the list itself (a mother with one record would land on it: issue 14)
    response = client.get(reverse("dossier:dashboard"), {"status": ""})
    if persona == "anonymous":
        assert response.status_code == 302
        return
    expected = {
        "coordinator": 2,
        "gp": 1,
        "paediatrician": 1,
        "assistant": 1,
        "mother": 1,
        "other_mother": 1,
        "outsider": 0,
    }[persona]
    assert response.context["page"].paginator.count == expected
    shown = {d.pk for d in response.context["page"].object_list}
    if persona in POLICY:
        assert network.a.pk in shown
    if persona == "other_mother":
        assert shown == {network.b.pk}


@pytest.mark.parametrize("persona", PERSONAS)
def test_posting_an_edit_without_the_right_changes_nothing(client, network, persona):
    """Not only the form page: the write itself is refused by the service's gate."""
    sign_in(client, network.users[persona])
    dossier = network.a
    response = client.post(
        reverse("dossier:edit", args=[dossier.public_id]),
        {
            "last_menstrual_period": dossier.last_menstrual_period.isoformat(),
            "expected_due_date": dossier.expected_due_date.isoformat(),
            "gravidity": "5",
            "parity": "0",
            "fetus_count": "1",
            "status": dossier.status,
            "change_reason": "G5 na navraag",
        },
    )
    dossier.refresh_from_db()
    if level(persona, S.PRENATAL) >= E:
        assert response.status_code == 302 and dossier.gravidity == 5
    else:
        assert response.status_code == expected_status(persona, allowed=False)
        assert dossier.gravidity == 1


def test_dashboard_rows_show_and_log_only_granted_parts(client, network):
    """The GP may not see A's delivery: his row of A carries no birth date, and the list
    logs only the parts it showed (identity), not the delivery."""
    gp = network.users["gp"]
    from django.utils import timezone

    born = timezone.localtime(network.a.delivery.born_at).strftime("%d-%m-%Y")
    sign_in(client, network.users["coordinator"])
    assert born in client.get(reverse("dossier:dashboard")).text
    sign_in(client, gp)
    before = last_event_id()
    page = client.get(reverse("dossier:dashboard"))
    assert network.a.mother.family_name in page.text and born not in page.text
    reads = events_since(before, actor=gp, action="read")
    assert logged_sections(reads) == ["identity"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", ENTRY_PAGES)
def test_entry_pages_show_and_offer_writing_by_the_policy(client, network, persona, kind):
    """GET: the page opens for whoever sees the section (and logs one read); the form is
    there only for whoever may write. POST of an empty form: the writer's is handled (the
    form back with its messages, or an empty checklist saved), anyone else's is refused and
    logged."""
    sign_in(client, network.users[persona])
    url = reverse("dossier:entries", args=[network.a.public_id, kind])
    before = last_event_id()
    response = client.get(url)
    assert response.status_code == expected_status(persona, level(persona, ENTRY_PAGES[kind]) >= V)
    if response.status_code == 200:
        assert (response.context["form"] is not None) == may_write(persona, kind)
        reads = events_since(before, dossier=network.a, action="read")
        expected = {ENTRY_PAGES[kind]}
        if kind == "huisbezoeken" and may_write(persona, kind) and level(persona, S.NEWBORN) >= E:
            expected.add(S.NEWBORN)  # the visit's form asks about each baby by name
        assert logged_sections(reads) == sorted(expected)
    else:
        assert events_since(before, outcome=Outcome.DENIED).count() == (
            0 if persona == "anonymous" else 1
        )
    before = last_event_id()
    response = client.post(url, {})
    allowed = level(persona, ENTRY_PAGES[kind]) >= V and may_write(persona, kind)
    if allowed:
        assert response.status_code in (200, 302)
        assert response.status_code == 200 or kind == "ontslag"
    else:
        assert response.status_code == expected_status(persona, allowed)
    if persona != "anonymous" and not allowed:
        assert events_since(before, outcome=Outcome.DENIED).count() == 1


@pytest.fixture
def visit(network):
    from django.utils import timezone

    from dossier.models import HomeVisit

    return HomeVisit.objects.create(dossier=network.a, visited_at=timezone.now())


@pytest.mark.parametrize("persona", PERSONAS)
def test_amending_an_entry_follows_the_policy(client, network, persona, visit):
    sign_in(client, network.users[persona])
    before = last_event_id()
    response = client.get(
        reverse("dossier:entry_edit", args=[network.a.public_id, "huisbezoeken", visit.public_id])
    )
    assert response.status_code == expected_status(persona, may_write(persona, "huisbezoeken"))
    if response.status_code in (403, 404):
        assert events_since(before, outcome=Outcome.DENIED).count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_commenting_follows_who_sees_the_entry(client, network, persona, visit):
    from dossier.models import Comment

    sign_in(client, network.users[persona])
    response = client.post(
        reverse(
            "dossier:entry_comment", args=[network.a.public_id, "huisbezoeken", visit.public_id]
        ),
        {"text": "Gezien."},
    )
    sees = level(persona, S.POSTNATAL) >= V
    if sees:
        assert response.status_code == 302 and Comment.objects.count() == 1
    else:
        assert response.status_code == expected_status(persona, allowed=False)
        assert not Comment.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_commenting_on_a_weighing_follows_who_sees_the_newborn(client, network, persona):
    from django.utils import timezone

    from dossier.models import Comment, Measurement

    weighing = Measurement.objects.create(
        newborn=network.newborn, measured_at=timezone.now(), weight_g=3100
    )
    sign_in(client, network.users[persona])
    response = client.post(
        reverse("dossier:record_comment", args=[network.a.public_id, "wegingen"]),
        {"entry": str(weighing.public_id), "text": "Gezien."},
    )
    if level(persona, S.NEWBORN) >= V:
        assert response.status_code == 302 and Comment.objects.count() == 1
    else:
        assert response.status_code == expected_status(persona, allowed=False)
        assert not Comment.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "page",
    [
        "careplan:plan",
        "careplan:versions",
        "careplan:edit",
        "careplan:appointment_add",
        "careplan:proposal",
    ],
)
def test_care_plan_pages_follow_the_policy(client, network, persona, page):
    """Reading the plan follows the care-plan section; changing it too, and the mother
    always may (R5: it is her plan)."""
    sign_in(client, network.users[persona])
    before = last_event_id()
    response = client.get(reverse(page, args=[network.a.public_id]))
    reads_only = page in ("careplan:plan", "careplan:versions")
    allowed = level(persona, S.CAREPLAN) >= (V if reads_only else E) or (
        persona == "mother" and not reads_only
    )
    assert response.status_code == expected_status(persona, allowed)
    if response.status_code in (403, 404):
        assert events_since(before, outcome=Outcome.DENIED).count() == 1


ALERTS_BY_SECTION = {
    S.PRENATAL: "prenatal_bp_high",
    S.POSTNATAL: "postnatal_fever",
    S.NEWBORN: "baby_temperature",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_alerts_page_shows_each_alert_only_to_readers_of_its_section(client, network, persona):
    import uuid

    from dossier.models import Alert

    shown_for = {}
    for section, rule in ALERTS_BY_SECTION.items():
        alert = Alert.objects.create(
            dossier=network.a,
            rule=rule,
            severity="today",
            section=section,
            entry_kind="test",
            entry_id=uuid.uuid4(),
            raised_by=network.users["coordinator"],
        )
        shown_for[section] = str(alert.public_id)
    sign_in(client, network.users[persona])
    response = client.get(reverse("dossier:alerts", args=[network.a.public_id]))
    assert response.status_code == expected_status(persona, allowed=True)
    if response.status_code != 200:
        return
    mismatches = [
        (section, public_id)
        for section, public_id in shown_for.items()
        if (public_id in response.text) != (level(persona, section) >= V)
    ]
    assert mismatches == []
