"""DRF authentication by the JWT in `Authorization: Bearer` (the predecessor's scripts) or in the
`access_token` cookie (its front end sends nothing else). A cookie is sent by the browser on its own, so a write
authenticated by it must carry the CSRF token: Django's check, with the front end's `X-CSRF-Token` header
and `csrf_token` cookie (settings CSRF_HEADER_NAME / CSRF_COOKIE_NAME). A Bearer header is not sent by a
browser unasked, so it needs no CSRF token."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import CSRFCheck
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication

from erp.auth.sessions import session_revoked

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"


class JWTAuthentication(SimpleJWTAuthentication):
    www_authenticate_realm = "api"

    def authenticate(self, request):
        known = getattr(getattr(request, "_request", request), "jwt_authentication", None)
        if known is not None:  # the rate-limit middleware authenticated this request already
            user, token, from_cookie = known
        else:
            found = self.raw_token(request)
            if found is None:
                return None
            raw, from_cookie = found
            token = self.get_validated_token(raw)
            if session_revoked(token):
                raise exceptions.AuthenticationFailed(_("Session has been revoked"), code="session_revoked")
            user = self.get_user(token)
        if from_cookie:
            _enforce_csrf(request)
        return user, token

    def raw_token(self, request) -> tuple[bytes, bool] | None:
        """The Bearer header, else the cookie; with the flag 'from the cookie'. The predecessor read the
        cookie first, but a script keeping cookies in a session also sends its Bearer header, and a header
        (which a browser never adds unasked) needs no CSRF token."""
        header = self.get_header(request)
        raw = header and self.get_raw_token(header)
        if raw:
            return raw, False
        cookie = request.COOKIES.get(ACCESS_COOKIE)
        return (cookie.encode(), True) if cookie else None


def _enforce_csrf(request):
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    django_request = getattr(request, "_request", request)
    check = CSRFCheck(lambda _request: None)
    check.process_request(django_request)
    reason = check.process_view(django_request, None, (), {})
    if reason:
        raise exceptions.PermissionDenied(_("CSRF check failed: send the csrf_token cookie's value in %(header)s.")
                                          % {"header": _csrf_header()})


def _csrf_header() -> str:
    return settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-").title()


def jwt_authenticate(request):
    """For the rate-limit middleware: the JWT's user, or None (no token, or a bad one: the view answers 401).
    The answer is kept on the request so DRF does not decode the token again."""
    authentication = JWTAuthentication()
    found = authentication.raw_token(request)
    if found is None:
        return None
    raw, from_cookie = found
    try:
        token = authentication.get_validated_token(raw)
        if session_revoked(token):
            return None
        user = authentication.get_user(token)
    except exceptions.AuthenticationFailed:
        return None
    request.jwt_authentication = (user, token, from_cookie)
    return user


from erp.auth import schema as _schema  # noqa: E402,F401 - registers the scheme with drf-spectacular
