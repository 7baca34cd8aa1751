"""The rules of the care network: revocation is immediate, one coordinator always, consent
within a profession's limit, and changes reach the people concerned."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from dossier.models import Dossier
from dossier.sections import Section
from network import access, notices, selectors, services
from network.models import (
    AccessEvent,
    EndReason,
    Level,
    Membership,
    Notification,
    Profession,
    Role,
    RoleDefault,
)
from tests.factories import DossierFactory, ProfessionalFactory, UserFactory, join
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db


def detail(client, dossier):
    return client.get(reverse("dossier:detail", args=[dossier.public_id]))


# --- revocation takes effect on the very next request -----------------------------------


def test_withdrawing_consent_hides_the_section_on_the_next_request(client, network):
    gp, mother, dossier = network.users["gp"], network.users["mother"], network.a
    sign_in(client, gp)
    assert 'data-section="prenatal"' in detail(client, dossier).text
    services.consent_set(
        actor=mother, dossier=dossier, section=Section.PRENATAL, level=Level.NONE, role=Role.GP
    )
    assert 'data-section="prenatal"' not in detail(client, dossier).text
    assert not access.can_view(gp, dossier, Section.PRENATAL)


def test_a_rule_for_one_member_beats_the_rule_for_the_role(network):
    gp, mother, dossier = network.users["gp"], network.users["mother"], network.a
    services.consent_set(
        actor=mother, dossier=dossier, section=Section.NEWBORN, level=Level.NONE, role=Role.GP
    )
    assert not access.can_view(gp, dossier, Section.NEWBORN)
    membership = dossier.memberships.get(professional__user=gp)
    services.consent_set(
        actor=mother,
        dossier=dossier,
        section=Section.NEWBORN,
        level=Level.VIEW,
        membership=membership,
    )
    assert access.can_view(gp, dossier, Section.NEWBORN)
    assert not access.can_edit(gp, dossier, Section.NEWBORN)
    services.consent_set(
        actor=mother, dossier=dossier, section=Section.NEWBORN, level=None, membership=membership
    )
    assert not access.can_view(gp, dossier, Section.NEWBORN)


def test_ending_a_membership_closes_the_dossier_at_once(client, network):
    assistant, dossier = network.users["assistant"], network.a
    sign_in(client, assistant)
    assert detail(client, dossier).status_code == 200
    services.membership_end(
        actor=network.users["coordinator"],
        membership=dossier.memberships.get(professional__user=assistant),
        reason=EndReason.CARE_ENDED,
    )
    assert detail(client, dossier).status_code == 404
    assert dossier not in access.visible_dossiers(assistant)


def test_a_deactivated_account_sees_nothing(network):
    gp = network.users["gp"]
    gp.is_active = False
    gp.save()
    access.recompute_permissions(network.a)
    assert not access.visible_dossiers(gp).exists()


# --- the consent never exceeds a profession's limit ------------------------------------


def test_consent_cannot_exceed_what_a_profession_may_do(network):
    with pytest.raises(ValidationError) as caught:
        services.consent_set(
            actor=network.users["mother"],
            dossier=network.a,
            section=Section.PSYCHOSOCIAL,
            level=Level.VIEW,
            role=Role.MATERNITY_ASSISTANT,
        )
    assert caught.value.code == "above_limit"
    assert not access.can_view(network.users["assistant"], network.a, Section.PSYCHOSOCIAL)


def test_role_defaults_cannot_exceed_the_limit_either(db):
    default = RoleDefault.objects.get(role=Role.MATERNITY_ASSISTANT, section=Section.PSYCHOSOCIAL)
    default.level = Level.VIEW
    with pytest.raises(ValidationError):
        default.full_clean()


def test_the_psychosocial_section_is_closed_by_default_except_to_the_coordinator(db):
    for role in Role:
        level = RoleDefault.objects.get(role=role, section=Section.PSYCHOSOCIAL).level
        assert (level > Level.NONE) == (role == Role.COORDINATOR), role


def test_only_the_mother_decides(network):
    for persona in ("coordinator", "gp", "outsider"):
        with pytest.raises(access.AccessDenied):
            services.consent_set(
                actor=network.users[persona],
                dossier=network.a,
                section=Section.NEWBORN,
                level=Level.NONE,
                role=Role.GP,
            )


def test_the_mother_narrows_a_role_on_the_consent_page(client, network):
    mother, dossier = network.users["mother"], network.a
    sign_in(client, mother)
    url = reverse("network:consent", args=[dossier.public_id])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {f"role:{Role.PAEDIATRICIAN}:{Section.PRENATAL}": "0"})
    assert response.status_code == 302
    assert not access.can_view(network.users["paediatrician"], dossier, Section.PRENATAL)


def test_a_coordinator_may_look_at_the_consent_but_not_change_it(client, network):
    sign_in(client, network.users["coordinator"])
    url = reverse("network:consent", args=[network.a.public_id])
    assert client.get(url).status_code == 200
    client.post(url, {f"role:{Role.GP}:{Section.NEWBORN}": "0"})
    assert access.can_view(network.users["gp"], network.a, Section.NEWBORN)


# --- the coordinator ---------------------------------------------------------------------


def test_a_second_active_coordinator_is_refused_by_the_database(network):
    another = ProfessionalFactory(profession=Profession.GP)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            dossier=network.a,
            professional=another,
            role=Role.COORDINATOR,
            started_at=timezone.now(),
        )


def test_the_coordinator_cannot_leave_without_handing_over(network):
    coordinator = network.a.memberships.get(role=Role.COORDINATOR)
    with pytest.raises(ValidationError) as caught:
        services.membership_end(
            actor=network.users["coordinator"], membership=coordinator, reason=EndReason.OTHER
        )
    assert caught.value.code == "coordinator_must_hand_over"


def test_handing_over_keeps_the_former_coordinator_as_member(network):
    gp_membership = network.a.memberships.get(professional__user=network.users["gp"])
    services.coordinator_hand_over(
        actor=network.users["coordinator"], dossier=network.a, to=gp_membership
    )
    assert access.is_coordinator(network.users["gp"], network.a)
    former = Membership.objects.get(
        dossier=network.a, ended_at__isnull=True, professional__user=network.users["coordinator"]
    )
    assert former.role == Role.MIDWIFE
    assert (
        Membership.objects.filter(
            dossier=network.a, role=Role.COORDINATOR, ended_at__isnull=True
        ).count()
        == 1
    )
    # the consent the mother gave to Karim as a member no longer binds him as coordinator
    assert access.can_view(network.users["gp"], network.a, Section.DELIVERY)


def test_only_midwives_gynaecologists_and_gps_coordinate(network):
    paediatrician = network.a.memberships.get(professional__user=network.users["paediatrician"])
    with pytest.raises(ValidationError) as caught:
        services.coordinator_hand_over(
            actor=network.users["coordinator"], dossier=network.a, to=paediatrician
        )
    assert caught.value.code == "coordinator_profession"


def test_members_other_than_the_coordinator_cannot_change_the_network(network):
    with pytest.raises(access.AccessDenied):
        services.membership_add(
            actor=network.users["gp"], dossier=network.a, professional=ProfessionalFactory()
        )


def test_replacing_a_member_is_the_parents_free_choice(network):
    """R11: the mother may replace a provider by another of the same profession."""
    other_gp = ProfessionalFactory(profession=Profession.GP)
    old = network.a.memberships.get(professional__user=network.users["gp"])
    services.membership_replace(
        actor=network.users["mother"], membership=old, professional=other_gp
    )
    old.refresh_from_db()
    assert old.end_reason == EndReason.PARENTS_CHOICE and old.ended_at
    assert access.visible_dossiers(other_gp.user).filter(pk=network.a.pk).exists()
    assert not access.visible_dossiers(network.users["gp"]).exists()
    with pytest.raises(ValidationError):
        services.membership_replace(
            actor=network.users["mother"],
            membership=network.a.memberships.get(professional__user=network.users["assistant"]),
            professional=ProfessionalFactory(profession=Profession.GP),
        )


def test_changes_are_announced_to_the_members_and_the_mother(network):
    newcomer = ProfessionalFactory(
        profession=Profession.LACTATION_CONSULTANT,
        user__first_name="Ellen",
        user__last_name="Dupont",
    )
    services.membership_add(
        actor=network.users["coordinator"], dossier=network.a, professional=newcomer
    )
    for persona in ("mother", "gp", "assistant"):
        reader = network.users[persona]
        texts = [n.shown for n in notices.render(selectors.notifications_for(reader), reader)]
        assert any("Ellen Dupont" in text for text in texts), persona
    # the coordinator who added her is not told of her own action (issue 14)
    assert not Notification.objects.filter(recipient=network.users["coordinator"]).exists()
    assert not Notification.objects.filter(recipient=network.users["outsider"]).exists()


@pytest.mark.django_db(transaction=True)
def test_a_network_never_commits_without_its_coordinator():
    """The deferred trigger checks at commit: ending the coordinator without a successor
    is refused even when done behind the services' back."""
    dossier = DossierFactory()
    coordinator = dossier.memberships.get(role=Role.COORDINATOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=coordinator.pk).update(
            ended_at=timezone.now(), end_reason=EndReason.OTHER
        )
    assert (
        Membership.objects.filter(
            dossier=dossier, role=Role.COORDINATOR, ended_at__isnull=True
        ).count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_hand_overs_leave_exactly_one_coordinator():
    coordinator = ProfessionalFactory().user
    mother = UserFactory()
    dossier = DossierFactory(coordinator=coordinator, mother__user=mother)
    gp = join(dossier, ProfessionalFactory(profession=Profession.GP).user)
    gynaecologist = join(dossier, ProfessionalFactory(profession=Profession.GYNAECOLOGIST).user)
    barrier = threading.Barrier(2)
    errors = []

    def hand_over(target):
        try:
            barrier.wait(timeout=5)
            services.coordinator_hand_over(actor=mother, dossier=dossier, to=target)
        except (ValidationError, Membership.DoesNotExist) as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_over, args=(m,)) for m in (gp, gynaecologist)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    active = Membership.objects.filter(
        dossier=dossier, role=Role.COORDINATOR, ended_at__isnull=True
    )
    assert active.count() == 1
    assert active.get().professional_id in {gp.professional_id, gynaecologist.professional_id}
    # every active professional appears once; nobody was lost in the shuffle
    people = list(
        Membership.objects.filter(dossier=dossier, ended_at__isnull=True).values_list(
            "professional_id", flat=True
        )
    )
    assert len(people) == len(set(people)) == 3
    assert len(errors) <= 1


# --- the access log itself -------------------------------------------------------------


def test_every_write_is_logged_with_the_request_id(client, network):
    sign_in(client, network.users["coordinator"])
    response = client.post(
        reverse("network:add_member", args=[network.a.public_id]),
        {"professional": ProfessionalFactory().public_id},
        HTTP_X_REQUEST_ID="req-abcdef123456",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-abcdef123456"
    event = AccessEvent.objects.filter(dossier=network.a, action="create").latest("id")
    assert event.request_id == "req-abcdef123456"
    assert event.actor == network.users["coordinator"]


def test_the_mother_sees_who_viewed_her_record_and_nothing_else(client, network):
    sign_in(client, network.users["gp"])
    detail(client, network.a)
    sign_in(client, network.users["coordinator"])
    detail(client, network.b)  # the other mother's record
    sign_in(client, network.users["mother"])
    page = client.get(reverse("network:access_log", args=[network.a.public_id]))
    visits = page.context["page"].object_list
    assert [v.actor_id for v in visits] == [network.users["gp"].pk]  # not the other record's
    assert client.get(reverse("network:access_log", args=[network.b.public_id])).status_code == 404


def test_the_inbox_shows_the_unread_count_and_marks_read(client, network):
    services.membership_add(
        actor=network.users["coordinator"], dossier=network.a, professional=ProfessionalFactory()
    )
    sign_in(client, network.users["mother"])
    page = client.get(reverse("network:inbox"))
    assert page.context["unread_notifications"] == 1
    assert len(page.context["page"].object_list) == 1
    client.post(reverse("network:inbox"))
    assert client.get(reverse("network:inbox")).context["unread_notifications"] == 0


def test_a_refused_new_pregnancy_is_logged_on_the_record_it_started_from(client, network):
    """A paediatrician may see the mother but not open records: 403, and the mother sees
    the attempt in her access log."""
    sign_in(client, network.users["paediatrician"])
    before = AccessEvent.objects.count()
    response = client.get(reverse("dossier:new_pregnancy", args=[network.a.public_id]))
    assert response.status_code == 403
    denied = AccessEvent.objects.latest("id")
    assert AccessEvent.objects.count() == before + 1
    assert (denied.dossier, denied.outcome, denied.action) == (network.a, "denied", "create")


def test_a_page_asking_the_levels_again_reads_them_once_until_they_are_recomputed(network):
    """``section_levels`` keeps what it read on the record's object (a page's helpers ask
    again), and a copy each time; ``recompute_permissions`` drops it."""
    from django.test.utils import CaptureQueriesContext

    gp, mother, dossier = network.users["gp"], network.users["mother"], network.a
    with CaptureQueriesContext(connection) as queries:
        first = access.section_levels(gp, dossier)
        assert first[Section.PRENATAL] >= Level.VIEW
        first[Section.PRENATAL] = Level.NONE  # the caller's own copy
        assert access.can_view(gp, dossier, Section.PRENATAL)
        assert access.section_levels(gp, dossier)[Section.PRENATAL] >= Level.VIEW
    assert len(queries) == 1
    services.consent_set(
        actor=mother, dossier=dossier, section=Section.PRENATAL, level=Level.NONE, role=Role.GP
    )
    assert not access.can_view(gp, dossier, Section.PRENATAL)
    # another user on the same object is asked for apart
    assert access.can_view(mother, dossier, Section.PRENATAL)


@pytest.mark.parametrize("persona", ["coordinator", "gp", "paediatrician", "mother", "outsider"])
def test_the_record_a_path_names_comes_with_the_readers_levels_in_one_statement(network, persona):
    """``visible_dossier`` (every record page) reads the reader's rights on the record in
    the same statement: ``section_levels`` then asks nothing, and gives what it reads on its
    own, for every persona; after a consent change the same object reads them anew."""
    from django.test.utils import CaptureQueriesContext

    user = network.users[persona]
    expected = access.section_levels(user, Dossier.objects.get(pk=network.a.pk))
    access.visible_dossier(network.users["other_mother"], network.a.public_id)  # compiled
    with CaptureQueriesContext(connection) as queries:
        dossier = access.visible_dossier(user, network.a.public_id)
        if dossier is not None:
            assert access.section_levels(user, dossier) == expected
    assert len(queries) == 1
    if persona == "outsider":
        assert dossier is None
        return
    assert any(level > Level.NONE for level in expected.values())
    if persona == "gp":
        services.consent_set(
            actor=network.users["mother"],
            dossier=network.a,
            section=Section.PRENATAL,
            level=Level.NONE,
            role=Role.GP,
        )
        assert access.section_levels(user, dossier)[Section.PRENATAL] == Level.NONE


def test_rights_read_with_the_record_are_not_kept_past_a_recompute_during_the_read(
    network, monkeypatch
):
    """Permissions recomputed (in this process) after the record's statement read her rights
    and before they are kept: the object does not keep them, ``section_levels`` asks anew."""
    from django.test.utils import CaptureQueriesContext

    gp = network.users["gp"]
    lookup = access._VISIBLE_ONE

    def read_then_recompute(**values):
        rows = lookup(**values)
        access.recompute_permissions(network.a)
        return rows

    monkeypatch.setattr(access, "_VISIBLE_ONE", read_then_recompute)
    dossier = access.visible_dossier(gp, network.a.public_id)
    with CaptureQueriesContext(connection) as queries:
        access.section_levels(gp, dossier)
    assert len(queries) == 1


def test_a_member_search_that_cannot_be_done_says_why_beside_its_field(client, network):
    """A profession that does not exist (typed into the address): the field's error is on
    the page, where its aria-describedby points, and nobody is listed."""
    sign_in(client, network.users["coordinator"])
    url = reverse("network:manage", args=[network.a.public_id])
    page = client.get(url, {"profession": "astronaut"})
    assert page.status_code == 200
    assert 'aria-describedby="id_profession_error"' in page.text
    assert '<p class="error" id="id_profession_error">' in page.text
    assert page.context["found"] is None
