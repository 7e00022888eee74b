import pytest
from django.test import Client

from decisions import roles
from tests.factories import UserFactory


@pytest.fixture
def architect(db):
    return UserFactory(username="ada", role=roles.ARCHITECTS)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="rui", role=roles.REVIEWERS)


@pytest.fixture
def manager(db):
    return UserFactory(username="mona", role=roles.VIEWERS)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def architect_client(architect):
    return _client_for(architect)


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture
def reviewer_client(reviewer):
    return _client_for(reviewer)
