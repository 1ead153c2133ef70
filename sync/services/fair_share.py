"""Fair share of the worker slots across users (issue 19): "when user A submits 100 files, everyone else
waits" no more. The database decides what runs next; the broker only ever holds the tasks about to run.

The order, as Temporal's fairness keys and weights do it: waiting tasks are taken band by band (high
8-10, normal 4-7, low 1-3: a task of a higher band goes first whoever submitted it); within a band, the
next slot goes to the user furthest below their share (slots in use divided by their tier's weight,
ERP_FAIR_SHARE_WEIGHTS), and within a user, priority then age decide as before. A batch whose owner holds
more than their share hands its slot over at a file boundary when someone else waits (task_run)."""

from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Q

from erp.users import user_roles
from sync.models import SyncProgressTask, TaskStatus
from sync.services.priority import priority_band

# Waiting tasks looked at to choose the next ones: the first this many by priority and age. A user with
# more waiting than that is simply not looked at further this round.
WAITING_WINDOW = 1000


def fair_order(waiting: Iterable[SyncProgressTask], in_flight: Counter, weights: dict) -> Iterator[SyncProgressTask]:
    """`waiting` in the order they get slots, given the slots each user already has (`in_flight`, by
    user id) and each user's weight."""
    queues: dict = defaultdict(deque)
    for task in sorted(waiting, key=lambda t: (-t.priority, t.created_at, t.pk)):
        queues[task.user_id].append(task)
    used = Counter(in_flight)
    while queues:
        band = max(priority_band(queue[0].priority) for queue in queues.values())
        heads = [(user, queue[0]) for user, queue in queues.items() if priority_band(queue[0].priority) == band]
        user, task = min(heads, key=lambda head: (used[head[0]] / weights.get(head[0], 1), -head[1].priority,
                                                   head[1].created_at, head[1].pk))
        yield task
        used[user] += 1
        queues[user].popleft()
        if not queues[user]:
            del queues[user]


def user_weights(user_ids: Iterable) -> dict:
    """Each user's weight by tier (staff and the admin group: admin); tasks without a user weigh as normal."""
    configured = settings.ERP_FAIR_SHARE_WEIGHTS
    roles = user_roles({u for u in user_ids if u is not None})
    weights = {pk: float(configured.get(role, 1)) for pk, role in roles.items()}
    weights[None] = float(configured.get("normal", 1))
    return weights


def slots_in_flight() -> Counter:
    """Slots taken per user: tasks running, and tasks the broker holds for the next free worker. Tasks a
    delivery reserved to run next (small_tasks) take none: that delivery holds its one."""
    return Counter(SyncProgressTask.units.filter(_in_flight()).values_list("user_id", flat=True))


def waiting_tasks():
    """Queued and not handed to the broker: waiting for a slot (or for the broker to come back). A batch
    cancelled while its parts finish their files is not: it never runs again."""
    return SyncProgressTask.units.filter(_waiting()).order_by("-priority", "created_at", "pk")


def slot_free_for_waiting() -> bool:
    """Whether a task waits while a worker slot is free (each an index range: the waiting are not counted)."""
    return (waiting_tasks().exists()
            and SyncProgressTask.units.filter(_in_flight()).count() < settings.ERP_SYNC_WORKER_SLOTS)


def _in_flight() -> Q:
    return Q(status=TaskStatus.PROCESSING) | Q(status=TaskStatus.QUEUED, dispatched_at__isnull=False, taken_by="")


def _waiting() -> Q:
    return Q(status=TaskStatus.QUEUED, dispatched_at__isnull=True, cancel_requested=False)


def waiting_heads(count: int) -> list[SyncProgressTask]:
    """Each waiting user's first `count` tasks (priority, then age): all that the next `count` slots can
    go to, read without loading every waiting task (a user's 500 single files cost 500 rows otherwise)."""
    users = list(waiting_tasks().order_by().values_list("user_id", flat=True).distinct()[:WAITING_WINDOW])
    return [task for user_id in users
            for task in waiting_tasks().filter(**({"user_id": user_id} if user_id else {"user__isnull": True}))[:count]]


def should_yield(task: SyncProgressTask) -> bool:
    """A running task hands its slot over at a file boundary when another user waits with a task of a
    higher band, or of its band while this task's owner is at or above that user's share even once that
    user had the slot (two batch owners sharing one slot thus take turns, a file at a time)."""
    others = list(waiting_tasks().exclude(user_id=task.user_id)[:WAITING_WINDOW])
    if not others:
        return False
    band = priority_band(task.priority)
    in_flight = slots_in_flight()
    weights = user_weights({task.user_id, *(t.user_id for t in others)})
    owner_share = in_flight[task.user_id] / weights.get(task.user_id, 1)
    for other in others:
        other_band = priority_band(other.priority)
        weight = weights.get(other.user_id, 1)
        if other_band > band or (other_band == band and (in_flight[other.user_id] + 1) / weight <= owner_share):
            return True
    return False
