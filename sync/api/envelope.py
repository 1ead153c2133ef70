"""The API's envelope (DESIGN.md 7): every success is {"success": true, "data", "message"} and every error
{"success": false, "message", "error": {"code", "type", "detail", "recovery_suggestion"}}.

Views return plain data (optionally with `response.message`); the renderer wraps it. Errors, from DRF or
our ApplicationError, become the error envelope in one exception handler, so no view builds either.
"""

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sync.services.errors import ApplicationError
from sync.services.quota import QuotaExceeded
from sync.services.sync_tasks import TaskStateConflict

logger = logging.getLogger(__name__)

# Error class -> (HTTP status, error type, recovery suggestion)
_APPLICATION_ERRORS = {
    QuotaExceeded: (status.HTTP_429_TOO_MANY_REQUESTS, "QuotaError",
                    _lazy("Wait for a running task to finish, or cancel a queued one, then submit again.")),
    TaskStateConflict: (status.HTTP_409_CONFLICT, "ConflictError",
                        _lazy("Read the task's status first: cancel works on queued or running tasks, retry on "
                              "failed or cancelled ones.")),
}
_DRF_ERRORS = {
    exceptions.ValidationError: ("validation_error", "ValidationError", _lazy("Correct the fields named in detail.")),
    exceptions.ParseError: ("parse_error", "ValidationError", _lazy("Send a valid JSON body.")),
    exceptions.NotAuthenticated: ("not_authenticated", "AuthenticationError",
                                  _lazy("Send 'Authorization: Token <key>' (manage.py create_api_user prints one).")),
    exceptions.AuthenticationFailed: ("authentication_failed", "AuthenticationError",
                                      _lazy("Check the token; ask an operator for a new one.")),
    exceptions.PermissionDenied: ("permission_denied", "PermissionError",
                                  _lazy("This needs a staff account, or the object belongs to another user.")),
    exceptions.NotFound: ("not_found", "NotFoundError", _lazy("Check the id; list the collection to find it.")),
    exceptions.MethodNotAllowed: ("method_not_allowed", "ValidationError", _lazy("Use a method the endpoint allows.")),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "ValidationError",
                                      _lazy("Send JSON, or multipart/form-data for uploads.")),
    exceptions.Throttled: ("rate_limited", "RateLimitError", _lazy("Wait for the time in Retry-After, then try again.")),
}


def error_body(*, code: str, message: str, error_type: str, detail=None, suggestion: str = "") -> dict:
    return {
        "success": False,
        "message": message,
        "error": {"code": code, "type": error_type, "detail": detail, "recovery_suggestion": str(suggestion)},
    }


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return _application_error(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, ObjectDoesNotExist):  # a service's lookup: its message names what is missing
        exc = exceptions.NotFound(str(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handling (and its logging) takes over
    code, error_type, suggestion = next(
        (v for cls, v in _DRF_ERRORS.items() if isinstance(exc, cls)), ("error", "Error", ""))
    detail = response.data
    message = _("Some fields are invalid.") if isinstance(exc, exceptions.ValidationError) else str(
        detail.get("detail", exc) if isinstance(detail, dict) else exc)
    response.data = error_body(code=code, message=message, error_type=error_type, detail=detail,
                               suggestion=suggestion)
    return response


def _application_error(exc: ApplicationError) -> Response:
    http_status, error_type, suggestion = next(
        (v for cls, v in _APPLICATION_ERRORS.items() if isinstance(exc, cls)),
        (status.HTTP_400_BAD_REQUEST, "ApplicationError", ""))
    detail = {"used": exc.used, "limit": exc.limit} if isinstance(exc, QuotaExceeded) else None
    logger.info("API error %s: %s", exc.code, exc.message)
    return Response(error_body(code=exc.code, message=exc.message, error_type=error_type, detail=detail,
                               suggestion=suggestion), status=http_status)


class EnvelopeRenderer(JSONRenderer):
    """Wraps successful responses in the envelope; error bodies are already enveloped."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code == 204:
            return b""  # no content means no body, not even an envelope
        if response is not None and response.status_code < 400 and not _is_envelope(data):
            data = {"success": True, "data": data, "message": getattr(response, "message", "")}
        return super().render(data, accepted_media_type, renderer_context)


def _is_envelope(data) -> bool:
    return isinstance(data, dict) and "success" in data and ("data" in data or "error" in data)


def respond(data, *, message: str = "", status_code: int = status.HTTP_200_OK) -> Response:
    response = Response(data, status=status_code)
    response.message = message
    return response
