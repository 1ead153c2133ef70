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
    """Inside the correction's sync transaction: the corrected file's open quarantined rows that the
    correction read are marked as its own and count as corrected there. Returns how many."""
    corrected = CatalogFile.objects.select_for_update().get(pk=correction.correction_of_id)
    quarantined = QuarantinedRow.objects.filter(file=corrected).open()
    if corrected.correction_of_id:  # a correction's rows are known by the original row they carry
        quarantined = quarantined.filter(**{f"raw__{SOURCE_ROW_HEADER}__in": [str(r) for r in rows]})
    else:
        quarantined = quarantined.filter(source_row__in=rows)
    handed = quarantined.update(corrected_by=correction)
    if handed:
        _counts_move(corrected, handed)
    return handed


def corrected_rows_give_back(*, correction: CatalogFile) -> int:
    """A correction rolled back: the rows it took over are the corrected file's to fix again."""
    corrected = CatalogFile.objects.select_for_update().get(pk=correction.correction_of_id)
    given = QuarantinedRow.objects.filter(file=corrected, corrected_by=correction).update(corrected_by=None)
    if given:
        _counts_move(corrected, -given)
    return given


def correction_marks(file: CatalogFile) -> dict[int, int]:
    """The source rows of `file` that corrections took over (source row -> correction), kept only while
    its bytes are those the corrections were made for: other bytes put other rows at those numbers."""
    corrections = {pk for pk, sha256 in CatalogFile.objects.filter(correction_of=file).values_list(
        "pk", "last_result__correction__sha256") if sha256 == file.sha256}
    if not corrections:
        return {}
    return dict(QuarantinedRow.objects.filter(file=file, corrected_by__in=corrections).values_list(
        "source_row", "corrected_by_id"))


def corrections_keep(*, file: CatalogFile, marks: dict[int, int]) -> int:
    """After a re-sync of a corrected file whose bytes are those its corrections corrected: the rows
    quarantined again at the same source rows stay taken over (`marks`: source row -> correction)."""
    by_correction: dict[int, list[int]] = {}
    for row, correction_id in marks.items():
        by_correction.setdefault(correction_id, []).append(row)
    return sum(QuarantinedRow.objects.filter(file=file, source_row__in=rows).update(corrected_by_id=correction_id)
               for correction_id, rows in by_correction.items())


def _counts_move(corrected: CatalogFile, handed: int):
    """`handed` rows (negative: given back) move between the file's quarantined and corrected counts."""
    result = dict(corrected.last_result or {})
    result["rows_quarantined"] = corrected.rows_quarantined - handed
    result["rows_corrected"] = corrected.rows_corrected + handed
    status = corrected.status
    if result["rows_quarantined"] == 0 and status in (FileStatus.PARTIAL, FileStatus.FAILED):
        status, result["status"], result["error"] = FileStatus.INGESTED, FileStatus.INGESTED, ""
    elif result["rows_quarantined"] and status == FileStatus.INGESTED:
        status = result["status"] = FileStatus.PARTIAL if result.get("rows_ingested") else FileStatus.FAILED
        if status == FileStatus.FAILED:
            result["error"] = f"all {result['rows_quarantined']} data rows failed validation (their correction was rolled back)"
    CatalogFile.objects.filter(pk=corrected.pk).update(
        rows_quarantined=F("rows_quarantined") - handed, rows_corrected=F("rows_corrected") + handed,
        last_result=result, status=status, last_error=result.get("error", corrected.last_error))
