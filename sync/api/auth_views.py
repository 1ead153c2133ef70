"""POST /api/auth/token: a username and password for the user's API token (the "auth" rate-limit group)."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.views import APIView

from erp.api.envelope import respond
from erp.api.schema import ERRORS, enveloped


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="send it as 'Authorization: Token <token>'")


@extend_schema(tags=["auth"], request=AuthTokenSerializer,
               responses={200: enveloped(TokenSerializer), **ERRORS(400, 429)})
class TokenView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    def post(self, request):
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        credentials.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=credentials.validated_data["user"])
        return respond(TokenSerializer({"token": token.key}).data)
