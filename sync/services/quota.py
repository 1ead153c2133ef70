"""Per-user task quota: at most MAX_TASKS_PER_USER queued or running tasks, exact under concurrency.

With Redis, each user's slots are a sorted set of task ids (score: when taken) and one Lua script checks
and takes atomically, counting the larger of the set and the user's active tasks in the database, so
slots taken while Redis was down or lost are still counted. Without Redis (the embedded default, or an
outage) the same check runs in the database under a row lock on the user. A finished task's slot is
given back at once; the reconcile job removes members that are no longer active in the database.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from redis.exceptions import RedisError

from erp.errors import ApplicationError
from sync.models import SyncProgressTask, TaskStatus

logger = logging.getLogger(__name__)
KEY = "erp:quota:{user_id}"
# A slot taken by a submission whose row is not committed yet is not in the database: the reconcile
# job leaves members this young alone.
RECONCILE_GRACE_S = 60

# KEYS[1]: the user's set; ARGV: limit, task id, now, the user's active tasks in the database.
# Returns the number of slots in use after the call, negated when the slot was refused.
TAKE_SCRIPT = """
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return redis.call('ZCARD', KEYS[1]) end
local used = math.max(redis.call('ZCARD', KEYS[1]), tonumber(ARGV[4]))
if used >= tonumber(ARGV[1]) then return -used end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
return used + 1
"""


class QuotaExceeded(ApplicationError):
    code = "quota_exceeded"
    http_status = 429
    error_type = "QuotaError"
    recovery_suggestion = _lazy("Wait for a running task to finish, or cancel a queued one, then submit again.")

    def __init__(self, *, used: int, limit: int):
        super().__init__(
            _("You already have %(used)s queued or running tasks; the limit is %(limit)s. Wait for one to "
              "finish or cancel one, then submit again.") % {"used": used, "limit": limit},
            detail={"used": used, "limit": limit},
        )
        self.used, self.limit = used, limit


@dataclass
class QuotaUsage:
    running: int
    queued: int
    limit: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.running - self.queued, 0)


def quota_limit() -> int:
    return settings.MAX_TASKS_PER_USER


def quota_take(*, user, task_id: str) -> str:
    """Take a slot for task_id or raise QuotaExceeded. Call inside the transaction that writes the
    task row (the database path locks the user's row until it commits). Returns the path used."""
    client = _redis()
    if client is not None:
        try:
            _take_redis(client, user, task_id)
            return "redis"
        except RedisError as exc:
            logger.warning("quota: Redis unavailable (%s); counting in the database for task %s", exc, task_id)
    _take_database(user)
    return "database"


def quota_release(*, user_id: int | None, task_id: str):
    """Give the slot back (idempotent). Without Redis there is nothing to do: the database counts."""
    client = _redis()
    if client is None or user_id is None:
        return
    try:
        client.zrem(KEY.format(user_id=user_id), task_id)
    except RedisError as exc:
        logger.warning("quota: slot of task %s not released (%s); the reconcile job will", task_id, exc)


def quota_usage(*, user) -> QuotaUsage:
    """What the API shows: the database's own count (the source of truth the slots follow)."""
    active = SyncProgressTask.objects.filter(user=user, status__in=SyncProgressTask.ACTIVE_STATUSES)
    running = active.filter(status=TaskStatus.PROCESSING).count()
    return QuotaUsage(running=running, queued=active.count() - running, limit=quota_limit())


def quota_reconcile() -> dict:
    """Make every user's slot set match the database: drop members that are not active there (older
    than the grace period), add active tasks that are missing. Returns counts of what changed."""
    client = _redis()
    if client is None:
        return {"users": 0, "removed": 0, "added": 0}
    active: dict[int, set[str]] = {}
    for user_id, task_id in SyncProgressTask.objects.filter(
            status__in=SyncProgressTask.ACTIVE_STATUSES, user__isnull=False).values_list("user_id", "task_id"):
        active.setdefault(user_id, set()).add(task_id)
    keys = {int(k.decode().rsplit(":", 1)[1]) for k in client.scan_iter(KEY.format(user_id="*"))}
    removed = added = 0
    now = time.time()
    for user_id in keys | set(active):
        key = KEY.format(user_id=user_id)
        members = {m.decode(): score for m, score in client.zrange(key, 0, -1, withscores=True)}
        stale = [m for m, taken in members.items() if m not in active.get(user_id, ()) and now - taken > RECONCILE_GRACE_S]
        missing = [t for t in active.get(user_id, ()) if t not in members]
        if stale:
            removed += client.zrem(key, *stale)
        if missing:
            added += client.zadd(key, {t: now for t in missing})
    return {"users": len(keys | set(active)), "removed": removed, "added": added}


def _take_redis(client, user, task_id: str):
    active = SyncProgressTask.objects.filter(user=user, status__in=SyncProgressTask.ACTIVE_STATUSES).count()
    used = client.eval(TAKE_SCRIPT, 1, KEY.format(user_id=user.pk), quota_limit(), task_id, time.time(), active)
    if used < 0:
        raise QuotaExceeded(used=-used, limit=quota_limit())


def _take_database(user):
    # The user's row is the mutex: concurrent submissions of one user queue here until commit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    used = SyncProgressTask.objects.filter(user=user, status__in=SyncProgressTask.ACTIVE_STATUSES).count()
    if used >= quota_limit():
        raise QuotaExceeded(used=used, limit=quota_limit())


def _redis():
    """The raw client behind django-redis, or None on the embedded default (DatabaseCache)."""
    if settings.EMBEDDED_CACHE:
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")
