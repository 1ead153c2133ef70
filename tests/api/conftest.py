"""Catalogued demo files for the API tests (the personas are fixtures of tests/conftest.py)."""

import pytest

from sync.demo.exports import demo_exports_write
from sync.models import CatalogFile
from sync.services.catalog import catalog_scan


@pytest.fixture
def demo_files(inbox, templates) -> list[CatalogFile]:
    demo_exports_write(out_dir=inbox, rows=20, seed=9,
                       only=["lazada_orders_xlsx", "amazon_orders_tsv", "tiktok_orders_bom_csv"])
    catalog_scan(inbox=inbox)
    return list(CatalogFile.objects.order_by("pk"))
