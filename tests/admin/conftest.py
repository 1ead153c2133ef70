"""The admin's personas: a staff operator who logs in with a password, a task owner."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from erp.users import api_user_create
from tests.factories import OPERATOR, OPERATOR_PASSWORD


@pytest.fixture
def operator(db) -> User:
    api_user_create(username=OPERATOR, role="admin", password=OPERATOR_PASSWORD)
    return User.objects.get(username=OPERATOR)


@pytest.fixture
def owner(db) -> User:
    api_user_create(username="owner", role="normal")
    return User.objects.get(username="owner")


@pytest.fixture
def operator_client(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client
