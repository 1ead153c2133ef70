# Field labels translatable (issue 18, point 4), the time of a file's last sync and an index on finished_at (the dashboard).

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sync', '0007_task_queue_order_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='catalogfile',
            name='last_sync_seconds',
            field=models.FloatField(blank=True, null=True, verbose_name='last sync seconds'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='data_domain',
            field=models.CharField(blank=True, max_length=20, verbose_name='data domain'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='duplicate_of',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='sync.catalogfile', verbose_name='duplicate of'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='file_name',
            field=models.CharField(max_length=255, verbose_name='file name'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='first_seen_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='first seen at'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='granularity',
            field=models.CharField(blank=True, max_length=20, verbose_name='granularity'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='last_error',
            field=models.TextField(blank=True, verbose_name='last error'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='last_result',
            field=models.JSONField(blank=True, default=dict, verbose_name='last result'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='last_synced_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last synced at'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='mtime_ns',
            field=models.BigIntegerField(default=0, verbose_name='mtime ns'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='path',
            field=models.CharField(help_text='Relative to ERP_INBOX_DIR', max_length=1000, unique=True, verbose_name='path'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='period_end',
            field=models.DateField(blank=True, null=True, verbose_name='period end'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='period_start',
            field=models.DateField(blank=True, null=True, verbose_name='period start'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='platform_code',
            field=models.CharField(blank=True, max_length=20, verbose_name='platform code'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='rows_ingested',
            field=models.PositiveIntegerField(default=0, verbose_name='rows ingested'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='rows_quarantined',
            field=models.PositiveIntegerField(default=0, verbose_name='rows quarantined'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='rows_read',
            field=models.PositiveIntegerField(default=0, verbose_name='rows read'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='rows_skipped',
            field=models.PositiveIntegerField(default=0, verbose_name='rows skipped'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='sha256',
            field=models.CharField(db_index=True, max_length=64, verbose_name='sha256'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='shop_id',
            field=models.CharField(blank=True, max_length=100, verbose_name='shop id'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='size_bytes',
            field=models.BigIntegerField(verbose_name='size bytes'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending'), ('queued', 'Queued'), ('processing', 'Processing'), ('ingested', 'Ingested'), ('partial', 'Partial (rows quarantined)'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='pending', max_length=20, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='template',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='sync.fieldtemplate', verbose_name='template'),
        ),
        migrations.AlterField(
            model_name='catalogfile',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='componentversion',
            name='component_name',
            field=models.CharField(max_length=100, verbose_name='component name'),
        ),
        migrations.AlterField(
            model_name='componentversion',
            name='is_active',
            field=models.BooleanField(default=False, verbose_name='is active'),
        ),
        migrations.AlterField(
            model_name='componentversion',
            name='notes',
            field=models.TextField(blank=True, verbose_name='notes'),
        ),
        migrations.AlterField(
            model_name='componentversion',
            name='platform_code',
            field=models.CharField(choices=[('shopee', 'Shopee'), ('tiktok', 'TikTok Shop'), ('lazada', 'Lazada'), ('amazon', 'Amazon'), ('miaoshou', 'Miaoshou')], max_length=20, verbose_name='platform code'),
        ),
        migrations.AlterField(
            model_name='componentversion',
            name='released_at',
            field=models.DateField(blank=True, null=True, verbose_name='released at'),
        ),
        migrations.AlterField(
            model_name='componentversion',
            name='version',
            field=models.CharField(max_length=50, verbose_name='version'),
        ),
        migrations.AlterField(
            model_name='dataqualityrecord',
            name='business_date',
            field=models.DateField(verbose_name='business date'),
        ),
        migrations.AlterField(
            model_name='dataqualityrecord',
            name='checked_at',
            field=models.DateTimeField(auto_now=True, verbose_name='checked at'),
        ),
        migrations.AlterField(
            model_name='dataqualityrecord',
            name='data_domain',
            field=models.CharField(choices=[('orders', 'Orders'), ('products', 'Product performance'), ('traffic', 'Traffic'), ('inventory', 'Inventory')], max_length=20, verbose_name='data domain'),
        ),
        migrations.AlterField(
            model_name='dataqualityrecord',
            name='missing_fields',
            field=models.JSONField(blank=True, default=list, verbose_name='missing fields'),
        ),
        migrations.AlterField(
            model_name='dataqualityrecord',
            name='platform_code',
            field=models.CharField(max_length=20, verbose_name='platform code'),
        ),
        migrations.AlterField(
            model_name='dataqualityrecord',
            name='rows',
            field=models.PositiveIntegerField(default=0, verbose_name='rows'),
        ),
        migrations.AlterField(
            model_name='dataqualityrecord',
            name='score',
            field=models.DecimalField(decimal_places=2, help_text='0-100: share of expected values present', max_digits=5, verbose_name='score'),
        ),
        migrations.AlterField(
            model_name='dataqualityrecord',
            name='shop_id',
            field=models.CharField(max_length=100, verbose_name='shop id'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='data_domain',
            field=models.CharField(choices=[('orders', 'Orders'), ('products', 'Product performance'), ('traffic', 'Traffic'), ('inventory', 'Inventory')], max_length=20, verbose_name='data domain'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='date_formats',
            field=models.JSONField(blank=True, default=list, help_text='strftime formats, preferred first', verbose_name='date formats'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='date_from_period',
            field=models.BooleanField(default=False, help_text="Rows carry no date: the business date is the file's period start", verbose_name='date from period'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='dedup_fields',
            field=models.JSONField(blank=True, default=list, verbose_name='dedup fields'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='granularity',
            field=models.CharField(default='any', max_length=20, verbose_name='granularity'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='header_row',
            field=models.PositiveIntegerField(blank=True, help_text='1-based header row; empty: detected from the aliases', null=True, verbose_name='header row'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='is_active',
            field=models.BooleanField(default=True, verbose_name='is active'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='is_builtin',
            field=models.BooleanField(default=False, verbose_name='is builtin'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='mapping',
            field=models.JSONField(default=dict, verbose_name='mapping'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='name',
            field=models.CharField(max_length=100, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='options',
            field=models.JSONField(blank=True, default=dict, help_text='{"fallbacks": {field: [fields tried when empty]}, "defaults": {field: value}}', verbose_name='options'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='platform_code',
            field=models.CharField(choices=[('shopee', 'Shopee'), ('tiktok', 'TikTok Shop'), ('lazada', 'Lazada'), ('amazon', 'Amazon'), ('miaoshou', 'Miaoshou')], max_length=20, verbose_name='platform code'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='required_fields',
            field=models.JSONField(blank=True, default=list, verbose_name='required fields'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='types',
            field=models.JSONField(blank=True, default=dict, verbose_name='types'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='fieldtemplate',
            name='version',
            field=models.PositiveIntegerField(default=1, verbose_name='version'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='available_stock',
            field=models.IntegerField(blank=True, null=True, verbose_name='available stock'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='business_date',
            field=models.DateField(verbose_name='business date'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='extra',
            field=models.JSONField(blank=True, default=dict, help_text='Source columns no template field maps', verbose_name='extra'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='granularity',
            field=models.CharField(max_length=20, verbose_name='granularity'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='in_transit_stock',
            field=models.IntegerField(blank=True, null=True, verbose_name='in transit stock'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='platform_code',
            field=models.CharField(max_length=20, verbose_name='platform code'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='product_name',
            field=models.TextField(blank=True, verbose_name='product name'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='reserved_stock',
            field=models.IntegerField(blank=True, null=True, verbose_name='reserved stock'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='row_hash',
            field=models.BigIntegerField(editable=False, help_text='Hash of the synced values: a re-sync skips rows whose hash is unchanged', null=True, verbose_name='row hash'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='safety_stock',
            field=models.IntegerField(blank=True, null=True, verbose_name='safety stock'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='shop_id',
            field=models.CharField(max_length=100, verbose_name='shop id'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='sku',
            field=models.CharField(max_length=200, verbose_name='sku'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='source_file',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sync.catalogfile', verbose_name='source file'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='source_row',
            field=models.PositiveIntegerField(help_text='1-based row in the source sheet', verbose_name='source row'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='synced_at',
            field=models.DateTimeField(verbose_name='synced at'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='total_stock',
            field=models.IntegerField(blank=True, null=True, verbose_name='total stock'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='unit_price',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='unit price'),
        ),
        migrations.AlterField(
            model_name='inventorysnapshot',
            name='warehouse',
            field=models.CharField(blank=True, default='', max_length=100, verbose_name='warehouse'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='business_date',
            field=models.DateField(verbose_name='business date'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='buyer',
            field=models.CharField(blank=True, max_length=200, verbose_name='buyer'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='currency',
            field=models.CharField(blank=True, max_length=8, verbose_name='currency'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='deal_price',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='deal price'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='extra',
            field=models.JSONField(blank=True, default=dict, help_text='Source columns no template field maps', verbose_name='extra'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='granularity',
            field=models.CharField(max_length=20, verbose_name='granularity'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='line_key',
            field=models.CharField(help_text='SKU, SKU id or order item id', max_length=200, verbose_name='line key'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='order_id',
            field=models.CharField(max_length=64, verbose_name='order id'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='order_status',
            field=models.CharField(blank=True, max_length=100, verbose_name='order status'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='order_total',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='order total'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='ordered_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='ordered at'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='paid_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='paid at'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='platform_code',
            field=models.CharField(max_length=20, verbose_name='platform code'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='product_name',
            field=models.TextField(blank=True, verbose_name='product name'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='quantity',
            field=models.IntegerField(blank=True, null=True, verbose_name='quantity'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='row_hash',
            field=models.BigIntegerField(editable=False, help_text='Hash of the synced values: a re-sync skips rows whose hash is unchanged', null=True, verbose_name='row hash'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='seller_discount',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='seller discount'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='shipping_fee',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='shipping fee'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='shop_id',
            field=models.CharField(max_length=100, verbose_name='shop id'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='sku',
            field=models.CharField(blank=True, max_length=200, verbose_name='sku'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='source_file',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sync.catalogfile', verbose_name='source file'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='source_row',
            field=models.PositiveIntegerField(help_text='1-based row in the source sheet', verbose_name='source row'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='subtotal',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='subtotal'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='synced_at',
            field=models.DateTimeField(verbose_name='synced at'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='tracking_number',
            field=models.CharField(blank=True, max_length=100, verbose_name='tracking number'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='unit_price',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='unit price'),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='variation',
            field=models.CharField(blank=True, max_length=300, verbose_name='variation'),
        ),
        migrations.AlterField(
            model_name='platformaccount',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='platformaccount',
            name='enabled',
            field=models.BooleanField(default=True, verbose_name='enabled'),
        ),
        migrations.AlterField(
            model_name='platformaccount',
            name='last_collected_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last collected at'),
        ),
        migrations.AlterField(
            model_name='platformaccount',
            name='platform_code',
            field=models.CharField(choices=[('shopee', 'Shopee'), ('tiktok', 'TikTok Shop'), ('lazada', 'Lazada'), ('amazon', 'Amazon'), ('miaoshou', 'Miaoshou')], max_length=20, verbose_name='platform code'),
        ),
        migrations.AlterField(
            model_name='platformaccount',
            name='region',
            field=models.CharField(blank=True, help_text='Country code, e.g. MY, TH, US', max_length=10, verbose_name='region'),
        ),
        migrations.AlterField(
            model_name='platformaccount',
            name='shop_id',
            field=models.CharField(max_length=100, verbose_name='shop id'),
        ),
        migrations.AlterField(
            model_name='platformaccount',
            name='shop_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='shop name'),
        ),
        migrations.AlterField(
            model_name='platformaccount',
            name='timezone',
            field=models.CharField(blank=True, help_text="IANA zone of the shop's local times; empty: the default", max_length=50, verbose_name='timezone'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='add_to_cart_units',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='add to cart units'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='bounce_rate',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='bounce rate'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='business_date',
            field=models.DateField(verbose_name='business date'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='buyers_placed',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='buyers placed'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='clicks',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='clicks'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='conversion_rate',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='conversion rate'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='ctr',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='ctr'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='extra',
            field=models.JSONField(blank=True, default=dict, help_text='Source columns no template field maps', verbose_name='extra'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='granularity',
            field=models.CharField(max_length=20, verbose_name='granularity'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='impressions',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='impressions'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='item_id',
            field=models.CharField(max_length=64, verbose_name='item id'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='item_status',
            field=models.CharField(blank=True, max_length=50, verbose_name='item status'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='orders_confirmed',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='orders confirmed'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='orders_placed',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='orders placed'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='page_views',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='page views'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='platform_code',
            field=models.CharField(max_length=20, verbose_name='platform code'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='product_name',
            field=models.TextField(blank=True, verbose_name='product name'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='row_hash',
            field=models.BigIntegerField(editable=False, help_text='Hash of the synced values: a re-sync skips rows whose hash is unchanged', null=True, verbose_name='row hash'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='sales_confirmed',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='sales confirmed'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='sales_placed',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='sales placed'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='shop_id',
            field=models.CharField(max_length=100, verbose_name='shop id'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='sku',
            field=models.CharField(blank=True, max_length=200, verbose_name='sku'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='source_file',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sync.catalogfile', verbose_name='source file'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='source_row',
            field=models.PositiveIntegerField(help_text='1-based row in the source sheet', verbose_name='source row'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='synced_at',
            field=models.DateTimeField(verbose_name='synced at'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='units_confirmed',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='units confirmed'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='units_placed',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='units placed'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='variation_id',
            field=models.CharField(blank=True, max_length=64, verbose_name='variation id'),
        ),
        migrations.AlterField(
            model_name='productperformance',
            name='visitors',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='visitors'),
        ),
        migrations.AlterField(
            model_name='quarantinedrow',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='quarantinedrow',
            name='file',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quarantined_rows', to='sync.catalogfile', verbose_name='file'),
        ),
        migrations.AlterField(
            model_name='quarantinedrow',
            name='raw',
            field=models.JSONField(default=dict, verbose_name='raw'),
        ),
        migrations.AlterField(
            model_name='quarantinedrow',
            name='reasons',
            field=models.JSONField(default=list, verbose_name='reasons'),
        ),
        migrations.AlterField(
            model_name='quarantinedrow',
            name='source_row',
            field=models.PositiveIntegerField(verbose_name='source row'),
        ),
        migrations.AlterField(
            model_name='quarantinedrow',
            name='task',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='sync.syncprogresstask', verbose_name='task'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='attempts',
            field=models.PositiveIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='cancel_requested',
            field=models.BooleanField(default=False, verbose_name='cancel requested'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='current_file',
            field=models.CharField(blank=True, max_length=255, verbose_name='current file'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='dispatch_error',
            field=models.TextField(blank=True, help_text='Why the last publish failed (the task waits for the broker)', verbose_name='dispatch error'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='dispatched_at',
            field=models.DateTimeField(blank=True, help_text='When the broker accepted the message', null=True, verbose_name='dispatched at'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='errors',
            field=models.JSONField(blank=True, default=list, verbose_name='errors'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='failed_files',
            field=models.PositiveIntegerField(default=0, verbose_name='failed files'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='file_ids',
            field=models.JSONField(blank=True, default=list, verbose_name='file ids'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='file_progress',
            field=models.FloatField(default=0.0, help_text='Percent of the current file', verbose_name='file progress'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='file_results',
            field=models.JSONField(blank=True, default=list, verbose_name='file results'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished at'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='heartbeat at'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='parameters',
            field=models.JSONField(blank=True, default=dict, verbose_name='parameters'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='priority',
            field=models.PositiveSmallIntegerField(default=5, help_text='1-10, 10 highest', verbose_name='priority'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='processed_files',
            field=models.PositiveIntegerField(default=0, verbose_name='processed files'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='rows_ingested',
            field=models.PositiveBigIntegerField(default=0, verbose_name='rows ingested'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='rows_quarantined',
            field=models.PositiveBigIntegerField(default=0, verbose_name='rows quarantined'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='rows_read',
            field=models.PositiveBigIntegerField(default=0, verbose_name='rows read'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='rows_skipped',
            field=models.PositiveBigIntegerField(default=0, verbose_name='rows skipped'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='run_file_ids',
            field=models.JSONField(blank=True, default=list, help_text='Files of the current run (a retry: those left)', verbose_name='run file ids'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='skipped_files',
            field=models.PositiveIntegerField(default=0, verbose_name='skipped files'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='started at'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('processing', 'Processing'), ('completed', 'Completed'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='queued', max_length=20, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='succeeded_files',
            field=models.PositiveIntegerField(default=0, verbose_name='succeeded files'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='task_details',
            field=models.JSONField(blank=True, default=dict, verbose_name='task details'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='task_id',
            field=models.CharField(default=uuid.uuid4, max_length=64, unique=True, verbose_name='task id'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='task_type',
            field=models.CharField(choices=[('single_file', 'Single file'), ('batch', 'Batch'), ('batch_by_ids', 'Batch by ids'), ('batch_all', 'Batch all')], max_length=20, verbose_name='task type'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='total_files',
            field=models.PositiveIntegerField(default=0, verbose_name='total files'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='syncprogresstask',
            name='user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='bounce_rate',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='bounce rate'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='business_date',
            field=models.DateField(verbose_name='business date'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='buyers',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='buyers'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='channel',
            field=models.CharField(blank=True, default='', help_text='Empty: the whole shop', max_length=50, verbose_name='channel'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='conversion_rate',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='conversion rate'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='extra',
            field=models.JSONField(blank=True, default=dict, help_text='Source columns no template field maps', verbose_name='extra'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='granularity',
            field=models.CharField(max_length=20, verbose_name='granularity'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='orders',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='orders'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='page_views',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='page views'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='platform_code',
            field=models.CharField(max_length=20, verbose_name='platform code'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='row_hash',
            field=models.BigIntegerField(editable=False, help_text='Hash of the synced values: a re-sync skips rows whose hash is unchanged', null=True, verbose_name='row hash'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='sales',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='sales'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='shop_id',
            field=models.CharField(max_length=100, verbose_name='shop id'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='source_file',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sync.catalogfile', verbose_name='source file'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='source_row',
            field=models.PositiveIntegerField(help_text='1-based row in the source sheet', verbose_name='source row'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='synced_at',
            field=models.DateTimeField(verbose_name='synced at'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='units',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='units'),
        ),
        migrations.AlterField(
            model_name='trafficdaily',
            name='visitors',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='visitors'),
        ),
        migrations.AddIndex(
            model_name='syncprogresstask',
            index=models.Index(fields=['finished_at'], name='task_finished_at'),
        ),
    ]
