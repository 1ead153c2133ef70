"""Rate limits for everything under /api/, in one place (DESIGN.md 8).

Runs before the views, so it authenticates the token itself (DRF reuses the result, see
ratelimit.authentication) and limits anonymous callers by address, even where the view will answer 401.
"""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions

from erp.auth.authentication import jwt_authenticate
from ratelimit.authentication import TokenAuthentication
from ratelimit.services import Caller, Usage, caller_for, counting_paused, limits_for, rate_limit_check, refusal_record


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.RATE_LIMIT_ENABLED or not request.path.startswith("/api/") or counting_paused():
            return self.get_response(request)
        caller = caller_for(request, _user(request))
        decision = rate_limit_check(request, caller, limits_for(caller, request.method, request.path))
        if decision is None:
            return self.get_response(request)
        usage = decision.strictest
        if decision.refused:
            refusal_record(request, caller, usage)
            response = _too_many_requests(caller, usage)
        else:
            response = self.get_response(request)
        response["X-RateLimit-Limit"] = str(usage.limit.per_minute)
        response["X-RateLimit-Remaining"] = str(usage.remaining)
        response["X-RateLimit-Reset"] = str(usage.reset_at)
        return response


def _user(request):
    """The session's user, else the token's or the JWT's (kept on the request for DRF), else None."""
    if request.user.is_authenticated:
        return request.user
    # The predecessor's clients send a JWT (cookie or Bearer): limited as that user, not by address.
    if user := jwt_authenticate(request):
        return user
    try:
        authenticated = TokenAuthentication().authenticate(request)
    except exceptions.AuthenticationFailed:
        return None  # a bad token: limited by address here, answered 401 by the view
    if authenticated is None:
        return None
    request.token_authentication = authenticated
    return authenticated[0]


def _too_many_requests(caller: Caller, usage: Usage) -> JsonResponse:
    # Imported here: the envelope imports DRF's views, which import the renderer from the envelope; at
    # middleware load time that cycle is not closed yet.
    from erp.api.envelope import error_body

    retry_after = usage.seconds_to_reset
    body = error_body(
        code="rate_limited", error_type="RateLimitError",
        message=_("Too many requests: %(count)s of %(limit)s per minute allowed for %(scope)s. Try again in "
                  "%(seconds)s seconds.") % {"count": usage.count, "limit": usage.limit.per_minute,
                                             "scope": usage.limit.scope, "seconds": retry_after},
        detail={"rate_limit_type": usage.limit.rate_limit_type, "rate_limit_key": caller.key,
                "scope": usage.limit.scope, "tier": caller.tier, "limit": usage.limit.per_minute,
                "retry_after": retry_after},
        suggestion=_("Wait for the time in Retry-After, then try again; an operator can raise your limits."))
    response = JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    response["Retry-After"] = str(retry_after)
    return response
