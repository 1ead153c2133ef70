"""Rows made by factories (factory_boy) for the admin and audit tests, and the admin operator's login."""

import factory

from sync.models import CatalogFile, SyncProgressTask, TaskType

OPERATOR = "operator"
OPERATOR_PASSWORD = "Operator-pass-4821"


class CatalogFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogFile

    shop_id = factory.Sequence(lambda n: f"shop{n:03d}")
    path = factory.LazyAttribute(lambda f: f"shopee/{f.shop_id}/orders/daily/orders_20250101_20250101.xlsx")
    file_name = "orders_20250101_20250101.xlsx"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size_bytes = 4096
    platform_code = "shopee"
    data_domain = "orders"
    granularity = "daily"


class TaskFactory(factory.django.DjangoModelFactory):
    """A batch of two files; set status (and counters) to put it where a test needs it."""

    class Meta:
        model = SyncProgressTask

    task_type = TaskType.BATCH_BY_IDS
    file_ids = factory.LazyFunction(lambda: [f.pk for f in CatalogFileFactory.create_batch(2)])
    run_file_ids = factory.SelfAttribute("file_ids")
    total_files = factory.LazyAttribute(lambda t: len(t.file_ids))
