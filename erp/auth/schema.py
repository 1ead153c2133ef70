"""The JWT scheme in the OpenAPI document: a Bearer header, or the access_token cookie."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "erp.auth.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "POST /api/auth/login; the access_token cookie carries the same token"}
