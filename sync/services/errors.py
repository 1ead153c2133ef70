"""Domain errors of the sync, and which errors are transient (worth a retry of the task)."""

import psycopg
from django.db import InterfaceError, OperationalError


class ApplicationError(Exception):
    code = "application_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class FileRejected(ApplicationError):
    """The file cannot be synced as it is (refused by a guard, unreadable, no usable header)."""

    code = "file_rejected"


# Connection, timeout and database-operational errors. psycopg's own appear where we use its cursor
# directly (COPY), unwrapped by Django.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
                    ConnectionError, TimeoutError)
