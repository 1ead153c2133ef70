"""The beat jobs, declared in this one place and written with update_or_create by name, so an
operator's edits to other jobs in the admin survive a deploy."""

BEAT_JOBS = [
    {
        "name": "dispatch deferred tasks",
        "task": "sync.tasks.dispatch_deferred",
        "every_seconds": 10,
        "queue": "scheduled",
    },
    {
        "name": "scan inbox",
        "task": "sync.tasks.scan_inbox",
        "every_seconds": 300,
        "queue": "scheduled",
    },
    {
        "name": "recover stalled tasks",
        "task": "sync.tasks.recover_stalled",
        "every_seconds": 60,
        "queue": "scheduled",
    },
    {
        "name": "clean up old tasks",
        "task": "sync.tasks.cleanup_old_tasks",
        "every_seconds": 24 * 3600,
        "queue": "scheduled",
    },
    {
        "name": "reconcile quota slots",
        "task": "sync.tasks.reconcile_quotas",
        "every_seconds": 60,
        "queue": "scheduled",
    },
    {
        "name": "trim rate-limit events",
        "task": "ratelimit.tasks.trim_rate_limit_events",
        "every_seconds": 3600,
        "queue": "scheduled",
    },
]

# --- The cache layer (cache/tasks.py): every 4 minutes, under the 5-minute TTL, so hot keys never go cold.
BEAT_JOBS += [
    {
        "name": "warm cache",
        "task": "cache.tasks.warm_cache",
        "every_seconds": 240,
        "queue": "scheduled",
    },
]
