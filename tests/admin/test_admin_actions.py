"""The operators' admin through Django's test client on the real database: cancel, retry and sync
actions report what happened to each row, the task list shows progress, and the admin speaks Chinese."""

import pytest
from django.contrib import admin, messages
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import strip_tags

from sync.ingest.engine import file_sync
from sync.models import (CatalogFile, FileDrift, FileStatus, OrderLine, QuarantinedRow, SyncPreview, SyncProgressTask, TaskStatus,
                         TaskType)
from sync.services.catalog import catalog_scan
from tests.factories import CatalogFileFactory, TaskFactory
from tests.sync.drift_files import ZH_ORDERS, demo_file
from tests.sync.guard_files import inbox_path
from tests.sync.test_written_together import overlapping_exports

pytestmark = pytest.mark.django_db
TASKS = reverse("admin:sync_syncprogresstask_changelist")
FILES = reverse("admin:sync_catalogfile_changelist")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def run_action(client, changelist: str, action: str, objects, **headers):
    """Select objects on the changelist, run the action, and return the one message it left."""
    response = client.post(changelist, {"action": action, "_selected_action": [o.pk for o in objects], "index": 0},
                           follow=True, **headers)
    assert response.status_code == 200
    (message,) = response.context["messages"]
    return message.level, strip_tags(message.message)


def test_cancel_of_a_queued_task_cancels_it_at_once_and_frees_its_files(operator_client, owner):
    task = TaskFactory(user=owner)
    CatalogFile.objects.filter(pk__in=task.file_ids).update(status=FileStatus.QUEUED)

    level, text = run_action(operator_client, TASKS, "cancel_selected", [task])

    task.refresh_from_db()
    assert (task.status, task.cancel_requested) == (TaskStatus.CANCELLED, True)
    files = CatalogFile.objects.filter(pk__in=task.file_ids)
    assert set(files.values_list("status", flat=True)) == {FileStatus.PENDING}
    assert level == messages.SUCCESS
    assert "Cancelled: 1, cancel requested: 0, refused: 0." in text
    assert f"{task.task_id}: cancelled" in text


def test_cancel_of_a_processing_task_asks_it_to_stop_at_the_next_file(operator_client, owner):
    task = TaskFactory(user=owner, status=TaskStatus.PROCESSING, processed_files=1)

    level, text = run_action(operator_client, TASKS, "cancel_selected", [task])

    task.refresh_from_db()
    assert (task.status, task.cancel_requested) == (TaskStatus.PROCESSING, True)
    assert level == messages.SUCCESS
    assert "Cancelled: 0, cancel requested: 1, refused: 0." in text
    assert f"{task.task_id}: cancel requested: it stops after the file it is syncing" in text


def test_cancel_reports_each_task_and_warns_about_a_refused_completed_one(operator_client, owner):
    queued = TaskFactory(user=owner)
    completed = TaskFactory(user=owner, status=TaskStatus.COMPLETED, processed_files=2)

    level, text = run_action(operator_client, TASKS, "cancel_selected", [queued, completed])

    assert SyncProgressTask.objects.get(pk=queued.pk).status == TaskStatus.CANCELLED
    assert SyncProgressTask.objects.get(pk=completed.pk).status == TaskStatus.COMPLETED
    assert level == messages.WARNING
    assert "Cancelled: 1, cancel requested: 0, refused: 1." in text
    assert f"{queued.task_id}: cancelled" in text
    assert f"{completed.task_id}: refused (Completed): only a queued or running task can be cancelled" in text


def test_retry_queues_failed_and_cancelled_tasks_again_and_publishes_after_commit(
        operator_client, owner, django_capture_on_commit_callbacks):
    failed = TaskFactory(user=owner, status=TaskStatus.FAILED, processed_files=2, failed_files=2,
                         errors=["orders.xlsx: no usable header"])
    cancelled = TaskFactory(user=None, status=TaskStatus.CANCELLED, cancel_requested=True)

    with django_capture_on_commit_callbacks() as published:
        level, text = run_action(operator_client, TASKS, "retry_selected", [failed, cancelled])

    for task in (failed, cancelled):
        task.refresh_from_db()
        assert (task.status, task.cancel_requested, task.processed_files, task.errors) == (
            TaskStatus.QUEUED, False, 0, [])
        assert len(task.task_details["previous_runs"]) == 1
    assert len(published) == 2  # one Celery message per task, sent once the retry committed
    assert level == messages.SUCCESS
    assert "Queued again: 2, refused: 0." in text
    assert f"{failed.task_id}: queued again with 2 files" in text


def test_retry_of_a_completed_task_is_refused_with_the_reason(operator_client, owner):
    completed = TaskFactory(user=owner, status=TaskStatus.COMPLETED)

    level, text = run_action(operator_client, TASKS, "retry_selected", [completed])

    assert SyncProgressTask.objects.get(pk=completed.pk).status == TaskStatus.COMPLETED
    assert level == messages.WARNING
    assert "Queued again: 0, refused: 1." in text
    assert f"{completed.task_id}: refused (Completed): only a failed or cancelled task can be retried" in text


def test_sync_selected_files_submits_one_batch_task_and_names_the_busy_files(operator_client, operator):
    free = CatalogFileFactory.create_batch(3)
    busy = CatalogFileFactory(status=FileStatus.QUEUED, file_name="busy_orders.xlsx")

    level, text = run_action(operator_client, FILES, "sync_selected", [*free, busy])

    task = SyncProgressTask.objects.get()
    assert (task.task_type, task.user, task.file_ids) == (TaskType.BATCH_BY_IDS, operator, [f.pk for f in free])
    assert set(CatalogFile.objects.filter(pk__in=task.file_ids).values_list("status", flat=True)) == {FileStatus.QUEUED}
    assert level == messages.WARNING
    assert f"Sync task queued with 3 files, 1 refused: {task.task_id}" in text
    assert "busy_orders.xlsx: refused: already queued or being synced by another task" in text


def test_sync_selected_creates_no_task_when_every_file_is_busy(operator_client):
    busy = CatalogFileFactory(status=FileStatus.PROCESSING)

    level, text = run_action(operator_client, FILES, "sync_selected", [busy])

    assert not SyncProgressTask.objects.exists()
    assert level == messages.WARNING and "No sync task was created" in text


def test_task_list_shows_a_progress_bar_of_processed_over_total_files(operator_client, owner):
    TaskFactory(user=owner, status=TaskStatus.PROCESSING, total_files=4, processed_files=1, rows_ingested=120)

    response = operator_client.get(TASKS)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<progress class="sync-progress" max="4" value="1" title="1/4"></progress> 1/4' in html
    assert "owner" in html and "120" in html


def test_task_detail_is_read_only_and_shows_file_results_and_errors(operator_client, owner):
    task = TaskFactory(user=owner, status=TaskStatus.FAILED, errors=["orders.xlsx: no usable header row"],
                       file_results=[{"file_id": 1, "file_name": "orders.xlsx", "status": "failed", "rows_read": 0,
                                      "error": "no usable header row"},
                                     {"file_id": 2, "file_name": "traffic.csv", "status": "partial", "rows_read": 10,
                                      "rows_ingested": 8, "rows_quarantined": 2,
                                      "quarantine_reasons": {"missing order_id": 2}}])

    response = operator_client.get(reverse("admin:sync_syncprogresstask_change", args=[task.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html  # the worker owns the row; the form never writes it
    assert "<td>traffic.csv</td>" in html and "missing order_id x2" in html
    assert "<li><code>orders.xlsx: no usable header row</code></li>" in html


def test_a_files_quarantined_rows_are_one_click_away(operator_client):
    file, other = CatalogFileFactory(rows_quarantined=2), CatalogFileFactory()
    for row, owner_file in ((3, file), (7, file), (4, other)):
        QuarantinedRow.objects.create(file=owner_file, source_row=row, raw={"Order ID": ""},
                                      reasons=["missing order_id"])
    QuarantinedRow.objects.create(file=file, source_row=9, raw={"Order ID": ""}, reasons=["missing order_id"],
                                  corrected_by=other)  # taken over by a correction: not to fix here
    link = f'{reverse("admin:sync_quarantinedrow_changelist")}?file__id__exact={file.pk}&corrected_by__isempty=1'

    assert f'<a href="{link}">2</a>' in operator_client.get(FILES).content.decode()
    response = operator_client.get(link)

    assert response.status_code == 200
    assert [r.source_row for r in response.context["cl"].result_list] == [3, 7]


def test_chinese_task_list_shows_the_translated_actions_and_statuses(operator_client, owner):
    TaskFactory(user=owner, status=TaskStatus.FAILED)

    html = operator_client.get(TASKS, **ZH).content.decode()

    assert 'lang="zh-hans"' in html
    assert "取消所选任务" in html and "重试所选任务" in html
    assert "失败" in html and "进度" in html


def test_chinese_file_list_shows_the_sync_action(operator_client):
    CatalogFileFactory()

    assert "同步所选文件" in operator_client.get(FILES, **ZH).content.decode()


def test_action_messages_are_in_the_operators_language(operator_client, owner):
    completed = TaskFactory(user=owner, status=TaskStatus.COMPLETED)

    level, text = run_action(operator_client, TASKS, "cancel_selected", [completed], **ZH)

    assert level == messages.WARNING
    assert "已取消：0，已请求取消：0，被拒绝：1。" in text
    assert "被拒绝（已完成）：只能取消排队中或运行中的任务" in text


def test_a_fact_rows_page_shows_the_unmapped_cells_its_lineage_leads_to(operator_client, inbox, templates):
    path = inbox_path(inbox, "notes_20241101.csv")
    path.write_text("Order ID,Order Creation Date,SKU Reference No.,Quantity,Gift Wrap Note\n"
                    "N1,2024-11-01 10:00,S1,1,ribbon please\n", encoding="utf-8")
    catalog_scan(inbox=inbox)
    file_sync(file=CatalogFile.objects.get())
    row = OrderLine.objects.get()

    response = operator_client.get(reverse("admin:sync_orderline_change", args=[row.pk]))

    assert response.status_code == 200
    assert "Gift Wrap Note" in response.content.decode() and "ribbon please" in response.content.decode()


def test_roll_back_selected_files_goes_newest_first_so_the_earlier_file_is_not_refused(operator_client, templates,
                                                                                      inbox, tmp_path):
    first, _, changes, _ = overlapping_exports(inbox, tmp_path)
    for file_id in (first, changes):
        file_sync(file=CatalogFile.objects.get(pk=file_id))

    selected = CatalogFile.objects.filter(pk__in=[first, changes])
    level, text = run_action(operator_client, FILES, "roll_back_selected", selected)

    assert level == messages.SUCCESS, text
    assert text.startswith("Rolled back: 2, refused: 0.")
    assert not OrderLine.objects.exists()
    assert set(CatalogFile.objects.filter(pk__in=[first, changes]).values_list("status", flat=True)) == {
        FileStatus.ROLLED_BACK}


def test_preview_selected_files_then_approve_selected_previews(operator_client, templates, inbox, tmp_path):
    first, *_ = overlapping_exports(inbox, tmp_path)

    level, text = run_action(operator_client, FILES, "preview_selected", CatalogFile.objects.filter(pk=first))
    assert text.startswith("Previews stored (nothing written): 1."), text
    assert not OrderLine.objects.exists()

    preview = SyncPreview.objects.get(file_id=first)
    page = operator_client.get(reverse("admin:sync_syncpreview_change", args=[preview.pk]))
    assert page.status_code == 200 and b"decisions" in page.content
    level, text = run_action(operator_client, reverse("admin:sync_syncpreview_changelist"), "approve_selected",
                             [preview])
    assert (level, text.split(" ", 3)[:3]) == (messages.SUCCESS, ["Approved:", "1,", "refused:"]), text
    assert OrderLine.objects.filter(source_file_id=first).count() == preview.rows_new


def test_error_workbook_downloaded_from_the_file_list_and_uploaded_back_queues_its_correction(
        operator_client, templates, inbox, tmp_path):
    from tests.api.test_error_workbook_api import fixed_in_two_cells
    from tests.sync.helpers import demo_copies_catalogued

    (file_id,) = demo_copies_catalogued(inbox, tmp_path, key="shopee_orders_xlsx", seeds=[4], rows=80,
                                        placed=lambda path, seed: path)
    file_sync(file=CatalogFile.objects.get(pk=file_id))
    downloaded = operator_client.post(FILES, {"action": "error_workbook_selected", "_selected_action": [file_id],
                                              "index": 0})
    assert downloaded.status_code == 200 and downloaded["Content-Type"].startswith("application/vnd.openxmlformats")
    content, _ = fixed_in_two_cells(downloaded.content)

    page = operator_client.get(FILES, **ZH)
    assert "上传修正后的错误工作簿" in page.content.decode()
    upload_url = reverse("admin:sync_catalogfile_corrections")
    with (tmp_path / "fixed.xlsx").open("wb+") as handle:
        handle.write(content)
        handle.seek(0)
        answered = operator_client.post(upload_url, {"file": handle}, follow=True)

    correction = CatalogFile.objects.get(correction_of_id=file_id)
    task = SyncProgressTask.objects.get(file_ids=[correction.pk])
    assert task.task_type == TaskType.BATCH_BY_IDS and task.status == TaskStatus.QUEUED
    (message,) = answered.context["messages"]
    assert task.task_id in strip_tags(message.message)


def test_an_upload_that_is_no_error_workbook_is_shown_on_the_form(operator_client, tmp_path, inbox):
    with (tmp_path / "other.xlsx").open("wb+") as handle:
        handle.write(b"PK not a workbook")
        handle.seek(0)
        answered = operator_client.post(reverse("admin:sync_catalogfile_corrections"), {"file": handle})
    assert answered.status_code == 200
    assert "is not an error workbook of this service" in answered.content.decode()
    assert not CatalogFile.objects.exists()


def test_a_task_without_quarantined_rows_has_no_error_workbook(operator_client, owner):
    task = TaskFactory(user=owner)
    level, text = run_action(operator_client, TASKS, "error_workbook_selected", [task])
    assert level == messages.WARNING and "No quarantined rows" in text



DRIFTS = reverse("admin:sync_filedrift_changelist")


def test_accept_selected_proposals_adds_the_aliases_and_refuses_a_drift_without_one(
        operator_client, templates, inbox, tmp_path):
    renamed = demo_file(inbox, tmp_path, key=ZH_ORDERS, rename={"商品原价": "原价"})
    dropped = demo_file(inbox, tmp_path, key=ZH_ORDERS, seed=2, shop="shopee_cn_02", drop=("买家账号",))
    for file in (renamed, dropped):
        file_sync(file=file)

    level, text = run_action(operator_client, DRIFTS, "accept_selected", FileDrift.objects.all())

    assert level == messages.WARNING
    assert "Accepted: 1, refused: 1." in text
    assert "aliases added in Shopee orders v2" in text and "refused: it has no proposal to accept" in text
    assert FileDrift.objects.get(file=renamed).accepted_at is not None


def test_accepting_proposals_is_for_staff_only(owner):
    owner.user_permissions.add(*Permission.objects.filter(codename__in=["view_filedrift", "change_fieldtemplate"]))
    request = RequestFactory().get(DRIFTS)
    request.user = type(owner).objects.get(pk=owner.pk)  # permissions read afresh
    drifts = admin.site._registry[FileDrift]

    assert not request.user.is_staff and not drifts.has_accept_permission(request)
    request.user.is_staff = True
    assert drifts.has_accept_permission(request)
