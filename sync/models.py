"""State of the file sync: accounts, templates, the file catalog, sync tasks, fact tables, quarantine."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models.functions import Coalesce
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sync.ingest.locales import validate_number_locale


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

    platform_code = models.CharField(max_length=20, choices=Platform.choices, verbose_name=_("platform code"))
    shop_id = models.CharField(max_length=100, verbose_name=_("shop id"))
    shop_name = models.CharField(max_length=200, blank=True, verbose_name=_("shop name"))
    region = models.CharField(max_length=10, blank=True, help_text=_("Country code, e.g. MY, TH, US"),
        verbose_name=_("region"))
    timezone = models.CharField(
        max_length=50, blank=True, help_text=_("IANA zone of the shop's local times; empty: the default"),
        verbose_name=_("timezone"))
    number_locale = models.CharField(
        max_length=20, blank=True, validators=[validate_number_locale],
        help_text=_("How the shop's exports write numbers, e.g. id_ID, vi_VN, en_US; empty: from the region"),
        verbose_name=_("number locale"))
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    last_collected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last collected at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

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

    component_name = models.CharField(max_length=100, verbose_name=_("component name"))
    platform_code = models.CharField(max_length=20, choices=Platform.choices, verbose_name=_("platform code"))
    version = models.CharField(max_length=50, verbose_name=_("version"))
    is_active = models.BooleanField(default=False, verbose_name=_("is active"))
    released_at = models.DateField(null=True, blank=True, verbose_name=_("released at"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))

    class Meta:
        verbose_name = _("component version")
        verbose_name_plural = _("component versions")
        constraints = [
            models.UniqueConstraint(fields=["component_name", "version"], name="uniq_component_version")
        ]

    def __str__(self):
        return f"{self.component_name} {self.version}"


class DateOrder(models.TextChoices):
    DMY = "DMY", _("day/month/year")
    MDY = "MDY", _("month/day/year")
    YMD = "YMD", _("year/month/day")


class OnNewColumn(models.TextChoices):
    """What a file with a column its template neither maps nor knows does (drift contracts, as dlt names them)."""

    EVOLVE = "evolve", _("evolve: keep the column and report it")
    FREEZE = "freeze", _("freeze: fail the file")


class OnMissingField(models.TextChoices):
    ALLOW = "allow", _("allow: sync without it and report it")
    FREEZE = "freeze", _("freeze: fail the file")


class OnBadValue(models.TextChoices):
    DISCARD_ROW = "discard_row", _("discard row: quarantine it")
    FREEZE = "freeze", _("freeze: fail the file")


class FieldTemplate(models.Model):
    """How to read one platform's export of one data domain.

    `mapping` is {canonical field: [source header aliases]}; `types` overrides the field's type
    (text, int, decimal, percent, date, datetime); `required_fields` must be present and non-empty;
    `dedup_fields` form the business key inside the fact table's natural key.
    """

    ANY_GRANULARITY = "any"

    name = models.CharField(max_length=100, verbose_name=_("name"))
    platform_code = models.CharField(max_length=20, choices=Platform.choices, verbose_name=_("platform code"))
    data_domain = models.CharField(max_length=20, choices=DataDomain.choices, verbose_name=_("data domain"))
    granularity = models.CharField(max_length=20, default=ANY_GRANULARITY, verbose_name=_("granularity"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    is_builtin = models.BooleanField(default=False, verbose_name=_("is builtin"))
    header_row = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("1-based header row; empty: detected from the aliases"),
        verbose_name=_("header row"))
    mapping = models.JSONField(default=dict, verbose_name=_("mapping"))
    types = models.JSONField(default=dict, blank=True, verbose_name=_("types"))
    required_fields = models.JSONField(default=list, blank=True, verbose_name=_("required fields"))
    dedup_fields = models.JSONField(default=list, blank=True, verbose_name=_("dedup fields"))
    date_formats = models.JSONField(default=list, blank=True, help_text=_("strftime formats, preferred first"),
        verbose_name=_("date formats"))
    number_locale = models.CharField(
        max_length=20, blank=True, validators=[validate_number_locale],
        help_text=_("How this export writes numbers, e.g. id_ID; empty: the shop's locale"),
        verbose_name=_("number locale"))
    date_order = models.CharField(
        max_length=3, blank=True, choices=DateOrder.choices,
        help_text=_("Day/month order of dates written as text; empty: from the locale, else from the column"),
        verbose_name=_("date order"))
    date_from_period = models.BooleanField(
        default=False, help_text=_("Rows carry no date: the business date is the file's period start"),
        verbose_name=_("date from period"))
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text=_('{"fallbacks": {field: [fields tried when empty]}, "defaults": {field: value}, '
                    '"keep_in_extra": [headers kept per row in extra], "known_columns": [headers the export '
                    'carries that no field maps: not new columns for the drift contract]}'),
        verbose_name=_("options"))
    on_new_column = models.CharField(
        max_length=20, choices=OnNewColumn.choices, default=OnNewColumn.EVOLVE,
        help_text=_("A column no field maps and options.known_columns / keep_in_extra do not list"),
        verbose_name=_("on a new column"))
    on_missing_field = models.CharField(
        max_length=20, choices=OnMissingField.choices, default=OnMissingField.ALLOW,
        help_text=_("An optional mapped field with no column (a missing required one always fails the file)"),
        verbose_name=_("on a missing field"))
    on_bad_value = models.CharField(
        max_length=20, choices=OnBadValue.choices, default=OnBadValue.DISCARD_ROW,
        help_text=_("A value that does not fit its field's type"), verbose_name=_("on a bad value"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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
    ROLLED_BACK = "rolled_back", _("Rolled back")


class CatalogFile(models.Model):
    """One export file found in the inbox."""

    path = models.CharField(max_length=1000, unique=True, help_text=_("Relative to ERP_INBOX_DIR"),
        verbose_name=_("path"))
    file_name = models.CharField(max_length=255, verbose_name=_("file name"))
    sha256 = models.CharField(max_length=64, db_index=True, verbose_name=_("sha256"))
    size_bytes = models.BigIntegerField(verbose_name=_("size bytes"))
    mtime_ns = models.BigIntegerField(default=0, verbose_name=_("mtime ns"))
    platform_code = models.CharField(max_length=20, blank=True, verbose_name=_("platform code"))
    shop_id = models.CharField(max_length=100, blank=True, verbose_name=_("shop id"))
    data_domain = models.CharField(max_length=20, blank=True, verbose_name=_("data domain"))
    granularity = models.CharField(max_length=20, blank=True, verbose_name=_("granularity"))
    period_start = models.DateField(null=True, blank=True, verbose_name=_("period start"))
    period_end = models.DateField(null=True, blank=True, verbose_name=_("period end"))
    status = models.CharField(max_length=20, choices=FileStatus.choices, default=FileStatus.PENDING,
        verbose_name=_("status"))
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
        verbose_name=_("duplicate of"))
    correction_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
        help_text=_("The file whose quarantined rows this error workbook corrects"), verbose_name=_("correction of"))
    template = models.ForeignKey(FieldTemplate, null=True, blank=True, on_delete=models.SET_NULL,
        verbose_name=_("template"))
    rows_read = models.PositiveIntegerField(default=0, verbose_name=_("rows read"))
    rows_ingested = models.PositiveIntegerField(default=0, verbose_name=_("rows ingested"))
    rows_quarantined = models.PositiveIntegerField(default=0, verbose_name=_("rows quarantined"))
    rows_skipped = models.PositiveIntegerField(default=0, verbose_name=_("rows skipped"))
    rows_corrected = models.PositiveIntegerField(
        default=0, help_text=_("Quarantined rows handed to a correction (an error workbook uploaded back)"),
        verbose_name=_("rows corrected"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    last_result = models.JSONField(default=dict, blank=True, verbose_name=_("last result"))
    number_locale = models.CharField(
        max_length=20, blank=True, validators=[validate_number_locale], help_text=_("How this file writes numbers; empty: the template's or the shop's"),
        verbose_name=_("number locale"))
    encoding = models.CharField(max_length=40, blank=True, help_text=_("Text encoding the last sync read"),
        verbose_name=_("encoding"))
    sheet_name = models.CharField(max_length=255, blank=True, help_text=_("Workbook sheet the last sync read"),
        verbose_name=_("sheet name"))
    first_seen_at = models.DateTimeField(auto_now_add=True, verbose_name=_("first seen at"))
    last_synced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last synced at"))
    # Seconds the last sync of the file took (the engine measures it); the dashboard lists the slowest.
    sync_fingerprint = models.CharField(
        max_length=64, blank=True, editable=False,
        help_text=_("What the last successful sync read (bytes, template, shop settings, options, engine): "
                    "a re-sync of an unchanged file does not read it again"),
        verbose_name=_("sync fingerprint"))
    last_sync_seconds = models.FloatField(null=True, blank=True, verbose_name=_("last sync seconds"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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
        """Running, but its heartbeat is older than ERP_HEARTBEAT_STALE_S: the worker running it died. (A
        batch whose own files are done while its parts run is not: the last part finishes it.)"""
        return self.filter(status=TaskStatus.PROCESSING, heartbeat_at__lt=_stale_before(now), waits_for_parts=False)

    def alive(self, *, now=None):
        """Running with a fresh heartbeat."""
        return self.filter(status=TaskStatus.PROCESSING, heartbeat_at__gte=_stale_before(now))

    def claimable(self, *, now=None):
        """What a delivery may start: queued, or stalled; never one whose cancel was asked for."""
        stale = _stale_before(now)
        return self.filter(models.Q(status=TaskStatus.QUEUED)
                           | models.Q(status=TaskStatus.PROCESSING, heartbeat_at__lt=stale, waits_for_parts=False),
                           cancel_requested=False)

    def claim(self, *, now, **also) -> int:
        """Start what this selects, once (a conditional UPDATE: of two deliveries only one wins); returns
        how many rows were claimed. `also`: more columns to set."""
        return self.update(status=TaskStatus.PROCESSING, started_at=Coalesce(models.F("started_at"), models.Value(now)),
                           heartbeat_at=now, attempts=models.F("attempts") + 1, taken_by="", **also)

    def update_returning(self, fields: list[str], **changes) -> list[dict]:
        """update(**changes), and what the updated rows hold then in `fields`, read by the UPDATE itself
        (RETURNING, on PostgreSQL and SQLite): a task's end needs its final counts, and reading the row
        back cost a query more per task (issue 19)."""
        query = self.query.chain(UpdateQuery)
        query.add_update_values(changes)
        sql, params = query.get_compiler(self.db).as_sql()
        columns = ", ".join(connections[self.db].ops.quote_name(self.model._meta.get_field(f).column) for f in fields)
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"{sql} RETURNING {columns}", params)
            return [dict(zip(fields, row)) for row in cursor.fetchall()]

    def undispatched(self):
        """Queued, and the broker refused its message (it was down): published when it is back. (A task
        waiting for a worker slot under fair share is not handed to the broker yet either, by design.)"""
        return self.filter(status=TaskStatus.QUEUED, dispatched_at__isnull=True).exclude(dispatch_error="")


class SubmissionManager(models.Manager.from_queryset(SyncProgressTaskQuerySet)):
    """The tasks users submitted: a batch's parts (rows a worker runs for it) are not among them."""

    def get_queryset(self):
        return super().get_queryset().filter(parent__isnull=True)


def _stale_before(now=None):
    return (now or timezone.now()) - timedelta(seconds=settings.ERP_HEARTBEAT_STALE_S)


class SyncProgressTask(models.Model):
    """One sync submission; task_id is also the Celery task id."""

    ACTIVE_STATUSES = (TaskStatus.QUEUED, TaskStatus.PROCESSING)

    # Users, the API and the admin see submissions; the machinery that runs them (claim, dispatch,
    # recovery, fair share) sees `units`: submissions and the parts a batch spread over free slots.
    objects = SubmissionManager()
    units = SyncProgressTaskQuerySet.as_manager()

    task_id = models.CharField(max_length=64, unique=True, default=uuid.uuid4, verbose_name=_("task id"))
    task_type = models.CharField(max_length=20, choices=TaskType.choices, verbose_name=_("task type"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        verbose_name=_("user"))
    priority = models.PositiveSmallIntegerField(default=5, help_text=_("1-10, 10 highest"), verbose_name=_("priority"))
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.QUEUED,
        verbose_name=_("status"))
    parameters = models.JSONField(default=dict, blank=True, verbose_name=_("parameters"))
    file_ids = models.JSONField(default=list, blank=True, verbose_name=_("file ids"))
    run_file_ids = models.JSONField(default=list, blank=True, help_text=_("Files of the current run (a retry: those left)"),
        verbose_name=_("run file ids"))
    total_files = models.PositiveIntegerField(default=0, verbose_name=_("total files"))
    processed_files = models.PositiveIntegerField(default=0, verbose_name=_("processed files"))
    succeeded_files = models.PositiveIntegerField(default=0, verbose_name=_("succeeded files"))
    failed_files = models.PositiveIntegerField(default=0, verbose_name=_("failed files"))
    skipped_files = models.PositiveIntegerField(default=0, verbose_name=_("skipped files"))
    current_file = models.CharField(max_length=255, blank=True, verbose_name=_("current file"))
    file_progress = models.FloatField(default=0.0, help_text=_("Percent of the current file"),
        verbose_name=_("file progress"))
    rows_read = models.PositiveBigIntegerField(default=0, verbose_name=_("rows read"))
    rows_ingested = models.PositiveBigIntegerField(default=0, verbose_name=_("rows ingested"))
    rows_quarantined = models.PositiveBigIntegerField(default=0, verbose_name=_("rows quarantined"))
    rows_skipped = models.PositiveBigIntegerField(default=0, verbose_name=_("rows skipped"))
    file_results = models.JSONField(default=list, blank=True, verbose_name=_("file results"))
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    task_details = models.JSONField(default=dict, blank=True, verbose_name=_("task details"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    cancel_requested = models.BooleanField(default=False, verbose_name=_("cancel requested"))
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("heartbeat at"))
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text=_("When the broker accepted the message"),
        verbose_name=_("dispatched at"))
    dispatch_error = models.TextField(blank=True, help_text=_("Why the last publish failed (the task waits for the broker)"),
        verbose_name=_("dispatch error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="parts",
        help_text=_("The batch this part runs files of, in a free worker slot"), verbose_name=_("parent"))
    given_file_ids = models.JSONField(default=list, blank=True,
        help_text=_("Files of this run handed to parts of the batch"), verbose_name=_("given file ids"))
    waits_for_parts = models.BooleanField(default=False,
        help_text=_("Its own files are done; the last of its parts to end finishes it"),
        verbose_name=_("waits for parts"))
    taken_by = models.CharField(max_length=64, blank=True, default="",
        help_text=_("The task whose delivery reserved this one to run it next (small one-file tasks run together)"),
        verbose_name=_("taken along by"))

    class Meta:
        verbose_name = _("sync task")
        verbose_name_plural = _("sync tasks")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["user", "status"]),
            models.Index(fields=["task_type", "created_at"]),
            models.Index(fields=["status", "dispatched_at"]),
            models.Index(fields=["status", "priority", "created_at"], name="task_queue_order"),
            # The dashboard's hourly figures read the last 7 days of finished tasks.
            models.Index(fields=["finished_at"], name="task_finished_at"),
        ]

    def __str__(self):
        return f"{self.task_type} {self.task_id}"


class FactBase(models.Model):
    """Columns every fact row has: where it belongs, and the cell it came from (lineage)."""

    platform_code = models.CharField(max_length=20, verbose_name=_("platform code"))
    shop_id = models.CharField(max_length=100, verbose_name=_("shop id"))
    granularity = models.CharField(max_length=20, verbose_name=_("granularity"))
    business_date = models.DateField(verbose_name=_("business date"))
    extra = models.JSONField(default=dict, blank=True,
        help_text=_("Unmapped source columns the template keeps per row (options.keep_in_extra)"),
        verbose_name=_("extra"))
    # No database constraint: its check per row cost 0.35-0.4 s at the commit of 100,000 rows. The sync
    # holds its file's catalog row instead (upsert.sources_hold), and a trigger refuses to delete a
    # catalog file that fact rows name (migration 0014), so lineage stays whole either way.
    source_file = models.ForeignKey(CatalogFile, on_delete=models.PROTECT, related_name="+", db_constraint=False,
        verbose_name=_("source file"))
    source_row = models.PositiveIntegerField(help_text=_("1-based row in the source sheet"),
        verbose_name=_("source row"))
    synced_at = models.DateTimeField(verbose_name=_("synced at"))
    row_hash = models.BigIntegerField(
        null=True, editable=False, help_text=_("Hash of the synced values: a re-sync skips rows whose hash is unchanged"),
        verbose_name=_("row hash"))

    # Columns that place a row (the natural key is these plus the domain's business key). The date comes
    # before the granularity so that the key's index also serves every query by shop and date: no
    # separate place index to update for each row a sync writes.
    PLACE_FIELDS = ("platform_code", "shop_id", "business_date", "granularity")
    BUSINESS_KEY: tuple[str, ...] = ()
    # Written by the sync itself, never mapped from a source column.
    SYNC_FIELDS = ("extra", "source_file", "source_row", "synced_at", "row_hash")

    class Meta:
        abstract = True

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

    order_id = models.CharField(max_length=64, verbose_name=_("order id"))
    line_key = models.CharField(max_length=200, help_text=_("SKU, SKU id or order item id"), verbose_name=_("line key"))
    order_status = models.CharField(max_length=100, blank=True, verbose_name=_("order status"))
    ordered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ordered at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    product_name = models.TextField(blank=True, verbose_name=_("product name"))
    sku = models.CharField(max_length=200, blank=True, verbose_name=_("sku"))
    variation = models.CharField(max_length=300, blank=True, verbose_name=_("variation"))
    quantity = models.IntegerField(null=True, blank=True, verbose_name=_("quantity"))
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True,
        verbose_name=_("unit price"))
    deal_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True,
        verbose_name=_("deal price"))
    subtotal = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True, verbose_name=_("subtotal"))
    seller_discount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True,
        verbose_name=_("seller discount"))
    shipping_fee = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True,
        verbose_name=_("shipping fee"))
    order_total = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True,
        verbose_name=_("order total"))
    currency = models.CharField(max_length=8, blank=True, verbose_name=_("currency"))
    buyer = models.CharField(max_length=200, blank=True, verbose_name=_("buyer"))
    tracking_number = models.CharField(max_length=100, blank=True, verbose_name=_("tracking number"))

    class Meta(FactBase.Meta):
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = _natural_key("orderline", ORDER_KEY)


PRODUCT_KEY = ("item_id", "variation_id")


class ProductPerformance(FactBase):
    """One product (variation) over one period."""

    BUSINESS_KEY = PRODUCT_KEY

    item_id = models.CharField(max_length=64, verbose_name=_("item id"))
    variation_id = models.CharField(max_length=64, blank=True, verbose_name=_("variation id"))
    product_name = models.TextField(blank=True, verbose_name=_("product name"))
    sku = models.CharField(max_length=200, blank=True, verbose_name=_("sku"))
    item_status = models.CharField(max_length=50, blank=True, verbose_name=_("item status"))
    impressions = models.BigIntegerField(null=True, blank=True, verbose_name=_("impressions"))
    clicks = models.BigIntegerField(null=True, blank=True, verbose_name=_("clicks"))
    ctr = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True, verbose_name=_("ctr"))
    visitors = models.BigIntegerField(null=True, blank=True, verbose_name=_("visitors"))
    page_views = models.BigIntegerField(null=True, blank=True, verbose_name=_("page views"))
    add_to_cart_units = models.BigIntegerField(null=True, blank=True, verbose_name=_("add to cart units"))
    orders_placed = models.BigIntegerField(null=True, blank=True, verbose_name=_("orders placed"))
    orders_confirmed = models.BigIntegerField(null=True, blank=True, verbose_name=_("orders confirmed"))
    units_placed = models.BigIntegerField(null=True, blank=True, verbose_name=_("units placed"))
    units_confirmed = models.BigIntegerField(null=True, blank=True, verbose_name=_("units confirmed"))
    buyers_placed = models.BigIntegerField(null=True, blank=True, verbose_name=_("buyers placed"))
    sales_placed = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True,
        verbose_name=_("sales placed"))
    sales_confirmed = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True,
        verbose_name=_("sales confirmed"))
    conversion_rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True,
        verbose_name=_("conversion rate"))
    bounce_rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True,
        verbose_name=_("bounce rate"))

    class Meta(FactBase.Meta):
        verbose_name = _("product performance")
        verbose_name_plural = _("product performance")
        constraints = _natural_key("productperformance", PRODUCT_KEY)


TRAFFIC_KEY = ("channel",)


class TrafficDaily(FactBase):
    """Shop traffic for one date (the daily table of a Sales Overview export)."""

    BUSINESS_KEY = TRAFFIC_KEY

    channel = models.CharField(max_length=50, blank=True, default="", help_text=_("Empty: the whole shop"),
        verbose_name=_("channel"))
    visitors = models.BigIntegerField(null=True, blank=True, verbose_name=_("visitors"))
    page_views = models.BigIntegerField(null=True, blank=True, verbose_name=_("page views"))
    buyers = models.BigIntegerField(null=True, blank=True, verbose_name=_("buyers"))
    orders = models.BigIntegerField(null=True, blank=True, verbose_name=_("orders"))
    units = models.BigIntegerField(null=True, blank=True, verbose_name=_("units"))
    sales = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True, verbose_name=_("sales"))
    conversion_rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True,
        verbose_name=_("conversion rate"))
    bounce_rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True,
        verbose_name=_("bounce rate"))

    class Meta(FactBase.Meta):
        verbose_name = _("daily traffic")
        verbose_name_plural = _("daily traffic")
        constraints = _natural_key("trafficdaily", TRAFFIC_KEY)


INVENTORY_KEY = ("sku", "warehouse")


class InventorySnapshot(FactBase):
    """Stock of one SKU in one warehouse at the snapshot date."""

    BUSINESS_KEY = INVENTORY_KEY

    sku = models.CharField(max_length=200, verbose_name=_("sku"))
    warehouse = models.CharField(max_length=100, blank=True, default="", verbose_name=_("warehouse"))
    product_name = models.TextField(blank=True, verbose_name=_("product name"))
    total_stock = models.IntegerField(null=True, blank=True, verbose_name=_("total stock"))
    available_stock = models.IntegerField(null=True, blank=True, verbose_name=_("available stock"))
    reserved_stock = models.IntegerField(null=True, blank=True, verbose_name=_("reserved stock"))
    in_transit_stock = models.IntegerField(null=True, blank=True, verbose_name=_("in transit stock"))
    safety_stock = models.IntegerField(null=True, blank=True, verbose_name=_("safety stock"))
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True,
        verbose_name=_("unit price"))

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


class QuarantinedRowQuerySet(models.QuerySet):
    def open(self):
        """Still to fix: not handed to a correction."""
        return self.filter(corrected_by__isnull=True)


class QuarantinedRow(models.Model):
    """A source row that failed validation, kept with its raw values and the reasons. A correction (an
    error workbook uploaded back) that read the row marks it `corrected_by`: its outcome is then the
    correction's, and rolling the correction back opens the row again."""

    objects = QuarantinedRowQuerySet.as_manager()

    file = models.ForeignKey(CatalogFile, on_delete=models.CASCADE, related_name="quarantined_rows",
        verbose_name=_("file"))
    corrected_by = models.ForeignKey(
        CatalogFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrected_rows",
        help_text=_("The correction that took this row over"), verbose_name=_("corrected by"))
    task = models.ForeignKey(SyncProgressTask, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("task"))
    source_row = models.PositiveIntegerField(verbose_name=_("source row"))
    raw = models.JSONField(default=dict, verbose_name=_("raw"))
    reasons = models.JSONField(default=list, verbose_name=_("reasons"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("quarantined row")
        verbose_name_plural = _("quarantined rows")
        indexes = [models.Index(fields=["file", "source_row"])]


class UnmappedCells(models.Model):
    """The cells of one batch of a file that no template field maps, stored once in a columnar form
    (Parquet) keyed by source row: a fact row's lineage (source file, source row) leads to them, and a
    wide export pays no JSON document per row for columns nobody reads (see sync.ingest.unmapped)."""

    file = models.ForeignKey(CatalogFile, on_delete=models.CASCADE, related_name="unmapped_cells",
        verbose_name=_("file"))
    first_row = models.PositiveIntegerField(verbose_name=_("first source row"))
    last_row = models.PositiveIntegerField(verbose_name=_("last source row"))
    columns = models.JSONField(default=list, help_text=_("Source headers of the stored columns"),
        verbose_name=_("columns"))
    cells = models.BinaryField(help_text=_("Parquet: the source row and each column's text"), verbose_name=_("cells"))

    class Meta:
        verbose_name = _("unmapped cells")
        verbose_name_plural = _("unmapped cells")
        indexes = [models.Index(fields=["file", "first_row"])]


class ChangeSet(models.Model):
    """What one committed sync of a file did to its fact table, enough to undo it (sync.services.rollback):
    the rows it inserted are those of its place with ids in (after_id, last_id] that still carry its file
    and `synced_at`; the rows it updated are kept as they were before (PreviousRow)."""

    file = models.ForeignKey(CatalogFile, on_delete=models.CASCADE, related_name="change_sets",
        verbose_name=_("file"))
    task = models.ForeignKey(SyncProgressTask, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("task"))
    data_domain = models.CharField(max_length=20, choices=DataDomain.choices, verbose_name=_("data domain"))
    platform_code = models.CharField(max_length=20, verbose_name=_("platform code"))
    shop_id = models.CharField(max_length=100, verbose_name=_("shop id"))
    granularity = models.CharField(max_length=20, verbose_name=_("granularity"))
    synced_at = models.DateTimeField(help_text=_("The time the sync stamped on every row it wrote"),
        verbose_name=_("synced at"))
    after_id = models.BigIntegerField(help_text=_("Rows it inserted have ids above this"), verbose_name=_("after id"))
    last_id = models.BigIntegerField(help_text=_("... and at most this"), verbose_name=_("last id"))
    rows_inserted = models.PositiveIntegerField(default=0, verbose_name=_("rows inserted"))
    rows_updated = models.PositiveIntegerField(default=0, verbose_name=_("rows updated"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    rolled_back_at = models.DateTimeField(null=True, blank=True, verbose_name=_("rolled back at"))

    class Meta:
        verbose_name = _("change set")
        verbose_name_plural = _("change sets")
        indexes = [models.Index(fields=["file", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.file_id}@{self.synced_at:%Y-%m-%d %H:%M:%S}"


class PreviousRow(models.Model):
    """A fact row as it was before a change set updated it: every column, as PostgreSQL's to_jsonb gives
    it, so that jsonb_populate_record restores it exactly."""

    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="previous_rows",
        verbose_name=_("change set"))
    row_id = models.BigIntegerField(verbose_name=_("row id"))
    snapshot = models.JSONField(help_text=_("Every column of the row as it was"), verbose_name=_("snapshot"))

    class Meta:
        verbose_name = _("previous row")
        verbose_name_plural = _("previous rows")
        indexes = [models.Index(fields=["change_set", "row_id"])]


class PreviewStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    STALE = "stale", _("Stale")


class SyncPreview(models.Model):
    """A file's sync run to its end and undone (issue 17): what it would write, for an operator to look
    at before approving it, which syncs the file for real unless the file or its rows changed since."""

    file = models.ForeignKey(CatalogFile, on_delete=models.CASCADE, related_name="previews", verbose_name=_("file"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"))
    status = models.CharField(max_length=20, choices=PreviewStatus.choices, default=PreviewStatus.PENDING,
        verbose_name=_("status"))
    file_sha256 = models.CharField(max_length=64, help_text=_("The bytes previewed"), verbose_name=_("file sha256"))
    rows_digest = models.CharField(max_length=64, blank=True,
        help_text=_("What the table held for the file's place and dates when previewed"), verbose_name=_("rows digest"))
    first_date = models.DateField(null=True, blank=True, verbose_name=_("first date"))
    last_date = models.DateField(null=True, blank=True, verbose_name=_("last date"))
    rows_new = models.PositiveIntegerField(default=0, verbose_name=_("rows new"))
    rows_changed = models.PositiveIntegerField(default=0, verbose_name=_("rows changed"))
    rows_unchanged = models.PositiveIntegerField(default=0, verbose_name=_("rows unchanged"))
    rows_quarantined = models.PositiveIntegerField(default=0, verbose_name=_("rows quarantined"))
    rows_skipped = models.PositiveIntegerField(default=0, verbose_name=_("rows skipped"))
    changes = models.JSONField(default=list, blank=True,
        help_text=_("A sample of the changed rows: each changed field before and after"), verbose_name=_("changes"))
    result = models.JSONField(default=dict, blank=True,
        help_text=_("The sync's result: decisions, reasons, missing and unmapped columns"), verbose_name=_("result"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))

    class Meta:
        verbose_name = _("sync preview")
        verbose_name_plural = _("sync previews")
        indexes = [models.Index(fields=["file", "created_at"])]

    def __str__(self):
        return f"{self.file_id} {self.created_at:%Y-%m-%d %H:%M:%S}"


class FileDrift(models.Model):
    """How a file's header departed from its template when it was last synced (issue 17): columns the template
    does not know, optional fields with no column, and for each new column the field it most likely is.
    Accepting the proposals adds them as aliases in a new template version (sync.services.drift)."""

    file = models.ForeignKey(CatalogFile, on_delete=models.CASCADE, related_name="drifts", verbose_name=_("file"))
    template = models.ForeignKey(FieldTemplate, on_delete=models.CASCADE, related_name="drifts",
        verbose_name=_("template"))
    columns_added = models.JSONField(default=list, blank=True, help_text=_("Source headers the template does not know"),
        verbose_name=_("columns added"))
    fields_missing = models.JSONField(default=list, blank=True, help_text=_("Optional mapped fields with no column"),
        verbose_name=_("fields missing"))
    proposals = models.JSONField(default=list, blank=True,
        help_text=_("Per new column, the closest field: header, field, alias, score 0-1"), verbose_name=_("proposals"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted at"))
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("accepted by"))
    accepted_template = models.ForeignKey(FieldTemplate, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("The template version the accepted aliases went into"),
        verbose_name=_("accepted template"))

    class Meta:
        verbose_name = _("file drift")
        verbose_name_plural = _("file drifts")
        indexes = [models.Index(fields=["file", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.file_id} {self.created_at:%Y-%m-%d %H:%M:%S}"


class DataQualityRecord(models.Model):
    """Completeness of one platform / shop / domain / date after a sync."""

    platform_code = models.CharField(max_length=20, verbose_name=_("platform code"))
    shop_id = models.CharField(max_length=100, verbose_name=_("shop id"))
    data_domain = models.CharField(max_length=20, choices=DataDomain.choices, verbose_name=_("data domain"))
    business_date = models.DateField(verbose_name=_("business date"))
    rows = models.PositiveIntegerField(default=0, verbose_name=_("rows"))
    score = models.DecimalField(max_digits=5, decimal_places=2, help_text=_("0-100: share of expected values present"),
        verbose_name=_("score"))
    missing_fields = models.JSONField(default=list, blank=True, verbose_name=_("missing fields"))
    checked_at = models.DateTimeField(auto_now=True, verbose_name=_("checked at"))

    class Meta:
        verbose_name = _("data quality record")
        verbose_name_plural = _("data quality records")
        constraints = [
            models.UniqueConstraint(
                fields=["platform_code", "shop_id", "data_domain", "business_date"], name="uniq_quality_record"
            )
        ]
