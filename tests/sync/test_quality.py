"""The completeness score per platform / shop / domain / date (sync/services/quality.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sync.ingest.engine import file_sync
from sync.models import CatalogFile, DataQualityRecord, OrderLine
from sync.services.quality import quality_check
from tests.sync.helpers import shops_of_orders

pytestmark = pytest.mark.django_db


def test_a_second_check_updates_each_dates_record_in_place_with_queries_independent_of_the_dates(
        inbox, templates, tmp_path):
    files = list(CatalogFile.objects.filter(pk__in=shops_of_orders(inbox, 2, 60, tmp_path)))
    for file in files:
        file_sync(file=file)
    files = list(CatalogFile.objects.filter(pk__in=[f.pk for f in files]).select_related("template"))
    quality_check(files=files)
    first = {(r.shop_id, r.business_date): r for r in DataQualityRecord.objects.all()}
    line = OrderLine.objects.exclude(product_name="").first()
    OrderLine.objects.filter(pk=line.pk).update(product_name="")

    with CaptureQueriesContext(connection) as queries:
        summary = quality_check(files=files)

    second = {(r.shop_id, r.business_date): r for r in DataQualityRecord.objects.all()}
    assert len(first) > 2 and second.keys() == first.keys()  # updated in place, none added
    changed = second[(line.shop_id, line.business_date)]
    assert changed.score < first[(line.shop_id, line.business_date)].score
    assert "product_name" in changed.missing_fields
    assert summary["checked_dates"] == len(second)
    assert len(queries) <= 2  # one aggregate and one upsert for the orders domain, whatever the dates
