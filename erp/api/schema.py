"""OpenAPI shapes of the envelope and of an enveloped page, so the schema shows what the API really sends."""

from functools import cache

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer, inline_serializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable error code (same in every language)")
    type = serializers.CharField()
    detail = serializers.JSONField(help_text="field errors, or numbers such as used/limit")
    recovery_suggestion = serializers.CharField()


class ErrorEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    message = serializers.CharField()
    error = ErrorSerializer()


_DESCRIPTIONS = {
    400: "invalid parameters (detail names the fields)",
    401: "not authenticated",
    403: "not allowed (staff only)",
    404: "not found (or another user's)",
    409: "the object's state forbids the action",
    429: "quota or rate limit reached",
}


@cache
def enveloped(serializer_class, *, many: bool = False):
    """The success envelope around serializer_class."""
    name = f"{serializer_class.__name__.removesuffix('Serializer')}{'List' if many else ''}Envelope"
    return inline_serializer(name=name, fields={
        "success": serializers.BooleanField(default=True),
        "data": serializer_class(many=many),
        "message": serializers.CharField(allow_blank=True),
    })


def ERRORS(*codes: int) -> dict:  # noqa: N802 - reads as a constant table in the decorators
    return {code: OpenApiResponse(ErrorEnvelopeSerializer, description=_DESCRIPTIONS[code]) for code in codes}


@cache
def page_of(serializer_class):
    """DRF's PageNumberPagination page of serializer_class, as a serializer for the schema."""
    name = f"{serializer_class.__name__.removesuffix('Serializer')}PageSerializer"
    return type(name, (serializers.Serializer,), {
        "count": serializers.IntegerField(help_text=_("items over all pages")),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": serializer_class(many=True),
    })


def enveloped_page(serializer_class):
    """The envelope whose data is a page; drf-spectacular would otherwise wrap a list action's
    response (the whole envelope) in its own page."""
    envelope = enveloped(page_of(serializer_class))
    extend_schema_serializer(many=False)(type(envelope))
    return envelope


def document_request_line_limit(result, generator, request, public):
    """Every operation can be answered 414 by the server in front of the app (gunicorn's
    limit_request_line, nginx's large_client_header_buffers) when its query string is too long: a plain
    page, not the envelope, so it is documented without a body."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation["responses"].setdefault("414", {"description": "request line too long (refused by the "
                                                                     "HTTP server before the app)"})
    return result
