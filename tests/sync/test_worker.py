"""Syncs run by a real `celery worker` process on a real Redis broker and PostgreSQL."""

import pytest
from django_celery_results.models import TaskResult

from sync.demo.exports import demo_exports_write
from sync.models import CatalogFile, FileStatus, OrderLine, TaskStatus, TaskType
from sync.services.catalog import catalog_scan
from sync.services.task_lifecycle import sync_task_create
from tests.processes import wait_for
from tests.sync.guard_files import write_guard_files
from tests.sync.helpers import assert_matches_expected, run_to_end

pytestmark = pytest.mark.worker
OVERSIZE_LIMIT = 100_000


def test_worker_syncs_every_demo_file_in_one_batch(celery_worker, inbox, templates):
    demos = demo_exports_write(out_dir=inbox, rows=60, seed=3)
    catalog_scan(inbox=inbox)
    file_ids = list(CatalogFile.objects.values_list("pk", flat=True))

    task = run_to_end(sync_task_create(task_type=TaskType.BATCH_ALL, file_ids=file_ids))

    assert task.status == TaskStatus.COMPLETED, task.errors
    assert (task.processed_files, task.succeeded_files) == (len(demos), len(demos))
    for demo in demos:
        assert_matches_expected(CatalogFile.objects.get(path=demo.path), demo.expected)
    assert task.rows_read == task.rows_ingested + task.rows_quarantined + task.rows_skipped
    assert task.task_details["quality_check"]["checked_platforms"] >= 4
    wait_for(lambda: TaskResult.objects.filter(task_id=task.task_id, status="SUCCESS").exists(),
             what="the celery result in the database")


def test_guard_files_fail_alone_while_the_rest_of_the_batch_ingests(worker_factory, inbox, templates):
    worker_factory(ERP_MAX_FILE_BYTES=str(OVERSIZE_LIMIT))
    reasons = write_guard_files(inbox, oversize_bytes=OVERSIZE_LIMIT)
    (good,) = demo_exports_write(out_dir=inbox, rows=60, seed=5, only=["shopee_orders_xlsx"])
    catalog_scan(inbox=inbox)
    file_ids = list(CatalogFile.objects.order_by("file_name").values_list("pk", flat=True))

    task = run_to_end(sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids))

    assert task.status == TaskStatus.FAILED  # some files failed; the batch still went on
    assert (task.failed_files, task.succeeded_files) == (len(reasons), 1)
    for name, reason in reasons.items():
        file = CatalogFile.objects.get(file_name=name)
        assert file.status == FileStatus.FAILED and reason in file.last_error, (name, file.last_error)
        assert any(name in error and reason in error for error in task.errors)
    good_file = CatalogFile.objects.get(path=good.path)
    assert_matches_expected(good_file, good.expected)
    assert OrderLine.objects.count() == good.expected["ingested"]


def test_worker_extracts_product_images_on_the_processing_queue(celery_worker, inbox):
    from sync.tasks import extract_product_images

    demo_exports_write(out_dir=inbox, rows=10, seed=1, only=["shopee_products_xlsx"])
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()

    async_result = extract_product_images.delay(file.pk)

    stored = wait_for(lambda: TaskResult.objects.filter(task_id=async_result.id, status="SUCCESS").first(),
                      what="the image extraction result")
    assert stored.task_name == "sync.tasks.extract_product_images"
    assert len(async_result.get(timeout=30)["images"]) == 3
