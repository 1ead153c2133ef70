"""POST /api/auth/login, /api/auth/refresh, /api/auth/logout and GET /api/auth/me, in the predecessor's
shapes: login and refresh answer bare objects and set httpOnly cookies; errors are its envelope."""

from django.conf import settings
from django.middleware.csrf import rotate_token
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers

from erp.api.predecessor import LEGACY_ERRORS, LegacyAPIView, legacy_enveloped, legacy_respond
from erp.auth.authentication import ACCESS_COOKIE, REFRESH_COOKIE, JWTAuthentication
from erp.auth.services import TokenPair, auth_login, auth_logout, auth_refresh, user_info

TAG = "auth (predecessor)"


class LoginRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    remember_me = serializers.BooleanField(default=False)


class RefreshRequest(serializers.Serializer):
    refresh_token = serializers.CharField(required=False, allow_blank=True,
                                          help_text="optional: the refresh_token cookie is read first")


class UserInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField(), help_text="admin, premium or normal")
    permissions = serializers.ListField(child=serializers.CharField())
    is_admin = serializers.BooleanField()


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField(default="bearer")
    expires_in = serializers.IntegerField(help_text="seconds the access token lives")


class LoginResponse(TokenPairSerializer):
    user_info = UserInfoSerializer()


class LogoutResponse(serializers.Serializer):
    logged_out = serializers.BooleanField()


def _pair_body(pair: TokenPair) -> dict:
    return {"access_token": pair.access, "refresh_token": pair.refresh, "token_type": "bearer",
            "expires_in": pair.expires_in}


def _set_cookies(request, response, pair: TokenPair):
    secure = request.is_secure() or settings.JWT_COOKIE_SECURE
    response.set_cookie(ACCESS_COOKIE, pair.access, max_age=pair.expires_in, httponly=True, samesite="Lax",
                        secure=secure, path="/")
    response.set_cookie(REFRESH_COOKIE, pair.refresh, max_age=pair.refresh_expires_in, httponly=True,
                        samesite="Lax", secure=secure, path="/")


class _Unauthenticated(LegacyAPIView):
    """Login and refresh come before any login (and are not CSRF-checked: the refresh cookie is SameSite=Lax
    and the answer is readable by the page only)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []


@extend_schema(tags=[TAG], request=LoginRequest, responses={200: LoginResponse, **LEGACY_ERRORS(400, 401, 403)})
class LoginView(_Unauthenticated):
    def post(self, request):
        params = LoginRequest(data=request.data)
        params.is_valid(raise_exception=True)
        user, pair = auth_login(**params.validated_data)
        response = legacy_respond({**_pair_body(pair), "user_info": user_info(user)}, bare=True)
        _set_cookies(request, response, pair)
        rotate_token(request._request)  # a fresh csrf_token cookie for the session's writes
        return response


@extend_schema(tags=[TAG], request=RefreshRequest, responses={200: TokenPairSerializer, **LEGACY_ERRORS(400, 401)})
class RefreshView(_Unauthenticated):
    def post(self, request):
        params = RefreshRequest(data=request.data if isinstance(request.data, dict) else {})
        params.is_valid(raise_exception=True)
        pair = auth_refresh(refresh=request.COOKIES.get(REFRESH_COOKIE) or params.validated_data.get("refresh_token", ""))
        response = legacy_respond(_pair_body(pair), bare=True)
        _set_cookies(request, response, pair)
        return response


@extend_schema(tags=[TAG], responses={200: UserInfoSerializer, **LEGACY_ERRORS(401)})
class MeView(LegacyAPIView):
    def get(self, request):
        return legacy_respond(user_info(request.user), bare=True)


@extend_schema(tags=[TAG], request=None,
               responses={200: legacy_enveloped(LogoutResponse, with_message=True), **LEGACY_ERRORS(401, 403)})
class LogoutView(LegacyAPIView):
    """Ends the caller's session (its refresh token blacklisted, its access tokens refused) and clears the
    cookies. A JWT caller's session; for a `Token` caller there is nothing to revoke here."""

    def post(self, request):
        token = request.auth if isinstance(request.successful_authenticator, JWTAuthentication) else None
        auth_logout(user=request.user, refresh=request.COOKIES.get(REFRESH_COOKIE, ""), sid=token and token.get("sid"))
        response = legacy_respond({"logged_out": True}, message=_("Logged out"))
        response.delete_cookie(ACCESS_COOKIE, path="/", samesite="Lax")
        response.delete_cookie(REFRESH_COOKIE, path="/", samesite="Lax")
        return response
