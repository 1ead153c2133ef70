"""X-Request-ID on every response (the predecessor's clients log it): the caller's value is echoed when it
is a sane id, otherwise a new one is made. Views and the predecessor envelope read request.request_id."""

import re
import uuid

HEADER = "X-Request-ID"
# Echoing arbitrary text into a header would let a caller inject headers or flood logs.
_SANE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = sent if _SANE.match(sent) else uuid.uuid4().hex
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response
