"""The reading corpus (tests/sync/data/reading/README.md): each hand-made file read or synced to the
exact values its README names."""

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import override_settings

from sync.errors import FileRejected
from sync.ingest.engine import file_preview, file_sync
from sync.models import CatalogFile, FileStatus, OrderLine
from sync.services.catalog import catalog_scan
from sync.services.templates import template_resolve
from tests.sync.guard_files import inbox_path
from tests.sync.test_reading import read_all

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).parent / "data" / "reading"


def test_a_hidden_sheet_first_is_passed_over_for_the_visible_one():
    rows, source = read_all(CORPUS / "hidden_lookup_first.xlsx")

    assert source.sheet_name == "Orders"
    assert [(r[0], r[2]) for r in rows] == [("V1", "Handuk mandi"), ("V2", "Bantal")]


def test_typed_cells_are_their_values_and_float_noise_rounds_to_the_second(inbox, templates):
    shutil.copy(CORPUS / "typed_cells_float_noise.xlsx", inbox_path(inbox, "typed_20241101.xlsx"))
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()
    file.number_locale = "id_ID"
    file.save()

    result = file_sync(file=file)

    assert result.status == FileStatus.INGESTED, result.error
    lines = {line.order_id: line for line in OrderLine.objects.all()}
    local = lines["N1"].ordered_at.astimezone(ZoneInfo(settings.ERP_DEFAULT_SHOP_TIMEZONE)).replace(tzinfo=None)
    assert local == dt.datetime(2024, 11, 1, 14, 0, 0)
    assert (lines["N1"].deal_price, lines["N2"].deal_price) == (Decimal("12.345"), Decimal("12345"))
    assert (lines["N1"].quantity, lines["N2"].quantity) == (1, 2)


def test_a_cp932_flat_file_whose_bytes_cp1252_also_decodes_reads_as_japanese():
    rows, source = read_all(CORPUS / "amazon_jp_flat_cp932.txt", locale="ja_JP")

    assert source.encoding == "cp932"
    assert [r[2] for r in rows] == ["タオル", "バスタオル", "フェイスタオル ①", "ハンドタオル～白"]


def test_excel_unicode_text_keeps_quoted_tabs_newlines_and_quotes():
    rows, source = read_all(CORPUS / "unicode_text_utf16.txt")

    assert source.encoding == "utf-16"
    assert rows == [("Q1", "1", "tab\there"), ("Q2", "2", "two\r\nlines"), ("Q3", "3", 'say "hi"'),
                    ("Q4", "4", "plain")]


@override_settings(ERP_MAX_UNCOMPRESSED_BYTES=1024 * 1024)
def test_a_zip_whose_declared_sizes_lie_is_refused_by_what_it_inflates_to():
    with pytest.raises(FileRejected) as refused:
        read_all(CORPUS / "declared_sizes_lie.xlsx")

    assert refused.value.code == "zip_bomb"


def test_a_preview_reads_as_the_sync_does_and_shows_cells_as_excel_does(inbox, templates):
    shutil.copy(CORPUS / "typed_cells_float_noise.xlsx", inbox_path(inbox, "preview_20241101.xlsx"))
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()

    header, rows = file_preview(file=file, template=template_resolve(file=file), header_row=None, rows=1)

    assert header.field_columns["deal_price"] == 4
    assert rows == [("N1", "2024-11-01T14:00:00", "SKU-1", "1", "12.345")]
