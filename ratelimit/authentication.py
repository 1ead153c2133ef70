from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reusing the answer of the rate-limit middleware, which had to know
    the caller first (one token query per request, not two)."""

    def authenticate(self, request):
        known = getattr(request._request, "token_authentication", None)
        return known if known is not None else super().authenticate(request)
