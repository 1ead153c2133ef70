"""One exception handler for every API view: DRF's errors and the project's ApplicationError (each
subclass carries its own HTTP status, type and suggestion) become the error envelope."""

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from erp.api.envelope import error_body
from erp.errors import ApplicationError

logger = logging.getLogger(__name__)

# DRF error class -> (code, error type, recovery suggestion)
DRF_ERRORS = {
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
        (v for cls, v in DRF_ERRORS.items() if isinstance(exc, cls)), ("error", "Error", ""))
    detail = response.data
    message = _("Some fields are invalid.") if isinstance(exc, exceptions.ValidationError) else str(
        detail.get("detail", exc) if isinstance(detail, dict) else exc)
    response.data = error_body(code=code, message=message, error_type=error_type, detail=detail,
                               suggestion=suggestion)
    return response


def _application_error(exc: ApplicationError) -> Response:
    logger.info("API error %s: %s", exc.code, exc.message)
    return Response(error_body(code=exc.code, message=exc.message, error_type=exc.error_type, detail=exc.detail,
                               suggestion=exc.recovery_suggestion), status=exc.http_status)
