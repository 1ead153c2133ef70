"""The project's domain error, which every app's errors subclass, and the errors worth a retry.

The API turns an ApplicationError into the error envelope with its own `http_status`, `error_type`,
`recovery_suggestion` and `detail` (erp/api/exceptions.py), so no app's error needs a special case there.
"""

import psycopg
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _lazy


class ApplicationError(Exception):
    """A refusal with a stable `code`. `permanent`: doing the same again cannot succeed (a task does not
    retry it); `detail`: JSON-safe figures for the caller (e.g. used/limit)."""

    code = "application_error"
    http_status = 400
    error_type = "ApplicationError"
    recovery_suggestion = _lazy("")
    permanent = True

    def __init__(self, message: str, *, code: str | None = None, detail=None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        if code:
            self.code = code


# Connection, timeout and database-operational errors. psycopg's own appear where we use its cursor
# directly (COPY), unwrapped by Django.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
                    ConnectionError, TimeoutError)
