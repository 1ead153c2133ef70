"""The operations dashboard (issue 18, point 2): its figures equal the same figures computed by
straightforward ORM queries on a database seeded with tasks and quality records across users, shops and
dates; staff only; in English and Chinese; and a handful of queries however many rows there are."""

import datetime
import random
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db.models import Avg
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sync.models import CatalogFile, DataQualityRecord, SyncProgressTask, TaskStatus, TaskType
from sync.services.dashboard import CACHE_KEY, HEATMAP_DAYS, HOURS_LONG, dashboard_compute, dashboard_figures

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("admin:operations-dashboard")
NOW = timezone.now()
STATUSES = [TaskStatus.QUEUED, TaskStatus.PROCESSING, TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED]


@pytest.fixture(autouse=True)
def no_cached_figures():
    """The cache outlives a test's database; figures of another test's rows must not be shown."""
    from django.core.cache import cache

    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


@pytest.fixture
def seeded(operator):
    """300 tasks of 4 users in every status and priority, finished over 8 days; files synced today with
    their times; quality records of 5 shops over 20 days, some incomplete."""
    rng = random.Random(18)
    users = [operator] + [User.objects.create(username=f"user{i}") for i in range(3)]
    tasks = []
    for i in range(300):
        status = rng.choice(STATUSES)
        created = NOW - timedelta(minutes=rng.randint(1, 8 * 24 * 60))
        finished = status in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)
        tasks.append(SyncProgressTask(
            task_id=f"t{i}", task_type=TaskType.BATCH_BY_IDS, user=rng.choice(users + [None]),
            priority=rng.randint(1, 10), status=status, created_at=created,
            dispatched_at=None if rng.random() < 0.2 else created,
            heartbeat_at=NOW - timedelta(seconds=rng.choice([5, 600])) if status == TaskStatus.PROCESSING else None,
            finished_at=created + timedelta(minutes=rng.randint(1, 30)) if finished else None,
            processed_files=rng.randint(0, 5), failed_files=rng.randint(0, 2), rows_read=rng.randint(0, 5000),
            rows_ingested=rng.randint(0, 4000), rows_quarantined=rng.randint(0, 100)))
    SyncProgressTask.objects.bulk_create(tasks)
    # created_at is auto_now_add: set the seeded times afterwards.
    for task in tasks:
        SyncProgressTask.objects.filter(task_id=task.task_id).update(created_at=task.created_at)
    CatalogFile.objects.bulk_create(CatalogFile(
        path=f"shopee/s{i}/orders/daily/f{i}.xlsx", file_name=f"f{i}.xlsx", sha256=f"{i:064x}", size_bytes=1,
        platform_code="shopee", shop_id=f"s{i % 5}", data_domain="orders", status="ingested",
        last_synced_at=NOW - timedelta(minutes=i) if i % 3 else NOW - timedelta(days=2),
        last_sync_seconds=rng.uniform(0.1, 60)) for i in range(40))
    today = timezone.localdate(NOW)
    DataQualityRecord.objects.bulk_create(DataQualityRecord(
        platform_code=platform, shop_id=f"shop{s}", data_domain=domain, business_date=today - timedelta(days=d),
        rows=rng.randint(1, 100), score=rng.choice([100, 100, 97.5, 80, 60]),
        missing_fields=[] if rng.random() < 0.6 else ["buyer", "sku"])
        for platform in ("shopee", "lazada") for s in range(3) for d in range(20)
        for domain in ("orders", "traffic") if (s + d) % 7)


def test_task_figures_equal_plain_orm_counts(seeded):
    refused = SyncProgressTask.objects.filter(status="queued", dispatched_at__isnull=True).order_by("pk")[:4]
    SyncProgressTask.objects.filter(pk__in=[t.pk for t in refused]).update(dispatch_error="Connection refused")
    figures = dashboard_compute(now=NOW)

    tasks = SyncProgressTask.objects
    stale = NOW - timedelta(seconds=120)
    assert figures["waiting"] == tasks.filter(status="queued").count()
    assert figures["running"] == tasks.filter(status="processing").count()
    assert figures["stalled"] == tasks.filter(status="processing", heartbeat_at__lt=stale).count()
    assert figures["undispatched"] == tasks.undispatched().count() == 4
    oldest = tasks.filter(status="queued").order_by("created_at").first().created_at
    assert figures["oldest_waiting_s"] == pytest.approx((NOW - oldest).total_seconds())
    for band, (low, high) in {"high": (8, 10), "normal": (4, 7), "low": (1, 3)}.items():
        (row,) = [b for b in figures["bands"] if b["band"] == band]
        in_band = tasks.filter(priority__gte=low, priority__lte=high)
        assert (row["waiting"], row["running"]) == (in_band.filter(status="queued").count(),
                                                    in_band.filter(status="processing").count())
    for row in figures["users"]:
        mine = tasks.filter(user__username=row["username"]) if row["username"] != "-" else tasks.filter(user=None)
        assert (row["waiting"], row["running"]) == (mine.filter(status="queued").count(),
                                                    mine.filter(status="processing").count())
    assert sum(r["waiting"] + r["running"] for r in figures["users"]) == tasks.active().count()


def test_hourly_figures_equal_the_finished_tasks_of_each_hour(seeded):
    figures = dashboard_compute(now=NOW)

    hours = figures["hourly"]
    assert len(hours) == HOURS_LONG
    for hour in hours:
        finished = [t for t in SyncProgressTask.objects.filter(finished_at__gte=hour["hour"],
                                                               finished_at__lt=hour["hour"] + timedelta(hours=1))]
        assert hour["files"] == sum(t.processed_files for t in finished)
        assert hour["rows"] == sum(t.rows_ingested for t in finished)
        assert hour["failed_files"] == sum(t.failed_files for t in finished)
        assert hour["failed_tasks"] == sum(t.status == "failed" for t in finished)
        read = sum(t.rows_read for t in finished)
        assert hour["quarantine_rate"] == pytest.approx(sum(t.rows_quarantined for t in finished) / read if read else 0)
    first_hour = hours[0]["hour"]
    assert sum(h["files"] for h in hours) == sum(
        SyncProgressTask.objects.filter(finished_at__gte=first_hour).values_list("processed_files", flat=True))


def test_slowest_files_are_todays_by_sync_time(seeded):
    figures = dashboard_compute(now=NOW)

    midnight = timezone.localtime(NOW).replace(hour=0, minute=0, second=0, microsecond=0)
    expected = list(CatalogFile.objects.filter(last_synced_at__gte=midnight).order_by("-last_sync_seconds")
                    .values_list("file_name", flat=True)[:10])
    assert [f["file_name"] for f in figures["slowest_files"]] == expected


def test_heatmap_cells_are_the_mean_score_of_each_shop_and_date(seeded):
    figures = dashboard_compute(now=NOW)

    heatmap = figures["heatmap"]
    assert len(heatmap["dates"]) == HEATMAP_DAYS
    cells = 0
    for row in heatmap["rows"]:
        for day, cell in zip(heatmap["dates"], row["cells"]):
            records = DataQualityRecord.objects.filter(platform_code=row["platform_code"], shop_id=row["shop_id"],
                                                       business_date=day)
            if cell is None:
                assert not records.exists()
                continue
            cells += 1
            assert cell["score"] == pytest.approx(float(records.aggregate(s=Avg("score"))["s"]))
            assert cell["records"] == records.count()
            assert len(cell["missing"]) == records.exclude(missing_fields=[]).count()
    assert cells == DataQualityRecord.objects.filter(business_date__gte=heatmap["dates"][0]).values(
        "platform_code", "shop_id", "business_date").distinct().count()


def test_the_figures_take_a_handful_of_queries(seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        dashboard_compute(now=NOW)


def test_the_figures_are_reused_for_a_few_seconds(seeded, settings):
    settings.ERP_DASHBOARD_CACHE_S = 60
    first = dashboard_figures(use_cache=False)
    SyncProgressTask.objects.filter(status="queued").delete()

    assert dashboard_figures()["waiting"] == first["waiting"]
    assert dashboard_figures(use_cache=False)["waiting"] == 0


def test_the_page_shows_the_figures_in_english_and_chinese(operator_client, seeded):
    english = operator_client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en")
    chinese = operator_client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 200
    waiting = SyncProgressTask.objects.filter(status="queued").count()
    assert f'<b id="waiting">{waiting}</b>' in english.content.decode()
    assert "Operations dashboard" in english.content.decode() and "Slowest files today" in english.content.decode()
    text = chinese.content.decode()
    assert "运维仪表盘" in text and "今天最慢的文件" in text and "按店铺和日期的数据质量" in text
    assert text.count('<svg class="chart"') == 8
    # Every chart is drawn on the server: no script and nothing from another host.
    assert "<script src=\"http" not in text and "cdn" not in text.lower()


def test_a_heatmap_cell_links_to_its_quality_records_and_files(operator_client, seeded):
    text = operator_client.get(DASHBOARD).content.decode()

    record = DataQualityRecord.objects.filter(business_date=timezone.localdate(NOW)).order_by("platform_code",
                                                                                              "shop_id").first()
    quality = (f"/admin/sync/dataqualityrecord/?platform_code={record.platform_code}&amp;shop_id={record.shop_id}"
               f"&amp;business_date={record.business_date.isoformat()}")
    assert quality in text
    listed = operator_client.get(quality.replace("&amp;", "&"))
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == DataQualityRecord.objects.filter(
        platform_code=record.platform_code, shop_id=record.shop_id, business_date=record.business_date).count()


def test_only_staff_see_the_dashboard(owner):
    assert Client().get(DASHBOARD).status_code == 302
    client = Client()
    client.force_login(owner)
    assert client.get(DASHBOARD).status_code == 302


def test_the_heatmap_ends_at_the_latest_business_date_with_records():
    # Given a backfill whose newest data is months old (the demo exports are of November 2024)
    DataQualityRecord.objects.create(platform_code="shopee", shop_id="s1", data_domain="orders",
                                     business_date=datetime.date(2024, 11, 20), rows=3, score=92.5,
                                     missing_fields=["buyer"])

    heatmap = dashboard_compute(now=NOW)["heatmap"]

    assert heatmap["dates"][-1] == datetime.date(2024, 11, 20)
    (row,) = heatmap["rows"]
    assert row["cells"][-1] == {"score": 92.5, "records": 1, "rows": 3, "missing": ["orders: buyer"]}
