"""Behaviour of one file's sync that the generated demo files do not pin down."""

import pytest

from sync.ingest import reading
from sync.ingest.engine import file_sync
from sync.ingest.rows import SKIP_DUPLICATE
from sync.ingest.unmapped import unmapped_cells_of
from sync.models import CatalogFile, FileStatus, OrderLine
from sync.services.catalog import catalog_scan
from sync.services.templates import template_resolve
from tests.sync.guard_files import HEADER, inbox_path

pytestmark = pytest.mark.django_db


def write_csv(inbox, name: str, rows: list[list[str]]):
    inbox_path(inbox, name).write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    catalog_scan(inbox=inbox)
    return CatalogFile.objects.get(file_name=name)


@pytest.mark.parametrize("batch_rows", [1, 100_000], ids=["across-batches", "one-batch"])
def test_a_key_repeated_in_a_file_keeps_its_last_row(batch_rows, inbox, templates, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_ROWS", batch_rows)
    file = write_csv(inbox, "dup_20241101.csv", [
        ["K1", "2024-11-01 10:00", "SKU-1", "1", "1.00"],
        ["K2", "2024-11-01 10:00", "SKU-1", "2", "1.00"],
        ["K1", "2024-11-01 10:00", "SKU-1", "5", "1.00"],
    ])

    result = file_sync(file=file)

    assert (result.rows_read, result.rows_ingested, result.rows_skipped) == (3, 2, 1)
    assert result.skipped_reasons == {SKIP_DUPLICATE: 1}
    kept = OrderLine.objects.get(order_id="K1")
    assert (kept.quantity, kept.source_row) == (5, 4)


def test_result_names_missing_template_fields_and_unmapped_columns(inbox, templates):
    path = inbox_path(inbox, "drift_20241101.csv")
    path.write_text("Order ID,Order Creation Date,SKU Reference No.,Quantity,Brand New Column\n"
                    "D1,2024-11-01 10:00,S1,1,hello\n", encoding="utf-8")
    catalog_scan(inbox=inbox)

    result = file_sync(file=CatalogFile.objects.get())

    assert result.status == FileStatus.INGESTED
    assert result.unmapped_columns == ["Brand New Column"]
    assert "deal_price" in result.missing_template_fields
    row = OrderLine.objects.get()
    assert row.extra == {}
    assert unmapped_cells_of(row) == {"Brand New Column": "hello"}


UNMAPPED_HEADER = "Order ID,Order Creation Date,SKU Reference No.,Quantity,Note,Warehouse\n"


def test_unmapped_cells_follow_each_row_across_batches_and_a_template_keeps_the_ones_it_lists(
        inbox, templates, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_ROWS", 2)
    path = inbox_path(inbox, "notes_20241101.csv")
    path.write_text(UNMAPPED_HEADER + "".join(f"N{i},2024-11-01 10:00,S{i},1,note {i},WH{i % 2}\n" for i in range(5)),
                    encoding="utf-8")
    catalog_scan(inbox=inbox)
    template = template_resolve(file=CatalogFile.objects.get())
    template.options = {**template.options, "keep_in_extra": ["Warehouse"]}
    template.save()

    file_sync(file=CatalogFile.objects.get())

    for row in OrderLine.objects.all():
        i = int(row.order_id[1:])
        assert row.extra == {"Warehouse": f"WH{i % 2}"}
        assert unmapped_cells_of(row) == {"Note": f"note {i}"}


def test_a_changed_unmapped_cell_alone_rewrites_the_row_and_its_cells(inbox, templates):
    path = inbox_path(inbox, "notes_20241101.csv")
    path.write_text(UNMAPPED_HEADER + "N1,2024-11-01 10:00,S1,1,first,WH1\n", encoding="utf-8")
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()
    file_sync(file=file)
    path.write_text(UNMAPPED_HEADER + "N1,2024-11-01 10:00,S1,1,second,WH1\n", encoding="utf-8")

    again = file_sync(file=file)

    assert (again.rows_written, again.rows_unchanged) == (1, 0)
    row = OrderLine.objects.get()
    assert unmapped_cells_of(row) == {"Note": "second", "Warehouse": "WH1"}


def test_all_rows_invalid_fails_the_file_but_keeps_the_reasons(inbox, templates):
    file = write_csv(inbox, "bad_20241101.csv", [["B1", "not a date", "S", "1", "1"]])

    result = file_sync(file=file)

    assert result.status == FileStatus.FAILED
    assert "all 1 data rows failed validation" in result.error
    assert file.quarantined_rows.get().reasons == [
        "business_date: not a date: 'not a date'", "ordered_at: not a date: 'not a date'"]


def test_the_utf8_copy_of_a_gb18030_file_is_removed(inbox, templates, settings):
    from sync.demo.exports import demo_exports_write

    (demo,) = demo_exports_write(out_dir=inbox, rows=20, seed=2, only=["shopee_orders_gb18030_csv"])
    catalog_scan(inbox=inbox)

    result = file_sync(file=CatalogFile.objects.get())

    assert result.encoding == "gb18030" and result.rows_ingested == demo.expected["ingested"]
    assert list((settings.VAR_DIR / "tmp").iterdir()) == []


def test_a_column_whose_later_rows_overturn_the_reading_of_its_first_fails_the_file_whole(
        inbox, templates, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_ROWS", 2)
    file = write_csv(inbox, "turn_20241101.csv", [
        ["T1", "2024-11-01 10:00", "SKU-1", "1", '"1,234.50"'],  # the first batch: ',' groups
        ["T2", "2024-11-01 10:00", "SKU-1", "1", '"1,234"'],  # read as 1234 by that evidence
        ["T3", "2024-11-01 10:00", "SKU-1", "1", "7"],  # a batch with no evidence changes nothing
        ["T4", "2024-11-01 10:00", "SKU-1", "1", '"1.234,50"'],  # a later batch: '.' groups
    ])

    result = file_sync(file=file)

    assert result.status == FileStatus.FAILED
    assert "column deal_price: its values change how they are written within the file" in result.error
    assert not OrderLine.objects.exists()


def test_the_result_says_how_each_mapped_column_was_read_and_why_values_were_quarantined(inbox, templates):
    file = write_csv(inbox, "said_20241101.csv", [
        ["S1", "2024-11-01 10:00", "SKU-1", "1", '"1,234.50"'],  # ',' groups: the column's evidence
        ["S2", "2024-11-01 10:00", "SKU-2", "1", "abc"],
        ["S3", "2024-11-01 10:00", "SKU-3", "1", "def"],
    ])

    result = file_sync(file=file)

    assert result.status == FileStatus.PARTIAL
    price = result.decisions["deal_price"]
    assert (price["column"], price["decimal_mark"], price["group_mark"]) == ("Deal Price", ".", ",")
    assert price["quarantined"] == {"not a number": 2}
    assert result.decisions["order_id"] == {"column": "Order ID", "type": "text", "quarantined": {}}
    assert "date_order" in result.decisions["ordered_at"]
    file.refresh_from_db()
    assert file.last_result["decisions"] == result.decisions


def test_a_rows_unmapped_cells_are_found_after_a_resync_moved_it_and_never_another_rows(inbox, templates):
    path = inbox_path(inbox, "notes_20241101.csv")
    path.write_text(UNMAPPED_HEADER + "N1,2024-11-01 10:00,S1,1,one,WH1\nN2,2024-11-01 10:00,S2,1,two,WH2\n",
                    encoding="utf-8")
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()
    file_sync(file=file)
    # The next export of the same day: N1 unchanged but now below a new row, N2 gone.
    path.write_text(UNMAPPED_HEADER + "N3,2024-11-01 10:00,S3,1,three,WH3\nN1,2024-11-01 10:00,S1,1,one,WH1\n",
                    encoding="utf-8")

    again = file_sync(file=file, reread=True)

    assert again.rows_written == 1  # N3; N1 unchanged keeps the row it was written from
    assert unmapped_cells_of(OrderLine.objects.get(order_id="N1")) == {"Note": "one", "Warehouse": "WH1"}
    assert unmapped_cells_of(OrderLine.objects.get(order_id="N3")) == {"Note": "three", "Warehouse": "WH3"}
    assert unmapped_cells_of(OrderLine.objects.get(order_id="N2")) == {}
