"""JSON schemas of what the predecessor's front end and scripts read, written from
../shared/PREDECESSOR_API.md (section numbers in the comments), not from this service's serializers."""

from datetime import datetime

import jsonschema

STR, INT, BOOL, NUM = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "number"}
NULL_STR = {"type": ["string", "null"]}
ISO = {"type": "string", "format": "date-time"}


def obj(required: dict, optional: dict | None = None) -> dict:
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}}


def enveloped(data: dict, *, message: bool | None = None) -> dict:
    """1.1: success, data, timestamp; message only when the route passes one (progress has none)."""
    schema = obj({"success": {"const": True}, "data": data, "timestamp": ISO})
    if message is True:
        schema["required"].append("message")
        schema["properties"]["message"] = STR
    elif message is False:
        schema["not"] = {"required": ["message"]}
    return schema


# 1.2 / 1.3: the error envelope; code a 4-digit integer, type from its thousands digit.
ERROR = obj({"success": {"const": False}, "message": STR, "timestamp": ISO, "request_id": STR,
             "error": obj({"code": {"type": "integer", "minimum": 1000, "maximum": 9999},
                           "type": {"enum": ["SystemError", "BusinessError", "DataError", "UserError"]}},
                          {"detail": {"type": ["string", "object", "array"]}, "recovery_suggestion": STR})})


def error_with(code: int, error_type: str) -> dict:
    return {"allOf": [ERROR, {"properties": {"error": {"properties": {"code": {"const": code},
                                                                       "type": {"const": error_type}}}}}]}


# 2.1 login (bare), 2.3 refresh (bare)
USER_INFO = obj({"id": INT, "username": STR, "email": STR, "full_name": STR,
                 "roles": {"type": "array", "items": STR}, "permissions": {"type": "array", "items": STR},
                 "is_admin": BOOL})
TOKENS = {"access_token": STR, "refresh_token": STR, "token_type": {"const": "bearer"}, "expires_in": INT}
LOGIN = obj({**TOKENS, "user_info": USER_INFO})
REFRESH = obj(TOKENS)

# 5.1 - 5.4 submissions (HTTP 200, enveloped)
SINGLE = enveloped(obj({"task_id": {"type": "string", "pattern": r"^single_file_\d+_[0-9a-f]{8}$"},
                        "celery_task_id": STR, "file_id": INT, "file_name": STR, "status": {"const": "pending"},
                        "message": STR}), message=True)
BATCH = enveloped(obj({"task_id": {"type": "string", "pattern": r"^batch_[0-9a-f]{8}$"}, "celery_task_id": STR,
                       "total_files": INT, "processed_files": {"const": 0}}), message=True)
BATCH_BY_IDS = enveloped(obj({"task_id": {"type": "string", "pattern": r"^batch_ids_[0-9a-f]{8}$"},
                              "celery_task_id": STR, "total_files": INT, "processed_files": {"const": 0},
                              "missing_file_ids": {"type": ["array", "null"], "items": INT}}), message=True)
BATCH_ALL = enveloped(obj({"task_id": {"type": "string", "pattern": r"^batch_all_[0-9a-f]{8}$"},
                           "celery_task_id": STR, "file_count": INT, "message": STR}), message=True)
BATCH_ALL_NOTHING = enveloped(obj({"task_id": {"type": "null"}, "file_count": {"const": 0}}), message=True)

# 5.5 progress
TIMED = obj({"message": STR}, {"time": NULL_STR, "file_name": NULL_STR})
PROGRESS_OBJECT = obj({
    "task_id": STR, "task_type": {"enum": ["single_file", "bulk_ingest", "batch_ingest", "batch_sync_all", "auto_ingest"]},
    "trigger_source": {"enum": ["manual", "auto_ingest"]},
    "status": {"enum": ["pending", "processing", "running", "completed", "failed", "partial_success", "cancelled"]},
    "canonical_status": {"enum": ["pending", "running", "completed", "failed", "partial_success", "cancelled"]},
    "total_files": INT, "processed_files": INT, "success_files": INT, "failed_files": INT, "skipped_files": INT,
    "blocked_files": INT, "current_file": STR, "current_item": NULL_STR, "progress_percent": NUM,
    "file_progress": NUM, "row_progress": NUM, "total_rows": INT, "processed_rows": INT, "valid_rows": INT,
    "error_rows": INT, "quarantined_rows": INT, "errors": {"type": "array", "items": TIMED},
    "warnings": {"type": "array", "items": TIMED}, "message": NULL_STR, "error_summary": NULL_STR,
    "task_details": {"type": "object"}, "start_time": {"type": "string", "pattern": "Z$"},
    "end_time": {"type": ["string", "null"], "pattern": "Z$"}, "updated_at": {"type": "string", "pattern": "Z$"},
    "started_at": {"type": ["string", "null"]}, "finished_at": {"type": ["string", "null"]},
    "heartbeat_at": {"type": ["string", "null"]}})
PROGRESS = enveloped(PROGRESS_OBJECT, message=False)
# 5.11: a plain array; progress_percent, heartbeat_at, started_at always filled in
HISTORY = enveloped({"type": "array", "items": {"allOf": [PROGRESS_OBJECT, obj(
    {"heartbeat_at": STR, "started_at": STR, "status": {"not": {"const": "processing"}}})]}})

# 5.6 task-status, 5.7 cancel-task, 5.8 retry-task: bare
TASK_STATUS = obj({"celery_task_id": STR, "state": {"enum": ["PENDING", "STARTED", "SUCCESS", "FAILURE", "REVOKED", "RETRY"]},
                   "ready": BOOL, "successful": {"type": ["boolean", "null"]}, "result": {},
                   "traceback": NULL_STR, "info": {"type": ["object", "null"]}})
CANCEL = obj({"celery_task_id": STR, "message": STR, "revoked": BOOL})
RETRY = obj({"original_celery_task_id": STR, "new_celery_task_id": NULL_STR, "new_task_id": NULL_STR, "message": STR})

# 5.10 files
FILE_ROW = obj({k: {} for k in (
    "id file_name status file_size file_path collected_at platform business_platform collection_platform domain "
    "granularity sub_domain date_from date_to account shop_id main_account_id shop_account_id store_name "
    "platform_shop_id meta_file_path meta_exists catalog_registered has_template template_status governance_status "
    "template_update_required update_reason template_name template_header_row shadow_compare semantic_contract_status "
    "missing_required_keys missing_optional_keys resolved_required_keys resolved_optional_keys extra_raw_fields "
    "impact_descriptions semantic_anomaly_type semantic_repair_action").split()} | {"id": INT, "file_name": STR, "status": STR})
FILES = enveloped(obj({"files": {"type": "array", "items": FILE_ROW}, "total": INT, "page": INT, "page_size": INT,
                       "total_pages": INT, "hidden_semantic_invalid_count": INT, "raw_unregistered_hint": {}}))
# 5.12
GOVERNANCE = enveloped(obj({"ready_to_sync_count": INT, "error_summary": {}, "stats_stale": BOOL}))
DIAGNOSTICS = enveloped(obj({"official_unregistered_count": INT, "unregistered_raw_candidates": {"type": "array"},
                             "semantic_invalid_count": INT}))
FILES_REFRESH = enveloped(obj({"seen": INT, "registered": INT, "skipped": INT,
                               "new_file_ids": {"type": "array", "items": INT}}))

# 6 health
SERVICE = {"status": STR, "service": STR, "version": STR, "timestamp": ISO}
HEALTH = obj({**SERVICE, "status": {"enum": ["healthy", "unhealthy"]}, "database": obj({"status": STR, "type": STR}),
              "dashboard": {"type": "object"}, "routes": obj({"total": INT, "endpoints": {"type": "array"}}),
              "pool": obj({"size": INT, "checked_out": INT, "overflow": INT}), "executors": {"type": "object"}})
LIVE = obj({**SERVICE, "status": {"const": "alive"}})
READY = obj({**SERVICE, "status": {"enum": ["ready", "unready"]}, "runtime_mode": STR, "deployment_role": STR,
             "checks": obj({"database": {}})})


def _iso(value) -> bool:
    if not isinstance(value, str):
        return True
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time", raises=ValueError)(_iso)


def check(schema: dict, body) -> None:
    """Raise with the path of the first field that does not match."""
    jsonschema.validate(body, schema, format_checker=FORMATS)

# 5.12 preview {file_id, header_row}
PREVIEW = enveloped(obj({"file_id": INT, "headers": {"type": "array", "items": STR},
                         "sample_data": {"type": "array", "items": {"type": "object"}}}))
