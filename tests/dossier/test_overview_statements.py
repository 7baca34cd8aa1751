"""The overview's statements compiled once read what the ORM would (issue 16): the newborns
with their weighings as ``prefetch_related`` gives them, and the latest entries' related
objects as ``in_bulk`` would; the reader's own membership found in the network it read."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from dossier import selectors
from dossier.entries import KINDS
from dossier.latest import _attach_related
from dossier.models import Measurement, Newborn
from tests.factories import DossierFactory, NewbornFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db


def weigh(newborn, grams, hours_ago):
    return Measurement.objects.create(
        newborn=newborn,
        weight_g=grams,
        measured_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )


def test_newborns_with_their_weighings_as_prefetch_related_reads_them(
    django_assert_num_queries,
):
    first = NewbornFactory(birth_order=1)
    dossier = first.dossier
    second = NewbornFactory(dossier=dossier, birth_order=2)
    for grams, hours in ((3300, 5), (3250, 30), (3280, 10)):
        weigh(first, grams, hours)
    weigh(second, 3100, 2)
    NewbornFactory(birth_order=1)  # another record's baby, weighed too
    weigh(Newborn.objects.exclude(dossier=dossier).get(), 2900, 1)

    expected = [
        (newborn.pk, [m.pk for m in newborn.measurements.all()])
        for newborn in dossier.newborns.prefetch_related("measurements")
    ]
    with django_assert_num_queries(2):
        newborns = selectors.newborns_with_weighings(dossier)
    with django_assert_num_queries(0):
        found = [(newborn.pk, [m.pk for m in newborn.measurements.all()]) for newborn in newborns]
        assert all(newborn.dossier is dossier for newborn in newborns)
        assert all(m.newborn is n for n in newborns for m in n.measurements.all())
        # oldest first, as the model orders them; filters on the kept rows need a statement
        assert [m.weight_g for m in newborns[0].measurements.all()] == [3250, 3280, 3300]
    assert found == expected and [pk for pk, _ in found] == [first.pk, second.pk]
    assert newborns[0].measurements.count() == 3  # the kept rows, as after a prefetch


def test_a_record_without_newborns_takes_one_statement(django_assert_num_queries):
    dossier = DossierFactory()
    with django_assert_num_queries(1):
        assert selectors.newborns_with_weighings(dossier) == []


def test_the_latest_entries_related_objects_as_in_bulk_reads_them(django_assert_num_queries):
    from decimal import Decimal

    from dossier.models import SelfMonitoring
    from dossier.selfcare import SelfKind

    dossier = NewbornFactory(birth_order=1).dossier
    author = ProfessionalFactory().user
    entry = SelfMonitoring.objects.create(
        dossier=dossier,
        recorded_by=author,
        kind=SelfKind.TEMPERATURE,
        noted_at=timezone.now(),
        value=Decimal("36.8"),
    )
    bare = SelfMonitoring.objects.get(pk=entry.pk)
    with django_assert_num_queries(1):  # the author; no newborn named
        _attach_related(dossier, [(KINDS["eigen-metingen"], bare), (KINDS["consultaties"], None)])
    with django_assert_num_queries(0):
        assert bare.recorded_by == author and bare.dossier is dossier and bare.newborn is None


def test_a_members_own_membership_is_found_in_the_network_read_before(
    django_assert_num_queries,
):
    """``network_of`` holds every active membership of the record: whoever asks for her
    own next (the overview asks both) is answered from it, a member or not, the same as
    the statement of her own; a change of the network (recomputed) asks again."""
    from django.contrib.auth.models import User

    from dossier.models import Dossier
    from network import access
    from network.models import Membership, Role
    from tests.factories import join

    def _fresh(user):
        return User.objects.get(pk=user.pk)

    dossier = DossierFactory()
    coordinator = Membership.objects.get(dossier=dossier, role=Role.COORDINATOR)
    member = ProfessionalFactory()
    join(dossier, member.user)
    outsider = ProfessionalFactory()
    users = [_fresh(coordinator.professional.user), _fresh(member.user), _fresh(outsider.user)]
    for user in users:
        access.is_care_provider(user)  # her roles, read beforehand
    asked = {
        user.pk: access.active_membership(user, Dossier.objects.get(pk=dossier.pk))
        for user in users
    }
    record = Dossier.objects.get(pk=dossier.pk)
    with django_assert_num_queries(1):
        members = access.network_of(record)
        found = {user.pk: access.active_membership(user, record) for user in users}
    assert found == asked
    assert found[outsider.user_id] is None and found[member.user_id] is not None
    access.recompute_permissions(record)  # the network may have changed: asked again
    with django_assert_num_queries(2):
        assert access.active_membership(users[1], record) == found[member.user_id]
        assert access.network_of(record) == members
