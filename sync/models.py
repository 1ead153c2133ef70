"""State of the file sync: accounts, templates, the file catalog, sync tasks, fact tables, quarantine."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    SHOPEE = "shopee", "Shopee"
    TIKTOK = "tiktok", "TikTok Shop"
    LAZADA = "lazada", "Lazada"
    AMAZON = "amazon", "Amazon"
    MIAOSHOU = "miaoshou", "Miaoshou"


class DataDomain(models.TextChoices):
    ORDERS = "orders", _("Orders")
    PRODUCTS = "products", _("Product performance")
    TRAFFIC = "traffic", _("Traffic")
    INVENTORY = "inventory", _("Inventory")


class Granularity(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    SNAPSHOT = "snapshot", _("Snapshot")


class PlatformAccount(models.Model):
    """A shop account that files are collected for."""

    platform_code = models.CharField(max_length=20, choices=Platform.choices)
    shop_id = models.CharField(max_length=100)
    shop_name = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=10, blank=True, help_text="Country code, e.g. MY, TH, US")
    timezone = models.CharField(
        max_length=50, blank=True, help_text="IANA zone of the shop's local times; empty: the default"
    )
    enabled = models.BooleanField(default=True)
    last_collected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("platform account")
        verbose_name_plural = _("platform accounts")
        constraints = [
            models.UniqueConstraint(fields=["platform_code", "shop_id"], name="uniq_account_platform_shop")
        ]

    def __str__(self):
        return f"{self.platform_code}/{self.shop_id}"


class ComponentVersion(models.Model):
    """A release of a platform's collector component."""

    component_name = models.CharField(max_length=100)
    platform_code = models.CharField(max_length=20, choices=Platform.choices)
    version = models.CharField(max_length=50)
    is_active = models.BooleanField(default=False)
    released_at = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = _("component version")
        verbose_name_plural = _("component versions")
        constraints = [
            models.UniqueConstraint(fields=["component_name", "version"], name="uniq_component_version")
        ]

    def __str__(self):
        return f"{self.component_name} {self.version}"


class FieldTemplate(models.Model):
    """How to read one platform's export of one data domain.

    `mapping` is {canonical field: [source header aliases]}; `types` overrides the field's type
    (text, int, decimal, percent, date, datetime); `required_fields` must be present and non-empty;
    `dedup_fields` form the business key inside the fact table's natural key.
    """

    ANY_GRANULARITY = "any"

    name = models.CharField(max_length=100)
    platform_code = models.CharField(max_length=20, choices=Platform.choices)
    data_domain = models.CharField(max_length=20, choices=DataDomain.choices)
    granularity = models.CharField(max_length=20, default=ANY_GRANULARITY)
    version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    is_builtin = models.BooleanField(default=False)
    header_row = models.PositiveIntegerField(
        null=True, blank=True, help_text="1-based header row; empty: detected from the aliases"
    )
    mapping = models.JSONField(default=dict)
    types = models.JSONField(default=dict, blank=True)
    required_fields = models.JSONField(default=list, blank=True)
    dedup_fields = models.JSONField(default=list, blank=True)
    date_formats = models.JSONField(default=list, blank=True, help_text="strftime formats, preferred first")
    date_from_period = models.BooleanField(
        default=False, help_text="Rows carry no date: the business date is the file's period start"
    )
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text='{"fallbacks": {field: [fields tried when empty]}, "defaults": {field: value}}',
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("field template")
        verbose_name_plural = _("field templates")
        constraints = [
            models.UniqueConstraint(
                fields=["platform_code", "data_domain", "granularity", "version"], name="uniq_template_version"
            )
        ]
        indexes = [models.Index(fields=["platform_code", "data_domain", "is_active"])]

    def clean(self):
        if errors := self.consistency_errors():
            raise ValidationError(errors)

    def consistency_errors(self) -> dict[str, list[str]]:
        """Every field named in types, required_fields and dedup_fields must be mapped or given a default
        in options.defaults. The admin (through clean()) and the API check this one rule."""
        defaults = (self.options or {}).get("defaults", {}) if isinstance(self.options, dict) else {}
        known = set(self.mapping or {}) | (set(defaults) if isinstance(defaults, dict) else set())
        errors = {}
        for name in ("types", "required_fields", "dedup_fields"):
            if unknown := sorted(set(getattr(self, name) or ()) - known):
                errors[name] = [_("not in mapping: %(fields)s") % {"fields": ", ".join(unknown)}]
        return errors

    def __str__(self):
        return f"{self.name} v{self.version}"


class FileStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    INGESTED = "ingested", _("Ingested")
    PARTIAL = "partial", _("Partial (rows quarantined)")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class CatalogFile(models.Model):
    """One export file found in the inbox."""

    path = models.CharField(max_length=1000, unique=True, help_text="Relative to ERP_INBOX_DIR")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField()
    mtime_ns = models.BigIntegerField(default=0)
    platform_code = models.CharField(max_length=20, blank=True)
    shop_id = models.CharField(max_length=100, blank=True)
    data_domain = models.CharField(max_length=20, blank=True)
    granularity = models.CharField(max_length=20, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=FileStatus.choices, default=FileStatus.PENDING)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    template = models.ForeignKey(FieldTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    rows_read = models.PositiveIntegerField(default=0)
    rows_ingested = models.PositiveIntegerField(default=0)
    rows_quarantined = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_result = models.JSONField(default=dict, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("catalog file")
        verbose_name_plural = _("catalog files")
        indexes = [
            models.Index(fields=["status", "platform_code", "data_domain"]),
            models.Index(fields=["platform_code", "shop_id", "data_domain", "granularity"]),
            models.Index(fields=["first_seen_at"]),
        ]

    def __str__(self):
        return self.path


class TaskType(models.TextChoices):
    SINGLE_FILE = "single_file", _("Single file")
    BATCH = "batch", _("Batch")
    BATCH_BY_IDS = "batch_by_ids", _("Batch by ids")
    BATCH_ALL = "batch_all", _("Batch all")


class TaskStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class SyncProgressTaskQuerySet(models.QuerySet):
    """The task states, each rule written once: what holds a quota slot, what looks dead, what a worker
    may take."""

    def active(self):
        """Queued or running: holds its user's quota slot."""
        return self.filter(status__in=SyncProgressTask.ACTIVE_STATUSES)

    def stalled(self, *, now=None):
        """Running, but its heartbeat is older than ERP_HEARTBEAT_STALE_S: the worker running it died."""
        return self.filter(status=TaskStatus.PROCESSING, heartbeat_at__lt=_stale_before(now))

    def alive(self, *, now=None):
        """Running with a fresh heartbeat."""
        return self.filter(status=TaskStatus.PROCESSING, heartbeat_at__gte=_stale_before(now))

    def claimable(self, *, now=None):
        """What a delivery may start: queued, or stalled; never one whose cancel was asked for."""
        stale = _stale_before(now)
        return self.filter(models.Q(status=TaskStatus.QUEUED)
                           | models.Q(status=TaskStatus.PROCESSING, heartbeat_at__lt=stale),
                           cancel_requested=False)

    def undispatched(self):
        """Queued, and the broker has not accepted its message yet."""
        return self.filter(status=TaskStatus.QUEUED, dispatched_at__isnull=True)


def _stale_before(now=None):
    return (now or timezone.now()) - timedelta(seconds=settings.ERP_HEARTBEAT_STALE_S)


class SyncProgressTask(models.Model):
    """One sync submission; task_id is also the Celery task id."""

    ACTIVE_STATUSES = (TaskStatus.QUEUED, TaskStatus.PROCESSING)

    objects = SyncProgressTaskQuerySet.as_manager()

    task_id = models.CharField(max_length=64, unique=True, default=uuid.uuid4)
    task_type = models.CharField(max_length=20, choices=TaskType.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    priority = models.PositiveSmallIntegerField(default=5, help_text="1-10, 10 highest")
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.QUEUED)
    parameters = models.JSONField(default=dict, blank=True)
    file_ids = models.JSONField(default=list, blank=True)
    run_file_ids = models.JSONField(default=list, blank=True, help_text="Files of the current run (a retry: those left)")
    total_files = models.PositiveIntegerField(default=0)
    processed_files = models.PositiveIntegerField(default=0)
    succeeded_files = models.PositiveIntegerField(default=0)
    failed_files = models.PositiveIntegerField(default=0)
    skipped_files = models.PositiveIntegerField(default=0)
    current_file = models.CharField(max_length=255, blank=True)
    file_progress = models.FloatField(default=0.0, help_text="Percent of the current file")
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_ingested = models.PositiveBigIntegerField(default=0)
    rows_quarantined = models.PositiveBigIntegerField(default=0)
    rows_skipped = models.PositiveBigIntegerField(default=0)
    file_results = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    task_details = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="When the broker accepted the message")
    dispatch_error = models.TextField(blank=True, help_text="Why the last publish failed (the task waits for the broker)")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sync task")
        verbose_name_plural = _("sync tasks")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["user", "status"]),
            models.Index(fields=["task_type", "created_at"]),
            models.Index(fields=["status", "dispatched_at"]),
            models.Index(fields=["status", "priority", "created_at"], name="task_queue_order"),
        ]

    def __str__(self):
        return f"{self.task_type} {self.task_id}"


class FactBase(models.Model):
    """Columns every fact row has: where it belongs, and the cell it came from (lineage)."""

    platform_code = models.CharField(max_length=20)
    shop_id = models.CharField(max_length=100)
    granularity = models.CharField(max_length=20)
    business_date = models.DateField()
    extra = models.JSONField(default=dict, blank=True, help_text="Source columns no template field maps")
    source_file = models.ForeignKey(CatalogFile, on_delete=models.PROTECT, related_name="+")
    source_row = models.PositiveIntegerField(help_text="1-based row in the source sheet")
    synced_at = models.DateTimeField()
    row_hash = models.BigIntegerField(
        null=True, editable=False, help_text="Hash of the synced values: a re-sync skips rows whose hash is unchanged"
    )

    # Columns that place a row (the natural key is these plus the domain's business key).
    PLACE_FIELDS = ("platform_code", "shop_id", "granularity", "business_date")
    BUSINESS_KEY: tuple[str, ...] = ()
    # Written by the sync itself, never mapped from a source column.
    SYNC_FIELDS = ("extra", "source_file", "source_row", "synced_at", "row_hash")

    class Meta:
        abstract = True
        indexes = [
            models.Index(fields=["platform_code", "shop_id", "business_date"], name="%(class)s_place"),
        ]

    @classmethod
    def natural_key_fields(cls) -> tuple[str, ...]:
        return cls.PLACE_FIELDS + cls.BUSINESS_KEY


def _natural_key(model_name: str, business_key: tuple[str, ...]) -> list:
    fields = list(FactBase.PLACE_FIELDS + business_key)
    return [
        models.UniqueConstraint(fields=fields, name=f"uniq_{model_name}_natural_key"),
    ]


ORDER_KEY = ("order_id", "line_key")


class OrderLine(FactBase):
    """One order line (SKU) of a platform order."""

    BUSINESS_KEY = ORDER_KEY

    order_id = models.CharField(max_length=64)
    line_key = models.CharField(max_length=200, help_text="SKU, SKU id or order item id")
    order_status = models.CharField(max_length=100, blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    product_name = models.TextField(blank=True)
    sku = models.CharField(max_length=200, blank=True)
    variation = models.CharField(max_length=300, blank=True)
    quantity = models.IntegerField(null=True, blank=True)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    deal_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    subtotal = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    seller_discount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    shipping_fee = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    order_total = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    buyer = models.CharField(max_length=200, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)

    class Meta(FactBase.Meta):
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = _natural_key("orderline", ORDER_KEY)


PRODUCT_KEY = ("item_id", "variation_id")


class ProductPerformance(FactBase):
    """One product (variation) over one period."""

    BUSINESS_KEY = PRODUCT_KEY

    item_id = models.CharField(max_length=64)
    variation_id = models.CharField(max_length=64, blank=True)
    product_name = models.TextField(blank=True)
    sku = models.CharField(max_length=200, blank=True)
    item_status = models.CharField(max_length=50, blank=True)
    impressions = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    ctr = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    visitors = models.BigIntegerField(null=True, blank=True)
    page_views = models.BigIntegerField(null=True, blank=True)
    add_to_cart_units = models.BigIntegerField(null=True, blank=True)
    orders_placed = models.BigIntegerField(null=True, blank=True)
    orders_confirmed = models.BigIntegerField(null=True, blank=True)
    units_placed = models.BigIntegerField(null=True, blank=True)
    units_confirmed = models.BigIntegerField(null=True, blank=True)
    buyers_placed = models.BigIntegerField(null=True, blank=True)
    sales_placed = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    sales_confirmed = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    conversion_rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    bounce_rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)

    class Meta(FactBase.Meta):
        verbose_name = _("product performance")
        verbose_name_plural = _("product performance")
        constraints = _natural_key("productperformance", PRODUCT_KEY)


TRAFFIC_KEY = ("channel",)


class TrafficDaily(FactBase):
    """Shop traffic for one date (the daily table of a Sales Overview export)."""

    BUSINESS_KEY = TRAFFIC_KEY

    channel = models.CharField(max_length=50, blank=True, default="", help_text="Empty: the whole shop")
    visitors = models.BigIntegerField(null=True, blank=True)
    page_views = models.BigIntegerField(null=True, blank=True)
    buyers = models.BigIntegerField(null=True, blank=True)
    orders = models.BigIntegerField(null=True, blank=True)
    units = models.BigIntegerField(null=True, blank=True)
    sales = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    conversion_rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    bounce_rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)

    class Meta(FactBase.Meta):
        verbose_name = _("daily traffic")
        verbose_name_plural = _("daily traffic")
        constraints = _natural_key("trafficdaily", TRAFFIC_KEY)


INVENTORY_KEY = ("sku", "warehouse")


class InventorySnapshot(FactBase):
    """Stock of one SKU in one warehouse at the snapshot date."""

    BUSINESS_KEY = INVENTORY_KEY

    sku = models.CharField(max_length=200)
    warehouse = models.CharField(max_length=100, blank=True, default="")
    product_name = models.TextField(blank=True)
    total_stock = models.IntegerField(null=True, blank=True)
    available_stock = models.IntegerField(null=True, blank=True)
    reserved_stock = models.IntegerField(null=True, blank=True)
    in_transit_stock = models.IntegerField(null=True, blank=True)
    safety_stock = models.IntegerField(null=True, blank=True)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)

    class Meta(FactBase.Meta):
        verbose_name = _("inventory snapshot")
        verbose_name_plural = _("inventory snapshots")
        constraints = _natural_key("inventorysnapshot", INVENTORY_KEY)


FACT_MODELS = {
    DataDomain.ORDERS: OrderLine,
    DataDomain.PRODUCTS: ProductPerformance,
    DataDomain.TRAFFIC: TrafficDaily,
    DataDomain.INVENTORY: InventorySnapshot,
}


class QuarantinedRow(models.Model):
    """A source row that failed validation, kept with its raw values and the reasons."""

    file = models.ForeignKey(CatalogFile, on_delete=models.CASCADE, related_name="quarantined_rows")
    task = models.ForeignKey(SyncProgressTask, null=True, blank=True, on_delete=models.SET_NULL)
    source_row = models.PositiveIntegerField()
    raw = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quarantined row")
        verbose_name_plural = _("quarantined rows")
        indexes = [models.Index(fields=["file", "source_row"])]


class DataQualityRecord(models.Model):
    """Completeness of one platform / shop / domain / date after a sync."""

    platform_code = models.CharField(max_length=20)
    shop_id = models.CharField(max_length=100)
    data_domain = models.CharField(max_length=20, choices=DataDomain.choices)
    business_date = models.DateField()
    rows = models.PositiveIntegerField(default=0)
    score = models.DecimalField(max_digits=5, decimal_places=2, help_text="0-100: share of expected values present")
    missing_fields = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("data quality record")
        verbose_name_plural = _("data quality records")
        constraints = [
            models.UniqueConstraint(
                fields=["platform_code", "shop_id", "data_domain", "business_date"], name="uniq_quality_record"
            )
        ]
