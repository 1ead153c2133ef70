"""Personas (an owner, another user, staff, anonymous) as API clients, and catalogued demo files."""

import pytest
from rest_framework.test import APIClient

from erp.users import api_user_create
from sync.demo.exports import demo_exports_write
from sync.models import CatalogFile
from sync.services.catalog import catalog_scan


def _client(username: str, role: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_user_create(username=username, role=role)}")
    return client


@pytest.fixture
def owner(db):
    return _client("owner", "normal")


@pytest.fixture
def other(db):
    return _client("other", "normal")


@pytest.fixture
def staff(db):
    return _client("operator", "admin")


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def demo_files(inbox, templates) -> list[CatalogFile]:
    demo_exports_write(out_dir=inbox, rows=20, seed=9,
                       only=["lazada_orders_xlsx", "amazon_orders_tsv", "tiktok_orders_bom_csv"])
    catalog_scan(inbox=inbox)
    return list(CatalogFile.objects.order_by("pk"))
