"""The /api/sync-tasks/, /api/catalog-files/ and /api/templates/ viewsets: listing, filters, detail,
submissions through the seed's services, uploads, template writes; every answer matches the schema."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from django_celery_results.models import TaskResult

from erp.celery import app as celery_app
from sync.api.viewset_serializers import FieldTemplateSerializer
from sync.builtin_templates import BUILTIN_TEMPLATES
from sync.models import CatalogFile, FieldTemplate, FileStatus, QuarantinedRow, SyncProgressTask, TaskStatus
from sync.services.uploads import catalog_upload
from tests.api.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db
TASKS, TASK, CANCEL, RETRY = ("/api/sync-tasks/", "/api/sync-tasks/{task_id}/", "/api/sync-tasks/{task_id}/cancel/",
                              "/api/sync-tasks/{task_id}/retry/")
FILES, FILE, FILE_SYNC = "/api/catalog-files/", "/api/catalog-files/{id}/", "/api/catalog-files/{id}/sync/"
TEMPLATES, TEMPLATE = "/api/templates/", "/api/templates/{id}/"
CSV = b"order_id,sku,quantity\n1001,A-1,2\n"


def call(client, method: str, template: str, body=None, query: dict | None = None, fmt: str = "json", **ids):
    """Request the path made from the schema template, and check the answer against that template."""
    path = template.format(**ids) + (f"?{urlencode(query)}" if query else "")
    response = getattr(client, method)(path, body, format=fmt) if method != "get" else client.get(path)
    assert_matches_schema(response, template, method)
    return response


def data(response, status: int = 200):
    body = response.json()
    assert response.status_code == status, body
    assert body["success"] is True
    return body["data"]


def assert_error(response, status: int, code: str):
    body = response.json()
    assert response.status_code == status, body
    assert body["success"] is False and body["error"]["code"] == code, body
    return body


def submit(client, file, **extra) -> str:
    response = call(client, "post", TASKS, {"task_type": "single_file", "file_id": file.pk, **extra})
    return data(response, 202)["task_id"]


# --- /api/sync-tasks/ -------------------------------------------------------------------------

def test_create_answers_202_like_the_seed_and_publishes_only_after_commit(owner, demo_files,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = call(owner, "post", TASKS, {"task_type": "single_file", "file_id": demo_files[0].pk,
                                               "priority": 8, "allow_quarantine": False})

    created = data(response, 202)
    task = SyncProgressTask.objects.get(task_id=created["task_id"])
    assert (created["status"], created["priority"], created["total_files"], created["queue_position"]) == (
        "queued", 8, 1, 1)
    assert (task.task_type, task.file_ids, task.user.username) == ("single_file", [demo_files[0].pk], "owner")
    assert task.parameters == {"file_id": demo_files[0].pk, "priority": 8, "only_with_template": True,
                               "allow_quarantine": False, "use_template_header_row": True, "dry_run": False}
    assert len(callbacks) == 1 and task.dispatched_at is None  # nothing sent before the commit
    try:
        callbacks[0]()  # the commit: the message goes to the broker
        task.refresh_from_db()
        assert task.dispatched_at is not None
    finally:
        celery_app.control.purge()  # no worker here; later worker tests should not meet this message


def test_create_takes_each_types_seed_fields(owner, demo_files):
    by_ids = data(call(owner, "post", TASKS, {"task_type": "batch_by_ids",
                                              "file_ids": [demo_files[1].pk, 424242]}), 202)
    batch = data(call(owner, "post", TASKS, {"task_type": "batch", "platform": "amazon"}), 202)
    rest = data(call(owner, "post", TASKS, {"task_type": "batch_all"}), 202)
    nothing = data(call(owner, "post", TASKS, {"task_type": "batch_all"}))

    assert (by_ids["total_files"], by_ids["missing_file_ids"]) == (1, [424242])
    amazon = [f.pk for f in demo_files if f.platform_code == "amazon"]
    assert SyncProgressTask.objects.get(task_id=batch["task_id"]).file_ids == amazon
    assert rest["total_files"] == len(demo_files) - 2
    assert (nothing["task_id"], nothing["status"]) == (None, "nothing_to_do")  # every file is queued now
    assert_error(call(owner, "post", TASKS, {"task_type": "batch_by_ids", "file_ids": [424242]}), 404, "not_found")


@pytest.mark.parametrize(("body", "field"), [
    ({}, "task_type"), ({"task_type": "everything"}, "task_type"), ({"task_type": "single_file"}, "file_id"),
    ({"task_type": "batch_by_ids"}, "file_ids"), ({"task_type": "batch", "platform": "ebay"}, "platform"),
    ({"task_type": "batch_all", "priority": 0}, "priority"),
])
def test_create_validation_names_the_field(owner, body, field):
    body = assert_error(call(owner, "post", TASKS, body), 400, "validation_error")
    assert field in body["error"]["detail"]


def test_create_of_a_busy_file_is_409(owner, demo_files):
    submit(owner, demo_files[0])

    response = call(owner, "post", TASKS, {"task_type": "single_file", "file_id": demo_files[0].pk})

    assert_error(response, 409, "file_busy")


def test_list_shows_own_tasks_and_staff_sees_all(owner, other, staff, demo_files):
    mine = {submit(owner, demo_files[0]), submit(owner, demo_files[1])}
    theirs = submit(other, demo_files[2])

    owner_page = data(call(owner, "get", TASKS))
    other_page = data(call(other, "get", TASKS))
    staff_page = data(call(staff, "get", TASKS))

    assert {t["task_id"] for t in owner_page["results"]} == mine and owner_page["count"] == 2
    assert [t["task_id"] for t in other_page["results"]] == [theirs]
    assert {t["task_id"] for t in staff_page["results"]} == mine | {theirs}
    assert "errors" not in owner_page["results"][0]  # per-file detail is on the task's own page


def test_list_filters(owner, staff, other, demo_files):
    cancelled = submit(owner, demo_files[0])
    owner.post(f"/api/sync-tasks/{cancelled}/cancel/")
    queued = submit(owner, demo_files[1])
    theirs = submit(other, demo_files[2])
    soon = (timezone.now() + timedelta(minutes=1)).isoformat()

    def ids(client, **query):
        return [t["task_id"] for t in data(call(client, "get", TASKS, query=query))["results"]]

    assert ids(owner, status="cancelled") == [cancelled]
    assert ids(owner, status="queued", task_type="single_file") == [queued]
    assert ids(owner, task_type="batch") == []
    assert ids(staff, user="other") == [theirs]
    assert ids(owner, user="other") == []  # a normal user's list never leaves their own tasks
    assert ids(owner, created_after=soon) == []
    assert set(ids(owner, created_before=soon)) == {cancelled, queued}
    body = assert_error(call(owner, "get", TASKS, query={"status": "sleeping"}), 400, "validation_error")
    assert "status" in body["error"]["detail"]


def test_list_orders_by_priority_and_status(owner, demo_files):
    low = submit(owner, demo_files[0], priority=2)
    high = submit(owner, demo_files[1], priority=9)
    owner.post(f"/api/sync-tasks/{high}/cancel/")

    def ids(ordering):
        return [t["task_id"] for t in data(call(owner, "get", TASKS, query={"ordering": ordering}))["results"]]

    assert ids("priority") == [low, high]
    assert ids("-priority") == [high, low]
    assert ids("status") == [high, low]  # cancelled < queued
    assert ids("-created_at") == [high, low]


def test_list_is_paginated_by_50(owner):
    user = User.objects.get(username="owner")
    SyncProgressTask.objects.bulk_create(
        SyncProgressTask(task_id=f"t-{i:03}", task_type="single_file", user=user, status=TaskStatus.COMPLETED)
        for i in range(51))

    first = data(call(owner, "get", TASKS, query={"ordering": "created_at"}))
    second = data(call(owner, "get", TASKS, query={"ordering": "created_at", "page": 2}))

    assert (first["count"], len(first["results"]), first["previous"]) == (51, 50, None)
    assert first["next"].endswith("page=2") and second["previous"] and second["next"] is None
    assert len(second["results"]) == 1
    assert {t["task_id"] for t in first["results"] + second["results"]} == {f"t-{i:03}" for i in range(51)}
    assert_error(call(owner, "get", TASKS, query={"page": 3}), 404, "not_found")


def test_detail_shows_file_results_queue_place_and_celery_result(owner, demo_files):
    task_id = submit(owner, demo_files[0])
    SyncProgressTask.objects.filter(task_id=task_id).update(
        file_results=[{"file_id": demo_files[0].pk, "status": "failed", "error": "no header"}],
        errors=["orders.xlsx: no header"], task_details={"quality_check": {}})
    TaskResult.objects.create(
        task_id=task_id, status="FAILURE", content_type="application/json", content_encoding="utf-8",
        result=json.dumps({"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}),
        traceback="Traceback (most recent call last):\nValueError: boom", task_name="sync.tasks.sync_single_file",
        worker="w1@host")

    detail = data(call(owner, "get", TASK, task_id=task_id))

    assert detail["file_results"] == [{"file_id": demo_files[0].pk, "status": "failed", "error": "no header"}]
    assert (detail["errors"], detail["task_details"]) == (["orders.xlsx: no header"], {"quality_check": {}})
    assert (detail["queue"]["position"], detail["queue"]["ahead"]) == (1, 0)
    celery = detail["celery_result"]
    assert (celery["status"], celery["result"]["exc_type"], celery["worker"]) == ("FAILURE", "ValueError", "w1@host")
    assert celery["traceback"].endswith("ValueError: boom") and celery["date_done"]


def test_detail_without_a_stored_result_has_null_celery_result(owner, demo_files):
    task_id = submit(owner, demo_files[0])

    assert data(call(owner, "get", TASK, task_id=task_id))["celery_result"] is None


def test_another_users_task_is_404_and_staff_may_act_on_it(owner, other, staff, demo_files):
    task_id = submit(owner, demo_files[0])

    assert_error(call(other, "get", TASK, task_id=task_id), 404, "not_found")
    assert_error(call(other, "post", CANCEL, task_id=task_id), 404, "not_found")
    assert_error(call(other, "post", RETRY, {}, task_id=task_id), 404, "not_found")
    assert data(call(staff, "get", TASK, task_id=task_id))["user"] == "owner"
    assert data(call(staff, "post", CANCEL, task_id=task_id))["status"] == "cancelled"


def test_cancel_then_409_then_retry_then_409(owner, demo_files):
    task_id = submit(owner, demo_files[0])

    cancelled = call(owner, "post", CANCEL, task_id=task_id)
    again = call(owner, "post", CANCEL, task_id=task_id)
    retried = call(owner, "post", RETRY, {"all_files": True}, task_id=task_id)
    retried_again = call(owner, "post", RETRY, {}, task_id=task_id)

    assert data(cancelled)["status"] == "cancelled" and cancelled.json()["message"] == "Task cancelled."
    assert CatalogFile.objects.get(pk=demo_files[0].pk).status == FileStatus.QUEUED  # queued again by the retry
    assert_error(again, 409, "task_not_cancellable")
    assert (data(retried, 202)["task_id"], data(retried, 202)["status"]) == (task_id, "queued")
    assert_error(retried_again, 409, "task_not_retryable")
    assert_error(call(owner, "post", RETRY, {"all_files": "maybe"}, task_id=task_id), 400, "validation_error")


def test_sync_tasks_have_no_update_or_delete(owner, demo_files):
    task_id = submit(owner, demo_files[0])

    assert owner.delete(f"/api/sync-tasks/{task_id}/").status_code == 405
    assert owner.patch(f"/api/sync-tasks/{task_id}/", {"priority": 1}, format="json").status_code == 405


# --- anonymous --------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "template", "ids"), [
    ("get", TASKS, {}), ("post", TASKS, {}), ("get", TASK, {"task_id": "x"}), ("post", CANCEL, {"task_id": "x"}),
    ("post", RETRY, {"task_id": "x"}), ("get", FILES, {}), ("get", FILE, {"id": 1}), ("post", FILE_SYNC, {"id": 1}),
    ("get", TEMPLATES, {}), ("post", TEMPLATES, {}), ("get", TEMPLATE, {"id": 1}),
    ("patch", TEMPLATE, {"id": 1}), ("delete", TEMPLATE, {"id": 1}),
])
def test_anonymous_is_401_everywhere(anonymous, method, template, ids):
    assert_error(call(anonymous, method, template, {}, **ids), 401, "not_authenticated")


def test_anonymous_upload_is_401(anonymous):
    response = call(anonymous, "post", FILES, upload_form(), fmt="multipart")

    assert_error(response, 401, "not_authenticated")


# --- /api/catalog-files/ ----------------------------------------------------------------------

def test_every_user_lists_the_shared_catalog_with_filters(owner, other, demo_files):
    amazon = next(f for f in demo_files if f.platform_code == "amazon")
    soon = (timezone.now() + timedelta(minutes=1)).isoformat()

    def ids(client, **query):
        return [f["id"] for f in data(call(client, "get", FILES, query=query))["results"]]

    assert sorted(ids(owner)) == sorted(ids(other)) == [f.pk for f in demo_files]
    assert ids(other, platform_code="amazon") == [amazon.pk]
    assert ids(owner, shop_id=amazon.shop_id, data_domain="orders", status="pending") == [amazon.pk]
    assert ids(owner, granularity="daily", platform_code="tiktok") == [
        f.pk for f in demo_files if f.platform_code == "tiktok" and f.granularity == "daily"]
    assert ids(owner, granularity="weekly") == []
    assert ids(owner, first_seen_after=soon) == []
    assert len(ids(owner, first_seen_before=soon)) == len(demo_files)
    assert ids(owner, ordering="file_name") == [f.pk for f in sorted(demo_files, key=lambda f: f.file_name)]
    assert_error(call(owner, "get", FILES, query={"platform_code": "ebay"}), 400, "validation_error")


def test_detail_shows_the_first_100_quarantined_rows_and_the_total(other, demo_files):
    file = demo_files[0]
    QuarantinedRow.objects.bulk_create(
        QuarantinedRow(file=file, source_row=row, raw={"Order ID": ""}, reasons=["order_id: required"])
        for row in range(105, 0, -1))

    detail = data(call(other, "get", FILE, id=file.pk))

    assert detail["quarantined_rows_total"] == 105
    assert [r["source_row"] for r in detail["quarantined_rows"]] == list(range(1, 101))
    assert detail["quarantined_rows"][0]["reasons"] == ["order_id: required"]
    assert (detail["path"], detail["status"], detail["duplicate_of"]) == (file.path, "pending", None)
    assert_error(call(other, "get", FILE, id=424242), 404, "not_found")


def test_sync_action_submits_the_file_with_its_options(other, demo_files):
    file = demo_files[1]

    response = call(other, "post", FILE_SYNC, {"priority": 9, "options": {"only_with_template": False}}, id=file.pk)

    submitted = data(response, 202)
    task = SyncProgressTask.objects.get(task_id=submitted["task_id"])
    # 9 asked, 8 given: a normal user's priority is capped below admin's (sync/services/priority.py).
    assert (task.task_type, task.file_ids, task.priority, task.user.username) == ("single_file", [file.pk], 8, "other")
    assert task.parameters == {"file_id": file.pk, "priority": 9, "only_with_template": False,
                               "allow_quarantine": True, "use_template_header_row": True, "dry_run": False}
    assert CatalogFile.objects.get(pk=file.pk).status == FileStatus.QUEUED
    assert_error(call(other, "post", FILE_SYNC, {}, id=file.pk), 409, "file_busy")
    assert_error(call(other, "post", FILE_SYNC, {}, id=424242), 404, "not_found")
    body = assert_error(call(other, "post", FILE_SYNC, {"priority": 11}, id=demo_files[0].pk), 400, "validation_error")
    assert "priority" in body["error"]["detail"]


def upload_form(name: str = "orders.20241101_20241101.csv", content: bytes = CSV, **fields) -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "platform_code": "amazon",
            "shop_id": "amazon_us_01", "data_domain": "orders", "granularity": "daily", **fields}


def upload(client, **kwargs):
    return call(client, "post", FILES, upload_form(**kwargs), fmt="multipart")


def test_upload_is_stored_under_the_inbox_layout_and_catalogued(owner, inbox):
    response = upload(owner)

    created = data(response, 201)
    relative = "amazon/amazon_us_01/orders/daily/orders.20241101_20241101.csv"
    assert (inbox / relative).read_bytes() == CSV
    file = CatalogFile.objects.get(pk=created["id"])
    assert (file.path, file.status, file.size_bytes) == (relative, FileStatus.PENDING, len(CSV))
    assert (created["platform_code"], created["shop_id"], created["period_start"], created["duplicate_of"]) == (
        "amazon", "amazon_us_01", "2024-11-01", None)


def test_upload_of_content_already_catalogued_answers_200_with_duplicate_of(owner, other, inbox):
    original = data(upload(owner), 201)

    renamed = upload(other, name="copy.csv")
    same_name = upload(other)

    for response, stored in ((renamed, "copy.csv"), (same_name, "orders.20241101_20241101 (2).csv")):
        duplicate = data(response, 200)
        assert (duplicate["duplicate_of"], duplicate["status"]) == (original["id"], "skipped")
        assert duplicate["path"].endswith(f"/daily/{stored}") and original["path"] in response.json()["message"]
    assert (inbox / original["path"]).read_bytes() == CSV  # never overwritten


def test_upload_with_a_period_and_other_content_is_a_new_file(owner, inbox):
    created = data(upload(owner, name="orders.csv", content=CSV + b"1002,B-2,1\n", period="20241101_20241130"), 201)

    assert (created["period_start"], created["period_end"], created["status"]) == ("2024-11-01", "2024-11-30",
                                                                                    "pending")


def test_upload_may_declare_the_files_number_locale_and_an_unknown_one_is_400(owner, inbox):
    created = data(upload(owner, number_locale="id_ID"), 201)
    body = assert_error(upload(owner, name="other.csv", content=CSV + b"1003,C-3,1\n", number_locale="xx_QQ"),
                        400, "validation_error")

    assert (created["number_locale"], CatalogFile.objects.get(pk=created["id"]).number_locale) == ("id_ID", "id_ID")
    assert "unknown locale xx_QQ" in body["error"]["detail"]["number_locale"][0]


@override_settings(ERP_MAX_FILE_BYTES=len(CSV) - 1)
def test_upload_over_the_size_limit_is_400(owner, inbox):
    body = assert_error(upload(owner), 400, "validation_error")

    assert "file" in body["error"]["detail"] and "limit" in body["error"]["detail"]["file"][0]
    assert not CatalogFile.objects.exists() and not any(inbox.rglob("*.csv"))


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "orders.exe"}, "file"), ({"name": "~$orders.xlsx"}, "file"), ({"content": b""}, "file"),
    ({"shop_id": "../../etc"}, "shop_id"), ({"shop_id": ".hidden"}, "shop_id"),
    ({"platform_code": "ebay"}, "platform_code"),
    ({"granularity": "hourly"}, "granularity"), ({"period": "last week"}, "period"),
])
def test_upload_refusals_name_the_field(owner, inbox, fields, field):
    body = assert_error(upload(owner, **fields), 400, "validation_error")

    assert field in body["error"]["detail"]
    assert not CatalogFile.objects.exists() and not any(p.is_file() for p in inbox.rglob("*"))


def raw_multipart(boundary: str, file_name: str, content: bytes, **fields: str) -> bytes:
    """A form body written by hand: Django's test client would strip the path from the file name itself."""
    parts = [f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode() for name, value in fields.items()]
    parts.append(f'Content-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + content)
    return b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts) + f"--{boundary}--\r\n".encode()


def test_upload_name_with_a_path_keeps_only_its_last_part(owner, inbox):
    body = raw_multipart("b0undary", "../../../../outside/evil.csv", CSV, platform_code="amazon",
                         shop_id="amazon_us_01", data_domain="orders", granularity="daily")

    response = owner.generic("POST", FILES, body, content_type="multipart/form-data; boundary=b0undary")

    assert_matches_schema(response, FILES, "post")
    created = data(response, 201)
    assert created["path"] == "amazon/amazon_us_01/orders/daily/evil.csv"
    assert [p.relative_to(inbox).as_posix() for p in inbox.parent.rglob("evil.csv")] == [created["path"]]


def test_upload_service_strips_windows_paths_too(owner, inbox):
    result = catalog_upload(upload=SimpleUploadedFile("..\\..\\C:\\evil.csv", CSV), platform_code="amazon",
                            shop_id="amazon_us_01", data_domain="orders", granularity="daily")

    assert result.file.path == "amazon/amazon_us_01/orders/daily/evil.csv" and result.duplicate_of is None


# --- /api/templates/ --------------------------------------------------------------------------

NEW_TEMPLATE = {
    "name": "Shopee orders v2", "platform_code": "shopee", "data_domain": "orders", "granularity": "any", "version": 2,
    "mapping": {"order_id": ["Order ID"], "line_key": ["SKU"], "business_date": ["Order Date"],
                "quantity": ["Qty"], "ctr": ["CTR"]},
    "types": {"ctr": "percent"}, "required_fields": ["order_id", "business_date"],
    "dedup_fields": ["order_id", "line_key"], "date_formats": ["%Y-%m-%d"],
}


def test_every_user_reads_templates(owner, templates):
    page = data(call(owner, "get", TEMPLATES, query={"platform_code": "shopee", "data_domain": "orders"}))
    one = FieldTemplate.objects.get(platform_code="shopee", data_domain="orders")

    assert [t["id"] for t in page["results"]] == [one.pk]
    detail = data(call(owner, "get", TEMPLATE, id=one.pk))
    assert (detail["mapping"], detail["is_builtin"]) == (one.mapping, True)


def test_normal_users_cannot_write_templates(owner, templates):
    one = FieldTemplate.objects.first()

    assert_error(call(owner, "post", TEMPLATES, NEW_TEMPLATE), 403, "permission_denied")
    assert_error(call(owner, "patch", TEMPLATE, {"is_active": False}, id=one.pk), 403, "permission_denied")
    assert_error(call(owner, "put", TEMPLATE, NEW_TEMPLATE, id=one.pk), 403, "permission_denied")
    assert_error(call(owner, "delete", TEMPLATE, id=one.pk), 403, "permission_denied")
    assert FieldTemplate.objects.filter(pk=one.pk, is_active=True).exists()


def test_staff_create_change_and_delete_a_template(staff, templates):
    created = data(call(staff, "post", TEMPLATES, NEW_TEMPLATE), 201)
    changed = data(call(staff, "patch", TEMPLATE, {"is_active": False, "required_fields": ["order_id"]},
                        id=created["id"]))
    deleted = call(staff, "delete", TEMPLATE, id=created["id"])

    assert (created["version"], created["is_builtin"], created["types"]) == (2, False, {"ctr": "percent"})
    assert (changed["is_active"], changed["required_fields"]) == (False, ["order_id"])
    assert data(deleted)["id"] == created["id"] and deleted.json()["message"] == "Template deleted."
    assert_error(call(staff, "get", TEMPLATE, id=created["id"]), 404, "not_found")


@pytest.mark.parametrize(("change", "field"), [
    ({"mapping": ["order_id"]}, "mapping"), ({"mapping": {}}, "mapping"),
    ({"mapping": {"order_id": "Order ID"}}, "mapping"),
    ({"mapping": {"order_id": [1, {}]}}, "mapping"), ({"types": {"ctr": "float"}}, "types"),
    ({"types": {"clicks": "int"}}, "types"), ({"required_fields": ["buyer"]}, "required_fields"),
    ({"dedup_fields": "order_id"}, "dedup_fields"), ({"dedup_fields": ["sku"]}, "dedup_fields"),
    ({"granularity": "hourly"}, "granularity"), ({"platform_code": "ebay"}, "platform_code"),
])
def test_template_validation_names_the_field(staff, change, field):
    body = assert_error(call(staff, "post", TEMPLATES, {**NEW_TEMPLATE, **change}), 400, "validation_error")

    assert field in body["error"]["detail"], body


def test_a_partial_change_is_checked_against_the_kept_mapping(staff, templates):
    one = FieldTemplate.objects.get(platform_code="shopee", data_domain="orders")

    body = assert_error(call(staff, "patch", TEMPLATE, {"dedup_fields": ["nope"]}, id=one.pk), 400, "validation_error")

    assert "dedup_fields" in body["error"]["detail"]


def test_a_second_template_with_the_same_version_is_400(staff, templates):
    call(staff, "post", TEMPLATES, NEW_TEMPLATE)

    assert_error(call(staff, "post", TEMPLATES, NEW_TEMPLATE), 400, "validation_error")


def test_every_builtin_template_round_trips_through_the_api_validation(templates):
    builtins = FieldTemplate.objects.filter(is_builtin=True)

    for template in builtins:
        serializer = FieldTemplateSerializer(template, data=FieldTemplateSerializer(template).data)
        assert serializer.is_valid(), (template.name, serializer.errors)
    assert builtins.count() == len(BUILTIN_TEMPLATES)
