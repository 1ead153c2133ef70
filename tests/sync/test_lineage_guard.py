"""Fact rows always lead to their catalog file (issue 16 dropped the per-row foreign key check): a file
that rows name cannot be deleted, by the ORM or by plain SQL, and a sync holds its file until it commits."""

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from sync.errors import FileRejected
from sync.ingest.engine import file_sync
from sync.ingest.upsert import fact_sink
from sync.models import CatalogFile, OrderLine
from tests.processes import worker_env
from tests.sync.helpers import shops_of_orders

pytestmark = pytest.mark.django_db(transaction=True)
PLACE = {"platform_code": "amazon", "shop_id": "amazon_us_000", "granularity": "monthly"}


@pytest.fixture
def synced_file(templates, inbox, tmp_path) -> CatalogFile:
    (file_id,) = shops_of_orders(inbox, 1, rows=5, tmp_path=tmp_path)
    file = CatalogFile.objects.get(pk=file_id)
    assert file_sync(file=file).rows_ingested > 0
    return file


def test_a_file_with_fact_rows_cannot_be_deleted(synced_file):
    with pytest.raises(ProtectedError):
        synced_file.delete()
    with pytest.raises(IntegrityError, match="has fact rows"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM sync_catalogfile WHERE id = %s", [synced_file.pk])
    assert CatalogFile.objects.filter(pk=synced_file.pk).exists()


def test_a_file_without_fact_rows_can_be_deleted(synced_file):
    OrderLine.objects.filter(source_file=synced_file).delete()
    synced_file.delete()
    assert not CatalogFile.objects.filter(pk=synced_file.pk).exists()


def test_a_sync_holds_its_file_until_it_commits(inbox, tmp_path):
    (file_id,) = shops_of_orders(inbox, 1, rows=5, tmp_path=tmp_path)
    with transaction.atomic():
        fact_sink(OrderLine, [], place=PLACE, file_ids=[file_id])
        with psycopg.connect(worker_env()["DATABASE_URL"], autocommit=True) as other:
            other.execute("SET lock_timeout = '200ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM sync_catalogfile WHERE id = %s", [file_id])
    CatalogFile.objects.filter(pk=file_id).delete()  # no rows were written: now it goes


def test_a_sync_of_a_file_removed_from_the_catalog_is_refused(inbox, tmp_path):
    (file_id,) = shops_of_orders(inbox, 1, rows=5, tmp_path=tmp_path)
    CatalogFile.objects.filter(pk=file_id).delete()
    with pytest.raises(FileRejected, match=f"file {file_id} was removed from the catalog"), transaction.atomic():
        fact_sink(OrderLine, [], place=PLACE, file_ids=[file_id])
