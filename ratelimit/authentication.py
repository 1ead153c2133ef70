"""Token authentication for the API: DRF's, with one token lookup per request at most and usually none.

The rate-limit middleware must know the caller before the view runs, so it authenticates first and DRF
reuses that answer. And a process remembers a token it has seen for API_TOKEN_CACHE_S seconds: a
deleted token or a deactivated user stops working within that time in every process (at once in the
process that made the change, through the signals below).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework import authentication
from rest_framework.authtoken.models import Token

from ratelimit.memo import ProcessMemo

_tokens = ProcessMemo()  # token key -> (user, token)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        known = getattr(getattr(request, "_request", None), "token_authentication", None)
        return known if known is not None else super().authenticate(request)

    def authenticate_credentials(self, key):
        known = _tokens.get(key)
        if known is not None:
            return known
        return _tokens.put(key, super().authenticate_credentials(key), settings.API_TOKEN_CACHE_S)


@receiver([post_save, post_delete], sender=Token)
@receiver([post_save, post_delete], sender=get_user_model())
def _forget(sender, instance, **kwargs):
    user_id = instance.user_id if isinstance(instance, Token) else instance.pk
    _tokens.forget(lambda _key, known: known[0].pk == user_id)
