"""The predecessor's envelope (PREDECESSOR_API.md 1), for the endpoints its front end and scripts call:
success {"success": true, "data", "timestamp", "message" only when given}; errors {"success": false,
"message", "error": {"code": <4-digit int>, "type", "detail" only when not empty, "recovery_suggestion"},
"timestamp", "request_id"}. Some of its answers are bare objects (login, task-status, cancel-task): a view
marks those with `bare=True`.

The modern API keeps erp/api/envelope.py; both are only shapes over the same services.
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from django.utils.module_loading import import_string
from rest_framework.views import APIView

from erp.api.exceptions import DRF_ERRORS
from erp.errors import ApplicationError

logger = logging.getLogger(__name__)

# The predecessor's error codes (its backend/utils/error_codes.py) that these endpoints produce.
DATABASE_QUERY_ERROR = 1002
FILE_NOT_FOUND = 1301
INTERNAL_SERVER_ERROR = 1500
DATA_VALIDATION_FAILED = 3001
DATA_NOT_FOUND = 3401
AUTH_REQUIRED = 4001
AUTH_TOKEN_INVALID = 4002
AUTH_CREDENTIALS_INVALID = 4004
AUTH_ACCOUNT_INACTIVE = 4008
AUTH_ACCOUNT_LOCKED = 4009
PERMISSION_DENIED = 4101
PARAMETER_INVALID = 4202
RATE_LIMIT_EXCEEDED = 4301

# Its handler's rule: an HTTP status without a more specific code gets this one; others the status itself.
CODE_BY_STATUS = {400: PARAMETER_INVALID, 401: AUTH_REQUIRED, 403: PERMISSION_DENIED, 404: FILE_NOT_FOUND,
                  409: DATA_VALIDATION_FAILED, 429: RATE_LIMIT_EXCEEDED, 500: DATABASE_QUERY_ERROR}
ERROR_TYPES = {1: "SystemError", 2: "BusinessError", 3: "DataError", 4: "UserError"}


def timestamp() -> str:
    """UTC ISO 8601 (the predecessor appended a 'Z' after '+00:00', which no parser accepts)."""
    return timezone.now().isoformat()


def error_type(code: int) -> str:
    return ERROR_TYPES.get(code // 1000, "SystemError") if 1000 <= code <= 4999 else "SystemError"


class LegacyError(Exception):
    """A refusal with the predecessor's numeric code, raised by the predecessor-compatible views."""

    def __init__(self, message: str, *, http_status: int, code: int | None = None, detail=None,
                 suggestion: str = "", data=None):
        super().__init__(message)
        self.message, self.http_status, self.detail, self.suggestion, self.data = message, http_status, detail, suggestion, data
        self.code = code or CODE_BY_STATUS.get(http_status, http_status)


def error_body(request, *, code: int, message: str, detail=None, suggestion: str = "", data=None) -> dict:
    error = {"code": code, "type": error_type(code)}
    if detail not in (None, "", [], {}):
        error["detail"] = detail
    if suggestion:
        error["recovery_suggestion"] = str(suggestion)
    body = {"success": False, "message": str(message), "error": error, "timestamp": timestamp(),
            "request_id": getattr(request, "request_id", "")}
    if data is not None:
        body["data"] = data
    return body


def legacy_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, LegacyError):
        status_code, code, message, detail, suggestion = exc.http_status, exc.code, exc.message, exc.detail, exc.suggestion
    elif isinstance(exc, ApplicationError):
        status_code, message, detail, suggestion = exc.http_status, exc.message, exc.detail, exc.recovery_suggestion
        code = CODE_BY_STATUS.get(status_code, status_code)
    elif isinstance(exc, SuspiciousOperation):  # e.g. too many fields: the request's fault, not ours
        status_code, code, message, detail, suggestion = 400, PARAMETER_INVALID, _("Some fields are invalid."), None, ""
    elif isinstance(exc, exceptions.APIException | Http404 | ObjectDoesNotExist):
        if isinstance(exc, Http404 | ObjectDoesNotExist):
            exc = exceptions.NotFound(str(exc) or None)
        # A body that is not JSON is bad input like any other (the predecessor answered 422).
        status_code = 400 if isinstance(exc, exceptions.UnsupportedMediaType) else exc.status_code
        code = CODE_BY_STATUS.get(status_code, status_code)
        detail = exc.detail
        suggestion = next((v[2] for cls, v in DRF_ERRORS.items() if isinstance(exc, cls)), "")
        if isinstance(exc, exceptions.ValidationError):
            message = _("Some fields are invalid.")
        else:
            message, detail = str(exc.detail), None
    else:
        # Not an expected refusal: logged with its traceback, answered like the predecessor's handler.
        logger.exception("unhandled error on %s %s (request %s)", request and request.method,
                         request and request.path, getattr(request, "request_id", ""))
        status_code, code, message, detail, suggestion = 500, DATABASE_QUERY_ERROR, _("Internal server error"), None, ""
    response = Response(error_body(request, code=code, message=message, detail=detail, suggestion=suggestion,
                                   data=getattr(exc, "data", None)), status=status_code)
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


class LegacyRenderer(JSONRenderer):
    """Wraps a success in the predecessor's envelope unless the view answered a bare object."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code < 400 and not getattr(response, "bare", False):
            envelope = {"success": True, "data": data, "timestamp": timestamp()}
            if getattr(response, "message", None):
                envelope["message"] = response.message
            data = envelope
        return super().render(data, accepted_media_type, renderer_context)


def legacy_respond(data, *, message: str | None = None, bare: bool = False, status_code: int = status.HTTP_200_OK):
    response = Response(data, status=status_code)
    response.message, response.bare = message, bare
    return response


class LegacyAPIView(APIView):
    """An APIView that speaks the predecessor's envelope, success and error alike, and also accepts its
    clients' JWT (the access_token cookie or Bearer). The modern API's authentication stays as it was."""

    renderer_classes = [LegacyRenderer]
    # Its clients send JSON only (the predecessor's FastAPI models read JSON bodies).
    parser_classes = [JSONParser]
    authentication_classes = [*api_settings.DEFAULT_AUTHENTICATION_CLASSES[:1],
                              import_string("erp.auth.authentication.JWTAuthentication"),
                              *api_settings.DEFAULT_AUTHENTICATION_CLASSES[1:]]

    def get_exception_handler(self):
        return legacy_exception_handler


# --- OpenAPI shapes ------------------------------------------------------------------------------------------


class LegacyErrorSerializer(serializers.Serializer):
    code = serializers.IntegerField(help_text="the predecessor's 4-digit error code")
    type = serializers.CharField(help_text="SystemError, BusinessError, DataError or UserError")
    detail = serializers.JSONField(required=False, help_text="omitted when empty")
    recovery_suggestion = serializers.CharField(required=False)


class LegacyErrorEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    message = serializers.CharField()
    error = LegacyErrorSerializer()
    data = serializers.JSONField(required=False)
    timestamp = serializers.DateTimeField()
    request_id = serializers.CharField()


_DESCRIPTIONS = {
    400: "invalid parameters, or the task's state forbids the action",
    401: "not authenticated (code 4001), or invalid credentials (4004)",
    403: "not allowed (4101), account inactive (4008) or locked (4009)",
    404: "not found (1301 / 3401), or another user's",
    405: "method not allowed",
    409: "the file is being synced (3001)",
    429: "quota reached (4301)",
}


def LEGACY_ERRORS(*codes: int) -> dict:  # noqa: N802 - reads as a constant table in the decorators
    return {code: OpenApiResponse(LegacyErrorEnvelopeSerializer, description=_DESCRIPTIONS[code]) for code in codes}


_envelopes = {}


def legacy_enveloped(serializer, *, many: bool = False, with_message: bool = False):
    """The predecessor's success envelope around serializer (a class or an instance)."""
    inner = serializer(many=many) if isinstance(serializer, type) else serializer
    base = serializer.__name__ if isinstance(serializer, type) else type(serializer).__name__
    name = f"Legacy{base.removesuffix('Serializer')}{'List' if many else ''}Envelope"
    if name not in _envelopes:
        fields = {"success": serializers.BooleanField(default=True), "data": inner,
                  "timestamp": serializers.DateTimeField()}
        if with_message:
            fields["message"] = serializers.CharField()
        _envelopes[name] = inline_serializer(name=name, fields=fields)
    return _envelopes[name]
