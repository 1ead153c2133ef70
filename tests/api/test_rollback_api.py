"""POST /api/catalog-files/{id}/rollback/ (issue 17): staff only; the outcome, or a 409 naming the later files."""

import pytest

from sync.ingest.engine import file_sync
from sync.models import CatalogFile, FileStatus, OrderLine
from tests.sync.test_written_together import overlapping_exports

pytestmark = pytest.mark.django_db
ROLLBACK = "/api/catalog-files/{id}/rollback/"


@pytest.fixture
def first_and_changes(inbox, templates, tmp_path) -> tuple[int, int]:
    first, _, changes, _ = overlapping_exports(inbox, tmp_path)
    for file_id in (first, changes):
        file_sync(file=CatalogFile.objects.get(pk=file_id))
    return first, changes


def test_staff_rolls_back_a_file_and_a_refusal_names_the_later_one(staff, first_and_changes):
    first, changes = first_and_changes

    refused = staff.post(ROLLBACK.format(id=first), {}, format="json")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (error["code"], error["type"]) == ("rollback_refused", "ConflictError")
    assert error["detail"]["later_files"][0]["file_id"] == changes and error["recovery_suggestion"]

    done = staff.post(ROLLBACK.format(id=first), {"cascade": True}, format="json")
    assert done.status_code == 200
    assert done.json()["data"]["files"] == [changes, first]
    assert not OrderLine.objects.exists()
    assert CatalogFile.objects.get(pk=first).status == FileStatus.ROLLED_BACK


def test_a_user_who_is_not_staff_cannot_roll_back(owner, first_and_changes):
    _, changes = first_and_changes
    assert owner.post(ROLLBACK.format(id=changes), {}, format="json").status_code == 403
    assert OrderLine.objects.filter(source_file_id=changes).exists()
