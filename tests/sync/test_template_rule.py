"""A field template's consistency rule holds wherever a template is written: the admin and the API refuse
the same template with the same words."""

import json

import pytest

from sync.models import FieldTemplate

pytestmark = pytest.mark.django_db
INCONSISTENT = {"name": "orders with a typo", "platform_code": "shopee", "data_domain": "orders",
                "granularity": "any", "version": 9, "mapping": {"order_id": ["Order ID"]},
                "types": {"order_idd": "text"}, "required_fields": ["order_id"], "dedup_fields": ["order_id"]}


def admin_form(template: dict) -> dict:
    form = {name: json.dumps(value) if isinstance(value, dict | list) else value for name, value in template.items()}
    # The drift contracts as the form's selects post them untouched: their defaults.
    contracts = {"on_new_column": "evolve", "on_missing_field": "allow", "on_bad_value": "discard_row"}
    return {**form, **contracts, "is_active": "on", "date_formats": "[]", "options": "{}"}


def test_the_admin_refuses_what_the_api_refuses(admin_client, staff):
    by_admin = admin_client.post("/admin/sync/fieldtemplate/add/", admin_form(INCONSISTENT))
    by_api = staff.post("/api/templates/", INCONSISTENT, format="json")

    assert by_admin.status_code == 200 and "not in mapping: order_idd" in by_admin.content.decode()
    assert by_api.status_code == 400
    assert by_api.json()["error"]["detail"]["types"] == ["not in mapping: order_idd"]
    assert not FieldTemplate.objects.filter(name=INCONSISTENT["name"]).exists()


def test_the_admin_saves_a_consistent_template(admin_client):
    consistent = {**INCONSISTENT, "types": {"order_id": "text"}}

    response = admin_client.post("/admin/sync/fieldtemplate/add/", admin_form(consistent))

    assert response.status_code == 302
    assert FieldTemplate.objects.get(name=INCONSISTENT["name"]).types == {"order_id": "text"}
