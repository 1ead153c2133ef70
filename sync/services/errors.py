"""Domain errors of the sync. `permanent` errors fail the file or task; the rest may be retried."""


class ApplicationError(Exception):
    code = "application_error"
    permanent = True

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class FileRejected(ApplicationError):
    """The file cannot be synced as it is (refused by a guard, unreadable, no usable header)."""

    code = "file_rejected"
