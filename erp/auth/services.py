"""Issuing, refreshing and revoking the JWT pair, and the lockout after repeated failed logins.

A login starts a session: its id (`sid`) is a claim of the refresh token, kept through every rotation and
copied into each access token. Logout blacklists the refresh token (simplejwt's token_blacklist) and marks
the sid revoked, so the access tokens of that session stop working at once, not at their expiry. A lockout
revokes every session of the user the same way (`auth_time` before the lock)."""

import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import update_last_login
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from erp.api.predecessor import (AUTH_ACCOUNT_INACTIVE, AUTH_ACCOUNT_LOCKED, AUTH_CREDENTIALS_INVALID,
                                 AUTH_TOKEN_INVALID, LegacyError)
from erp.auth.sessions import REVOKED_SID_KEY, REVOKED_USER_KEY, session_revoked
from erp.users import ROLES, user_role

logger = logging.getLogger(__name__)
FAILURES_KEY = "erp:auth:failures:{username}"
LOCKED_KEY = "erp:auth:locked:{username}"


@dataclass
class TokenPair:
    access: str
    refresh: str
    expires_in: int  # seconds the access token lives
    refresh_expires_in: int


def access_lifetime_s() -> int:
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())


def refresh_lifetime_s() -> int:
    return int(settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds())


def auth_login(*, username: str, password: str, remember_me: bool = False):
    """The user and a new session's token pair, or a LegacyError: 401 (4004) for bad credentials with the
    attempts left, 403 (4009) while locked, 403 (4008) for an inactive account."""
    if cache.get(LOCKED_KEY.format(username=username)):
        raise LegacyError(_("Account is locked after repeated failed logins; try again later."), http_status=403,
                          code=AUTH_ACCOUNT_LOCKED,
                          suggestion=_("Wait %(minutes)s minutes, or ask an operator to unlock it.")
                          % {"minutes": settings.AUTH_LOCKOUT_MINUTES})
    user = authenticate(username=username, password=password)
    if user is None:
        existing = get_user_model().objects.filter(username=username).first()
        if existing is not None and not existing.is_active and existing.check_password(password):
            raise LegacyError(_("Account is inactive, access denied."), http_status=403, code=AUTH_ACCOUNT_INACTIVE)
        _failure_record(username=username, user=existing)
    cache.delete(FAILURES_KEY.format(username=username))
    update_last_login(None, user)
    logger.info("login: user %s (id %s)", user.username, user.pk)
    return user, auth_tokens_issue(user=user)


def _failure_record(*, username: str, user):
    """Count a failed login (unknown users too, so names cannot be probed); at the limit, lock the name
    and end the user's sessions."""
    key = FAILURES_KEY.format(username=username)
    window = settings.AUTH_LOCKOUT_MINUTES * 60
    cache.add(key, 0, window)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        failures = 1
    left = settings.AUTH_MAX_FAILED_ATTEMPTS - failures
    logger.warning("login failed for %r (%d of %d)", username[:150], failures, settings.AUTH_MAX_FAILED_ATTEMPTS)
    if left <= 0:
        cache.set(LOCKED_KEY.format(username=username), 1, window)
        cache.delete(key)
        if user is not None:
            auth_sessions_revoke_all(user=user)
        raise LegacyError(_("Account is locked after repeated failed logins; try again later."), http_status=403,
                          code=AUTH_ACCOUNT_LOCKED)
    raise LegacyError(_("Invalid credentials"), http_status=401, code=AUTH_CREDENTIALS_INVALID,
                      suggestion=_("Check the username and password; %(left)s attempts left before the account is "
                                   "locked.") % {"left": left})


def auth_tokens_issue(*, user) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    refresh["username"] = user.username
    refresh["roles"] = user_roles(user)
    refresh["sid"] = uuid.uuid4().hex
    refresh["auth_time"] = int(time.time())
    return _pair(refresh)


def _pair(refresh: RefreshToken) -> TokenPair:
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh), expires_in=access_lifetime_s(),
                     refresh_expires_in=refresh_lifetime_s())


def auth_refresh(*, refresh: str) -> TokenPair:
    """A new pair for a valid refresh token of a live session; the old refresh token is blacklisted
    (simplejwt's rotation). 401 (4002) otherwise."""
    if not refresh:
        raise LegacyError(_("Missing refresh token"), http_status=401, code=AUTH_TOKEN_INVALID)
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise LegacyError(_("Invalid or expired refresh token"), http_status=401, code=AUTH_TOKEN_INVALID) from exc
    if session_revoked(token):
        raise LegacyError(_("Session has been revoked"), http_status=401, code=AUTH_TOKEN_INVALID)
    rotated = TokenRefreshSerializer(data={"refresh": refresh})
    try:
        rotated.is_valid(raise_exception=True)
    except (TokenError, exceptions.AuthenticationFailed, exceptions.ValidationError) as exc:  # user gone or inactive
        raise LegacyError(_("Invalid or expired refresh token"), http_status=401, code=AUTH_TOKEN_INVALID) from exc
    data = rotated.validated_data
    return TokenPair(access=data["access"], refresh=data.get("refresh", refresh), expires_in=access_lifetime_s(),
                     refresh_expires_in=refresh_lifetime_s())


def auth_logout(*, user, refresh: str, sid: str | None):
    """End the session: blacklist its refresh token and revoke its sid (its access tokens stop at once).
    A refresh token of another user (a stale cookie) is left alone."""
    if refresh:
        try:
            token = RefreshToken(refresh)
            if str(token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])) != str(user.pk):
                raise TokenError("the refresh token belongs to another user")
            sid = sid or token.get("sid")
            token.blacklist()
        except TokenError as exc:  # expired, blacklisted or another user's: nothing of this session to end
            logger.info("logout of user %s: refresh token not blacklisted (%s)", user.pk, exc)
    if sid:
        cache.set(REVOKED_SID_KEY.format(sid=sid), 1, refresh_lifetime_s())


def auth_sessions_revoke_all(*, user):
    """Every session of the user ends: tokens issued before now are refused, refresh tokens blacklisted."""
    cache.set(REVOKED_USER_KEY.format(user_id=user.pk), int(time.time()) + 1, refresh_lifetime_s())
    for outstanding in OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True):
        RefreshToken(outstanding.token, verify=False).blacklist()
    logger.warning("user %s (id %s): every session revoked", user.username, user.pk)


def user_roles(user) -> list[str]:
    """The user's role codes: this service's groups (admin / premium / normal), staff counting as admin."""
    names = set(user.groups.values_list("name", flat=True))
    roles = [role for role in ROLES if role in names]
    primary = user_role(user)
    return roles if primary in roles else [primary, *roles]


def user_info(user) -> dict:
    roles = user_roles(user)
    permissions = ["*"] if user.is_superuser else sorted(user.get_all_permissions())
    return {"id": user.pk, "username": user.username, "email": user.email,
            "full_name": user.get_full_name() or user.username, "roles": roles, "permissions": permissions,
            "is_admin": "admin" in roles or user.is_superuser}
