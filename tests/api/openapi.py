"""Checking real responses against the OpenAPI schema the service publishes."""

from functools import cache

from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT = "urn:erp-api"


@cache
def api_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def assert_matches_schema(response, path: str, method: str = "get"):
    """`path` is the schema's template, e.g. /api/data-sync/progress/{task_id}."""
    schema = api_schema()
    documented = schema["paths"][path][method.lower()]["responses"].get(str(response.status_code))
    assert documented is not None, f"{method.upper()} {path} answered {response.status_code}: not in the schema"
    registry = Registry().with_resource(DOCUMENT, Resource(contents=schema, specification=DRAFT202012))
    body = _rebased(documented["content"]["application/json"]["schema"])
    Draft202012Validator(body, registry=registry).validate(response.json())


def _rebased(node):
    """The response schema's '#/components/...' refs point into the whole document."""
    if isinstance(node, dict):
        return {k: (DOCUMENT + v if k == "$ref" else _rebased(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebased(v) for v in node]
    return node
