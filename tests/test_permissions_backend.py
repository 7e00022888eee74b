"""adr_app.auth.ModelBackend: Django's permissions, read in one query."""

import pytest
from django.contrib.auth import backends
from django.contrib.auth.models import Group, Permission

from adr_app.auth import ModelBackend
from decisions.roles import ARCHITECTS, REVIEWERS, VIEWERS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_person_s_own_and_their_groups_permissions_come_in_one_query(django_assert_num_queries):
    person = UserFactory()
    person.user_permissions.add(Permission.objects.get(codename="add_flow"))
    group = Group.objects.create(name="Helpers")
    group.permissions.add(Permission.objects.get(codename="add_service"))
    person.groups.add(group)
    with django_assert_num_queries(1):
        granted = ModelBackend().get_all_permissions(person)
        assert person.has_perm("decisions.add_flow") and person.has_perm("decisions.add_service")
    assert {"decisions.add_flow", "decisions.add_service"} <= granted
    assert granted == ModelBackend().get_all_permissions(type(person).objects.get(pk=person.pk))


def test_nobody_inactive_has_any_and_a_superuser_has_all():
    inactive = UserFactory(is_active=False)
    inactive.user_permissions.add(Permission.objects.get(codename="add_flow"))
    assert ModelBackend().get_all_permissions(inactive) == set()
    boss = UserFactory(is_superuser=True)
    assert len(ModelBackend().get_all_permissions(boss)) == Permission.objects.count()


def test_every_role_and_grant_reads_the_same_permissions_as_django_s_own_backend():
    """The written-out query against Django's: own grants, groups' (overlapping), several groups, none."""
    helpers, reviewers = Group.objects.create(name="Helpers"), Group.objects.create(name="Checkers")
    helpers.permissions.add(*Permission.objects.filter(codename__in=["add_service", "add_flow"]))
    reviewers.permissions.add(*Permission.objects.filter(codename__in=["add_flow", "view_decision"]))
    nobody, own, grouped, both = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    own.user_permissions.add(Permission.objects.get(codename="add_team"))
    grouped.groups.add(helpers, reviewers)
    both.user_permissions.add(Permission.objects.get(codename="add_flow"))
    both.groups.add(reviewers)
    people = [
        nobody,
        own,
        grouped,
        both,
        UserFactory(is_superuser=True),
        *(UserFactory(role=r) for r in (ARCHITECTS, REVIEWERS, VIEWERS)),
    ]
    for person in people:
        fresh = type(person).objects.get(pk=person.pk)
        assert ModelBackend().get_all_permissions(fresh) == backends.ModelBackend().get_all_permissions(person)
    assert ModelBackend().get_all_permissions(type(grouped).objects.get(pk=grouped.pk)) >= {"decisions.add_service"}
