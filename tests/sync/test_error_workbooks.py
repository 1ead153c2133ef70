"""Error workbooks (issue 17): quarantined rows downloaded as xlsx, fixed as a person would in Excel, and
uploaded back as a correction that syncs only those rows with the corrected file's place."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sync.ingest.corrections import REASONS_HEADER, SOURCE_ROW_HEADER
from sync.ingest.engine import file_sync
from sync.models import FACT_MODELS, CatalogFile, FileStatus, QuarantinedRow
from sync.services.error_workbooks import SOURCE_SHEET, CorrectionRejected, corrections_catalog, error_workbook
from tests.sync.helpers import demo_copies_catalogued

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced_with_quarantine(inbox, templates, tmp_path) -> CatalogFile:
    (file_id,) = demo_copies_catalogued(inbox, tmp_path, key="shopee_orders_xlsx", seeds=[3], rows=60,
                                        placed=lambda path, seed: path)
    file = CatalogFile.objects.get(pk=file_id)
    file_sync(file=file)
    file.refresh_from_db()
    assert file.rows_quarantined >= 3, file.last_result
    return file


def opened(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def _probe(synced_with_quarantine):
    file = synced_with_quarantine
    book = opened(error_workbook(files=[file]))
    print(book.sheetnames, [s.sheet_state for s in book.worksheets])
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        print(row)
    print(file.last_result["quarantine_reasons"], file.last_result["field_columns"])

def fixed(content: bytes, fixes: dict[tuple[str, str], object]) -> bytes:
    """The workbook with cells changed as a person would in Excel: {(source row, column header): value}."""
    book = opened(content)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for (source_row, column), value in fixes.items():
        line = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == source_row)
        line[headers.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def uploaded(content: bytes, name="fixed.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def quarantined_rows(file) -> dict[int, list[str]]:
    """The file's rows still to fix."""
    return dict(QuarantinedRow.objects.filter(file=file).open().values_list("source_row", "reasons"))


def test_two_fixed_cells_ingest_exactly_those_rows_and_the_rest_stay_quarantined(synced_with_quarantine):
    source = synced_with_quarantine
    model = FACT_MODELS[source.data_domain]
    before = quarantined_rows(source)
    by_reason = {next(iter(r)).split(":")[0]: row for row, r in before.items()}
    negative, missing_id = by_reason["quantity"], by_reason["order_id"]
    content = fixed(error_workbook(files=[source]), {(str(negative), "Quantity"): 2,
                                                     (str(missing_id), "Order ID"): "241101FIXED0001"})
    (correction,) = corrections_catalog(upload=uploaded(content))
    assert (correction.platform_code, correction.shop_id, correction.data_domain, correction.granularity,
            correction.period_start, correction.period_end) == (
        source.platform_code, source.shop_id, source.data_domain, source.granularity, source.period_start,
        source.period_end)
    facts_before = model.objects.count()

    result = file_sync(file=correction)

    correction.refresh_from_db()
    source.refresh_from_db()
    assert result.status == FileStatus.PARTIAL, result.error
    assert (correction.rows_read, correction.rows_ingested, correction.rows_quarantined, correction.rows_skipped) == (
        len(before), 2, len(before) - 2, 0)
    ingested = model.objects.filter(source_file=correction)
    assert model.objects.count() == facts_before + 2
    assert sorted(ingested.values_list("quantity", flat=True)) != []
    assert {r.order_id for r in ingested} >= {"241101FIXED0001"}
    still = QuarantinedRow.objects.filter(file=correction)
    assert {q.raw[SOURCE_ROW_HEADER] for q in still} == {str(r) for r in before} - {str(negative), str(missing_id)}
    # the corrected file: every row it had quarantined is now the correction's, and its accounting holds
    assert quarantined_rows(source) == {}
    assert set(QuarantinedRow.objects.filter(file=source).values_list("corrected_by", flat=True)) == {correction.pk}
    assert (source.rows_quarantined, source.rows_corrected) == (0, len(before))
    assert source.rows_read == source.rows_ingested + source.rows_quarantined + source.rows_skipped + source.rows_corrected
    assert source.last_result["rows_corrected"] == len(before)
    assert correction.last_result["correction"] == {"file_id": source.pk, "rows_handed_over": len(before),
                                                  "sha256": source.sha256}


def test_fixed_rows_read_as_the_corrected_file_read_them(synced_with_quarantine):
    """Its dates day first as the Malaysian export wrote them; its amounts as RM amounts."""
    source = synced_with_quarantine
    model = FACT_MODELS[source.data_domain]
    rows = {next(iter(r)).split(":")[0]: row for row, r in quarantined_rows(source).items()}
    content = fixed(error_workbook(files=[source]), {(str(rows["quantity"]), "Quantity"): "2"})
    (correction,) = corrections_catalog(upload=uploaded(content))
    file_sync(file=correction)

    (line,) = model.objects.filter(source_file=correction)
    book = opened(content).worksheets[0]
    headers = [c.value for c in book[1]]
    cells = next(dict(zip(headers, (c.value for c in r))) for r in book.iter_rows(min_row=2) if r[0].value == str(rows["quantity"]))
    day, month, year = cells["Order Creation Date"].split(" ")[0].split("/")
    assert (line.business_date.day, line.business_date.month, line.business_date.year) == (int(day), int(month), int(year))
    assert line.quantity == 2
    assert str(line.unit_price.normalize()) == cells["Original Price"].replace("RM", "").replace(",", "")


def test_the_workbook_highlights_the_cells_the_reasons_name_and_hides_its_source(synced_with_quarantine):
    book = opened(error_workbook(files=[synced_with_quarantine]))
    rows, source = book.worksheets
    assert source.title == SOURCE_SHEET and source.sheet_state == "hidden"
    assert [c.value for c in source[2]][:4] == [f"{synced_with_quarantine.pk} Order.all.20241101_20241101", str(synced_with_quarantine.pk),
                                                synced_with_quarantine.path, synced_with_quarantine.sha256]
    headers = [c.value for c in rows[1]]
    assert headers[0] == SOURCE_ROW_HEADER and headers[-1] == REASONS_HEADER
    for line in rows.iter_rows(min_row=2):
        reasons = line[-1].value
        red = {headers[i] for i, cell in enumerate(line) if cell.fill.fgColor.rgb == "FFFFC7CE"}
        named = {synced_with_quarantine.last_result["field_columns"][r.split(":")[0]] for r in reasons.split("; ")}
        assert red == named, reasons


def test_rows_still_wrong_can_be_corrected_again_from_the_corrected_files_workbook(synced_with_quarantine):
    source = synced_with_quarantine
    first = quarantined_rows(source)
    (correction,) = corrections_catalog(upload=uploaded(error_workbook(files=[source])))
    file_sync(file=correction)  # nothing fixed: every row quarantined again, now the correction's
    assert correction.rows_quarantined == len(first) and correction.rows_ingested == 0

    again = opened(error_workbook(files=[source]))
    assert again.sheetnames[0].startswith(f"{correction.pk} ")
    rows = {next(iter(r)).split(":")[0]: row for row, r in first.items()}
    content = fixed(error_workbook(files=[source]), {(str(rows["quantity"]), "Quantity"): 5})
    (second,) = corrections_catalog(upload=uploaded(content))
    file_sync(file=second)

    correction.refresh_from_db()
    assert (second.rows_ingested, second.rows_quarantined) == (1, len(first) - 1)
    assert (correction.rows_quarantined, correction.rows_corrected) == (0, len(first))
    assert FACT_MODELS[source.data_domain].objects.get(source_file=second).quantity == 5


@pytest.mark.parametrize("tamper", ["signature", "no_source_sheet", "source_changed", "csv"])
def test_an_upload_that_is_not_the_workbook_as_downloaded_is_refused(synced_with_quarantine, inbox, tamper):
    source = synced_with_quarantine
    content, name = error_workbook(files=[source]), "fixed.xlsx"
    if tamper in ("signature", "no_source_sheet"):
        book = opened(content)
        if tamper == "signature":
            book[SOURCE_SHEET]["B2"] = "999"
            book[SOURCE_SHEET]["K2"] = book[SOURCE_SHEET]["K2"].value.replace(":", ";", 1)
        else:
            del book[SOURCE_SHEET]
        out = io.BytesIO()
        book.save(out)
        content = out.getvalue()
    elif tamper == "source_changed":
        CatalogFile.objects.filter(pk=source.pk).update(sha256="0" * 64)
    else:
        name = "fixed.csv"
    with pytest.raises((CorrectionRejected,)) as refused:
        corrections_catalog(upload=uploaded(content, name))
    assert refused.value.message
    assert not CatalogFile.objects.filter(correction_of=source).exists()
    assert not list((inbox / source.path).parent.glob("corrections/*"))


def corrected_once(source) -> tuple[CatalogFile, dict]:
    first = quarantined_rows(source)
    rows = {next(iter(r)).split(":")[0]: row for row, r in first.items()}
    content = fixed(error_workbook(files=[source]), {(str(rows["quantity"]), "Quantity"): 4})
    (correction,) = corrections_catalog(upload=uploaded(content))
    file_sync(file=correction)
    source.refresh_from_db()
    return correction, first


def test_a_resync_of_the_same_bytes_keeps_what_its_corrections_took_over(synced_with_quarantine):
    source = synced_with_quarantine
    correction, first = corrected_once(source)

    file_sync(file=source, reread=True)

    source.refresh_from_db()
    assert quarantined_rows(source) == {} and (source.rows_quarantined, source.rows_corrected) == (0, len(first))
    assert source.rows_read == source.rows_ingested + source.rows_skipped + source.rows_corrected
    assert set(QuarantinedRow.objects.filter(file=source).values_list("corrected_by", flat=True)) == {correction.pk}


def test_rolling_back_a_correction_gives_its_rows_back(synced_with_quarantine):
    from sync.services.rollback import file_rollback

    source = synced_with_quarantine
    correction, first = corrected_once(source)

    file_rollback(file_id=correction.pk)

    source.refresh_from_db()
    assert quarantined_rows(source) == first
    assert (source.rows_quarantined, source.rows_corrected, source.status) == (len(first), 0, FileStatus.PARTIAL)
    assert not FACT_MODELS[source.data_domain].objects.filter(source_file=correction).exists()
    assert not QuarantinedRow.objects.filter(file=correction).exists()
