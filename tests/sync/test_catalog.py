import os
from datetime import date
from pathlib import Path

import pytest

from sync.models import CatalogFile, FileStatus
from sync.services.catalog import catalog_scan, infer_metadata

pytestmark = pytest.mark.django_db


def test_metadata_comes_from_the_path_and_name():
    meta = infer_metadata(Path("shopee/shop_my_01/orders/daily/Order.all.20241101_20241101.xlsx"))

    assert (meta.platform_code, meta.shop_id, meta.data_domain, meta.granularity) == (
        "shopee", "shop_my_01", "orders", "daily")
    assert (meta.period_start, meta.period_end) == (date(2024, 11, 1), date(2024, 11, 1))


def test_granularity_is_inferred_from_a_weeks_period():
    meta = infer_metadata(Path("tiktok/t1/products/perf_2024-11-04_2024-11-10.xlsx"))

    assert meta.granularity == "weekly"
    assert meta.data_domain == "products"


def _write(inbox: Path, relative: str, content: bytes) -> Path:
    path = inbox / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_new_unchanged_changed_and_duplicate_files(inbox):
    first = _write(inbox, "shopee/s1/orders/daily/a_20241101.csv", b"Order ID\n1\n")

    report = catalog_scan(inbox=inbox)
    assert report.new == ["shopee/s1/orders/daily/a_20241101.csv"]
    record = CatalogFile.objects.get()
    assert record.status == FileStatus.PENDING
    assert len(record.sha256) == 64 and record.size_bytes == 11

    CatalogFile.objects.filter(pk=record.pk).update(status=FileStatus.INGESTED)
    assert catalog_scan(inbox=inbox).unchanged == 1
    assert CatalogFile.objects.get().status == FileStatus.INGESTED

    first.write_bytes(b"Order ID\n1\n2\n")
    os.utime(first, ns=(1, 1))
    report = catalog_scan(inbox=inbox)
    assert report.changed == ["shopee/s1/orders/daily/a_20241101.csv"]
    assert CatalogFile.objects.get().status == FileStatus.PENDING

    _write(inbox, "shopee/s1/orders/daily/copy_20241101.csv", first.read_bytes())
    report = catalog_scan(inbox=inbox)
    duplicate = CatalogFile.objects.get(file_name="copy_20241101.csv")
    assert report.duplicates == ["shopee/s1/orders/daily/copy_20241101.csv"]
    assert duplicate.status == FileStatus.SKIPPED
    assert duplicate.duplicate_of.file_name == "a_20241101.csv"
    assert "duplicate of shopee/s1/orders/daily/a_20241101.csv" in duplicate.last_error


def test_unsupported_and_hidden_files_are_ignored(inbox):
    _write(inbox, "notes.md", b"x")
    _write(inbox, "shopee/s1/orders/~$open.xlsx", b"x")

    assert catalog_scan(inbox=inbox).new == []
