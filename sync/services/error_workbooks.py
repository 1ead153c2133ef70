"""Error workbooks (issue 17): a file's or a task's quarantined rows as an xlsx to fix in Excel, and the
fixed workbook uploaded back as a correction of each file it holds (sync.ingest.corrections).

Each file gets a sheet: the source row, the columns as the source had them, the reasons; the cells the
reasons name are highlighted. A hidden sheet names, per sheet, the file its rows came from, signed, so an
upload is taken as a correction of exactly that file and of no other."""

import io
import re
from pathlib import Path

import python_calamine
import xlsxwriter
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from erp.errors import ApplicationError
from sync.ingest.corrections import HELPER_HEADERS, REASONS_HEADER, SOURCE_ROW_HEADER
from sync.ingest.fingerprint import file_sha256
from sync.models import CatalogFile, FileStatus, QuarantinedRow
from sync.services.uploads import upload_check, write_new

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOURCE_SHEET = "_source"
CORRECTIONS_FOLDER = "corrections"
_SIGNING_SALT = "sync.error-workbook"
_SHEET_NAME_CHARS = 31  # Excel's limit
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_SOURCE_COLUMNS = ("sheet", "file_id", "path", "sha256", "platform_code", "shop_id", "data_domain", "granularity",
                   "period_start", "period_end", "signature")


class NoQuarantinedRows(ApplicationError):
    code = "no_quarantined_rows"
    http_status = 404
    error_type = "NotFoundError"
    recovery_suggestion = _lazy("Only files with quarantined rows have an error workbook.")


class CorrectionRejected(ApplicationError):
    code = "correction_rejected"
    recovery_suggestion = _lazy("Upload the error workbook as downloaded, with only the cells fixed; download it "
                                "again if its file was synced again since.")


def error_workbook(*, files: list[CatalogFile]) -> bytes:
    """The xlsx of the quarantined rows of `files` and of their corrections (a sheet per file that has
    any): the rows still to fix, wherever the last correction left them."""
    held = [file for file in _with_corrections(files) if file.quarantined_rows.open().exists()]
    if not held:
        raise NoQuarantinedRows(_("No quarantined rows in file(s) %(ids)s.") % {
            "ids": ", ".join(str(f.pk) for f in files[:20])})
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    formats = _formats(workbook)
    names = [_sheet_name(file) for file in held]
    for file, name in zip(held, names, strict=True):
        _rows_sheet(workbook.add_worksheet(name), file, formats)
    _source_sheet(workbook.add_worksheet(SOURCE_SHEET), held, names)
    workbook.close()
    return buffer.getvalue()


def _with_corrections(files: list[CatalogFile]) -> list[CatalogFile]:
    found, level = list(files), list(files)
    while level:
        level = list(CatalogFile.objects.filter(correction_of__in=level).order_by("pk"))
        found += level
    return found


def _formats(workbook) -> dict:
    return {
        "header": workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "num_format": "@"}),
        "text": workbook.add_format({"num_format": "@"}),
        "bad": workbook.add_format({"num_format": "@", "bg_color": "#FFC7CE", "font_color": "#9C0006"}),
        "reasons": workbook.add_format({"num_format": "@", "font_color": "#9C0006", "text_wrap": False}),
    }


def _sheet_name(file: CatalogFile) -> str:
    """Unique: the file's id comes first."""
    return _NOT_IN_SHEET_NAMES.sub("_", f"{file.pk} {Path(file.file_name).stem}")[:_SHEET_NAME_CHARS].strip()


def _rows_sheet(sheet, file: CatalogFile, formats: dict):
    rows = list(file.quarantined_rows.open().order_by("source_row", "pk").values_list("source_row", "raw", "reasons"))
    columns = _source_columns(file, [raw for _, raw, _ in rows])
    field_columns = (file.last_result or {}).get("field_columns") or {}
    headers = [SOURCE_ROW_HEADER, *columns, REASONS_HEADER]
    sheet.write_row(0, 0, headers, formats["header"])
    for line, (source_row, raw, reasons) in enumerate(rows, start=1):
        bad = {field_columns.get(reason.split(": ", 1)[0]) for reason in reasons}
        origin = raw.get(SOURCE_ROW_HEADER) if file.correction_of_id else str(source_row)
        sheet.write_string(line, 0, str(origin or ""), formats["text"])
        for index, column in enumerate(columns, start=1):
            value = raw.get(column)
            cell = formats["bad"] if column in bad else formats["text"]
            if value is None:
                sheet.write_blank(line, index, None, cell)
            else:
                sheet.write_string(line, index, str(value), cell)
        sheet.write_string(line, len(headers) - 1, "; ".join(reasons), formats["reasons"])
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, len(rows), len(headers) - 1)
    sheet.set_column(0, len(headers) - 2, 16)
    sheet.set_column(len(headers) - 1, len(headers) - 1, 60)


def _source_columns(file: CatalogFile, raws: list[dict]) -> list[str]:
    """The columns in the source's order (its last sync's result), else as the rows name them."""
    columns = list((file.last_result or {}).get("columns") or [])
    for raw in raws:  # columns the result does not list (a file synced before it listed them)
        columns += [name for name in raw if name not in columns]
    return [name for name in columns if name not in HELPER_HEADERS]


def _source_sheet(sheet, files: list[CatalogFile], names: list[str]):
    sheet.write_row(0, 0, _SOURCE_COLUMNS)
    for line, (file, name) in enumerate(zip(files, names, strict=True), start=1):
        signature = signing.dumps({"sheet": name, "file_id": file.pk, "sha256": file.sha256}, salt=_SIGNING_SALT)
        values = [name, str(file.pk), file.path, file.sha256, file.platform_code, file.shop_id, file.data_domain,
                  file.granularity, str(file.period_start or ""), str(file.period_end or ""), signature]
        sheet.write_row(line, 0, values)
    sheet.hide()


def corrections_catalog(*, upload: UploadedFile) -> list[CatalogFile]:
    """Store an error workbook uploaded back and catalog it as a correction of each file it holds rows of
    (one catalog entry per sheet, each reading its own sheet), with that file's place. They are pending:
    the caller submits their sync."""
    name = upload_check(name=upload.name, size=upload.size)
    if Path(name).suffix.lower() != ".xlsx":
        raise CorrectionRejected(_("%(name)s: an error workbook is an .xlsx file.") % {"name": name})
    content = b"".join(upload.chunks())
    entries = _signed_entries(content, name)
    inbox = Path(settings.ERP_INBOX_DIR).resolve()
    written: list[Path] = []
    try:
        with transaction.atomic():
            corrections = [_correction_catalog(inbox, content, sheet, corrected, written)
                           for sheet, corrected in entries]
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return corrections


def _signed_entries(content: bytes, name: str) -> list[tuple[str, CatalogFile]]:
    """(sheet, the file it corrects) for each sheet the hidden sheet names with a valid signature."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        try:
            rows = workbook.get_sheet_by_name(SOURCE_SHEET).to_python()
        finally:
            workbook.close()
    except python_calamine.CalamineError:  # not a workbook, or no hidden sheet: refused below
        rows = []
    if not rows or list(rows[0][:len(_SOURCE_COLUMNS)]) != list(_SOURCE_COLUMNS):
        raise CorrectionRejected(_("%(name)s is not an error workbook of this service (its hidden sheet %(sheet)s "
                                   "is missing or changed).") % {"name": name, "sheet": SOURCE_SHEET})
    entries = []
    for cells in rows[1:]:
        try:
            signed = signing.loads(str(cells[_SOURCE_COLUMNS.index("signature")]), salt=_SIGNING_SALT)
        except (signing.BadSignature, IndexError):
            raise CorrectionRejected(_("%(name)s: the hidden sheet %(sheet)s was changed; its signature does not "
                                       "match.") % {"name": name, "sheet": SOURCE_SHEET}) from None
        corrected = CatalogFile.objects.filter(pk=signed["file_id"]).first()
        if corrected is None:
            raise CorrectionRejected(_("%(name)s corrects file %(id)s, which no longer exists.") % {
                "name": name, "id": signed["file_id"]})
        if corrected.sha256 != signed["sha256"]:
            raise CorrectionRejected(_("File %(id)d changed since this error workbook was downloaded: its rows "
                                       "may have moved.") % {"id": corrected.pk})
        entries.append((signed["sheet"], corrected))
    if not entries:
        raise CorrectionRejected(_("%(name)s names no sheet of quarantined rows.") % {"name": name})
    return entries


def _correction_catalog(inbox: Path, content: bytes, sheet: str, corrected: CatalogFile,
                        written: list[Path]) -> CatalogFile:
    folder = (inbox / corrected.path).parent / CORRECTIONS_FOLDER
    if not folder.resolve().is_relative_to(inbox):
        raise CorrectionRejected(_("%(folder)s leads outside the inbox.") % {"folder": folder})
    folder.mkdir(parents=True, exist_ok=True)
    target = write_new(folder, f"{Path(corrected.file_name).stem} correction.xlsx", [content])
    written.append(target)
    stat = target.stat()
    return CatalogFile.objects.create(
        path=target.relative_to(inbox).as_posix(), file_name=target.name, sha256=file_sha256(target),
        size_bytes=stat.st_size, mtime_ns=stat.st_mtime_ns, platform_code=corrected.platform_code,
        shop_id=corrected.shop_id, data_domain=corrected.data_domain, granularity=corrected.granularity,
        period_start=corrected.period_start, period_end=corrected.period_end, status=FileStatus.PENDING,
        number_locale=corrected.number_locale,
        sheet_name=sheet, correction_of=corrected)


def task_files_with_quarantine(file_ids: list[int]) -> list[CatalogFile]:
    """A task's files that hold quarantined rows, in the task's order."""
    held = set(QuarantinedRow.objects.filter(file_id__in=file_ids).open().values_list("file_id", flat=True).distinct())
    files = CatalogFile.objects.in_bulk([i for i in file_ids if i in held])
    return [files[i] for i in file_ids if i in files]


def error_workbook_name(files: list[CatalogFile], *, task_id: str = "") -> str:
    """The download's file name: the task or the first file, and when."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    what = f"task {task_id[:8]}" if task_id else Path(files[0].file_name).stem
    return f"{what} errors {stamp}.xlsx"
