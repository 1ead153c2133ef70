"""The API's envelope (DESIGN.md 7): every success is {"success": true, "data", "message"} and every error
{"success": false, "message", "error": {"code", "type", "detail", "recovery_suggestion"}}.

Views return plain data (optionally with `response.message`); the renderer wraps it. Errors become the
error envelope in one exception handler (erp/api/exceptions.py), so no view builds either.
"""

from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


def error_body(*, code: str, message: str, error_type: str, detail=None, suggestion: str = "") -> dict:
    return {
        "success": False,
        "message": message,
        "error": {"code": code, "type": error_type, "detail": detail, "recovery_suggestion": str(suggestion)},
    }


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
