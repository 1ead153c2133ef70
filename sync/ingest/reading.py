"""Opening an export safely: guards before reading, container and encoding detection, and the
rows below the header as batches of all-text polars frames."""

import codecs
import csv
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl
from django.conf import settings

from sync.errors import FileRejected
from sync.ingest.headers import HEADER_SCAN_ROWS, HeaderMatch, detect_header

# Rows normalised and written at a time: bounds memory, and big enough that per-batch costs vanish.
BATCH_ROWS = 50_000
_SNIFF_BYTES = 64 * 1024
_DECODE_CHUNK = 8 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# An encrypted (password-protected) xlsx is a CFB container holding a stream of this name.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
DEFAULT_FALLBACK_ENCODINGS = ["gb18030"]


@dataclass
class SourceTable:
    """The rows below the header of one export, read lazily in batches."""

    header: HeaderMatch
    encoding: str
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
    if not path.is_file():
        raise FileRejected(f"file not found: {path.name}", code="not_found")
    size = path.stat().st_size
    if size > settings.ERP_MAX_FILE_BYTES:
        raise FileRejected(
            f"file is {size} bytes, over the limit of {settings.ERP_MAX_FILE_BYTES} (ERP_MAX_FILE_BYTES)",
            code="too_large",
        )
    if size == 0:
        raise FileRejected("file is empty", code="empty")
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(_ZIP_MAGIC):
        _guard_zip(path, size)
        return "xlsx"
    if head.startswith(_CFB_MAGIC):
        if _ENCRYPTED_STREAM in path.read_bytes():
            raise FileRejected("workbook is password-protected: export it again without a password", code="encrypted")
        return "xls"
    if head.lstrip()[:6].lower() in (b"<html>", b"<table", b"<!doct"):
        raise FileRejected("file is an HTML table saved with a spreadsheet name; re-export as xlsx or csv",
                           code="html_table")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".ods"):
        raise FileRejected(f"{path.suffix} file is not a zip workbook: truncated or corrupt", code="corrupt")
    return "text"


def _guard_zip(path: Path, size: int):
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise FileRejected(f"workbook is truncated or corrupt: {exc}", code="corrupt") from exc
    inflated = sum(m.file_size for m in members)
    limit = settings.ERP_MAX_UNCOMPRESSED_BYTES
    ratio = inflated / max(size, 1)
    if inflated > limit or ratio > settings.ERP_MAX_COMPRESSION_RATIO:
        raise FileRejected(
            f"workbook inflates to {inflated} bytes ({ratio:.0f}x its size); refused as a possible zip bomb "
            f"(limits: {limit} bytes, {settings.ERP_MAX_COMPRESSION_RATIO}x)",
            code="zip_bomb",
        )


def open_source(path: Path, *, mapping: dict, required: list[str], header_row: int | None,
                encodings: list[str] | None = None) -> SourceTable:
    container = guard_file(path)
    if container == "text":
        return _open_text(path, mapping, required, header_row, encodings or DEFAULT_FALLBACK_ENCODINGS)
    return _open_workbook(path, mapping, required, header_row)


def _open_workbook(path, mapping, required, header_row) -> SourceTable:
    try:
        reader = fastexcel.read_excel(path)
        # skip_rows=0 keeps leading empty rows, so frame index i is sheet row i + 1.
        frame = reader.load_sheet(0, header_row=None, skip_rows=0, dtypes="string").to_polars()
    except Exception as exc:  # fastexcel raises its own types for every kind of bad workbook
        raise FileRejected(f"workbook cannot be read (truncated or corrupt?): {exc}", code="corrupt") from exc
    if frame.height == 0:
        raise FileRejected("workbook's first sheet is empty", code="empty")
    head = frame.head(HEADER_SCAN_ROWS).rows()
    header = detect_header(head, mapping, required, header_row)
    frame = frame.slice(header.row_index + 1)
    frame.columns = [f"c{i}" for i in range(frame.width)]
    first = header.row_index + 2
    frame = _with_row_numbers(frame, first)
    return SourceTable(header=header, encoding="", _batches=frame.iter_slices(BATCH_ROWS))


def _with_row_numbers(frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    frame = frame.with_row_index("_row", offset=first_row)
    data = [c for c in frame.columns if c != "_row"]
    return frame.filter(~pl.all_horizontal(pl.col(data).str.strip_chars().fill_null("") == ""))


def _open_text(path, mapping, required, header_row, fallbacks) -> SourceTable:
    encoding = detect_encoding(path, fallbacks)
    cleanup = []
    source = path
    if encoding not in ("utf-8", "utf-8-sig"):
        source = _transcode_to_utf8(path, encoding)
        cleanup.append(source)
    try:
        lines, separator = _head_lines(source)
        rows = list(csv.reader(lines, delimiter=separator, quotechar=None if separator == "\t" else '"'))
        if not rows:
            raise FileRejected("file has no rows", code="empty")
        try:
            header = detect_header(rows, mapping, required, header_row)
        except FileRejected as exc:
            if encoding not in ("utf-8", "utf-8-sig"):
                exc.message += f" (read as {encoding}: is that the file's encoding?)"
                exc.args = (exc.message,)
            raise
        width = len(rows[header.row_index])
        schema = {f"c{i}": pl.String for i in range(width)}
        # Lines above the header (titles, summary tables) may have another width: skip them raw.
        lazy = pl.scan_csv(
            source, has_header=False, skip_lines=header.row_index + 1, separator=separator,
            quote_char=None if separator == "\t" else '"', schema=schema, truncate_ragged_lines=True,
            encoding="utf8", infer_schema=False, missing_columns="insert",
        )
        first = header.row_index + 2
        batches = _numbered_batches(lazy, first)
    except BaseException:
        for temp in cleanup:
            Path(temp).unlink(missing_ok=True)
        raise
    return SourceTable(header=header, encoding=encoding, _batches=batches, _cleanup=cleanup)


def _numbered_batches(lazy: pl.LazyFrame, first_row: int) -> Iterator[pl.DataFrame]:
    offset = first_row
    try:
        for batch in lazy.collect_batches(chunk_size=BATCH_ROWS):
            numbered = _with_row_numbers(batch, offset)
            offset += batch.height
            yield numbered
    except pl.exceptions.ComputeError as exc:
        raise FileRejected(f"csv cannot be parsed: {exc}", code="corrupt") from exc


def _head_lines(path: Path) -> tuple[list[str], str]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        lines = []
        for _ in range(HEADER_SCAN_ROWS):
            line = handle.readline()
            if not line:
                break
            lines.append(line)
    sample = "".join(lines)
    separator = max(("\t", ",", ";"), key=sample.count)
    return lines, separator


def detect_encoding(path: Path, fallbacks: list[str]) -> str:
    """A BOM decides; otherwise the first of UTF-8 and the template's encodings that decodes the
    whole file. Every candidate failing is a clear error, not garbled rows."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", *fallbacks]
    errors = []
    for encoding in candidates:
        problem = _decode_problem(path, encoding)
        if problem is None:
            return encoding
        errors.append(f"{encoding}: {problem}")
    raise FileRejected("cannot decode the file (" + "; ".join(errors) + ")", code="encoding")


def _decode_problem(path: Path, encoding: str) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_DECODE_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return f"invalid byte 0x{chunk[exc.start]:02x} at offset {offset + exc.start}"
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "file ends inside a character"
    return None


def _transcode_to_utf8(path: Path, encoding: str) -> Path:
    tmp_dir = Path(settings.VAR_DIR) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with path.open("r", encoding=encoding, newline="") as source, tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", dir=tmp_dir, suffix=".csv", delete=False
    ) as target:
        while chunk := source.read(_DECODE_CHUNK):
            target.write(chunk)
    return Path(target.name)

