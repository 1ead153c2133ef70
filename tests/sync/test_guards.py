"""Files that must be refused or fail alone, with a reason, leaving nothing half-written."""

import pytest
from django.test import override_settings

from sync.ingest.engine import SyncOptions, file_sync
from sync.models import CatalogFile, FileStatus, OrderLine, QuarantinedRow
from sync.services.catalog import catalog_scan
from tests.sync.guard_files import inbox_path, valid_xlsx, write_guard_files, write_outside_inbox

pytestmark = pytest.mark.django_db
OVERSIZE_LIMIT = 100_000


@override_settings(ERP_MAX_FILE_BYTES=OVERSIZE_LIMIT)
def test_each_guard_case_fails_with_its_reason(inbox, templates):
    cases = write_guard_files(inbox, oversize_bytes=OVERSIZE_LIMIT)
    catalog_scan(inbox=inbox)

    for name, reason in cases.items():
        file = CatalogFile.objects.get(file_name=name)
        result = file_sync(file=file)
        file.refresh_from_db()
        assert (file.status, reason in file.last_error) == (FileStatus.FAILED, True), (name, file.last_error)
        assert result.rows_ingested == 0
    assert OrderLine.objects.count() == 0


def test_path_outside_the_inbox_is_refused(inbox, templates):
    relative = write_outside_inbox(inbox)
    file = CatalogFile.objects.create(path=relative, file_name="outside.csv", sha256="0" * 64, size_bytes=1,
                                      platform_code="shopee", shop_id="s", data_domain="orders", granularity="daily")

    file_sync(file=file)

    file.refresh_from_db()
    assert file.status == FileStatus.FAILED
    assert "outside the inbox" in file.last_error


def test_formulas_are_read_as_their_values(inbox, templates):
    valid_xlsx(inbox_path(inbox, "formulas_20241101.xlsx"), [["F1", "2024-11-01 10:00", "SKU-1", "3", ""]],
               formulas=True)
    catalog_scan(inbox=inbox)

    file_sync(file=CatalogFile.objects.get())

    assert OrderLine.objects.get().deal_price == 15


def test_a_file_failing_late_leaves_no_rows(inbox, templates):
    rows = [[f"L{i}", "2024-11-01 10:00", f"SKU-{i}", "1", "1"] for i in range(300)] + [
        ["L-bad", "2024-11-01 10:00", "SKU-x", "-1", "1"]]
    valid_xlsx(inbox_path(inbox, "late_20241101.xlsx"), rows)
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()

    result = file_sync(file=file, options=SyncOptions(allow_quarantine=False))

    assert result.status == FileStatus.FAILED
    assert "quarantine is not allowed" in result.error and "row 302" in result.error
    assert OrderLine.objects.count() == 0
    assert QuarantinedRow.objects.count() == 0


def test_no_template_skips_the_file_with_the_reason(inbox, templates):
    path = inbox / "miaoshou/m1/orders/daily/x_20241101.csv"
    path.parent.mkdir(parents=True)
    path.write_text("a,b\n1,2\n")
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()

    skipped = file_sync(file=file)
    failed = file_sync(file=file, options=SyncOptions(only_with_template=False))

    assert skipped.status == FileStatus.SKIPPED and "no active template" in skipped.error
    assert failed.status == FileStatus.FAILED
