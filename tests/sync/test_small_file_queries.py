"""The fixed cost of a file in a task: the queries a task spends per small file stay few (issue 16), so
a batch of small exports costs about what their rows cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sync.models import CatalogFile, FileStatus, PlatformAccount, SyncProgressTask, TaskStatus, TaskType
from sync.services import task_run
from sync.services.catalog import catalog_scan
from sync.services.task_lifecycle import sync_task_create
from tests.sync.helpers import demo_copies_catalogued

pytestmark = pytest.mark.django_db

ROWS_PER_FILE = 5
SHOP = "shopee_my_01"
# Small files of one shop are written together: per file, only its outcome on its catalog row and the
# task's counts; the current file (the cancel check), the transaction, the place's lock, the stored
# hashes, the COPY, the unmapped cells and the quarantine are per group. Before issue 16 it was 19.
QUERIES_PER_FILE = 2
# A file synced on its own: the task's current file (also the cancel check), the file held as
# processing, the file's transaction (its savepoint and release in a test; the place locked, the stored
# hashes read, its unmapped cells stored), its outcome, and the task's counts.
QUERIES_PER_FILE_ALONE = 10
# A one-file task of a small export from its claim to its end (issue 19): the claim and the task read, the
# file read, its start (the cancel check), the file held, the template and the account, the file's
# transaction (place lock, stored hashes, unmapped cells, change set), its outcome, the task's end with its
# counts and summary (one UPDATE ... RETURNING), and whether a task waits for the slot. Before issue 19 it
# was 19: the task was read twice more at its end, and the dispatcher took its lock when nothing waited;
# then 16, with the counts and the summary read as statements of their own.
SINGLE_FILE_TASK_QUERIES = 14
# A small one-file task taken along in another's delivery: its claim (which also shows its file as the
# current one), the file held, the file's transaction (place lock, stored hashes, unmapped cells, change
# set), its outcome, and the task's end with its counts and summary. Its file's row, template and account
# were read with the others'. (11 before the end took the counts and returned the summary, and the claim
# began the file.)
TAKEN_ALONG_TASK_QUERIES = 8


def small_files_of_one_shop(inbox, tmp_path, count: int, first: int) -> list[int]:
    """`count` small Shopee order workbooks of one shop (different content, so none is a duplicate),
    catalogued; returns their ids."""
    return demo_copies_catalogued(inbox, tmp_path, key="shopee_orders_xlsx", seeds=range(first, first + count),
                                  rows=ROWS_PER_FILE, placed=lambda path, seed: path.replace(".xlsx", f" ({seed}).xlsx"))


def task_queries(inbox, tmp_path, count: int, first: int = 0) -> list[str]:
    file_ids = small_files_of_one_shop(inbox, tmp_path, count, first)
    task = sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids)
    with CaptureQueriesContext(connection) as queries:
        summary = task_run.sync_task_run(task_id=task.task_id)
    assert summary["status"] == TaskStatus.COMPLETED
    assert SyncProgressTask.objects.get(pk=task.pk).succeeded_files == count
    assert set(CatalogFile.objects.filter(pk__in=file_ids).values_list("status", flat=True)) == {FileStatus.PARTIAL}
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize(("small_file_bytes", "limit"), [(task_run.SMALL_FILE_BYTES, QUERIES_PER_FILE),
                                                       (0, QUERIES_PER_FILE_ALONE)], ids=["together", "alone"])
def test_a_task_spends_few_queries_per_small_file(small_file_bytes, limit, inbox, templates, tmp_path, monkeypatch):
    # given: small workbooks of one shop that has an account, as a worker batch holds them; each file's
    # outcome written on its own, as when files take longer than the interval
    monkeypatch.setattr(task_run, "RECORD_INTERVAL_S", 0)
    monkeypatch.setattr(task_run, "SMALL_FILE_BYTES", small_file_bytes)
    PlatformAccount.objects.create(platform_code="shopee", shop_id=SHOP, region="MY", timezone="Asia/Kuala_Lumpur")

    # when: a task over 2 of them and one over 6 more run (the difference is what 4 files cost)
    two = task_queries(inbox, tmp_path, 2)
    six = task_queries(inbox, tmp_path, 6, first=2)

    # then: each file costs the same few queries: the template and the account are looked up once per
    # task, the file row is not read back, the task row is written with one statement per file
    per_file, remainder = divmod(len(six) - len(two), 4)
    assert remainder == 0, six
    assert per_file <= limit, "\n".join(six)


def task_of_unreadable_files(inbox, count: int) -> tuple[list[int], SyncProgressTask]:
    """`count` catalogued files no template reads (each is skipped with an error: notes.20240101.csv, ...,
    a day apiece), and a task over them in path order."""
    for number in range(count):
        target = inbox / "shopee" / SHOP / "misc" / f"notes.2024{number // 28 + 1:02d}{number % 28 + 1:02d}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"a,b\n{number},x\n")
    catalog_scan(inbox=inbox)
    file_ids = list(CatalogFile.objects.order_by("path").values_list("pk", flat=True))
    return file_ids, sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids)


@pytest.mark.parametrize("interval_s", [0, 60], ids=["written-per-file", "written-together"])
def test_outcomes_are_appended_in_order_and_errors_kept_to_the_limit(interval_s, inbox, templates, tmp_path,
                                                                     monkeypatch):
    # given: three files no template reads (each is skipped with an error), and room for two errors
    monkeypatch.setattr(task_run, "MAX_ERRORS_KEPT", 2)
    monkeypatch.setattr(task_run, "RECORD_INTERVAL_S", interval_s)
    file_ids, task = task_of_unreadable_files(inbox, 3)

    # when
    task_run.sync_task_run(task_id=task.task_id)

    # then: every outcome is kept, in the task's order; the errors stop at the limit
    task = SyncProgressTask.objects.get(pk=task.pk)
    assert [r["file_id"] for r in task.file_results] == file_ids
    assert [r["status"] for r in task.file_results] == [FileStatus.SKIPPED] * 3
    assert len(task.errors) == 2
    assert task.errors[0].startswith("notes.20240101.csv: no active template")
    assert (task.processed_files, task.skipped_files) == (3, 3)


def test_more_outcomes_at_once_than_a_function_takes_arguments_are_all_appended(inbox, templates, monkeypatch):
    # given: 120 files no template reads, all finishing within one write interval, each with an error
    monkeypatch.setattr(task_run, "MAX_ERRORS_KEPT", 500)
    monkeypatch.setattr(task_run, "RECORD_INTERVAL_S", 60)
    file_ids, task = task_of_unreadable_files(inbox, 120)

    # when: their outcomes go to the task row in one UPDATE (PostgreSQL's functions take 100 arguments)
    task_run.sync_task_run(task_id=task.task_id)

    # then: every outcome and every error is appended, in order
    task = SyncProgressTask.objects.get(pk=task.pk)
    assert [r["file_id"] for r in task.file_results] == file_ids
    assert len(task.errors) == 120 and task.errors[0].startswith("notes.20240101.csv: no active template")


def test_a_single_small_file_task_costs_few_queries_end_to_end(inbox, templates, tmp_path, settings):
    """Issue 19, point 5: a one-file task of a small export, from its claim to its end (the dispatch of the
    next task included), spends at most SINGLE_FILE_TASK_QUERIES queries, so the fixed cost of a small
    file cannot creep back."""
    PlatformAccount.objects.create(platform_code="shopee", shop_id=SHOP, region="MY", timezone="Asia/Kuala_Lumpur")
    (file_id,) = small_files_of_one_shop(inbox, tmp_path, 1, 0)
    task = sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=[file_id])

    with CaptureQueriesContext(connection) as queries:
        summary = task_run.sync_task_run(task_id=task.task_id)

    assert summary["status"] == TaskStatus.COMPLETED
    # The test's own transaction turns the file's into a savepoint: not a query of the task's.
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(sql) <= SINGLE_FILE_TASK_QUERIES, "\n".join(sql)


def test_a_small_task_taken_along_costs_fewer_queries_than_one_delivered(inbox, templates, tmp_path, settings):
    """Issue 19, point 5: a small one-file task run in another's delivery (small_tasks) spends at most
    TAKEN_ALONG_TASK_QUERIES queries: no delivery, no template, account or dispatch of its own."""
    settings.ERP_SYNC_WORKER_SLOTS = 1  # the first task is handed to the broker, the others wait
    PlatformAccount.objects.create(platform_code="shopee", shop_id=SHOP, region="MY", timezone="Asia/Kuala_Lumpur")

    def delivery_queries(count: int, first: int) -> list[str]:
        file_ids = small_files_of_one_shop(inbox, tmp_path, count, first)
        tasks = [sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=[i], priority=5) for i in file_ids]
        ended = []
        with CaptureQueriesContext(connection) as queries:
            task_run.sync_task_run(task_id=tasks[0].task_id, ended=ended.append)
        assert [s["status"] for s in ended] == [TaskStatus.COMPLETED] * count
        return [q["sql"] for q in queries.captured_queries
                if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]

    two, six = delivery_queries(2, 0), delivery_queries(6, 2)

    per_task, remainder = divmod(len(six) - len(two), 4)
    assert remainder == 0, "\n".join(six)
    assert per_task <= TAKEN_ALONG_TASK_QUERIES, "\n".join(six)
