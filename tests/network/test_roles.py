"""A user's roles (professional, mother) and the permissions given to her in the admin,
read in one statement at the first question and kept on the user as ``select_related``
keeps them (``network.access._read_roles``, issue 16)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User

from network import access
from tests.factories import MotherFactory, ProfessionalFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_a_care_provider_is_known_in_one_statement_with_her_other_role(
    django_assert_num_queries,
):
    professional = ProfessionalFactory()
    user = fresh(professional.user)
    with django_assert_num_queries(1):
        assert access.is_care_provider(user)
        assert not access.is_mother(user)
        assert user.professional == professional  # kept: no statement of its own
        assert user.professional.user is user
        assert not hasattr(user, "mother")


def test_a_mother_is_known_in_one_statement(django_assert_num_queries):
    account = UserFactory()
    mother = MotherFactory(user=account)
    user = fresh(account)
    with django_assert_num_queries(1):
        assert access.is_mother(user)
        assert not access.is_care_provider(user)
        assert user.mother == mother
        assert not hasattr(user, "professional")


def test_both_roles_and_neither(django_assert_num_queries):
    both = ProfessionalFactory()
    MotherFactory(user=both.user)
    neither = fresh(UserFactory())
    user = fresh(both.user)
    with django_assert_num_queries(2):
        assert access.is_care_provider(user) and access.is_mother(user)
        assert not access.is_care_provider(neither) and not access.is_mother(neither)


def test_a_role_already_read_is_not_read_again(django_assert_num_queries):
    professional = ProfessionalFactory()
    user = User.objects.select_related("professional", "mother").get(pk=professional.user_id)
    with django_assert_num_queries(0):
        assert access.is_care_provider(user) and not access.is_mother(user)


def test_a_deactivated_or_anonymous_user_has_no_role_and_costs_nothing(
    django_assert_num_queries,
):
    from django.contrib.auth.models import AnonymousUser

    professional = ProfessionalFactory()
    User.objects.filter(pk=professional.user_id).update(is_active=False)
    user = fresh(professional.user)
    with django_assert_num_queries(0):
        assert not access.is_care_provider(user)
        assert not access.is_care_provider(AnonymousUser())
        assert not access.is_mother(AnonymousUser())


def test_each_request_reads_the_roles_anew(client):
    """The roles are kept on the request's user object only: a role given between two
    requests is seen by the next one."""
    account = UserFactory()
    assert not access.is_care_provider(fresh(account))
    ProfessionalFactory(user=account)
    assert access.is_care_provider(fresh(account))


def test_the_permissions_given_come_with_the_roles(django_assert_num_queries):
    """The menu asks both on every page: one statement, whichever is asked first; a
    permission given to her group counts as one given to her."""
    professional = ProfessionalFactory()
    export = Permission.objects.get(content_type__app_label="ebirth", codename="run_export")
    figures = Permission.objects.get(content_type__app_label="ebirth", codename="view_figures")
    professional.user.user_permissions.add(export)
    group = Group.objects.create(name="analysts")
    group.permissions.add(figures)
    group.user_set.add(professional.user)
    for first in ("role", "permission"):
        user = fresh(professional.user)
        with django_assert_num_queries(1):
            if first == "permission":
                assert access.granted(user, "ebirth.run_export")
            assert access.is_care_provider(user) and not access.is_mother(user)
            assert access.granted(user, "ebirth.run_export")
            assert access.granted(user, "ebirth.view_figures")
            assert not access.granted(user, "ebirth.change_export")


def test_no_permission_given_is_none_granted(django_assert_num_queries):
    user = fresh(UserFactory(is_superuser=True, is_staff=True))
    with django_assert_num_queries(1):
        assert not access.granted(user, "ebirth.run_export")
        assert not access.is_care_provider(user)
