"""Rolling back a file: the fact tables as they were before its committed syncs, in one transaction
(issue 17). Each committed sync of a file left a change set (sync.ingest.change_sets); they are undone
newest first. A change set whose rows a later file has since written is not undone over that file's
values: the rollback is refused naming the later files, or with `cascade` rolls them back first."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from erp.audit.models import AuditOperation
from erp.audit.services import audit_record
from erp.errors import ApplicationError
from sync.ingest.change_sets import change_set_sql
from sync.ingest.corrections import corrected_rows_give_back
from sync.ingest.unmapped import unmapped_forget
from sync.ingest.upsert import place_of, write_begin
from sync.models import FACT_MODELS, CatalogFile, ChangeSet, FileStatus, PreviousRow, QuarantinedRow

PREVIOUS_ROWS = connection.ops.quote_name(PreviousRow._meta.db_table)


class RollbackRefused(ApplicationError):
    """A later file wrote rows of the file being rolled back; `detail` lists them."""

    code = "rollback_refused"
    http_status = 409
    error_type = "ConflictError"
    recovery_suggestion = _lazy("Roll back the later files first, or ask for a cascade (cascade=true), which "
                                "rolls them back too, newest first.")


class NothingToRollBack(ApplicationError):
    code = "nothing_to_roll_back"
    http_status = 409
    error_type = "ConflictError"
    recovery_suggestion = _lazy("Only a file whose sync wrote rows can be rolled back, once.")


@dataclass
class RollbackOutcome:
    files: list[int] = field(default_factory=list)  # rolled back, in the order they were
    rows_deleted: int = 0  # rows the files had inserted
    rows_restored: int = 0  # rows put back as they were before the files updated them

    def as_dict(self) -> dict:
        return {"files": self.files, "rows_deleted": self.rows_deleted, "rows_restored": self.rows_restored}


def file_rollback(*, file_id: int, cascade: bool = False) -> RollbackOutcome:
    if connection.vendor != "postgresql":
        raise ApplicationError(_("Rolling back a file needs PostgreSQL: the embedded SQLite default keeps no "
                                 "change sets."), code="not_supported")
    outcome = RollbackOutcome()
    with transaction.atomic():
        if not ChangeSet.objects.filter(file_id=file_id, rolled_back_at__isnull=True).exists():
            raise NothingToRollBack(_("File %(id)d has no committed sync to roll back.") % {"id": file_id})
        _file_roll_back(file_id, cascade, outcome)
    return outcome


def _file_roll_back(file_id: int, cascade: bool, outcome: RollbackOutcome, rolling: frozenset = frozenset()):
    """`rolling`: the files a cascade is in the middle of rolling back (not later files of their own)."""
    rolling = rolling | {file_id}
    for change_set in ChangeSet.objects.filter(file_id=file_id, rolled_back_at__isnull=True).order_by("-id"):
        change_set.refresh_from_db(fields=["rolled_back_at"])
        if change_set.rolled_back_at:  # undone already, by a cascade that came back to this file
            continue
        later = [pk for pk in _later_files(change_set) if pk not in rolling]
        if later and not cascade:
            names = dict(CatalogFile.objects.filter(pk__in=later).values_list("pk", "path"))
            raise RollbackRefused(
                _("File %(id)d: later files wrote or found unchanged some of its rows: %(files)s.") % {
                    "id": file_id, "files": ", ".join(f"{pk} ({names.get(pk, '?')})" for pk in later)},
                detail={"later_files": [{"file_id": pk, "path": names.get(pk, "")} for pk in later]})
        for later_file in later:
            if later_file not in outcome.files:
                _file_roll_back(later_file, cascade, outcome, rolling)
        _undo(change_set, outcome)
    if file_id not in outcome.files:
        _file_reset(file_id)
        outcome.files.append(file_id)


def _later_files(change_set: ChangeSet) -> list[int]:
    """Files, newest first, whose sync since this change set rests on some of its rows: those that wrote
    over them (their lineage says so), and those of the same place and dates that found rows unchanged
    (a row found unchanged keeps the lineage of the file that wrote it, so which ones is not known)."""
    table, touched, params = change_set_sql(change_set)
    with connection.cursor() as cursor:
        write_begin(cursor, FACT_MODELS[change_set.data_domain], place_of(change_set), file_ids=[])
        cursor.execute(
            f"SELECT DISTINCT t.source_file_id FROM {table} t WHERE ({touched}) "
            f"AND (t.source_file_id <> %(file)s OR t.synced_at <> %(synced_at)s)", params)
        writers = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"SELECT min(t.business_date), max(t.business_date) FROM {table} t WHERE {touched}", params)
        first_date, last_date = cursor.fetchone()
    later = writers | _confirming_files(change_set, first_date, last_date)
    newest = dict(CatalogFile.objects.filter(pk__in=later).values_list("pk", "last_synced_at"))
    return sorted(later, key=lambda pk: (newest.get(pk) is not None, newest.get(pk)), reverse=True)


def _confirming_files(change_set: ChangeSet, first_date, last_date) -> set[int]:
    if first_date is None:
        return set()
    candidates = CatalogFile.objects.filter(
        platform_code=change_set.platform_code, shop_id=change_set.shop_id, data_domain=change_set.data_domain,
        granularity=change_set.granularity, last_synced_at__gt=change_set.synced_at,
    ).exclude(pk=change_set.file_id).exclude(status=FileStatus.ROLLED_BACK)
    candidates = candidates.exclude(period_end__lt=first_date).exclude(period_start__gt=last_date)
    return {pk for pk, result in candidates.values_list("pk", "last_result") if (result or {}).get("rows_unchanged")}


def _undo(change_set: ChangeSet, outcome: RollbackOutcome):
    table, touched, params = change_set_sql(change_set)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} t WHERE ({touched}) "
                       f"AND t.source_file_id = %(file)s AND t.synced_at = %(synced_at)s", params)
        deleted = cursor.rowcount
        cursor.execute(f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, p.snapshot)).* "
                       f"FROM {PREVIOUS_ROWS} p WHERE p.change_set_id = %(change_set)s", params)
        restored = cursor.rowcount
    ChangeSet.objects.filter(pk=change_set.pk).update(rolled_back_at=timezone.now())
    outcome.rows_deleted += deleted - restored
    outcome.rows_restored += restored


def _file_reset(file_id: int):
    """The file as a rolled-back one: none of its rows, quarantine or unmapped cells stay."""
    QuarantinedRow.objects.filter(file_id=file_id).delete()
    unmapped_forget(file_id=file_id)
    file = CatalogFile.objects.get(pk=file_id)
    if file.correction_of_id:
        corrected_rows_give_back(correction=file)
    before = {"status": file.status, "rows_ingested": file.rows_ingested}
    CatalogFile.objects.filter(pk=file_id).update(
        status=FileStatus.ROLLED_BACK, rows_ingested=0, rows_quarantined=0, rows_skipped=0, rows_corrected=0, last_error="",
        sync_fingerprint="", updated_at=timezone.now())
    audit_record(instance=file, operation=AuditOperation.ROLLBACK, before=before,
                 after={"status": FileStatus.ROLLED_BACK, "rows_ingested": 0})


def change_sets_prune(*, older_than_days: int) -> int:
    """Change sets (and their previous rows) created before the retention; returns how many."""
    _, removed = ChangeSet.objects.filter(created_at__lt=timezone.now() - timedelta(days=older_than_days)).delete()
    return removed.get(ChangeSet._meta.label, 0)
