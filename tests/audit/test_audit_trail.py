"""The audit trail (issue 18, point 3): each operator action, done through the API, the admin and a
command, leaves exactly one record naming its actor, its source and the changed fields before and after;
records are read-only, only staff read them, and the retention job removes old ones."""

import getpass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from erp.audit.models import AuditOperation, AuditRecord
from erp.audit.services import audit_records_trim
from erp.users import api_user_create
from ratelimit.models import RateLimitOverride
from sync.models import FieldTemplate, PlatformAccount, SyncProgressTask, TaskStatus
from tests.factories import CatalogFileFactory, TaskFactory

pytestmark = pytest.mark.django_db
COMMAND_ACTOR = f"os:{getpass.getuser()}"
TASKS = reverse("admin:sync_syncprogresstask_changelist")
FILES = reverse("admin:sync_catalogfile_changelist")


@pytest.fixture
def staff_token(operator) -> str:
    return api_user_create(username=operator.username, role="admin")


def api(method: str, path: str, token: str, body: dict | None = None):
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    return getattr(client, method)(path, body or {}, content_type="application/json")


def admin_action(client, changelist: str, action: str, objects):
    response = client.post(changelist, {"action": action, "_selected_action": [o.pk for o in objects], "index": 0})
    assert response.status_code == 302


def records_since(mark: int):
    return list(AuditRecord.objects.filter(pk__gt=mark).order_by("pk"))


def last_pk() -> int:
    return AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- cancel, retry, sync: explicit records written by the services -----------------------------------

def cancel_through(source: str, task, *, operator_client, staff_token):
    if source == "api":
        assert api("post", f"/api/data-sync/cancel-task/{task.task_id}", staff_token).status_code == 200
    elif source == "admin":
        admin_action(operator_client, TASKS, "cancel_selected", [task])
    else:
        call_command("sync_task", "cancel", task.task_id)


@pytest.mark.parametrize("source", ["api", "admin", "command"])
def test_a_cancel_leaves_one_record_with_its_actor_source_and_status_before_and_after(
        source, operator, operator_client, staff_token, owner):
    task = TaskFactory(user=owner)
    mark = last_pk()

    cancel_through(source, task, operator_client=operator_client, staff_token=staff_token)

    (record,) = records_since(mark)
    assert (record.operation, record.source) == (AuditOperation.CANCEL, source)
    assert record.actor_name == (COMMAND_ACTOR if source == "command" else operator.username)
    assert record.actor_id == (None if source == "command" else operator.pk)
    assert record.object_pk == str(task.pk) and record.content_type.model == "syncprogresstask"
    assert record.changes["status"] == [TaskStatus.QUEUED, TaskStatus.CANCELLED]
    assert record.changes["cancel_requested"] == [False, True]
    if source != "command":
        assert record.remote_addr == "127.0.0.1"


@pytest.mark.parametrize("source", ["api", "admin", "command"])
def test_a_retry_leaves_one_record_with_status_before_and_after(source, operator, operator_client, staff_token,
                                                                 owner):
    # The retry publishes after commit; the test's transaction never commits, so nothing is sent.
    task = TaskFactory(user=owner, status=TaskStatus.FAILED)
    mark = last_pk()

    if source == "api":
        assert api("post", f"/api/data-sync/retry-task/{task.task_id}", staff_token).status_code == 200
    elif source == "admin":
        admin_action(operator_client, TASKS, "retry_selected", [task])
    else:
        call_command("sync_task", "retry", task.task_id)

    (record,) = records_since(mark)
    assert (record.operation, record.source) == (AuditOperation.RETRY, source)
    assert record.actor_name == (COMMAND_ACTOR if source == "command" else operator.username)
    assert record.changes["status"] == [TaskStatus.FAILED, TaskStatus.QUEUED]


@pytest.mark.parametrize("source", ["api", "admin", "command"])
def test_a_sync_submission_leaves_one_record_naming_the_new_task(source, operator, operator_client, staff_token):
    file = CatalogFileFactory()
    mark = last_pk()

    if source == "api":
        assert api("post", "/api/data-sync/single", staff_token, {"file_id": file.pk}).status_code == 200
    elif source == "admin":
        admin_action(operator_client, FILES, "sync_selected", [file])
    else:
        call_command("sync_files", str(file.pk), "--enqueue", stdout=open("/dev/null", "w"))

    (record,) = records_since(mark)
    task = SyncProgressTask.objects.get()
    assert (record.operation, record.source, record.object_pk) == (AuditOperation.SYNC, source, str(task.pk))
    assert record.actor_name == (COMMAND_ACTOR if source == "command" else operator.username)
    assert record.changes["status"] == [None, TaskStatus.QUEUED]
    assert record.changes["run_file_ids"] == [None, [file.pk]]


# --- model history (django-auditlog): templates, accounts, overrides, roles --------------------------

def test_a_template_edit_through_the_api_records_the_changed_fields(operator, staff_token, templates):
    template = FieldTemplate.objects.filter(is_active=True).first()
    mark = last_pk()

    response = api("patch", f"/api/templates/{template.pk}/", staff_token, {"is_active": False, "header_row": 3})

    assert response.status_code == 200
    (record,) = records_since(mark)
    assert (record.operation, record.source, record.actor_id) == (AuditOperation.CHANGE, "api", operator.pk)
    assert record.action == AuditRecord.Action.UPDATE
    assert record.changes == {"is_active": [True, False], "header_row": [template.header_row, 3]}


def test_a_template_edit_in_the_admin_records_the_changed_fields(operator, operator_client, templates):
    template = FieldTemplate.objects.filter(is_active=True).first()
    url = reverse("admin:sync_fieldtemplate_change", args=[template.pk])
    form = operator_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data["name"] = "renamed"
    mark = last_pk()

    response = operator_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    (record,) = records_since(mark)
    assert (record.source, record.actor_id) == ("admin", operator.pk)
    assert record.changes["name"] == [template.name, "renamed"]


def test_an_account_enabled_through_the_api_and_in_bulk_is_recorded(operator, staff_token):
    account = PlatformAccount.objects.create(platform_code="shopee", shop_id="s1", enabled=False)
    mark = last_pk()

    assert api("patch", f"/api/collection/accounts/{account.pk}", staff_token, {"enabled": True}).status_code == 200

    (record,) = records_since(mark)
    assert (record.source, record.actor_id, record.changes) == ("api", operator.pk, {"enabled": [False, True]})


def test_a_rate_limit_override_added_in_the_admin_is_recorded(operator, operator_client, owner):
    mark = last_pk()

    response = operator_client.post(reverse("admin:ratelimit_ratelimitoverride_add"), {
        "user": owner.pk, "default_per_minute": 500, "data_sync_per_minute": "", "auth_per_minute": "",
        "reason": "bulk importer"})

    assert response.status_code == 302
    (record,) = records_since(mark)
    assert record.content_type.model == "ratelimitoverride" and record.action == AuditRecord.Action.CREATE
    assert (record.source, record.actor_id) == ("admin", operator.pk)
    assert record.changes["default_per_minute"] == [None, 500]
    assert RateLimitOverride.objects.get().default_per_minute == 500


def test_a_role_change_in_the_admin_leaves_one_record_with_groups_before_and_after(operator, operator_client, owner):
    premium, _ = Group.objects.get_or_create(name="premium")
    url = reverse("admin:auth_user_change", args=[owner.pk])
    form = operator_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    data.update({"groups": [premium.pk], "is_staff": "on", "date_joined_0": owner.date_joined.strftime("%Y-%m-%d"),
                 "date_joined_1": owner.date_joined.strftime("%H:%M:%S")})
    data.pop("date_joined", None)
    data.pop("password", None)
    mark = last_pk()

    response = operator_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    (record,) = records_since(mark)
    assert (record.operation, record.source, record.actor_id) == (AuditOperation.ROLE_CHANGE, "admin", operator.pk)
    assert record.changes == {"groups": [["normal"], ["premium"]], "is_staff": [False, True]}


def test_a_role_change_by_command_leaves_one_record(owner):
    mark = last_pk()

    call_command("create_api_user", owner.username, "--role", "premium", stdout=open("/dev/null", "w"))

    (record,) = records_since(mark)
    assert (record.operation, record.source, record.actor_name) == (AuditOperation.ROLE_CHANGE, "command",
                                                                     COMMAND_ACTOR)
    assert record.changes == {"groups": [["normal"], ["premium"]]}


# --- reading the trail -----------------------------------------------------------------------------

def test_staff_read_the_trail_through_the_api_filtered_by_source(operator, staff_token, owner):
    task = TaskFactory(user=owner)
    api("post", f"/api/data-sync/cancel-task/{task.task_id}", staff_token)

    response = api("get", "/api/audit-log?source=api&operation=cancel", staff_token)

    assert response.status_code == 200
    (item,) = response.json()["data"]["results"]
    assert (item["actor_name"], item["source"], item["model"], item["object_pk"]) == (
        operator.username, "api", "syncprogresstask", str(task.pk))
    assert item["changes"]["status"] == ["queued", "cancelled"]


def test_anonymous_and_non_staff_callers_cannot_read_the_trail(owner):
    owner_token = api_user_create(username=owner.username, role="normal")

    assert Client().get("/api/audit-log").status_code == 401
    assert api("get", "/api/audit-log", owner_token).status_code == 403
    assert Client().get(reverse("admin:audit_auditrecord_changelist")).status_code == 302
    client = Client()
    client.force_login(owner)
    assert client.get(reverse("admin:audit_auditrecord_changelist")).status_code == 302


def test_a_bad_filter_answers_400_in_the_envelope(staff_token):
    response = api("get", "/api/audit-log?since=yesterday", staff_token)

    assert response.status_code == 400
    assert response.json()["success"] is False


def test_records_cannot_be_added_changed_or_deleted_in_the_admin(operator_client, owner):
    task = TaskFactory(user=owner)
    call_command("sync_task", "cancel", task.task_id)
    record = AuditRecord.objects.get(operation=AuditOperation.CANCEL)

    change = operator_client.post(reverse("admin:audit_auditrecord_change", args=[record.pk]), {"actor_name": "x"})
    delete = operator_client.post(reverse("admin:audit_auditrecord_delete", args=[record.pk]), {"post": "yes"})
    add = operator_client.get(reverse("admin:audit_auditrecord_add"))

    assert (change.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    record.refresh_from_db()
    assert record.actor_name == COMMAND_ACTOR


def test_the_retention_job_removes_records_older_than_the_setting(owner):
    old, new = TaskFactory(user=owner), TaskFactory(user=owner)
    call_command("sync_task", "cancel", old.task_id)
    AuditRecord.objects.update(timestamp=timezone.now() - timedelta(days=400))
    call_command("sync_task", "cancel", new.task_id)
    total = AuditRecord.objects.count()

    removed = audit_records_trim(older_than_days=365)

    assert removed == total - 1
    assert list(AuditRecord.objects.values_list("object_pk", flat=True)) == [str(new.pk)]


def test_the_trim_job_is_declared_for_beat():
    from erp.beat_jobs import BEAT_JOBS

    assert {"name": "trim audit log", "task": "audit.tasks.trim_audit_log", "every_seconds": 86400,
            "queue": "scheduled"} in BEAT_JOBS
