"""Opens the audit context of a request: the admin or the API, the caller's address, and its user."""

from erp.audit.context import AuditSource, audit_context
from ratelimit.services import client_ip

SOURCES = (("/admin/", AuditSource.ADMIN), ("/api/", AuditSource.API))


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = next((source for prefix, source in SOURCES if request.path.startswith(prefix)), AuditSource.SYSTEM)
        # The address the rate limits believe: X-Real-IP only from the trusted proxy in front.
        address = client_ip(request) or None
        with audit_context(source=source, request=request, remote_addr=address):
            return self.get_response(request)
