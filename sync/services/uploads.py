"""Files uploaded through the API: stored in the inbox under its layout, then catalogued like a scanned
file (README, "Inbox layout"), so a later inbox scan finds them unchanged."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from erp.errors import ApplicationError
from sync.models import CatalogFile
from sync.services.catalog import SUPPORTED_SUFFIXES, ScanReport, catalog_record_file

# A shop id becomes one folder name: no separators, and no leading dot (so never "." or "..").
SHOP_ID_PATTERN = re.compile(r"^[\w][\w.\-]{0,99}$")
MAX_NAME_CHARS = 200
# "name (2).csv", "name (3).csv", ... are tried when the name is taken; an upload never overwrites.
MAX_NAME_ATTEMPTS = 1000
_CHUNK = 1024 * 1024


class UploadRejected(ApplicationError):
    code = "upload_rejected"


@dataclass
class UploadResult:
    file: CatalogFile
    duplicate_of: CatalogFile | None


def upload_name(raw: str) -> str:
    """The file name to store: its last path component only (either separator, as browsers on
    Windows send full paths), printable characters only."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    if not name or name in {".", ".."}:
        raise UploadRejected("the file has no usable name")
    if name.startswith((".", "~$")):
        raise UploadRejected(f"{name}: names starting with '.' or '~$' are ignored by the inbox scan")
    if len(name) > MAX_NAME_CHARS:
        raise UploadRejected(f"the file name is longer than {MAX_NAME_CHARS} characters")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UploadRejected(f"{name}: unsupported file type; one of {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    return name


def upload_check(*, name: str, size: int) -> str:
    """Refusals that need no reading: the name (returned cleaned), an empty file, a file too large."""
    cleaned = upload_name(name)
    if size <= 0:
        raise UploadRejected(f"{cleaned} is empty")
    if size > settings.ERP_MAX_FILE_BYTES:
        raise UploadRejected(f"{cleaned} has {size} bytes; the limit is {settings.ERP_MAX_FILE_BYTES}")
    return cleaned


def catalog_upload(*, upload: UploadedFile, platform_code: str, shop_id: str, data_domain: str, granularity: str,
                   period: tuple[date, date] | None = None, number_locale: str = "") -> UploadResult:
    """Store the upload at <inbox>/<platform>/<shop_id>/<domain>/<granularity>/<name> (a free name if
    taken) and catalog it. Identical content already catalogued makes it a skipped duplicate."""
    name = upload_check(name=upload.name, size=upload.size)
    if not SHOP_ID_PATTERN.match(shop_id):
        raise UploadRejected(f"shop id {shop_id!r} cannot be a folder name")
    inbox = Path(settings.ERP_INBOX_DIR).resolve()
    folder = inbox / platform_code / shop_id / data_domain / granularity
    if not folder.resolve().is_relative_to(inbox):  # a symlinked folder inside the inbox pointing out
        raise UploadRejected(f"{folder.relative_to(inbox)} leads outside the inbox")
    folder.mkdir(parents=True, exist_ok=True)
    target = write_new(folder, name, upload.chunks(_CHUNK))
    try:
        with transaction.atomic():
            record = catalog_record_file(path=target, relative=target.relative_to(inbox).as_posix(), existing=None,
                                         report=ScanReport())
            # The uploader said what the file is: that beats guessing from the folder names.
            record.platform_code, record.shop_id = platform_code, shop_id
            record.data_domain, record.granularity = data_domain, granularity
            if period:
                record.period_start, record.period_end = period
            record.number_locale = number_locale
            record.save(update_fields=["platform_code", "shop_id", "data_domain", "granularity", "period_start",
                                       "period_end", "number_locale", "updated_at"])
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return UploadResult(file=record, duplicate_of=record.duplicate_of)


def write_new(folder: Path, name: str, chunks: Iterable[bytes]) -> Path:
    """`chunks` written to a new file of that name in `folder`, or "name (2)" and so on when it is taken."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
        target = folder / (name if attempt == 1 else f"{stem} ({attempt}){suffix}")
        try:
            # "x" creates or fails atomically, so two concurrent uploads of one name never share a file.
            with target.open("xb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            return target
        except FileExistsError:
            continue
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    raise UploadRejected(f"{name}: {MAX_NAME_ATTEMPTS} files of this name are already in {folder.name}")
