"""Opening an export safely: guards before reading, the sheet or the text encoding and delimiter,
and the rows below the header as batches of all-text polars frames (typed workbook cells marked)."""

import csv
import io
import itertools
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings

from sync.errors import FileRejected
from sync.ingest import guards
from sync.ingest.encodings import DECODE_CHUNK_BYTES, detect_encoding
from sync.ingest.headers import HEADER_SCAN_ROWS, HeaderMatch, detect_header
from sync.ingest.locales import text_encodings
from sync.ingest.workbooks import NumberColumns, choose_sheet

# Rows of a text file read, normalised and written at a time: bounds memory (a 1,000,000-row tsv peaked
# at 341 MB with 5,000, at 401 MB with 10,000, in the same time), big enough that per-batch costs vanish.
BATCH_ROWS = 5_000
# A workbook's sheet is loaded whole, so its batches only bound what is prepared at once: bigger ones
# spend less per batch (a 100,000-row workbook: 2.65 s with 10,000 rows a batch, 2.8-3.0 s with 5,000).
WORKBOOK_BATCH_ROWS = 2 * BATCH_ROWS
_SEPARATORS = ("\t", ",", ";")
_UTF8 = ("utf-8", "utf-8-sig")


@dataclass
class SourceTable:
    """The rows below the header of one export, read lazily in batches."""

    header: HeaderMatch
    encoding: str
    sheet_name: str = ""
    _batches: Iterator[pl.DataFrame] = field(repr=False, default=iter(()))
    _cleanup: list = field(repr=False, default_factory=list)

    def batches(self) -> Iterator[pl.DataFrame]:
        """Frames with columns c0..cN (all text); empty rows dropped, `_row` = 1-based source row."""
        return self._batches

    def close(self):
        """Remove the UTF-8 copy made of a csv in another encoding."""
        for path in self._cleanup:
            Path(path).unlink(missing_ok=True)
        self._cleanup.clear()


def resolve_inbox_path(relative: str) -> Path:
    """The file's absolute path, refusing anything that resolves outside the inbox."""
    inbox = Path(settings.ERP_INBOX_DIR).resolve()
    path = (inbox / relative).resolve()
    if not path.is_relative_to(inbox):
        raise FileRejected(f"path {relative!r} is outside the inbox {inbox}", code="outside_inbox")
    return path


def guard_file(path: Path) -> str:
    """Refuse before reading; returns the container kind: xlsx (any zip workbook), xls, or text."""
    return guards.guard_file(path).kind


def open_source(path: Path, *, mapping: dict, required: list[str], header_row: int | None,
                encodings: list[str] | None = None, locale: str | None = None,
                numbers: NumberColumns = NumberColumns(), sheet: str | None = None) -> SourceTable:
    """The export's header and rows. A text file's encodings are tried in order: the template's
    `encodings`, then those the file's `locale` names (locales.text_encodings). `numbers` says which of a
    workbook's columns need no typed load (workbooks.NumberColumns); `sheet`: read that sheet only."""
    guarded = guards.guard_file(path)
    if guarded.kind == "text":
        encoding = detect_encoding(path, template_encodings=encodings or [], locale_encodings=text_encodings(locale))
        return _open_text(path, encoding, mapping, required, header_row)
    guards.guard_sheet_memory(guarded.largest_sheet_bytes)
    return _open_workbook(path, mapping, required, header_row, numbers, sheet)


def _open_workbook(path, mapping, required, header_row, numbers, only: str | None) -> SourceTable:
    sheet = choose_sheet(path, mapping=mapping, required=required, header_row=header_row, numbers=numbers, only=only)
    frame = sheet.frame.slice(sheet.header.row_index + 1)
    frame = _with_row_numbers(frame, sheet.header.row_index + 2)
    return SourceTable(header=sheet.header, encoding="", sheet_name=sheet.name,
                       _batches=frame.iter_slices(WORKBOOK_BATCH_ROWS))


def _with_row_numbers(frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    """The rows numbered as the file numbers them, blank ones (every cell empty or whitespace) left out."""
    frame = frame.with_row_index("_row", offset=first_row)
    data = [c for c in frame.columns if c != "_row"]
    # Every cell is whitespace exactly when the row's cells joined are: one pass, not one per column.
    return frame.filter(pl.concat_str(pl.col(data), ignore_nulls=True).fill_null("").str.strip_chars() != "")


def _open_text(path, encoding, mapping, required, header_row) -> SourceTable:
    cleanup = []
    source = path
    if encoding not in _UTF8:
        source = _transcode_to_utf8(path, encoding)
        cleanup.append(source)
    try:
        separator = _separator(source)
        rows, lines_read = _head_records(source, separator)
        if not rows:
            raise FileRejected("file has no rows", code="empty")
        try:
            header = detect_header(rows, mapping, required, header_row)
        except FileRejected as exc:
            if encoding not in _UTF8:
                exc.message += f" (read as {encoding}: is that the file's encoding?)"
                exc.args = (exc.message,)
            raise
        width = len(rows[header.row_index])
        schema = {f"c{i}": pl.String for i in range(width)}
        # Records above the header (titles, summary tables) may have another width: their lines are skipped raw.
        skip = lines_read[header.row_index]
        if _lines_are_records(source):
            batches = _numbered(_line_batches(source, skip, separator, schema), header.row_index + 2)
        else:
            lazy = pl.scan_csv(
                source, has_header=False, skip_lines=skip, separator=separator,
                quote_char='"', schema=schema, truncate_ragged_lines=True,
                encoding="utf8", infer_schema=False, missing_columns="insert",
            )
            batches = _numbered(lazy.collect_batches(chunk_size=BATCH_ROWS), header.row_index + 2)
    except BaseException:
        for temp in cleanup:
            Path(temp).unlink(missing_ok=True)
        raise
    return SourceTable(header=header, encoding=encoding, _batches=batches, _cleanup=cleanup)


def _numbered(batches: Iterator[pl.DataFrame], first_row: int) -> Iterator[pl.DataFrame]:
    offset = first_row
    try:
        for batch in batches:
            numbered = _with_row_numbers(batch, offset)
            offset += batch.height
            yield numbered
    except pl.exceptions.ComputeError as exc:
        raise FileRejected(f"csv cannot be parsed: {exc}", code="corrupt") from exc


def _lines_are_records(path: Path) -> bool:
    """No quote and no bare carriage return anywhere: every line is one record, so the file can be read
    a batch of lines at a time. (polars' own batched scan reads the whole file ahead into memory: a
    1,000,000-row export peaked at about 600 MB.)"""
    with path.open("rb") as handle:
        while chunk := handle.read(DECODE_CHUNK_BYTES):
            if b'"' in chunk or chunk.count(b"\r") != chunk.count(b"\r\n"):
                return False
    return True


def _line_batches(path: Path, skip: int, separator: str, schema: dict) -> Iterator[pl.DataFrame]:
    """BATCH_ROWS lines at a time, parsed as the whole-file scan parses them."""
    with path.open("rb") as handle:
        for _ in itertools.islice(handle, skip):
            pass
        while lines := list(itertools.islice(handle, BATCH_ROWS)):
            yield pl.read_csv(io.BytesIO(b"".join(lines)), has_header=False, separator=separator, quote_char=None,
                              schema=schema, truncate_ragged_lines=True, missing_columns="insert", encoding="utf8")


def _separator(path: Path) -> str:
    """The delimiter the head uses most: tab (tsv, Excel's "Unicode text"), comma or semicolon."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(64 * 1024)
    return max(_SEPARATORS, key=sample.count)


def _head_records(path: Path, separator: str) -> tuple[list[list[str]], list[int]]:
    """The first records (RFC 4180: a quoted cell keeps its delimiters, newlines and doubled quotes),
    and after each, the physical lines read so far."""
    rows, lines_read = [], []
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=separator, quotechar='"', strict=False)
        try:
            for row in reader:
                rows.append(row)
                lines_read.append(reader.line_num)
                if len(rows) == HEADER_SCAN_ROWS:
                    break
        except csv.Error as exc:
            raise FileRejected(f"csv cannot be parsed: {exc}", code="corrupt") from exc
    return rows, lines_read


def _transcode_to_utf8(path: Path, encoding: str) -> Path:
    tmp_dir = Path(settings.VAR_DIR) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with path.open("r", encoding=encoding, newline="") as source, tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", dir=tmp_dir, suffix=".csv", delete=False
    ) as target:
        while chunk := source.read(DECODE_CHUNK_BYTES):
            target.write(chunk)
    return Path(target.name)
