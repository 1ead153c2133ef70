"""Error workbooks uploaded back (issue 17): what the engine reads differently in a correction, and how
the corrected file's quarantined rows are handed over when the correction's sync commits.

An error workbook (sync.services.error_workbooks) holds a file's quarantined rows as the source had them,
plus two helper columns: the row of the original file each came from, and the reasons. A correction is
catalogued with the corrected file's place (platform, shop, domain, granularity, period) and synced as
any file, with these differences: the helper columns are not data, its header is found by content (the
template's header row is the original export's), it reads its own sheet only, and its dates are read in
the orders the corrected file's were. In its transaction, every row it read leaves the corrected file's
quarantine: fixed rows are now fact rows of the correction, rows still wrong are the correction's own
quarantine with their new reasons; the corrected file counts them as corrected."""

import python_calamine
from django.db.models import F

from sync.errors import FileRejected
from sync.ingest.headers import HeaderMatch
from sync.models import CatalogFile, FileStatus, QuarantinedRow

# Bilingual and fixed: the engine recognises them whatever language the workbook was downloaded in.
SOURCE_ROW_HEADER = "源行号 Source row"
REASONS_HEADER = "错误原因 Reasons"
HELPER_HEADERS = (SOURCE_ROW_HEADER, REASONS_HEADER)


def correction_header(header: HeaderMatch) -> HeaderMatch:
    return header.without(HELPER_HEADERS)


def inherited_orders(corrected: CatalogFile) -> dict[str, tuple[str | None, str | None]]:
    """The date orders the corrected file's last sync read each date column in."""
    decisions = (corrected.last_result or {}).get("decisions") or {}
    return {name: (d.get("date_order") or None, d.get("date_order_with_am_pm") or None)
            for name, d in decisions.items() if "date_order" in d}


def origin_rows(path, *, sheet: str, header_row: int) -> list[int]:
    """The original rows a correction's sheet names in its source-row column (`header_row` 1-based)."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        try:
            rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        finally:
            workbook.close()
    except python_calamine.CalamineError as exc:
        raise FileRejected(f"workbook cannot be read (truncated or corrupt?): {exc}", code="corrupt") from exc
    header = [str(cell).strip() for cell in rows[header_row - 1]] if len(rows) >= header_row else []
    if SOURCE_ROW_HEADER not in header:
        raise FileRejected(f"the correction has no {SOURCE_ROW_HEADER!r} column: it is not an error workbook "
                           "as downloaded", code="not_a_correction")
    column = header.index(SOURCE_ROW_HEADER)
    return sorted({row for cells in rows[header_row:] if column < len(cells)
                   and (row := _row_number(cells[column])) is not None})


def _row_number(cell) -> int | None:
    try:
        number = float(str(cell).strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() and number > 0 else None


def corrected_rows_hand_over(*, correction: CatalogFile, rows: list[int]) -> int:
    """Inside the correction's sync transaction: the corrected file's quarantined rows that the correction
    read leave its quarantine and count as corrected. Returns how many."""
    corrected = CatalogFile.objects.select_for_update().get(pk=correction.correction_of_id)
    quarantined = QuarantinedRow.objects.filter(file=corrected)
    if corrected.correction_of_id:  # a correction's rows are known by the original row they carry
        handed, _ = quarantined.filter(**{f"raw__{SOURCE_ROW_HEADER}__in": [str(r) for r in rows]}).delete()
    else:
        handed, _ = quarantined.filter(source_row__in=rows).delete()
    if handed:
        _counts_move(corrected, handed)
    return handed


def _counts_move(corrected: CatalogFile, handed: int):
    result = dict(corrected.last_result or {})
    result["rows_quarantined"] = corrected.rows_quarantined - handed
    result["rows_corrected"] = corrected.rows_corrected + handed
    status = corrected.status
    if result["rows_quarantined"] == 0 and status in (FileStatus.PARTIAL, FileStatus.FAILED):
        status, result["status"], result["error"] = FileStatus.INGESTED, FileStatus.INGESTED, ""
    CatalogFile.objects.filter(pk=corrected.pk).update(
        rows_quarantined=F("rows_quarantined") - handed, rows_corrected=F("rows_corrected") + handed,
        last_result=result, status=status, last_error=result.get("error", corrected.last_error))
