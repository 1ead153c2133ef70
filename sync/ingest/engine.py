"""The sync of one file (DESIGN.md 5): template, guarded read, header, normalise, validate, quarantine,
upsert in one transaction, exact accounting (read = ingested + quarantined + skipped)."""

import itertools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sync.counters import file_sync_record
from erp.errors import TRANSIENT_ERRORS
from sync.errors import FileRejected
from sync.ingest.cells import plain_text
from sync.ingest.corrections import (corrected_rows_hand_over, correction_header, correction_marks, corrections_keep,
                                    inherited_orders, origin_rows)
from sync.ingest.drift import contract_refusal, header_drift
from sync.ingest.fingerprint import sync_fingerprint
from sync.ingest.headers import HeaderMatch
from sync.ingest.locales import file_locale, reads_number_cells_plainly
from sync.ingest.prefetch import prefetched
from sync.ingest.reading import SourceTable, open_source, resolve_inbox_path
from sync.ingest.rows import SKIP_DUPLICATE, PreparedBatch, RowPlan, number_fields, prepare_batch, prepare_files
from sync.ingest.unmapped import FILE
from sync.ingest.unmapped import unmapped_batch, unmapped_forget, unmapped_store
from sync.ingest.upsert import UpsertOutcome, WritesOverlap, fact_sink, insert_rows, place_of
from sync.ingest.workbooks import NumberColumns
from sync.models import (FACT_MODELS, CatalogFile, FieldTemplate, FileStatus, OnBadValue, PlatformAccount,
                         QuarantinedRow, SyncProgressTask, UnmappedCells)
from sync.services.drift import drift_record
from sync.services.templates import template_resolve

logger = logging.getLogger(__name__)
# Files this small are read and prepared together when several are due (files_read_ahead): a file of a
# few hundred rows paid polars' fixed cost per operation on its own (issue 16).
SMALL_FILE_BYTES = 256 * 1024
ProgressCallback = Callable[[int], None]  # called with the rows read so far


@dataclass(frozen=True)
class SyncOptions:
    only_with_template: bool = True
    allow_quarantine: bool = True
    use_template_header_row: bool = True

    @classmethod
    def of(cls, parameters: dict) -> "SyncOptions":
        """The options a task's parameters set (the rest as default)."""
        return cls(**{name: parameters[name] for name in cls.__dataclass_fields__ if name in parameters})


@dataclass
class SyncLookups:
    """The template and the shop's account, looked up once per (platform, domain, granularity) and once
    per shop for all the files of one task, not once per file (issue 16: a batch of small files paid for
    them every time). A template edited while a task runs applies from the next task. `ahead`: the files
    files_read_ahead prepared, each taken by its own sync."""

    templates: dict[tuple, FieldTemplate | None] = field(default_factory=dict)
    accounts: dict[tuple, PlatformAccount | None] = field(default_factory=dict)
    ahead: dict[int, "FileAhead"] = field(default_factory=dict)

    def template(self, file: CatalogFile) -> FieldTemplate | None:
        key = (file.platform_code, file.data_domain, file.granularity)
        if key not in self.templates:
            self.templates[key] = template_resolve(file=file)
        return self.templates[key]

    def account(self, file: CatalogFile) -> PlatformAccount | None:
        key = (file.platform_code, file.shop_id)
        if key not in self.accounts:
            self.accounts[key] = _account(file)
        return self.accounts[key]

    def accounts_prefetch(self, files: list[CatalogFile]):
        """The accounts of the shops of `files` not looked up yet, in one query (files read ahead are
        often of many shops)."""
        wanted = {(file.platform_code, file.shop_id) for file in files} - self.accounts.keys()
        if len(wanted) < 2:
            return
        found = {(a.platform_code, a.shop_id): a for a in PlatformAccount.objects.filter(
            platform_code__in={p for p, _ in wanted}, shop_id__in={s for _, s in wanted})}
        for key in wanted:
            self.accounts[key] = found.get(key)


@dataclass
class FileSyncResult:
    file_id: int
    file_name: str
    status: str = FileStatus.FAILED
    template: str = ""
    encoding: str = ""
    sheet_name: str = ""
    header_row: int | None = None
    number_locale: str = ""
    rows_read: int = 0
    rows_ingested: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    rows_corrected: int = 0  # quarantined rows handed to corrections since (always 0 from a sync)
    rows_written: int = 0
    rows_unchanged: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    missing_template_fields: list[str] = field(default_factory=list)
    unmapped_columns: list[str] = field(default_factory=list)
    # The source columns as quarantined rows' `raw` names them, in order, and the one each field read.
    columns: list[str] = field(default_factory=list)
    field_columns: dict[str, str] = field(default_factory=dict)
    # A correction: the file it corrects and how many of that file's quarantined rows it took over.
    correction: dict = field(default_factory=dict)
    preview_id: int | None = None  # a dry run's outcome: the preview it stored
    # Per mapped column: how its values were read (locale and marks, date order, and why).
    decisions: dict[str, dict] = field(default_factory=dict)
    # How the header departed from the template (sync.ingest.drift.Drift.as_dict); empty: it did not.
    drift: dict = field(default_factory=dict)
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status in (FileStatus.INGESTED, FileStatus.PARTIAL)

    def as_dict(self) -> dict:
        # Shallow: its dicts and lists hold plain values (dataclasses.asdict deep-copied them, twice per file).
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class FileAhead:
    """A small file read, planned and prepared together with others of its kind before its turn: its
    sync then only writes (issue 16: each small file paid polars' fixed cost per operation)."""

    fingerprint: str
    result: FileSyncResult  # what reading it found (encoding, sheet, header)
    plan: RowPlan | None = None
    frame: pl.DataFrame | None = None  # its rows, until prepared with the others
    batch: PreparedBatch | None = None
    error: Exception | None = None  # raised at its turn, where its sync handles it as it always does
    group: int | None = None  # files of one group, consecutive in a task, are written together


def file_sync(*, file: CatalogFile, task: SyncProgressTask | None = None, options: SyncOptions = SyncOptions(),
              progress: ProgressCallback | None = None, lookups: SyncLookups | None = None,
              reread: bool = False, counted: bool = True) -> FileSyncResult:
    """Sync one file and write its outcome on the catalog row (and on `file`, without reading it back).
    `reread`: read the file even when nothing its last successful sync depended on has changed;
    `counted`: count it in /metrics (a preview, whose sync is undone, is not)."""
    started = time.monotonic()
    lookups = lookups or SyncLookups()
    result = _file_sync(file=file, task=task, options=options, progress=progress, lookups=lookups,
                        ahead=lookups.ahead.pop(file.pk, None), reread=reread, started=started)
    if counted:
        file_sync_record(domain=file.data_domain, status=result.status, rows_ingested=result.rows_ingested,
                         rows_quarantined=result.rows_quarantined, started=started, drift=result.drift)
    return result


def _file_sync(*, file: CatalogFile, task: SyncProgressTask | None, options: SyncOptions,
               progress: ProgressCallback | None, lookups: SyncLookups, ahead: FileAhead | None, reread: bool,
               started: float) -> FileSyncResult:
    result = ahead.result if ahead else FileSyncResult(file_id=file.id, file_name=file.file_name)
    template = lookups.template(file)
    if template is None:
        reason = (f"no active template for platform={file.platform_code or '?'} "
                  f"domain={file.data_domain or '?'} granularity={file.granularity or '?'}")
        result.status = FileStatus.SKIPPED if options.only_with_template else FileStatus.FAILED
        result.error = reason
        return _finish(file, result, started=started)
    result.template = str(template)
    options = _under_contract(options, template)
    account = lookups.account(file)
    fingerprint = ahead.fingerprint if ahead else _fingerprint(file, template, account, options)
    unchanged = None if reread else _unchanged_result(file, fingerprint)
    if unchanged is not None:
        return _finish(file, unchanged, template, fingerprint, started=started)
    try:
        _ingest(file, template, account, task, options, progress, result, ahead)
    except FileRejected as exc:
        _reset_counts(result)
        result.status, result.error = FileStatus.FAILED, exc.message
    except pl.exceptions.PolarsError as exc:
        _reset_counts(result)
        result.status, result.error = FileStatus.FAILED, f"file cannot be parsed: {exc}"
    if result.status == FileStatus.FAILED:
        logger.warning("file %s failed: %s (task %s)", file.path, result.error, task and task.task_id)
    drift_record(file=file, template=template, drift=result.drift)
    return _finish(file, result, template, fingerprint, started=started)


def _under_contract(options: SyncOptions, template: FieldTemplate) -> SyncOptions:
    """A template whose contract freezes on a bad value quarantines no row, whatever the caller allows."""
    if template.on_bad_value == OnBadValue.FREEZE and options.allow_quarantine:
        return replace(options, allow_quarantine=False)
    return options


def _fingerprint(file, template, account, options) -> str:
    """Empty when the file cannot be read: the sync then fails with the reader's own reason."""
    try:
        return sync_fingerprint(path=resolve_inbox_path(file.path), file=file, template=template,
                                account=account, options=options)
    except (FileRejected, OSError):
        return ""


def _unchanged_result(file: CatalogFile, fingerprint: str) -> FileSyncResult | None:
    """The last result again, when the last successful sync read what this one would, and every row it
    wrote still holds what it wrote (none taken over by another file's sync)."""
    if not fingerprint or file.sync_fingerprint != fingerprint:
        return None
    model = FACT_MODELS[file.data_domain]
    if model.objects.filter(source_file=file).count() != file.rows_ingested:
        return None
    last = {k: v for k, v in file.last_result.items() if k in FileSyncResult.__dataclass_fields__}
    result = FileSyncResult(**last)
    result.rows_written, result.rows_unchanged = 0, result.rows_ingested
    return result


def file_mark_failed(*, file: CatalogFile, error: str) -> FileSyncResult:
    return _finish(file, FileSyncResult(file_id=file.id, file_name=file.file_name, error=error))


def file_preview(*, file: CatalogFile, template, header_row: int | None, rows: int) -> tuple[HeaderMatch, list]:
    """The file's header and first rows as its sync reads them (the same locale and encodings); nothing
    is written. `header_row` is 0-based."""
    locale = _locale(file, template, _account(file))
    source = open_source(resolve_inbox_path(file.path), mapping=template.mapping,
                         required=list(template.required_fields), header_row=header_row,
                         encodings=template.options.get("encodings"), locale=locale)
    try:
        first = next(iter(source.batches()), None)
        head = [] if first is None else first.head(rows).drop("_row").rows()
        # As a person reads the cells in Excel: a typed cell's mark is the engine's, not the file's.
        return source.header, [tuple(plain_text(cell) for cell in row) for row in head]
    finally:
        source.close()


def _account(file) -> PlatformAccount | None:
    return PlatformAccount.objects.filter(platform_code=file.platform_code, shop_id=file.shop_id).first()


def _locale(file, template, account) -> str | None:
    return file_locale(file_locale=file.number_locale, template_locale=template.number_locale, account=account)


def _ingest(file, template, account, task, options, progress, result: FileSyncResult, ahead: FileAhead | None):
    source = None
    if ahead is None:
        source, plan = _opened(file, template, account, options, result)
        batches = prefetched(prepare_batch(frame, plan, is_first_batch=i == 0) for i, frame in enumerate(source.batches()))
    elif ahead.error is not None:
        raise ahead.error
    else:
        plan, batches = ahead.plan, [ahead.batch]
    try:
        with transaction.atomic():
            _write(file, task, options, progress, batches, plan, result)
            if file.correction_of_id:
                _corrected_rows_hand_over(file, result)
        result.decisions = plan.decisions_report(result.quarantine_reasons)
    finally:
        if source is not None:
            source.close()
    _status_settle(result)


def _opened(file, template, account, options, result: FileSyncResult) -> tuple[SourceTable, RowPlan]:
    """The file opened (what reading it found goes into `result`) and the plan for its rows."""
    locale = _locale(file, template, account)
    declared = bool(file.number_locale or template.number_locale or (account and account.number_locale))
    model = FACT_MODELS[template.data_domain]
    result.number_locale = locale or ""
    numbers = NumberColumns(number_fields(model, template), reads_number_cells_plainly(locale, declared=declared))
    source = _open(file, template, options, locale, numbers, result)
    try:
        plan = RowPlan.build(
            model=model, template=template, header=source.header,
            timezone=(account and account.timezone) or settings.ERP_DEFAULT_SHOP_TIMEZONE,
            platform_code=file.platform_code, shop_id=file.shop_id, granularity=file.granularity,
            period_start=file.period_start, file_id=file.id, locale=locale, locale_declared=declared,
            inherited_orders=inherited_orders(file.correction_of) if file.correction_of_id else {},
        )
    except BaseException:
        source.close()
        raise
    result.columns = plan.source_columns
    result.field_columns = {name: result.columns[i] for name, i in source.header.field_columns.items()}
    return source, plan


def files_read_ahead(*, files: list[CatalogFile], options: SyncOptions, lookups: SyncLookups):
    """Read and plan each of `files` (small ones), then prepare the rows of the files read alike in one
    pass, into `lookups.ahead`: each file's own sync (file_sync) then only writes them, in its own
    transaction, with its own accounting. A file that cannot join (no template, unchanged since its last
    sync, not one batch of rows, or a group that fails to prepare) is read at its turn as any other."""
    lookups.accounts_prefetch(files)
    read = [entry for file in files if (entry := _read_ahead(file, options, lookups)) is not None]
    groups: dict[tuple, list[tuple[CatalogFile, FileAhead]]] = {}
    for file, entry in read:
        if entry.error is not None:
            lookups.ahead[file.pk] = entry
        elif entry.frame is not None:
            groups.setdefault((entry.plan.layout(), tuple(entry.frame.columns)), []).append((file, entry))
    for group in groups.values():
        _prepare_together(group, options, lookups)


def _read_ahead(file: CatalogFile, options: SyncOptions, lookups: SyncLookups) -> tuple | None:
    template = lookups.template(file)
    if template is None or file.correction_of_id or file.rows_corrected:  # corrections: rows handed over alone
        return None
    account = lookups.account(file)
    fingerprint = _fingerprint(file, template, account, options)
    if fingerprint and fingerprint == file.sync_fingerprint:
        return None
    entry = FileAhead(fingerprint, FileSyncResult(file_id=file.id, file_name=file.file_name))
    try:
        source, plan = _opened(file, template, account, options, entry.result)
        try:
            batches = list(itertools.islice(source.batches(), 2))
        finally:
            source.close()
    except Exception as exc:  # noqa: BLE001 - raised again at the file's turn, handled there as always
        entry.error = exc
        return file, entry
    if len(batches) == 1:
        entry.plan, entry.frame = plan, batches[0]
    return file, entry


def _prepare_together(group: list[tuple[CatalogFile, FileAhead]], options: SyncOptions, lookups: SyncLookups):
    options = _under_contract(options, group[0][1].plan.template)  # the group shares its template
    frames = [entry.frame.with_columns(pl.lit(i, dtype=pl.UInt32).alias(FILE)) for i, (_, entry) in enumerate(group)]
    try:
        batches = prepare_files(pl.concat(frames), [entry.plan for _, entry in group])
    except (FileRejected, pl.exceptions.PolarsError) as exc:
        logger.info("%d files prepared together failed (%s): each is read at its own turn", len(group), exc)
        return
    first_of_place: dict[tuple, int] = {}
    for (file, entry), batch in zip(group, batches, strict=True):
        entry.batch, entry.frame = batch, None
        # Written together: files of one place (one lock). A file refused for its invalid rows is refused
        # at its own turn, alone.
        alone = not options.allow_quarantine and batch.quarantined
        entry.group = None if alone else first_of_place.setdefault(tuple(place_of(file).values()), file.pk)
        lookups.ahead[file.pk] = entry


def files_written_together(file_ids: list[int], files: dict[int, CatalogFile], lookups: SyncLookups) -> list[CatalogFile]:
    """The first of `file_ids` and the files right after it that were prepared in its group."""
    first = lookups.ahead.get(file_ids[0])
    if first is None or first.group is None or connection.vendor != "postgresql":
        return [files[file_ids[0]]] if file_ids[0] in files else []
    together = []
    for file_id in file_ids:
        entry = lookups.ahead.get(file_id)
        if entry is None or entry.group != first.group:
            break
        together.append(files[file_id])
    return together


def files_sync_together(*, files: list[CatalogFile], task: SyncProgressTask | None,
                        lookups: SyncLookups) -> list[FileSyncResult] | None:
    """Files prepared together (files_written_together), written in one transaction as if each were synced
    after the one before: one lock, one comparison and one COPY for all, each file with its own
    accounting, lineage, quarantine and outcome. None when that write fails: each file is then synced
    on its own and meets its own error."""
    started = time.monotonic()
    entries = [lookups.ahead[file.pk] for file in files]
    try:
        with transaction.atomic():
            _write_together(files, entries, task)
    except TRANSIENT_ERRORS:
        raise
    except WritesOverlap as exc:
        logger.info("task %s: %s: each is written on its own, with its own change set", task and task.task_id, exc)
        for entry in entries:
            entry.group = None
        return None
    except Exception:  # noqa: BLE001 - each file is synced alone next, and fails alone if it must
        logger.exception("task %s: %d files written together failed; each is written on its own",
                         task and task.task_id, len(files))
        for entry in entries:
            entry.group = None
        return None
    results = []
    for file, entry in zip(files, entries, strict=True):
        del lookups.ahead[file.pk]
        entry.result.template = str(lookups.template(file))
        drift_record(file=file, template=lookups.template(file), drift=entry.result.drift)
        results.append(_finish(file, entry.result, lookups.template(file), entry.fingerprint, started=started))
        file_sync_record(domain=file.data_domain, status=entry.result.status, rows_ingested=entry.result.rows_ingested,
                         rows_quarantined=entry.result.rows_quarantined, started=started, drift=entry.result.drift)
    return results


def _write_together(files: list[CatalogFile], entries: list[FileAhead], task):
    for file in files:
        if file.last_synced_at:
            QuarantinedRow.objects.filter(file=file).delete()
            unmapped_forget(file_id=file.pk)
    plan, first = entries[0].plan, files[0]
    sink = fact_sink(plan.model, plan.db_columns, place=place_of(first), file_ids=[f.pk for f in files],
                     task_id=task and task.pk)
    written = sink.add_files([entry.batch.good for entry in entries])
    sink.finish()
    UnmappedCells.objects.bulk_create(
        [cells for file, entry in zip(files, entries, strict=True)
         if entry.batch.unmapped is not None and (cells := unmapped_batch(file_id=file.pk, texts=entry.batch.unmapped))])
    insert_rows(QuarantinedRow, [row for file, entry in zip(files, entries, strict=True)
                                 for row in _quarantine_rows(file, task, entry.batch.quarantined)])
    for entry, rows_written in zip(entries, written, strict=True):
        batch, result = entry.batch, entry.result
        result.rows_read, result.rows_quarantined = batch.read, len(batch.quarantined)
        reasons = Counter(_reason_kind(r) for _, _, why in batch.quarantined for r in why)
        outcome = UpsertOutcome(staged=batch.good.height, superseded=0, written=rows_written)
        _counts_settle(result, outcome, Counter(batch.skipped), reasons)
        result.decisions = entry.plan.decisions_report(result.quarantine_reasons)
        _status_settle(result)


def _open(file, template, options, locale: str | None, numbers: NumberColumns,
          result: FileSyncResult) -> SourceTable:
    """Guards, container, sheet or encoding (the locale names likely ones) and header; what they say goes
    into the result."""
    if template.date_from_period and not file.period_start:
        raise FileRejected("rows carry no date and the file name has no period (YYYYMMDD_YYYYMMDD)",
                           code="no_period")
    correction = bool(file.correction_of_id)  # an error workbook: its header is found, on its own sheet
    header_row = template.header_row - 1 if (options.use_template_header_row and template.header_row
                                             and not correction) else None
    required = [f for f in template.required_fields if not _has_substitute(template, f)]
    source = open_source(resolve_inbox_path(file.path), mapping=template.mapping, required=required,
                         header_row=header_row, encodings=template.options.get("encodings"), locale=locale,
                         numbers=numbers, sheet=file.sheet_name if correction else None)
    if correction:
        source.header = correction_header(source.header)
    result.encoding, result.sheet_name = source.encoding, source.sheet_name
    result.header_row = source.header.row_index + 1
    result.missing_template_fields = source.header.missing_fields
    result.unmapped_columns = source.header.unmapped_columns
    drift = header_drift(header=source.header, template=template)
    result.drift = drift.as_dict()
    if refusal := contract_refusal(drift, template):
        source.close()
        raise refusal
    return source


def _write(file, task, options, progress, batches: Iterable[PreparedBatch], plan: RowPlan, result: FileSyncResult):
    """Inside the file's transaction: quarantine replaced, batches upserted, counts settled."""
    skipped, reasons = Counter(), Counter()
    marks = {}
    if file.last_synced_at:
        # A first sync has none to forget: both are written in a sync's transaction, whose end sets the
        # time (a stale unmapped batch would be harmless anyway: lookups go by row hash).
        marks = correction_marks(file) if file.rows_corrected else {}
        QuarantinedRow.objects.filter(file=file).delete()
        unmapped_forget(file_id=file.pk)
    sink = fact_sink(plan.model, plan.db_columns, place=place_of(file), file_ids=[file.pk], task_id=task and task.pk)
    for batch in batches:
        if batch.quarantined and not options.allow_quarantine:
            row, _, why = batch.quarantined[0]
            raise FileRejected(f"{len(batch.quarantined)} invalid rows and quarantine is not allowed "
                               f"(first: row {row}: {'; '.join(why)})", code="invalid_rows")
        sink.add(batch.good)
        if batch.unmapped is not None:
            unmapped_store(file_id=file.pk, texts=batch.unmapped)
        _quarantine(file, task, batch.quarantined)
        reasons.update(_reason_kind(r) for _, _, why in batch.quarantined for r in why)
        skipped.update(batch.skipped)
        result.rows_read += batch.read
        result.rows_quarantined += len(batch.quarantined)
        if progress:
            progress(result.rows_read)
    _counts_settle(result, sink.finish(), skipped, reasons)
    if marks:  # rows corrected before stay the corrections' outcome
        kept = corrections_keep(file=file, marks=marks)
        result.rows_quarantined, result.rows_corrected = result.rows_quarantined - kept, kept


def _counts_settle(result: FileSyncResult, outcome: UpsertOutcome, skipped: Counter, reasons: Counter):
    if outcome.superseded:
        skipped[SKIP_DUPLICATE] += outcome.superseded
    result.rows_skipped = sum(skipped.values())
    result.rows_ingested = outcome.staged
    result.rows_written, result.rows_unchanged = outcome.written, outcome.unchanged
    result.skipped_reasons, result.quarantine_reasons = dict(skipped), dict(reasons)
    _check_accounting(result)
    if result.rows_read == 0:
        raise FileRejected("file has a header but no data rows", code="no_rows")


def _status_settle(result: FileSyncResult):
    if result.rows_ingested == 0 and result.rows_quarantined:
        # Kept as failed, but with the quarantined rows committed so their reasons can be read.
        result.status = FileStatus.FAILED
        result.error = (f"all {result.rows_quarantined} data rows failed validation "
                        f"({', '.join(sorted(result.quarantine_reasons))})")
    else:
        result.status = FileStatus.PARTIAL if result.rows_quarantined else FileStatus.INGESTED


def _corrected_rows_hand_over(file: CatalogFile, result: FileSyncResult):
    rows = origin_rows(resolve_inbox_path(file.path), sheet=result.sheet_name, header_row=result.header_row)
    handed = corrected_rows_hand_over(correction=file, rows=rows)
    result.correction = {"file_id": file.correction_of_id, "rows_handed_over": handed,
                         "sha256": CatalogFile.objects.values_list("sha256", flat=True).get(pk=file.correction_of_id)}


def _has_substitute(template, name: str) -> bool:
    options = template.options or {}
    return name in options.get("defaults", {}) or bool(options.get("fallbacks", {}).get(name))


def _quarantine(file, task, rows):
    insert_rows(QuarantinedRow, _quarantine_rows(file, task, rows))


def _quarantine_rows(file, task, rows) -> list[dict]:
    now = timezone.now()
    return [{"file_id": file.pk, "task_id": task and task.pk, "source_row": row, "raw": raw, "reasons": why,
             "created_at": now} for row, raw, why in rows]


def _reason_kind(reason: str) -> str:
    """'quantity: negative value: '-3'' -> 'quantity: negative value' (counted per kind)."""
    return reason.split(": '", 1)[0]


def _check_accounting(result: FileSyncResult):
    accounted = result.rows_ingested + result.rows_quarantined + result.rows_skipped + result.rows_corrected
    if accounted != result.rows_read:
        raise AssertionError(f"accounting broken: read {result.rows_read} != {accounted} accounted")


def _reset_counts(result: FileSyncResult):
    result.rows_ingested = result.rows_quarantined = result.rows_skipped = 0
    result.rows_written = result.rows_unchanged = 0
    result.skipped_reasons, result.quarantine_reasons = {}, {}


def _finish(file: CatalogFile, result: FileSyncResult, template=None, fingerprint: str = "",
            started: float | None = None) -> FileSyncResult:
    """The outcome on the catalog row, with the sync's seconds when it ran to its end (`started`)."""
    now = timezone.now()
    outcome = {
        "status": result.status, "template": template, "rows_read": result.rows_read,
        "rows_ingested": result.rows_ingested, "rows_quarantined": result.rows_quarantined,
        "rows_skipped": result.rows_skipped, "rows_corrected": result.rows_corrected, "last_error": result.error, "last_result": result.as_dict(),
        "encoding": result.encoding, "sheet_name": result.sheet_name, "last_synced_at": now, "updated_at": now,
        "sync_fingerprint": fingerprint if result.succeeded else "",
    }
    if started is not None:
        outcome["last_sync_seconds"] = time.monotonic() - started
    CatalogFile.objects.filter(pk=file.pk).update(**outcome)
    # The caller's instance now says what the row says; reading it back cost a query per file (issue 16).
    for name, value in outcome.items():
        setattr(file, name, value)
    return result
