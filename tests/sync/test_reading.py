"""Reading an export never gives a wrong value: the right sheet, Excel's cell types, the right text
encoding, RFC 4180 quoting, and guards that do not trust the file."""

import datetime as dt
import zipfile

import polars as pl
import pytest
import xlsxwriter
from django.conf import settings
from django.test import override_settings

from sync.errors import FileRejected
from sync.ingest import reading, workbooks
from sync.ingest.cells import DATE_MARK, NUMBER_MARK
from sync.ingest.engine import file_sync
from sync.ingest.reading import open_source
from sync.models import CatalogFile, FileStatus, OrderLine
from sync.services import catalog
from sync.services.catalog import catalog_scan
from tests.sync.guard_files import HEADER, inbox_path

pytestmark = pytest.mark.django_db
MAPPING = {"order_id": ["Order ID"], "quantity": ["Quantity"], "product_name": ["Product Name"]}
NAMED_HEADER = ["Order ID", "Quantity", "Product Name"]


def read_all(path, **options) -> tuple[list[tuple], object]:
    source = open_source(path, mapping=MAPPING, required=[], header_row=None, **options)
    try:
        rows = [row for batch in source.batches() for row in batch.drop("_row").rows()]
    finally:
        source.close()
    return rows, source


def workbook(path, sheets: list[tuple[str, str, list[list]]]):
    """sheets: (name, visibility, rows); visibility is visible, hidden or veryhidden."""
    book = xlsxwriter.Workbook(str(path))
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    written = []
    for name, visibility, rows in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, stamp)
                elif value is not None:
                    sheet.write(r, c, value)
        written.append((sheet, visibility))
    # xlsxwriter keeps the active sheet visible: activate a visible one before hiding the others.
    next(sheet for sheet, visibility in written if visibility == "visible").activate()
    for sheet, visibility in written:
        if visibility == "hidden":
            sheet.hide()
        elif visibility == "veryhidden":
            sheet.very_hidden()
    book.close()


# --- Workbooks: the sheet -----------------------------------------------------------------------


def test_a_hidden_first_sheet_is_passed_over_for_the_visible_one_and_its_name_recorded(inbox, templates):
    path = inbox_path(inbox, "hidden_first_20241101.xlsx")
    workbook(path, [
        ("lookup", "hidden", [HEADER, ["HIDDEN-1", "2024-11-01 10:00", "SKU-H", "9", "1"]]),
        ("orders", "visible", [HEADER, ["V1", "2024-11-01 10:00", "SKU-V", "2", "3"]]),
    ])
    catalog_scan(inbox=inbox)

    result = file_sync(file=CatalogFile.objects.get())

    assert result.status == FileStatus.INGESTED
    assert list(OrderLine.objects.values_list("order_id", flat=True)) == ["V1"]
    assert result.sheet_name == "orders" and result.as_dict()["sheet_name"] == "orders"
    assert CatalogFile.objects.get().sheet_name == "orders"


@pytest.mark.parametrize("visibility", ["hidden", "veryhidden"])
def test_a_hidden_sheet_is_read_when_no_visible_sheet_has_the_header(visibility, inbox, templates):
    path = inbox_path(inbox, f"only_{visibility}_20241101.xlsx")
    workbook(path, [
        ("cover", "visible", [["Shopee Order Report"], ["nothing else here"]]),
        ("data", visibility, [HEADER, ["H1", "2024-11-01 10:00", "SKU-1", "4", "5"]]),
    ])
    catalog_scan(inbox=inbox)

    result = file_sync(file=CatalogFile.objects.get())

    assert (result.status, result.sheet_name) == (FileStatus.INGESTED, "data")
    assert OrderLine.objects.get().order_id == "H1"


def test_no_sheet_with_the_header_names_each_sheet_and_why(tmp_path):
    path = tmp_path / "none.xlsx"
    workbook(path, [("a", "visible", [["x", "y"]]), ("b", "hidden", [["p", "q"]])])

    with pytest.raises(FileRejected) as refused:
        read_all(path)

    assert refused.value.code == "no_header"
    assert "sheet 'a'" in refused.value.message and "sheet 'b'" in refused.value.message


# --- Workbooks: typed cells ---------------------------------------------------------------------


def test_typed_cells_are_marked_and_text_cells_stay_text_in_a_mixed_column(tmp_path):
    path = tmp_path / "mixed.xlsx"
    workbook(path, [("s", "visible", [
        NAMED_HEADER,
        ["A1", 12.345, "12.345"],
        ["A2", "0.00", 3],
        ["A3", 1234.5678, dt.datetime(2024, 11, 1, 13, 59, 59, 997000)],
        ["A4", True, 1e20],
    ])])

    rows, source = read_all(path)

    assert rows == [
        ("A1", f"{NUMBER_MARK}12.345", "12.345"),
        ("A2", "0.00", f"{NUMBER_MARK}3"),
        ("A3", f"{NUMBER_MARK}1234.5678", f"{DATE_MARK}2024-11-01T14:00:00"),
        ("A4", "TRUE", f"{NUMBER_MARK}100000000000000000000"),
    ]
    assert source.sheet_name == "s" and source.encoding == ""


def test_time_of_day_and_duration_cells_are_no_dates(tmp_path):
    path = tmp_path / "times.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("s")
    sheet.write_row(0, 0, NAMED_HEADER)
    sheet.write_row(1, 0, ["T1", 1])
    sheet.write_datetime(1, 2, dt.time(13, 5, 9), book.add_format({"num_format": "hh:mm:ss"}))
    sheet.write_row(2, 0, ["T2", 2])
    sheet.write_datetime(2, 2, dt.timedelta(hours=30, minutes=1), book.add_format({"num_format": "[h]:mm"}))
    book.close()

    rows, _ = read_all(path)

    assert [row[2] for row in rows] == ["13:05:09", "30:01:00"]


# --- Text: encodings ------------------------------------------------------------------------------

TOWEL = "タオル"


def japanese_rows() -> list[list[str]]:
    names = [TOWEL, "バスタオル", "フェイスタオル", "ハンドタオル", "タオルケット", "今治タオル 白", "綿 タオル 青"]
    return [NAMED_HEADER] + [[f"J{i}", str(i + 1), name] for i, name in enumerate(names * 4)]


def tsv(rows: list[list[str]]) -> str:
    return "".join("\t".join(row) + "\r\n" for row in rows)


def test_cp932_bytes_that_are_also_valid_cp1252_read_as_japanese_with_a_japanese_locale(tmp_path):
    path = tmp_path / "amazon_jp.txt"
    path.write_bytes(tsv(japanese_rows()).encode("cp932"))
    assert TOWEL.encode("cp932").decode("cp1252") == "ƒ^ƒIƒ‹"  # the trap: cp1252 decodes it without error

    rows, source = read_all(path, locale="ja_JP")

    assert source.encoding == "cp932"
    assert rows[0] == ("J0", "1", TOWEL)


def test_cp932_bytes_read_as_japanese_without_any_locale(tmp_path):
    path = tmp_path / "amazon_jp.txt"
    path.write_bytes(tsv(japanese_rows()).encode("cp932"))

    rows, source = read_all(path, encodings=["cp1252"])

    assert source.encoding == "cp932"
    assert [row[2] for row in rows[:2]] == [TOWEL, "バスタオル"]


def test_a_synced_cp932_file_records_its_encoding_on_the_file(inbox, templates):
    path = inbox_path(inbox, "amazon_style_20241101.csv")
    rows = [HEADER] + [[f"C{i}", "2024-11-01 10:00", f"{TOWEL}-{i}", "1", "2"] for i in range(5)]
    path.write_bytes("".join(",".join(row) + "\r\n" for row in rows).encode("cp932"))
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()
    file.number_locale = "ja_JP"
    file.save()

    result = file_sync(file=file)

    assert (result.status, result.encoding) == (FileStatus.INGESTED, "cp932")
    assert CatalogFile.objects.get().encoding == "cp932"
    assert OrderLine.objects.get(order_id="C0").sku == f"{TOWEL}-0"


def test_cp932_extensions_such_as_circled_digits_decode(tmp_path):
    path = tmp_path / "nec.txt"
    path.write_bytes(tsv([NAMED_HEADER, ["N1", "1", "タオル①～②"]]).encode("cp932"))

    rows, source = read_all(path, locale="ja_JP")

    assert (source.encoding, rows) == ("cp932", [("N1", "1", "タオル①～②")])


@pytest.mark.parametrize(("locale", "encoding", "name"), [
    ("zh_TW", "cp950", "毛巾 浴巾 純棉"), ("zh_CN", "gb18030", "毛巾 浴巾 纯棉"),
    ("th_TH", "cp874", "ผ้าขนหนู สีขาว"), ("vi_VN", "cp1258", "Khăn tă\u0301m màu trăng"),  # cp1258 writes tones as combining marks
])
def test_a_legacy_encoding_the_locale_names_reads_exactly(locale, encoding, name, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("".join(",".join(r) + "\n" for r in [NAMED_HEADER, ["L1", "1", name]]).encode(encoding))

    rows, source = read_all(path, locale=locale)

    assert (source.encoding, rows) == (encoding, [("L1", "1", name)])


def test_an_undecodable_file_names_every_encoding_tried_and_why(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(",".join(NAMED_HEADER).encode() + b"\nB1,1,\x81\x00\xff\x81\n")

    with pytest.raises(FileRejected) as refused:
        read_all(path, encodings=["cp932"])

    assert refused.value.code == "encoding"
    message = refused.value.message
    assert "utf-8: invalid byte 0x81" in message and "cp932: invalid byte" in message
    assert "control character" in message  # charset-normalizer's guess, a code page that decodes any byte


def test_valid_utf8_that_is_mojibake_is_refused_not_read(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_bytes((",".join(NAMED_HEADER) + "\nM1,1,CrÃ¨me brÃ»lÃ©e\n").encode())

    with pytest.raises(FileRejected) as refused:
        read_all(path, encodings=["cp1252"])

    assert refused.value.code == "encoding" and "mojibake" in refused.value.message


# --- Guards ---------------------------------------------------------------------------------------


def lying_zip(path, member_bytes: int):
    """A workbook-shaped zip whose local headers and central directory declare 100-byte members."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * member_bytes)
    data = bytearray(path.read_bytes())
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + size_offset:start + size_offset + 4] = (100).to_bytes(4, "little")
            start += 4
    path.write_bytes(bytes(data))


def test_a_zip_whose_declared_sizes_lie_is_refused_as_a_zip_bomb(tmp_path):
    path = tmp_path / "liar.xlsx"
    lying_zip(path, 8 * 1024 * 1024)
    assert {m.file_size for m in zipfile.ZipFile(path).infolist()} == {100}

    with pytest.raises(FileRejected) as refused:
        read_all(path)

    assert refused.value.code == "zip_bomb"


@override_settings(ERP_WORKBOOK_MEMORY_BYTES=10_000)
def test_a_sheet_over_the_memory_budget_is_refused_naming_the_setting(tmp_path):
    path = tmp_path / "big.xlsx"
    workbook(path, [("s", "visible", [NAMED_HEADER] + [[f"R{i}", i, "x" * 20] for i in range(2000)])])

    with pytest.raises(FileRejected) as refused:
        read_all(path)

    assert refused.value.code == "too_large" and "ERP_WORKBOOK_MEMORY_BYTES" in refused.value.message


@override_settings(ERP_MAX_FILE_BYTES=1_000)
def test_an_oversize_file_is_refused_by_the_scan_before_it_is_hashed(inbox, monkeypatch):
    hashed = []
    monkeypatch.setattr(catalog, "file_sha256", lambda path: hashed.append(path.name) or "0" * 64)
    inbox_path(inbox, "huge_20241101.csv").write_bytes(b"x" * 1_001)
    inbox_path(inbox, "small_20241101.csv").write_bytes(b"x" * 10)

    catalog_scan(inbox=inbox)

    huge = CatalogFile.objects.get(file_name="huge_20241101.csv")
    assert (huge.status, huge.sha256) == (FileStatus.FAILED, "")
    assert "ERP_MAX_FILE_BYTES" in huge.last_error
    assert hashed == ["small_20241101.csv"]


def test_the_typed_load_is_made_only_for_mapped_columns_that_may_hold_numbers(tmp_path, monkeypatch):
    loads = []
    real_load = workbooks._load
    monkeypatch.setattr(workbooks, "_load", lambda reader, index, dtype, columns=None: loads.append(
        (dtype, columns)) or real_load(reader, index, dtype, columns))
    texts, numbers = tmp_path / "texts.xlsx", tmp_path / "numbers.xlsx"
    workbook(texts, [("s", "visible", [NAMED_HEADER + ["Note"], ["A1", "Rp 12.345", "Handuk", 7]])])
    workbook(numbers, [("s", "visible", [NAMED_HEADER + ["Note"], ["A1", 2, "Handuk", 7]])])

    text_rows, _ = read_all(texts)
    number_rows, _ = read_all(numbers)

    assert loads == [("string", None), ("string", None), ("boolean", [1])]
    assert text_rows == [("A1", "Rp 12.345", "Handuk", "7")]
    assert number_rows == [("A1", f"{NUMBER_MARK}2", "Handuk", "7")]


def test_a_file_without_quotes_is_read_a_batch_of_lines_at_a_time_as_the_whole_file_scan_reads_it(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_ROWS", 2)
    path = tmp_path / "report.txt"
    path.write_bytes("title\r\na\tb\tc\r\n1\t2\t3\r\n4\t5\r\n\r\n6\t7\t8\t9\r\nx\ty\tz".encode())
    schema = {f"c{i}": pl.String for i in range(3)}

    lines = pl.concat(list(reading._line_batches(path, 2, "\t", schema)))
    scanned = pl.scan_csv(path, has_header=False, skip_lines=2, separator="\t", schema=schema,
                          truncate_ragged_lines=True, infer_schema=False, missing_columns="insert").collect()

    assert reading._lines_are_records(path)
    assert lines.to_dicts() == scanned.to_dicts()
    path.write_bytes(b'a\tb\n"1\n2"\t3\n')
    assert not reading._lines_are_records(path)
