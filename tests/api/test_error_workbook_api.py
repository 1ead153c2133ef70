"""The error workbook over the API (issue 17): downloaded for a file and for a task, fixed in two cells with
openpyxl as a person would in Excel, uploaded back and synced by a real worker: exactly those rows
ingested, the rest still quarantined, the accounting of both files exact."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sync.ingest.corrections import SOURCE_ROW_HEADER
from sync.models import FACT_MODELS, CatalogFile, QuarantinedRow, SyncProgressTask, TaskStatus, TaskType
from tests.sync.helpers import demo_copies_catalogued, run_to_end


def fixed_in_two_cells(content: bytes) -> tuple[bytes, set[str]]:
    """The quantity of the row quarantined for a negative quantity and the id of the row missing its
    order id, typed in; returns the workbook and the source rows fixed."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    fixed = set()
    for line in sheet.iter_rows(min_row=2):
        reasons = line[-1].value
        if reasons.startswith("quantity: negative value"):
            line[headers.index("Quantity")].value = 3
        elif reasons.startswith("order_id: required value is missing"):
            line[headers.index("Order ID")].value = "241101FIXED0002"
        else:
            continue
        fixed.add(line[0].value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), fixed


@pytest.mark.slow
def test_download_fix_upload_syncs_only_the_fixed_rows_through_the_worker(celery_worker, owner, inbox, templates,
                                                                          tmp_path):
    (file_id,) = demo_copies_catalogued(inbox, tmp_path, key="shopee_orders_xlsx", seeds=[4], rows=80,
                                        placed=lambda path, seed: path)
    submitted = owner.post("/api/sync-tasks/", {"task_type": "single_file", "file_id": file_id}, format="json")
    task = run_to_end(SyncProgressTask.objects.get(task_id=submitted.json()["data"]["task_id"]))
    source = CatalogFile.objects.get(pk=file_id)
    quarantined = source.rows_quarantined
    assert quarantined >= 3

    by_task = owner.get(f"/api/sync-tasks/{task.task_id}/error-workbook/")
    by_file = owner.get(f"/api/catalog-files/{file_id}/error-workbook/")
    assert by_file.status_code == by_task.status_code == 200
    assert by_file["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in by_file["Content-Disposition"]
    content, fixed = fixed_in_two_cells(b"".join(by_file.streaming_content) if by_file.streaming else by_file.content)
    assert len(fixed) == 2

    upload = SimpleUploadedFile("errors fixed.xlsx", content)
    answered = owner.post("/api/catalog-files/corrections/", {"file": upload}, format="multipart")
    assert answered.status_code == 202, answered.json()
    correction_task = run_to_end(SyncProgressTask.objects.get(task_id=answered.json()["data"]["task_id"]))

    assert correction_task.status == TaskStatus.COMPLETED, correction_task.errors
    assert correction_task.task_type == TaskType.BATCH_BY_IDS
    correction = CatalogFile.objects.get(correction_of=source)
    source.refresh_from_db()
    model = FACT_MODELS[source.data_domain]
    assert model.objects.filter(source_file=correction).count() == 2
    assert {str(r) for r in model.objects.filter(source_file=correction).values_list("quantity", flat=True)} >= {"3"}
    assert (correction.rows_read, correction.rows_ingested, correction.rows_quarantined) == (quarantined, 2, quarantined - 2)
    still = {q.raw[SOURCE_ROW_HEADER] for q in QuarantinedRow.objects.filter(file=correction)}
    assert len(still) == quarantined - 2 and not still & fixed
    assert (source.rows_quarantined, source.rows_corrected) == (0, quarantined)
    assert source.rows_read == source.rows_ingested + source.rows_quarantined + source.rows_skipped + source.rows_corrected
    detail = owner.get(f"/api/catalog-files/{correction.pk}/").json()["data"]
    assert detail["correction_of"] == source.pk and detail["quarantined_rows_total"] == quarantined - 2


@pytest.mark.django_db
def test_a_file_without_quarantined_rows_has_no_workbook(owner, inbox, templates, tmp_path):
    (file_id,) = demo_copies_catalogued(inbox, tmp_path, key="shopee_orders_xlsx", seeds=[4], rows=5,
                                        placed=lambda path, seed: path)
    answered = owner.get(f"/api/catalog-files/{file_id}/error-workbook/")
    assert answered.status_code == 404 and answered.json()["error"]["code"] == "no_quarantined_rows"


@pytest.mark.django_db
def test_an_upload_that_is_no_error_workbook_is_a_400(owner, inbox):
    answered = owner.post("/api/catalog-files/corrections/", {"file": SimpleUploadedFile("x.xlsx", b"PK not a zip")},
                          format="multipart")
    assert answered.status_code == 400, answered.content
    assert answered.json()["error"]["code"] == "correction_rejected"


@pytest.mark.django_db
def test_error_workbooks_need_a_login(anonymous):
    assert anonymous.get("/api/catalog-files/1/error-workbook/").status_code == 401
    assert anonymous.post("/api/catalog-files/corrections/").status_code == 401
