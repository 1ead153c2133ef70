"""The file catalog: walking the inbox, fingerprinting files and reading their metadata off the path.

Convention (README, "Inbox layout"): <inbox>/<platform>/<shop_id>/<domain>/<granularity>/<name>, where
the name carries the period as YYYYMMDD_YYYYMMDD (or YYYY-MM-DD, one date for a single day).
Any level may be missing; what the path does not say is left empty.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

from sync.errors import FileRejected
from sync.ingest.fingerprint import file_sha256
from sync.ingest.guards import guard_size
from sync.models import CatalogFile, DataDomain, FileStatus, Granularity, Platform

SUPPORTED_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv", ".tsv", ".txt"}
DOMAIN_WORDS = {
    "orders": DataDomain.ORDERS, "order": DataDomain.ORDERS,
    "products": DataDomain.PRODUCTS, "product": DataDomain.PRODUCTS,
    "productperformance": DataDomain.PRODUCTS,
    "traffic": DataDomain.TRAFFIC,
    "inventory": DataDomain.INVENTORY, "stock": DataDomain.INVENTORY,
}
_DATE = r"(\d{4})-?(\d{2})-?(\d{2})"
_PERIOD = re.compile(rf"(?<!\d){_DATE}(?:\s*(?:_|-|~|to)\s*{_DATE})?(?!\d)")


@dataclass
class PathMetadata:
    platform_code: str = ""
    shop_id: str = ""
    data_domain: str = ""
    granularity: str = ""
    period_start: date | None = None
    period_end: date | None = None


@dataclass
class ScanReport:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    duplicates: list[str] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.new)} new, {len(self.changed)} changed, {self.unchanged} unchanged, "
                f"{len(self.duplicates)} duplicate, {len(self.unrecognised)} without platform/domain")


def infer_metadata(relative: Path) -> PathMetadata:
    meta = PathMetadata()
    parts = [p.lower() for p in relative.parts[:-1]]
    platforms = set(Platform.values)
    for index, part in enumerate(parts):
        if part in platforms and not meta.platform_code:
            meta.platform_code = part
            if index + 1 < len(parts):
                meta.shop_id = relative.parts[index + 1]
        elif part in DOMAIN_WORDS and not meta.data_domain:
            meta.data_domain = DOMAIN_WORDS[part]
        elif part in Granularity.values and not meta.granularity:
            meta.granularity = part
    meta.period_start, meta.period_end = parse_period(relative.name)
    if not meta.granularity and meta.period_start:
        meta.granularity = _granularity_of(meta.period_start, meta.period_end)
    return meta


def parse_period(name: str) -> tuple[date | None, date | None]:
    match = _PERIOD.search(name)
    if not match:
        return None, None
    try:
        start = date(int(match[1]), int(match[2]), int(match[3]))
        end = date(int(match[4]), int(match[5]), int(match[6])) if match[4] else start
    except ValueError:
        return None, None
    return start, end


def _granularity_of(start: date, end: date) -> str:
    days = (end - start).days + 1
    if days == 1:
        return Granularity.DAILY
    if days == 7:
        return Granularity.WEEKLY
    if 28 <= days <= 31:
        return Granularity.MONTHLY
    return ""


def catalog_scan(*, inbox: Path) -> ScanReport:
    """Record every supported file under the inbox. A file whose size and mtime are unchanged is not
    read again; changed content becomes pending; content already catalogued under another name is
    recorded as a duplicate and skipped."""
    report = ScanReport()
    inbox = inbox.resolve()
    known = {f.path: f for f in CatalogFile.objects.all()}
    for path in sorted(inbox.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in SUPPORTED_SUFFIXES or path.name.startswith(("~$", ".")):
            continue
        relative = path.relative_to(inbox).as_posix()
        stat = path.stat()
        existing = known.get(relative)
        if existing and existing.size_bytes == stat.st_size and existing.mtime_ns == stat.st_mtime_ns:
            report.unchanged += 1
            continue
        catalog_record_file(path=path, relative=relative, existing=existing, report=report)
    return report


@transaction.atomic
def catalog_record_file(*, path: Path, relative: str, existing: CatalogFile | None, report: ScanReport) -> CatalogFile:
    stat = path.stat()
    refusal = _size_refusal(stat.st_size)
    # An over-size file is recorded as failed without being read at all, not even hashed.
    sha256 = "" if refusal else file_sha256(path)
    if not refusal and existing and existing.sha256 == sha256:
        existing.mtime_ns = stat.st_mtime_ns
        existing.save(update_fields=["mtime_ns", "updated_at"])
        report.unchanged += 1
        return existing
    meta = infer_metadata(Path(relative))
    record = existing or CatalogFile(path=relative)
    record.file_name = path.name
    record.sha256 = sha256
    record.size_bytes = stat.st_size
    record.mtime_ns = stat.st_mtime_ns
    record.__dict__.update(meta.__dict__)
    original = None if refusal else (CatalogFile.objects.filter(sha256=sha256, duplicate_of__isnull=True)
                                     .exclude(path=relative).order_by("id").first())
    record.duplicate_of = original
    if refusal:
        record.status, record.last_error = FileStatus.FAILED, refusal
    else:
        record.status = FileStatus.SKIPPED if original else FileStatus.PENDING
        record.last_error = f"duplicate of {original.path} (same content)" if original else ""
    record.save()
    if original:
        report.duplicates.append(relative)
    elif existing:
        report.changed.append(relative)
    else:
        report.new.append(relative)
    if not (meta.platform_code and meta.data_domain):
        report.unrecognised.append(relative)
    return record


def _size_refusal(size: int) -> str:
    try:
        guard_size(size)
    except FileRejected as exc:
        return exc.message
    return ""
