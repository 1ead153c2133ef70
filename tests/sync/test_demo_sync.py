"""Every built-in template, on a generated export: exact accounting, reasons, re-sync and lineage."""

from collections import Counter

import pytest

from sync.demo.exports import DEMO_MAKERS, demo_exports_write
from sync.ingest import engine
from sync.ingest.engine import file_sync
from sync.ingest.reading import open_source
from sync.models import FACT_MODELS, CatalogFile, OrderLine
from sync.services.catalog import catalog_scan
from tests.sync.helpers import assert_matches_expected

pytestmark = pytest.mark.django_db
ROWS, SEED = 120, 7


@pytest.mark.parametrize("key", list(DEMO_MAKERS))
def test_generated_export_syncs_with_the_expected_counts(key, inbox, templates):
    (demo,) = demo_exports_write(out_dir=inbox, rows=ROWS, seed=SEED, only=[key])
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get(path=demo.path)

    result = file_sync(file=file)

    file.refresh_from_db()
    assert_matches_expected(file, demo.expected)
    model = FACT_MODELS[file.data_domain]
    assert model.objects.filter(source_file=file).count() == result.rows_ingested
    assert result.rows_written == result.rows_ingested


@pytest.mark.parametrize("reread", [False, True], ids=["unchanged-file-not-read", "read-again"])
def test_resync_adds_no_rows_and_updates_a_changed_value(reread, inbox, templates):
    (demo,) = demo_exports_write(out_dir=inbox, rows=ROWS, seed=SEED, only=["amazon_orders_tsv"])
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()
    file_sync(file=file)
    before = OrderLine.objects.count()

    again = file_sync(file=CatalogFile.objects.get(), reread=reread)

    assert OrderLine.objects.count() == before
    assert (again.rows_written, again.rows_unchanged) == (0, before)

    path = inbox / demo.path
    lines = path.read_bytes().split(b"\r\n") if b"\r\n" in path.read_bytes() else path.read_bytes().split(b"\n")
    target = OrderLine.objects.order_by("source_row").first()
    row = lines[target.source_row - 1].split(b"\t")
    quantity_column = lines[0].split(b"\t").index(b"quantity")
    row[quantity_column] = str(target.quantity + 40).encode()
    lines[target.source_row - 1] = b"\t".join(row)
    path.write_bytes((b"\r\n" if b"\r\n" in path.read_bytes() else b"\n").join(lines))
    catalog_scan(inbox=inbox)

    changed = file_sync(file=CatalogFile.objects.get())

    assert changed.rows_written == 1
    assert OrderLine.objects.count() == before
    target.refresh_from_db()
    assert target.quantity == int(row[quantity_column])


def test_daily_and_weekly_files_for_the_same_shop_never_collide(inbox, templates):
    (demo,) = demo_exports_write(out_dir=inbox, rows=40, seed=SEED, only=["shopee_orders_gb18030_csv"])
    daily = inbox / demo.path
    weekly = inbox / demo.path.replace("/daily/", "/weekly/")
    weekly.parent.mkdir(parents=True)
    # The same rows plus a blank line: other content (not a duplicate), the same keys.
    weekly.write_bytes(daily.read_bytes() + b"\r\n")
    catalog_scan(inbox=inbox)

    for file in CatalogFile.objects.all():
        file_sync(file=file)

    counts = Counter(OrderLine.objects.values_list("granularity", flat=True))
    assert counts == {"daily": demo.expected["ingested"], "weekly": demo.expected["ingested"]}


def test_every_row_traces_back_to_its_cell(inbox, templates):
    (demo,) = demo_exports_write(out_dir=inbox, rows=40, seed=SEED, only=["tiktok_orders_bom_csv"])
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()
    file_sync(file=file)
    lines = (inbox / demo.path).read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")

    for line in OrderLine.objects.filter(source_file=file)[:10]:
        cells = lines[line.source_row - 1].split(",")
        assert cells[header.index("Order ID")] == line.order_id


def synced_once(inbox, key="amazon_orders_tsv") -> CatalogFile:
    demo_exports_write(out_dir=inbox, rows=40, seed=SEED, only=[key])
    catalog_scan(inbox=inbox)
    file_sync(file=CatalogFile.objects.get())
    return CatalogFile.objects.get()


def reads_counted(monkeypatch) -> list:
    opened = []
    monkeypatch.setattr(engine, "open_source", lambda *args, **kwargs: opened.append(args) or open_source(*args, **kwargs))
    return opened


def test_an_unchanged_file_is_not_read_again_and_keeps_its_last_counts(inbox, templates, monkeypatch):
    file = synced_once(inbox)
    opened = reads_counted(monkeypatch)

    again = file_sync(file=file)

    assert opened == []
    assert (again.status, again.rows_read, again.rows_ingested) == (file.status, file.rows_read, file.rows_ingested)
    assert (again.rows_written, again.rows_unchanged) == (0, file.rows_ingested)


def test_a_changed_template_or_a_row_another_file_took_over_makes_the_file_read_again(inbox, templates, monkeypatch):
    file = synced_once(inbox)
    opened = reads_counted(monkeypatch)
    file.template.save()  # an edit: its updated_at moves

    file_sync(file=CatalogFile.objects.get())
    assert len(opened) == 1

    other = CatalogFile.objects.create(path="other.csv", file_name="other.csv", sha256="0" * 64, size_bytes=1)
    taken = OrderLine.objects.first()
    # As another file's sync writes it: its values, its hash, its lineage.
    OrderLine.objects.filter(pk=taken.pk).update(source_file=other, quantity=taken.quantity + 1, row_hash=0)

    again = file_sync(file=CatalogFile.objects.get(pk=file.pk))

    assert len(opened) == 2
    assert again.rows_written == 1
    taken.refresh_from_db()
    assert taken.source_file_id == file.pk
