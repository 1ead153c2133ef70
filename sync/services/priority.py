"""Task priority: our scale 1-10 (10 highest, default 5), the seed's policy for defaults and caps, and
the one place where our scale becomes the broker's."""

from django.conf import settings

from erp.users import user_role
from sync.models import TaskType

PRIORITY_MAX, PRIORITY_DEFAULT = 10, 5
# Whole-inbox and filtered batches yield to single files unless asked otherwise; beat and shell work last.
DEFAULT_BY_TASK_TYPE = {
    TaskType.SINGLE_FILE: PRIORITY_DEFAULT,
    TaskType.BATCH_BY_IDS: 4,
    TaskType.BATCH: 4,
    TaskType.BATCH_ALL: 3,
}
SCHEDULED_PRIORITY = 2
# Highest priority a role may ask for; a higher request is lowered to it.
ROLE_CAPS = {"admin": 10, "premium": 9, "normal": 8}


# Bands of the scale (the dashboard's rows, and fair share's: a higher band goes first, whoever asked).
PRIORITY_BANDS = (("high", 8, 10), ("normal", 4, 7), ("low", 1, 3))


def priority_band(priority: int) -> int:
    """2 high, 1 normal, 0 low."""
    for rank, (_, low, high) in zip((2, 1, 0), PRIORITY_BANDS):
        if low <= priority <= high:
            return rank
    return 0


def priority_for(*, user, task_type: str, requested: int | None) -> int:
    """The priority a submission gets: the request (or the task type's default), capped by role."""
    priority = requested if requested is not None else DEFAULT_BY_TASK_TYPE.get(task_type, PRIORITY_DEFAULT)
    if priority <= min(ROLE_CAPS.values()):
        return priority  # under every role's cap: the role need not be looked up
    return min(priority, priority_cap(user))


def priority_cap(user) -> int:
    return PRIORITY_MAX if user is None else ROLE_CAPS[user_role(user)]


def broker_priority(priority: int) -> int:
    """Our 1-10 (10 highest) as the broker wants it. RabbitMQ: x-max-priority 10, higher runs first, so
    the same number. Redis (kombu emulation): 0 is highest over priority_steps 0-9, so reversed."""
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return PRIORITY_MAX - priority
    return priority
