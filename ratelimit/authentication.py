"""Token authentication for the API: DRF's, with one token lookup per request at most and usually none.

The rate-limit middleware must know the caller before the view runs, so it authenticates first and DRF
reuses that answer. And a process remembers a token it has seen for API_TOKEN_CACHE_S seconds: a
deleted token or a deactivated user stops working within that time in every process (at once in the
process that made the change, through the signals below).
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework import authentication
from rest_framework.authtoken.models import Token

_known: dict[str, tuple[float, tuple]] = {}  # token key -> (expires, (user, token))
KNOWN_MAX = 10_000


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        known = getattr(getattr(request, "_request", None), "token_authentication", None)
        return known if known is not None else super().authenticate(request)

    def authenticate_credentials(self, key):
        hit = _known.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        result = super().authenticate_credentials(key)
        if len(_known) >= KNOWN_MAX:
            _known.clear()
        _known[key] = (time.monotonic() + settings.API_TOKEN_CACHE_S, result)
        return result


@receiver([post_save, post_delete], sender=Token)
@receiver([post_save, post_delete], sender=get_user_model())
def _forget(sender, instance, **kwargs):
    user_id = instance.user_id if isinstance(instance, Token) else instance.pk
    for key in [k for k, (_, (user, _token)) in list(_known.items()) if user.pk == user_id]:
        _known.pop(key, None)
