"""Which sessions are revoked: kept in the cache (Redis in production) for as long as a refresh token
lives, and read with one round trip per authenticated request. Apart from the services so the
authentication class (loaded with DRF's settings) imports no view."""

from django.conf import settings
from django.core.cache import cache

REVOKED_SID_KEY = "erp:auth:revoked-sid:{sid}"
REVOKED_USER_KEY = "erp:auth:revoked-before:{user_id}"


def session_revoked(token) -> bool:
    """One cache round trip: the sid revoked, or every session of the user revoked since this login."""
    sid = token.get("sid")
    user_id = token.get(settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"))
    keys = [REVOKED_USER_KEY.format(user_id=user_id)] + ([REVOKED_SID_KEY.format(sid=sid)] if sid else [])
    found = cache.get_many(keys)
    revoked_before = found.get(keys[0])
    return bool(len(keys) > 1 and found.get(keys[1])) or bool(
        revoked_before and int(token.get("auth_time", 0)) < revoked_before)
