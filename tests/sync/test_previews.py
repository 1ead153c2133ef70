"""A preview runs a file's whole sync and writes nothing; approving it writes what a direct sync writes,
unless the file or the rows of its place and dates changed since (issue 17)."""

import pytest
from django.core.management import call_command
from django.db import connection
from prometheus_client import REGISTRY

from sync.models import CatalogFile, ChangeSet, OrderLine, PreviewStatus, SyncPreview
from sync.services.previews import StalePreview, file_preview, preview_approve
from sync.services.rollback import file_rollback
from tests.sync.test_rollback import exports, snapshot, synced  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.django_db


def facts_as_written() -> list[tuple]:
    """Every column but the id and the time written (a second sync draws other ones), by natural key."""
    columns = [f.column for f in OrderLine._meta.concrete_fields if f.name not in ("id", "synced_at")]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM sync_orderline ORDER BY order_id, line_key")
        return cursor.fetchall()


def test_a_preview_writes_nothing_and_approving_it_writes_what_a_direct_sync_writes(exports):
    first, _, changes, _ = exports
    after_first = synced(first)
    file_before = CatalogFile.objects.filter(pk=changes).values().get()

    preview = file_preview(file_id=changes)

    assert snapshot() == after_first
    assert CatalogFile.objects.filter(pk=changes).values().get() == file_before
    assert not ChangeSet.objects.filter(file_id=changes).exists()
    assert (preview.rows_new, preview.rows_changed, preview.rows_unchanged) == (1, 1, 1)
    (change,) = preview.changes
    assert change["fields"] == {"quantity": [change["fields"]["quantity"][0], 7]}
    assert preview.result["decisions"]["quantity"]["column"] == "quantity"

    approved = preview_approve(preview_id=preview.pk)

    assert approved.status == PreviewStatus.APPROVED
    through_preview = facts_as_written()
    file_rollback(file_id=changes)
    synced(changes)
    assert facts_as_written() == through_preview


def test_approving_after_the_file_changed_is_refused_and_writes_nothing(exports, inbox):
    first, _, changes, _ = exports
    synced(first)
    preview = file_preview(file_id=changes)
    path = inbox / CatalogFile.objects.get(pk=changes).path
    path.write_bytes(path.read_bytes() + b"\r\n")
    before = snapshot()

    with pytest.raises(StalePreview, match="The file changed since preview"):
        preview_approve(preview_id=preview.pk)

    assert snapshot() == before
    assert SyncPreview.objects.get(pk=preview.pk).status == PreviewStatus.STALE


def test_approving_after_its_rows_changed_is_refused(exports):
    first, _, changes, _ = exports
    synced(first)
    preview = file_preview(file_id=changes)
    OrderLine.objects.filter(source_file_id=first).update(buyer="edited by hand")

    with pytest.raises(StalePreview, match="Rows the file would write changed"):
        preview_approve(preview_id=preview.pk)
    with pytest.raises(StalePreview, match="is Stale already"):
        preview_approve(preview_id=preview.pk)


def test_sync_files_dry_run_prints_the_preview_and_writes_nothing(exports, capsys):
    first, *_ = exports

    call_command("sync_files", str(first), "--dry-run")

    out = capsys.readouterr().out
    preview = SyncPreview.objects.get(file_id=first)
    assert f"preview {preview.pk}" in out and f"{preview.rows_new} new" in out
    assert preview.rows_new > 0 and not OrderLine.objects.exists()


def test_a_preview_is_not_counted_as_a_sync_in_the_metrics(exports):
    first, *_ = exports
    ingested = REGISTRY.get_sample_value("erp_rows_ingested_total", {"domain": "orders"}) or 0

    preview = file_preview(file_id=first)

    assert preview.rows_new > 0
    assert (REGISTRY.get_sample_value("erp_rows_ingested_total", {"domain": "orders"}) or 0) == ingested
