"""Refusing a file before it is read: size, emptiness, container by its bytes, encryption, and a zip
whose members inflate beyond the limits, counted while inflating (a zip's declared sizes are the
attacker's to write)."""

import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from sync.errors import FileRejected

_SNIFF_BYTES = 64 * 1024
_INFLATE_CHUNK = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# An encrypted (password-protected) xlsx is a CFB container holding a stream of this name.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_WORKSHEETS = "xl/worksheets/"


@dataclass(frozen=True)
class Guarded:
    kind: str  # xlsx (any zip workbook), xls, or text
    largest_sheet_bytes: int = 0  # the biggest worksheet XML of a zip workbook, inflated


def guard_file(path: Path) -> Guarded:
    if not path.is_file():
        raise FileRejected(f"file not found: {path.name}", code="not_found")
    size = path.stat().st_size
    guard_size(size)
    if size == 0:
        raise FileRejected("file is empty", code="empty")
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(_ZIP_MAGIC):
        return Guarded("xlsx", _guard_zip(path, size))
    if head.startswith(_CFB_MAGIC):
        if _ENCRYPTED_STREAM in path.read_bytes():
            raise FileRejected("workbook is password-protected: export it again without a password", code="encrypted")
        return Guarded("xls")
    if head.lstrip()[:6].lower() in (b"<html>", b"<table", b"<!doct"):
        raise FileRejected("file is an HTML table saved with a spreadsheet name; re-export as xlsx or csv",
                           code="html_table")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".ods"):
        raise FileRejected(f"{path.suffix} file is not a zip workbook: truncated or corrupt", code="corrupt")
    return Guarded("text")


def guard_size(size: int):
    if size > settings.ERP_MAX_FILE_BYTES:
        raise FileRejected(
            f"file is {size} bytes, over the limit of {settings.ERP_MAX_FILE_BYTES} (ERP_MAX_FILE_BYTES)",
            code="too_large",
        )


def _guard_zip(path: Path, size: int) -> int:
    """Inflates every member, stopping at the first byte over a limit; returns the biggest worksheet's size."""
    limit = min(settings.ERP_MAX_UNCOMPRESSED_BYTES, settings.ERP_MAX_COMPRESSION_RATIO * max(size, 1))
    inflated, largest_sheet = 0, 0
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                member_bytes = _inflate(archive, member, limit - inflated)
                if member_bytes is None:
                    raise _zip_bomb(size)
                inflated += member_bytes
                if member.filename.startswith(_WORKSHEETS):
                    largest_sheet = max(largest_sheet, member_bytes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise FileRejected(f"workbook is truncated or corrupt: {exc}", code="corrupt") from exc
    return largest_sheet


def _inflate(archive: zipfile.ZipFile, member: zipfile.ZipInfo, allowance: int) -> int | None:
    """The member's real inflated size, or None once it passes `allowance` bytes."""
    counted = 0
    # zipfile ends the stream at the declared size (and then fails its CRC): the declared size is raised
    # past the allowance, so the inflated bytes themselves are counted.
    member.file_size = max(member.file_size, allowance + _INFLATE_CHUNK + 1)
    with archive.open(member) as stream:
        while chunk := stream.read(_INFLATE_CHUNK):
            counted += len(chunk)
            if counted > allowance:
                return None
    return counted


def _zip_bomb(size: int) -> FileRejected:
    return FileRejected(
        f"workbook inflates beyond the limits ({settings.ERP_MAX_UNCOMPRESSED_BYTES} bytes, "
        f"{settings.ERP_MAX_COMPRESSION_RATIO}x its {size} bytes); refused as a possible zip bomb "
        f"(ERP_MAX_UNCOMPRESSED_BYTES, ERP_MAX_COMPRESSION_RATIO)",
        code="zip_bomb",
    )


def guard_sheet_memory(largest_sheet_bytes: int):
    """A sheet's XML is a fair measure of what loading it takes: refuse before loading."""
    if largest_sheet_bytes > settings.ERP_WORKBOOK_MEMORY_BYTES:
        raise FileRejected(
            f"a sheet inflates to {largest_sheet_bytes} bytes of XML, over the workbook memory limit of "
            f"{settings.ERP_WORKBOOK_MEMORY_BYTES} (ERP_WORKBOOK_MEMORY_BYTES)", code="too_large")
