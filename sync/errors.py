"""The sync's own refusals: a file that cannot be synced as it is, and an action the task's state forbids."""

from django.utils.translation import gettext_lazy as _lazy

from erp.errors import ApplicationError


class FileRejected(ApplicationError):
    """The file cannot be synced as it is (refused by a guard, unreadable, no usable header)."""

    code = "file_rejected"


class TaskStateConflict(ApplicationError):
    """The task's (or a file's) state forbids the action."""

    code = "task_state_conflict"
    http_status = 409
    error_type = "ConflictError"
    recovery_suggestion = _lazy("Read the task's status first: cancel works on queued or running tasks, retry on "
                                "failed or cancelled ones.")
