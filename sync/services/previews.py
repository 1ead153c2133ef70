"""Previews (dry runs) of a file's sync, and their approval (issue 17).

A preview runs the whole sync in a transaction that it then rolls back: what the sync would write is
read from its own change set before the rollback, so a preview costs what the sync costs and shows what
it would do, rows and decisions alike. Approving syncs the file for real, in one transaction with the
check that neither the file's bytes nor the rows of its place and dates changed since the preview
(409 stale_preview otherwise, nothing written)."""

import json

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from erp.errors import ApplicationError
from sync.ingest.change_sets import change_set_sql
from sync.ingest.engine import file_sync
from sync.ingest.fingerprint import file_sha256
from sync.ingest.reading import resolve_inbox_path
from sync.ingest.upsert import place_of, write_begin
from sync.models import FACT_MODELS, CatalogFile, ChangeSet, PreviewStatus, PreviousRow, SyncPreview

CHANGES_SHOWN = 20
# Columns a sync writes on every row it touches: what changed is told by the others.
_NOT_COMPARED = {"id", "synced_at", "source_file_id", "source_row", "row_hash"}


class StalePreview(ApplicationError):
    code = "stale_preview"
    http_status = 409
    error_type = "ConflictError"
    recovery_suggestion = _lazy("Preview the file again and approve the new preview.")


class _Undone(Exception):
    """Raised inside a preview's transaction to roll back what its sync wrote."""


def file_preview(*, file_id: int, user=None) -> SyncPreview:
    file = CatalogFile.objects.get(pk=file_id)
    sha256 = file_sha256(resolve_inbox_path(file.path))
    seen = {}
    try:
        with transaction.atomic():
            result = file_sync(file=file, reread=True, counted=False)
            seen = _written(file, result)
            raise _Undone
    except _Undone:
        pass  # the sync's rows, change set and file outcome are rolled back; `seen` keeps what they were
    first_date, last_date = seen.get("dates") or (file.period_start, file.period_end)
    return SyncPreview.objects.create(
        file_id=file_id, created_by=user, file_sha256=sha256, first_date=first_date, last_date=last_date,
        rows_digest=_rows_digest(file, first_date, last_date), rows_new=seen.get("new", 0),
        rows_changed=seen.get("changed", 0), rows_unchanged=result.rows_unchanged,
        rows_quarantined=result.rows_quarantined, rows_skipped=result.rows_skipped,
        changes=seen.get("changes", []), result=result.as_dict())


def preview_approve(*, preview_id: int) -> SyncPreview:
    """Sync the previewed file for real, or refuse (StalePreview) if it or its rows changed since."""
    with transaction.atomic():
        preview = SyncPreview.objects.select_for_update().select_related("file").get(pk=preview_id)
        if preview.status != PreviewStatus.PENDING:
            raise StalePreview(_("Preview %(id)d is %(status)s already.") % {
                "id": preview.pk, "status": preview.get_status_display()})
        file = preview.file
        if file.data_domain in FACT_MODELS:  # no other sync of its place slips in between check and write
            with connection.cursor() as cursor:
                write_begin(cursor, FACT_MODELS[file.data_domain], place_of(file), file_ids=[])
        stale = _staleness(preview)
        if stale is None:
            result = file_sync(file=file, reread=True)
            SyncPreview.objects.filter(pk=preview.pk).update(status=PreviewStatus.APPROVED, approved_at=timezone.now(),
                                                             result=result.as_dict())
    if stale is not None:
        SyncPreview.objects.filter(pk=preview.pk).update(status=PreviewStatus.STALE)
        raise StalePreview(stale, detail={"preview_id": preview.pk, "file_id": file.pk})
    preview.refresh_from_db()
    return preview


def _staleness(preview: SyncPreview) -> str | None:
    file = preview.file
    if file_sha256(resolve_inbox_path(file.path)) != preview.file_sha256:
        return _("The file changed since preview %(id)d.") % {"id": preview.pk}
    if _rows_digest(file, preview.first_date, preview.last_date) != preview.rows_digest:
        return _("Rows the file would write changed since preview %(id)d.") % {"id": preview.pk}
    return None


def _written(file: CatalogFile, result) -> dict:
    """Inside the preview's transaction: what its change set says the sync wrote."""
    change_set = ChangeSet.objects.filter(file=file, rolled_back_at__isnull=True).order_by("-id").first()
    if not result.rows_written or change_set is None:
        return {}
    table, touched, params = change_set_sql(change_set)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(t.business_date), max(t.business_date) FROM {table} t WHERE {touched}", params)
        dates = cursor.fetchone()
        cursor.execute(
            f"SELECT p.snapshot::text, to_jsonb(t.*)::text FROM {connection.ops.quote_name(PreviousRow._meta.db_table)} p "
            f"JOIN {table} t ON t.id = p.row_id WHERE p.change_set_id = %s ORDER BY p.row_id LIMIT %s",
            [change_set.pk, CHANGES_SHOWN])
        pairs = cursor.fetchall()
    model = FACT_MODELS[change_set.data_domain]
    return {"new": change_set.rows_inserted, "changed": change_set.rows_updated, "dates": dates,
            "changes": [_change(model, _exact(before), _exact(after)) for before, after in pairs]}


def _exact(text: str) -> dict:
    """A row's JSON with its decimals kept as their digits (a float would round an amount of 14 digits)."""
    return json.loads(text, parse_float=str)


def _change(model, before: dict, after: dict) -> dict:
    key = {name: after[model._meta.get_field(name).column] for name in model.natural_key_fields()}
    fields = {name: [before.get(name), value] for name, value in after.items()
              if name not in _NOT_COMPARED and before.get(name) != value}
    return {"key": key, "fields": fields}


def _rows_digest(file: CatalogFile, first_date, last_date) -> str:
    """Every row, every column, of the file's place (and dates, when known), digested."""
    if file.data_domain not in FACT_MODELS:
        return ""
    table = connection.ops.quote_name(FACT_MODELS[file.data_domain]._meta.db_table)
    conditions, params = ["t.platform_code = %s", "t.shop_id = %s", "t.granularity = %s"], list(place_of(file).values())
    if first_date and last_date:
        conditions.append("t.business_date BETWEEN %s AND %s")
        params += [first_date, last_date]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.id), '')) FROM {table} t "
            f"WHERE {' AND '.join(conditions)}", params)
        return cursor.fetchone()[0]


