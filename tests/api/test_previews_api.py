"""POST /api/catalog-files/{id}/preview/ and /api/previews/{id}/approve/ (issue 17)."""

import pytest

from sync.models import CatalogFile, OrderLine
from tests.sync.test_written_together import overlapping_exports

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(inbox, templates, tmp_path) -> int:
    return overlapping_exports(inbox, tmp_path)[0]


def test_a_preview_is_stored_then_approved_once(owner, first):
    made = owner.post(f"/api/catalog-files/{first}/preview/")
    assert made.status_code == 201, made.json()
    preview = made.json()["data"]
    assert preview["status"] == "pending" and preview["rows_new"] > 0
    assert not OrderLine.objects.exists()
    assert owner.get("/api/previews/").json()["data"]["results"][0]["id"] == preview["id"]

    approved = owner.post(f"/api/previews/{preview['id']}/approve/")
    assert approved.status_code == 200
    assert approved.json()["data"]["status"] == "approved"
    assert OrderLine.objects.filter(source_file_id=first).count() == preview["rows_new"]
    assert CatalogFile.objects.get(pk=first).status == "partial"

    again = owner.post(f"/api/previews/{preview['id']}/approve/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "stale_preview"


def test_previews_need_a_login(anonymous, first):
    assert anonymous.post(f"/api/catalog-files/{first}/preview/").status_code == 401
